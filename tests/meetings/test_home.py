"""The home page's meetings: invitations, records sent, and what is overdue for the reader."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from children.models import Involvement
from meetings.models import Meeting, PlanAction, SupportPlan
from tests.meetings.conftest import arrange, involve

pytestmark = pytest.mark.django_db


def _section(body: str, testid: str) -> str:
    marker = f'data-testid="{testid}"'
    return body.split(marker)[1].split("</ul>")[0] if marker in body else ""


class TestHome:
    def test_an_invited_practitioner_sees_the_meeting_until_their_involvement_ends(
        self, client_for, amara, ivy, child, daniel
    ):
        involve(amara, child)
        meeting = arrange(
            amara, child, practitioners=[ivy], date=timezone.localdate() + dt.timedelta(days=3)
        )
        body = client_for(ivy).get("/").content.decode()
        assert f"/meetings/{meeting.pk}/" in _section(body, "meeting-invitations")
        assert f"/meetings/{meeting.pk}/calendar/" in body
        assert "meeting-invitations" not in client_for(daniel).get("/").content.decode()
        Involvement.objects.filter(practitioner=ivy).update(ended_at=timezone.now())
        assert "meeting-invitations" not in client_for(ivy).get("/").content.decode()

    def test_overdue_reviews_and_actions_are_flagged_for_the_lead_and_the_owner(
        self, client_for, amara, ivy, scene
    ):
        plan, action = scene["plan"], scene["action"]
        SupportPlan.objects.filter(pk=plan.pk).update(lead=amara)
        assert "meetings-overdue" not in client_for(amara).get("/").content.decode()
        past = timezone.localdate() - dt.timedelta(days=2)
        Meeting.objects.filter(pk=scene["meeting"].pk).update(next_review_on=past)
        PlanAction.objects.filter(pk=action.pk).update(due_on=past)
        lead_home = client_for(amara).get("/").content.decode()
        assert f"/meetings/plans/{plan.pk}/" in lead_home.split('data-testid="meetings-overdue"')[1]
        owner_home = client_for(ivy).get("/").content.decode()
        overdue = owner_home.split('data-testid="meetings-overdue"')[1].split("</div>")[0]
        assert f"/meetings/actions/{action.pk}/" in overdue
        assert f"/meetings/plans/{plan.pk}/" not in overdue  # ivy neither leads nor chairs
        # The chair (here also the lead) sees the overdue action too.
        assert (
            f"/meetings/actions/{action.pk}/"
            in lead_home.split('data-testid="meetings-overdue"')[1]
        )

    def test_the_chair_who_is_not_the_lead_sees_an_overdue_action(
        self, client_for, amara, ivy, scene
    ):
        action = scene["action"]
        assert scene["plan"].lead_id is None and scene["meeting"].chair_id == amara.pk
        past = timezone.localdate() - dt.timedelta(days=2)
        PlanAction.objects.filter(pk=action.pk).update(due_on=past)
        home = client_for(amara).get("/").content.decode()
        overdue = home.split('data-testid="meetings-overdue"')[1].split("</div>")[0]
        assert f"/meetings/actions/{action.pk}/" in overdue

    def test_a_review_arranged_is_no_longer_overdue_and_old_plans_drift(self, amara, scene):
        plan = scene["plan"]
        past = timezone.localdate() - dt.timedelta(days=2)
        Meeting.objects.filter(pk=scene["meeting"].pk).update(next_review_on=past)
        assert list(SupportPlan.objects.review_overdue()) == [plan]
        assert not SupportPlan.objects.drifting().exists()
        arrange(amara, scene["meeting"].children.get(), kind="review", plan=plan)
        assert not SupportPlan.objects.review_overdue().exists()
        SupportPlan.objects.filter(pk=plan.pk).update(
            created_at=timezone.now() - dt.timedelta(days=400)
        )
        assert list(SupportPlan.objects.drifting()) == [plan]
