"""The read replica (lisa/replica.py): which reads go to it, read-your-writes, and what happens
when it is away.

The first tests check the router, the opt-in and the middleware on their own. The last runs
the real thing: a PostgreSQL cluster of its own in a temporary folder (lisa.processes.Cluster:
``python -m lisa.embedded_db`` pointed elsewhere by LISA_PG_DIR and LISA_PG_PORT, as in
test_database_outage.py), a streaming replica of it made with ``pg_basebackup -R`` from the
same binaries (lisa.processes.Standby), and gunicorn serving LISA from the pair. The shared
cluster is never touched.
"""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests
from django.core import signing
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, OperationalError, router
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import get_resolver

from audit.models import Action, AuditEvent
from children.models import Involvement
from directory.models import Service
from lisa import embedded_db, replica
from lisa.models import Agency, CacheEntry, RateLimitCount, Session, User
from lisa.processes import Cluster, Server, Standby, form_fields, with_values, without_settings
from tests.lisa.test_urls import walk

# --- the router, the opt-in and the middleware ----------------------------------------------


class FakeReplica:
    """Stands for the "replica" connection, which the test settings do not have."""

    def __init__(self):
        self.probes = 0
        self.closed = 0
        self.errors_occurred = False

    def close(self):
        self.closed += 1


@pytest.fixture
def with_replica(monkeypatch, settings) -> FakeReplica:
    """As if LISA_REPLICA_URL were set and the replica answered (no connection is made)."""
    settings.DATABASE_ROUTERS = ["lisa.replica.ReplicaRouter"]
    settings.LISA_REPLICA_STICKY_SECONDS = 10
    settings.LISA_REPLICA_RETRY_SECONDS = 30
    fake = FakeReplica()

    def probe():
        fake.probes += 1
        fake.errors_occurred = False

    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "connections", {"replica": fake})
    monkeypatch.setattr(replica, "_probe", probe)
    monkeypatch.setattr(replica, "_down_until", 0.0)
    return fake


def test_without_a_replica_every_read_is_the_primarys(settings):
    assert "replica" not in settings.DATABASES
    with replica.tolerating_delay() as route:
        assert route == DEFAULT_DB_ALIAS
        assert Service.objects.all().db == DEFAULT_DB_ALIAS
    with pytest.raises(MiddlewareNotUsed):
        replica.ReadYourWritesMiddleware(lambda request: HttpResponse())


def test_only_delay_tolerant_reads_go_to_the_replica(with_replica):
    assert Service.objects.all().db == DEFAULT_DB_ALIAS
    with replica.tolerating_delay() as route:
        assert route == "replica"
        assert Service.objects.all().db == "replica"
        assert AuditEvent.objects.all().db == "replica"  # counted by the figures
        # Sign-in, access and counting state is always the primary's.
        for model in (User, Session, Involvement, CacheEntry, RateLimitCount):
            assert model.objects.all().db == DEFAULT_DB_ALIAS, model
        # A related object is read from where its owner came.
        user = User(username="read.here")
        user._state.db = DEFAULT_DB_ALIAS
        assert router.db_for_read(Agency, instance=user) == DEFAULT_DB_ALIAS
        # Every write is the primary's.
        assert router.db_for_write(Service) == DEFAULT_DB_ALIAS
        assert router.db_for_write(AuditEvent) == DEFAULT_DB_ALIAS
        assert Service.objects.select_for_update().db == DEFAULT_DB_ALIAS
        with replica.tolerating_delay() as inner:
            assert inner == "replica"
    assert Service.objects.all().db == DEFAULT_DB_ALIAS
    assert with_replica.probes == 1  # checked once, not again for the inner block
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "directory")
    assert not router.allow_migrate("replica", "directory")


def test_an_unreachable_replica_is_left_alone_for_a_while(with_replica, monkeypatch, caplog):
    def unreachable():
        with_replica.probes += 1
        raise OperationalError("connection refused")

    monkeypatch.setattr(replica, "_probe", unreachable)
    with replica.tolerating_delay() as route:
        assert route == DEFAULT_DB_ALIAS
        assert Service.objects.all().db == DEFAULT_DB_ALIAS
    assert "The read replica cannot be reached" in caplog.text
    assert with_replica.closed == 1
    assert replica.is_down()
    assert replica._down_until - time.monotonic() == pytest.approx(30, abs=2)
    with replica.tolerating_delay() as route:
        assert route == DEFAULT_DB_ALIAS
    assert with_replica.probes == 1  # not tried again within the 30 seconds

    # The time has passed and the replica answers again.
    monkeypatch.setattr(replica, "_down_until", time.monotonic() - 1)
    monkeypatch.setattr(replica, "_probe", lambda: None)
    with replica.tolerating_delay() as route:
        assert route == "replica"
    assert not replica.is_down()


