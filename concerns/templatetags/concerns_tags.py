"""Template helpers for showing a child's concerns on other apps' pages."""

from __future__ import annotations

from django import template

from concerns.models import Concern

register = template.Library()


@register.simple_tag
def child_concerns(child) -> list[Concern]:
    """The child's concerns, newest first, entered-in-error ones included (one query). Only for
    pages already allowed the full record."""
    return list(
        Concern.objects.filter(child=child)
        .select_related("raised_by", "agency")
        .order_by("entered_in_error", "-date", "-created_at")
    )
