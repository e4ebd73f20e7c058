"""Recomputing stored search keys after a change to how names are keyed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from children import matching
from children.keys import recompute
from children.models import Child
from tests.children.conftest import make_child

pytestmark = pytest.mark.django_db


def test_stale_keys_are_recomputed_in_batches_and_a_second_run_changes_nothing():
    written = make_child(forenames="Łukasz", surname="Wiśniewski")
    plain = make_child(forenames="John", surname="Smith")
    Child.objects.filter(pk=written.pk).update(search_keys=["fs:old:key"])
    seen = []

    read, changed = recompute(Child, batch=1, progress=lambda *args: seen.append(args))

    assert changed == 1
    assert read == Child.objects.count()
    assert len(seen) == read  # one progress report per batch of one
    written.refresh_from_db()
    assert written.search_keys == matching.child_keys("Łukasz", "Wiśniewski")
    plain.refresh_from_db()
    assert plain.search_keys == matching.child_keys("John", "Smith")
    assert recompute(Child)[1] == 0


def test_the_command_reports_what_it_read_and_changed():
    child = make_child(forenames="Şükrü", surname="Yıldız")
    Child.objects.filter(pk=child.pk).update(search_keys=[])
    out = StringIO()
    call_command("recompute_search_keys", stdout=out)
    assert "1 changed" in out.getvalue()
    child.refresh_from_db()
    assert "s:" + matching.sound("yildiz") in child.search_keys
