"""The child search benchmark, in a tiny run: it builds an index of realistic names with its
indexes rebuilt after the load, says how names are shared, and measures every kind of search."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from children.models import Child


@pytest.mark.django_db(transaction=True)
def test_a_tiny_run_builds_the_index_and_reports_each_kind_of_search():
    out = io.StringIO()
    call_command(
        "benchmark_child_search",
        "--database", connection.settings_dict["NAME"],
        "--children", "3000",
        "--queries", "120",
        "--workers", "2",
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert Child.objects.count() == 3000
    # Every child's keys are the ones the application computes, and the indexes are back.
    child = Child.objects.order_by("?").first()
    stored = list(child.search_keys)
    child.save()
    assert child.search_keys == stored
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'child_search_keys_gin'")
        assert cursor.fetchone()
    sharing = re.search(r"median (\d+), 99th percentile (\d+)", text)
    assert sharing and int(sharing[1]) >= 1 and int(sharing[2]) >= int(sharing[1])
    assert re.search(r"\d+ children \(\d\.\d%\) with names in another script", text)
    for kind in ("name", "name and date of birth", "NHS number", "LISA reference", "all"):
        line = re.search(rf"^{re.escape(kind)} +(\d+) +([\d.]+) +([\d.]+) +(\d+)%$", text, re.M)
        assert line, f"no line for {kind!r} in:\n{text}"
    found = re.search(r"^all +\d+ +[\d.]+ +[\d.]+ +(\d+)%$", text, re.M)
    assert int(found[1]) >= 95
    assert "Peak memory of the search process" in text
