"""Meetings, plans and actions are never deleted: wrong ones are marked entered in error with a
reason, and then leave the lists that count what is current."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import Action
from meetings.models import Meeting, PlanAction, SupportPlan
from tests.helpers import assert_audited
from tests.meetings.conftest import arrange, involve

pytestmark = pytest.mark.django_db


class TestMeeting:
    def test_the_chair_marks_it_with_a_reason_and_it_leaves_the_invitations(
        self, client_for, amara, ivy, child
    ):
        involve(amara, child)
        meeting = arrange(
            amara, child, practitioners=[ivy], date=timezone.localdate() + dt.timedelta(days=2)
        )
        assert f"/meetings/{meeting.pk}/" in client_for(ivy).get("/").content.decode()
        client = client_for(amara)
        url = f"/meetings/{meeting.pk}/entered-in-error/"
        refused = client.post(url, {"version": meeting.version, "reason": ""})
        assert "Say why it is wrong" in refused.content.decode()
        assert not Meeting.objects.get(pk=meeting.pk).entered_in_error
        response = client.post(url, {"version": meeting.version, "reason": "Wrong family"})
        assert response.status_code == 302
        meeting.refresh_from_db()
        assert meeting.entered_in_error and meeting.error_reason == "Wrong family"
        assert Meeting.objects.filter(pk=meeting.pk).exists()
        assert_audited(
            user=amara, action=Action.ENTERED_IN_ERROR, child=child, reason="Wrong family"
        )
        assert f"/meetings/{meeting.pk}/" not in client_for(ivy).get("/").content.decode()
        assert "entered in error" in client.get(f"/meetings/{meeting.pk}/").content.decode()

    def test_an_invitee_who_only_reads_may_not(self, client_for, ivy, meeting):
        url = f"/meetings/{meeting.pk}/entered-in-error/"
        assert (
            client_for(ivy).post(url, {"version": meeting.version, "reason": "x"}).status_code
            == 403
        )
        assert not Meeting.objects.get(pk=meeting.pk).entered_in_error

    def test_a_stale_version_is_refused_and_the_reason_kept(self, client_for, amara, meeting):
        stale = meeting.version
        Meeting.objects.filter(pk=meeting.pk).update(venue="Room 3")
        Meeting.objects.get(pk=meeting.pk).save()
        body = (
            client_for(amara)
            .post(
                f"/meetings/{meeting.pk}/entered-in-error/", {"version": stale, "reason": "Wrong"}
            )
            .content.decode()
        )
        assert "Someone else changed this" in body and "Wrong" in body
        assert not Meeting.objects.get(pk=meeting.pk).entered_in_error


class TestPlanAndAction:
    def test_a_wrong_action_leaves_the_overdue_lists(self, client_for, amara, ivy, scene):
        action = scene["action"]
        PlanAction.objects.filter(pk=action.pk).update(
            due_on=timezone.localdate() - dt.timedelta(days=1)
        )
        assert PlanAction.objects.overdue().exists()
        assert client_for(ivy).post(
            f"/meetings/actions/{action.pk}/entered-in-error/",
            {"version": PlanAction.objects.get(pk=action.pk).version, "reason": "x"},
        ).status_code == 403  # fmt: skip
        client_for(amara).post(
            f"/meetings/actions/{action.pk}/entered-in-error/",
            {"version": PlanAction.objects.get(pk=action.pk).version, "reason": "Duplicate"},
        )
        assert PlanAction.objects.get(pk=action.pk).error_reason == "Duplicate"
        assert not PlanAction.objects.overdue().exists()
        plan_page = client_for(amara).get(f"/meetings/plans/{scene['plan'].pk}/").content.decode()
        assert "Breakfast club place" not in plan_page.split('data-testid="actions"')[1]

    def test_a_wrong_plan_is_no_longer_open_or_overdue(self, client_for, amara, scene):
        plan = scene["plan"]
        Meeting.objects.filter(pk=scene["meeting"].pk).update(
            next_review_on=timezone.localdate() - dt.timedelta(days=1)
        )
        assert SupportPlan.objects.review_overdue().exists()
        client_for(amara).post(
            f"/meetings/plans/{plan.pk}/entered-in-error/",
            {"version": SupportPlan.objects.get(pk=plan.pk).version, "reason": "Wrong family"},
        )
        plan.refresh_from_db()
        assert plan.entered_in_error and not plan.is_open
        assert not SupportPlan.objects.review_overdue().exists()
        page = client_for(amara).get(f"/meetings/plans/{plan.pk}/").content.decode()
        assert "Wrong family" in page.split('data-testid="plan-error"')[1]
