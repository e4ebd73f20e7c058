"""Template helpers for showing a child's concerns on other apps' pages."""

from __future__ import annotations

from django import template

from concerns.models import Concern
from lisa import compiled

register = template.Library()


def _concerns_of(child_id: int):
    return (
        Concern.objects.filter(child_id=child_id)
        .select_related("raised_by", "agency")
        .order_by("entered_in_error", "-date", "-created_at")
    )


@register.simple_tag
def child_concerns(child, access) -> list[Concern]:
    """The child's concerns, newest first, entered-in-error ones included (one query), each with
    ``author_label`` as ``access`` (the reader's access object) may name the author. Only for
    pages already allowed the full record."""
    # Its SQL is worked out once per process (lisa/compiled.py).
    concerns = compiled.rows("child_concerns", _concerns_of, child_id=child.pk)
    for concern in concerns:
        concern.author_label = access.author(concern.raised_by, concern.agency)
    return concerns
