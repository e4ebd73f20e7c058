"""Importing a transfer summary: a JSON summary another authority sent (or LISA's own, when the
child comes back) goes into a new record or one already on LISA, after the duplicate check;
every problem is named by where it is in the file and nothing is kept unless the file is valid;
a record's own values are never replaced; shielding holds; and the summary is kept whole, to be
read from the full record."""

from __future__ import annotations

import copy
import datetime as dt
import json
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone

from audit.models import Action, AuditEvent
from children import actions, importing, transfer
from children.models import (
    Child,
    Family,
    ParentalResponsibility,
    PendingImport,
    ReceivedSummary,
)
from children.rules import access
from children.validators import lisa_ref_check
from tests.children.conftest import involve, make_child
from tests.helpers import assert_audited
from tests.lisa.test_no_personal_data_in_urls import Page, leaks_in

pytestmark = pytest.mark.django_db

KENT = "Kent County Council"


def summary(**child_changes) -> dict:
    """A transfer summary as another authority would send it (valid, version 1)."""
    today = timezone.localdate()
    child = {
        "lisa_ref": "L7654321A",
        "nhs_number": "1234567814",
        "upn": "Q801200005002",
        "forenames": "Rosalind",
        "surname": "Pemberton-Vane",
        "other_names": "",
        "date_of_birth": "2015-03-01",
        "gender": "female",
        "address": {
            "lines": ["4 Invented Crescent", "Maidstone"],
            "postcode": "ME14 1XQ",
            "shielded": False,
        },
        "school": "Invicta Park Primary",
        "first_language": "English",
        "interpreter_needed": False,
        "status": "moved_out",
        "moved_out": {
            "date": (today - dt.timedelta(days=20)).isoformat(),
            "authority": "London Borough of Lewisham",
            "team": "Early Help",
            "email": "earlyhelp@lewisham.example.org",
            "phone": "020 8314 6000",
        },
    }
    child.update(child_changes)
    return {
        "schema_version": 1,
        "produced_at": (timezone.now() - dt.timedelta(days=2)).isoformat(),
        "produced_by": {
            "name": "Gwendolyn Ashdown",
            "agency": "Kent Early Help",
            "role": "Family support worker",
            "phone": "03000 411111",
            "email": "g.ashdown@kent.example.org",
            "lead_professional": True,
        },
        "for_authority": "London Borough of Lewisham, Early Help",
        "lawful_basis": {
            "kind": "agreement",
            "description": "Parent/carer agreement",
            "date": (today - dt.timedelta(days=60)).isoformat(),
        },
        "child": child,
        "parents": [
            {
                "name": "Beatrice Pemberton-Vane",
                "relationship": "mother",
                "phone": "07700 900321",
                "email": "beatrice.pv@example.org",
                "address": "4 Invented Crescent\nMaidstone\nME14 1XQ",
            }
        ],
        "practitioners": [
            {
                "name": "Gwendolyn Ashdown",
                "agency": "Kent Early Help",
                "role": "Family support worker",
                "phone": "03000 411111",
                "email": "g.ashdown@kent.example.org",
                "lead_professional": True,
            }
        ],
        "concerns": [
            {
                "date": (today - dt.timedelta(days=90)).isoformat(),
                "level": 2,
                "categories": ["Neglect", "Attendance"],
                "outcome": "Multi-agency discussion",
                "status": "open",
                "agency": "Invicta Park Primary",
                "summary": "Often late, tired and hungry",
                "action_agreed": "Breakfast club place",
            }
        ],
        "meetings": [
            {
                "date": (today - dt.timedelta(days=70)).isoformat(),
                "kind": "initial",
                "status": "held",
                "decisions": ["Breakfast club every school day"],
            }
        ],
        "plan": {
            "opened": (today - dt.timedelta(days=70)).isoformat(),
            "lead_professional": None,
            "outcomes": ["Education: arrives ready to learn"],
            "open_actions": [
                {
                    "what": "Attend breakfast club",
                    "who": "Beatrice Pemberton-Vane",
                    "due": (today + dt.timedelta(days=10)).isoformat(),
                }
            ],
            "next_review": (today + dt.timedelta(days=14)).isoformat(),
        },
        "consent": {
            "position": "The parent or carer agrees to information being shared",
            "agreements": [
                {
                    "kind": "parent_carer",
                    "decision": "agree",
                    "signed_on": (today - dt.timedelta(days=60)).isoformat(),
                    "withdrawn_on": None,
                }
            ],
            "decisions_to_share": [],
            "requests_for_information": [],
        },
        "withheld": [],
    }


def upload(client, document=None, *, raw: bytes | None = None, authority=KENT, child=None):
    data = raw if raw is not None else json.dumps(document).encode()
    url = "/children/import/" + (f"?child={child.pk}" if child is not None else "")
    return client.post(
        url,
        {
            "summary": SimpleUploadedFile("summary.json", data, content_type="application/json"),
            "from_authority": authority,
        },
    )


