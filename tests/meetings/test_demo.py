"""The demo meetings and plans load once and show each stage a plan goes through."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from children.models import Involvement
from meetings.models import (
    LeadAppointment,
    Meeting,
    PlanAction,
    PlanStatus,
    RecordOfDecisions,
    SupportPlan,
)

pytestmark = pytest.mark.django_db


def test_demo_meetings_load_once_with_every_stage_of_a_plan():
    call_command("load_demo", stdout=io.StringIO())
    today = timezone.localdate()
    assert Meeting.objects.filter(status="arranged", date__gt=today).exists()
    assert SupportPlan.objects.review_overdue().count() == 1
    assert PlanAction.objects.overdue().count() == 1
    assert SupportPlan.objects.drifting().count() == 1
    closed = SupportPlan.objects.get(status=PlanStatus.CLOSED)
    assert closed.closure_reason == "outcomes_met"
    assert RecordOfDecisions.objects.count() == 1
    # Every lead professional's flag stands for a current appointment.
    leads = Involvement.objects.active().filter(lead_professional=True)
    assert leads.exists()
    for lead in leads:
        assert LeadAppointment.objects.filter(
            child_id=lead.child_id, practitioner_id=lead.practitioner_id, ended_at__isnull=True
        ).exists(), lead
    counts = (
        Meeting.objects.count(),
        SupportPlan.objects.count(),
        PlanAction.objects.count(),
        LeadAppointment.objects.count(),
    )
    call_command("load_demo", stdout=io.StringIO())
    assert counts == (
        Meeting.objects.count(),
        SupportPlan.objects.count(),
        PlanAction.objects.count(),
        LeadAppointment.objects.count(),
    )
