"""The transfer summary: produced on a lawful basis by those involved or the central team, kept
as produced, valid against the project's JSON Schema, with the NHS number first; hidden things
stay hidden; every download audited."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from audit.models import Action, AuditEvent
from children import transfer
from children.models import ParentalResponsibility, TransferSummary
from consent.models import Ground, SharingDecision
from tests.children.conftest import involve, make_child
from tests.concerns.conftest import make_concern
from tests.conftest import make_user
from tests.consent.test_records import parent_agreement
from tests.helpers import pdf_text


@pytest.fixture
def moving(amara, agencies):
    child = make_child(
        forenames="Clementine",
        surname="Harrowgate",
        nhs_number="9434765919",
        shielded=True,
        address_line_1="17 Hidden Row",
        postcode="SE13 7QT",
    )
    involve(amara, child)
    mother = ParentalResponsibility.objects.create(
        child=child, name="Odette Harrowgate", relationship="mother", phone="07700 900555"
    )
    therapist = make_user("tess.quill", agencies["camhs"], ["practitioner"], phone="020 7000 0001")
    involve(therapist, child, role="Therapist")
    make_concern(child, amara, level=3, what_was_seen="Frightened of going home")
    decision = SharingDecision.objects.create(
        child=child,
        ground=Ground.SAFEGUARD,
        what_shared="The transfer summary",
        shared_with="Kent County Council",
        decided_by="Amara Okafor",
        reason="The family has moved and the risk continues",
        decided_on=dt.date(2026, 11, 30),
        created_by=amara,
    )
    return {"child": child, "decision": decision, "mother": mother, "therapist": therapist}


def test_producing_and_downloading_a_summary(moving, amara, client_for):
    child = moving["child"]
    client = client_for(amara)
    url = f"/children/{child.pk}/transfer-summary/"
    response = client.post(
        url,
        {"for_authority": "Kent County Council", "basis": f"decision-{moving['decision'].pk}"},
    )
    assert response.status_code == 302
    summary = TransferSummary.objects.get(child=child)
    assert summary.decision == moving["decision"] and summary.produced_by == amara
    document = json.loads(
        client.get(f"/children/{child.pk}/transfer-summary/{summary.pk}.json").content
    )
    assert transfer.validate(document) == []
    assert document["child"]["nhs_number"] == "9434765919"
    assert document["child"]["address"]["shielded"] is True  # amara is involved: she sees it
    assert document["lawful_basis"]["kind"] == "decision_to_share"
    assert document["consent"]["decisions_to_share"][0]["ground"] == "To safeguard the child"
    assert document["concerns"][0]["summary"] == "Frightened of going home"
    # The sensitive service (no consent to show it: a decision to share is not consent) is in
    # it nowhere.
    text = json.dumps(document)
    assert "CAMHS" not in text and "Tess" not in text and "020 7000 0001" not in text
    pdf = pdf_text(client.get(f"/children/{child.pk}/transfer-summary/{summary.pk}.pdf").content)
    assert "9434765919" in pdf and "Kent County Council" in pdf
    assert "SHIELDED" in pdf and "CAMHS" not in pdf
    events = AuditEvent.objects.filter(child_id=child.pk, object_type="children.transfersummary")
    assert {e.action for e in events} == {Action.CREATE, Action.DOWNLOAD, Action.PRINT}
    page = client.get(url).content.decode()
    assert "Summaries produced" in page and "Kent County Council" in page


def test_consent_on_file_brings_the_sensitive_service_in(moving, amara):
    from children.rules import access

    child = moving["child"]
    agreement = parent_agreement(amara, child, moving["mother"], signed_on=dt.date(2026, 5, 3))
    basis = {"kind": "agreement", "description": "Parent/carer agreement", "date": "2026-05-03"}
    document = transfer.build(child, access(amara, child), for_authority="Kent", basis=basis)
    assert transfer.validate(document) == []
    assert "CAMHS" in json.dumps(document)
    assert document["consent"]["agreements"][0]["signed_on"] == agreement.signed_on.isoformat()


def test_the_central_team_sees_the_sensitive_service_in_it(moving, morgan):
    from children.rules import access

    child = moving["child"]
    basis = {"kind": "agreement", "description": "Parent/carer agreement", "date": "2026-05-03"}
    document = transfer.build(child, access(morgan, child), for_authority="Kent", basis=basis)
    assert transfer.validate(document) == []
    assert "CAMHS" in json.dumps(document)


def test_a_designated_officer_without_a_relationship_to_the_address_gets_it_withheld(moving, priya):
    from children.rules import access

    child = moving["child"]
    basis = {"kind": "agreement", "description": "Parent/carer agreement", "date": "2026-05-03"}
    document = transfer.build(child, access(priya, child), for_authority="Kent", basis=basis)
    assert transfer.validate(document) == []
    assert document["child"]["address"] is None
    assert "the child's address" in document["withheld"]
    assert "Hidden Row" not in json.dumps(document)


def test_a_lawful_basis_is_required(amara, client_for):
    child = make_child()
    involve(amara, child)
    response = client_for(amara).post(
        f"/children/{child.pk}/transfer-summary/", {"for_authority": "Kent County Council"}
    )
    page = response.content.decode()
    assert "Choose the lawful basis for sharing" in page
    assert "no agreement to share in force" in page
    assert not TransferSummary.objects.exists()


def test_the_schema_refuses_what_it_does_not_describe():
    problems = transfer.validate({"schema_version": 1})
    assert "schema_version: 2 was expected" in problems
    assert any("required property" in problem for problem in problems)


def test_summaries_are_written_as_version_2_which_alone_allows_eight_digit_references(
    moving, amara
):
    """Version 1 promised references of seven digits; a summary that may hold one of eight
    says it is of version 2, whose schema allows them. Version 1's schema stays as published."""
    from children.rules import access
    from children.validators import lisa_ref_check

    child = moving["child"]
    basis = {"kind": "agreement", "description": "Parent/carer agreement", "date": "2026-05-03"}
    child.lisa_ref = f"L12345678{lisa_ref_check('12345678')}"
    document = transfer.build(child, access(amara, child), for_authority="Kent", basis=basis)
    assert document["schema_version"] == 2 == transfer.SCHEMA_VERSION
    assert transfer.validate(document) == []
    assert transfer.validate(document, version=2) == []
    as_version_1 = {**document, "schema_version": 1}
    assert transfer.validate(as_version_1, version=1) == [
        f"child/lisa_ref: '{child.lisa_ref}' does not match '^L[0-9]{{7}}[A-Z]$'"
    ]
    child.lisa_ref = f"L1234567{lisa_ref_check('1234567')}"
    document = transfer.build(child, access(amara, child), for_authority="Kent", basis=basis)
    assert transfer.validate({**document, "schema_version": 1}, version=1) == []
    # The two published schemas differ in their version and the reference alone.
    one, two = copy.deepcopy(transfer.schema(1)), copy.deepcopy(transfer.schema(2))
    assert one["$id"].endswith("/transfer-summary-1.json")
    assert two["$id"].endswith("/transfer-summary-2.json")
    assert one["properties"]["child"]["properties"].pop("lisa_ref") == {
        "type": "string",
        "pattern": "^L[0-9]{7}[A-Z]$",
    }
    assert two["properties"]["child"]["properties"].pop("lisa_ref") == {
        "type": "string",
        "pattern": "^L[0-9]{7,8}[A-Z]$",
    }
    for schema in (one, two):
        for key in ("$id", "title", "description"):
            del schema[key]
        del schema["properties"]["schema_version"]
    assert one == two


@pytest.mark.parametrize(
    "who, status", [("amara", 200), ("morgan", 200), ("priya", 403), ("daniel", 403)]
)
def test_who_may_produce_one(personas, client_for, who, status):
    child = make_child()
    involve(personas["amara"], child)
    response = client_for(personas[who]).get(f"/children/{child.pk}/transfer-summary/")
    assert response.status_code == status
