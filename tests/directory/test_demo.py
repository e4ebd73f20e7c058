"""The invented demonstration directory."""

from __future__ import annotations

import io

import pytest

from directory import demo, schemas
from directory.models import Category, Service
from directory.opendata import service_full


@pytest.mark.django_db
def test_demo_directory_loads_once_with_about_sixty_services(sam):
    demo.load(io.StringIO())
    count = Service.objects.count()
    assert 55 <= count <= 70
    demo.load(io.StringIO())
    assert Service.objects.count() == count  # nothing duplicated
    # Every category is used; sam keeps the Deptford Family Support Network's entries.
    assert not Category.objects.filter(services__isnull=True).exists()
    kept = Service.objects.filter(editors=sam)
    assert kept.count() >= 3
    assert {s.organisation.name for s in kept} == {"Deptford Family Support Network"}
    assert Service.objects.filter(is_published=False).count() == 1
    assert 1 <= Service.objects.stale().count() <= 6


@pytest.mark.django_db
def test_every_demo_service_is_valid_open_data(sam):
    demo.load(io.StringIO())
    for service in Service.objects.public().select_related("organisation"):
        assert schemas.errors("service", service_full(service)) == [], service.name
