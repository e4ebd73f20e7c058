"""A child with something of everything, and a subject access request about her.

    Ottoline Brackenbury   the child; her mother Rosalind asks (identity checked)
    Rosalind Brackenbury   mother, parental responsibility, the requester (her own phone)
    Edmund Brackenbury     father, parental responsibility (his phone and email: third party)
    Peregrine Brackenbury  her brother (a sibling on LISA: third party)
    amara                  health visitor, involved; logged a level 3 concern, moved it on
    tess                   CAMHS therapist (a sensitive service), involved
    ivy                    family support worker, invited to the meeting
    bea                    police officer who broke glass and opened the record
    morgan                 central team; recorded the request

The meeting (about Ottoline and Peregrine) was held with an outsider whose phone is recorded; a
support plan has an action with a progress note; a parent/carer agreement, a decision to share
without consent and a request for information are recorded; amara and priya exchanged two
messages about her.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import RequestFactory
from django.utils import timezone

from children import actions as child_actions
from children.models import Child, ParentalResponsibility
from concerns import actions as concern_actions
from concerns.models import Category, ConcernOutcome
from consent import actions as consent_actions
from consent.models import Decision, Ground, Kind, RequestOutcome
from lisa.models import Agency, AgencyType, Role, User
from meetings import actions as meeting_actions
from meetings.models import Meeting, MeetingKind, ProgressNote, SupportPlan
from messaging import actions as message_actions
from subject_access import actions
from subject_access.models import RequesterKind, SubjectAccessRequest
from tests.conftest import make_user

FATHER_PHONE = "07700 900456"
FATHER_EMAIL = "edmund.b@example.net"
MOTHER_PHONE = "07700 900123"
OUTSIDER_PHONE = "020 7946 0321"
FIRST_MESSAGE = "Ottoline was upset at drop-off; her aunt mentioned money worries."
REPLY = "Thanks, I will raise it at the meeting."
BREAK_GLASS_REASON = "Called to the address about a disturbance overnight"


def as_request(user, path: str = "/subject-access/test/"):
    request = RequestFactory().post(path)
    request.user = user
    request.request_id = "subject-access-test"
    return request


@dataclass
class Scene:
    child: Child
    sibling: Child
    mother: ParentalResponsibility
    father: ParentalResponsibility
    people: dict[str, User]
    meeting: Meeting
    plan: SupportPlan
    sar: SubjectAccessRequest | None


def request_values(**overrides) -> dict:
    values = {
        "requester_name": "Rosalind Brackenbury",
        "requester_kind": RequesterKind.PARENT,
        "parent": None,
        "relationship": "Mother",
        "received_on": timezone.localdate() - dt.timedelta(days=3),
        "identity_checked": True,
        "identity_how": "Passport and a council tax bill seen at the front desk",
    }
    values.update(overrides)
    return values


def record(by, child, **overrides) -> SubjectAccessRequest:
    return actions.record_request(
        request=as_request(by), by=by, child=child, values=request_values(**overrides)
    )


def build_scene(agencies, amara, priya, morgan, client_for, *, with_request=True) -> Scene:
    today = timezone.localdate()
    tess = make_user(
        "tess.quill", agencies["camhs"], [Role.PRACTITIONER], job_title="Therapist",
        phone="020 7000 0001",
    )  # fmt: skip
    ivy = make_user("ivy.moss", agencies["voluntary"], [Role.PRACTITIONER])
    police = Agency.objects.create(name="Lewisham Police", agency_type=AgencyType.POLICE)
    bea = make_user("bea.holt", police, [Role.PRACTITIONER], job_title="Police officer")
    values = {
        "forenames": "Ottoline",
        "surname": "Brackenbury",
        "date_of_birth": dt.date(2014, 5, 17),
        "gender": "female",
        "address_line_1": "4 Juniper Walk",
        "town": "London",
        "postcode": "SE13 6LH",
        "nhs_number": "9434765919",
        "school": "Cedar Rise Primary",
    }
    child = child_actions.create_child(request=as_request(amara), by=amara, values=values)
    sibling = child_actions.create_child(
        request=as_request(amara),
        by=amara,
        values={**values, "forenames": "Peregrine", "date_of_birth": dt.date(2017, 2, 3),
                "nhs_number": ""},
    )  # fmt: skip
    child_actions.link_siblings(request=as_request(morgan), by=morgan, child=child, other=sibling)
    child.refresh_from_db()
    sibling.refresh_from_db()
    mother = child_actions.add_parent(
        request=as_request(morgan), by=morgan, child=child,
        values={"name": "Rosalind Brackenbury", "relationship": "mother", "address": "",
                "phone": MOTHER_PHONE, "email": ""},
    )  # fmt: skip
    father = child_actions.add_parent(
        request=as_request(morgan), by=morgan, child=child,
        values={"name": "Edmund Brackenbury", "relationship": "father", "address": "",
                "phone": FATHER_PHONE, "email": FATHER_EMAIL},
    )  # fmt: skip
    concern = concern_actions.log_concern(
        request=as_request(amara), by=amara, child=child, date=today - dt.timedelta(days=20),
        level=3, categories=[Category.objects.get(name="Neglect")],
        what_was_seen="Arrived without a coat in the snow", discussed_with_parent=True,
        action_agreed="Coat from the uniform bank", outcome=ConcernOutcome.MULTI_AGENCY,
        role="Health visitor",
    )  # fmt: skip
    concern_actions.change_concern(
        request=as_request(amara), by=amara, concern=concern, version=concern.version,
        outcome=ConcernOutcome.MEETING_REQUESTED, level=3, note="Things are getting harder",
    )  # fmt: skip
    concern_actions.log_concern(
        request=as_request(tess), by=tess, child=child, date=today - dt.timedelta(days=10),
        level=2, categories=[Category.objects.get(name="Emotional wellbeing")],
        what_was_seen="Low mood at clinic", discussed_with_parent=True,
        action_agreed="Weekly sessions", outcome=ConcernOutcome.MULTI_AGENCY, role="Therapist",
    )  # fmt: skip
    child_actions.add_involvement(
        request=as_request(morgan), by=morgan, child=sibling, practitioner=amara,
        role="Health visitor",
    )  # fmt: skip
    meeting = meeting_actions.arrange_meeting(
        request=as_request(amara), by=amara, children=[child, sibling],
        kind=MeetingKind.INITIAL, date=today - dt.timedelta(days=5),
        start_time=dt.time(10, 0), end_time=dt.time(11, 0), venue="Kaleidoscope Centre, room 2",
        joining="in_person", chair=amara, practitioners=[ivy], parents=[mother],
        young_person_not_invited_reason="Too young",
        outsiders=[meeting_actions.Outsider(name="Agatha Brackenbury", role="Aunt",
                                            contact=OUTSIDER_PHONE)],
    )  # fmt: skip
    invitees = {i.practitioner_id: i for i in meeting.invitees.all() if i.practitioner_id}
    meeting = meeting_actions.record_attendance(
        request=as_request(amara), by=amara, meeting=meeting, version=meeting.version,
        attendance={invitees[amara.pk].pk: ("attended", ""), invitees[ivy.pk].pk: ("attended", "")},
    )  # fmt: skip
    meeting = meeting_actions.record_meeting(
        request=as_request(amara), by=amara, meeting=meeting, version=meeting.version,
        summary="Mornings are hard for the family.", strengths="A warm, close family.",
        family_views="Mum would like help with mornings.",
        decisions=["Breakfast club place for Ottoline"],
        next_review_on=today + dt.timedelta(weeks=6),
    )  # fmt: skip
    plan = meeting_actions.create_plan(
        request=as_request(amara), by=amara, meeting=meeting,
        version=Meeting.objects.get(pk=meeting.pk).version,
        outcomes=[("education", "Ottoline is at school on time every day")],
    )  # fmt: skip
    plan = SupportPlan.objects.get(pk=plan.pk)
    action = meeting_actions.add_action(
        request=as_request(amara), by=amara, plan=plan, version=plan.version,
        what="Breakfast club every school day", outcome=plan.outcomes.first(), children=[child],
        owner=meeting_actions.Owner(kind="practitioner", practitioner=ivy),
        due_on=today + dt.timedelta(days=21),
    )  # fmt: skip
    meeting_actions.add_progress_note(
        request=as_request(ivy), by=ivy, action=action, text="Started on Monday; going well"
    )
    consent_actions.record_agreement(
        request=as_request(amara), by=amara, child=child, kind=Kind.PARENT_CARER,
        values={"decision": Decision.AGREE, "parent": mother.pk,
                "signed_on": today - dt.timedelta(days=15)},
    )  # fmt: skip
    consent_actions.record_sharing_decision(
        request=as_request(amara), by=amara, child=child,
        values={"ground": Ground.SAFEGUARD, "what_shared": "The concern of the snow",
                "shared_with": "The school nurse", "decided_by": "Amara Okafor",
                "reason": "To keep her warm and safe", "decided_on": today - dt.timedelta(days=14)},
    )  # fmt: skip
    consent_actions.record_information_request(
        request=as_request(amara), by=amara, child=child,
        values={"requested_by": "Kent Children's Services", "received_on": today,
                "what_requested": "Any concerns known", "outcome": RequestOutcome.NOT_SHARED,
                "reason": "No lawful basis yet", "decided_by": "Amara Okafor",
                "decided_on": today},
    )  # fmt: skip
    thread = message_actions.start_thread(
        request=as_request(amara), by=amara, recipients=[priya], subject="Mornings",
        body=FIRST_MESSAGE, child=child,
    )  # fmt: skip
    message_actions.reply(request=as_request(priya), by=priya, thread=thread, body=REPLY)
    # A police officer breaks glass and opens the full record (through the real pages).
    client = client_for(bea)
    child_actions.break_glass(
        request=as_request(bea), by=bea, child=child, category="safeguarding",
        reason=BREAK_GLASS_REASON,
    )  # fmt: skip
    assert client.get(f"/children/{child.pk}/record/").status_code == 200
    sar = record(morgan, child, parent=mother) if with_request else None
    people = {"amara": amara, "priya": priya, "morgan": morgan, "tess": tess, "ivy": ivy,
              "bea": bea}  # fmt: skip
    return Scene(child, sibling, mother, father, people, Meeting.objects.get(pk=meeting.pk),
                 plan, sar)  # fmt: skip


@pytest.fixture
def scene(agencies, amara, priya, morgan, client_for) -> Scene:
    return build_scene(agencies, amara, priya, morgan, client_for)


def add_history(scene: Scene, n: int) -> None:
    """``n`` more of each kind of record about the child (concerns with steps, meetings with
    invitees, plan actions with notes, consent records, messages, views), written as rows: for
    the query budgets, which must not grow with them."""
    from audit.models import Action, AuditEvent
    from concerns.models import Concern, ConcernChange
    from consent.models import InformationRequest
    from meetings.models import Invitee, PlanAction
    from messaging.models import Message

    amara, ivy = scene.people["amara"], scene.people["ivy"]
    today = timezone.localdate()
    thread = scene.child.message_threads.get()
    for number in range(n):
        concern = Concern.objects.create(
            child=scene.child, raised_by=amara, agency=amara.agency, date=today, level=2,
            what_was_seen=f"Seen {number}", discussed_with_parent=True, action_agreed="Talk",
            outcome=ConcernOutcome.MULTI_AGENCY,
        )  # fmt: skip
        concern.categories.set([Category.objects.get(name="Neglect")])
        ConcernChange.objects.create(concern=concern, by=amara, kind="logged", to_level=2)
        meeting = Meeting.objects.create(
            kind=MeetingKind.REVIEW, date=today, start_time=dt.time(9), end_time=dt.time(10),
            venue=f"Room {number}", chair=amara, created_by=amara,
        )  # fmt: skip
        meeting.children.set([scene.child])
        Invitee.objects.create(meeting=meeting, kind="other", name=f"Guest {number}",
                               contact=f"0207 000 {number:04d}")  # fmt: skip
        action = PlanAction.objects.create(
            plan=scene.plan, what=f"Action {number}", owner_kind="practitioner", owner=ivy,
            due_on=today, created_by=amara,
        )  # fmt: skip
        action.children.set([scene.child])
        ProgressNote.objects.create(action=action, by=ivy, text=f"Note {number}")
        InformationRequest.objects.create(
            child=scene.child, requested_by=f"Authority {number}", received_on=today,
            what_requested="Anything", outcome="not_shared", reason="Not yet",
            decided_by="Amara", decided_on=today, created_by=amara,
        )  # fmt: skip
        Message.objects.create(thread=thread, author=ivy, body=f"Message {number}")
        AuditEvent.objects.create(
            user=ivy, username=ivy.username, role="practitioner", agency=ivy.agency,
            action=Action.VIEW, object_type="children.child", object_id=str(scene.child.pk),
            child_id=scene.child.pk, detail={"view": "full", "basis": "involved"},
        )  # fmt: skip
