"""Template helpers for showing a child's meetings and plans on other apps' pages."""

from __future__ import annotations

from django import template

from lisa import compiled
from meetings.models import Meeting

register = template.Library()

LIMIT = 20


def _meetings_of(child_id: int):
    return (
        Meeting.objects.filter(children=child_id)
        .select_related("plan", "plan__lead", "plan__lead__agency")
        .order_by("entered_in_error", "-date", "-start_time", "-pk")[:LIMIT]
    )


@register.simple_tag
def child_meetings(child, access) -> list[Meeting]:
    """The child's Family Support Meetings, newest first (at most :data:`LIMIT`, entered in
    error ones last), with their plan and its lead professional as ``access`` (the reader's
    access object) may name them. One query; only for pages already allowed the full record."""
    # Its SQL is worked out once per process (lisa/compiled.py).
    meetings = compiled.rows("child_meetings", _meetings_of, child_id=child.pk)
    for meeting in meetings:
        plan = meeting.plan
        if plan is not None and plan.lead_id:
            plan.lead_label = access.author(plan.lead, plan.lead.agency)
    return meetings
