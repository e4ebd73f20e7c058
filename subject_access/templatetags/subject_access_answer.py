"""Dates in the printed answer as people write them: the JSON keeps ISO 8601."""

from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def day(value: str | None) -> str:
    """2026-05-03 (or a time on that day) → 3 May 2026."""
    if not value:
        return ""
    try:
        parsed = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{parsed.day} {parsed:%B %Y}"


@register.filter
def moment(value: str | None) -> str:
    """2026-05-03T14:05:00+01:00 → 3 May 2026, 14:05 (the time as recorded, UK time)."""
    if not value:
        return ""
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{parsed.day} {parsed:%B %Y}, {parsed:%H:%M}"
