"""Every change to a meeting, a lead appointment or a support plan goes through these functions.

Each is one transaction that checks the rule (meetings/access.py, meetings/rules.py), validates,
saves and writes one audit event for every child concerned. Changes to an existing record carry
its version token: the second of two concurrent saves is refused with the other person's values
(:class:`~lisa.actions.ConcurrentEditError`). Nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from audit.services import record
from children.actions import add_involvement
from children.models import Child, HowBegan, ParentalResponsibility
from children.rules import access as child_access
from concerns.actions import close_with_plan
from concerns.models import Concern
from directory.models import Location, Service
from lisa.actions import ConcurrentEditError
from lisa.models import Agency, Role, User
from lisa.versioning import check_version
from meetings import access as meeting_access
from meetings import rules
from meetings.access import audit_each
from meetings.models import (
    ActionStatus,
    Attendance,
    ClosureReason,
    CopyGiven,
    Decision,
    HeadlineOutcome,
    Invitee,
    InviteeKind,
    LeadAppointment,
    Meeting,
    MeetingKind,
    MeetingStatus,
    OwnerKind,
    PlanAction,
    PlanOutcome,
    PlanStatus,
    ProgressNote,
    RecordOfDecisions,
    RecordRecipient,
    SupportPlan,
)
from meetings.record import snapshot as record_snapshot
from messaging.notifications import notify

__all__ = ["ConcurrentEditError"]

ARRANGE_ARCHIVED = (
    "A child chosen has an archived record: it is read only, and no meeting can be arranged "
    "about them until the central team restores it."
)
PLAN_ARCHIVED = (
    "A child in this support plan has an archived record, so the plan is read only until the "
    "central team restores that record: choose another plan, or none"
)


@dataclass
class Outsider:
    """Someone without a LISA account invited to a meeting."""

    name: str
    role: str = ""
    organisation: str = ""
    contact: str = ""


def _accesses(user: User, children: Iterable[Child]) -> dict:
    return {child.pk: child_access(user, child) for child in children}


def _practitioner_role(user: User) -> str:
    return user.job_title or "Practitioner"


def _check_practitioner(user: User | None, field: str, message: str) -> None:
    if user is None or not (user.is_active and user.is_practitioner and user.agency_id):
        raise ValidationError({field: message})


# --- arranging --------------------------------------------------------------------------------


@transaction.atomic
def arrange_meeting(
    *,
    request: HttpRequest,
    by: User,
    children: Iterable[Child],
    kind: str,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    venue: str = "",
    location: Location | None = None,
    joining: str,
    joining_details: str = "",
    chair: User,
    concerns: Iterable[Concern] = (),
    practitioners: Iterable[User] = (),
    parents: Iterable[ParentalResponsibility] = (),
    young_people: Iterable[Child] = (),
    young_person_not_invited_reason: str = "",
    outsiders: Iterable[Outsider] = (),
    prepared_on: dt.date | None = None,
    prepared_by: str = "",
    parent_told_of_sharing: bool = False,
    plan: SupportPlan | None = None,
) -> Meeting:
    """Arrange a Family Support Meeting about one or more children of a household.

    The chair (by default the practitioner who raised the concern, handbook FAQ 6) and every
    invited practitioner become involved with each child ("named in a meeting or plan") and are
    told there is something new in LISA; the email carries a link and nothing else."""
    children = list(children)
    rules.check_one_household(children)
    accesses = _accesses(by, children)
    if any(access.archived for access in accesses.values()):
        raise PermissionDenied(ARRANGE_ARCHIVED)
    if not all(access.edit for access in accesses.values()):
        raise PermissionDenied(
            "Only those working with every child discussed, or the central team, may arrange a "
            "meeting about them."
        )
    errors: dict[str, str] = {}
    try:
        _check_practitioner(chair, "chair", "Choose a LISA practitioner to chair the meeting")
    except ValidationError as error:
        errors.update({key: value[0] for key, value in error.message_dict.items()})
    if start_time and end_time and end_time <= start_time:
        errors["end_time"] = "The meeting must end after it starts"
    if not venue.strip() and location is None:
        errors["venue"] = "Enter where the meeting will be held"
    practitioners = list(dict.fromkeys([chair, *practitioners])) if chair else list(practitioners)
    if any(not (p.is_active and p.is_practitioner and p.agency_id) for p in practitioners):
        errors["practitioners"] = "Invite active LISA practitioners only"
    child_ids = {child.pk for child in children}
    concerns = list(concerns)
    if any(concern.child_id not in child_ids for concern in concerns):
        errors["concerns"] = "Choose concerns about the children discussed"
    parents = list(parents)
    if any(parent.child_id not in child_ids or parent.entered_in_error for parent in parents):
        errors["parents"] = "Choose people with parental responsibility for these children"
    young_people = list(young_people)
    if any(young.pk not in child_ids for young in young_people):
        errors["young_people"] = "Choose from the children discussed"
    if not young_people and not young_person_not_invited_reason.strip():
        errors["young_person_not_invited_reason"] = "Say why the young person is not invited"
    outsiders = [outsider for outsider in outsiders if outsider.name.strip()]
    if plan is not None and (
        not plan.is_open or not plan.children.filter(pk__in=child_ids).exists()
    ):
        errors["plan"] = "Choose an open support plan for these children"
    elif plan is not None and meeting_access.read_only_reason(by, plan):
        errors["plan"] = PLAN_ARCHIVED
    if kind in (MeetingKind.REVIEW, MeetingKind.CLOSING) and plan is None:
        errors["plan"] = "Choose the support plan a review or closing meeting is about"
    if errors:
        raise ValidationError(errors)
    meeting = Meeting(
        kind=kind,
        date=date,
        start_time=start_time,
        end_time=end_time,
        venue=venue.strip(),
        location=location,
        joining=joining,
        joining_details=joining_details.strip(),
        chair=chair,
        plan=plan,
        prepared_on=prepared_on,
        prepared_by=prepared_by.strip(),
        parent_told_of_sharing=parent_told_of_sharing,
        young_person_not_invited_reason=(
            "" if young_people else young_person_not_invited_reason.strip()
        ),
        created_by=by,
    )
    meeting.full_clean(exclude=["children", "concerns"])
    meeting.save()
    meeting.children.set(children)
    meeting.concerns.set(concerns)
    Invitee.objects.bulk_create(
        [
            Invitee(meeting=meeting, kind=InviteeKind.PRACTITIONER, practitioner=p)
            for p in practitioners
        ]
        + [Invitee(meeting=meeting, kind=InviteeKind.PARENT, parent=p) for p in parents]
        + [
            Invitee(meeting=meeting, kind=InviteeKind.YOUNG_PERSON, young_person=young)
            for young in young_people
        ]
        + [
            Invitee(
                meeting=meeting,
                kind=InviteeKind.OTHER,
                name=o.name.strip(),
                role=o.role.strip(),
                organisation=o.organisation.strip(),
                contact=o.contact.strip(),
            )
            for o in outsiders
        ]
    )
    for child in children:
        for practitioner in practitioners:
            add_involvement(
                request=request,
                by=by,
                child=child,
                practitioner=practitioner,
                role=_practitioner_role(practitioner),
                how_began=HowBegan.MEETING,
            )
    notify(
        [p for p in practitioners if p.pk != by.pk],
        kind="meeting",
        path=reverse("meetings:detail", args=[meeting.pk]),
    )
    audit_each(
        request,
        Action.CREATE,
        meeting,
        children,
        kind=kind,
        date=date.isoformat(),
        chair=chair.username,
        invited=len(practitioners) + len(parents) + len(young_people) + len(outsiders),
        concerns=[concern.pk for concern in concerns],
    )
    return meeting


def _check_may_change(by: User, meeting: Meeting, children: list[Child]) -> dict:
    """Refuse ``by`` a change to ``meeting`` (saying why); the children's access objects."""
    accesses = _accesses(by, children)
    reason = meeting_access.read_only_reason(by, meeting, accesses)
    if reason:
        raise PermissionDenied(reason)
    if not meeting_access.may_change_meeting(by, meeting, accesses):
        raise PermissionDenied(
            "Only the chair, the lead professional and the central team may change the meeting."
        )
    return accesses


