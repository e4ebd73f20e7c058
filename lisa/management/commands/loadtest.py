"""Load test: many people at once against a large invented record, on the loopback address.

    LISA_DB_ROLE=superuser python manage.py loadtest                  # make loadtest
    LISA_DB_ROLE=superuser python manage.py loadtest --users 60 --duration 300 --rebuild

Prepares its own database (``lisa_loadtest`` by default: 100,000 children, 1,000,000 audit
events, the demo and its people; kept for later runs, see loadtest/data.py), starts gunicorn
(``--workers`` processes) and a task worker on 127.0.0.1 with production's settings where they
matter (loadtest/servers.py), and runs locust headless in a process of its own for
``--duration`` seconds with ``--users`` simulated people (loadtest/locustfile.py): practitioners
who sign in with their second factor and search, open cards and records, read their messages
and the directory and now and then log a concern; members of the public on the public directory
and the open-data API; and a monitor asking ``/health/`` at a fixed rate, the baseline. Then it
stops everything and reports, per page, requests, requests per second, p50/p95/p99 and failures,
and the page's speed relative to ``/health/`` (loadtest/report.py), in text and Markdown; the
report, and every response time, are kept in ``--output``. It fails (exit status 1) on any
failed request or error in the workload, or if anything but the loopback address was contacted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from audit.models import AuditEvent
from children.models import Child
from lisa import processes
from loadtest import data, report, servers

LOCUSTFILE = Path(data.__file__).with_name("locustfile.py")
HEALTH_PER_SECOND = 2.0
PUBLIC_SHARE = 0.2  # of the simulated people (less the monitor): members of the public


def _cpu(cpu: dict, requests: int) -> str:
    """How busy the machine was, and the CPU time each part spent per request."""
    busy = f", {cpu['own']:.0%} used by the load test's processes"
    if cpu["busy"] is not None:
        busy = f", {cpu['busy']:.0%} busy{busy}"
    each = ", ".join(
        f"{part} {1000 * seconds / max(requests, 1):.1f} ms"
        for part, seconds in cpu["seconds"].items()
    )
    return f"CPU during the run: {_count(cpu['cpus'], 'CPU')}{busy}; CPU time per request: {each}."


def _where(options, name: str) -> tuple[Path, int, str, str]:
    """A new folder for this run's report, a free port on loopback, its URL, and the database
    as the servers reach it."""
    folder = Path(options["output"]) / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=True)
    port = processes.free_port()
    url = f"http://{servers.HOST}:{port}"
    return folder, port, url, servers.database_url(name, options["server_database_url"])


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


class Command(BaseCommand):
    help = (
        "Run a mixed workload against gunicorn on loopback with a large invented record and "
        "report requests/s and p50/p95/p99 per page (see docs/performance.md, 'Load test')."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=30, help="simulated people (at least 3)")
        parser.add_argument("--duration", type=int, default=120, help="seconds of load")
        parser.add_argument("--spawn-rate", type=float, default=1.0, help="people started a second")
        parser.add_argument(
            "--think",
            type=float,
            default=2.0,
            help="mean seconds a person waits between steps (from half to one and a half times)",
        )
        parser.add_argument("--workers", type=int, default=3, help="gunicorn processes")
        parser.add_argument("--children", type=int, default=100_000)
        parser.add_argument("--audit-events", type=int, default=1_000_000)
        parser.add_argument("--staff", type=int, default=200, help="invented colleagues")
        parser.add_argument(
            "--database",
            default="lisa_loadtest",
            help="the database to build in (its name must contain 'loadtest', or be a test "
            "database); kept for later runs",
        )
        parser.add_argument("--rebuild", action="store_true")
        parser.add_argument(
            "--load-workers",
            type=int,
            default=max(1, os.cpu_count() or 1),
            help="processes making the children when building",
        )
        parser.add_argument(
            "--server-database-url",
            help="the database as the application's role reaches it (needed with DATABASE_URL; "
            "the embedded database's own role otherwise)",
        )
        parser.add_argument(
            "--alone",
            action="store_true",
            help="instead of the mixed workload, each page on its own, as fast as the servers "
            "answer, and its requests a second beside /health/'s",
        )
        parser.add_argument("--alone-seconds", type=int, default=20, help="seconds for each page")
        parser.add_argument(
            "--alone-users", type=int, default=0, help="people at once (twice --workers if 0)"
        )
        parser.add_argument("--output", default="var/loadtest", help="where reports are kept")
        parser.add_argument("--seed", type=int, default=20261206)

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        users, duration = options["users"], options["duration"]
        if users < 3:
            raise CommandError(
                "At least 3 users: a practitioner, a member of the public, a monitor."
            )
        if duration < 1 or options["workers"] < 1 or options["think"] <= 0:
            raise CommandError("--duration, --workers and --think must be positive.")
        sizes = data.Sizes(options["children"], options["audit_events"], options["staff"])
        if min(sizes.children, sizes.audit_events) < 1:
            raise CommandError("--children and --audit-events must be at least 1.")
        if sizes.children >= 1_000_000:
            # The loaded children's references (L0000001…) stay below the demo's (L1000000…).
            raise CommandError("--children must be under 1,000,000.")
        name = options["database"]
        if data.open_database(name, sizes, rebuild=options["rebuild"], stdout=self.stdout):
            data.build(self, sizes, workers=options["load_workers"], seed=options["seed"])
        else:
            self.stdout.write("Reusing the load-test database.")
        if options["alone"]:
            self._alone(options, name, sizes)
            return
        public = max(1, round(PUBLIC_SHARE * (users - 1)))
        practitioners = users - 1 - public
        plan = data.prepare_run(practitioners, sizes, options["seed"])
        machine = data.describe()
        contents = (
            f"{Child.objects.count():,} children ({sizes.children:,} loaded, the rest the "
            f"demo's), {AuditEvent.objects.count():,} audit events"
        )
        folder, port, url, server_database = _where(options, name)
        results_path = folder / "results.json"
        plan.update(
            practitioner_count=practitioners,
            public_count=public,
            think_seconds=options["think"],
            health_per_second=HEALTH_PER_SECOND,
            results=str(results_path.resolve()),
        )
        # The plan holds the authenticator keys: readable by its owner only, and removed after.
        plan_path = folder / "plan.json"
        plan_path.touch(mode=0o600)
        plan_path.write_text(json.dumps(plan))
        setup = (
            f"{users} simulated people ({_count(practitioners, 'practitioner')}, "
            f"{_count(public, 'member', 'members')} of the public, 1 monitor asking /health/ "
            f"{HEALTH_PER_SECOND:g} times a second) for {duration} s, thinking "
            f"{options['think'] / 2:g}-{options['think'] * 1.5:g} s between steps, started "
            f"{options['spawn_rate']:g} a second; gunicorn with "
            f"{_count(options['workers'], 'process', 'processes')} and a task worker on {url}"
        )
        self.stdout.write(f"Load test: {setup}.")
        connections.close_all()
        try:
            cpu = self._run(url, port, server_database, options, plan_path, folder)
        finally:
            plan_path.unlink(missing_ok=True)
        if not results_path.exists():
            raise CommandError(f"The workload wrote no results; see {folder / 'locust.log'}.")
        summary = report.summarise(json.loads(results_path.read_text()))
        self._report(summary, folder, setup=setup, machine=machine, contents=contents, cpu=cpu)

    def _run(self, url, port, server_database, options, plan_path: Path, folder: Path) -> dict:
        """Start the servers, run the workload, stop them; the CPU used meanwhile."""
        with self._servers(url, port, server_database, options, folder) as running:
            web, worker = running.values()
            meter = servers.CpuMeter(web, worker, options["database"])
            meter.start()
            self._locust(
                url,
                running,
                plan_path,
                folder / "locust.log",
                users=options["users"],
                spawn_rate=options["spawn_rate"],
                seconds=options["duration"],
            )
            return meter.stop()

    @contextlib.contextmanager
    def _servers(self, url, port, server_database, options, folder: Path):
        """gunicorn and a task worker on ``url`` while the block runs, stopped after it."""
        env = servers.environment(server_database, port)
        commands = {
            folder / "gunicorn.log": processes.gunicorn(port, options["workers"]),
            folder / "worker.log": processes.task_worker("loadtest"),
        }
        running: dict[Path, subprocess.Popen] = {}
        try:
            for log, args in commands.items():
                running[log] = processes.launch(args, env, log)
            servers.wait_until_serving(url, running, warm=options["workers"])
            self._client_env = {
                key: value
                for key, value in env.items()
                if not key.startswith(("LISA_", "DJANGO_", "LOCUST_"))
                and key not in ("DATABASE_URL",)
            }
            yield running
        finally:
            processes.stop(running.values())

    def _locust(self, url, running, plan_path: Path, log: Path, *, users, spawn_rate, seconds):
        """Run locust headless with the plan at ``plan_path`` for ``seconds``."""
        client_env = {**self._client_env, "LISA_LOADTEST_PLAN": str(plan_path.resolve())}
        args = [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
            "--host", url, "--users", str(users), "--spawn-rate", str(spawn_rate),
            "--run-time", f"{seconds}s",
            "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING",
        ]  # fmt: skip
        with open(log, "wb") as out:
            finished = subprocess.run(  # noqa: S603 - our own interpreter and arguments
                args,
                cwd=processes.ROOT,
                env=client_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=seconds + 120,
                check=False,
            )
        if finished.returncode != 0:
            raise CommandError(
                f"locust ended with status {finished.returncode}:\n{log.read_text()[-3000:]}"
            )

    def _alone(self, options, name: str, sizes: data.Sizes) -> None:
        """Each page of :data:`report.ALONE` on its own, one after another against the same
        servers: its requests a second, and that rate beside ``/health/``'s."""
        users = options["alone_users"] or 2 * options["workers"]
        seconds = options["alone_seconds"]
        if users < 1 or seconds < 1:
            raise CommandError("--alone-users and --alone-seconds must be positive.")
        signed_in = [page for page in report.ALONE if page not in report.SIGNED_OUT]
        # A person a page: a code from an authenticator is accepted once in its 30 seconds.
        plan = data.prepare_run(users * len(signed_in), sizes, options["seed"])
        machine = data.describe()
        contents = (
            f"{Child.objects.count():,} children, {AuditEvent.objects.count():,} audit events"
        )
        folder, port, url, server_database = _where(options, name)
        setup = (
            f"each page alone for {seconds} s, {users} people asking for it again as soon as "
            f"it answers; gunicorn with {_count(options['workers'], 'process', 'processes')} "
            f"and a task worker on {url}"
        )
        self.stdout.write(f"Load test, pages alone: {setup}.")
        connections.close_all()
        results, cpu = {}, {}
        plan_path = folder / "plan.json"
        try:
            with self._servers(url, port, server_database, options, folder) as running:
                meter = servers.CpuMeter(*running.values(), options["database"])
                for page in report.ALONE:
                    people = []
                    if page in signed_in:
                        first = signed_in.index(page) * users
                        people = plan["practitioners"][first : first + users]
                    results[page], window = self._one_page_alone(
                        page,
                        {**plan, "practitioners": people, "alone_users": users},
                        plan_path,
                        folder,
                        url=url,
                        running=running,
                        meter=meter,
                        seconds=seconds,
                    )
                    if window is not None:
                        cpu[page] = window
                    if self.verbosity:
                        self.stdout.write(f"  {page}: done")
        finally:
            plan_path.unlink(missing_ok=True)
        self._alone_report(results, cpu, folder, setup=setup, machine=machine, contents=contents)

    def _one_page_alone(self, page, plan, plan_path, folder, *, url, running, meter, seconds):
        """Ask for ``page`` alone for ``seconds``: its results, and the CPU used from its first
        answer to its last (None if it had none)."""
        slug = "".join(c if c.isalnum() else "-" for c in page)
        results_path = folder / f"alone-{slug}.json"
        plan_path.touch(mode=0o600)
        plan_path.write_text(
            json.dumps(
                {
                    **plan,
                    "alone": page,
                    "practitioner_count": 0,
                    "public_count": 0,
                    "think_seconds": 0.1,
                    "health_per_second": HEALTH_PER_SECOND,
                    "results": str(results_path.resolve()),
                }
            )
        )
        users = plan["alone_users"]
        with servers.CpuSampler(meter) as sampler:
            self._locust(
                url,
                running,
                plan_path,
                folder / f"locust-{slug}.log",
                users=users,
                spawn_rate=users,
                seconds=seconds,
            )
        if not results_path.exists():
            raise CommandError(f"No results for {page}; see {folder}.")
        results = json.loads(results_path.read_text())
        answered = (results["pages"].get(page) or {}).get("answered")
        return results, sampler.window(*answered) if answered else None

    def _alone_report(self, results, cpu, folder, *, setup, machine, contents) -> None:
        """Write the pages-alone table (text, Markdown and report.md), and fail on any failed
        answer, error, page with no answers or host other than loopback."""
        rows = report.alone_rows(results, cpu)
        lines = [f"Machine: {machine}.", f"Database: {contents}."]
        table = report.alone_markdown(rows)
        self.stdout.write("\n" + report.alone_text(rows) + "\n")
        self.stdout.write(report.ALONE_NOTE + ".")
        self.stdout.write("\n".join(lines))
        (folder / "report.md").write_text(
            "\n\n".join([f"Pages alone: {setup}.", "\n".join(lines), table, report.ALONE_NOTE])
            + ".\n"
        )
        self.stdout.write("\nIn Markdown:\n\n" + table + "\n")
        self.stdout.write(f"Report and response times kept in {folder}/.")
        problems = [f"{row.name}: {row.failures} failed" for row in rows if row.failures]
        problems += [
            f"{e['page']}: {e['error']} (×{e['count']})"
            for page in results.values()
            for e in page["errors"]
        ]
        problems += [f"{row.name}: no answers" for row in rows if not row.requests]
        hosts = sorted({host for page in results.values() for host in page["hosts"]})
        if hosts != [servers.HOST]:
            problems.append(f"hosts contacted: {hosts} (only {servers.HOST} may be)")
        if problems:
            raise CommandError("The load test failed: " + "; ".join(problems)[:3000] + ".")

    def _report(self, summary: report.Summary, folder: Path, **about) -> None:
        table = report.markdown_table(summary)
        total = summary.total
        lines = [
            f"Machine: {about['machine']}.",
            f"Database: {about['contents']}.",
            f"Measured over {summary.seconds:.0f} s: {total.requests:,} requests, "
            f"{total.per_second:.1f} requests/s, {total.failures:,} failed; hosts contacted: "
            f"{', '.join(summary.hosts) or 'none'}.",
            _cpu(about["cpu"], total.requests),
        ]
        self.stdout.write("\n" + report.text_table(summary) + "\n")
        self.stdout.write(report.RATIO_NOTE + ".")
        self.stdout.write("\n".join(lines))
        markdown = "\n\n".join(
            [f"Load test: {about['setup']}.", "\n".join(lines), table, report.RATIO_NOTE + "."]
        )
        (folder / "report.md").write_text(markdown + "\n")
        self.stdout.write("\nIn Markdown:\n\n" + table + "\n")
        self.stdout.write(f"Report and response times kept in {folder}/.")
        problems = []
        if summary.failures:
            problems.append(f"{summary.failures:,} requests failed")
        if summary.errors:
            shown = "; ".join(f"{e['page']}: {e['error']} (×{e['count']})" for e in summary.errors)
            problems.append(f"errors: {shown[:3000]}")
        if summary.hosts != [servers.HOST]:
            problems.append(f"hosts contacted: {summary.hosts} (only {servers.HOST} may be)")
        missing = [name for name in report.ORDER if summary.row(name) is None]
        if missing:
            problems.append(f"pages never requested: {', '.join(missing)}")
        if problems:
            raise CommandError("The load test failed: " + "; ".join(problems) + ".")
