"""Template helpers for showing a child's concerns on other apps' pages."""

from __future__ import annotations

from django import template

from concerns.models import Concern

register = template.Library()


@register.simple_tag
def child_concerns(child, access) -> list[Concern]:
    """The child's concerns, newest first, entered-in-error ones included (one query), each with
    ``author_label`` as ``access`` (the reader's access object) may name the author. Only for
    pages already allowed the full record."""
    concerns = list(
        Concern.objects.filter(child=child)
        .select_related("raised_by", "agency")
        .order_by("entered_in_error", "-date", "-created_at")
    )
    for concern in concerns:
        concern.author_label = access.author(concern.raised_by, concern.agency)
    return concerns
