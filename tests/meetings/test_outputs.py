"""The record of decisions as a PDF and the meeting as a calendar file: what they carry, what
they never carry, and that each is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from audit.models import Action
from meetings import actions
from tests.helpers import assert_audited, pdf_text
from tests.meetings.conftest import add_action, arrange, as_request, hold, involve, start_plan

pytestmark = pytest.mark.django_db


class TestRecordOfDecisions:
    def test_the_pdf_carries_the_meeting_and_is_audited_as_a_print(
        self, client_for, amara, ivy, meeting, child
    ):
        held = hold(
            meeting,
            amara,
            attended=[amara],
            apologies=[ivy],
            decisions=["Offer a breakfast club place", "Refer to the parenting café"],
        )
        actions.appoint_lead(
            request=as_request(amara),
            by=amara,
            meeting=held,
            version=held.version,
            practitioner=amara,
        )
        plan = start_plan(held, amara)
        add_action(plan, amara, ivy, what="Start the breakfast club")
        response = client_for(ivy).get(f"/meetings/{held.pk}/record-of-decisions/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = " ".join(pdf_text(response.content).split())
        for expected in (
            "Family Support Meeting: record of decisions",
            "Ottoline Brackenbury",
            child.lisa_ref,
            "Offer a breakfast club place",
            "Refer to the parenting café",
            "Sent apologies",
            "Amara Okafor, Health Visiting",
            "020 3049 1101",  # the lead professional's contact details
            "Start the breakfast club",
            "Next review",
        ):
            assert expected in text, expected
        assert child.address_line_1 not in text and child.postcode not in text
        assert_audited(user=ivy, action=Action.PRINT, child=child, printed="meeting")


class TestCalendarFile:
    def test_the_ics_has_the_time_the_venue_and_a_link_but_never_the_child(
        self, client_for, ivy, meeting, child, settings
    ):
        response = client_for(ivy).get(f"/meetings/{meeting.pk}/calendar/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        raw = response.content.decode()
        for personal in (child.forenames, child.surname, child.lisa_ref, child.postcode):
            assert personal not in raw
        event = next(iter(Calendar.from_ical(response.content).walk("VEVENT")))
        start = event.decoded("dtstart")
        assert (start.date(), start.time()) == (meeting.date, dt.time(10, 0))
        assert event.decoded("dtend").time() == dt.time(11, 30)
        assert str(event["location"]) == "Room 2, Kaleidoscope Centre"
        link = f"{settings.LISA_SITE_URL}/meetings/{meeting.pk}/"
        assert str(event["url"]) == link and link in str(event["description"])
        assert_audited(user=ivy, action=Action.DOWNLOAD, child=child, downloaded="meeting")

    def test_a_shielded_household_address_as_the_venue_is_withheld(
        self, client_for, amara, priya, shielded_child
    ):
        involve(amara, shielded_child)
        meeting = arrange(
            amara, shielded_child, venue=f"At home: 7 Hidden Mews, {shielded_child.postcode}"
        )
        # priya is the designated officer of amara's agency: she may open the full record but
        # not a shielded address.
        client = client_for(priya)
        ics = client.get(f"/meetings/{meeting.pk}/calendar/").content.decode()
        assert "Hidden Mews" not in ics and "Ask the chair for the venue" in ics
        page = client.get(f"/meetings/{meeting.pk}/").content.decode()
        assert "Hidden Mews" not in page and "Ask the chair for the venue" in page
        own = client_for(amara).get(f"/meetings/{meeting.pk}/calendar/").content.decode()
        assert "Hidden Mews" in own
