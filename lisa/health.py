"""Health checks for load balancers and monitors, and how a database outage is recognised.

    /health/live/    liveness: the process answers. Never touches the database.
    /health/ready/   readiness: the database answers, every migration is applied and a task
                     worker has been seen lately. 200 when all pass, else 503 with the reasons.
    /health/         the database answers (kept as it was for probes already pointed at it).

All three are public and cheap, and say nothing a stranger could use: no host names, no error
messages, no migration names, no versions. Readiness keeps its answer for a few seconds in each
process (READY_KEEP_SECONDS), so that a load balancer probing often adds no work. They never
answer 500: a check that fails in a way nobody foresaw fails the readiness check (and is
logged) instead. They run outside the request transaction, because opening it needs the
database; and the outage middleware (lisa.middleware.DatabaseUnavailableMiddleware) drops their
cookies, so that no session or user is looked up for a probe.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from lisa.access import public

logger = logging.getLogger(__name__)

# Once every migration is found applied, that answer is kept this long in each process: a
# process only needs new migrations when its code changes, and then it has restarted.
MIGRATIONS_PASS_SECONDS = 60.0
_migrations_passed_at: float | None = None

# The readiness answer, passing or failing, is kept this long in each process: a load balancer
# probing a failing server every second would otherwise have it rebuild the migration graph
# (or wait to connect to a database that is away) for every probe.
READY_KEEP_SECONDS = 5.0

# PostgreSQL errors (SQLSTATE) that mean the database cannot be used at all for now, as against
# a problem with one statement (a deadlock, a time-out), which stays an ordinary server error.
# Classes 08 (connection exception) and 53 (insufficient resources: too many connections, disk
# full); 57P01-57P03: shut down by an administrator, crashed, starting up or shutting down.
_UNAVAILABLE_CLASSES = ("08", "53")
_UNAVAILABLE_STATES = {"57P01", "57P02", "57P03"}


def is_database_unavailable(error: BaseException | None) -> bool:
    """True when ``error`` means the database is out of reach: it could not be connected to,
    the connection was lost or closed, or the server is shutting down, starting up or refusing
    connections. Django's wrapped errors and psycopg's own are both recognised."""
    import psycopg
    from django import db

    if isinstance(error, db.InterfaceError | psycopg.InterfaceError):
        return True
    if not isinstance(error, db.OperationalError | psycopg.OperationalError):
        return False
    cause = error.__cause__ if isinstance(error.__cause__, psycopg.Error) else error
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is None:
        return True  # raised by the client: refused, unreachable, the connection is gone
    return sqlstate.startswith(_UNAVAILABLE_CLASSES) or sqlstate in _UNAVAILABLE_STATES


def discard_connections() -> None:
    """Close every database connection this thread holds, so that the next request opens a
    new one rather than reusing one the outage broke. Closing a broken connection can fail."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - it is being thrown away either way
            connection.connection = None


# --- the checks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not checked, because another check it needs failed
    reason: str = ""

    def as_json(self) -> dict:
        state = {True: "ok", False: "failing", None: "not checked"}[self.ok]
        return {"state": state, **({"reason": self.reason} if self.reason else {})}


def check_database() -> Check:
    """The database answers a query."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - whatever went wrong, it is not ready
        if not is_database_unavailable(error):
            logger.exception("The database check failed.")
        discard_connections()
        return Check("database", False, "the database cannot be reached")
    return Check("database", True)


def check_migrations() -> Check:
    """Every migration this code knows of is applied (what ``migrate --check`` asks)."""
    global _migrations_passed_at
    if (
        _migrations_passed_at is not None
        and time.monotonic() - _migrations_passed_at < MIGRATIONS_PASS_SECONDS
    ):
        return Check("migrations", True)
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        _migrations_passed_at = None
        count = len(plan)
        return Check(
            "migrations", False, f"{count} migration{'s' if count != 1 else ''} not applied"
        )
    _migrations_passed_at = time.monotonic()
    return Check("migrations", True)


def check_worker() -> Check:
    """A task worker ran its heartbeat (lisa/tasks.py) within LISA_WORKER_STALE_SECONDS. Where
    tasks run in the web process there is no worker to wait for."""
    from lisa.tasks import uses_database_worker, worker_last_seen

    if not uses_database_worker():
        return Check("worker", True)
    stale = settings.LISA_WORKER_STALE_SECONDS
    seen = worker_last_seen()
    if seen is None or (timezone.now() - seen).total_seconds() > stale:
        return Check("worker", False, f"no task worker seen in the last {stale} seconds")
    return Check("worker", True)


def readiness() -> list[Check]:
    """Every check, in order; those that need the database are skipped when it is away."""
    database = check_database()
    if not database.ok:
        return [database, Check("migrations", None), Check("worker", None)]
    checks = [database]
    for name, check in (("migrations", check_migrations), ("worker", check_worker)):
        try:
            checks.append(check())
        except Exception as error:  # noqa: BLE001 - a readiness check must never answer 500
            if is_database_unavailable(error):
                discard_connections()
                checks.append(Check(name, False, "the database cannot be reached"))
            else:
                logger.exception("The %s check failed.", name)
                checks.append(Check(name, False, "the check could not be made"))
    return checks


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]
    made_at: float  # time.monotonic() when the checks were made


_kept_readiness: Readiness | None = None


def kept_readiness() -> tuple[Check, ...]:
    """The checks made at most READY_KEEP_SECONDS ago in this process, else made afresh. The
    clock is monotonic, so that a change of the system's time cannot keep an answer longer."""
    global _kept_readiness
    kept = _kept_readiness
    if kept is not None and time.monotonic() - kept.made_at < READY_KEEP_SECONDS:
        return kept.checks
    checks = tuple(readiness())
    _kept_readiness = Readiness(checks, time.monotonic())
    return checks


def forget_readiness() -> None:
    """Forget the kept readiness answer: the next probe makes the checks again."""
    global _kept_readiness
    _kept_readiness = None


# --- the views -------------------------------------------------------------------------------


def _probe(view):
    """A health view: public, never cached, outside the request transaction."""
    return public(transaction.non_atomic_requests(never_cache(view)))


@_probe
def live(request: HttpRequest) -> JsonResponse:
    """Anyone (public): 200 while the process can answer. No database, no session."""
    return JsonResponse({"status": "ok"})


@_probe
def ready(request: HttpRequest) -> JsonResponse:
    """Anyone (public): each check and its state; 200 when all pass, 503 with the reasons. The
    answer is the one kept for up to READY_KEEP_SECONDS (:func:`kept_readiness`)."""
    checks = kept_readiness()
    failing = [f"{check.name}: {check.reason}" for check in checks if check.ok is False]
    body = {
        "status": "unavailable" if failing else "ok",
        "checks": {check.name: check.as_json() for check in checks},
    }
    if failing:
        body["reasons"] = failing
    return JsonResponse(body, status=503 if failing else 200)


@_probe
def database(request: HttpRequest) -> JsonResponse:
    """Anyone (public): 200 when the database answers, 503 when it does not."""
    if check_database().ok:
        return JsonResponse({"status": "ok"})
    return JsonResponse({"status": "database unavailable"}, status=503)
