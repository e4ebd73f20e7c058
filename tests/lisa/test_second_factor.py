"""Two-step verification with an authenticator app."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action, AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{value:06d}"


@pytest.fixture
def amara_device(amara):
    return TOTPDevice.objects.create(user=amara, name="LISA", confirmed=True)


def test_a_person_with_a_device_must_enter_a_code_before_anything_else(
    client_for, amara, amara_device
):
    client = client_for(amara)
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/code/?next=/account/")
    assert client.get("/users/").status_code == 302

    wrong = client.post("/sign-in/code/", {"code": "000000", "next": "/account/"})
    assert "That code is not right" in wrong.content.decode()
    assert AuditEvent.objects.filter(
        action=Action.SIGN_IN_FAILED, detail__reason="wrong second-factor code"
    ).exists()

    amara_device.refresh_from_db()
    amara_device.throttle_reset()
    right = client.post("/sign-in/code/", {"code": code_for(amara_device), "next": "/account/"})
    assert right.status_code == 302 and right["Location"] == "/account/"
    assert client.get("/account/").status_code == 200
    assert AuditEvent.objects.filter(action=Action.SIGN_IN, detail__second_factor="passed").exists()


def test_codes_that_are_not_six_numbers_are_explained(client_for, amara, amara_device):
    client = client_for(amara)
    response = client.post("/sign-in/code/", {"code": "12ab"})
    assert "Enter the 6 numbers" in response.content.decode()


def test_the_next_address_cannot_send_people_off_site(client_for, amara, amara_device):
    client = client_for(amara)
    response = client.post(
        "/sign-in/code/", {"code": code_for(amara_device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_people_without_a_device_are_not_asked_unless_required(client_for, amara):
    assert client_for(amara).get("/account/").status_code == 200


@override_settings(LISA_REQUIRE_SECOND_FACTOR=True)
def test_when_required_a_person_without_a_device_must_set_one_up(client_for, amara):
    client = client_for(amara)
    response = client.get("/")
    assert response["Location"].startswith("/account/two-step-verification/")
    page = client.get("/account/two-step-verification/").content.decode()
    assert "<svg" in page
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', page).group(1)
    assert len(secret.replace(" ", "")) >= 32
    assert not TOTPDevice.objects.filter(user=amara).exists()  # nothing stored before a code
    device = TOTPDevice(user=amara, key=client.session["lisa_new_second_factor_key"])
    response = client.post("/account/two-step-verification/", {"code": code_for(device)})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=amara).confirmed
    assert client.get("/").status_code == 200


def test_a_designated_officer_resets_a_lost_phone(client, client_for, amara, priya, amara_device):
    amara_client = client_for(amara)
    amara_client.post("/sign-in/code/", {"code": code_for(amara_device)})
    assert amara_client.get("/").status_code == 200
    from django.test import Client

    officer = Client()
    officer.post("/sign-in/", {"username": "priya.shah", "password": "correct-horse-battery"})
    response = officer.post(f"/users/{amara.pk}/reset-two-step/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=amara).exists()
    assert amara_client.get("/").status_code == 302  # signed out everywhere
    assert AuditEvent.objects.filter(action=Action.UPDATE, detail__second_factor="reset").exists()


def test_another_agencys_officer_cannot_reset(client_for, amara, helen, amara_device):
    response = client_for(helen).post(f"/users/{amara.pk}/reset-two-step/")
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=amara).exists()


def test_a_password_alone_cannot_replace_the_authenticator_app(client_for, amara, amara_device):
    client = client_for(amara)
    response = client.get("/account/two-step-verification/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/code/")
    response = client.post("/account/two-step-verification/", {"code": "123456"})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=amara).count() == 1
    assert TOTPDevice.objects.get(user=amara) == amara_device


def test_looking_at_the_set_up_page_writes_nothing(client_for, amara):
    client = client_for(amara)
    assert client.get("/account/two-step-verification/").status_code == 200
    assert not TOTPDevice.objects.filter(user=amara).exists()


def test_a_verified_person_moves_to_a_new_phone(client_for, amara, amara_device):
    client = client_for(amara)
    client.post("/sign-in/code/", {"code": code_for(amara_device)})
    page = client.get("/account/two-step-verification/").content.decode()
    assert "<svg" in page
    key = client.session["lisa_new_second_factor_key"]
    new = TOTPDevice(user=amara, key=key)
    response = client.post(
        "/account/two-step-verification/", {"code": code_for(new), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=amara).key == key