def token_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:3000]
    match = resolve(urlsplit(response["Location"]).path)
    assert match.view_name == "children:import-review"
    return match.kwargs["token"]


def _request(user):
    request = RequestFactory().post("/")
    request.user = user
    return request


def stored_counts() -> tuple[int, int, int, int]:
    return (
        Child.objects.count(),
        ParentalResponsibility.objects.count(),
        ReceivedSummary.objects.count(),
        PendingImport.objects.count(),
    )


def test_the_example_summary_is_valid():
    """The tests' summary is what the schema and LISA's checks accept (so every failure below
    is caused by what each test changes)."""
    assert transfer.validate(summary(), version=1) == []
    assert importing.check(summary()) == []


# --- a new record --------------------------------------------------------------------------------


def test_a_valid_summary_makes_a_new_record(client_for, amara):
    client = client_for(amara)
    token = token_of(upload(client, summary()))
    page = client.get(f"/children/import/{token}/").content.decode()
    assert "No child on LISA looks like the child in the summary" in page
    assert "Rosalind Pemberton-Vane" in page
    preview = client.get(f"/children/import/{token}/new/").content.decode()
    assert "ME14 1XQ" in preview and "Beatrice Pemberton-Vane" in preview
    response = client.post(f"/children/import/{token}/new/")
    child = Child.objects.get(surname="Pemberton-Vane")
    # amara does not work with the new child: she sees its index card.
    assert response.status_code == 302 and response["Location"] == f"/children/{child.pk}/"
    assert child.nhs_number == "1234567814" and child.upn == "Q801200005002"
    assert (child.address_line_1, child.town, child.postcode) == (
        "4 Invented Crescent",
        "Maidstone",
        "ME14 1XQ",
    )
    assert child.status == "active" and not child.shielded
    mother = child.parents.get()
    assert mother.name == "Beatrice Pemberton-Vane" and mother.email == "beatrice.pv@example.org"
    received = ReceivedSummary.objects.get(child=child)
    assert received.content == summary() | {"produced_at": received.content["produced_at"]}
    assert received.from_authority == KENT and received.imported_by == amara
    assert received.created_record
    assert not PendingImport.objects.exists()


def test_round_trip_a_summary_lisa_produced_comes_back_as_the_same_child(amara, morgan):
    """A child leaves with a summary LISA produced; the summary comes back and makes a new
    record: every detail of the child and of the people with parental responsibility is the
    same."""
    source = make_child(
        forenames="Clementine Aurelia",
        surname="Harrowgate",
        other_names="Clemmie Harrowgate",
        date_of_birth=dt.date(2013, 7, 19),
        gender="female",
        address_line_1="17 Invented Row",
        address_line_2="Flat 2",
        town="London",
        postcode="SE13 7QT",
        nhs_number="9434765919",
        upn="E801200005003",
        school="Prendergast Ladywell",
        first_language="Portuguese",
        interpreter_needed=True,
        shielded=True,
    )
    involve(amara, source)
    ParentalResponsibility.objects.create(
        child=source,
        name="Odette Harrowgate",
        relationship="mother",
        phone="07700 900555",
        email="odette@example.org",
        address="17 Invented Row\nLondon",
    )
    basis = {"kind": "agreement", "description": "Parent/carer agreement", "date": "2026-05-03"}
    document = transfer.build(source, access(amara, source), for_authority=KENT, basis=basis)
    # The child is on this LISA no longer (as at another authority's): its identifiers are free.
    Child.objects.filter(pk=source.pk).update(nhs_number="", upn="")
    pending = actions.hold_import(
        request=_request(morgan), by=morgan, document=document, from_authority=KENT
    )
    received = actions.import_transfer_summary(request=_request(morgan), by=morgan, pending=pending)
    child = received.child
    assert child.pk != source.pk and child.lisa_ref != source.lisa_ref
    source.refresh_from_db()
    for name in actions.CHILD_FIELDS:
        if name in ("status", "nhs_number", "upn"):
            continue
        assert getattr(child, name) == getattr(source, name), name
    assert (child.nhs_number, child.upn) == ("9434765919", "E801200005003")
    fields = ("name", "relationship", "phone", "email", "address")
    assert list(child.parents.values_list(*fields)) == list(source.parents.values_list(*fields))
    assert received.content == document


# --- a record already on LISA --------------------------------------------------------------------


@pytest.fixture
def existing(amara):
    """Rosalind as she is on LISA already: no NHS number or school, another first language
    and Portuguese spoken at home, an address that differs, and her mother."""
    child = make_child(
        forenames="Rosalind",
        surname="Pemberton-Vane",
        date_of_birth=dt.date(2015, 3, 1),
        address_line_1="90 Invented Lane",
        town="London",
        postcode="SE6 4RT",
        school="",
        first_language="Portuguese",
        status="moved_out",
    )
    involve(amara, child)
    ParentalResponsibility.objects.create(
        child=child, name="Beatrice  PEMBERTON-VANE", relationship="mother", phone="020 1"
    )
    return child


