"""Sign-in hardening: a username locked across addresses, and what the trail records."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action, Alert, AlertKind, AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/sign-in/", {"username": username, "password": password}, **extra)


class TestUsernameLockoutAcrossAddresses:
    """Five failures lock a username from one address; twenty from any addresses lock it
    everywhere and alert the central team."""

    def fail_from_many_addresses(self, client, username, count, start=1):
        for n in range(start, start + count):
            response = sign_in(client, username, f"guess-{n}", REMOTE_ADDR=f"203.0.113.{n}")
            assert response.status_code in (200, 429)

    def test_twenty_failures_from_twenty_addresses_lock_the_username_everywhere(
        self, client, amara
    ):
        self.fail_from_many_addresses(client, "amara.okafor", 20)
        # The right password, from an address that has never failed: still refused.
        response = sign_in(client, "Amara.Okafor", REMOTE_ADDR="198.51.100.7")
        assert response.status_code == 429
        page = response.content.decode()
        assert "nobody can sign in to it for now, wherever they are" in page
        assert client.get("/").status_code == 302
        assert AuditEvent.objects.filter(
            action=Action.LOCKOUT, detail__username="amara.okafor"
        ).exists()

        alert = Alert.objects.get(kind=AlertKind.PASSWORD_GUESSING)
        assert alert.user == amara
        assert alert.detail["addresses"] == 20
        assert "20 or more failed sign-ins" in alert.reason

    def test_more_attempts_raise_no_second_alert(self, client, amara):
        self.fail_from_many_addresses(client, "amara.okafor", 26)
        sign_in(client, "amara.okafor", REMOTE_ADDR="198.51.100.7")
        assert Alert.objects.filter(kind=AlertKind.PASSWORD_GUESSING).count() == 1

    def test_nineteen_failures_from_many_addresses_do_not_lock(self, client, amara):
        self.fail_from_many_addresses(client, "amara.okafor", 19)
        assert sign_in(client, "amara.okafor", REMOTE_ADDR="198.51.100.7").status_code == 302
        assert not Alert.objects.filter(kind=AlertKind.PASSWORD_GUESSING).exists()

    def test_other_accounts_are_not_locked(self, client, amara, priya):
        self.fail_from_many_addresses(client, "amara.okafor", 20)
        assert sign_in(client, "priya.shah", REMOTE_ADDR="203.0.113.5").status_code == 302

    def test_the_lock_ends_after_the_cool_off_time(self, client, amara):
        start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
        with time_machine.travel(start, tick=False) as traveller:
            self.fail_from_many_addresses(client, "amara.okafor", 20)
            assert sign_in(client, "amara.okafor", REMOTE_ADDR="198.51.100.7").status_code == 429
            traveller.shift(dt.timedelta(minutes=31))
            assert sign_in(client, "amara.okafor", REMOTE_ADDR="198.51.100.7").status_code == 302

    def test_an_unknown_username_is_locked_the_same_and_raises_no_alert(self, client, amara):
        self.fail_from_many_addresses(client, "no.such.person", 20)
        response = sign_in(client, "no.such.person", REMOTE_ADDR="198.51.100.7")
        assert response.status_code == 429
        assert "wherever they are" in response.content.decode()
        assert not Alert.objects.exists()

    def test_the_per_address_lock_still_says_colleagues_are_not_affected(self, client, amara):
        for _ in range(5):
            sign_in(client, "amara.okafor", "wrong", REMOTE_ADDR="10.0.0.5")
        response = sign_in(client, "amara.okafor", REMOTE_ADDR="10.0.0.5")
        assert response.status_code == 429
        assert "Other people in your office are not affected" in response.content.decode()
        assert not Alert.objects.exists()


# --- the second factor ------------------------------------------------------------------------


def code_for(device: TOTPDevice) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:06d}"


@pytest.fixture
def amara_device(amara):
    return TOTPDevice.objects.create(user=amara, name="LISA", confirmed=True)


class TestSignInIsRecordedAfterTheSecondFactor:
    def test_the_password_alone_is_recorded_as_such_and_sign_in_only_after_the_code(
        self, client, amara, amara_device
    ):
        assert sign_in(client, "amara.okafor").status_code == 302
        accepted = AuditEvent.objects.get(action=Action.PASSWORD_ACCEPTED)
        assert accepted.user == amara
        assert not AuditEvent.objects.filter(action=Action.SIGN_IN).exists()

        client.post("/sign-in/code/", {"code": code_for(amara_device)})
        event = AuditEvent.objects.get(action=Action.SIGN_IN)
        assert event.user == amara and event.detail == {"second_factor": "passed"}

    def test_a_wrong_code_leaves_no_sign_in_in_the_trail(self, client, amara, amara_device):
        sign_in(client, "amara.okafor")
        client.post("/sign-in/code/", {"code": "000000"})
        assert not AuditEvent.objects.filter(action=Action.SIGN_IN).exists()
        assert AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED, user=amara).exists()

    def test_without_a_second_factor_the_password_is_the_sign_in(self, client, amara):
        sign_in(client, "amara.okafor")
        assert AuditEvent.objects.filter(action=Action.SIGN_IN, user=amara).count() == 1
        assert not AuditEvent.objects.filter(action=Action.PASSWORD_ACCEPTED).exists()

    @override_settings(LISA_REQUIRE_SECOND_FACTOR=True)
    def test_when_required_setting_up_the_app_completes_the_sign_in(self, client, amara):
        sign_in(client, "amara.okafor")
        assert AuditEvent.objects.filter(action=Action.PASSWORD_ACCEPTED, user=amara).exists()
        assert not AuditEvent.objects.filter(action=Action.SIGN_IN).exists()
        client.get("/account/two-step-verification/")
        device = TOTPDevice(user=amara, key=client.session["lisa_new_second_factor_key"])
        client.post("/account/two-step-verification/", {"code": code_for(device)})
        assert AuditEvent.objects.filter(action=Action.SIGN_IN, user=amara).count() == 1


class TestMovingToANewPhoneAsksForThePassword:
    @pytest.fixture
    def verified(self, client, amara, amara_device):
        sign_in(client, "amara.okafor")
        client.post("/sign-in/code/", {"code": code_for(amara_device)})
        page = client.get("/account/two-step-verification/").content.decode()
        assert "Move two-step verification to a new phone" in page
        assert 'name="password"' in page
        return client, TOTPDevice(user=amara, key=client.session["lisa_new_second_factor_key"])

    def test_a_code_from_the_new_app_without_the_password_changes_nothing(
        self, verified, amara, amara_device
    ):
        client, new = verified
        response = client.post("/account/two-step-verification/", {"code": code_for(new)})
        assert response.status_code == 200
        assert "Enter your LISA password" in response.content.decode()
        assert TOTPDevice.objects.get(user=amara) == amara_device

    def test_a_wrong_password_is_refused_beside_the_field_and_audited(
        self, verified, amara, amara_device
    ):
        client, new = verified
        response = client.post(
            "/account/two-step-verification/", {"code": code_for(new), "password": "guess"}
        )
        assert response.status_code == 200
        assert "That is not your password" in response.content.decode()
        assert TOTPDevice.objects.get(user=amara) == amara_device
        assert AuditEvent.objects.filter(
            action=Action.DENIED,
            user=amara,
            detail__reason="wrong password when moving two-step verification",
        ).exists()

    def test_three_wrong_passwords_sign_the_person_out(self, verified, amara, amara_device):
        client, new = verified
        for _ in range(3):
            response = client.post(
                "/account/two-step-verification/", {"code": code_for(new), "password": "guess"}
            )
        assert response.status_code == 302 and response["Location"] == "/sign-in/"
        assert client.get("/account/").status_code == 302
        assert TOTPDevice.objects.get(user=amara) == amara_device

    def test_the_right_password_and_code_move_the_app(self, verified, amara, amara_device):
        client, new = verified
        response = client.post(
            "/account/two-step-verification/", {"code": code_for(new), "password": PASSWORD}
        )
        assert response.status_code == 302
        assert TOTPDevice.objects.get(user=amara).key == new.key
        assert AuditEvent.objects.filter(
            action=Action.UPDATE, detail__second_factor="moved to a new phone"
        ).exists()

    def test_a_first_set_up_does_not_ask_for_the_password(self, client, amara):
        sign_in(client, "amara.okafor")
        page = client.get("/account/two-step-verification/").content.decode()
        assert 'name="password"' not in page
