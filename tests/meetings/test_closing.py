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
