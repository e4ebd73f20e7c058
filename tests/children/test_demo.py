"""The demo data loads, is invented, and loads only once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from children.models import Child, Involvement
from children.validators import is_valid_lisa_ref, is_valid_nhs_number, is_valid_upn

pytestmark = pytest.mark.django_db


def test_demo_children_load_once_with_families_involvements_and_a_shielded_child():
    call_command("load_demo", stdout=io.StringIO())
    count = Child.objects.count()
    assert 200 <= count <= 500
    assert Child.objects.filter(shielded=True).exists()
    assert Child.objects.filter(family__isnull=False).count() > 100
    assert Involvement.objects.filter(practitioner__username="amara.okafor").count() >= 5
    assert Involvement.objects.filter(practitioner__username="daniel.price").count() >= 5
    assert Involvement.objects.filter(agency__sensitive_service=True).exists()
    shielded = Child.objects.filter(shielded=True).first()
    assert shielded.involvements.filter(practitioner__username="amara.okafor").exists()
    for child in Child.objects.all():
        assert is_valid_lisa_ref(child.lisa_ref)
        assert not child.nhs_number or is_valid_nhs_number(child.nhs_number)
        assert not child.upn or is_valid_upn(child.upn)
        assert child.search_keys
    call_command("load_demo", stdout=io.StringIO())
    assert Child.objects.count() == count
