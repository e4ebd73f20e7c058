"""The figures benchmark builds what it is asked for and times every section's page and CSV."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.models import AuditEvent
from children.models import Child
from concerns.models import Concern
from figures.management.commands.benchmark_figures import INVENTED
from meetings.models import Meeting, SupportPlan

pytestmark = pytest.mark.django_db


def test_benchmark_builds_the_sizes_asked_for_and_reports_every_section():
    out = io.StringIO()
    call_command(
        "benchmark_figures",
        "--database", connection.settings_dict["NAME"],
        "--children", "300",
        "--concerns", "2000",
        "--meetings", "100",
        "--plans", "40",
        "--alerts", "30",
        "--audit-events", "500",
        "--runs", "2",
        "--csv-runs", "1",
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert (
        "Built 300 children, 2,000 concerns, 100 meetings, 40 plans, 30 alerts, "
        "500 audit events" in text
    )
    assert Child.objects.count() == 300
    assert Concern.objects.count() == 2000
    assert Meeting.objects.count() == 100
    assert SupportPlan.objects.count() == 40
    assert AuditEvent.objects.filter(request_id=INVENTED).count() == 500
    for viewer in ("central team", "designated officer"):
        assert f"\n{viewer} (" in text
    for section in ("concerns", "children", "meetings", "access"):
        assert text.count(f"/figures/{section}/ ") == 2, section
    assert text.count("slowest CSV: /figures/") == 2
    assert "All targets met." in text or "Targets missed:" in text


def test_benchmark_refuses_a_database_it_could_empty_by_mistake():
    with pytest.raises(CommandError, match="benchmark"):
        call_command("benchmark_figures", "--database", "lisa", stdout=io.StringIO())