def test_a_valid_summary_goes_into_a_record_already_on_lisa(client_for, amara, existing):
    document = summary()
    document["parents"].append(
        {
            "name": "Ignatius Pemberton-Vane",
            "relationship": "father",
            "phone": "",
            "email": "",
            "address": None,
        }
    )
    client = client_for(amara)
    token = token_of(upload(client, document))
    page = client.get(f"/children/import/{token}/").content.decode()
    assert existing.lisa_ref in page and "Same date of birth" in page
    assert f"/children/import/{token}/into/{existing.pk}/" in page
    preview = client.get(f"/children/import/{token}/into/{existing.pk}/").content.decode()
    assert "1234567814" in preview and "Invicta Park Primary" in preview  # filled in
    assert "Portuguese" in preview and "English" in preview  # a difference, LISA's kept
    assert "90 Invented Lane" in preview and "4 Invented Crescent" in preview
    assert "Ignatius Pemberton-Vane" in preview and "moved out of the area" in preview
    version = existing.version
    response = client.post(f"/children/import/{token}/into/{existing.pk}/", {"version": version})
    received = ReceivedSummary.objects.get(child=existing)
    assert response["Location"] == f"/children/{existing.pk}/received/{received.pk}/"
    existing.refresh_from_db()
    assert existing.nhs_number == "1234567814" and existing.upn == "Q801200005002"
    assert existing.school == "Invicta Park Primary"
    # What the record held stays: its first language and its address.
    assert existing.first_language == "Portuguese"
    assert (existing.address_line_1, existing.postcode) == ("90 Invented Lane", "SE6 4RT")
    assert existing.status == "moved_out"
    # The mother was there already (the name matched whatever its case and spacing).
    assert sorted(existing.parents.values_list("name", flat=True)) == [
        "Beatrice  PEMBERTON-VANE",
        "Ignatius Pemberton-Vane",
    ]
    assert {c["field"] for c in received.conflicts} == {"first_language", "address"}
    assert not received.created_record
    shown = client.get(response["Location"]).content.decode()
    assert "Different from LISA" in shown and "Portuguese" in shown


def test_a_differing_value_is_never_replaced(amara, existing):
    document = summary(forenames="Rosalyn", gender="male", date_of_birth="2015-03-02")
    document["child"]["first_language"] = "Welsh"
    before = {name: getattr(existing, name) for name in actions.CHILD_FIELDS}
    pending = actions.hold_import(
        request=_request(amara), by=amara, document=document, from_authority=KENT
    )
    received = actions.import_transfer_summary(
        request=_request(amara), by=amara, pending=pending, into=existing, version=existing.version
    )
    existing.refresh_from_db()
    after = {name: getattr(existing, name) for name in actions.CHILD_FIELDS}
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"nhs_number", "upn", "school"}  # only what the record lacked
    kept = {c["field"]: (c["lisa"], c["summary"]) for c in received.conflicts}
    assert kept["forenames"] == ("Rosalind", "Rosalyn")
    assert kept["gender"] == ("Female", "Male")
    assert kept["date_of_birth"] == ("1 March 2015", "2 March 2015")
    assert kept["first_language"] == ("Portuguese", "Welsh")


def test_an_identifier_another_record_holds_is_not_copied(amara, existing):
    make_child(forenames="Someone", surname="Else", nhs_number="1234567814")
    pending = actions.hold_import(
        request=_request(amara), by=amara, document=summary(), from_authority=KENT
    )
    received = actions.import_transfer_summary(
        request=_request(amara), by=amara, pending=pending, into=existing, version=existing.version
    )
    existing.refresh_from_db()
    assert existing.nhs_number == "" and existing.upn == "Q801200005002"
    (conflict,) = [c for c in received.conflicts if c["field"] == "nhs_number"]
    assert "Another record on LISA has it" in conflict["note"]


def test_a_record_changed_meanwhile_is_not_imported_into(client_for, amara, existing):
    client = client_for(amara)
    token = token_of(upload(client, summary()))
    url = f"/children/import/{token}/into/{existing.pk}/"
    version = existing.version
    actions.update_child(
        request=_request(amara),
        by=amara,
        child=existing,
        version=version,
        changes={"school": "Brent Knoll"},
    )
    response = client.post(url, {"version": version})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed this child" in page and "Brent Knoll" in page
    assert not ReceivedSummary.objects.exists() and PendingImport.objects.count() == 1
    # A second, deliberate import goes through with the newer version.
    existing.refresh_from_db()
    assert client.post(url, {"version": existing.version}).status_code == 302
    existing.refresh_from_db()
    assert existing.school == "Brent Knoll"  # kept: the summary's school is a difference


# --- the duplicate check -------------------------------------------------------------------------


