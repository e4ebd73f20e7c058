"""Adding a child without duplicates, and changing a child's details safely."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from audit.models import Action, AuditEvent
from children.models import Child
from tests.children.conftest import involve, make_child

pytestmark = pytest.mark.django_db


def child_form(**overrides) -> dict:
    data = {
        "forenames": "Marigold",
        "surname": "Pettigrew",
        "other_names": "",
        "date_of_birth_0": "14",
        "date_of_birth_1": "7",
        "date_of_birth_2": "2019",
        "gender": "female",
        "address_line_1": "3 Imaginary Close",
        "address_line_2": "",
        "town": "London",
        "postcode": "se13 6lh",
        "nhs_number": "",
        "upn": "",
        "school": "Cedar Rise Primary",
        "first_language": "English",
    }
    data.update(overrides)
    return data


class TestAdding:
    def test_a_new_child_with_no_likely_matches_is_added(self, client_for, amara):
        response = client_for(amara).post("/children/new/", child_form(nhs_number="943 476 5919"))
        assert response.status_code == 302
        child = Child.objects.get(surname="Pettigrew")
        assert response["Location"] == f"/children/{child.pk}/"
        assert child.postcode == "SE13 6LH" and child.postcode_district == "SE13"
        assert child.nhs_number == "9434765919"
        assert child.created_by == amara
        assert child.search_keys
        event = AuditEvent.objects.get(action=Action.CREATE, child_id=child.pk)
        assert event.detail["lisa_ref"] == child.lisa_ref

    def test_an_exact_nhs_number_stops_the_add_and_points_to_the_record(self, client_for, amara):
        existing = make_child(forenames="Hortense", surname="Oddington", nhs_number="9434765919")
        response = client_for(amara).post("/children/new/", child_form(nhs_number="9434765919"))
        page = response.content.decode()
        assert response.status_code == 200
        assert "already on LISA" in page and existing.lisa_ref in page
        assert f"/children/{existing.pk}/" in page
        assert "none-of-these" not in page
        assert not Child.objects.filter(surname="Pettigrew").exists()

    def test_an_exact_upn_stops_the_add(self, client_for, amara):
        make_child(forenames="Hortense", surname="Oddington", upn="B801200005001")
        response = client_for(amara).post(
            "/children/new/", child_form(upn="B801200005001", confirm="none-of-these")
        )
        assert "already on LISA" in response.content.decode()
        assert not Child.objects.filter(surname="Pettigrew").exists()

    def test_likely_matches_are_shown_first_and_none_of_these_is_audited(self, client_for, amara):
        similar = make_child(
            forenames="Marygold", surname="Pettigrew", date_of_birth=dt.date(2019, 7, 14)
        )
        client = client_for(amara)
        response = client.post("/children/new/", child_form())
        page = response.content.decode()
        assert response.status_code == 200
        assert "may be the same child" in page and similar.lisa_ref in page
        assert not Child.objects.filter(forenames="Marigold").exists()
        # The practitioner checks and says none of these is the child.
        response = client.post(
            "/children/new/",
            child_form(confirm="none-of-these", shown=str(similar.pk)),
        )
        assert response.status_code == 302
        child = Child.objects.get(forenames="Marigold")
        event = AuditEvent.objects.get(action=Action.CREATE, child_id=child.pk)
        assert event.detail["none_of_these"] == [{"id": similar.pk, "lisa_ref": similar.lisa_ref}]

    def test_confirming_without_having_seen_a_new_match_asks_again(self, client_for, amara):
        make_child(forenames="Marygold", surname="Pettigrew", date_of_birth=dt.date(2019, 7, 14))
        response = client_for(amara).post(
            "/children/new/", child_form(confirm="none-of-these", shown="")
        )
        assert response.status_code == 200
        assert not Child.objects.filter(forenames="Marigold").exists()

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("nhs_number", "9434765918", "not a valid NHS number"),
            ("nhs_number", "12345", "10 digits"),
            ("upn", "A801200005001", "not a valid Unique Pupil Number"),
            ("postcode", "SE13", "Enter a real UK postcode"),
        ],
    )
    def test_bad_identifiers_are_refused_beside_the_field_keeping_what_was_typed(
        self, client_for, amara, field, value, message
    ):
        response = client_for(amara).post("/children/new/", child_form(**{field: value}))
        page = response.content.decode()
        assert response.status_code == 200
        assert message in page
        assert "govuk-error-summary" in page and "govuk-error-message" in page
        assert 'value="Marigold"' in page and 'value="3 Imaginary Close"' in page
        assert f'value="{value}"' in page
        assert not Child.objects.exists()

    def test_a_future_date_of_birth_is_refused(self, client_for, amara):
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        response = client_for(amara).post(
            "/children/new/",
            child_form(
                date_of_birth_0=str(tomorrow.day),
                date_of_birth_1=str(tomorrow.month),
                date_of_birth_2=str(tomorrow.year),
            ),
        )
        assert "must be today or in the past" in response.content.decode()
        assert not Child.objects.exists()

    def test_an_age_over_18_is_refused(self, client_for, amara):
        response = client_for(amara).post(
            "/children/new/", child_form(date_of_birth_2=str(timezone.localdate().year - 19))
        )
        page = response.content.decode()
        assert "under 18" in page and 'value="Marigold"' in page
        assert not Child.objects.exists()

    def test_directory_editors_cannot_add_children(self, client_for, sam):
        assert client_for(sam).post("/children/new/", child_form()).status_code == 403
        assert not Child.objects.exists()


def edit_form(child, **overrides) -> dict:
    data = child_form(
        forenames=child.forenames,
        surname=child.surname,
        date_of_birth_0=str(child.date_of_birth.day),
        date_of_birth_1=str(child.date_of_birth.month),
        date_of_birth_2=str(child.date_of_birth.year),
        gender=child.gender,
        address_line_1=child.address_line_1,
        town=child.town,
        postcode=child.postcode,
        school=child.school,
        first_language=child.first_language,
        status=child.status,
        version=child.version,
    )
    data.update(overrides)
    return data


class TestEditing:
    def test_an_involved_practitioner_changes_details_with_field_history(
        self, client_for, amara, child
    ):
        from auditlog.models import LogEntry

        involve(amara, child)
        client = client_for(amara)
        response = client.post(f"/children/{child.pk}/edit/", edit_form(child, school="Oak Hill"))
        assert response.status_code == 302
        child.refresh_from_db()
        assert child.school == "Oak Hill"
        event = AuditEvent.objects.get(action=Action.UPDATE, child_id=child.pk)
        assert event.detail == {"changed": ["school"]}
        entry = LogEntry.objects.get_for_object(child).order_by("-timestamp").first()
        assert entry.actor == amara
        assert entry.changes_dict["school"] == ["Cedar Rise Primary", "Oak Hill"]
        page = client.get(f"/children/{child.pk}/record/").content.decode()
        # The record's own field-history table lists this change, by whom, field by field
        # ("School" alone is on every record, as a detail).
        history = page.split('<h2 class="govuk-heading-m">Changes to the child\'s details</h2>')[1]
        history = history.split("Back to the index card")[0]
        assert "No changes recorded" not in history
        assert re.search(rf"<td[^>]*>{amara.get_full_name()}</td>\s*<td[^>]*>School</td>", history)

    def test_the_later_of_two_saves_is_refused_showing_the_other_persons_values(
        self, client_for, amara, priya, child
    ):
        involve(amara, child)
        opened_version = child.version
        # Priya saves first.
        client = client_for(priya)
        assert (
            client.post(
                f"/children/{child.pk}/edit/", edit_form(child, school="Oak Hill Academy")
            ).status_code
            == 302
        )
        # Amara, who opened the form before Priya saved, saves second.
        client = client_for(amara)
        response = client.post(
            f"/children/{child.pk}/edit/",
            edit_form(child, first_language="Yoruba", version=opened_version),
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "Someone else changed this child" in page
        assert "Oak Hill Academy" in page  # the other person's value
        assert 'value="Yoruba"' in page  # what amara typed is kept
        child.refresh_from_db()
        assert child.school == "Oak Hill Academy" and child.first_language == ""
        # Saving again, having seen the other values, goes through.
        form = edit_form(child, first_language="Yoruba", school="Oak Hill Academy")
        assert client.post(f"/children/{child.pk}/edit/", form).status_code == 302

    def test_a_bad_nhs_number_on_edit_keeps_everything_typed(self, client_for, amara, child):
        involve(amara, child)
        response = client_for(amara).post(
            f"/children/{child.pk}/edit/",
            edit_form(child, nhs_number="1234567890", school="Typed School"),
        )
        page = response.content.decode()
        assert "not a valid NHS number" in page and 'value="Typed School"' in page

    def test_a_duplicate_nhs_number_on_edit_is_refused_beside_the_field(
        self, client_for, amara, child
    ):
        make_child(forenames="Other", nhs_number="9434765919")
        involve(amara, child)
        response = client_for(amara).post(
            f"/children/{child.pk}/edit/", edit_form(child, nhs_number="9434765919")
        )
        assert "already has this NHS number" in response.content.decode()

    def test_break_glass_does_not_allow_editing(self, client_for, daniel, child):
        from children.models import BreakGlass

        now = timezone.now()
        BreakGlass.objects.create(
            child=child,
            user=daniel,
            category="other",
            reason="x",
            created_at=now,
            expires_at=now + dt.timedelta(hours=24),
        )
        client = client_for(daniel)
        assert client.get(f"/children/{child.pk}/record/").status_code == 200
        response = client.post(f"/children/{child.pk}/edit/", edit_form(child, school="X"))
        assert response.status_code == 403


class TestParents:
    def test_add_change_and_mark_entered_in_error(self, client_for, amara, child):
        from children.models import ParentalResponsibility

        involve(amara, child)
        client = client_for(amara)
        response = client.post(
            f"/children/{child.pk}/parents/new/",
            {"name": "Wilhelmina Brackenbury", "relationship": "mother", "phone": "020 7946 0000"},
        )
        assert response.status_code == 302
        parent = ParentalResponsibility.objects.get(child=child)
        page = client.get(f"/children/{child.pk}/record/").content.decode()
        assert "Wilhelmina Brackenbury" in page
        response = client.post(
            f"/children/{child.pk}/parents/{parent.pk}/edit/",
            {
                "name": "Wilhelmina Brackenbury",
                "relationship": "mother",
                "phone": "12",
                "version": parent.version,
            },
        )
        assert "Enter a phone number" in response.content.decode()
        response = client.post(
            f"/children/{child.pk}/parents/{parent.pk}/entered-in-error/",
            {"reason": "Wrong family"},
        )
        assert response.status_code == 302
        parent.refresh_from_db()
        assert parent.entered_in_error and parent.error_reason == "Wrong family"
        assert AuditEvent.objects.filter(action=Action.ENTERED_IN_ERROR, child_id=child.pk).exists()

    def test_only_those_with_a_relationship_may_add(self, client_for, daniel, child):
        response = client_for(daniel).post(
            f"/children/{child.pk}/parents/new/", {"name": "X", "relationship": "father"}
        )
        assert response.status_code == 403


def test_none_of_these_resubmits_exactly_what_was_typed(client_for, amara):
    import re

    make_child(forenames="Marygold", surname="Pettigrew", date_of_birth=dt.date(2019, 7, 14))
    client = client_for(amara)
    page = client.post(
        "/children/new/", child_form(interpreter_needed="on", nhs_number="943 476 5919")
    ).content.decode()
    form = page.split('data-testid="none-of-these"')[0].rsplit("<form", 1)[1]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    assert fields["confirm"] == "none-of-these"
    assert fields["date_of_birth_2"] == "2019"
    response = client.post("/children/new/", fields)
    assert response.status_code == 302
    child = Child.objects.get(forenames="Marigold")
    assert child.date_of_birth == dt.date(2019, 7, 14)
    assert child.interpreter_needed is True and child.shielded is False
    assert child.nhs_number == "9434765919" and child.postcode == "SE13 6LH"


def test_a_later_save_of_a_parents_details_is_refused(client_for, amara, priya, child):
    from children.models import ParentalResponsibility

    involve(amara, child)
    parent = ParentalResponsibility.objects.create(child=child, name="Augusta", relationship="aunt")
    opened = parent.version
    form = {"name": "Augusta", "relationship": "aunt", "phone": "020 7946 0001", "version": opened}
    assert (
        client_for(priya).post(f"/children/{child.pk}/parents/{parent.pk}/edit/", form).status_code
        == 302
    )
    form = {"name": "Augusta Fernsby", "relationship": "aunt", "version": opened}
    response = client_for(amara).post(f"/children/{child.pk}/parents/{parent.pk}/edit/", form)
    page = response.content.decode()
    assert "Someone else changed these details" in page
    assert "020 7946 0001" in page and 'value="Augusta Fernsby"' in page
    parent.refresh_from_db()
    assert parent.name == "Augusta" and parent.phone == "020 7946 0001"
