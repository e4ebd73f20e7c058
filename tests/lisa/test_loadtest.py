"""The load test (`make loadtest`), in a tiny run: it builds its record, starts gunicorn and a
task worker on loopback, drives every page through the real forms (the second factor
included) with locust, stops everything by itself and reports each page without a failure."""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.models import Action, AuditEvent
from concerns.models import Concern
from loadtest import report
from loadtest.data import INVENTED

# A tiny record, built in the test's own database.
TINY = ["--children", "300", "--staff", "5", "--workers", "2", "--load-workers", "1"]

ROW = r"^{name} +([\d,]+) +([\d.]+) +(\d+) +(\d+) +(\d+) +([\d,]+) +([\d.]+)$"


# The servers see only what is committed: real transactions, the database emptied afterwards.
@pytest.mark.django_db(transaction=True)
def test_a_tiny_load_test_runs_every_page_without_a_failure_and_only_on_loopback(tmp_path):
    out = io.StringIO()
    call_command(
        "loadtest",
        "--database", connection.settings_dict["NAME"],
        *TINY,
        "--audit-events", "2000",
        "--users", "3",
        "--duration", "10",
        "--think", "0.2",
        "--spawn-rate", "3",
        "--output", str(tmp_path),
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "Built 300 children, the demo, 5 colleagues and 2,000 audit events" in text
    assert AuditEvent.objects.filter(request_id=INVENTED).count() == 2000
    assert "3 simulated people (1 practitioner, 1 member of the public, 1 monitor" in text
    # Every page of the workload was asked for, and none ever failed.
    for name in report.ORDER:
        row = re.search(ROW.format(name=re.escape(name)), text, re.M)
        assert row, f"no row for {name!r} in:\n{text}"
        assert int(row[1].replace(",", "")) > 0, name
        assert row[6] == "0", name
        assert float(row[3]) > 0, name
    health = re.search(ROW.format(name="health"), text, re.M)
    assert health[7] == "1.00"  # the baseline, against itself
    assert re.search(r"^all +[\d,]+ +[\d.]+ +\d+ +\d+ +\d+ +0 *$", text, re.M)
    assert "0 failed; hosts contacted: 127.0.0.1." in text
    assert "| page | requests | req/s | p50 ms | p95 ms | p99 ms | failures | ratio |" in text
    # Only loopback: every request went to 127.0.0.1, where gunicorn alone listened.
    (folder,) = tmp_path.iterdir()
    results = json.loads((folder / "results.json").read_text())
    assert results["hosts"] == ["127.0.0.1"]
    assert results["errors"] == []
    listening = re.findall(r"Listening at: (\S+)", (folder / "gunicorn.log").read_text())
    assert listening and all(url.startswith("http://127.0.0.1:") for url in listening)
    assert "| health |" in (folder / "report.md").read_text()
    assert not (folder / "plan.json").exists()  # the authenticator keys are not left behind
    # The work was real: a sign-in that passed the second factor, searches, concerns logged.
    assert AuditEvent.objects.filter(
        action=Action.SIGN_IN, username="amara.okafor", detail__second_factor="passed"
    ).exists()
    assert AuditEvent.objects.filter(action=Action.SEARCH, username="amara.okafor").exists()
    assert Concern.objects.filter(
        raised_by__username="amara.okafor", what_was_seen__contains="load test"
    ).exists()


def test_the_ratio_is_the_health_checks_median_over_the_pages():
    summary = report.summarise(
        {
            "started": 0.0,
            "stopped": 10.0,
            "hosts": ["127.0.0.1"],
            "errors": [],
            "pages": {
                "health": {"times": [2.0, 4.0, 3.0], "failures": 0},
                "child card": {"times": [30.0, 10.0, 20.0, 40.0, 50.0], "failures": 1},
            },
        }
    )
    card, health = summary.row("child card"), summary.row("health")
    assert (card.requests, card.per_second, card.p50, card.p95, card.failures) == (
        5, 0.5, 30.0, 50.0, 1
    )  # fmt: skip
    assert card.ratio == pytest.approx(3.0 / 30.0)
    assert health.ratio == 1.0
    assert [row.name for row in summary.rows] == ["child card", "health"]  # the table's order
    assert (summary.total.requests, summary.failures) == (8, 1)


def test_the_load_test_refuses_a_database_it_could_empty_by_mistake():
    with pytest.raises(CommandError, match="loadtest"):
        call_command("loadtest", "--database", "lisa", stdout=io.StringIO())


ALONE_ROW = (
    r"^{name} +([\d,]+) +([\d.]+) +(\d+) +([\d,]+) +([\d.]+)(?: +([\d.]+) \((met|not met)\))?"
    r" +([\d.]+) +([\d.]+) +([\d.]+) *$"
)


@pytest.mark.django_db(transaction=True)
def test_pages_alone_are_each_measured_against_the_health_check(tmp_path):
    out = io.StringIO()
    call_command(
        "loadtest",
        "--alone",
        "--alone-seconds", "3",
        "--alone-users", "2",
        "--database", connection.settings_dict["NAME"],
        *TINY,
        "--audit-events", "500",
        "--output", str(tmp_path),
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "each page alone for 3 s, 2 people asking for it again as soon as it answers" in text
    for name in report.ALONE:
        row = re.search(ALONE_ROW.format(name=re.escape(name)), text, re.M)
        assert row, f"no row for {name!r} in:\n{text}"
        assert int(row[1].replace(",", "")) > 1, name
        assert float(row[2]) > 0, name
        assert row[4] == "0", name
        assert (row[6] is None) == (name == "health"), name
        # The CPU a request while the page was asked for: the web servers' is part of all.
        web, database, everything = float(row[8]), float(row[9]), float(row[10])
        assert 0 < web <= everything and database <= everything, name
    assert re.search(ALONE_ROW.format(name="health"), text, re.M)[5] == "1.00"
    (folder,) = tmp_path.iterdir()
    assert "| child record |" in (folder / "report.md").read_text()
    assert not (folder / "plan.json").exists()
    # Every page was asked for by people who signed in with their second factor first.
    assert (
        AuditEvent.objects.filter(action=Action.SIGN_IN, detail__second_factor="passed").count()
        >= 2 * 6
    )


def test_a_page_alone_is_counted_from_its_first_answer_to_its_last():
    def run(name, times, first, last):
        return {"pages": {name: {"times": times, "failures": 0, "answered": [first, last]}}}

    rows = report.alone_rows(
        {
            "health": run("health", [1.0] * 101, 100.0, 110.0),  # 10 a second
            "child record": run("child record", [5.0] * 31, 200.0, 210.0),  # 3 a second
            "home": run("home", [4.0] * 51, 300.0, 310.0),  # 5 a second
        }
    )
    by_name = {row.name: row for row in rows}
    assert by_name["health"].per_second == pytest.approx(10.0)
    assert by_name["child record"].ratio == pytest.approx(0.3)
    assert by_name["home"].ratio == pytest.approx(0.5)
    text = report.alone_text(rows)
    assert re.search(r"^child record .* 0\.30 +0\.3 \(met\) *$", text, re.M)
    assert re.search(r"^home .* 0\.50 +0\.4 \(met\) *$", text, re.M)


def test_the_cpu_of_a_page_alone_is_shared_among_its_answers_in_the_window():
    """4 s of the window at 10 answers a second: 40 answers; 0.2 s of the web servers' CPU is
    5 ms each."""
    page = {"pages": {"home": {"times": [4.0] * 101, "failures": 0, "answered": [0.0, 10.0]}}}
    window = (4.0, {"web servers": 0.2, "task worker": 0.0, "database": 0.04, "machine": 0.4})
    (row,) = report.alone_rows({"home": page}, {"home": window})
    assert row.cpu == pytest.approx({"web": 5.0, "database": 1.0, "all": 10.0})
    assert re.search(r"^home .* 5\.0 +1\.0 +10\.0$", report.alone_text([row]), re.M)
    (unmeasured,) = report.alone_rows({"home": page}, {"home": None})
    assert unmeasured.cpu is None


def _snapshot(at: float) -> dict:
    return {"machine": None, "web": {1: at * 0.5}, "worker": {}, "database": {"ended": at * 0.1}}


def test_a_cpu_window_runs_from_the_first_snapshot_after_its_start_to_the_last_before_its_end():
    from loadtest import servers

    sampler = servers.CpuSampler(meter=None)
    sampler.snapshots = [(float(at), _snapshot(at)) for at in range(5)]
    wall, used = sampler.window(0.5, 3.5)  # the snapshots at 1, 2 and 3
    assert wall == 2.0
    assert used == pytest.approx({"web servers": 1.0, "task worker": 0.0, "database": 0.2})
    assert sampler.window(3.5, 10.0) is None  # one snapshot only

    class Meter:
        def _snapshot(self):
            return _snapshot(time.time())

    with servers.CpuSampler(Meter(), every=0.01) as live:
        time.sleep(0.1)
    assert len(live.snapshots) >= 3


def test_the_database_time_counts_the_backends_that_ended_during_the_run(settings):
    """A server keeps its connection for a minute and then opens another: the time of the
    backend that ended is still counted (a run once reported a quarter of the database's)."""
    import psutil
    import psycopg

    from lisa import embedded_db
    from loadtest import servers

    if not settings.EMBEDDED_DATABASE:
        pytest.skip("the embedded cluster's processes are measured; this database is elsewhere")
    name = connection.settings_dict["NAME"]
    before = servers._database_seconds(name)
    assert "ended" in before and len(before) >= 2
    address = embedded_db.url("superuser").rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(address) as busy:
        # About a quarter of a second of CPU in a backend that then ends.
        busy.execute("SELECT count(*) FROM generate_series(1, 3000000)").fetchone()
        backend = busy.info.backend_pid
    for _ in range(100):
        if not psutil.pid_exists(backend):
            break
        time.sleep(0.02)
    time.sleep(0.1)  # the postmaster has taken its child's count
    after = servers._database_seconds(name)
    assert backend not in after
    assert sum(max(0.0, after[key] - before.get(key, 0.0)) for key in after) >= 0.1


def test_a_database_process_that_ended_counts_only_its_time_after_the_first_snapshot():
    """A connection kept since before the window, closed within it: PostgreSQL's count of ended
    processes then holds all its time, of which only what it used within the window counts."""
    from loadtest import servers

    def snapshot(database):
        return {"machine": None, "web": {}, "worker": {}, "database": database}

    before = snapshot({"ended": 10.0, 7: 3.0, 8: 1.0})
    after = snapshot({"ended": 13.5, 8: 1.25})  # 7 ended, having used 3.5 s in all
    used = servers.CpuMeter.used(before, after)
    assert used["database"] == pytest.approx(0.5 + 0.25)
