"""Health checks (lisa/health.py), the worker's heartbeat (lisa/tasks.py) and the page every
request gets while the database is out of reach (DatabaseUnavailableMiddleware).

A real outage, with a database cluster stopped and started under a running server, is in
tests/lisa/test_database_outage.py; here the database fails on purpose, in one place at a time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib

import psycopg
import psycopg.errors
import pytest
import time_machine
from django import db
from django.conf import settings
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, RequestFactory
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from audit.tasks import schedule_next_seal
from lisa import health
from lisa.middleware import DatabaseUnavailableMiddleware
from lisa.tasks import schedule_heartbeat, worker_heartbeat, worker_last_seen

UNAVAILABLE = "Sorry, the service is unavailable"
# Words an error from the database may carry, which no public answer may repeat.
SECRET = 'connection to server at "db.internal.example", port 5432 failed: password for lisa_app'


def outage() -> db.OperationalError:
    """What Django raises when the server has gone: its own error, caused by psycopg's."""
    error = db.OperationalError(SECRET)
    error.__cause__ = psycopg.OperationalError(SECRET)
    return error


@pytest.fixture
def discarded(monkeypatch):
    """Records each discarding of the connections instead of doing it: closing the test's own
    connection would end the transaction every test runs in."""
    calls = []
    monkeypatch.setattr(health, "discard_connections", lambda: calls.append(True))
    return calls


@pytest.fixture
def database_down(monkeypatch, discarded):
    """Every query fails as it does when the database server has stopped."""

    def refuse(*args, **kwargs):
        raise outage()

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    return discarded


@pytest.fixture(autouse=True)
def _fresh_checks(monkeypatch):
    """Each test makes the checks afresh, and leaves no answer kept for the next."""
    monkeypatch.setattr(health, "_migrations_passed_at", None)
    health.forget_readiness()
    yield
    health.forget_readiness()


def age_kept_readiness(seconds: float) -> None:
    """Make the kept readiness answer ``seconds`` older, as time passing would."""
    kept = health._kept_readiness
    assert kept is not None, "no readiness answer is kept"
    health._kept_readiness = dataclasses.replace(kept, made_at=kept.made_at - seconds)


@pytest.fixture
def worker_seen(db):
    """A worker ran the heartbeat just now."""
    worker_heartbeat.call()


def ready(client) -> tuple[int, dict]:
    response = client.get("/health/ready/")
    assert response["Cache-Control"].startswith("max-age=0")
    return response.status_code, response.json()


# --- which errors mean the database is out of reach -----------------------------------------


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (outage(), True),
        (psycopg.OperationalError("connection refused"), True),
        (psycopg.errors.ConnectionFailure("lost"), True),
        (psycopg.errors.AdminShutdown("terminating connection"), True),
        (psycopg.errors.CannotConnectNow("the database system is starting up"), True),
        (psycopg.errors.TooManyConnections("too many clients"), True),
        (db.InterfaceError("connection already closed"), True),
        (psycopg.errors.DeadlockDetected("deadlock"), False),
        (psycopg.errors.QueryCanceled("statement timeout"), False),
        (db.IntegrityError("duplicate key"), False),
        (ValueError("nothing to do with it"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_only_errors_of_reaching_the_database_count_as_an_outage(error, unavailable):
    assert health.is_database_unavailable(error) is unavailable


def test_a_wrapped_error_is_judged_by_its_cause():
    deadlock = db.OperationalError("deadlock detected")
    deadlock.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    shutdown = db.OperationalError("terminating connection due to administrator command")
    shutdown.__cause__ = psycopg.errors.AdminShutdown("terminating connection")
    assert not health.is_database_unavailable(deadlock)
    assert health.is_database_unavailable(shutdown)


# --- liveness --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_liveness_answers_without_touching_the_database_even_for_a_signed_in_browser(
    amara, django_assert_num_queries
):
    client = Client()
    client.force_login(amara)
    with django_assert_num_queries(0):
        response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_liveness_answers_while_the_database_is_down(database_down):
    response = Client(raise_request_exception=False).get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- readiness -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ready_when_the_database_answers_migrations_are_applied_and_a_worker_was_seen(
    client, worker_seen
):
    status, body = ready(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {
            "database": {"state": "ok"},
            "migrations": {"state": "ok"},
            "worker": {"state": "ok"},
        },
    }


@pytest.mark.django_db
def test_not_ready_when_no_worker_has_ever_run(client):
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["worker"] == {
        "state": "failing",
        "reason": "no task worker seen in the last 300 seconds",
    }
    assert body["reasons"] == ["worker: no task worker seen in the last 300 seconds"]
    assert body["checks"]["database"] == {"state": "ok"}


@pytest.mark.django_db
def test_a_worker_is_stale_once_its_last_heartbeat_is_older_than_the_setting(client, settings):
    settings.LISA_WORKER_STALE_SECONDS = 120
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        worker_heartbeat.call()
    with time_machine.travel(start + dt.timedelta(seconds=119), tick=False):
        assert ready(client)[0] == 200
    health.forget_readiness()
    with time_machine.travel(start + dt.timedelta(seconds=121), tick=False):
        status, body = ready(client)
    assert status == 503
    assert body["reasons"] == ["worker: no task worker seen in the last 120 seconds"]


@pytest.mark.django_db
def test_not_ready_while_migrations_are_unapplied_and_the_count_alone_is_told(
    client, worker_seen, monkeypatch
):
    plan = [("children.0099_not_applied", False), ("audit.0099_not_applied", False)]
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: plan)
    response = client.get("/health/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["migrations"] == {
        "state": "failing",
        "reason": "2 migrations not applied",
    }
    assert body["reasons"] == ["migrations: 2 migrations not applied"]
    assert "0099" not in response.content.decode()