def _locked_meeting(
    meeting: Meeting, version: str | None, by: User, *, sent: bool | None = False
) -> Meeting:
    """The meeting locked for a change by ``by`` at ``version``: a meeting whose record is
    not sent (with ``sent=True``, one whose record is sent, to begin correcting it; with
    ``sent=None``, either)."""
    locked = (
        Meeting.objects.select_for_update(of=("self",)).select_related("plan").get(pk=meeting.pk)
    )
    check_version(locked, version)
    children = list(locked.children.all())
    locked.accesses = _check_may_change(by, locked, children)
    if sent is True and locked.record_sent_at is None:
        raise ValidationError("The record has not been sent: change the meeting instead.")
    if sent is False and locked.record_sent_at is not None:
        raise ValidationError("The record of decisions has been sent: it can no longer change.")
    locked.children_list = children
    return locked


# --- holding and recording it ----------------------------------------------------------------


@transaction.atomic
def record_attendance(
    *,
    request: HttpRequest,
    by: User,
    meeting: Meeting,
    version: str,
    attendance: dict[int, tuple[str, str]],
) -> Meeting:
    """Attendance for every invitee: attended, sent apologies, sent someone in their place
    (who), did not attend. ``attendance`` maps an invitee's id to (attendance, substitute)."""
    locked = _locked_meeting(meeting, version, by)
    invitees = {invitee.pk: invitee for invitee in locked.invitees.select_for_update()}
    errors: dict[str, str] = {}
    known = {value for value, _ in Attendance.choices}
    for pk, (value, substitute) in attendance.items():
        if pk not in invitees:
            raise ValidationError("Record attendance for the people invited to this meeting.")
        if value and value not in known:
            errors[f"attendance_{pk}"] = "Choose from the list"
        if value == Attendance.SENT_SOMEONE and not substitute.strip():
            errors[f"substitute_{pk}"] = "Say who came in their place"
    if errors:
        raise ValidationError(errors)
    changed = []
    for pk, (value, substitute) in attendance.items():
        invitee = invitees[pk]
        substitute = substitute.strip() if value == Attendance.SENT_SOMEONE else ""
        if (invitee.attendance, invitee.substitute) != (value, substitute):
            invitee.attendance, invitee.substitute = value, substitute
            invitee.save(update_fields=["attendance", "substitute"])
            changed.append(pk)
    locked.save(update_fields=["updated_at"])
    audit_each(request, Action.UPDATE, locked, locked.children_list, attendance=changed)
    return locked


