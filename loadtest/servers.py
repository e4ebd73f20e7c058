"""The servers under load: gunicorn and a task worker, on the loopback address only (started
and stopped with :mod:`lisa.processes`).

They run with production's settings wherever those change the work done per request: no
debug, the second factor required at every sign-in, the application's own database role (which
the system check makes sure cannot rewrite the audit trail), sessions, cache and rate limits in
the database, a load balancer in front (``LISA_TRUSTED_PROXY_COUNT=1``, so each simulated person
is told apart by their forwarded address). ``LISA_ENV`` is left unset: in production the
cookies are HTTPS-only (``__Host-``, ``Secure``), and a client on plain HTTP over loopback
cannot send them back. Mail goes nowhere (Django's dummy backend) and Redis is not used, so
nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import os
import resource
import secrets
import subprocess
import threading
import time
from pathlib import Path

import psutil
from django.conf import settings
from django.core.management.base import CommandError

from lisa import processes
from lisa.processes import HOST

STARTUP_SECONDS = 60
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


def database_url(name: str, given: str | None) -> str:
    """The URL the servers connect with: the application's role, on database ``name``."""
    if given:
        return given
    if not settings.EMBEDDED_DATABASE:
        raise CommandError(
            "With DATABASE_URL set, give --server-database-url: the load-test database reached "
            "as the application's role."
        )
    from lisa import embedded_db

    return embedded_db.url("app").rsplit("/", 1)[0] + f"/{name}"


def environment(database: str, port: int) -> dict[str, str]:
    """The servers' environment: this one without LISA's own settings, then the load test's."""
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LISA_", "DJANGO_"))
        and key not in ("DATABASE_URL", "REDIS_URL", "EMAIL_BACKEND", "EMAIL_HOST")
        and key.lower() not in PROXY_VARIABLES
    }
    return {
        **kept,
        "DATABASE_URL": database,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "LISA_ENFORCE_DB_ROLE": "1",
        "LISA_REQUIRE_SECOND_FACTOR": "1",
        "LISA_TRUSTED_PROXY_COUNT": "1",
        "LISA_SITE_URL": f"http://{HOST}:{port}",
        "LISA_LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PYTHONUNBUFFERED": "1",
    }


def wait_until_serving(url: str, running: dict[Path, subprocess.Popen], warm: int) -> None:
    """Until the sign-in page answers (:func:`lisa.processes.wait_until_serving`); then ``warm``
    more requests, so that each gunicorn process has loaded the views before the measured run.
    Fails if a process stops."""
    try:
        processes.wait_until_serving(url, running, within=STARTUP_SECONDS)
    except processes.ProcessFailed as error:
        raise CommandError(f"The servers did not start: {error}") from error
    for _ in range(warm):
        for path in ("/sign-in/", "/directory/public/", "/health/"):
            with processes.opener.open(url + path, timeout=STARTUP_SECONDS):
                pass


# --- where the CPU went -------------------------------------------------------------------------


def _machine_jiffies() -> tuple[int, int] | None:
    """(busy, all) CPU time of the whole machine since boot, from /proc/stat (Linux)."""
    try:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = values[3] + values[4]  # idle and waiting for I/O
    steal = values[7]  # the time another virtual machine had the CPU: not this one's work
    return sum(values) - idle - steal, sum(values)


def _tree_seconds(pids: list[int]) -> dict[int, float]:
    """CPU seconds used so far by each of ``pids`` and their descendants."""
    seconds: dict[int, float] = {}
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(pid)
            for process in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = process.cpu_times()
                    seconds[process.pid] = times.user + times.system
    return seconds


def _database_seconds(name: str) -> dict:
    """CPU seconds used so far by the embedded cluster working for database ``name``: each of
    its backends (those of other databases left out) and its shared background processes, and,
    under ``"ended"``, every process of the cluster that has ended, whatever its database
    (PostgreSQL's count of its children's time, from the postmaster). A server keeps a
    connection for a minute, then opens another: the closed backend's time is counted there.
    Empty with DATABASE_URL: the database server may be elsewhere."""
    if not settings.EMBEDDED_DATABASE:
        return {}
    from lisa import embedded_db

    try:
        master = psutil.Process(int((embedded_db.PGDATA / "postmaster.pid").read_text().split()[0]))
        children = master.children()
        times = master.cpu_times()
    except (OSError, ValueError, psutil.Error):
        return {}
    seconds: dict = {master.pid: times.user + times.system}
    for child in children:
        with contextlib.suppress(psutil.Error):
            # A client backend is titled "postgres: USER DATABASE HOST(PORT) STATE".
            title = ((child.cmdline() or [""])[0]).split()
            backend = len(title) >= 4 and ("(" in title[3] or title[3] == "[local]")
            if not backend or title[2] == name:
                own = child.cpu_times()
                seconds[child.pid] = own.user + own.system
    seconds["ended"] = times.children_user + times.children_system
    return seconds


