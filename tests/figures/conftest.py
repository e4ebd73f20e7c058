"""Known data for the figures, dated from today so the default range (the last twelve months)
always holds it.

Concerns (health = amara's agency, school = daniel's):
  k1  Rushey Green child, health, level 2, the last day of last month (Neglect)
  k2  the same child, health, level 3, the first day of this month (the month's edge)
  k3  shielded child (SE4), health, level 1, last month
  k4  Hither Green child, health, entered in error, last month (counts only as in error)
  k5  SE1 child (outside the borough's wards), school, level 2, this month, re-opened
  k6  health, thirteen months ago (outside the default range)
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from concerns.models import Category, ConcernChange, ConcernOutcome
from figures.scope import add_months, month_start
from tests.children.conftest import involve, make_child
from tests.concerns.conftest import make_concern
from tests.meetings.conftest import ivy  # noqa: F401


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def this_month(today):
    return month_start(today)


@pytest.fixture
def last_month(this_month):
    return add_months(this_month, -1)


@pytest.fixture
def world(db, amara, daniel, this_month, last_month):
    rushey = make_child(forenames="Tamsin", surname="Oakbridge", postcode="SE6 4RU")
    hither = make_child(forenames="Oswin", surname="Larkfield", postcode="SE13 6LH")
    shielded = make_child(
        forenames="Perpetua", surname="Windlesham", postcode="SE4 1AA", shielded=True
    )
    away = make_child(forenames="Cosmo", surname="Threlkeld", postcode="SE1 7PB")
    for child in (rushey, hither, shielded):
        involve(amara, child)
    involve(daniel, away, role="Class teacher")
    k1 = make_concern(rushey, amara, level=2, date=this_month - dt.timedelta(days=1))
    k2 = make_concern(rushey, amara, level=3, date=this_month)
    k3 = make_concern(shielded, amara, level=1, date=last_month + dt.timedelta(days=14))
    k4 = make_concern(
        hither,
        amara,
        level=2,
        date=last_month + dt.timedelta(days=3),
        entered_in_error=True,
        error_reason="Wrong child",
    )
    k5 = make_concern(away, daniel, level=2, date=this_month, outcome=ConcernOutcome.MULTI_AGENCY)
    k5.categories.add(Category.objects.get(name="Housing"))
    ConcernChange.objects.create(concern=k5, by=daniel, kind="reopened", note="New worries")
    k6 = make_concern(
        rushey, amara, level=4, outcome=ConcernOutcome.SOCIAL_CARE, date=add_months(this_month, -13)
    )
    return {
        "children": {"rushey": rushey, "hither": hither, "shielded": shielded, "away": away},
        "concerns": [k1, k2, k3, k4, k5, k6],
    }