def _routed_view(seen: list):
    @replica.tolerating_delay()
    def view(request):
        seen.append(Service.objects.all().db)
        return HttpResponse("ok")

    return view


def _through_middleware(view, request):
    return replica.ReadYourWritesMiddleware(view)(request)


def test_a_browser_that_has_just_written_reads_from_the_primary(with_replica, db):
    factory = RequestFactory()
    seen: list[str] = []
    view = _routed_view(seen)

    # A change that succeeded leaves the mark, for the sticky window only.
    written = _through_middleware(lambda r: HttpResponse(status=302), factory.post("/x/"))
    cookie = written.cookies[replica.COOKIE]
    assert cookie["max-age"] == 10
    assert cookie["httponly"]
    # Reading, or a change that was refused, leaves none.
    assert replica.COOKIE not in _through_middleware(view, factory.get("/x/")).cookies
    refused = _through_middleware(lambda r: HttpResponse(status=400), factory.post("/x/"))
    assert replica.COOKIE not in refused.cookies
    assert seen == ["replica"]

    def reading_with(value: str) -> str:
        request = factory.get("/figures/")
        request.COOKIES[replica.COOKIE] = value
        _through_middleware(view, request)
        return seen[-1]

    probes = with_replica.probes
    assert reading_with(cookie.value) == DEFAULT_DB_ALIAS
    assert with_replica.probes == probes  # the replica was not even asked
    # Older than the window, altered, or signed for something else: the replica again.
    old = signing.get_cookie_signer(salt=replica.COOKIE + replica._SALT).sign(
        f"{time.time() - 11:.3f}"
    )
    assert reading_with(old) == "replica"
    assert reading_with(cookie.value[:-2] + "xx") == "replica"
    assert reading_with(signing.get_cookie_signer(salt=replica.COOKIE).sign("9e99")) == "replica"
    # The mark lives only for its request.
    assert replica._recent_write.get() is False


def test_a_replica_failing_part_way_runs_the_view_again_on_the_primary(with_replica, db):
    failing = with_replica
    routes: list[str] = []

    @replica.tolerating_delay
    def view(request):
        Agency.objects.create(name=f"Written on try {len(routes) + 1}")  # a write: the primary
        routes.append(Service.objects.all().db)
        if routes == ["replica"]:
            failing.errors_occurred = True  # as Django's wrapper marks the failed connection
            raise OperationalError("terminating connection due to conflict with recovery")
        return HttpResponse("ok")

    response = view(RequestFactory().get("/directory/public/"))
    assert response.status_code == 200
    assert routes == ["replica", DEFAULT_DB_ALIAS]
    # Checked again after the failure (and found answering: not marked down).
    assert (failing.probes, failing.closed) == (2, 1)
    assert not replica.is_down()
    # The first try's write was undone with it.
    written = Agency.objects.filter(name__startswith="Written on try")
    assert list(written.values_list("name", flat=True)) == ["Written on try 2"]

    # An error of the primary's own is not hidden by reading the page again.
    routes.clear()

    @replica.tolerating_delay()
    def failing_on_the_primary(request):
        routes.append(Service.objects.all().db)
        raise OperationalError("the primary went away")

    with pytest.raises(OperationalError):
        failing_on_the_primary(RequestFactory().get("/directory/public/"))
    assert routes == ["replica"]


# The views whose reads may lag: figures, directory search and public pages, the open-data API.
DELAY_TOLERANT = {
    "figures:index",
    "figures:section",
    "figures:csv",
    "figures:report",
    "directory:search",
    "directory:public-search",
    "directory:public-service",
    "oruk:services",
    "oruk:service",
    "oruk:service-at-locations",
    "oruk:service-at-location",
    "oruk:taxonomy",
    "oruk:taxonomy-terms",
    "oruk:taxonomy-term",
    "oruk:organizations",
    "oruk:organization",
}


def test_only_the_delay_tolerant_views_read_from_the_replica():
    marked = {
        name
        for _, name, callback in walk(get_resolver().url_patterns)
        if getattr(callback, replica.REPLICA_ATTR, False)
    }
    assert marked == DELAY_TOLERANT


# --- a real streaming replica under a running server ---------------------------------------

PASSWORD = "a-long-password-for-the-replica-test"
STICKY_SECONDS = 5
ORIGINAL = "Songs and play for under-fives."
CHANGED = "Songs, stories and play for under-fives."

