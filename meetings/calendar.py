"""The meeting as an .ics calendar file: the time, the venue and a link, never the child's name
(a calendar is synchronised to phones and shared with assistants; it is not the record)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from meetings.models import Meeting

SUMMARY = "Family Support Meeting (LISA)"


def ics(meeting: Meeting, *, venue: str, link: str) -> bytes:
    """The calendar file for ``meeting``; ``venue`` as the reader may see it."""
    zone = ZoneInfo(settings.TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", "-//LISA//Family Support Meetings//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@lisa")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", dt.datetime.combine(meeting.date, meeting.start_time, tzinfo=zone))
    event.add("dtend", dt.datetime.combine(meeting.date, meeting.end_time, tzinfo=zone))
    event.add("summary", SUMMARY)
    event.add("location", venue)
    lines = [meeting.get_joining_display()]
    if meeting.joining_details:
        lines.append(meeting.joining_details)
    lines.append(f"Details in LISA (sign in to see them): {link}")
    event.add("description", "\n".join(lines))
    event.add("url", link)
    calendar.add_component(event)
    return calendar.to_ical()
