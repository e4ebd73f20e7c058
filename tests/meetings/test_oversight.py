"""The central team's list of plans needing attention."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import Action, AuditEvent
from meetings.models import Meeting, PlanAction, SupportPlan

pytestmark = pytest.mark.django_db

URL = "/meetings/oversight/"


def test_only_the_central_team_may_open_it(client, client_for, amara, priya):
    assert client.get(URL)["Location"].startswith("/sign-in/")
    assert client_for(amara).get(URL).status_code == 403
    assert client_for(priya).get(URL).status_code == 403


def test_it_lists_overdue_reviews_and_actions_and_drifting_plans(client_for, morgan, scene, child):
    plan, action = scene["plan"], scene["action"]
    client = client_for(morgan)
    before = client.get(URL).content.decode()
    assert 'data-testid="reviews-overdue"' not in before
    assert 'data-testid="drifting"' not in before
    past = timezone.localdate() - dt.timedelta(days=3)
    Meeting.objects.filter(pk=scene["meeting"].pk).update(next_review_on=past)
    PlanAction.objects.filter(pk=action.pk).update(due_on=past)
    SupportPlan.objects.filter(pk=plan.pk).update(
        created_at=timezone.now() - dt.timedelta(days=400)
    )
    body = client.get(URL).content.decode()
    reviews = body.split('data-testid="reviews-overdue"')[1].split("</table>")[0]
    assert f"/meetings/plans/{plan.pk}/" in reviews and child.lisa_ref in reviews
    by_agency = body.split('data-testid="actions-by-agency"')[1].split("</table>")[0]
    assert "Deptford Family Support" in by_agency  # ivy's agency owns the overdue action
    assert f"/meetings/actions/{action.pk}/" in body.split('data-testid="actions-overdue"')[1]
    assert f"/meetings/plans/{plan.pk}/" in body.split('data-testid="drifting"')[1]
    assert AuditEvent.objects.filter(
        user=morgan, action=Action.VIEW, child_id=child.pk, detail__view="plans oversight"
    ).exists()


def test_its_queries_do_not_grow_with_the_plans(
    client_for, morgan, scene, django_assert_max_num_queries
):
    past = timezone.localdate() - dt.timedelta(days=3)
    Meeting.objects.filter(pk=scene["meeting"].pk).update(next_review_on=past)
    PlanAction.objects.update(due_on=past)
    client = client_for(morgan)
    with django_assert_max_num_queries(20) as few:
        client.get(URL)
    first = len(few.captured_queries)
    from tests.meetings.conftest import add_action

    for n in range(10):
        add_action(scene["plan"], morgan, morgan.__class__.objects.get(username="ivy.moss"),
                   what=f"Action {n}")  # fmt: skip
    PlanAction.objects.update(due_on=past)
    with django_assert_max_num_queries(first):
        assert client.get(URL).content.decode().count("/meetings/actions/") >= 11
