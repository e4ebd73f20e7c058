"""Sessions are kept with the person signed in on them, and read with that person in one query."""

from __future__ import annotations

import pytest
from django.contrib import auth
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from lisa.models import Session, User
from lisa.sessions import SessionStore, preloaded_user

pytestmark = pytest.mark.django_db


def _session_of(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_a_session_names_the_person_signed_in_on_it(client_for, amara):
    client = client_for(amara)
    assert _session_of(client).user_id == amara.pk

    client.post("/sign-out/")
    assert not Session.objects.filter(user=amara).exists()


@override_settings(LISA_PREPARED_STATEMENTS=False)  # to read the SQL itself
def test_a_page_reads_the_session_the_person_and_their_agency_in_one_query(client_for, amara):
    client = client_for(amara)
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/account/")
    assert response.status_code == 200
    assert amara.agency.name in response.content.decode()
    statements = [query["sql"] for query in captured.captured_queries]
    assert 'FROM "lisa_session"' in statements[0]
    assert '"lisa_agency"."name"' in statements[0]
    assert not [sql for sql in statements if 'FROM "lisa_user"' in sql.split("WHERE")[0]]


def test_a_person_deactivated_since_signing_in_is_signed_out(client_for, amara):
    client = client_for(amara)
    assert client.get("/account/").status_code == 200
    User.objects.filter(pk=amara.pk).update(is_active=False)

    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_a_changed_password_ends_the_other_sessions(client_for, client, amara):
    client_for(amara)
    amara.set_password("another-long-passphrase-2026")
    amara.save()

    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_the_person_read_with_a_session_stands_only_for_that_person(amara, priya):
    store = SessionStore()
    store[auth.SESSION_KEY] = str(amara.pk)
    store.save()
    loaded = SessionStore(store.session_key)
    assert loaded.load()[auth.SESSION_KEY] == str(amara.pk)
    assert loaded.preloaded_user.pk == amara.pk

    from lisa import sessions

    token = sessions._looking_up.set(loaded)
    try:
        assert preloaded_user(str(amara.pk)) is loaded.preloaded_user
        assert preloaded_user(priya.pk) is None
    finally:
        sessions._looking_up.reset(token)
    assert preloaded_user(amara.pk) is None  # outside a request's sign-in, nothing is lent


def test_an_expired_or_unknown_session_reads_no_one(amara):
    store = SessionStore()
    store[auth.SESSION_KEY] = str(amara.pk)
    store.set_expiry(-1)
    store.save()
    loaded = SessionStore(store.session_key)
    assert loaded.load() == {}
    assert loaded.preloaded_user is None
    assert SessionStore("x" * 32).load() == {}


def test_a_session_saved_from_async_code_names_its_person_too(amara):
    from asgiref.sync import async_to_sync

    store = SessionStore()
    store[auth.SESSION_KEY] = str(amara.pk)
    async_to_sync(store.asave)()
    assert Session.objects.get(session_key=store.session_key).user_id == amara.pk


def test_async_sign_in_makes_the_same_checks(amara):
    from asgiref.sync import async_to_sync

    from lisa.auth import TrainedUserBackend

    backend = TrainedUserBackend()
    assert async_to_sync(backend.aget_user)(amara.pk) == amara
    User.objects.filter(pk=amara.pk).update(training_date=None)
    assert async_to_sync(backend.aget_user)(amara.pk) is None


def test_the_worker_deletes_expired_sessions_each_minute(amara, priya):
    from lisa.tasks import clear_expired_sessions

    expired, current = SessionStore(), SessionStore()
    expired[auth.SESSION_KEY] = str(amara.pk)
    expired.set_expiry(-1)
    expired.save()
    current[auth.SESSION_KEY] = str(priya.pk)
    current.save()

    assert clear_expired_sessions() == 1
    assert list(Session.objects.values_list("user_id", flat=True)) == [priya.pk]


def _verified_client(client_for, amara):
    """Signed in through the real form and the real code step."""
    from tests.lisa.test_second_factor import code_for

    device = TOTPDevice.objects.create(user=amara, name="LISA", confirmed=True)
    client = client_for(amara)
    response = client.post("/sign-in/code/", {"code": code_for(device), "next": "/account/"})
    assert response.status_code == 302 and response["Location"] == "/account/"
    return client, device


@override_settings(LISA_PREPARED_STATEMENTS=False)  # to read the SQL itself
def test_a_verified_page_reads_the_authenticator_with_the_session(client_for, amara):
    client, device = _verified_client(client_for, amara)
    assert _session_of(client).otp_device_id == device.pk
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/account/")
    assert response.status_code == 200  # verified: not sent to the code step
    statements = [query["sql"] for query in captured.captured_queries]
    assert '"otp_totp_totpdevice"."key"' in statements[0]
    assert not [sql for sql in statements[1:] if 'FROM "otp_totp_totpdevice"' in sql]


def test_an_authenticator_no_longer_the_persons_or_unconfirmed_does_not_verify(
    client_for, amara, priya
):
    """django-otp's checks still apply to the authenticator read with the session."""
    client, device = _verified_client(client_for, amara)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/code/")

    client, device = _verified_client(client_for, amara)
    TOTPDevice.objects.filter(pk=device.pk).update(user=priya)
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/code/")


def test_a_removed_authenticator_leaves_the_session_and_the_code_step_returns(client_for, amara):
    client, device = _verified_client(client_for, amara)
    device.delete()
    assert _session_of(client).otp_device_id is None
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_a_session_names_no_authenticator_for_text_that_is_not_one(amara):
    for value in (
        "",
        "otp_totp.totpdevice/",
        "otp_totp.totpdevice/1x",
        "otp_static.staticdevice/3",
    ):
        store = SessionStore()
        store["_auth_user_id"] = str(amara.pk)
        store["otp_device_id"] = value
        store.save()
        assert Session.objects.get(session_key=store.session_key).otp_device_id is None


def test_a_page_reads_the_signed_in_person_directly_not_through_lazy_wrappers(client_for, amara):
    response = client_for(amara).get("/account/")
    assert response.status_code == 200
    assert type(response.wsgi_request.user) is User
    assert response.wsgi_request.user.pk == amara.pk
