"""The demo history gives every chart something to show: more than a year of concerns across
agencies, levels and wards, and a year of reviewed alerts; loading again adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from audit.models import Alert
from concerns.models import Concern
from figures import concern_figures
from figures.base import WITHHELD
from figures.scope import Scope, default_range

pytestmark = pytest.mark.django_db


def test_demo_history_fills_a_year_of_figures_and_loads_once():
    call_command("load_demo", stdout=io.StringIO())
    concerns, alerts = Concern.objects.count(), Alert.objects.count()
    start, end = default_range()
    scope = Scope(start=start, end=end, trend_start=start)
    per_month = concern_figures.concerns_per_month(scope)
    assert all(row.values[0] > 0 for row in per_month.rows[:-1])  # every past month has some
    levels = {row.label: row.values[0] for row in concern_figures.concerns_by_level(scope).rows}
    assert all(levels.values()), levels
    assert len(concern_figures.concerns_by_agency(scope).rows) >= 5
    areas = [row.label for row in concern_figures.concerns_by_area(scope).rows]
    assert len([area for area in areas if area != WITHHELD]) >= 8
    assert concern_figures.reopened_and_in_error(scope).rows[0].values[0] > 0
    assert Alert.objects.filter(reviewed_at__isnull=False).count() > 20
    call_command("load_demo", stdout=io.StringIO())
    assert (Concern.objects.count(), Alert.objects.count()) == (concerns, alerts)
