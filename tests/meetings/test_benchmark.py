"""The meetings benchmark runs, reports against its targets and leaves nothing behind."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from meetings.models import Meeting

pytestmark = pytest.mark.django_db


def test_benchmark_reports_both_measures_and_rolls_back():
    out = io.StringIO()
    call_command("benchmark_meetings", "--pages", "3", "--renders", "1", stdout=out)
    text = out.getvalue()
    assert "a meeting with 30 invited and a plan of 40 actions" in text
    assert "meeting page: n=3 p50" in text and "the 100 ms target" in text
    assert "record of decisions PDF: n=1 p50" in text and "the 1000 ms target" in text
    assert not Meeting.objects.exists()
