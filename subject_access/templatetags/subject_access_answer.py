"""Dates in the printed answer as people write them (the JSON keeps ISO 8601), and names that
may be a sensitive service's (kept under the service's key, perhaps withheld)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString

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


@register.simple_tag
def names(*parts, sep: str = ", ") -> SafeString:
    """Names from the answer, joined: each as it is, a sensitive service's ``{"key", "name"}``
    by its name, and a withheld one as "Withheld: <reason>" (once for a key, however many of
    the names it withheld). Empty names are left out."""
    shown, withheld = [], set()
    for part in parts:
        if isinstance(part, dict):
            if "withheld" in part:
                if part.get("key") in withheld:
                    continue
                withheld.add(part.get("key"))
                shown.append(
                    format_html('<span class="withheld">Withheld: {}</span>', part["withheld"])
                )
            elif part.get("name"):
                shown.append(conditional_escape(part["name"]))
        elif part:
            shown.append(conditional_escape(part))
    return format_html_join(sep, "{}", ((part,) for part in shown))
