"""What the answer holds, field by field, as JSON (valid against the schema file) and as PDF
text; what is flagged for review; and withheld items gone from both, with the reason in their
place."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator

from audit.models import Action, AuditEvent
from children.models import Child
from subject_access import actions, content, review
from subject_access.views import render_answer
from tests.helpers import pdf_text
from tests.subject_access.conftest import (
    BREAK_GLASS_REASON,
    FATHER_EMAIL,
    FATHER_PHONE,
    FIRST_MESSAGE,
    MOTHER_PHONE,
    OUTSIDER_PHONE,
    REPLY,
    add_history,
    as_request,
    record,
)

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (
        Path(__file__).resolve().parents[2] / "subject_access/schemas/subject-access-1.json"
    ).read_text()
)


def release(scene, morgan, withheld=None):
    return actions.release(request=as_request(morgan), by=morgan, sar=scene.sar,
                           version=scene.sar.version, withheld=withheld or {})  # fmt: skip


def words(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


def test_the_answer_holds_everything_field_by_field(scene, morgan):
    doc = release(scene, morgan).content
    assert list(Draft202012Validator(SCHEMA).iter_errors(doc)) == []
    child, people = scene.child, scene.people

    request = doc["request"]
    assert request["reference"] == scene.sar.reference
    assert request["requester"] == "Rosalind Brackenbury" and request["relationship"] == "Mother"
    assert request["capacity"] == "A person with parental responsibility"
    assert request["due_on"] == scene.sar.due_on.isoformat()
    assert request["identity_checked"] is True and request["released_by"].startswith("Morgan")

    card = doc["child"]
    assert (card["lisa_ref"], card["forenames"], card["surname"]) == (
        child.lisa_ref, "Ottoline", "Brackenbury")  # fmt: skip
    assert card["nhs_number"] == "9434765919" and card["date_of_birth"] == "2014-05-17"
    assert card["address"]["lines"] == ["4 Juniper Walk", "London"]
    assert card["address"]["postcode"] == "SE13 6LH" and card["address"]["shielded"] is False
    assert card["school"] == "Cedar Rise Primary" and card["status"] == "Active"

    mother, father = doc["parents"]
    assert (mother["name"], mother["relationship"]) == ("Rosalind Brackenbury", "mother")
    assert mother["contact"]["phone"] == MOTHER_PHONE
    assert father["contact"] == {"key": f"parent-{scene.father.pk}-contact", "address": "",
                                 "phone": FATHER_PHONE, "email": FATHER_EMAIL}  # fmt: skip

    [brother] = doc["family"]
    assert brother["forenames"] == "Peregrine" and brother["lisa_ref"] == scene.sibling.lisa_ref
    assert {p["name"] for p in brother["practitioners"]} >= {"Amara Okafor"}

    involved = {i["practitioner"]: i for i in doc["involvements"]}
    assert involved["Amara Okafor"]["agency"] == "Health Visiting"
    assert involved["Amara Okafor"]["phone"] == people["amara"].phone
    assert involved["Tess Quill"]["sensitive_service"] is True
    assert involved["Tess Quill"]["agency"] == "CAMHS"

    snow = next(
        c for c in doc["concerns"] if c["what_was_seen"] == "Arrived without a coat in the snow"
    )
    assert snow["level"] == 3 and snow["categories"] == ["Neglect"]
    assert snow["raised_by"] == "Amara Okafor" and snow["agency"] == "Health Visiting"
    assert snow["action_agreed"] == "Coat from the uniform bank"
    assert snow["outcome"] == "Family Support Meeting requested"
    assert [s["what"] for s in snow["steps"]] == ["Concern logged", "Concern changed"]
    assert snow["steps"][1]["note"] == "Things are getting harder"
    assert snow["steps"][1]["to_outcome"] == "Family Support Meeting requested"

    [meeting] = doc["meetings"]
    assert meeting["kind"] == "Initial meeting" and meeting["status"] == "Held"
    assert meeting["venue"] == "Kaleidoscope Centre, room 2" and meeting["chair"] == "Amara Okafor"
    assert meeting["decisions"] == ["Breakfast club place for Ottoline"]
    assert meeting["family_views"] == "Mum would like help with mornings."
    invited = {i["name"]: i for i in meeting["invitees"]}
    assert invited["Ivy Moss"]["attendance"] == "Attended"
    assert invited["Agatha Brackenbury"]["contact"]["contact"] == OUTSIDER_PHONE
    assert invited["Rosalind Brackenbury"]["contact"] is None

    [plan] = doc["plans"]
    assert plan["outcomes"] == [
        {"headline": "Getting a good education",
         "description": "Ottoline is at school on time every day"}
    ]  # fmt: skip
    [action] = plan["actions"]
    assert action["what"] == "Breakfast club every school day" and action["who"] == "Ivy Moss"
    assert action["notes"][0]["text"] == "Started on Monday; going well"

    consent = doc["consent"]
    [agreement] = consent["agreements"]
    assert (
        agreement["decision"] == "Agrees"
        and agreement["given_by"] == "Rosalind Brackenbury (mother)"
    )
    [decision] = consent["decisions_to_share"]
    assert (
        decision["ground"] == "To safeguard the child"
        and decision["shared_with"] == "The school nurse"
    )
    [asked] = consent["requests_for_information"]
    assert asked["requested_by"] == "Kent Children's Services" and asked["outcome"] == "Not shared"

    [thread] = doc["messages"]
    assert thread["subject"] == "Mornings"
    assert [(m["author"], m["body"]) for m in thread["messages"]] == [
        ("Amara Okafor", FIRST_MESSAGE), ("Priya Shah", REPLY)]  # fmt: skip

    # Who has seen the record: agency, role, when and why; never the person's name.
    glass = [v for v in doc["viewed_by"] if v["break_glass"]]
    assert glass and glass[0]["agency"] == "Lewisham Police" and glass[0]["role"] == "Practitioner"
    assert glass[0]["why"] == "Broke glass: immediate safeguarding concern"
    assert glass[0]["break_glass"]["reason"] == BREAK_GLASS_REASON
    assert "Bea" not in json.dumps(doc["viewed_by"]) and "Holt" not in json.dumps(doc["viewed_by"])
    seen = AuditEvent.objects.filter(child_id=child.pk, action__in=["view", "print", "download"],
                                     outcome="allowed").count()  # fmt: skip
    assert len(doc["viewed_by"]) == seen


def test_the_pdf_prints_the_same_answer(scene, morgan):
    sar = release(scene, morgan)
    text = words(render_answer(sar.content))
    for expected in [
        "What LISA holds about Ottoline Brackenbury",
        scene.sar.reference, "Rosalind Brackenbury (Mother)", scene.child.lisa_ref,
        "9434765919", "17 May 2014", "4 Juniper Walk, London, SE13 6LH", "Cedar Rise Primary",
        "Edmund Brackenbury (father)", FATHER_PHONE, FATHER_EMAIL, "Peregrine Brackenbury",
        "Amara Okafor", "CAMHS", "Arrived without a coat in the snow", "Things are getting harder",
        "Coat from the uniform bank", "Kaleidoscope Centre, room 2",
        "Breakfast club place for Ottoline", "Agatha Brackenbury", OUTSIDER_PHONE,
        "Ottoline is at school on time every day", "Started on Monday; going well",
        "To safeguard the child", "Kent Children's Services", FIRST_MESSAGE, REPLY,
        "Lewisham Police, Practitioner", BREAK_GLASS_REASON, "Nothing was withheld.",
    ]:  # fmt: skip
        assert expected in text, expected
    assert "Bea Holt" not in text


def test_other_peoples_information_is_flagged_for_review(scene, morgan):
    gathered = content.gather(scene.sar, morgan)
    flags = {flag.key: flag for flag in gathered.flags}
    meeting = scene.meeting
    invitee = meeting.invitees.get(name="Agatha Brackenbury")
    expected = {
        f"parent-{scene.father.pk}-contact": "third_party",
        f"sibling-{scene.sibling.pk}": "third_party",
        f"meeting-{meeting.pk}": "third_party",
        f"invitee-{invitee.pk}-contact": "third_party",
        f"plan-{scene.plan.pk}": "third_party",
        f"sensitive-agency-{scene.people['tess'].agency_id}": "sensitive_service",
    }  # fmt: skip
    for key, kind in expected.items():
        assert flags[key].kind == kind, key
    # The requester's own contact details are not someone else's.
    assert f"parent-{scene.mother.pk}-contact" not in flags
    # Every message is flagged: practitioners write about other people too.
    messages = [flag for flag in gathered.flags if flag.key.startswith("message-")]
    assert len(messages) == 2 and all(flag.third_party for flag in messages)
    assert FIRST_MESSAGE in messages[0].description
    assert "Another child in the family" in flags[f"sibling-{scene.sibling.pk}"].reason
    assert "Peregrine Brackenbury" in flags[f"sibling-{scene.sibling.pk}"].description
    sensitive_concern = [f for f in gathered.flags if f.section == "Concerns"]
    assert len(sensitive_concern) == 1 and "CAMHS" in sensitive_concern[0].description
    # Tess's involvement and her concern: both under CAMHS's one key, told in one flag.
    tess = scene.child.involvements.get(practitioner=scene.people["tess"])
    [service] = [f for f in gathered.flags if f.section == "Sensitive services"]
    assert service.description.startswith("CAMHS, wherever it or its practitioners are named")
    assert "Tess Quill, Therapist" in service.description
    assert "concerns" in service.description
    [row] = [i for i in gathered.document["involvements"] if i["practitioner"] == "Tess Quill"]
    assert row["key"] == service.key != f"involvement-{tess.pk}"
    assert len(gathered.keys) == len(gathered.flags)  # one flag for each key


def test_when_the_child_asks_every_parents_contact_details_are_flagged(scene, morgan):
    sar = record(morgan, scene.child, requester_kind="child", requester_name="Ottoline",
                 relationship="The young person herself")  # fmt: skip
    keys = content.gather(sar, morgan).keys
    assert {f"parent-{scene.mother.pk}-contact", f"parent-{scene.father.pk}-contact"} <= keys


def test_withheld_items_are_gone_from_the_json_and_the_pdf(scene, morgan):
    thread_first = scene.child.message_threads.get().messages.earliest("sent_at")
    withheld = {
        f"parent-{scene.father.pk}-contact": "The father's own details",
        f"sibling-{scene.sibling.pk}": "Her brother's own information",
        f"message-{thread_first.pk}": "Mentions her aunt's money worries",
        f"meeting-{scene.meeting.pk}": "About her brother as well",
        f"plan-{scene.plan.pk}": "For her brother as well",
    }
    sar = release(scene, morgan, withheld)
    doc = sar.content
    assert list(Draft202012Validator(SCHEMA).iter_errors(doc)) == []
    text = json.dumps(doc, ensure_ascii=False)
    for gone in (FATHER_PHONE, FATHER_EMAIL, "Peregrine", scene.sibling.lisa_ref, FIRST_MESSAGE,
                 "Kaleidoscope Centre", "Agatha", OUTSIDER_PHONE):  # fmt: skip
        assert gone not in text, gone
    assert doc["parents"][1]["contact"] == {"key": f"parent-{scene.father.pk}-contact",
                                            "withheld": "The father's own details"}  # fmt: skip
    assert doc["parents"][1]["name"] == "Edmund Brackenbury"  # only the contact details went
    assert doc["family"] == [{"key": f"sibling-{scene.sibling.pk}",
                              "withheld": "Her brother's own information"}]  # fmt: skip
    assert doc["messages"][0]["messages"][1]["body"] == REPLY
    assert sorted(w["key"] for w in doc["withheld"]) == sorted(withheld)

    pdf = words(render_answer(doc))
    for gone in (FATHER_PHONE, FATHER_EMAIL, "Peregrine", FIRST_MESSAGE, "Kaleidoscope", "Agatha"):
        assert gone not in pdf, gone
    for reason in withheld.values():
        assert f"withheld: {reason}".lower() in pdf.lower(), reason
    assert "5 parts of the answer were withheld" in pdf and REPLY in pdf


def test_a_sensitive_services_views_are_withheld_together(scene, morgan, client_for):
    tess = scene.people["tess"]
    client = client_for(tess)
    for _ in range(2):
        assert client.get(f"/children/{scene.child.pk}/record/").status_code == 200
    gathered = content.gather(scene.sar, morgan)
    key = f"sensitive-agency-{tess.agency_id}"
    assert gathered.flag(key).kind == "sensitive_service"
    assert "2 views of the record" in gathered.flag(key).description
    doc = review.released(gathered, {key: "A sensitive service"})
    rows = [row for row in doc["viewed_by"] if row.get("key") == key]
    assert rows == [{"key": key, "withheld": "A sensitive service"}]
    assert doc["involvements"].count({"key": key, "withheld": "A sensitive service"}) == 1
    assert "CAMHS" not in json.dumps(doc["viewed_by"])


def test_a_shielded_address_is_flagged(scene, morgan):
    Child.objects.filter(pk=scene.sibling.pk).update(shielded=True)
    flag = content.gather(scene.sar, morgan).flag("child-address")
    assert flag is not None and flag.kind == "shielded_address"
    assert "4 Juniper Walk" in flag.description


def test_the_schema_refuses_what_it_does_not_describe(scene, morgan):
    doc = review.released(content.gather(scene.sar, morgan), {})
    assert review.validate(doc) == []
    doc["family"][0]["withheld"] = ""
    doc["extra"] = True
    problems = review.validate(doc)
    assert any("extra" in problem for problem in problems)
    assert any(problem.startswith("family/0") for problem in problems)


def test_the_answer_takes_a_fixed_number_of_queries(scene, morgan, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        small = content.gather(scene.sar, morgan)
    add_history(scene, 15)
    with django_assert_max_num_queries(40):
        large = content.gather(scene.sar, morgan)
    assert large.event_count > small.event_count + 60
    assert AuditEvent.objects.filter(action=Action.VIEW).exists()


def test_a_break_glass_reason_is_flagged_and_can_be_withheld_alone(scene, morgan):
    gathered = content.gather(scene.sar, morgan)
    [flag] = [f for f in gathered.flags if f.key.startswith("break-glass-")]
    assert BREAK_GLASS_REASON in flag.description and "Lewisham Police" in flag.description
    doc = review.released(gathered, {flag.key: "It names a neighbour"})
    assert review.validate(doc) == []
    [row] = [v for v in doc["viewed_by"] if v["break_glass"]]
    assert row["break_glass"] == {"key": flag.key, "withheld": "It names a neighbour"}
    assert row["agency"] == "Lewisham Police"  # the view itself is still told
    assert BREAK_GLASS_REASON not in json.dumps(doc)
    text = words(render_answer(doc))
    assert "the reason given is withheld: It names a neighbour" in text
    assert BREAK_GLASS_REASON not in text


def test_a_view_as_a_sibling_does_not_name_the_other_child(scene, morgan, client_for):
    # Opening the brother's record shows Ottoline as his sister: a view of her card.
    assert client_for(morgan).get(f"/children/{scene.sibling.pk}/record/").status_code == 200
    doc = review.released(content.gather(scene.sar, morgan), {})
    shown = [v for v in doc["viewed_by"] if v["why"].startswith("Shown as a brother or sister")]
    assert shown and scene.sibling.lisa_ref not in json.dumps(doc["viewed_by"])


def test_summaries_received_from_another_authority_are_listed(scene, morgan):
    from children.models import ReceivedSummary

    ReceivedSummary.objects.create(
        child=scene.child,
        from_authority="Medway Council",
        content={"schema": "lisa-transfer-summary", "version": 1},
        imported_by=morgan,
    )
    doc = release(scene, morgan).content
    assert list(Draft202012Validator(SCHEMA).iter_errors(doc)) == []
    received = doc["child"]["summaries_received"]
    assert [(item["from"], item["imported_by"]) for item in received] == [
        ("Medway Council", morgan.get_full_name())
    ]
    assert "From Medway Council, imported on" in words(render_answer(doc))


def test_a_sensitive_service_withheld_is_withheld_wherever_it_is_named(
    scene, morgan, agencies, client_for
):
    """CAMHS and its therapist are named well beyond her involvement: she recorded an agreement,
    wrote to amara, was invited to the meeting, owns a plan action and its progress note, moved
    amara's concern on, chaired a meeting, and works with the brother too. Withholding the
    sensitive items leaves neither name anywhere; releasing them shows both."""
    from concerns import actions as concern_actions
    from concerns.models import Concern
    from consent import actions as consent_actions
    from consent.models import Decision, Kind
    from meetings.models import Invitee, Meeting, MeetingKind, PlanAction, ProgressNote
    from messaging import actions as message_actions
    from tests.children.conftest import involve

    tess, amara = scene.people["tess"], scene.people["amara"]
    today = timezone.localdate()
    consent_actions.record_agreement(
        request=as_request(tess), by=tess, child=scene.child, kind=Kind.PARENT_CARER,
        values={"decision": Decision.AGREE, "parent": scene.father.pk,
                "signed_on": today - dt.timedelta(days=2)},
    )  # fmt: skip
    thread = message_actions.start_thread(
        request=as_request(tess), by=tess, recipients=[amara], subject="Sessions",
        body="Can we talk about Thursday?", child=scene.child,
    )  # fmt: skip
    message_actions.reply(request=as_request(amara), by=amara, thread=thread, body="Yes, 2pm.")
    Invitee.objects.create(meeting=scene.meeting, kind="practitioner", practitioner=tess)
    meeting = Meeting.objects.create(
        kind=MeetingKind.REVIEW, date=today, start_time=dt.time(9), end_time=dt.time(10),
        venue="Room 4", chair=tess, created_by=amara,
    )  # fmt: skip
    meeting.children.set([scene.child])
    action = PlanAction.objects.create(
        plan=scene.plan, what="Weekly sessions", owner_kind="practitioner", owner=tess,
        agency=tess.agency, due_on=today, created_by=amara,
    )  # fmt: skip
    action.children.set([scene.child])
    ProgressNote.objects.create(action=action, by=tess, text="Two sessions so far")
    snow = Concern.objects.get(child=scene.child, what_was_seen__contains="snow")
    concern_actions.change_concern(
        request=as_request(tess), by=tess, concern=snow, version=snow.version,
        outcome=snow.outcome, level=2, note="Seen at clinic",
    )  # fmt: skip
    involve(tess, scene.sibling, role="Therapist")
    client = client_for(tess)
    assert client.get(f"/children/{scene.child.pk}/record/").status_code == 200

    gathered = content.gather(scene.sar, morgan)
    started = scene.child.involvements.get(practitioner=tess).started_on
    tess_from = f"{started.day} {started:%B %Y}"
    service_key = f"sensitive-agency-{tess.agency_id}"
    sensitive = {f.key for f in gathered.flags if f.kind == "sensitive_service"}
    # The service once, its own concern, and the brother (CAMHS works with him).
    assert service_key in sensitive and f"sibling-{scene.sibling.pk}" in sensitive
    assert len(sensitive) == 3
    flag = gathered.flag(service_key)
    assert flag.description == (
        "CAMHS, wherever it or its practitioners are named: working with Peregrine Brackenbury; "
        f"Tess Quill, Therapist (from {tess_from}); concerns; meetings; support plans; "
        "agreements; messages; 1 view of the record"
    )

    def answer(withheld):
        doc = review.released(gathered, withheld)
        assert review.validate(doc) == []
        assert list(Draft202012Validator(SCHEMA).iter_errors(doc)) == []
        return doc, json.dumps(doc, ensure_ascii=False), words(render_answer(doc))

    # Released: both names are there, in each place.
    doc, text, pdf = answer({})
    for name in ("CAMHS", "Tess Quill"):
        assert name in text and name in pdf, name
    [agreement] = [a for a in doc["consent"]["agreements"] if a["given_by"].startswith("Edmund")]
    assert agreement["professional"] == {"key": service_key, "name": "Tess Quill"}
    assert agreement["agency"] == {"key": service_key, "name": "CAMHS"}
    assert "recorded by Tess Quill, CAMHS" in pdf
    assert "Sessions" in pdf and "Started" in pdf and "Weekly sessions – Tess Quill, CAMHS" in pdf
    assert "chaired by Tess Quill" in pdf and "Concern changed by Tess Quill" in pdf

    # Withheld: every item flagged as a sensitive service, and neither name is left.
    reason = "Sensitive service: the young person has not agreed"
    doc, text, pdf = answer({key: reason for key in sensitive})
    for name in ("CAMHS", "Tess", "Quill"):
        assert name not in text, name
        assert name not in pdf, name
    withheld = {"key": service_key, "withheld": reason}
    assert agreement["given_by"] in text  # the agreement is still told, without her name
    [agreement] = [a for a in doc["consent"]["agreements"] if a["given_by"].startswith("Edmund")]
    assert agreement["professional"] == agreement["agency"] == withheld
    sessions = next(t for t in doc["messages"] if t["subject"] == "Sessions")
    assert sessions["started_by"] == withheld and withheld in sessions["participants"]
    assert sessions["messages"][0]["author"] == withheld
    assert sessions["messages"][0]["body"] == "Can we talk about Thursday?"
    assert withheld in next(m for m in doc["meetings"] if m["venue"] == "Room 4").values()
    assert f"Withheld: {reason}" in pdf
    assert "recorded by Withheld: " + reason in pdf
    assert "Weekly sessions – Withheld: " + reason in pdf
    assert "Concern changed by Withheld: " + reason in pdf
