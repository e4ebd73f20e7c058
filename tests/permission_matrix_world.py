"""One shared world for the permission matrix (tests/lisa/test_permission_matrix.py).

Everything about the child is made through the real actions, as the people who would make it:

    amara     health visitor (Health Visiting): added the child, logged a concern (so she is
              involved), recorded the mother, a parent/carer agreement with a signed scan and a
              decision to share without consent, linked a sibling, imported a transfer
              summary sent back about the child (and uploaded it again), started a conversation
              about the child with priya, and arranged and chairs a Family Support Meeting
              with a support plan and one action (owned by the mother)
    priya     designated officer of Health Visiting (amara's agency), a participant in the thread
    daniel    teacher (Cedar Rise Primary): a practitioner not involved with the child
    helen     designated officer of Cedar Rise Primary: another agency's designated officer
    morgan    central team; recorded two subject access requests from the mother (one answered)
    sam       directory editor of "Bumps and Babies" (the service in the matrix)
    riley     directory editor of another service only
    alex      system administrator
    bea       police officer who broke glass on the child (the alert in the matrix)
    terry     a Health Visiting practitioner to manage; vera, one who has been deactivated
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audit.models import Alert, AlertKind
from children import actions as child_actions
from concerns import actions as concern_actions
from concerns.models import Category as ConcernCategory
from concerns.models import ConcernOutcome
from consent import actions as consent_actions
from consent.models import Decision, Ground, Kind
from directory.models import Category as DirectoryCategory
from directory.models import Organisation
from lisa import actions as user_actions
from lisa.models import Agency, AgencyType, Role, User
from meetings import actions as meeting_actions
from meetings.models import HeadlineOutcome, Joining, MeetingKind, OwnerKind
from messaging import actions as message_actions
from tests.conftest import make_user
from tests.directory.conftest import make_service

# The columns of the matrix, in order.
PERSONAS = (
    "anonymous",
    "outsider",  # a practitioner not involved with the child
    "involved",  # the practitioner who logged the concern
    "do_same",  # designated officer of the involved practitioner's agency
    "do_other",  # designated officer of another agency
    "central",  # central team
    "editor",  # directory editor of the service in the matrix
    "editor_other",  # directory editor of another service
    "sysadmin",  # system administrator
)


@dataclass
class World:
    people: dict[str, User | None] = field(default_factory=dict)
    # URL parameter values, by the name the matrix's KWARGS use.
    ids: dict[str, object] = field(default_factory=dict)


def _request(user: User, path: str = "/matrix/"):
    request = RequestFactory().post(path)
    request.user = user
    request.request_id = "permission-matrix"
    return request


def _pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def build_world() -> World:
    """Make the world. Call inside a transaction that is rolled back afterwards."""
    agencies = {
        "health": Agency.objects.create(
            name="Matrix Health Visiting", agency_type=AgencyType.HEALTH
        ),
        "school": Agency.objects.create(
            name="Matrix Cedar Rise Primary", agency_type=AgencyType.EDUCATION
        ),
        "police": Agency.objects.create(name="Matrix Police", agency_type=AgencyType.POLICE),
        "voluntary": Agency.objects.create(
            name="Matrix Family Support", agency_type=AgencyType.VOLUNTARY
        ),
        "central": Agency.objects.create(name="Matrix Central Team", agency_type=AgencyType.OTHER),
    }
    practitioner = [Role.PRACTITIONER]
    officer = [Role.PRACTITIONER, Role.DESIGNATED_OFFICER]
    amara = make_user("amara.matrix", agencies["health"], practitioner, job_title="Health visitor")
    priya = make_user("priya.matrix", agencies["health"], officer)
    daniel = make_user("daniel.matrix", agencies["school"], practitioner, job_title="Teacher")
    helen = make_user("helen.matrix", agencies["school"], officer)
    morgan = make_user("morgan.matrix", agencies["central"], [Role.CENTRAL_TEAM])
    sam = make_user("sam.matrix", agencies["voluntary"], [Role.DIRECTORY_EDITOR])
    riley = make_user("riley.matrix", agencies["voluntary"], [Role.DIRECTORY_EDITOR])
    alex = make_user("alex.matrix", agencies["central"], [Role.SYSTEM_ADMIN])
    bea = make_user("bea.matrix", agencies["police"], practitioner, job_title="Police officer")
    terry = make_user("terry.matrix", agencies["health"], practitioner)
    vera = make_user("vera.matrix", agencies["health"], practitioner)
    user_actions.deactivate_user(
        request=_request(priya), by=priya, user=vera, reason="Left the service"
    )

    # The child, her sister and what amara records about them.
    child_values = {
        "forenames": "Marguerite",
        "surname": "Matrixson",
        "date_of_birth": dt.date(2012, 6, 1),
        "gender": "female",
        "address_line_1": "12 Invented Road",
        "town": "London",
        "postcode": "SE13 6LH",
        "school": "Cedar Rise Primary",
    }
    child = child_actions.create_child(request=_request(amara), by=amara, values=child_values)
    sister = child_actions.create_child(
        request=_request(amara),
        by=amara,
        values={**child_values, "forenames": "Philippa", "date_of_birth": dt.date(2014, 3, 9)},
    )
    neglect = ConcernCategory.objects.get(name="Neglect")
    concern_values = {
        "date": timezone.localdate(),
        "level": 2,
        "categories": [neglect],
        "what_was_seen": "Arrived hungry three days running",
        "discussed_with_parent": True,
        "action_agreed": "Breakfast club place offered",
        "outcome": ConcernOutcome.MULTI_AGENCY,
        "role": "Health visitor",
    }
    concern = concern_actions.log_concern(
        request=_request(amara),
        by=amara,
        child=child,
        **{**concern_values, "outcome": ConcernOutcome.MEETING_REQUESTED},
    )
    concern_actions.log_concern(request=_request(amara), by=amara, child=sister, **concern_values)
    involvement = child.involvements.get(practitioner=amara)
    child_actions.link_siblings(request=_request(amara), by=amara, child=child, other=sister)
    mother = child_actions.add_parent(
        request=_request(amara),
        by=amara,
        child=child,
        values={
            "name": "Henrietta Matrixson",
            "relationship": "mother",
            "address": "",
            "phone": "",
            "email": "",
        },
    )
    agreement = consent_actions.record_agreement(
        request=_request(amara),
        by=amara,
        child=child,
        kind=Kind.PARENT_CARER,
        values={
            "decision": Decision.AGREE,
            "parent": mother,
            "signed_on": timezone.localdate() - dt.timedelta(days=3),
        },
    )
    consent_actions.attach_scan(
        request=_request(amara),
        by=amara,
        agreement=agreement,
        upload=SimpleUploadedFile("signed.pdf", _pdf_bytes(), content_type="application/pdf"),
    )
    sharing = consent_actions.record_sharing_decision(
        request=_request(amara),
        by=amara,
        child=child,
        values={
            "ground": Ground.SAFEGUARD,
            "what_shared": "The concern and the plan",
            "shared_with": "The school nurse",
            "decided_by": "Amara Matrix",
            "reason": "To keep her safe at school",
            "decided_on": timezone.localdate(),
        },
    )
    from children.actions import produce_transfer_summary

    summary = produce_transfer_summary(
        request=_request(amara),
        by=amara,
        child=child,
        for_authority="Kent County Council",
        agreement=agreement,
    )
    # The summary comes back from Kent: amara imports it into the record, and uploads it again
    # (waiting for her to choose the record: only she may reach that upload).
    received = child_actions.import_transfer_summary(
        request=_request(amara),
        by=amara,
        pending=child_actions.hold_import(
            request=_request(amara), by=amara, document=summary.content, from_authority="Kent"
        ),
        into=child,
    )
    pending_import = child_actions.hold_import(
        request=_request(amara), by=amara, document=summary.content, from_authority="Kent"
    )
    thread = message_actions.start_thread(
        request=_request(amara),
        by=amara,
        recipients=[priya],
        subject="About Marguerite",
        body="Can we talk about breakfast club?",
        child=child,
    )
    message = thread.messages.get()

    # amara arranges and chairs a Family Support Meeting; a support plan with one action.
    meeting = meeting_actions.arrange_meeting(
        request=_request(amara),
        by=amara,
        children=[child],
        kind=MeetingKind.INITIAL,
        date=timezone.localdate() + dt.timedelta(days=7),
        start_time=dt.time(10, 0),
        end_time=dt.time(11, 0),
        venue="Cedar Rise Primary, meeting room 2",
        joining=Joining.IN_PERSON,
        chair=amara,
        concerns=[concern],
        parents=[mother],
        young_person_not_invited_reason="Too young for this meeting",
    )
    plan = meeting_actions.create_plan(
        request=_request(amara),
        by=amara,
        meeting=meeting,
        version=meeting.version,
        outcomes=[(HeadlineOutcome.EDUCATION, "Marguerite arrives ready to learn")],
    )
    plan.refresh_from_db()
    plan_action = meeting_actions.add_action(
        request=_request(amara),
        by=amara,
        plan=plan,
        version=plan.version,
        what="Breakfast club every school day",
        outcome=plan.outcomes.get(),
        children=[child],
        owner=meeting_actions.Owner(kind=OwnerKind.PARENT, parent=mother),
        due_on=timezone.localdate() + dt.timedelta(days=30),
        meeting=meeting,
    )

    # A second meeting, held today, recorded and its record of decisions sent.
    from tests.meetings.conftest import arrange, hold, send

    held = arrange(
        amara, child, kind=MeetingKind.REVIEW, start_time=dt.time(9, 0),
        end_time=dt.time(10, 0), plan=plan,
    )  # fmt: skip
    sent = send(hold(held, amara, attended=[amara]), amara)

    # Someone else broke glass: the alert the central team reviews.
    child_actions.break_glass(
        request=_request(bea),
        by=bea,
        child=child,
        category="safeguarding",
        reason="Called to the address overnight",
    )
    alert = Alert.objects.get(kind=AlertKind.BREAK_GLASS, user=bea, child=child)

    # The mother asks for everything held about the child: one request still open, and one
    # answered (its PDF and JSON ready to download).
    from subject_access import actions as subject_access_actions

    def subject_access_request():
        return subject_access_actions.record_request(
            request=_request(morgan),
            by=morgan,
            child=child,
            values={
                "requester_name": "Henrietta Matrixson",
                "requester_kind": "parent",
                "parent": mother,
                "relationship": "Mother",
                "received_on": timezone.localdate(),
                "identity_checked": True,
                "identity_how": "Passport seen",
            },
        )

    open_request = subject_access_request()
    answered = subject_access_request()
    answered = subject_access_actions.release(
        request=_request(morgan), by=morgan, sar=answered, version=answered.version, withheld={}
    )

    # The directory: sam keeps the service in the matrix; riley keeps another.
    dfs = Organisation.objects.create(
        name="Matrix Family Support Network", agency=agencies["voluntary"]
    )
    parenting = DirectoryCategory.objects.create(name="Matrix parenting", description="Parents")
    service = make_service(
        dfs,
        "Bumps and Babies Matrix Group",
        categories=[parenting],
        editors=[sam],
        location={"name": "Deptford Lounge", "address_1": "9 Giffin Street", "postcode": "SE8 4RJ"},
    )
    make_service(dfs, "Another Matrix Service", categories=[parenting], editors=[riley])
    location = service.locations.get()

    from directory.opendata import TAXONOMY_ID

    world = World()
    world.people = {
        "anonymous": None,
        "outsider": daniel,
        "involved": amara,
        "do_same": priya,
        "do_other": helen,
        "central": morgan,
        "editor": sam,
        "editor_other": riley,
        "sysadmin": alex,
    }
    world.ids = {
        "child": child.pk,
        "lisa_ref": child.lisa_ref,
        "involvement": involvement.pk,
        "parent": mother.pk,
        "concern": concern.pk,
        "concern_category": neglect.pk,
        "agreement": agreement.pk,
        "sharing": sharing.pk,
        "transfer_summary": summary.pk,
        "received_summary": received.pk,
        "pending_import": pending_import.token,
        "consent_kind": "parent-carer",
        "figure_section": "meetings",
        "figure_key": "attendance",
        "meeting": meeting.pk,
        "plan": plan.pk,
        "plan_action": plan_action.pk,
        "held_meeting": held.pk,
        "sent_record": sent.pk,
        "family_invitee": meeting.invitees.get(parent=mother).pk,
        "thread": thread.pk,
        "message": message.pk,
        "alert": alert.pk,
        "subject_access_request": open_request.pk,
        "released_subject_access_request": answered.pk,
        "managed_user": terry.pk,
        "deactivated_user": vera.pk,
        "agency": agencies["health"].pk,
        "service": service.pk,
        "organisation": dfs.pk,
        "directory_category": parenting.pk,
        # A set-password link whose token belongs to someone else (vera's token, terry's id).
        "uidb64": urlsafe_base64_encode(force_bytes(terry.pk)),
        "others_token": default_token_generator.make_token(vera),
        "oruk_service": str(service.uuid),
        "oruk_service_at_location": str(location.service_at_location_uuid),
        "oruk_taxonomy": str(TAXONOMY_ID),
        "oruk_taxonomy_term": str(parenting.uuid),
        "oruk_organization": str(dfs.uuid),
    }
    return world