def test_a_record_with_the_same_nhs_number_is_shown_and_no_new_record_is_made(
    client_for, amara, daniel
):
    twin = make_child(forenames="Rosie", surname="Vane", nhs_number="1234567814")
    involve(daniel, twin)
    client = client_for(amara)
    token = token_of(upload(client, summary()))
    page = client.get(f"/children/import/{token}/").content.decode()
    assert twin.lisa_ref in page and "Same NHS number" in page
    assert 'data-testid="create-new"' not in page
    # amara does not work with this child: she may not import into that record.
    assert f"/into/{twin.pk}/" not in page and "You may not change this record" in page
    before = stored_counts()
    response = client.post(f"/children/import/{token}/new/")
    assert response.status_code == 200
    assert "import the summary into that record instead" in response.content.decode()
    assert stored_counts() == before


def test_the_record_the_import_started_from_and_the_same_reference_are_offered(client_for, amara):
    mine = make_child(forenames="Wholly", surname="Different", date_of_birth=dt.date(2019, 1, 1))
    involve(amara, mine)
    returning = make_child(forenames="Quite", surname="Other", date_of_birth=dt.date(2018, 1, 1))
    client = client_for(amara)
    page = client.get(f"/children/import/?child={mine.pk}").content.decode()
    assert 'data-testid="started-from"' in page and mine.lisa_ref in page
    token = token_of(upload(client, summary(lisa_ref=returning.lisa_ref), child=mine))
    page = client.get(f"/children/import/{token}/").content.decode()
    assert "The record you started the import from" in page and mine.lisa_ref in page
    assert "Same LISA reference" in page and returning.lisa_ref in page


# --- problems, and nothing kept ------------------------------------------------------------------


def _errors(response) -> str:
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "There is a problem" in page
    return page


def test_schema_problems_are_named_field_by_field_and_nothing_is_kept(client_for, amara):
    document = summary(date_of_birth="01/03/2015", gender="girl", nhs_number="943 476 5919")
    del document["child"]["surname"]
    document["child"]["favourite_colour"] = "green"
    document["parents"][0]["email"] = None
    document["concerns"][0]["level"] = 7
    before = stored_counts()
    page = _errors(upload(client_for(amara), document))
    for line in (
        "Child › Date of birth: must be a date like 2015-03-01",
        "Child › Last name: is missing",
        "Child › Gender: must be one of: female, male, other, not_known",
        "Child › NHS number: must be an NHS number of 10 digits, like 9434765919",
        "Child › “favourite_colour”: is not a field of a LISA transfer summary",
        "People with parental responsibility › Person 1 › Email: must be text",
        "Concerns › Concern 1 › Level: must be at most 4",
    ):
        assert line in page, line
    assert stored_counts() == before
    assert_audited(user=amara, action=Action.VIEW, refused=True, view="transfer summary upload")


def test_lisas_own_checks_are_named_field_by_field_and_nothing_is_kept(client_for, amara):
    today = timezone.localdate()
    document = summary(
        nhs_number="1234567815",
        upn="Q801200005003",
        date_of_birth=(today + dt.timedelta(days=3)).isoformat(),
        address={"lines": ["4 Invented Crescent"], "postcode": "XX1 1XX", "shielded": False},
    )
    document["parents"][0]["email"] = "not an email"
    document["concerns"][0]["date"] = (today + dt.timedelta(days=5)).isoformat()
    before = stored_counts()
    page = _errors(upload(client_for(amara), document))
    for line in (
        "Child › NHS number: This is not a valid NHS number",
        "Child › Unique Pupil Number: This is not a valid Unique Pupil Number",
        "Child › Date of birth: must be today or in the past",
        "Child › Address › Postcode: Enter a real UK postcode",
        "People with parental responsibility › Person 1 › Email: Enter a valid email address",
        "Concerns › Concern 1 › Date: must be today or in the past",
    ):
        assert line in page, line
    assert stored_counts() == before


def test_a_child_of_18_or_more_is_refused(client_for, amara):
    page = _errors(upload(client_for(amara), summary(date_of_birth="2001-01-01")))
    assert "Child › Date of birth: LISA is for children and young people under 18" in page


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The chosen file is empty"),
        (b"x" * (importing.MAX_BYTES + 1), "The file: must be smaller than 2 MB"),
        (b"hello, this is not JSON", "The file: is not valid JSON (line 1, column 1"),
        (b'{"schema_version": 1\x00}', "The file: contains NUL bytes"),
        (b"\xff\xfe{\x00}\x00", "The file: contains NUL bytes"),
        (b'{"schema_version": "\xe9"}', "The file: is not UTF-8 text"),
        (b"[1, 2, 3]", "The file: is not a transfer summary: it must be one JSON object"),
        (b'{"child": {}}', "The file: is not a LISA transfer summary: it has no schema_version"),
        (
            b'{"schema_version": 3}',
            "Schema version: version 3 is not one LISA can read: LISA reads versions 1 and 2",
        ),
        (b'{"schema_version": "1"}', "Schema version: version &quot;1&quot; is not one LISA"),
        (b'{"schema_version": true}', "Schema version: version true is not one LISA can read"),
        (b'{"schema_version": NaN}', "The file: is not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "The file: "),
    ],
    ids=[
        "empty",
        "too-big",
        "not-json",
        "nul",
        "utf-16",
        "not-utf-8",
        "a-list",
        "no-version",
        "version-3",
        "version-as-text",
        "version-true",
        "nan",
        "deeply-nested",
    ],
)
def test_a_file_that_is_not_a_summary_gets_a_clear_error(client_for, amara, raw, message):
    before = stored_counts()
    page = _errors(upload(client_for(amara), raw=raw))
    assert message in page
    assert stored_counts() == before


