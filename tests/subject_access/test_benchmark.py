"""The subject access benchmark runs, reports its figures against the target and leaves nothing
behind."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from children.models import Child
from subject_access.models import SubjectAccessRequest

pytestmark = pytest.mark.django_db


def test_a_small_run_reports_the_json_and_the_pdf_and_rolls_back():
    events_before = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("benchmark_subject_access", "--events", "40", "--runs", "1", stdout=out)
    text = out.getvalue()
    assert "a child with" in text and "items flagged for review" in text
    assert "answer as JSON (gathered, checked, written): median" in text
    assert "answer as PDF (" in text and "the 5 s target" in text
    assert "Rolled back" in text
    assert not SubjectAccessRequest.objects.exists() and not Child.objects.exists()
    assert AuditEvent.objects.count() == events_before
