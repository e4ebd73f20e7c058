"""Signing in and out: who may, who may not, and what is recorded."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client, override_settings

from audit.models import Action, AuditEvent, Outcome
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/sign-in/", {"username": username, "password": password}, **extra)


def test_anonymous_home_redirects_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=/")


def test_trained_user_signs_in_and_it_is_audited(client, amara):
    response = sign_in(client, "AMARA.okafor")  # usernames are not case sensitive
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, Amara" in home.content.decode()
    event = AuditEvent.objects.get(action=Action.SIGN_IN)
    assert event.user == amara
    assert event.agency == amara.agency
    assert event.role == "practitioner"
    assert event.ip_address == "127.0.0.1"
    assert len(event.request_id) == 32


def test_wrong_password_is_refused_with_message_and_audited(client, amara):
    response = sign_in(client, "amara.okafor", "not-the-password")
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Enter a correct username and password" in body
    assert 'value="amara.okafor"' in body  # what was typed is kept
    event = AuditEvent.objects.get(action=Action.SIGN_IN_FAILED)
    assert event.outcome == Outcome.DENIED
    assert event.detail["username"] == "amara.okafor"
    assert "password" not in str(event.detail).replace("username or password", "")


def test_untrained_user_is_refused_whatever_the_password(client, jordan):
    response = sign_in(client, "jordan.reed")
    body = response.content.decode()
    assert response.status_code == 200
    assert "cannot sign in until your LISA training has been recorded" in body
    assert client.get("/").status_code == 302
    event = AuditEvent.objects.get(action=Action.SIGN_IN_FAILED)
    assert event.detail["reason"] == "untrained"


def test_deactivated_user_is_refused(client, amara):
    amara.is_active = False
    amara.save()
    body = sign_in(client, "amara.okafor").content.decode()
    assert "This account has been deactivated" in body
    assert client.get("/").status_code == 302


def test_over_long_and_empty_input_is_refused_without_error(client, amara):
    response = sign_in(client, "x" * 5000, "y" * 5000)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    response = client.post("/sign-in/", {})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


def test_forged_csrf_token_is_refused_and_audited(amara):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/sign-in/",
        {"username": "amara.okafor", "password": PASSWORD, "csrfmiddlewaretoken": "forged" * 8},
    )
    assert response.status_code == 403
    assert "Your form could not be sent" in response.content.decode()
    assert AuditEvent.objects.filter(
        action=Action.DENIED, detail__reason__startswith="CSRF"
    ).exists()
    assert not AuditEvent.objects.filter(action=Action.SIGN_IN).exists()


def test_sign_out_needs_post_and_is_audited(client_for, amara):
    client = client_for(amara)
    assert client.get("/sign-out/").status_code == 405
    response = client.post("/sign-out/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action=Action.SIGN_OUT, user=amara).count() == 1


class TestLockout:
    """Failures count per username *and* address together."""

    def fail(self, client, username, ip, times):
        for _ in range(times):
            sign_in(client, username, "wrong-password", REMOTE_ADDR=ip)

    def test_locked_after_five_failures_even_with_right_password(self, client, amara):
        self.fail(client, "amara.okafor", "10.0.0.5", 5)
        response = sign_in(client, "amara.okafor", REMOTE_ADDR="10.0.0.5")
        assert response.status_code == 429
        assert "You cannot sign in for now" in response.content.decode()
        assert client.get("/").status_code == 302
        assert AuditEvent.objects.filter(action=Action.LOCKOUT).exists()

    def test_colleague_behind_the_same_office_address_is_not_locked_out(self, client, amara, priya):
        self.fail(client, "amara.okafor", "10.0.0.5", 6)
        response = sign_in(client, "priya.shah", REMOTE_ADDR="10.0.0.5")
        assert response.status_code == 302

    def test_same_user_from_another_address_is_not_locked_out(self, client, amara):
        self.fail(client, "amara.okafor", "10.0.0.5", 6)
        response = sign_in(client, "amara.okafor", REMOTE_ADDR="10.0.0.99")
        assert response.status_code == 302

    def test_four_failures_do_not_lock(self, client, amara):
        self.fail(client, "amara.okafor", "10.0.0.5", 4)
        assert sign_in(client, "amara.okafor", REMOTE_ADDR="10.0.0.5").status_code == 302


class TestClientAddress:
    def test_forwarded_for_is_ignored_without_trusted_proxies(self, client, amara):
        sign_in(client, "amara.okafor", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
        assert AuditEvent.objects.get(action=Action.SIGN_IN).ip_address == "10.1.1.1"

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_one_proxy_takes_the_rightmost_entry_not_a_forged_one(self, client, amara):
        sign_in(
            client,
            "amara.okafor",
            REMOTE_ADDR="10.1.1.1",
            HTTP_X_FORWARDED_FOR="6.6.6.6, 81.2.69.160",
        )
        assert AuditEvent.objects.get(action=Action.SIGN_IN).ip_address == "81.2.69.160"

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_lockout_uses_the_real_client_address(self, client, amara):
        for _ in range(5):
            sign_in(
                client,
                "amara.okafor",
                "wrong",
                REMOTE_ADDR="10.1.1.1",
                HTTP_X_FORWARDED_FOR="81.2.69.160",
            )
        other = sign_in(
            client, "amara.okafor", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="81.2.69.161"
        )
        assert other.status_code == 302


class TestSessionTimeouts:
    def test_idle_for_more_than_30_minutes_signs_out(self, client, amara):
        start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
        with time_machine.travel(start, tick=False) as traveller:
            sign_in(client, "amara.okafor")
            traveller.shift(dt.timedelta(minutes=29))
            assert client.get("/").status_code == 200
            traveller.shift(dt.timedelta(minutes=31))
            response = client.get("/account/")
            assert response.status_code == 302
            assert response["Location"].startswith("/sign-in/?next=/account/")
            page = client.get(response["Location"]).content.decode()
            assert "signed out after 30 minutes without activity" in page
        assert AuditEvent.objects.filter(
            action=Action.SIGN_OUT, detail__reason="session time-out"
        ).exists()

    def test_twelve_hours_is_the_most_even_when_active(self, client, amara):
        start = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
        with time_machine.travel(start, tick=False) as traveller:
            sign_in(client, "amara.okafor")
            for _ in range(30):
                traveller.shift(dt.timedelta(minutes=29))
                if client.get("/").status_code != 200:
                    break
            else:
                pytest.fail("still signed in after more than 14 hours of activity")
            elapsed = dt.datetime.now(dt.UTC) - start
            assert dt.timedelta(hours=12) < elapsed <= dt.timedelta(hours=12, minutes=29)


def test_deactivation_ends_existing_sessions_at_once(client, client_for, amara, priya):
    amara_client = client_for(amara)
    assert amara_client.get("/").status_code == 200
    other = Client()
    other.post("/sign-in/", {"username": "priya.shah", "password": PASSWORD})
    response = other.post(f"/users/{amara.pk}/deactivate/", {"reason": "Left the service"})
    assert response.status_code == 302
    assert amara_client.get("/").status_code == 302


def test_changing_the_case_of_the_username_does_not_escape_the_lockout(client, amara):
    for variant in ("amara.okafor", "AMARA.okafor", "Amara.Okafor", "aMaRa.OkAfOr", "AMARA.OKAFOR"):
        sign_in(client, variant, "wrong-password", REMOTE_ADDR="10.0.0.7")
    response = sign_in(client, "amara.OKAFOR", REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 429


def test_request_ids_are_never_taken_from_the_client(client, amara):
    sign_in(client, "amara.okafor", HTTP_X_REQUEST_ID="chosen-by-the-client")
    event = AuditEvent.objects.get(action=Action.SIGN_IN)
    assert event.request_id != "chosen-by-the-client"
    assert len(event.request_id) == 32


def test_field_history_records_the_real_client_address(client_for, personas):
    from auditlog.models import LogEntry

    amara, priya = personas["amara"], personas["priya"]
    client = client_for(priya)
    client.post(
        f"/users/{amara.pk}/edit/",
        {
            "first_name": amara.first_name,
            "last_name": amara.last_name,
            "email": amara.email,
            "job_title": "Changed",
            "phone": "",
            "agency": amara.agency_id,
            "roles": amara.roles,
            "version": amara.updated_at.isoformat(),
        },
        HTTP_X_FORWARDED_FOR="6.6.6.6",
    )
    entry = LogEntry.objects.get_for_object(amara).latest("timestamp")
    assert entry.changes_dict["job_title"][1] == "Changed"
    assert entry.remote_addr == "127.0.0.1"