def test_an_unknown_version_is_named_beside_the_file_field(client_for, amara):
    document = summary() | {"schema_version": 3}
    page = _errors(upload(client_for(amara), document))
    message = "Schema version: version 3 is not one LISA can read: LISA reads versions 1 and 2"
    assert f'<a href="#id_summary">{message}</a>' in page  # the error summary links to the field
    assert (
        '<span id="id_summary_1_error" class="govuk-error-message"> '
        f'<span class="govuk-visually-hidden">Error:</span> {message} </span> '
        '<input type="file" name="summary"'
    ) in " ".join(page.split())
    assert stored_counts() == (0, 0, 0, 0)


def test_a_version_2_summary_with_an_eight_digit_reference_makes_a_new_record(client_for, amara):
    ref = f"L12345678{lisa_ref_check('12345678')}"
    document = summary(lisa_ref=ref) | {"schema_version": 2}
    assert importing.check(document) == []
    client = client_for(amara)
    token = token_of(upload(client, document))
    client.post(f"/children/import/{token}/new/")
    received = ReceivedSummary.objects.get(child__surname="Pemberton-Vane")
    assert received.content["schema_version"] == 2
    assert received.content["child"]["lisa_ref"] == ref


def test_each_version_is_checked_against_its_own_schema(client_for, amara):
    eight = f"L12345678{lisa_ref_check('12345678')}"
    # Version 1 allows references of seven digits only.
    page = _errors(upload(client_for(amara), summary(lisa_ref=eight)))
    assert "Child › LISA reference: must be a LISA reference like L1234567K" in page
    # Version 2 allows eight, and no more.
    assert importing.check(summary(lisa_ref="L1234567A") | {"schema_version": 2}) == []
    nine = summary(lisa_ref="L123456789A") | {"schema_version": 2}
    assert [str(problem) for problem in importing.check(nine)] == [
        "Child › LISA reference: must be a LISA reference like L1234567K"
    ]
    assert not PendingImport.objects.exists()


def test_text_postgresql_cannot_store_is_refused(client_for, amara):
    document = summary()
    document["concerns"][0]["summary"] = "Late\u0000again"
    raw = json.dumps(document).encode()  # the NUL is escaped: \\u0000, no NUL byte
    assert b"\x00" not in raw
    page = _errors(upload(client_for(amara), raw=raw))
    assert "Concerns › Concern 1 › What was seen: contains characters LISA cannot store" in page
    assert not PendingImport.objects.exists()


def test_many_problems_are_capped(client_for, amara):
    document = summary()
    document["withheld"] = [1] * 5000
    page = _errors(upload(client_for(amara), document))
    # Each is listed once in the error summary (as a link to the field) and once beside it.
    assert page.count("must be text</a>") == importing.MAX_PROBLEMS
    assert "Withheld › Item 1: must be text" in page


# --- shielding -----------------------------------------------------------------------------------


def test_a_shielded_address_stays_shielded_in_a_new_record(client_for, amara, daniel):
    address = {"lines": ["9 Hidden Mews", "Maidstone"], "postcode": "ME14 1XQ", "shielded": True}
    client = client_for(amara)
    token = token_of(upload(client, summary(address=address)))
    assert "Shielded" in client.get(f"/children/import/{token}/new/").content.decode()
    client.post(f"/children/import/{token}/new/")
    child = Child.objects.get(surname="Pemberton-Vane")
    assert child.shielded and child.address_line_1 == "9 Hidden Mews"
    # Neither the importer (not involved) nor another practitioner sees it on the card.
    for user in (amara, daniel):
        card = client_for(user).get(f"/children/{child.pk}/").content.decode()
        assert "Hidden Mews" not in card and "ME14 1XQ" not in card


def test_a_summary_that_shields_the_address_shields_the_record(amara, existing):
    address = {"lines": ["9 Hidden Mews", "Maidstone"], "postcode": "ME14 1XQ", "shielded": True}
    pending = actions.hold_import(
        request=_request(amara), by=amara, document=summary(address=address), from_authority=KENT
    )
    actions.import_transfer_summary(
        request=_request(amara), by=amara, pending=pending, into=existing, version=existing.version
    )
    existing.refresh_from_db()
    assert existing.shielded