@transaction.atomic
def record_meeting(
    *,
    request: HttpRequest,
    by: User,
    meeting: Meeting,
    version: str,
    summary: str,
    strengths: str,
    family_views: str,
    decisions: list[str],
    next_review_on: dt.date | None,
) -> Meeting:
    """Record what the meeting discussed and decided: the family's strengths, a summary, the
    family's own views, the decisions (a list) and the next review date ("required unless the
    meeting is closing; suggested six weeks ahead; never in the past")."""
    locked = _locked_meeting(meeting, version, by)
    errors: dict[str, str] = {}
    if locked.date > timezone.localdate():
        errors["summary"] = "A meeting can be recorded once it has been held"
    if not summary.strip():
        errors["summary"] = errors.get("summary") or "Enter a summary of the discussion"
    decisions = [text.strip() for text in decisions if text.strip()]
    if not decisions:
        errors["decisions"] = "Enter at least one decision"
    try:
        rules.check_next_review(locked.kind, next_review_on)
    except ValidationError as error:
        errors["next_review_on"] = error.message_dict["next_review_on"][0]
    if errors:
        raise ValidationError(errors)
    locked.summary = summary.strip()
    locked.strengths = strengths.strip()
    locked.family_views = family_views.strip()
    locked.next_review_on = next_review_on
    first_time = locked.status != MeetingStatus.HELD
    locked.status = MeetingStatus.HELD
    locked.held_recorded_at = locked.held_recorded_at or timezone.now()
    locked.full_clean(exclude=["children", "concerns"])
    locked.save()
    locked.decisions.all().delete()
    Decision.objects.bulk_create(
        [
            Decision(meeting=locked, position=position, text=text)
            for position, text in enumerate(decisions, start=1)
        ]
    )
    audit_each(
        request,
        Action.UPDATE,
        locked,
        locked.children_list,
        recorded=True,
        first_time=first_time,
        decisions=len(decisions),
        next_review_on=next_review_on.isoformat() if next_review_on else "",
    )
    return locked