def _jiffies_between(before: dict, after: dict) -> tuple[int, int] | None:
    """The machine's busy jiffies and all its jiffies from one snapshot to another, if known."""
    if not (after["machine"] and before["machine"]):
        return None
    return (
        after["machine"][0] - before["machine"][0],
        after["machine"][1] - before["machine"][1],
    )


class CpuMeter:
    """CPU used during the measured run: the machine's, and the seconds of the web servers,
    the task worker, the database and the load generator (locust, a child of this process)."""

    def __init__(self, web: subprocess.Popen, worker: subprocess.Popen, database: str):
        self.web, self.worker, self.database = web, worker, database

    def _snapshot(self) -> dict:
        return {
            "wall": time.monotonic(),
            "machine": _machine_jiffies(),
            "web": _tree_seconds([self.web.pid]),
            "worker": _tree_seconds([self.worker.pid]),
            "database": _database_seconds(self.database),
            "client": resource.getrusage(resource.RUSAGE_CHILDREN),
        }

    def start(self) -> None:
        self.before = self._snapshot()

    @staticmethod
    def used(before: dict, after: dict) -> dict[str, float]:
        """Seconds of CPU the web servers, the task worker and the database used from one
        snapshot to another, and the whole machine ("machine": every process's, busy)."""
        used = {}
        for part, label in (
            ("web", "web servers"),
            ("worker", "task worker"),
            ("database", "database"),
        ):
            used[label] = sum(
                max(0.0, seconds - before[part].get(pid, 0.0))
                for pid, seconds in after[part].items()
            )
        # A database process that ended in between has all its time in "ended", what it had
        # used before the first snapshot too: that part was not used in between.
        earlier = sum(
            seconds
            for pid, seconds in before["database"].items()
            if pid != "ended" and pid not in after["database"]
        )
        used["database"] = max(0.0, used["database"] - earlier)
        machine = _jiffies_between(before, after)
        if machine is not None:
            used["machine"] = machine[0] / os.sysconf("SC_CLK_TCK")
        return used

    def stop(self) -> dict:
        """Seconds of CPU each part used since :meth:`start`, and the machine's busy share."""
        after, before = self._snapshot(), self.before
        used = self.used(before, after)
        used.pop("machine", None)
        client_after, client_before = after["client"], before["client"]
        used["load generator"] = (client_after.ru_utime + client_after.ru_stime) - (
            client_before.ru_utime + client_before.ru_stime
        )
        machine = _jiffies_between(before, after)
        busy = None if machine is None else machine[0] / max(machine[1], 1)
        cpus = os.cpu_count() or 1
        # The share of the machine the load test's own processes took (the rest was other work).
        own = sum(used.values()) / max(cpus * (after["wall"] - before["wall"]), 1e-9)
        return {"seconds": used, "busy": busy, "own": own, "cpus": cpus}


class CpuSampler:
    """A :class:`CpuMeter`'s snapshots, taken every ``every`` seconds while a block runs, so that
    a window inside it (a page's first answer to its last, leaving out the sign-ins before)
    can be measured afterwards."""

    def __init__(self, meter: CpuMeter, every: float = 0.5):
        self.meter, self.every = meter, every
        self.snapshots: list[tuple[float, dict]] = []
        self._done = threading.Event()

    def __enter__(self) -> CpuSampler:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while True:
            self.snapshots.append((time.time(), self.meter._snapshot()))
            if self._done.wait(self.every):
                return

    def window(self, start: float, end: float) -> tuple[float, dict[str, float]] | None:
        """(seconds of wall time, CPU seconds of each part) from the first snapshot at or after
        ``start`` to the last at or before ``end``; None with fewer than two in between."""
        inside = [(at, snapshot) for at, snapshot in self.snapshots if start <= at <= end]
        if len(inside) < 2:
            return None
        (first_at, first), (last_at, last) = inside[0], inside[-1]
        return last_at - first_at, CpuMeter.used(first, last)