def test_a_shielded_record_is_not_unshielded_and_its_address_not_shown_to_whom_it_is_hidden(
    client_for, amara, priya, morgan
):
    """priya (Health Visiting's designated officer) may change the record of a child amara works
    with, but not see the shielded address: the import neither compares, shows nor copies
    addresses for her, and the received summary does not show her the one it holds."""
    child = make_child(
        forenames="Rosalind",
        surname="Pemberton-Vane",
        date_of_birth=dt.date(2015, 3, 1),
        shielded=True,
        address_line_1="7 Secret Walk",
        postcode="SE4 1AA",
    )
    involve(amara, child)
    client = client_for(priya)
    token = token_of(upload(client, summary()))
    page = client.get(f"/children/import/{token}/").content.decode()
    assert child.lisa_ref in page and "Secret Walk" not in page and "SE4 1AA" not in page
    preview = client.get(f"/children/import/{token}/into/{child.pk}/").content.decode()
    assert 'data-testid="address-left-out"' in preview
    assert "Secret Walk" not in preview and "SE4 1AA" not in preview
    client.post(f"/children/import/{token}/into/{child.pk}/", {"version": child.version})
    child.refresh_from_db()
    assert child.shielded and child.address_line_1 == "7 Secret Walk"
    mother = child.parents.get()
    assert mother.address == ""  # not copied by someone who may not see the household's
    received = ReceivedSummary.objects.get(child=child)
    assert received.content["parents"][0]["address"].startswith("4 Invented Crescent")
    hidden = client.get(f"/children/{child.pk}/received/{received.pk}/").content.decode()
    assert "Invented Crescent" not in hidden and "ME14 1XQ" not in hidden
    assert "Shielded: only the central team" in hidden
    shown = client_for(morgan).get(f"/children/{child.pk}/received/{received.pk}/")
    assert "4 Invented Crescent" in shown.content.decode()


def test_a_shielded_address_in_a_differing_record_is_not_listed_to_whom_it_is_hidden(
    amara, priya, morgan
):
    from lisa.policy import ChildAccess

    family = Family.objects.create()
    shielded = make_child(family=family, shielded=True, address_line_1="5 Quiet Yard")
    involve(amara, shielded)
    sibling = make_child(
        forenames="Rosalind",
        surname="Pemberton-Vane",
        date_of_birth=dt.date(2015, 3, 1),
        family=family,
        address_line_1="5 Quiet Yard",
    )
    involve(amara, sibling)
    pending = actions.hold_import(
        request=_request(morgan), by=morgan, document=summary(), from_authority=KENT
    )
    received = actions.import_transfer_summary(
        request=_request(morgan), by=morgan, pending=pending, into=sibling, version=sibling.version
    )
    assert [c for c in received.conflicts if c["address"]]  # the central team saw the difference
    shown = importing.readable(received.content, ChildAccess(priya, sibling), received.conflicts)
    assert not [c for c in shown["conflicts"] if c["address"]]
    assert shown["child"]["address"] is None and shown["address_hidden"]
    assert "Quiet Yard" not in json.dumps(shown, default=str)


# --- who may -------------------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in(client, amara, existing):
    pending = actions.hold_import(
        request=_request(amara), by=amara, document=summary(), from_authority=KENT
    )
    for url in (
        "/children/import/",
        f"/children/import/{pending.token}/",
        f"/children/import/{pending.token}/new/",
        f"/children/import/{pending.token}/into/{existing.pk}/",
    ):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert PendingImport.objects.count() == 1 and not ReceivedSummary.objects.exists()


def test_someone_elses_upload_is_not_found(client_for, amara, morgan, existing):
    pending = actions.hold_import(
        request=_request(amara), by=amara, document=summary(), from_authority=KENT
    )
    client = client_for(morgan)
    for url in (
        f"/children/import/{pending.token}/",
        f"/children/import/{pending.token}/new/",
        f"/children/import/{pending.token}/into/{existing.pk}/",
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"cancel": "1"}).status_code == 404
    assert PendingImport.objects.count() == 1 and not ReceivedSummary.objects.exists()


def test_a_practitioner_who_may_not_change_the_record_may_not_import_into_it(
    client_for, daniel, existing
):
    client = client_for(daniel)
    token = token_of(upload(client, summary()))
    url = f"/children/import/{token}/into/{existing.pk}/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"version": existing.version}).status_code == 403
    existing.refresh_from_db()
    assert existing.nhs_number == "" and not ReceivedSummary.objects.exists()
    assert_audited(user=daniel, action=Action.DENIED, child=existing)
    # He may still make a new record from it (anyone who may add a child may).
    assert client.post(f"/children/import/{token}/new/").status_code == 302
    assert ReceivedSummary.objects.get().child != existing


def test_the_central_team_may_import_into_any_record_and_make_new_ones(
    client_for, morgan, existing
):
    client = client_for(morgan)
    token = token_of(upload(client, summary()))
    page = client.get(f"/children/import/{token}/").content.decode()
    assert f"/into/{existing.pk}/" in page and 'data-testid="create-new"' in page
    response = client.post(
        f"/children/import/{token}/into/{existing.pk}/", {"version": existing.version}
    )
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.nhs_number == "1234567814"
    token = token_of(upload(client, summary(nhs_number=None, upn=None, forenames="Other")))
    response = client.post(f"/children/import/{token}/new/")
    new = Child.objects.get(forenames="Other")
    received = ReceivedSummary.objects.get(child=new)
    # The central team may read the full record: straight to the summary received.
    assert response["Location"] == f"/children/{new.pk}/received/{received.pk}/"