@transaction.atomic
def appoint_lead(
    *,
    request: HttpRequest,
    by: User,
    meeting: Meeting,
    version: str,
    practitioner: User,
    family_view: str = "",
    accepted_in_writing_on: dt.date | None = None,
) -> list[LeadAppointment]:
    """Appoint the lead professional for every child discussed, "from the practitioners who
    attended (or accepted in writing afterwards)": one invited who did not attend needs the
    date they accepted in writing. "One lead per child at a time: appointing another ends the
    previous appointment, with history. The involvement's lead flag follows the appointment." """
    locked = _locked_meeting(meeting, version, by)
    if not meeting_access.may_appoint_lead(by, locked, locked.accesses):
        raise PermissionDenied(
            "Appointing the lead professional makes them involved with every child discussed: "
            "only someone working with each of the children, or the central team, may do it."
        )
    invited = locked.invitees.filter(kind=InviteeKind.PRACTITIONER, practitioner=practitioner)
    attended = invited.filter(attendance=Attendance.ATTENDED).exists()
    if not attended:
        if accepted_in_writing_on is None or not invited.exists():
            raise ValidationError(
                {
                    "practitioner": "Choose a practitioner who attended the meeting, or enter "
                    "the date an invited practitioner accepted the role in writing"
                }
            )
        if accepted_in_writing_on < locked.date:
            raise ValidationError(
                {"accepted_in_writing_on": "The role is accepted on or after the meeting"}
            )
        if accepted_in_writing_on > timezone.localdate():
            raise ValidationError(
                {"accepted_in_writing_on": "The date accepted must be today or in the past"}
            )
    _check_practitioner(practitioner, "practitioner", "Choose an active LISA practitioner")
    now = timezone.now()
    appointments = []
    for child in locked.children_list:
        current = (
            LeadAppointment.objects.select_for_update()
            .filter(child=child, ended_at__isnull=True)
            .first()
        )
        if current is not None:
            if current.practitioner_id == practitioner.pk:
                appointments.append(current)
                continue
            current.ended_at = now
            current.ended_by = by
            current.save(update_fields=["ended_at", "ended_by"])
        # The involvement's lead flag: children.actions clears the previous lead first (the
        # database holds one lead professional per child).
        add_involvement(
            request=request,
            by=by,
            child=child,
            practitioner=practitioner,
            role=_practitioner_role(practitioner),
            lead_professional=True,
            how_began=HowBegan.MEETING,
        )
        appointment = LeadAppointment.objects.create(
            child=child,
            practitioner=practitioner,
            agency_id=practitioner.agency_id,
            meeting=locked,
            family_view=family_view.strip(),
            accepted_in_writing_on=None if attended else accepted_in_writing_on,
            started_at=now,
            appointed_by=by,
        )
        appointments.append(appointment)
        record(
            request,
            Action.CREATE,
            obj=appointment,
            child=child,
            detail={
                "meeting": locked.pk,
                "lead_professional": practitioner.username,
                "ended": current.pk if current is not None else None,
            },
        )
    if locked.plan_id and locked.plan.lead_id != practitioner.pk:
        plan = SupportPlan.objects.select_for_update().get(pk=locked.plan_id)
        plan.lead = practitioner
        plan.save(update_fields=["lead", "updated_at"])
    locked.save(update_fields=["updated_at"])
    return appointments


# --- the support plan -------------------------------------------------------------------------


