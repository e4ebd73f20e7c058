"""Consent fixtures: a child Amara works with, and the child's mother."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from children.models import ParentalResponsibility
from tests.children.conftest import involve, make_child


@pytest.fixture
def child(db, amara):
    child = make_child(
        forenames="Ottoline", surname="Brackenbury", date_of_birth=dt.date(2012, 6, 1)
    )
    involve(amara, child)
    return child


@pytest.fixture
def mother(child):
    return ParentalResponsibility.objects.create(
        child=child, name="Henrietta Brackenbury", relationship="mother"
    )


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def date_fields(name: str, value: dt.date) -> dict:
    return {f"{name}_0": value.day, f"{name}_1": value.month, f"{name}_2": value.year}
