"""The chronology's meetings and plans: Family Support Meetings held and lead professionals
appointed; records of decisions sent and support plans closed (see concerns/chronology.py for
how sources work). Two sources of two queries each, whatever the number."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from concerns.chronology import Event, source
from meetings.models import LeadAppointment, Meeting, MeetingStatus, RecordOfDecisions, SupportPlan


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())


@source("meeting", "Meetings and lead professionals")
def meeting_events(child, access, since, until):
    """Meetings held about the child (with the decisions made) and each lead professional
    appointed or replaced. Authors are named as the reader may see them."""
    meetings = Meeting.objects.filter(
        children=child, status=MeetingStatus.HELD, entered_in_error=False
    )
    if since is not None:
        meetings = meetings.filter(date__gte=since.date())
    if until is not None:
        meetings = meetings.filter(date__lte=until.date())
    for meeting in meetings.select_related("chair", "chair__agency").prefetch_related("decisions"):
        lines = [f"Decision: {decision.text}" for decision in meeting.decisions.all()]
        if meeting.next_review_on:
            lines.append(f"Next review: {meeting.next_review_on:%-d %B %Y}")
        yield Event(
            at=_at(meeting.date, meeting.start_time),
            kind="meeting",
            title=f"Family Support Meeting held ({meeting.get_kind_display().lower()})",
            who=f"Chaired by {access.author(meeting.chair, meeting.chair.agency)}",
            url=reverse("meetings:detail", args=[meeting.pk]),
            tag="Meeting",
            tag_colour="purple",
            lines=lines,
        )
    window = Q()
    if since is not None:
        window &= Q(started_at__gte=since) | Q(ended_at__gte=since)
    if until is not None:
        window &= Q(started_at__lt=until)
    appointments = LeadAppointment.objects.filter(Q(child=child) & window).select_related(
        "practitioner", "agency", "appointed_by", "appointed_by__agency"
    )
    for appointment in appointments:
        lead = access.author(appointment.practitioner, appointment.agency)
        view = appointment.family_view
        yield Event(
            at=appointment.started_at,
            kind="meeting",
            title="Lead professional appointed",
            who=access.author(appointment.appointed_by, appointment.appointed_by.agency),
            tag="Lead professional",
            tag_colour="blue",
            lines=[lead, f"The family's view: {view}"] if view else [lead],
        )
        if appointment.ended_at:
            yield Event(
                at=appointment.ended_at,
                kind="meeting",
                title="Lead professional appointment ended",
                who="",
                lines=[lead],
            )


@source("plan", "Records of decisions and support plans")
def plan_events(child, access, since, until):
    """Each record of decisions sent (and corrected) about the child, and each support plan
    closed, with its reason."""
    sent = RecordOfDecisions.objects.filter(
        meeting__children=child, meeting__entered_in_error=False
    ).select_related("meeting", "sent_by", "sent_by__agency")
    if since is not None:
        sent = sent.filter(sent_at__gte=since)
    if until is not None:
        sent = sent.filter(sent_at__lt=until)
    for record in sent:
        corrected = [f"Corrected: {record.correction_reason}"] if record.correction_reason else []
        yield Event(
            at=record.sent_at,
            kind="plan",
            title=f"Record of decisions sent (version {record.version})",
            who=access.author(record.sent_by, record.sent_by.agency),
            url=reverse("meetings:sent-record", args=[record.pk]),
            tag="Meeting",
            tag_colour="purple",
            lines=[str(record.meeting), *corrected],
        )
    closed = SupportPlan.objects.filter(
        children=child, closed_at__isnull=False, entered_in_error=False
    ).select_related("closed_by", "closed_by__agency")
    if since is not None:
        closed = closed.filter(closed_at__gte=since)
    if until is not None:
        closed = closed.filter(closed_at__lt=until)
    for plan in closed:
        reason = plan.get_closure_reason_display()
        yield Event(
            at=plan.closed_at,
            kind="plan",
            title="Support plan closed",
            who=access.author(plan.closed_by, plan.closed_by.agency),
            url=reverse("meetings:plan", args=[plan.pk]),
            tag="Plan",
            tag_colour="grey",
            lines=[f"{reason}: {plan.closure_text}" if plan.closure_text else reason],
        )
