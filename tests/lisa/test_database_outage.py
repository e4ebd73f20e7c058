"""A real database outage under a running server, and the recovery when the database returns.

The test makes a PostgreSQL cluster of its own, in a temporary folder on a free port, with
``python -m lisa.embedded_db`` (the same code that makes the development cluster, pointed
elsewhere by LISA_PG_DIR and LISA_PG_PORT: lisa.processes.Cluster), migrates it, runs the task
worker once and serves LISA from it with gunicorn, as in production. It then stops that
cluster and starts it again. The shared cluster that the rest of the suite (and everyone's
development server) uses is never touched.
"""

from __future__ import annotations

import http.client
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from lisa.processes import Cluster, Server, form_fields

PASSWORD = "a-long-password-for-the-outage-test"
UNAVAILABLE = "Sorry, the service is unavailable"

MAKE_USER = f"""
import datetime as dt
from audit.tasks import schedule_next_seal
from lisa.models import Agency, AgencyType, Role, User
agency = Agency.objects.create(name="Health Visiting", agency_type=AgencyType.HEALTH)
user = User(username="amara.okafor", first_name="Amara", last_name="Okafor",
            email="amara.okafor@example.org", agency=agency, roles=[Role.PRACTITIONER],
            training_date=dt.date(2026, 1, 10))
user.set_password("{PASSWORD}")
user.save()
schedule_next_seal()  # as `manage.py seal_audit` does: the seal's schedule and the heartbeat's
"""


@pytest.fixture
def cluster():
    made = Cluster(Path(tempfile.mkdtemp(prefix="lisa-outage-")))
    try:
        made.start()
        made.manage("migrate", "-v0", LISA_DB_ROLE="owner")
        made.manage("shell", "-c", MAKE_USER)
        # The worker runs what is due (the heartbeat) and stops.
        made.manage("db_worker", "--batch", "--no-startup-delay", "--no-reload")
        yield made
    finally:
        if made.running:
            made.stop()
        shutil.rmtree(made.folder, ignore_errors=True)


@dataclass
class Browser:
    """Just enough of a browser: cookies kept, redirects not followed."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: str | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, text

    def get(self, path: str):
        return self.request("GET", path)

    def sign_in(self, username: str, password: str) -> None:
        _, page = self.get("/sign-in/")
        token = dict(form_fields(page))["csrfmiddlewaretoken"]
        form = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        response, page = self.request("POST", "/sign-in/", form)
        assert response.status == 302, page[:2000]


@pytest.fixture
def server(cluster, tmp_path):
    # Error pages as in production.
    running = Server.start({**cluster.env, "DJANGO_DEBUG": "0"}, tmp_path)
    try:
        running.wait("/health/live/", within=30)
        yield Browser(running.port)
    finally:
        running.stop()
        print(running.log())  # shown if the test fails


def readiness(browser: Browser) -> tuple[int, dict]:
    response, body = browser.get("/health/ready/")
    return response.status, json.loads(body)


def readiness_once_it_is(browser: Browser, status: int) -> tuple[int, dict]:
    """Readiness, asked until it answers ``status``: the server keeps each answer for a few
    seconds (lisa.health.READY_KEEP_SECONDS), so the change shows within that time."""
    from lisa.health import READY_KEEP_SECONDS

    deadline = time.monotonic() + READY_KEEP_SECONDS + 5
    while True:
        answer = readiness(browser)
        if answer[0] == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def assert_service_unavailable(response, page: str) -> None:
    assert response.status == 503, page[:2000]
    assert response.getheader("Retry-After") == "30"
    assert f'<h1 class="govuk-heading-xl">{UNAVAILABLE}</h1>' in page
    assert "Signed in as" not in page


def test_pages_answer_503_while_the_database_is_away_and_recover_when_it_returns(cluster, server):
    # All is well: the database answers, the migrations are applied, the worker has run.
    assert readiness(server) == (
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
    server.sign_in("amara.okafor", PASSWORD)
    response, page = server.get("/account/")
    assert response.status == 200
    assert "Signed in as <strong>Amara Okafor</strong>" in page
    anonymous = Browser(server.port)

    cluster.stop()

    # Signed in: the session cannot be read.
    assert_service_unavailable(*server.get("/account/"))
    assert_service_unavailable(*server.get("/"))
    assert_service_unavailable(*server.get("/children/"))  # a page run without a transaction
    # Signed out: the page's transaction cannot begin.
    assert_service_unavailable(*anonymous.get("/sign-in/"))
    # The page's styles are still served.
    assert anonymous.get("/static/build/lisa.css")[0].status == 200
    status, body = readiness_once_it_is(anonymous, 503)
    assert status == 503
    assert body["checks"]["database"] == {
        "state": "failing",
        "reason": "the database cannot be reached",
    }
    assert body["reasons"] == ["database: the database cannot be reached"]
    response, text = anonymous.get("/health/")
    assert (response.status, json.loads(text)) == (503, {"status": "database unavailable"})
    # The process itself is alive, even for a browser that sends its session cookie.
    assert server.get("/health/live/")[0].status == 200

    cluster.start()

    # Back by itself, within a few seconds, with the same session.
    deadline = time.monotonic() + 10
    while True:
        response, page = server.get("/account/")
        if response.status == 200 or time.monotonic() > deadline:
            break
        assert response.status == 503, page[:2000]
        time.sleep(0.2)
    assert response.status == 200
    assert "Signed in as <strong>Amara Okafor</strong>" in page
    assert anonymous.get("/sign-in/")[0].status == 200
    assert readiness_once_it_is(anonymous, 200)[0] == 200
