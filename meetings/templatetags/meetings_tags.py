"""Template helpers for showing a child's meetings and plans on other apps' pages."""

from __future__ import annotations

from django import template

from meetings.models import Meeting

register = template.Library()

LIMIT = 20


@register.simple_tag
def child_meetings(child, access) -> list[Meeting]:
    """The child's Family Support Meetings, newest first (at most :data:`LIMIT`, entered in
    error ones last), with their plan and its lead professional as ``access`` (the reader's
    access object) may name them. One query; only for pages already allowed the full record."""
    meetings = list(
        Meeting.objects.filter(children=child)
        .select_related("plan", "plan__lead", "plan__lead__agency")
        .order_by("entered_in_error", "-date", "-start_time", "-pk")[:LIMIT]
    )
    for meeting in meetings:
        plan = meeting.plan
        if plan is not None and plan.lead_id:
            plan.lead_label = access.author(plan.lead, plan.lead.agency)
    return meetings