def test_people_who_do_not_work_with_children_may_not_import(client_for, sam, alex):
    for user in (sam, alex):
        client = client_for(user)
        assert client.get("/children/import/").status_code == 403
        assert upload(client, summary()).status_code == 403
    assert not PendingImport.objects.exists()


def test_the_received_summary_is_part_of_the_full_record(
    client_for, amara, daniel, priya, helen, morgan, existing
):
    pending = actions.hold_import(
        request=_request(amara), by=amara, document=summary(), from_authority=KENT
    )
    received = actions.import_transfer_summary(
        request=_request(amara), by=amara, pending=pending, into=existing, version=existing.version
    )
    url = f"/children/{existing.pk}/received/{received.pk}/"
    for user, status in ((amara, 200), (priya, 200), (morgan, 200), (daniel, 403), (helen, 403)):
        assert client_for(user).get(url).status_code == status, user
    other = make_child()
    involve(amara, other)
    assert client_for(amara).get(f"/children/{other.pk}/received/{received.pk}/").status_code == 404
    page = client_for(amara).get(url).content.decode()
    for text in (
        "Transfer summary from Kent County Council",
        "Gwendolyn Ashdown",  # produced by, and a practitioner there
        "Often late, tired and hungry",  # a concern
        "Breakfast club every school day",  # a meeting's decision
        "Attend breakfast club",  # the plan's open action
        "The parent or carer agrees to information being shared",  # the consent position
        "Level 2: Vulnerable",
    ):
        assert text in page, text
    record_page = client_for(amara).get(f"/children/{existing.pk}/record/").content.decode()
    assert "Transfer summaries received" in record_page and url in record_page
    assert "/children/import/?child=" in record_page


def test_a_sensitive_service_on_lisa_is_named_only_to_those_who_may_know_of_it(
    client_for, amara, morgan, existing
):
    document = summary()
    document["practitioners"].append(
        {
            "name": "Tess Quill",
            "agency": "CAMHS",
            "role": "Therapist",
            "phone": "020 7000 0001",
            "email": "tess@camhs.example.org",
        }
    )
    document["concerns"][0]["agency"] = "CAMHS"
    pending = actions.hold_import(
        request=_request(morgan), by=morgan, document=document, from_authority=KENT
    )
    received = actions.import_transfer_summary(
        request=_request(morgan),
        by=morgan,
        pending=pending,
        into=existing,
        version=existing.version,
    )
    url = f"/children/{existing.pk}/received/{received.pk}/"
    page = client_for(amara).get(url).content.decode()
    assert "CAMHS" not in page and "Tess Quill" not in page and "020 7000 0001" not in page
    assert "A practitioner of a partner agency" in page
    assert "Tess Quill" in client_for(morgan).get(url).content.decode()


def test_the_add_page_links_to_the_import(client_for, amara):
    page = client_for(amara).get("/children/new/").content.decode()
    assert 'href="/children/import/"' in page


def test_cancelling_keeps_nothing(client_for, amara):
    client = client_for(amara)
    token = token_of(upload(client, summary()))
    response = client.post(f"/children/import/{token}/", {"cancel": "1"})
    assert response.status_code == 302
    assert not PendingImport.objects.exists() and not Child.objects.exists()
    assert client.get(f"/children/import/{token}/").status_code == 404


def test_an_upload_is_imported_once_and_expires_after_a_day(client_for, amara):
    client = client_for(amara)
    token = token_of(upload(client, summary()))
    assert client.post(f"/children/import/{token}/new/").status_code == 302
    assert client.post(f"/children/import/{token}/new/").status_code == 404
    assert Child.objects.count() == 1
    stale = token_of(upload(client, summary(nhs_number=None, upn=None)))
    PendingImport.objects.filter(token=stale).update(
        uploaded_at=timezone.now() - dt.timedelta(hours=25)
    )
    assert client.get(f"/children/import/{stale}/").status_code == 404
    token_of(upload(client, summary(nhs_number=None, upn=None)))
    assert not PendingImport.objects.filter(token=stale).exists()  # cleared on the next upload


def test_an_upload_that_no_longer_passes_the_checks_is_dropped(client_for, amara):
    """Checked again at each step: a child who turned 18 since the upload, say."""
    client = client_for(amara)
    token = token_of(upload(client, summary()))
    pending = PendingImport.objects.get(token=token)
    pending.content["child"]["date_of_birth"] = "2001-01-01"
    pending.save()
    response = client.get(f"/children/import/{token}/new/", follow=True)
    assert response.redirect_chain[0][0] == "/children/import/"
    assert "no longer passes LISA" in response.content.decode()
    assert "Child › Date of birth: LISA is for children" in response.content.decode()
    assert not PendingImport.objects.exists() and not Child.objects.exists()


# --- the trail -----------------------------------------------------------------------------------


