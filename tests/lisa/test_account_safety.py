"""Managing accounts safely: changes that would let an officer take an account over are left to
the central team, and concurrent training dates are refused rather than overwritten."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action, Alert, AlertKind, AuditEvent, Outcome
from lisa.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def signed_in(user: User) -> Client:
    client = Client()
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def edit_data(user: User, **changes) -> dict:
    user.refresh_from_db()
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "job_title": user.job_title,
        "phone": user.phone,
        "agency": user.agency_id,
        "roles": user.roles,
        "version": user.updated_at.isoformat(),
    }
    data.update(changes)
    return data


@pytest.fixture
def amara_device(amara):
    return TOTPDevice.objects.create(user=amara, name="LISA", confirmed=True)


class TestEmailChangeAndSecondFactorReset:
    def test_an_officer_cannot_reset_two_step_soon_after_changing_the_email(
        self, priya, amara, amara_device
    ):
        with time_machine.travel(START, tick=False) as traveller:
            officer = signed_in(priya)
            changed = officer.post(
                f"/users/{amara.pk}/edit/", edit_data(amara, email="new.place@example.net")
            )
            assert changed.status_code == 302
            traveller.shift(dt.timedelta(hours=20))
            officer = signed_in(priya)  # the first session has timed out
            response = officer.post(f"/users/{amara.pk}/reset-two-step/", follow=True)
        page = response.content.decode()
        assert "Two-step verification cannot be reset now" in page
        assert "ask the LISA central team to reset it" in page
        assert TOTPDevice.objects.filter(pk=amara_device.pk).exists()
        alert = Alert.objects.get(kind=AlertKind.ACCOUNT_TAKEOVER)
        assert alert.user == priya
        assert alert.detail["target_user"] == amara.pk
        assert "two-step reset after email change" in alert.reason
        assert AuditEvent.objects.filter(
            action=Action.DENIED, outcome=Outcome.DENIED, object_id=str(amara.pk)
        ).exists()

    def test_an_officer_cannot_change_the_email_soon_after_resetting_two_step(
        self, priya, amara, amara_device
    ):
        with time_machine.travel(START, tick=False) as traveller:
            officer = signed_in(priya)
            assert officer.post(f"/users/{amara.pk}/reset-two-step/").status_code == 302
            traveller.shift(dt.timedelta(hours=23))
            officer = signed_in(priya)
            response = officer.post(
                f"/users/{amara.pk}/edit/", edit_data(amara, email="new.place@example.net")
            )
        assert response.status_code == 200
        assert "The email address cannot be changed now" in response.content.decode()
        assert "email" in response.context["form"].errors
        amara.refresh_from_db()
        assert amara.email == "amara.okafor@example.org"
        assert Alert.objects.filter(kind=AlertKind.ACCOUNT_TAKEOVER, user=priya).count() == 1

    def test_other_details_may_still_be_changed_after_a_reset(self, priya, amara, amara_device):
        officer = signed_in(priya)
        officer.post(f"/users/{amara.pk}/reset-two-step/")
        response = officer.post(f"/users/{amara.pk}/edit/", edit_data(amara, job_title="Lead"))
        assert response.status_code == 302
        amara.refresh_from_db()
        assert amara.job_title == "Lead"
        assert not Alert.objects.exists()

    def test_a_day_later_the_officer_may(self, priya, amara, amara_device):
        with time_machine.travel(START, tick=False) as traveller:
            officer = signed_in(priya)
            officer.post(
                f"/users/{amara.pk}/edit/", edit_data(amara, email="new.place@example.net")
            )
            traveller.shift(dt.timedelta(hours=24, minutes=1))
            officer = signed_in(priya)  # the first session has timed out
            assert officer.post(f"/users/{amara.pk}/reset-two-step/").status_code == 302
        assert not TOTPDevice.objects.filter(user=amara).exists()
        assert not Alert.objects.exists()

    def test_the_central_team_may_do_both(self, morgan, amara, amara_device):
        central = signed_in(morgan)
        central.post(f"/users/{amara.pk}/edit/", edit_data(amara, email="new.place@example.net"))
        assert central.post(f"/users/{amara.pk}/reset-two-step/").status_code == 302
        assert not TOTPDevice.objects.filter(user=amara).exists()
        amara.refresh_from_db()
        assert amara.email == "new.place@example.net"
        assert not Alert.objects.exists()


class TestReactivation:
    def test_an_officer_cannot_reactivate_an_account_the_central_team_deactivated(
        self, morgan, priya, amara
    ):
        signed_in(morgan).post(f"/users/{amara.pk}/deactivate/", {"reason": "Under review"})
        amara.refresh_from_db()
        assert amara.deactivated_by == morgan and amara.deactivated_by_central_team

        officer = signed_in(priya)
        page = officer.get(f"/users/{amara.pk}/").content.decode()
        assert "Only the central team can reactivate it" in page
        assert f"/users/{amara.pk}/reactivate/" not in page
        response = officer.post(f"/users/{amara.pk}/reactivate/")
        assert response.status_code == 403
        assert "deactivated by the LISA central team" in response.content.decode()
        amara.refresh_from_db()
        assert not amara.is_active

        signed_in(morgan).post(f"/users/{amara.pk}/reactivate/")
        amara.refresh_from_db()
        assert amara.is_active and not amara.deactivated_by_central_team

    def test_an_officer_reactivates_an_account_an_officer_deactivated(self, priya, amara):
        officer = signed_in(priya)
        officer.post(f"/users/{amara.pk}/deactivate/", {"reason": "On leave"})
        assert (
            f"/users/{amara.pk}/reactivate/" in officer.get(f"/users/{amara.pk}/").content.decode()
        )
        officer.post(f"/users/{amara.pk}/reactivate/")
        amara.refresh_from_db()
        assert amara.is_active


class TestTrainingDateVersion:
    def training(self, day: str, version: str) -> dict:
        return {
            "training_date_0": day,
            "training_date_1": "10",
            "training_date_2": "2026",
            "version": version,
        }

    def test_the_second_of_two_concurrent_training_dates_is_refused(self, helen, morgan, jordan):
        first, second = signed_in(helen), signed_in(morgan)
        opened = second.get(f"/users/{jordan.pk}/training/")
        version = opened.context["form"]["version"].value()
        assert version == jordan.updated_at.isoformat()

        assert (
            first.post(f"/users/{jordan.pk}/training/", self.training("5", version)).status_code
            == 302
        )
        response = second.post(f"/users/{jordan.pk}/training/", self.training("9", version))
        assert response.status_code == 200
        body = response.content.decode()
        assert "Someone else changed this user while you were editing" in body
        assert "The training date is now 5 October 2026" in body
        jordan.refresh_from_db()
        assert jordan.training_date == dt.date(2026, 10, 5)

        # Saving again, now knowing the newer value, is allowed.
        again = second.post(
            f"/users/{jordan.pk}/training/",
            self.training("9", response.context["form"]["version"].value()),
        )
        assert again.status_code == 302
        jordan.refresh_from_db()
        assert jordan.training_date == dt.date(2026, 10, 9)

    def test_a_save_without_the_version_is_refused(self, helen, jordan):
        response = signed_in(helen).post(f"/users/{jordan.pk}/training/", self.training("5", ""))
        assert response.status_code == 200
        assert "Someone else changed this user" in response.content.decode()
        jordan.refresh_from_db()
        assert jordan.training_date is None
