"""The demo consent records load once and show each situation."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from consent.models import Agreement, SharingDecision
from consent.rules import consent_position

pytestmark = pytest.mark.django_db


def test_demo_consent_loads_once_with_a_refusal_and_a_decision_to_share():
    call_command("load_demo", stdout=io.StringIO())
    count = Agreement.objects.count()
    assert count >= 3
    decision = SharingDecision.objects.select_related("refusal").get()
    assert decision.refusal.decision == "do_not_agree"
    assert "decision to share without consent" in consent_position(decision.child)
    call_command("load_demo", stdout=io.StringIO())
    assert Agreement.objects.count() == count
