"""Opening times as people write them: "9:00 to 12:30, 13:30 to 17:00".

One line per weekday is the quickest way for an editor to keep times current, and it reads
back exactly as it is shown on the service page.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError

EXAMPLE = "9:00 to 12:30, 13:30 to 17:00"
_TIME = re.compile(r"^(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ampm>am|pm)?$", re.I)
_RANGE = re.compile(r"\s*(?:to|until|till|-|–|—)\s*", re.I)
_SESSIONS = re.compile(r"\s*(?:,|;|\band\b|&)\s*", re.I)


def parse_time(text: str, day: str) -> dt.time:
    match = _TIME.match(text.strip())
    if not match:
        raise ValidationError(f"{day}: {text.strip()!r} is not a time. Enter times like {EXAMPLE}")
    hour, minute = int(match["h"]), int(match["m"] or 0)
    ampm = (match["ampm"] or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise ValidationError(f"{day}: {text.strip()!r} is not a real time")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour == 24 and minute == 0:
        return dt.time(23, 59)
    if hour > 23 or minute > 59:
        raise ValidationError(f"{day}: {text.strip()!r} is not a real time")
    return dt.time(hour, minute)


def parse_day(text: str, day: str) -> list[tuple[dt.time, dt.time]]:
    """The sessions of one day, in order. Blank or "closed" means closed that day."""
    text = (text or "").strip()
    if not text or text.lower() in {"closed", "none", "-"}:
        return []
    sessions = []
    for part in _SESSIONS.split(text):
        if not part:
            continue
        pieces = _RANGE.split(part.strip())
        if len(pieces) != 2:
            raise ValidationError(
                f"{day}: enter each session as an opening and a closing time, like {EXAMPLE}"
            )
        opens, closes = parse_time(pieces[0], day), parse_time(pieces[1], day)
        if closes <= opens:
            raise ValidationError(
                f"{day}: the closing time ({closes:%H:%M}) must be after the opening time "
                f"({opens:%H:%M})"
            )
        sessions.append((opens, closes))
    sessions.sort()
    for (_, closes_a), (opens_b, _) in zip(sessions, sessions[1:], strict=False):
        if opens_b < closes_a:
            raise ValidationError(f"{day}: the sessions overlap. Enter each time once")
    return sessions


def format_day(sessions) -> str:
    """Sessions as the editor would type them."""
    return ", ".join(f"{opens:%H:%M} to {closes:%H:%M}" for opens, closes in sessions)