def _check_outcomes(outcomes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    known = {value for value, _ in HeadlineOutcome.choices}
    cleaned = [(h, d.strip()) for h, d in outcomes if d.strip() or h]
    for headline, description in cleaned:
        if headline not in known:
            raise ValidationError({"headline": "Choose a headline outcome"})
        if not description:
            raise ValidationError({"description": "Describe the outcome sought"})
    return cleaned


@transaction.atomic
def create_plan(
    *,
    request: HttpRequest,
    by: User,
    meeting: Meeting,
    version: str,
    outcomes: list[tuple[str, str]],
) -> SupportPlan:
    """Agree a support plan at a meeting, for the children discussed, with the outcomes sought
    (each tagged with a Supporting Families headline outcome). The current lead professional
    owns it."""
    locked = _locked_meeting(meeting, version, by)
    if locked.plan_id is not None:
        raise ValidationError("This meeting already has a support plan.")
    outcomes = _check_outcomes(outcomes)
    if not outcomes:
        raise ValidationError({"description": "Describe at least one outcome sought"})
    lead = (
        LeadAppointment.objects.filter(child__in=locked.children_list, ended_at__isnull=True)
        .select_related("practitioner")
        .first()
    )
    plan = SupportPlan.objects.create(
        lead=lead.practitioner if lead else None, created_by=by, created_at=timezone.now()
    )
    plan.children.set(locked.children_list)
    PlanOutcome.objects.bulk_create(
        [PlanOutcome(plan=plan, headline=h, description=d, meeting=locked) for h, d in outcomes]
    )
    locked.plan = plan
    locked.save(update_fields=["plan", "updated_at"])
    count = len(outcomes)
    audit_each(
        request, Action.CREATE, plan, locked.children_list, meeting=locked.pk, outcomes=count
    )
    return plan


def _locked_plan(plan: SupportPlan, version: str | None, by: User) -> SupportPlan:
    locked = SupportPlan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
    check_version(locked, version)
    children = list(locked.children.all())
    accesses = _accesses(by, children)
    reason = meeting_access.read_only_reason(by, locked, accesses)
    if reason:
        raise PermissionDenied(reason)
    if not meeting_access.may_change_plan(by, locked, accesses):
        raise PermissionDenied(
            "Only the lead professional, the chair and the central team may change the plan."
        )
    if not locked.is_open:
        raise ValidationError("The plan is closed.")
    locked.children_list = children
    locked.accesses = accesses
    return locked


@transaction.atomic
def add_outcome(
    *,
    request: HttpRequest,
    by: User,
    plan: SupportPlan,
    version: str,
    headline: str,
    description: str,
    meeting: Meeting | None = None,
) -> PlanOutcome:
    """Add an outcome sought to the plan."""
    locked = _locked_plan(plan, version, by)
    (headline, description), *_ = _check_outcomes([(headline, description)]) or [("", "")]
    if not description:
        raise ValidationError({"description": "Describe the outcome sought"})
    outcome = PlanOutcome.objects.create(
        plan=locked, headline=headline, description=description, meeting=meeting
    )
    locked.save(update_fields=["updated_at"])
    audit_each(request, Action.UPDATE, locked, locked.children_list, outcome_added=outcome.pk)
    return outcome


@dataclass
class Owner:
    """Who will do an action: one of a practitioner, a parent/carer, the young person or an
    outside person (by name)."""

    kind: str
    practitioner: User | None = None
    parent: ParentalResponsibility | None = None
    young_person: Child | None = None
    name: str = ""


def _check_owner(owner: Owner, child_ids: set[int]) -> None:
    field = "owner_kind"
    if owner.kind == OwnerKind.PRACTITIONER:
        _check_practitioner(owner.practitioner, "owner", "Choose the practitioner who will do it")
    elif owner.kind == OwnerKind.PARENT:
        if owner.parent is None or owner.parent.child_id not in child_ids:
            raise ValidationError({"owner_parent": "Choose the parent or carer who will do it"})
    elif owner.kind == OwnerKind.YOUNG_PERSON:
        if owner.young_person is None or owner.young_person.pk not in child_ids:
            raise ValidationError({"owner_young_person": "Choose the young person"})
    elif owner.kind == OwnerKind.OTHER:
        if not owner.name.strip():
            raise ValidationError({"owner_name": "Enter the name of the person who will do it"})
    else:
        raise ValidationError({field: "Say who will do this"})


@transaction.atomic
def add_action(
    *,
    request: HttpRequest,
    by: User,
    plan: SupportPlan,
    version: str,
    what: str,
    outcome: PlanOutcome | None,
    children: Iterable[Child],
    owner: Owner,
    agency: Agency | None = None,
    service: Service | None = None,
    due_on: dt.date | None,
    meeting: Meeting | None = None,
) -> PlanAction:
    """Add an action to the plan: what, for which outcome and child, who, which agency or
    directory service, by when. A practitioner who owns an action becomes involved with its
    children ("named in a meeting or plan")."""
    locked = _locked_plan(plan, version, by)
    child_ids = {child.pk for child in locked.children_list}
    children = list(children)
    errors: dict[str, str] = {}
    if not what.strip():
        errors["what"] = "Enter what will be done"
    if not children or any(child.pk not in child_ids for child in children):
        errors["children"] = "Choose which child or children it is for"
    elif owner.kind == OwnerKind.PRACTITIONER and not all(
        locked.accesses[child.pk].edit for child in children
    ):
        # The practitioner becomes involved with each child it is for ("named in a plan").
        errors["children"] = "Give a practitioner an action only for children you work with"
    if outcome is not None and outcome.plan_id != locked.pk:
        errors["outcome"] = "Choose an outcome of this plan"
    if due_on is None:
        errors["due_on"] = "Enter the date it will be done by"
    try:
        _check_owner(owner, child_ids)
    except ValidationError as error:
        errors.update({key: value[0] for key, value in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    action = PlanAction(
        plan=locked,
        what=what.strip(),
        outcome=outcome,
        owner_kind=owner.kind,
        owner=owner.practitioner if owner.kind == OwnerKind.PRACTITIONER else None,
        owner_parent=owner.parent if owner.kind == OwnerKind.PARENT else None,
        owner_young_person=owner.young_person if owner.kind == OwnerKind.YOUNG_PERSON else None,
        owner_name=owner.name.strip() if owner.kind == OwnerKind.OTHER else "",
        agency=agency,
        service=service,
        due_on=due_on,
        meeting=meeting,
        created_by=by,
    )
    action.full_clean(exclude=["children"])
    action.save()
    action.children.set(children)
    if action.owner is not None:
        for child in children:
            add_involvement(
                request=request,
                by=by,
                child=child,
                practitioner=action.owner,
                role=_practitioner_role(action.owner),
                how_began=HowBegan.MEETING,
            )
        if action.owner.pk != by.pk:
            notify([action.owner], kind="meeting", path=reverse("meetings:plan", args=[plan.pk]))
    locked.save(update_fields=["updated_at"])
    audit_each(request, Action.CREATE, action, children, plan=locked.pk, due_on=due_on.isoformat())
    return action


def _check_may_update(by: User, action: PlanAction) -> None:
    children = list(action.plan.children.all())
    accesses = _accesses(by, children)
    reason = meeting_access.read_only_reason(by, action.plan, accesses)
    if reason:
        raise PermissionDenied(reason)
    if not meeting_access.may_update_action(by, action, accesses):
        raise PermissionDenied("Only the action's owner, the lead and the chair may update it.")


@transaction.atomic
def update_action(
    *,
    request: HttpRequest,
    by: User,
    action: PlanAction,
    version: str,
    status: str,
    not_done_reason: str = "",
    note: str = "",
) -> PlanAction:
    """An action's status (not started, in progress, done, not done with a reason) and a dated
    progress note: by its owner, or by the lead professional, the chair or the central team."""
    locked = (
        PlanAction.objects.select_for_update(of=("self",)).select_related("plan").get(pk=action.pk)
    )
    check_version(locked, version)
    _check_may_update(by, locked)
    if status not in {value for value, _ in ActionStatus.choices}:
        raise ValidationError({"status": "Choose the status"})
    if status == ActionStatus.NOT_DONE and not not_done_reason.strip():
        raise ValidationError({"not_done_reason": "Say why it was not done"})
    before = locked.status
    locked.status = status
    locked.not_done_reason = not_done_reason.strip() if status == ActionStatus.NOT_DONE else ""
    locked.save()
    if note.strip():
        ProgressNote.objects.create(action=locked, by=by, text=note.strip())
    audit_each(
        request,
        Action.UPDATE,
        locked,
        locked.children.all(),
        status=[before, status],
        note=bool(note.strip()),
    )
    return locked


@transaction.atomic
def add_progress_note(
    *, request: HttpRequest, by: User, action: PlanAction, text: str
) -> ProgressNote:
    """A dated progress note on an action (no version needed: notes never clash)."""
    locked = (
        PlanAction.objects.select_for_update(of=("self",)).select_related("plan").get(pk=action.pk)
    )
    _check_may_update(by, locked)
    if not text.strip():
        raise ValidationError({"note": "Enter the note"})
    note = ProgressNote.objects.create(action=locked, by=by, text=text.strip())
    audit_each(request, Action.CREATE, note, locked.children.all(), plan_action=locked.pk)
    return note


@transaction.atomic
def close_plan(
    *,
    request: HttpRequest,
    by: User,
    plan: SupportPlan,
    version: str,
    reason: str,
    text: str = "",
    agreed_by: User | None = None,
) -> SupportPlan:
    """Close the plan when support is no longer necessary, with a reason: at a closing meeting
    that has been held (by the chair or the lead), by the central team, or "by the lead
    professional with the central team's agreement" (``agreed_by``, a member of it)."""
    locked = _locked_plan(plan, version, by)
    closing_held = locked.meetings.filter(
        kind=MeetingKind.CLOSING, status=MeetingStatus.HELD, entered_in_error=False
    ).exists()
    agreed = (
        agreed_by is not None
        and agreed_by.is_active
        and agreed_by.is_central_team
        and locked.lead_id == by.pk
    )
    if not (closing_held or by.is_central_team or agreed):
        raise ValidationError(
            {
                "agreed_by": "A plan is closed at a closing meeting, by the central team, or by "
                "the lead professional with the central team's agreement: record the closing "
                "meeting first, or choose who in the central team agreed."
            }
        )
    if reason not in {value for value, _ in ClosureReason.choices}:
        raise ValidationError({"reason": "Choose why the plan is closing"})
    if reason == ClosureReason.OTHER and not text.strip():
        raise ValidationError({"text": "Say why the plan is closing"})
    locked.status = PlanStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.closed_by = by
    locked.closure_reason = reason
    locked.closure_text = text.strip()
    locked.closure_agreed_by = agreed_by if agreed and not closing_held else None
    locked.full_clean(exclude=["children"])
    locked.save()
    closed = _close_linked_concerns(request, by, locked)
    audit_each(
        request, Action.UPDATE, locked, locked.children_list, closed=reason, concerns_closed=closed
    )
    return locked


def _close_linked_concerns(request: HttpRequest, by: User, plan: SupportPlan) -> list[int]:
    """The open concerns the plan's meetings answered are closed with it, unless the family was
    stepped up to Social Care & Health: then the referral is recorded on each concern by the
    practitioner who makes it, and the concerns stay open."""
    if plan.closure_reason == ClosureReason.STEPPED_UP:
        return []
    note = f"Support plan closed: {plan.get_closure_reason_display()}"
    if plan.closure_text:
        note += f" ({plan.closure_text})"
    concerns = (
        Concern.objects.open()
        .filter(meetings__plan=plan, meetings__entered_in_error=False)
        .distinct()
    )
    return [
        close_with_plan(request=request, by=by, concern=concern, note=note).pk
        for concern in concerns
    ]


# --- the record of decisions -----------------------------------------------------------------


def record_recipients(meeting: Meeting) -> list[User]:
    """ "Circulated … to every practitioner invited and the LISA co-ordinator (the central
    team)": the active ones, once each."""
    invited = User.objects.filter(
        is_active=True,
        meeting_invitations__meeting=meeting,
        meeting_invitations__kind=InviteeKind.PRACTITIONER,
    )
    central = User.objects.filter(is_active=True, roles__contains=[Role.CENTRAL_TEAM])
    return list((invited | central).distinct().order_by("last_name", "first_name", "pk"))


@transaction.atomic
def send_record(
    *, request: HttpRequest, by: User, meeting: Meeting, version: str, venue: str
) -> RecordOfDecisions:
    """ "Send the record of decisions": the record as it stands becomes a version that never
    changes, listed for every practitioner invited and the central team, who are told there is
    something new in LISA. A corrected record is the next version, with the reason given when
    the correction began."""
    locked = _locked_meeting(meeting, version, by)
    if locked.status != MeetingStatus.HELD:
        raise ValidationError("Record the meeting before sending its record of decisions.")
    last = locked.records.order_by("-version").first()
    reason = locked.correction_reason
    if last is not None and not reason:
        raise ValidationError("This record of decisions has been sent already.")
    sent = RecordOfDecisions.objects.create(
        meeting=locked,
        version=(last.version + 1) if last else 1,
        sent_by=by,
        correction_reason=reason if last else "",
        content=record_snapshot(locked, venue=venue),
    )
    recipients = record_recipients(locked)
    RecordRecipient.objects.bulk_create([RecordRecipient(record=sent, user=u) for u in recipients])
    locked.record_sent_at = sent.sent_at
    locked.record_sent_by = by
    locked.correction_reason = ""
    locked.save(
        update_fields=["record_sent_at", "record_sent_by", "correction_reason", "updated_at"]
    )
    notify(
        [user for user in recipients if user.pk != by.pk],
        kind="meeting",
        path=reverse("meetings:sent-record", args=[sent.pk]),
    )
    audit_each(
        request,
        Action.CREATE,
        sent,
        locked.children_list,
        meeting=locked.pk,
        version=sent.version,
        sent_to=len(recipients),
    )
    return sent


@transaction.atomic
def start_correction(
    *, request: HttpRequest, by: User, meeting: Meeting, version: str, reason: str
) -> Meeting:
    """Begin correcting a sent record: the meeting may be changed again, and the corrected
    record is sent as a new version with this reason. The version sent stays as it was."""
    locked = _locked_meeting(meeting, version, by, sent=True)
    if not reason.strip():
        raise ValidationError({"reason": "Say what needs correcting and why"})
    locked.record_sent_at = None
    locked.record_sent_by = None
    locked.correction_reason = reason.strip()
    locked.full_clean(exclude=["children", "concerns"])
    locked.save()
    audit_each(request, Action.UPDATE, locked, locked.children_list, correction=reason.strip())
    return locked


@transaction.atomic
def record_copy_given(
    *,
    request: HttpRequest,
    by: User,
    meeting: Meeting,
    given_to: str,
    given_on: dt.date | None,
    large_print: bool = False,
) -> CopyGiven:
    """ "Copies given to" recorded with dates: who was given the family copy, and when (by
    the chair, the lead or the central team; copies never clash, so no version)."""
    children = list(meeting.children.all())
    _check_may_change(by, meeting, children)
    errors: dict[str, str] = {}
    if not given_to.strip():
        errors["given_to"] = "Enter who was given a copy"
    if given_on is None:
        errors["given_on"] = "Enter the date the copy was given"
    elif given_on > timezone.localdate():
        errors["given_on"] = "The date a copy was given must be today or in the past"
    elif given_on < meeting.date:
        errors["given_on"] = "A copy can only be given after the meeting"
    if errors:
        raise ValidationError(errors)
    copy = CopyGiven(
        meeting=meeting,
        given_to=given_to.strip(),
        given_on=given_on,
        large_print=large_print,
        recorded_by=by,
    )
    copy.full_clean()
    copy.save()
    audit_each(request, Action.CREATE, copy, children, meeting=meeting.pk, given_on=str(given_on))
    return copy


# --- entered in error ------------------------------------------------------------------------


def _mark_in_error(request: HttpRequest, locked, reason: str, children: list[Child]):
    if locked.entered_in_error:
        raise ValidationError("This has already been marked as entered in error.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why it is wrong"})
    locked.entered_in_error = True
    locked.error_reason = reason.strip()
    locked.save(update_fields=["entered_in_error", "error_reason", "updated_at"])
    audit_each(request, Action.ENTERED_IN_ERROR, locked, children, reason=locked.error_reason)
    return locked


@transaction.atomic
def meeting_entered_in_error(
    *, request: HttpRequest, by: User, meeting: Meeting, version: str, reason: str
) -> Meeting:
    """A wrong meeting is marked entered in error with a reason, never removed ("Meetings,
    plans and actions are never deleted"): by the chair, the lead or the central team, sent
    or not. It leaves the chronology, home pages and figures; its records stay readable."""
    locked = _locked_meeting(meeting, version, by, sent=None)
    return _mark_in_error(request, locked, reason, locked.children_list)


@transaction.atomic
def plan_entered_in_error(
    *, request: HttpRequest, by: User, plan: SupportPlan, version: str, reason: str
) -> SupportPlan:
    """A wrong support plan is marked entered in error with a reason (by the lead, the chair
    or the central team). It is no longer open, overdue or drifting."""
    locked = _locked_plan(plan, version, by)
    return _mark_in_error(request, locked, reason, locked.children_list)


@transaction.atomic
def action_entered_in_error(
    *, request: HttpRequest, by: User, action: PlanAction, version: str, reason: str
) -> PlanAction:
    """A wrong action is marked entered in error with a reason (by the lead, the chair or the
    central team; not by its owner alone)."""
    locked = PlanAction.objects.select_for_update(of=("self",)).get(pk=action.pk)
    check_version(locked, version)
    plan = _locked_plan(locked.plan, None, by)
    return _mark_in_error(request, locked, reason, plan.children_list)
