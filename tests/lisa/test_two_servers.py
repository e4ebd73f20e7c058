"""Two LISA servers against one database, as behind a load balancer, each with its own task
worker: real processes (gunicorn and `manage.py db_worker`) on two ports, spoken to over HTTP.

What must hold with two servers as with one: a session signed in on one works on the other;
the open-data rate limit counts the requests to both; an edit on one is seen on the other at
once, the cached language filter included; each notification is sent once, whichever worker
takes it; a save over someone else's newer save is refused whichever server each went to.
`make two-servers` starts the same arrangement by hand.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from html import unescape
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from directory.models import Category, Organisation, Service
from lisa import processes
from lisa.models import User
from lisa.processes import Server, form_fields, with_values
from tests.conftest import PASSWORD
from tests.directory.conftest import make_service

API_LIMIT = 6
STARTUP_SECONDS = 40
CONFLICT = "Someone else changed this entry while you were editing it"


# --- the servers ------------------------------------------------------------------------------


def _database_url() -> str:
    """The test database, reached as the application's own role (as a server is)."""
    name = connection.settings_dict["NAME"]
    if settings.EMBEDDED_DATABASE:
        from lisa import embedded_db

        return embedded_db.url("app").rsplit("/", 1)[0] + f"/{name}"
    return settings.DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def mail_log(tmp_path) -> Path:
    path = tmp_path / "mail.log"
    path.touch()
    return path


@pytest.fixture
def servers(transactional_db, mail_log, tmp_path):
    """Servers A and B (gunicorn, two processes each) and a worker beside each, for one test.

    One test, not one per claim: each test with real transactions ends by emptying the
    database, which makes its content types afresh under new ids, and a server keeps the ids
    it has looked up (Django's per-process ContentType cache) for as long as it runs."""
    database_url = _database_url()
    database_name = connection.settings_dict["NAME"]
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("LISA_", "DJANGO_"))}
    base_env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": "two-servers-share-one-secret-key-" + "x" * 20,
            # The tests' fast password hasher, so that the users made here can sign in.
            "LISA_TESTING": "1",
            # A load balancer in front: the client's address is the last X-Forwarded-For hop.
            "LISA_TRUSTED_PROXY_COUNT": "1",
            "LISA_DIRECTORY_API_RATE": str(API_LIMIT),
            "LISA_DIRECTORY_API_PERIOD": "86400",
            "EMAIL_BACKEND": "tests.lisa.mail_log.Backend",
            "LISA_TEST_MAIL_LOG": str(mail_log),
            "LISA_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    pair: list[Server] = []
    try:
        for label in ("A", "B"):
            pair.append(
                Server.start(
                    {**base_env, "LISA_TEST_PROCESS_LABEL": label},
                    tmp_path,
                    name=label,
                    workers=2,
                    worker_id=f"two-servers-{label}",
                    worker_options=("--interval", "0.2", "--no-startup-delay"),
                )
            )
        for server in pair:
            server.wait(within=STARTUP_SECONDS)
        yield pair
    finally:
        processes.stop(process for server in pair for process in server.processes.values())
        # The test database is emptied, then dropped at the end of the run: wait for the
        # servers' and workers' connections to it to be gone.
        with connection.cursor() as cursor:
            for _ in range(50):
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [database_name],
                )
                if cursor.fetchone()[0] == 0:
                    break
                time.sleep(0.1)


# --- speaking to them -------------------------------------------------------------------------


def sign_in(server: Server, user: User) -> requests.Session:
    browser = requests.Session()
    page = browser.get(server.url + "/sign-in/", timeout=10)
    fields = with_values(form_fields(page.text), username=user.username, password=PASSWORD)
    answer = browser.post(server.url + "/sign-in/", data=fields, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:2000]
    return browser


def post_form(browser: requests.Session, server: Server, path: str, fields) -> requests.Response:
    return browser.post(server.url + path, data=fields, allow_redirects=False, timeout=20)


