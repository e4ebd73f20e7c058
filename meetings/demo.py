"""Invented demonstration data for this app, loaded by `manage.py load_demo`.

Family Support Meetings and support plans at each stage, made through meetings/actions.py (so
involvements, audit events and the record of decisions are as they would be in use), then moved
back in time where the story needs it:

- an upcoming initial meeting Amara Okafor chairs (invitations on the home pages);
- an open plan whose review is overdue, with one action overdue and one done (its record sent);
- a drifting plan: opened fourteen months ago, with three reviews held;
- a closed plan: "outcomes met" at a closing meeting.

Safe to run again: once Amara chairs a meeting, nothing more is added.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.test import RequestFactory
from django.utils import timezone

TODAY = timezone.localdate()


def _request(user):
    request = RequestFactory().post("/demo/")
    request.user = user
    return request


def _households(amara, count: int) -> list[list]:
    """``count`` households Amara works with (a child with a parent, and their siblings she may
    also arrange a meeting about), none already discussed at a meeting."""
    from children.models import Child, Involvement

    chosen, seen_families = [], set()
    involvements = (
        Involvement.objects.active()
        .filter(practitioner=amara, child__merged_into__isnull=True, child__shielded=False)
        .filter(child__parents__isnull=False, child__meetings__isnull=True)
        .select_related("child")
        .order_by("child__lisa_ref")
        .distinct()
    )
    for involvement in involvements:
        child = involvement.child
        if child.family_id in seen_families and child.family_id is not None:
            continue
        seen_families.add(child.family_id)
        household = [child]
        if child.family_id:
            household += list(
                Child.objects.filter(
                    family_id=child.family_id,
                    involvements__practitioner=amara,
                    involvements__ended_at__isnull=True,
                    merged_into__isnull=True,
                )
                .exclude(pk=child.pk)
                .distinct()[:1]
            )
        chosen.append(household)
        if len(chosen) == count:
            break
    return chosen


def _others(household, amara) -> list:
    """Up to two other practitioners working with the household (not sensitive services)."""
    from children.models import Involvement

    found = (
        Involvement.objects.active()
        .filter(child__in=household, agency__sensitive_service=False)
        .exclude(practitioner=amara)
        .select_related("practitioner")
        .order_by("practitioner__username")
    )
    people = {}
    for involvement in found:
        people.setdefault(involvement.practitioner_id, involvement.practitioner)
    return list(people.values())[:2]


def _hold(meeting, by, attended, *, decisions, next_review_on, summary):
    from meetings import actions

    invitees = {i.practitioner_id: i for i in meeting.invitees.all() if i.practitioner_id}
    attendance = {
        invitee.pk: ("attended" if user_id in attended else "apologies", "")
        for user_id, invitee in invitees.items()
    }
    meeting = actions.record_attendance(
        request=_request(by), by=by, meeting=meeting, version=meeting.version,
        attendance=attendance,
    )  # fmt: skip
    return actions.record_meeting(
        request=_request(by), by=by, meeting=meeting, version=meeting.version, summary=summary,
        strengths="A close family who want things to improve.",
        family_views="Mum wants one person to talk to, and help with mornings.",
        decisions=decisions, next_review_on=next_review_on,
    )  # fmt: skip


def _arrange(by, household, people, *, kind="initial", date, plan=None, parent=None):
    from meetings import actions

    return actions.arrange_meeting(
        request=_request(by), by=by, children=household, kind=kind, date=date,
        start_time=dt.time(10, 0), end_time=dt.time(11, 30),
        venue="Kaleidoscope Centre, 32 Rushey Green, room 2", joining="in_person", chair=by,
        practitioners=people, parents=[parent] if parent else [],
        young_person_not_invited_reason="Too young to take part; their views were gathered "
        "by the health visitor beforehand.",
        prepared_on=date - dt.timedelta(days=7), prepared_by="Amara Okafor",
        parent_told_of_sharing=True, plan=plan,
    )  # fmt: skip


def _backdate(meeting, held_on, next_review_on=None) -> None:
    from meetings.models import Meeting

    changes = {"date": held_on}
    if next_review_on is not None:
        changes["next_review_on"] = next_review_on
    Meeting.objects.filter(pk=meeting.pk).update(**changes)


def _appointments_for_earlier_leads() -> int:
    """The demo's children come with lead professionals from before LISA held their meetings:
    each gets the appointment its lead flag stands for, so that the flag always follows an
    appointment."""
    from children.models import Involvement
    from meetings.models import LeadAppointment

    current = LeadAppointment.objects.filter(child=OuterRef("child_id"), ended_at__isnull=True)
    leads = Involvement.objects.active().filter(lead_professional=True).exclude(Exists(current))
    made = LeadAppointment.objects.bulk_create(
        [
            LeadAppointment(
                child_id=lead.child_id,
                practitioner_id=lead.practitioner_id,
                agency_id=lead.agency_id,
                appointed_by_id=lead.practitioner_id,
                family_view="Appointed before the family's meetings were held in LISA.",
                started_at=timezone.make_aware(dt.datetime.combine(lead.started_on, dt.time(9, 0))),
            )
            for lead in leads
        ]
    )
    return len(made)


@transaction.atomic
def load(stdout) -> None:
    """Add this app's demo records; safe to run again (nothing is duplicated)."""
    _appointments_for_earlier_leads()
    from lisa.models import User
    from meetings import actions
    from meetings.models import ClosureReason, Meeting, PlanAction, SupportPlan

    amara = User.objects.filter(username="amara.okafor").select_related("agency").first()
    if amara is None or Meeting.objects.filter(chair=amara).exists():
        return  # no demo chair, or the demo meetings are loaded already
    households = _households(amara, 4)
    if len(households) < 4:
        return
    upcoming, overdue, drifting, closed = households
    added = 0

    # An upcoming initial meeting.
    people = _others(upcoming, amara)
    _arrange(amara, upcoming, people, date=TODAY + dt.timedelta(days=9),
             parent=upcoming[0].parents.first())  # fmt: skip
    added += 1

    # A plan whose review is overdue, one action overdue and one done; the record sent.
    people = _others(overdue, amara)
    held_on = TODAY - dt.timedelta(weeks=9)
    meeting = _arrange(amara, overdue, people, date=held_on, parent=overdue[0].parents.first())
    meeting = _hold(
        meeting, amara, {amara.pk, *(p.pk for p in people)},
        decisions=["Breakfast club place from Monday", "Amara to be the lead professional"],
        next_review_on=TODAY + dt.timedelta(days=1), summary="Late and hungry most mornings.",
    )  # fmt: skip
    actions.appoint_lead(request=_request(amara), by=amara, meeting=meeting,
                         version=meeting.version, practitioner=amara)  # fmt: skip
    plan = actions.create_plan(
        request=_request(amara), by=amara, meeting=Meeting.objects.get(pk=meeting.pk),
        version=Meeting.objects.get(pk=meeting.pk).version,
        outcomes=[("education", "At school on time every day"),
                  ("health", "Eats breakfast every morning")],
    )  # fmt: skip
    owner = people[0] if people else amara
    for what, who, due in (
        ("Breakfast club place", owner, TODAY - dt.timedelta(weeks=6)),
        ("Referral to the parenting café", amara, TODAY - dt.timedelta(days=10)),
    ):
        plan = SupportPlan.objects.get(pk=plan.pk)
        actions.add_action(
            request=_request(amara), by=amara, plan=plan, version=plan.version, what=what,
            outcome=plan.outcomes.first(), children=overdue,
            owner=actions.Owner(kind="practitioner", practitioner=who),
            due_on=TODAY + dt.timedelta(days=1), meeting=meeting,
        )  # fmt: skip
        PlanAction.objects.filter(plan=plan, what=what).update(due_on=due)
    PlanAction.objects.filter(plan=plan, what="Breakfast club place").update(status="done")
    actions.send_record(
        request=_request(amara), by=amara, meeting=Meeting.objects.get(pk=meeting.pk),
        version=Meeting.objects.get(pk=meeting.pk).version, venue=meeting.venue_text,
    )  # fmt: skip
    _backdate(meeting, held_on, next_review_on=TODAY - dt.timedelta(weeks=3))
    added += 1

    # A drifting plan: fourteen months old, three reviews.
    people = _others(drifting, amara)
    started = TODAY - dt.timedelta(days=425)
    meeting = _arrange(amara, drifting, people, date=TODAY)
    meeting = _hold(meeting, amara, {amara.pk}, decisions=["Housing support"],
                    next_review_on=TODAY + dt.timedelta(weeks=6),
                    summary="Damp flat; the children are often ill.")  # fmt: skip
    plan = actions.create_plan(
        request=_request(amara), by=amara, meeting=meeting, version=meeting.version,
        outcomes=[("housing", "Moved to a dry, warm home")],
    )  # fmt: skip
    _backdate(meeting, started, next_review_on=started + dt.timedelta(weeks=6))
    for n in range(1, 4):
        on = started + dt.timedelta(weeks=12 * n)
        review = _arrange(amara, drifting, [], kind="review", date=TODAY, plan=plan)
        review = _hold(review, amara, {amara.pk}, decisions=["Still waiting for a transfer"],
                       next_review_on=TODAY + dt.timedelta(weeks=6),
                       summary=f"Review {n}: no offer of a home yet.")  # fmt: skip
        _backdate(review, on, next_review_on=TODAY + dt.timedelta(weeks=4) if n == 3 else None)
    SupportPlan.objects.filter(pk=plan.pk).update(created_at=timezone.now() - (TODAY - started))
    added += 1

    # A closed plan: outcomes met at a closing meeting.
    meeting = _arrange(amara, closed, [], date=TODAY)
    meeting = _hold(meeting, amara, {amara.pk}, decisions=["Attend the stay-and-play group"],
                    next_review_on=TODAY + dt.timedelta(weeks=6),
                    summary="Mum feels isolated since moving.")  # fmt: skip
    plan = actions.create_plan(
        request=_request(amara), by=amara, meeting=meeting, version=meeting.version,
        outcomes=[("relationships", "Mum has people to turn to")],
    )  # fmt: skip
    _backdate(meeting, TODAY - dt.timedelta(weeks=14), next_review_on=TODAY - dt.timedelta(weeks=8))
    closing = _arrange(amara, closed, [], kind="closing", date=TODAY, plan=plan)
    closing = _hold(closing, amara, {amara.pk}, decisions=["Support ends: outcomes met"],
                    next_review_on=None, summary="Mum goes to the group every week.")  # fmt: skip
    plan = SupportPlan.objects.get(pk=plan.pk)
    actions.close_plan(request=_request(amara), by=amara, plan=plan, version=plan.version,
                       reason=ClosureReason.OUTCOMES_MET)  # fmt: skip
    _backdate(closing, TODAY - dt.timedelta(weeks=8))
    added += 1
    stdout.write(f"Meetings: {added} families' meetings and plans added.")
