"""The handbook's rules for meetings and plans, each refused beside its field with nothing
typed lost; and the version token that refuses the second of two concurrent saves."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from children.models import Family
from lisa.versioning import CONFLICT_MESSAGE
from meetings import actions
from meetings.models import (
    LeadAppointment,
    Meeting,
    MeetingKind,
    MeetingStatus,
    PlanStatus,
    SupportPlan,
)
from tests.meetings.conftest import add_action, arrange, as_request, hold, make_child, start_plan

pytestmark = pytest.mark.django_db


def _date(prefix: str, day: dt.date) -> dict:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def _record_data(meeting, **overrides) -> dict:
    data = {
        "version": meeting.version,
        "summary": "We talked about mornings and school.",
        "strengths": "Close family",
        "family_views": "",
        "decisions": "Breakfast club place\nReview in six weeks",
        **_date("next_review_on", timezone.localdate() + dt.timedelta(weeks=6)),
    }
    data.update(overrides)
    return data


def _error_beside(body: str, field: str, message: str) -> None:
    """The message is in the error summary (linked to the field) and at the field."""
    assert message in body
    assert f'href="#id_{field}' in body
    assert body.count(message) >= 2


class TestNextReview:
    def test_a_review_date_in_the_past_is_refused_beside_the_field(
        self, client_for, amara, meeting
    ):
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        response = client_for(amara).post(
            f"/meetings/{meeting.pk}/record/",
            _record_data(meeting, **_date("next_review_on", yesterday)),
        )
        assert response.status_code == 200
        body = response.content.decode()
        _error_beside(body, "next_review_on", "The next review must be today or in the future")
        assert "We talked about mornings and school." in body  # nothing typed is lost
        assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.ARRANGED

    def test_a_review_date_is_required_unless_the_meeting_is_closing(
        self, client_for, amara, meeting, child
    ):
        data = _record_data(meeting, next_review_on_0="", next_review_on_1="", next_review_on_2="")
        response = client_for(amara).post(f"/meetings/{meeting.pk}/record/", data)
        _error_beside(
            response.content.decode(), "next_review_on", "Enter the date of the next review"
        )
        plan = start_plan(hold(Meeting.objects.get(pk=meeting.pk), amara, attended=[amara]), amara)
        closing = arrange(amara, child, kind=MeetingKind.CLOSING, plan=plan)
        data = _record_data(closing, next_review_on_0="", next_review_on_1="", next_review_on_2="")
        response = client_for(amara).post(f"/meetings/{closing.pk}/record/", data)
        assert response.status_code == 302
        closing.refresh_from_db()
        assert closing.status == MeetingStatus.HELD and closing.next_review_on is None

    def test_six_weeks_ahead_is_suggested(self, client_for, amara, meeting):
        body = client_for(amara).get(f"/meetings/{meeting.pk}/record/").content.decode()
        suggested = meeting.date + dt.timedelta(weeks=6)
        assert f'name="next_review_on_2" type="text" value="{suggested.year}"' in body or (
            f'value="{suggested.day}"' in body and f'value="{suggested.year}"' in body
        )

    def test_the_database_holds_a_held_review_to_a_next_review_date(self, meeting):
        with pytest.raises(IntegrityError), transaction.atomic():
            Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)

    def test_a_meeting_in_the_future_cannot_be_recorded_as_held(self, client_for, amara, concern):
        later = arrange(amara, concern.child, date=timezone.localdate() + dt.timedelta(days=3))
        response = client_for(amara).post(f"/meetings/{later.pk}/record/", _record_data(later))
        assert "A meeting can be recorded once it has been held" in response.content.decode()


class TestLeadProfessional:
    def test_a_lead_who_did_not_attend_is_refused_beside_the_field(
        self, client_for, amara, ivy, meeting
    ):
        held = hold(meeting, amara, attended=[amara], apologies=[ivy])
        response = client_for(amara).post(
            f"/meetings/{held.pk}/lead/",
            {"version": held.version, "practitioner": str(ivy.pk), "family_view": "Mum agrees"},
        )
        assert response.status_code == 200
        body = response.content.decode()
        _error_beside(body, "practitioner", "Choose a practitioner who attended the meeting")
        assert "Mum agrees" in body
        assert not ivy.involvements.filter(lead_professional=True).exists()

    def test_one_invited_who_accepted_in_writing_afterwards_may_be_appointed(
        self, client_for, amara, ivy, meeting
    ):
        held = hold(meeting, amara, attended=[amara], apologies=[ivy])
        client = client_for(amara)
        before = held.date - dt.timedelta(days=1)
        refused = client.post(
            f"/meetings/{held.pk}/lead/",
            {
                "version": held.version,
                "practitioner": str(ivy.pk),
                "accepted_in_writing_on_0": before.day,
                "accepted_in_writing_on_1": before.month,
                "accepted_in_writing_on_2": before.year,
            },
        )
        _error_beside(
            refused.content.decode(),
            "accepted_in_writing_on",
            "The role is accepted on or after the meeting",
        )
        today = timezone.localdate()
        response = client.post(
            f"/meetings/{held.pk}/lead/",
            {
                "version": held.version,
                "practitioner": str(ivy.pk),
                "accepted_in_writing_on_0": today.day,
                "accepted_in_writing_on_1": today.month,
                "accepted_in_writing_on_2": today.year,
            },
        )
        assert response.status_code == 302
        appointment = LeadAppointment.objects.get(practitioner=ivy)
        assert appointment.accepted_in_writing_on == today
        assert ivy.involvements.get(lead_professional=True)
        page = client.get(f"/meetings/{held.pk}/").content.decode()
        assert f"accepted in writing on {today:%-d %B %Y}" in page


class TestArranging:
    def _post(self, client, child, **overrides):
        today = timezone.localdate()
        data = {
            "children": [str(child.pk)],
            "kind": "initial",
            **_date("date", today),
            "start_time": "14:00",
            "end_time": "15:00",
            "venue": "Room 2",
            "location": "",
            "joining": "in_person",
            "chair": "",
            "young_person_not_invited_reason": "Too young",
        }
        data.update(overrides)
        return client.post(f"/meetings/children/{child.pk}/arrange/", data)

    def test_an_end_before_the_start_is_refused_beside_the_field(self, client_for, amara, concern):
        child = concern.child
        response = self._post(
            client_for(amara), child, chair=str(amara.pk), start_time="14:00", end_time="13:30"
        )
        assert response.status_code == 200
        body = response.content.decode()
        _error_beside(body, "end_time", "The meeting must end after it starts")
        assert 'value="Room 2"' in body
        assert not Meeting.objects.exists()

    def test_a_review_is_about_the_plan_chosen_and_needs_one(self, client_for, amara, scene):
        child, plan = scene["meeting"].children.get(), scene["plan"]
        client = client_for(amara)
        page = client.get(f"/meetings/children/{child.pk}/arrange/?plan={plan.pk}").content
        body = page.decode()
        assert f'<option value="{plan.pk}" selected>Support plan opened' in body
        assert re.search(r'<input[^>]*value="review"[^>]*checked', body)
        refused = self._post(client, child, chair=str(amara.pk), kind="review", plan="")
        _error_beside(
            refused.content.decode(),
            "plan",
            "Choose the support plan a review or closing meeting is about",
        )
        response = self._post(client, child, chair=str(amara.pk), kind="review", plan=plan.pk)
        assert response.status_code == 302
        review = Meeting.objects.get(kind="review")
        assert review.plan_id == plan.pk

    def test_the_central_team_arranges_one_on_a_practitioners_behalf(
        self, client_for, morgan, amara, concern
    ):
        child = concern.child
        page = client_for(morgan).get(f"/concerns/{concern.pk}/")
        assert f"/meetings/concerns/{concern.pk}/arrange/" in page.content.decode()
        response = self._post(client_for(morgan), child, chair=str(amara.pk))
        assert response.status_code == 302
        meeting = Meeting.objects.get()
        assert meeting.chair == amara and meeting.created_by == morgan

    def test_the_action_and_the_database_refuse_it_too(self, amara, concern):
        with pytest.raises(ValidationError) as error:
            arrange(amara, concern.child, start_time=dt.time(14), end_time=dt.time(13))
        assert "end_time" in error.value.message_dict
        meeting = arrange(amara, concern.child)
        with pytest.raises(IntegrityError), transaction.atomic():
            Meeting.objects.filter(pk=meeting.pk).update(end_time=dt.time(9))

    def test_a_chair_who_is_not_a_practitioner_is_refused(self, amara, morgan, sam, concern):
        for chair in (morgan, sam):
            with pytest.raises(ValidationError) as error:
                arrange(amara, concern.child, chair=chair)
            assert "chair" in error.value.message_dict

    def test_a_venue_is_required(self, client_for, amara, concern):
        response = self._post(client_for(amara), concern.child, chair=str(amara.pk), venue="")
        _error_beside(response.content.decode(), "venue", "Enter where the meeting will be held")

    def test_children_of_different_households_are_refused(self, morgan, amara, child):
        other = make_child(forenames="Unrelated")
        with pytest.raises(ValidationError) as error:
            arrange(morgan, child, chair=amara, children=[child, other])
        assert "same household" in str(error.value)
        family = Family.objects.create()
        for each in (child, other):
            each.family = family
            each.save()
        assert arrange(morgan, child, chair=amara, children=[child, other]).pk

    def test_nul_bytes_and_over_long_text_give_a_message_not_an_error(
        self, client_for, amara, concern
    ):
        client = client_for(amara)
        response = self._post(client, concern.child, chair=str(amara.pk), venue="Room\x002")
        assert response.status_code < 500
        response = self._post(client, concern.child, chair=str(amara.pk), venue="x" * 301)
        assert response.status_code == 200
        assert "Ensure this value has at most 300 characters" in response.content.decode()


class TestConcurrentEdits:
    def test_the_second_of_two_saves_is_refused_with_the_first_ones_values(
        self, client_for, amara, morgan, meeting
    ):
        stale = meeting.version
        first = client_for(morgan).post(
            f"/meetings/{meeting.pk}/record/",
            _record_data(meeting, summary="Saved first by the central team."),
        )
        assert first.status_code == 302
        second = client_for(amara).post(
            f"/meetings/{meeting.pk}/record/",
            {**_record_data(meeting, summary="My own summary."), "version": stale},
        )
        assert second.status_code == 200
        body = second.content.decode()
        assert CONFLICT_MESSAGE in body
        assert "Saved first by the central team." in body  # the other person's values
        assert "My own summary." in body  # and nothing typed is lost
        assert Meeting.objects.get(pk=meeting.pk).summary == "Saved first by the central team."

    def test_a_stale_version_is_refused_by_the_action(self, amara, meeting):
        stale = meeting.version
        hold(meeting, amara)
        with pytest.raises(actions.ConcurrentEditError):
            actions.record_attendance(
                request=as_request(amara), by=amara, meeting=meeting, version=stale, attendance={}
            )


class TestPlan:
    def test_an_action_without_an_owner_or_a_date_is_refused(self, amara, ivy, scene):
        with pytest.raises(ValidationError) as error:
            add_action(
                scene["plan"], amara, ivy, owner=actions.Owner(kind="practitioner"), due_on=None
            )
        assert {"owner", "due_on"} <= set(error.value.message_dict)

    def test_not_done_needs_a_reason(self, client_for, ivy, scene):
        action = scene["action"]
        response = client_for(ivy).post(
            f"/meetings/actions/{action.pk}/", {"version": action.version, "status": "not_done"}
        )
        _error_beside(response.content.decode(), "not_done_reason", "Say why it was not done")

    def test_closing_needs_a_closing_meeting_or_the_central_team(
        self, client_for, amara, morgan, scene, child
    ):
        plan = SupportPlan.objects.get(pk=scene["plan"].pk)
        response = client_for(amara).post(
            f"/meetings/plans/{plan.pk}/close/",
            {"version": plan.version, "reason": "outcomes_met"},
        )
        assert "A plan is closed at a closing meeting" in response.content.decode()
        response = client_for(morgan).post(
            f"/meetings/plans/{plan.pk}/close/", {"version": plan.version, "reason": "other"}
        )
        _error_beside(response.content.decode(), "text", "Say why the plan is closing")
        closing = arrange(amara, child, kind=MeetingKind.CLOSING, plan=plan)
        hold(closing, amara, next_review_on=None)
        plan.refresh_from_db()
        response = client_for(amara).post(
            f"/meetings/plans/{plan.pk}/close/",
            {"version": plan.version, "reason": "outcomes_met"},
        )
        assert response.status_code == 302
        plan.refresh_from_db()
        assert plan.status == PlanStatus.CLOSED and plan.closure_reason == "outcomes_met"

    def test_the_lead_closes_it_with_the_central_teams_agreement(
        self, client_for, amara, ivy, morgan, scene
    ):
        plan = SupportPlan.objects.get(pk=scene["plan"].pk)
        SupportPlan.objects.filter(pk=plan.pk).update(lead=ivy)
        plan.refresh_from_db()
        client = client_for(ivy)
        page = client.get(f"/meetings/plans/{plan.pk}/close/").content.decode()
        assert f'<option value="{morgan.pk}">Morgan Ellis</option>' in page
        refused = client.post(
            f"/meetings/plans/{plan.pk}/close/", {"version": plan.version, "reason": "stepped_down"}
        )
        _error_beside(
            refused.content.decode(), "agreed_by", "choose who in the central team agreed"
        )
        response = client.post(
            f"/meetings/plans/{plan.pk}/close/",
            {"version": plan.version, "reason": "stepped_down", "agreed_by": str(morgan.pk)},
        )
        assert response.status_code == 302
        plan.refresh_from_db()
        assert plan.status == PlanStatus.CLOSED and plan.closure_agreed_by == morgan
        page = client.get(f"/meetings/plans/{plan.pk}/").content.decode()
        assert "agreed by Morgan Ellis" in page

    def test_a_closed_plan_is_not_changed(self, amara, morgan, scene, ivy):
        plan = SupportPlan.objects.get(pk=scene["plan"].pk)
        actions.close_plan(
            request=as_request(morgan),
            by=morgan,
            plan=plan,
            version=plan.version,
            reason="moved",
        )
        with pytest.raises(ValidationError):
            add_action(plan, amara, ivy)

    def test_start_plan_needs_an_outcome(self, amara, meeting):
        with pytest.raises(ValidationError):
            actions.create_plan(
                request=as_request(amara),
                by=amara,
                meeting=meeting,
                version=meeting.version,
                outcomes=[],
            )
        assert start_plan(meeting, amara).outcomes.count() == 1