MAKE_WORLD = f"""
import datetime as dt
from directory.models import Category, Organisation, Service
from lisa.models import Agency, AgencyType, Role, User
central = Agency.objects.create(name="LISA Central Team", agency_type=AgencyType.OTHER)
voluntary = Agency.objects.create(name="Deptford Family Support", agency_type=AgencyType.VOLUNTARY)
people = {{}}
for username, agency, role in [("morgan.ellis", central, Role.CENTRAL_TEAM),
                               ("sam.taylor", voluntary, Role.DIRECTORY_EDITOR)]:
    first, last = username.split(".")
    user = User(username=username, first_name=first.title(), last_name=last.title(),
                email=username + "@example.org", agency=agency, roles=[role],
                training_date=dt.date(2026, 1, 10))
    user.set_password("{PASSWORD}")
    user.save()
    people[username] = user
organisation = Organisation.objects.create(name="Brockley Family Hub", agency=voluntary,
                                           description="An invented hub")
play = Category.objects.create(name="Play", description="Things to do")
service = Service(organisation=organisation, name="Brockley Stay and Play",
                  description="{ORIGINAL}", is_published=True, serves_whole_borough=True,
                  languages=["English"], category_names="Play")
service.full_clean(exclude=["search_vector"])
service.save()
service.categories.set([play])
service.editors.set([people["sam.taylor"]])
print(service.pk, service.uuid)
"""


@dataclass
class Pair:
    """The primary (a cluster of its own) and its streaming replica."""

    primary: Cluster
    replica: Standby | None = None
    service_pk: int = 0
    service_uuid: str = ""

    def query(self, port: int, sql: str, params=()):
        with self.primary.connect(port) as connection:
            return connection.execute(sql, params).fetchone()

    def replay(self, paused: bool) -> None:
        """Pause or resume applying the primary's changes on the replica, and wait until it has."""
        with self.primary.connect(self.replica.port) as connection:
            if paused:
                connection.execute("SELECT pg_wal_replay_pause()")
            else:
                connection.execute("SELECT pg_wal_replay_resume()")
            # Once a pause is requested no further change is applied ("paused" comes with the
            # next change the primary sends).
            wanted = {"paused", "pause requested"} if paused else {"not paused"}
            until(
                lambda: (
                    connection.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0]
                    in wanted
                ),
                "the replica's replay to be " + ("paused" if paused else "resumed"),
            )