@pytest.mark.django_db
def test_migrations_once_found_applied_are_not_looked_at_again_for_a_minute(
    client, worker_seen, monkeypatch
):
    assert ready(client)[0] == 200

    def unapplied(self, targets):
        return [("children.0099_not_applied", False)]

    monkeypatch.setattr(MigrationExecutor, "migration_plan", unapplied)
    health.forget_readiness()
    assert ready(client)[0] == 200  # the pass is remembered
    # A minute on, they are looked at again.
    monkeypatch.setattr(health, "_migrations_passed_at", health._migrations_passed_at - 61)
    health.forget_readiness()
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["migrations"]["reason"] == "1 migration not applied"


@pytest.mark.django_db
def test_a_failing_answer_is_kept_a_few_seconds_and_the_database_is_not_asked_meanwhile(
    client, django_assert_num_queries
):
    status, body = ready(client)  # no worker has run yet
    assert status == 503
    worker_heartbeat.call()
    # A load balancer probing every second: the answer kept is given, with no query at all.
    for _ in range(3):
        with django_assert_num_queries(0):
            assert ready(client) == (status, body)
    age_kept_readiness(health.READY_KEEP_SECONDS - 0.5)
    with django_assert_num_queries(0):
        assert ready(client)[0] == 503
    # Once it is older than that, the checks are made again, and see the worker.
    age_kept_readiness(0.5)
    assert ready(client)[0] == 200


@pytest.mark.django_db
def test_a_passing_answer_is_kept_a_few_seconds_too(client, worker_seen, monkeypatch, discarded):
    assert ready(client)[0] == 200

    def refuse(*args, **kwargs):
        raise outage()

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    assert ready(client)[0] == 200
    assert not discarded, "the database was asked"
    age_kept_readiness(health.READY_KEEP_SECONDS)
    status, body = ready(client)
    assert status == 503
    assert body["reasons"] == ["database: the database cannot be reached"]


@pytest.mark.django_db
def test_liveness_and_the_old_check_are_not_kept(client, worker_seen, monkeypatch, discarded):
    assert ready(client)[0] == 200
    assert client.get("/health/").status_code == 200

    def refuse(*args, **kwargs):
        raise outage()

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    assert client.get("/health/").status_code == 503
    assert client.get("/health/live/").json() == {"status": "ok"}


@pytest.mark.django_db
def test_not_ready_while_the_database_is_down_and_the_error_is_not_repeated(database_down):
    response = Client(raise_request_exception=False).get("/health/ready/")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {
            "database": {"state": "failing", "reason": "the database cannot be reached"},
            "migrations": {"state": "not checked"},
            "worker": {"state": "not checked"},
        },
        "reasons": ["database: the database cannot be reached"],
    }
    assert "db.internal" not in response.content.decode()
    assert database_down, "the broken connection was not discarded"


@pytest.mark.django_db
def test_the_old_health_check_still_answers_as_before(database_down):
    response = Client(raise_request_exception=False).get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "database unavailable"}


@pytest.mark.django_db
def test_a_check_failing_unforeseen_fails_readiness_not_the_server(
    client, worker_seen, monkeypatch
):
    def broken():
        raise RuntimeError(SECRET)

    monkeypatch.setattr(health, "check_worker", broken)
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["worker"] == {"state": "failing", "reason": "the check could not be made"}
    assert body["checks"]["migrations"] == {"state": "ok"}
    assert "db.internal" not in str(body)


# --- the heartbeat ---------------------------------------------------------------------------


def waiting_heartbeats():
    return DBTaskResult.objects.filter(
        task_path=worker_heartbeat.module_path, status=TaskResultStatus.READY
    )


@pytest.mark.django_db
def test_each_heartbeat_queues_the_next_a_minute_ahead_carrying_the_time():
    moment = timezone.now().replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        schedule_heartbeat()  # as the seal's schedule does, to run at once
        worker_heartbeat.call()  # as the worker runs it
    [waiting] = waiting_heartbeats()
    assert waiting.run_after == moment + dt.timedelta(minutes=1)
    assert waiting.args_kwargs["kwargs"] == {"seen_at": moment.isoformat()}
    assert worker_last_seen() == moment