def test_every_step_is_audited(client_for, amara, existing):
    client = client_for(amara)
    token = token_of(upload(client, summary()))
    pending = PendingImport.objects.get(token=token)
    assert_audited(user=amara, action=Action.CREATE, transfer_summary_upload=True, count=1)
    client.get(f"/children/import/{token}/")
    client.get(f"/children/import/{token}/")  # a reload is not a new check
    assert_audited(
        user=amara,
        action=Action.SEARCH,
        duplicate_check=True,
        transfer_summary_upload=pending.pk,
        count=1,
    )
    client.get(f"/children/import/{token}/into/{existing.pk}/")
    assert_audited(user=amara, action=Action.VIEW, child=existing, view="import a transfer summary")
    client.post(f"/children/import/{token}/into/{existing.pk}/", {"version": existing.version})
    received = ReceivedSummary.objects.get()
    (update,) = assert_audited(
        user=amara, action=Action.UPDATE, child=existing, received_summary=received.pk
    )
    assert update.detail["changed"] == ["nhs_number", "school", "upn"]
    assert update.detail["kept"] == ["address", "first_language"]
    assert_audited(user=amara, action=Action.CREATE, child=existing, received_summary=True)
    client.get(f"/children/{existing.pk}/received/{received.pk}/")
    assert_audited(
        user=amara,
        action=Action.VIEW,
        child=existing,
        view="received transfer summary",
        received_summary=received.pk,
    )


def test_a_new_record_is_audited_with_the_matches_set_aside(client_for, amara, existing):
    client = client_for(amara)
    token = token_of(upload(client, summary()))
    client.get(f"/children/import/{token}/")
    client.post(f"/children/import/{token}/new/")
    new = Child.objects.exclude(pk=existing.pk).get()
    (created,) = assert_audited(user=amara, action=Action.CREATE, child=new, lisa_ref=new.lisa_ref)
    assert created.detail["none_of_these"] == [{"id": existing.pk, "lisa_ref": existing.lisa_ref}]
    assert_audited(user=amara, action=Action.CREATE, child=new, received_summary=True)
    parent = new.parents.get()
    assert AuditEvent.objects.filter(
        action=Action.CREATE, object_type="children.parentalresponsibility", object_id=parent.pk
    ).exists()


# --- addresses and queries -----------------------------------------------------------------------


def test_no_address_of_the_import_carries_the_childs_personal_data(client_for, amara, existing):
    child = {
        "forenames": "Rosalind",
        "surname": "Pemberton-Vane",
        "date_of_birth": dt.date(2015, 3, 1),
        "postcode": "ME14 1XQ",
        "nhs_number": "1234567814",
    }
    client = client_for(amara)
    response = upload(client, summary())
    assert not leaks_in(response["Location"], [child])
    token = token_of(response)
    for url in (
        f"/children/import/{token}/",
        f"/children/import/{token}/new/",
        f"/children/import/{token}/into/{existing.pk}/",
    ):
        page = Page()
        page.feed(client.get(url).content.decode())
        for address in page.addresses:
            assert not leaks_in(address, [child]), (url, address)
    response = client.post(
        f"/children/import/{token}/into/{existing.pk}/", {"version": existing.version}
    )
    assert not leaks_in(response["Location"], [child])


def test_the_received_summary_page_reads_a_long_summary_in_few_queries(
    client_for, amara, existing, django_assert_max_num_queries
):
    document = summary()
    person = copy.deepcopy(document["practitioners"][0])
    document["practitioners"] = [dict(person, name=f"Practitioner {n}") for n in range(60)]
    document["concerns"] = [dict(document["concerns"][0], summary=f"Seen {n}") for n in range(60)]
    document["parents"] = [
        dict(document["parents"][0], name=f"Carer {n}", relationship="aunt") for n in range(20)
    ]
    pending = actions.hold_import(
        request=_request(amara), by=amara, document=document, from_authority=KENT
    )
    received = actions.import_transfer_summary(
        request=_request(amara), by=amara, pending=pending, into=existing, version=existing.version
    )
    client = client_for(amara)
    # Signing in, the child and its access facts, the summary, the sensitive services and the
    # audit event: the same whatever the summary holds.
    with django_assert_max_num_queries(12):
        response = client.get(f"/children/{existing.pk}/received/{received.pk}/")
    page = response.content.decode()
    assert page.count("Practitioner ") >= 60 and "Seen 59" in page and "Carer 19" in page


def test_dates_out_of_any_real_range_are_refused_not_stored(client_for, amara):
    """A moment that cannot be shown in any time zone (year 1 at +14:00), or a date before 1900,
    is an error beside the field, never a stored summary that no page can show."""
    document = summary()
    document["produced_at"] = "0001-01-01T00:00:00+14:00"
    document["concerns"][0]["date"] = "1066-10-14"
    before = stored_counts()
    page = _errors(upload(client_for(amara), document))
    assert "Produced at:" in page
    assert "Concerns › Concern 1 › Date: must be after 1900" in page
    assert stored_counts() == before