def until(check, what: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def pair():
    folder = Path(tempfile.mkdtemp(prefix="lisa-replica-"))
    made = Pair(Cluster(folder / "primary"))
    try:
        made.primary.start()
        made.primary.manage("migrate", "-v0", LISA_DB_ROLE="owner")
        pk, uuid = made.primary.manage("shell", "-c", MAKE_WORLD).split()[-2:]
        made.service_pk, made.service_uuid = int(pk), uuid
        made.replica = made.primary.make_standby(folder / "replica")
        made.replica.start()
        # A standby, with everything the primary has so far.
        assert made.query(made.replica.port, "SELECT pg_is_in_recovery()") == (True,)
        until(
            lambda: made.query(made.replica.port, "SELECT count(*) FROM directory_service") == (1,),
            "the replica to have the service",
        )
        yield made
    finally:
        if made.replica is not None and made.replica.running:
            with contextlib.suppress(Exception):
                made.replica.stop("immediate")
        if made.primary.running:
            with contextlib.suppress(Exception):
                made.primary.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def server(pair, tmp_path):
    """gunicorn, as in production, with DATABASE_URL the primary and LISA_REPLICA_URL the
    replica, both as the application's role."""
    env = {
        **without_settings(),
        "DATABASE_URL": pair.primary.url("app"),
        "LISA_REPLICA_URL": pair.primary.url("app", port=pair.replica.port),
        "LISA_REPLICA_STICKY_SECONDS": str(STICKY_SECONDS),
        "LISA_APP_DB_ROLE": embedded_db.APP_ROLE,
        "DJANGO_DEBUG": "0",  # error pages as in production
        "DJANGO_SECRET_KEY": "the-replica-test-secret-key-" + "x" * 30,
        "LISA_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    running = Server.start(env, tmp_path)
    try:
        running.wait("/health/live/", within=60)
        yield running
    finally:
        running.stop()
        print(running.log())  # shown if the test fails


def sign_in(server: Server, username: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(server.url + "/sign-in/", timeout=15)
    fields = with_values(form_fields(page.text), username=username, password=PASSWORD)
    answer = browser.post(server.url + "/sign-in/", data=fields, allow_redirects=False, timeout=15)
    assert answer.status_code == 302, answer.text[:2000]
    return browser


REFUSALS_CSV = "/figures/access/refusals-per-month.csv"


def refusals_in_figures(browser: requests.Session, server: Server) -> int:
    answer = browser.get(server.url + REFUSALS_CSV, timeout=15)
    assert answer.status_code == 200, answer.text[:2000]
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["Month", "Refusals"]
    return sum(int(count) for _, count in rows[1:])


def test_delay_tolerant_reads_come_from_the_replica_and_fall_back_to_the_primary(pair, server):
    refusals_sql = (
        f"SELECT count(*) FROM {AuditEvent._meta.db_table} WHERE action = %s",  # noqa: S608
        [Action.DENIED],
    )

    def description(browser: requests.Session) -> str:
        answer = browser.get(f"{server.url}/api/directory/services/{pair.service_uuid}", timeout=15)
        assert answer.status_code == 200, answer.text[:2000]
        return answer.json()["description"]

    def public_page(browser: requests.Session) -> str:
        path = f"/directory/public/services/{pair.service_pk}/"
        answer = browser.get(server.url + path, timeout=15)
        assert answer.status_code == 200, answer.text[:2000]
        return answer.text

    anonymous = requests.Session()
    assert description(anonymous) == ORIGINAL
    morgan = sign_in(server, "morgan.ellis")  # the central team, who see the figures
    morgan_wrote_at = time.monotonic()  # signing in is a change: the primary's for a while

    # (1) With the replica's replay paused, an edit on the primary is not in what the
    # delay-tolerant pages read: they read from the replica.
    pair.replay(paused=True)
    sam = sign_in(server, "sam.taylor")
    path = f"/directory/manage/{pair.service_pk}/edit/"
    form = form_fields(sam.get(server.url + path, timeout=15).text, "version")
    saved = sam.post(
        server.url + path,
        data=with_values(form, description=CHANGED, confirm="1"),
        allow_redirects=False,
        timeout=15,
    )
    assert saved.status_code == 302, saved.text[:2000]
    assert saved.cookies.get(replica.COOKIE)
    where = "SELECT description FROM directory_service WHERE id = %s"
    assert pair.query(pair.primary.port, where, [pair.service_pk]) == (CHANGED,)
    assert pair.query(pair.replica.port, where, [pair.service_pk]) == (ORIGINAL,)
    # (2) Read-your-writes: the editor, within the sticky window, sees the change at once...
    assert description(sam) == CHANGED
    assert CHANGED in public_page(sam)
    # ...while everyone else reads the replica, which has not replayed it yet.
    assert description(anonymous) == ORIGINAL
    assert ORIGINAL in public_page(anonymous)
    # When the window has passed, the editor reads from the replica again.
    until(lambda: description(sam) == ORIGINAL, "the sticky window to end", STICKY_SECONDS + 15)
    # Still signed in, though the replica has not replayed the session: it is the primary's.
    search = sam.get(server.url + "/directory/?q=stay", allow_redirects=False, timeout=15)
    assert search.status_code == 200
    assert "Brockley Stay and Play" in search.text

    # The figures too: a refusal is audited on the primary, the figures do not count it yet.
    time.sleep(max(0.0, morgan_wrote_at + STICKY_SECONDS + 0.5 - time.monotonic()))
    counted = refusals_in_figures(morgan, server)
    assert counted == pair.query(pair.primary.port, *refusals_sql)[0]
    assert morgan.get(server.url + "/figures/no-such-figures/", timeout=15).status_code == 404
    assert pair.query(pair.primary.port, *refusals_sql) == (counted + 1,)
    assert refusals_in_figures(morgan, server) == counted

    # Replay resumes: the replica catches up and the pages show what the primary has.
    pair.replay(paused=False)
    until(lambda: description(anonymous) == CHANGED, "the replica to catch up")
    until(lambda: refusals_in_figures(morgan, server) == counted + 1, "the figures to catch up")

    # (3) The replica goes away (paused first, so that the answers show where they came from).
    pair.replay(paused=True)
    assert morgan.get(server.url + "/figures/no-such-figures/", timeout=15).status_code == 404
    assert refusals_in_figures(morgan, server) == counted + 1
    pair.replica.stop()
    with pytest.raises(psycopg.OperationalError):
        pair.query(pair.replica.port, "SELECT 1")
    # Every delay-tolerant page still answers, from the primary, without an error.
    assert refusals_in_figures(morgan, server) == counted + 2
    assert morgan.get(server.url + "/figures/", timeout=15).status_code == 200
    assert morgan.get(server.url + "/directory/?q=stay", timeout=15).status_code == 200
    assert description(anonymous) == CHANGED
    assert CHANGED in public_page(anonymous)
    search = anonymous.get(server.url + "/directory/public/?q=stay+and+play", timeout=15)
    assert search.status_code == 200
    assert "Brockley Stay and Play" in search.text
    services = anonymous.get(server.url + "/api/directory/services", timeout=15)
    assert services.status_code == 200
    assert [item["name"] for item in services.json()["contents"]] == ["Brockley Stay and Play"]
    log = server.log(chars=None)
    assert "The read replica cannot be reached" in log
    assert "Traceback" not in log
