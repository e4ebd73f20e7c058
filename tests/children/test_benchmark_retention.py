"""The retention benchmark builds a record with some of it due, times a dry run and a real run
of the retention schedule, and checks what was done against what was built to be due."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from children.management.commands import benchmark_retention
from children.models import Child, Involvement, LegalHold, RemovedRecord


def run(*extra: str) -> str:
    out = io.StringIO()
    call_command(
        "benchmark_retention",
        "--database", connection.settings_dict["NAME"],
        "--children", "2000",
        *extra,
        stdout=out,
    )  # fmt: skip
    return out.getvalue()


def row(text: str, label: str) -> tuple[str, str]:
    found = re.search(rf"^\| {re.escape(label)} \| ([^|]*) \| ([^|]*) \|$", text, re.MULTILINE)
    assert found, f"no row {label!r} in:\n{text}"
    return found[1].strip(), found[2].strip()


# Real transactions, as in a run from the command line: each removal commits, and its files
# are deleted after it does.
@pytest.mark.django_db(transaction=True)
def test_the_benchmark_archives_and_removes_what_is_due_except_what_is_held():
    text = run()
    # 2,000 children: 1% due to be removed, 4% due to be archived, and two holds standing
    # (0.1%), one on each kind of due record.
    assert row(text, "children") == ("2,000", "")
    assert row(text, "due to be removed") == ("20", "")
    assert row(text, "due to be archived") == ("80", "")
    assert row(text, "held back by a legal hold") == ("2", "2")
    assert row(text, "removed") == ("19", "19")
    assert row(text, "archived") == ("79", "79")
    assert row(text, "removals failed") == ("0", "0")
    dry_files, files = row(text, "files removed")
    assert dry_files == files and int(files) > 0
    assert row(text, "audit events written")[1] == "98"
    for label in ("wall time", "– removing", "– archiving", "peak RSS of the process"):
        assert all(row(text, label)), label
    assert "The counts check out" in text

    assert Child.objects.count() == 2000 - 19
    assert RemovedRecord.objects.count() == 19
    # The records under a standing hold stay as they were (one archived long ago, one not yet
    # archived, and one not due); of those whose hold was lifted, the one due to be removed
    # went (with its hold) and the one due to be archived was.
    standing = LegalHold.objects.filter(lifted_at__isnull=True).values("child")
    held = Child.objects.filter(pk__in=standing)
    assert held.count() == 3
    assert held.filter(archived_at__lt=timezone.now() - dt.timedelta(days=6 * 365)).count() == 1
    assert held.filter(archived_at__isnull=True).count() == 2
    lifted = LegalHold.objects.filter(lifted_at__isnull=False)
    assert [hold.child.archived_at is not None for hold in lifted] == [True]
    assert not Involvement.objects.filter(
        child__archived_at__isnull=False, ended_at__isnull=True
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_the_benchmark_fails_when_the_run_does_not_do_what_is_due(monkeypatch):
    real = benchmark_retention.apply_retention

    def changes_nothing(today, **options):
        return real(today, **{**options, "dry_run": True})

    monkeypatch.setattr(benchmark_retention, "apply_retention", changes_nothing)
    with pytest.raises(CommandError, match="do not check out") as failure:
        run()
    assert "tombstones: 0 rather than 19" in str(failure.value)
    assert "records archived by the run: 0 rather than 79" in str(failure.value)
    assert "scans of removed records are still on disk" in str(failure.value)


def test_the_benchmark_refuses_a_database_it_could_empty_by_mistake():
    with pytest.raises(CommandError, match="benchmark"):
        call_command("benchmark_retention", "--database", "lisa", stdout=io.StringIO())