@pytest.mark.django_db
def test_a_heartbeat_is_queued_once_however_often_the_seal_schedules_it():
    assert schedule_next_seal()
    schedule_next_seal()
    schedule_heartbeat()
    assert waiting_heartbeats().count() == 1
    assert worker_last_seen() is None  # queued, but no worker has run one


@pytest.mark.django_db
def test_while_a_worker_runs_the_heartbeat_it_counts_as_seen():
    worker_heartbeat.enqueue()
    start = timezone.now() - dt.timedelta(seconds=5)
    waiting_heartbeats().update(status=TaskResultStatus.RUNNING, started_at=start)
    assert not waiting_heartbeats().exists()
    assert worker_last_seen() == start


@pytest.mark.django_db
def test_with_tasks_run_in_the_web_process_there_is_no_worker_to_wait_for(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert not schedule_heartbeat()
    assert ready(client) == (
        200,
        {
            "status": "ok",
            "checks": {
                "database": {"state": "ok"},
                "migrations": {"state": "ok"},
                "worker": {"state": "ok"},
            },
        },
    )


# --- the service unavailable page ------------------------------------------------------------


def assert_service_unavailable(response):
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response.headers
    page = response.content.decode()
    assert f"<title>{UNAVAILABLE} – LISA – {settings.LISA_COUNCIL_NAME}</title>" in page
    assert f'<h1 class="govuk-heading-xl">{UNAVAILABLE}</h1>' in page
    assert "Try again in a few minutes." in page
    assert f'href="mailto:{settings.LISA_CONTACT_EMAIL}"' in page
    assert "/static/build/lisa.css" in page  # the GOV.UK styles LISA serves
    assert "db.internal" not in page
    assert "Signed in as" not in page


@pytest.mark.django_db
def test_a_signed_in_page_answers_503_when_the_session_cannot_be_read(
    amara, discarded, monkeypatch
):
    """Reading the session is the first thing a signed-in person's request needs, in the
    middlewares before any view; there Django makes a 500 of the error, which is replaced."""
    client = Client(raise_request_exception=False)
    client.force_login(amara)
    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore
    original_load = store.load

    def refuse(self):
        raise outage()

    monkeypatch.setattr(store, "load", refuse)
    response = client.get("/account/")
    assert_service_unavailable(response)
    assert "X-Request-ID" in response.headers
    assert discarded, "the broken connection was not discarded"
    # The database is back: the same browser carries on where it was.
    monkeypatch.setattr(store, "load", original_load)
    response = client.get("/account/")
    assert response.status_code == 200
    assert "Signed in as" in response.content.decode()


@pytest.mark.parametrize("debug", [False, True], ids=["error-page", "debug-page"])
@pytest.mark.django_db
def test_a_middleware_that_loses_the_database_gets_its_500_replaced(
    discarded, monkeypatch, settings, debug
):
    """A middleware after the session's fails; Django makes a 500 of it there (the error page,
    or in development the debug page, needing no database for an anonymous visitor), which
    this middleware recognises and replaces."""
    from lisa.middleware import AuditlogMiddleware

    def refuse(self, request):
        raise outage()

    settings.DEBUG = debug
    monkeypatch.setattr(AuditlogMiddleware, "__call__", refuse)
    response = Client(raise_request_exception=False).get("/accessibility/")
    assert_service_unavailable(response)
    assert discarded


@pytest.mark.django_db
def test_an_anonymous_page_answers_503_when_its_transaction_cannot_begin(database_down):
    # Every view runs in a transaction (ATOMIC_REQUESTS), which needs the database to begin.
    response = Client(raise_request_exception=False).get("/sign-in/")
    assert_service_unavailable(response)
    assert database_down, "the broken connection was not discarded"


@pytest.mark.django_db
def test_a_page_whose_view_loses_the_database_answers_503(discarded, monkeypatch):
    from lisa import views

    def refuse(request, *args, **kwargs):
        raise outage()

    monkeypatch.setattr(views, "render", refuse)
    response = Client(raise_request_exception=False).get("/accessibility/")
    assert_service_unavailable(response)
    assert discarded


def test_the_page_is_made_without_the_database(discarded):
    """No database access is allowed in this test at all (pytest-django refuses it), so the
    page and its headers need none. Here the error reaches this middleware as an exception,
    as it does when the error page Django makes for it needs the database too."""
    request = RequestFactory().get("/children/")

    def session_middleware(request):
        raise outage()

    response = DatabaseUnavailableMiddleware(session_middleware)(request)
    assert_service_unavailable(response)
    assert discarded


def test_other_failures_are_left_to_the_ordinary_error_handling():
    request = RequestFactory().get("/children/")

    def failing(request):
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        DatabaseUnavailableMiddleware(failing)(request)

    deadlock = db.OperationalError("deadlock detected")
    deadlock.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    middleware = DatabaseUnavailableMiddleware(failing)
    assert middleware.process_exception(request, deadlock) is None
