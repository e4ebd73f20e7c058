"""Closing a plan resolves the linked concerns' flowchart where that applies."""

from __future__ import annotations

import pytest

from concerns.models import ConcernStatus
from meetings import actions
from meetings.models import SupportPlan
from tests.meetings.conftest import arrange, as_request, hold

pytestmark = pytest.mark.django_db


def _close(scene, amara, child, reason):
    plan = scene["plan"]
    closing = arrange(amara, child, kind="closing", plan=plan)
    hold(closing, amara, attended=[amara], next_review_on=None)
    plan = SupportPlan.objects.get(pk=plan.pk)
    return actions.close_plan(
        request=as_request(amara), by=amara, plan=plan, version=plan.version, reason=reason
    )


def test_outcomes_met_closes_the_concern_the_meetings_answered(scene, amara, child, concern):
    assert concern.status == ConcernStatus.OPEN
    _close(scene, amara, child, "outcomes_met")
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.CLOSED
    change = concern.changes.get(kind="closed")
    assert change.note == "Support plan closed: Outcomes met" and change.by == amara


def test_stepped_up_leaves_the_concern_open_for_the_referral(scene, amara, child, concern):
    _close(scene, amara, child, "stepped_up")
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.OPEN
    assert not concern.changes.filter(kind="closed").exists()


def test_the_plan_page_shows_what_each_meeting_changed(client_for, scene, amara, ivy, child):
    from meetings.models import Meeting, PlanAction
    from tests.meetings.conftest import add_action, send

    first = scene["meeting"]
    send(first, amara)
    review = arrange(amara, child, kind="review", plan=scene["plan"], practitioners=[ivy])
    action = PlanAction.objects.get(pk=scene["action"].pk)
    actions.update_action(
        request=as_request(ivy), by=ivy, action=action, version=action.version, status="done"
    )
    add_action(scene["plan"], amara, ivy, what="Parenting café on Fridays", meeting=review)
    review = hold(Meeting.objects.get(pk=review.pk), amara, attended=[amara, ivy])
    send(review, amara)
    page = client_for(amara).get(f"/meetings/plans/{scene['plan'].pk}/").content.decode()
    initial = page.split(f'data-testid="changes-{first.pk}"')[1].split("</ul>")[0]
    assert "Added: Breakfast club place" in initial
    assert "Ottoline is at school every day" in initial
    reviewed = page.split(f'data-testid="changes-{review.pk}"')[1].split("</ul>")[0]
    assert "Added: Parenting café on Fridays" in reviewed
    assert "Breakfast club place: not started → done" in reviewed
    assert "Added: Breakfast club place" not in reviewed
