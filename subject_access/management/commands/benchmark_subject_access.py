"""Time the answer to a subject access request for a child with a long history.

    python manage.py benchmark_subject_access                  # about 500 events, 5 runs
    python manage.py benchmark_subject_access --events 2000 --runs 3

Invents (inside a transaction that is rolled back) a child with about ``--events`` things in
LISA: concerns with their steps through the flowchart, Family Support Meetings with decisions
and invitees, a support plan with actions and progress notes, agreements, decisions to share and
requests for information, conversations about the child, and views of the record in the audit
trail (some under break glass), plus a brother, two parents and the practitioners involved. A
subject access request is recorded for the child.

Then, ``--runs`` times, it produces the answer as the release does — everything gathered,
nothing withheld, checked against the schema and written out as JSON — and renders the PDF
from it, and reports the median of each and of both together against the target (the whole
answer within 5 s). Nothing is left behind.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import platform
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from audit.models import Action, AuditEvent
from children.models import Child, Family, HowBegan, Involvement, ParentalResponsibility
from concerns.models import Category, Concern, ConcernChange, ConcernOutcome, ConcernStatus
from consent.models import Agreement, Decision, Ground, InformationRequest, Kind, SharingDecision
from lisa.models import Agency, AgencyType, Role, User
from meetings.models import (
    Attendance,
    Invitee,
    InviteeKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    OwnerKind,
    PlanAction,
    PlanOutcome,
    ProgressNote,
    SupportPlan,
)
from meetings.models import (
    Decision as MeetingDecision,
)
from messaging.models import Message, Participant, Thread
from subject_access import content, review
from subject_access.models import RequesterKind, SubjectAccessRequest, one_calendar_month_after
from subject_access.views import render_answer

TARGET_S = 5.0
SEEN = (
    "Arrived at nursery hungry and in the same clothes as yesterday; said there was no "
    "breakfast at home again. Quiet all morning, brightened at lunch."
)
SAID = (
    "Spoke to mum at pick-up: she is struggling with the new shifts and would welcome a "
    "breakfast club place. I will ring the school on Monday."
)


def _share(events: int) -> dict[str, int]:
    """How the events are made up (for 500: 60 concerns with 180 steps, 8 meetings, 30 plan
    actions with 30 notes, 9 consent records, 100 messages, 150 views; 567 in all with the
    people and the plan)."""
    scale = max(events, 10) / 500
    return {
        "concerns": max(1, round(60 * scale)),
        "meetings": max(1, round(8 * scale)),
        "actions": max(1, round(30 * scale)),
        "consent": max(1, round(3 * scale)),
        "threads": max(1, round(10 * scale)),
        "views": max(1, round(150 * scale)),
    }


def invent(events: int) -> tuple[User, SubjectAccessRequest]:
    """The central team member and a request about a child with a long history."""
    share = _share(events)
    now = timezone.now()
    today = timezone.localdate()
    health = Agency.objects.create(name="Benchmark Health", agency_type=AgencyType.HEALTH)
    camhs = Agency.objects.create(
        name="Benchmark CAMHS", agency_type=AgencyType.HEALTH, sensitive_service=True
    )
    central = Agency.objects.create(name="Benchmark Central", agency_type=AgencyType.OTHER)
    staff = [
        User.objects.create(
            username=f"benchmark.sar{n}",
            first_name="Person",
            last_name=f"Number {n}",
            agency=camhs if n == 9 else health,
            roles=[Role.PRACTITIONER],
            training_date=today,
            job_title="Nurse",
            phone="020 7000 0000",
            email=f"benchmark.sar{n}@example.org",
        )  # fmt: skip
        for n in range(10)
    ]
    reviewer = User.objects.create(
        username="benchmark.sar.central", first_name="Central", last_name="Reviewer",
        agency=central, roles=[Role.CENTRAL_TEAM], training_date=today,
    )  # fmt: skip
    family = Family.objects.create()
    child = Child(
        forenames="Benchmark", surname="Child", date_of_birth=dt.date(2014, 3, 1),
        gender="female", address_line_1="1 Invented Road", town="London", postcode="SE13 6LH",
        family=family,
    )  # fmt: skip
    child.save()
    brother = Child(
        forenames="Benchmark", surname="Brother", date_of_birth=dt.date(2016, 3, 1),
        gender="male", family=family,
    )  # fmt: skip
    brother.save()
    mother = ParentalResponsibility.objects.create(
        child=child, name="Benchmark Mother", relationship="mother", phone="07700 900001"
    )
    ParentalResponsibility.objects.create(
        child=child, name="Benchmark Father", relationship="father", phone="07700 900002",
        email="father@example.net", address="2 Invented Road\nLondon",
    )  # fmt: skip
    Involvement.objects.bulk_create(
        [
            Involvement(child=child, practitioner=person, agency=person.agency, role="Nurse",
                        how_began=HowBegan.CONCERN, started_on=today - dt.timedelta(days=400))
            for person in staff
        ]
        + [Involvement(child=brother, practitioner=staff[0], agency=health, role="Nurse",
                       how_began=HowBegan.CONCERN)]
    )  # fmt: skip

    neglect = Category.objects.get(name="Neglect")
    concerns = Concern.objects.bulk_create(
        [
            Concern(
                child=child,
                raised_by=staff[n % 10],
                agency=staff[n % 10].agency,
                date=today - dt.timedelta(days=3 * n),
                level=2 + n % 2,
                what_was_seen=SEEN,
                discussed_with_parent=True,
                action_agreed="Breakfast club place offered",
                outcome=ConcernOutcome.MULTI_AGENCY,
                status=ConcernStatus.CLOSED,
                closed_at=now,
            )  # fmt: skip
            for n in range(share["concerns"])
        ]
    )
    Concern.categories.through.objects.bulk_create(
        [Concern.categories.through(concern_id=c.pk, category_id=neglect.pk) for c in concerns]
    )
    steps = []
    for concern in concerns:
        steps += [
            ConcernChange(concern=concern, by=concern.raised_by, kind="logged", to_level=2,
                          to_outcome=ConcernOutcome.RESOLVED_IN_AGENCY),
            ConcernChange(concern=concern, by=concern.raised_by, kind="changed", from_level=2,
                          to_level=concern.level, from_outcome=ConcernOutcome.RESOLVED_IN_AGENCY,
                          to_outcome=ConcernOutcome.MULTI_AGENCY, note="Moved on after a call"),
            ConcernChange(concern=concern, by=concern.raised_by, kind="closed",
                          from_status="open", to_status="closed", note="Support in place"),
        ]  # fmt: skip
    ConcernChange.objects.bulk_create(steps)

    plan = SupportPlan.objects.create(lead=staff[0], created_by=staff[0])
    plan.children.set([child, brother])
    outcome = PlanOutcome.objects.create(
        plan=plan, headline="education", description="At school on time every day"
    )
    for n in range(share["meetings"]):
        meeting = Meeting.objects.create(
            kind=MeetingKind.INITIAL if n == 0 else MeetingKind.REVIEW,
            date=today - dt.timedelta(days=30 * n), start_time=dt.time(10), end_time=dt.time(11),
            venue="Kaleidoscope Centre, room 2", chair=staff[0], plan=plan,
            summary=SAID, strengths="A warm family", family_views="Mum wants help with mornings",
            status=MeetingStatus.HELD, next_review_on=today + dt.timedelta(weeks=6),
            created_by=staff[0],
        )  # fmt: skip
        meeting.children.set([child, brother])
        MeetingDecision.objects.bulk_create(
            [MeetingDecision(meeting=meeting, position=p, text=f"Decision {p}") for p in range(3)]
        )
        Invitee.objects.bulk_create(
            [Invitee(meeting=meeting, kind=InviteeKind.PRACTITIONER, practitioner=person,
                     attendance=Attendance.ATTENDED) for person in staff[:4]]
            + [Invitee(meeting=meeting, kind=InviteeKind.PARENT, parent=mother,
                       attendance=Attendance.ATTENDED),
               Invitee(meeting=meeting, kind=InviteeKind.OTHER, name="An aunt",
                       contact="020 7946 0000")]
        )  # fmt: skip
    actions = PlanAction.objects.bulk_create(
        [
            PlanAction(plan=plan, what=f"Action number {n}", outcome=outcome,
                       owner_kind=OwnerKind.PRACTITIONER, owner=staff[n % 10],
                       due_on=today + dt.timedelta(days=n), created_by=staff[0])
            for n in range(share["actions"])
        ]
    )  # fmt: skip
    PlanAction.children.through.objects.bulk_create(
        [PlanAction.children.through(planaction_id=a.pk, child_id=child.pk) for a in actions]
    )
    ProgressNote.objects.bulk_create(
        [ProgressNote(action=a, by=a.owner, text="Going well this week") for a in actions]
    )
    for n in range(share["consent"]):
        Agreement.objects.create(
            child=child, kind=Kind.PARENT_CARER, decision=Decision.AGREE, parent=mother,
            professional=staff[0], agency=health, signed_on=today - dt.timedelta(days=n),
            created_by=staff[0],
        )  # fmt: skip
        SharingDecision.objects.create(
            child=child, ground=Ground.SAFEGUARD, what_shared="The concerns",
            shared_with="The school", decided_by="Person Number 0", reason="To keep her safe",
            decided_on=today, created_by=staff[0],
        )  # fmt: skip
        InformationRequest.objects.create(
            child=child, requested_by="Kent", received_on=today, what_requested="Concerns",
            outcome="not_shared", reason="No lawful basis", decided_by="Person Number 0",
            decided_on=today, created_by=staff[0],
        )  # fmt: skip
    for n in range(share["threads"]):
        thread = Thread.objects.create(subject=f"Mornings {n}", child=child, created_by=staff[0])
        Participant.objects.bulk_create(
            [Participant(thread=thread, user=person) for person in staff[:3]]
        )
        Message.objects.bulk_create(
            [Message(thread=thread, author=staff[m % 3], body=SAID) for m in range(10)]
        )
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                user=staff[n % 10],
                username=staff[n % 10].username,
                role=Role.PRACTITIONER,
                agency=staff[n % 10].agency,
                action=Action.VIEW,
                object_type="children.child",
                object_id=str(child.pk),
                child_id=child.pk,
                detail={"view": "full", "basis": "involved"}
                if n % 5
                else {
                    "view": "full",
                    "break_glass": {
                        "grant": 1,
                        "category": "safeguarding",
                        "reason": "Called out overnight",
                        "expires_at": now.isoformat(),
                    },
                },
            )  # fmt: skip
            for n in range(share["views"])
        ]
    )
    received = today - dt.timedelta(days=3)
    sar = SubjectAccessRequest.objects.create(
        child=child, requester_name="Benchmark Mother", requester_kind=RequesterKind.PARENT,
        requester_parent=mother, relationship="Mother", received_on=received,
        due_on=one_calendar_month_after(received), identity_checked=True,
        identity_how="Passport", recorded_by=reviewer,
    )  # fmt: skip
    return reviewer, sar


def answer(sar: SubjectAccessRequest, reviewer: User) -> tuple[review.Gathered, dict, str]:
    """What the release does: gather, withhold nothing, check against the schema, write out."""
    gathered = content.gather(sar, reviewer)
    document = review.released(gathered, {})
    problems = review.validate(document)
    if problems:
        raise AssertionError("; ".join(problems[:3]))
    return gathered, document, json.dumps(document, ensure_ascii=False, indent=2)


class Command(BaseCommand):
    help = "Time the answer to a subject access request (JSON and PDF) for a long history."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=500, help="about this many events")
        parser.add_argument("--runs", type=int, default=5, help="timed runs (the median is kept)")

    def handle(self, *args, events: int, runs: int, **options):
        for name in ("weasyprint", "fontTools"):
            logging.getLogger(name).setLevel(logging.WARNING)
        with transaction.atomic():
            reviewer, sar = invent(events)
            gathered, document, _ = answer(sar, reviewer)
            render_answer(document)  # warm up: templates, fonts
            json_s, pdf_s, size = [], [], 0
            for _ in range(max(1, runs)):
                started = time.perf_counter()
                gathered, document, _ = answer(sar, reviewer)
                json_s.append(time.perf_counter() - started)
                started = time.perf_counter()
                pdf = render_answer(document)
                pdf_s.append(time.perf_counter() - started)
                size = len(pdf)
            both = [a + b for a, b in zip(json_s, pdf_s, strict=True)]
            self.stdout.write(
                f"Python {platform.python_version()}; a child with {gathered.event_count} "
                f"events ({'; '.join(f'{label.lower()}: {n}' for label, n in gathered.counts)}); "
                f"{len(gathered.flags)} items flagged for review"
            )
            self.stdout.write(
                f"answer as JSON (gathered, checked, written): median "
                f"{statistics.median(json_s):.2f} s over {len(json_s)} runs"
            )
            self.stdout.write(
                f"answer as PDF ({size // 1024} KB): median {statistics.median(pdf_s):.2f} s"
            )
            total = statistics.median(both)
            verdict = "within" if total <= TARGET_S else "OVER"
            self.stdout.write(f"both: median {total:.2f} s ({verdict} the {TARGET_S:.0f} s target)")
            transaction.set_rollback(True)
        self.stdout.write("Rolled back: the invented child is gone.")