def language_choices(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="language"[^>]*>(.*?)</select>', html, re.S)
    assert select, "the language filter is on the page"
    return [unescape(v) for v in re.findall(r'<option value="([^"]+)"', select.group(1))]


@pytest.fixture
def entry(sam, agencies) -> Service:
    organisation = Organisation.objects.create(
        name="Brockley Family Hub", description="An invented hub", agency=agencies["voluntary"]
    )
    return make_service(
        organisation,
        "Brockley Stay and Play",
        description="Songs and play for under-fives.",
        categories=[Category.objects.create(name="Play", description="Things to do")],
        languages=["English"],
        editors=[sam],
    )


# --- what must hold ---------------------------------------------------------------------------


def test_the_database_cache_is_the_table_the_migrations_make(db):
    """Without REDIS_URL the shared cache is Django's database cache, in the table that
    ``migrate`` makes (so the application's role may use it like any other)."""
    from django.core.cache.backends.db import DatabaseCache

    from lisa.models import CacheEntry

    assert CacheEntry._meta.db_table == settings.CACHE_TABLE
    if not settings.REDIS_URL:
        assert settings.CACHES["default"]["LOCATION"] == settings.CACHE_TABLE
    cache = DatabaseCache(settings.CACHE_TABLE, {"KEY_PREFIX": "probe"})
    cache.set("two-servers", {"seen": True})
    assert CacheEntry.objects.filter(cache_key="probe:1:two-servers").exists()
    assert cache.get("two-servers") == {"seen": True}


# The servers see only what is committed: real transactions, the database emptied afterwards.
@pytest.mark.django_db(transaction=True)
def test_two_servers_answer_as_one(servers, mail_log, sam, morgan, personas, entry):
    a, b = servers
    a_session_signed_in_on_one_server_works_on_the_other(a, b, personas["amara"])
    the_open_data_rate_limit_counts_the_requests_to_both_servers(a, b)
    an_edit_on_one_server_is_seen_on_the_other_at_once(a, b, sam, entry)
    each_notification_is_sent_once_with_a_worker_on_each_server(a, b, mail_log, personas)
    a_save_over_a_newer_save_is_refused_across_the_servers(a, b, sam, morgan, entry)


def a_session_signed_in_on_one_server_works_on_the_other(a: Server, b: Server, amara: User):
    stranger = requests.Session()
    assert stranger.get(b.url + "/account/", allow_redirects=False).status_code == 302
    browser = sign_in(a, amara)
    assert browser.cookies.get("sessionid")
    # The browser sends the cookie A gave it to B (cookies are per host, not per port).
    account = browser.get(b.url + "/account/", allow_redirects=False)
    assert account.status_code == 200
    assert amara.username in account.text
    # Signing out on B ends the session on A too.
    fields = form_fields(account.text, "csrfmiddlewaretoken")
    token = dict(fields)["csrfmiddlewaretoken"]
    signed_out = post_form(browser, b, "/sign-out/", {"csrfmiddlewaretoken": token})
    assert signed_out.status_code == 302
    assert browser.get(a.url + "/account/", allow_redirects=False).status_code == 302


def the_open_data_rate_limit_counts_the_requests_to_both_servers(a: Server, b: Server):
    client = {"X-Forwarded-For": "203.0.113.41"}
    for number in range(API_LIMIT):
        server = (a, b)[number % 2]
        answer = requests.get(server.url + "/api/directory/taxonomies", headers=client, timeout=10)
        assert answer.status_code == 200, (server, number)
    for server in (a, b):
        refused = requests.get(server.url + "/api/directory/taxonomies", headers=client)
        assert refused.status_code == 429, server
        assert int(refused.headers["Retry-After"]) >= 1
    # Another client is counted on its own.
    other = {"X-Forwarded-For": "203.0.113.42"}
    assert requests.get(b.url + "/api/directory/", headers=other).status_code == 200


def an_edit_on_one_server_is_seen_on_the_other_at_once(
    a: Server, b: Server, sam: User, entry: Service
):
    # B works out the language filter's choices (and keeps them in the cache).
    assert language_choices(requests.get(b.url + "/directory/public/").text) == ["English"]
    editor = sign_in(a, sam)
    path = f"/directory/manage/{entry.pk}/edit/"
    fields = form_fields(editor.get(a.url + path).text, "version")
    changed = with_values(
        fields,
        languages=["English", "Somali"],
        description="Songs, stories and play for under-fives.",
        confirm="1",
    )
    assert post_form(editor, a, path, changed).status_code == 302
    search = requests.get(b.url + "/directory/public/").text
    assert language_choices(search) == ["English", "Somali"]
    page = requests.get(f"{b.url}/directory/public/services/{entry.pk}/").text
    assert "Songs, stories and play for under-fives." in page


def each_notification_is_sent_once_with_a_worker_on_each_server(
    a: Server, b: Server, mail_log: Path, personas: dict[str, User]
):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from messaging.notifications import send_notification

    amara = personas["amara"]
    recipients = [personas[name] for name in ("priya", "daniel", "helen", "morgan")]
    sent = 0
    for number in range(3):
        server = (a, b)[number % 2]
        browser = sign_in(server, amara)
        page = browser.get(server.url + "/messages/new/")
        token = dict(form_fields(page.text))["csrfmiddlewaretoken"]
        answer = post_form(
            browser,
            server,
            "/messages/new/",
            {
                "csrfmiddlewaretoken": token,
                "recipients": [user.pk for user in recipients],
                "subject": f"Handover {number}",
                "body": "Please see the notes from this morning.",
            },
        )
        assert answer.status_code == 302, answer.text[:2000]
        sent += len(recipients)
    tasks = DBTaskResult.objects.filter(task_path=send_notification.module_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if tasks.count() == sent and not tasks.exclude(status=TaskResultStatus.SUCCESSFUL):
            break
        time.sleep(0.2)
    time.sleep(0.5)  # time enough for a second sending, were there one
    statuses = Counter(tasks.values_list("status", flat=True))
    assert statuses == {TaskResultStatus.SUCCESSFUL: sent}
    # Each task was claimed by one worker only, one of the two.
    for worker_ids in tasks.values_list("worker_ids", flat=True):
        assert len(worker_ids) == 1
        assert worker_ids[0] in {a.worker_id, b.worker_id}
    lines = [line.split("\t") for line in mail_log.read_text().splitlines()]
    assert len(lines) == sent
    assert Counter(address for _, address, _ in lines) == {user.email: 3 for user in recipients}
    assert {label for label, _, _ in lines} <= {"A", "B"}


def a_save_over_a_newer_save_is_refused_across_the_servers(
    a: Server, b: Server, sam: User, morgan: User, entry: Service
):
    path = f"/directory/manage/{entry.pk}/edit/"
    on_a, on_b = sign_in(a, sam), sign_in(b, morgan)
    form_a = form_fields(on_a.get(a.url + path).text, "version")
    form_b = form_fields(on_b.get(b.url + path).text, "version")
    assert dict(form_a)["version"] == dict(form_b)["version"]
    first = post_form(on_a, a, path, with_values(form_a, phone="020 8692 1111", confirm="1"))
    assert first.status_code == 302
    second = post_form(on_b, b, path, with_values(form_b, phone="020 8692 2222", confirm="1"))
    assert second.status_code == 200
    assert CONFLICT in unescape(second.text)
    entry.refresh_from_db()
    assert entry.phone == "020 8692 1111"
