"""The search benchmark command runs, reports its percentiles and leaves nothing behind."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from directory.models import Organisation, Service


@pytest.mark.django_db
def test_benchmark_reports_percentiles_and_rolls_back():
    out = io.StringIO()
    call_command("benchmark_directory", "--services", "300", "--runs", "20", stdout=out)
    text = out.getvalue()
    assert "Added 300 invented services" in text
    for label in ("search queries", "whole page"):
        line = next(line for line in text.splitlines() if line.startswith(label))
        assert re.search(r"p50 +[0-9.]+ ms +p95 +[0-9.]+ ms", line), line
    assert Service.objects.count() == 0
    assert Organisation.objects.count() == 0
