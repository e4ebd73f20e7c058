"""Asking for a password link: the answer looks and takes the same whether or not the address
has an account, because the email is sent by the worker, never during the request."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from audit.models import Action, AuditEvent
from lisa.actions import send_password_reset

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LISA_SITE_URL = "https://lisa.example.gov.uk"


def run_queued() -> list:
    """Run the queued password-reset tasks as the worker would, and clear the queue."""
    queued = list(DBTaskResult.objects.order_by("enqueued_at"))
    DBTaskResult.objects.filter(pk__in=[item.pk for item in queued]).delete()
    for item in queued:
        assert item.task_path == "lisa.actions.send_password_reset"
        send_password_reset.call(*item.args_kwargs["args"], **item.args_kwargs["kwargs"])
    return queued


def ask(client, email: str, capture):
    with capture(execute=True):
        return client.post("/forgotten-password/", {"email": email}, follow=True)


def test_no_email_is_sent_during_the_request_and_the_worker_sends_it(
    client, amara, django_capture_on_commit_callbacks
):
    response = ask(client, "Amara.Okafor@example.org", django_capture_on_commit_callbacks)
    assert response.redirect_chain == [("/forgotten-password/sent/", 302)]
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 1

    run_queued()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amara.okafor@example.org"]
    assert message.subject == "Reset your LISA password"
    # The link is built on the configured site address, never on the request's Host header.
    link = re.search(r"https://lisa\.example\.gov\.uk/set-password/[^/\s]+/[^/\s]+/", message.body)
    assert link is not None


def test_an_unknown_address_gives_the_identical_page_and_no_email(
    client, amara, django_capture_on_commit_callbacks
):
    known = ask(client, "amara.okafor@example.org", django_capture_on_commit_callbacks)
    known_queue = [(item.task_path, item.queue_name) for item in run_queued()]
    unknown = ask(client, "nobody@example.org", django_capture_on_commit_callbacks)
    unknown_queue = [(item.task_path, item.queue_name) for item in run_queued()]

    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.status_code == known.status_code
    strip = re.compile(r'(nonce|value)="[^"]*"')
    assert strip.sub("", unknown.content.decode()) == strip.sub("", known.content.decode())
    # The same work is queued for both: which answer it was shows nowhere in the request.
    assert unknown_queue == known_queue
    assert [message.to for message in mail.outbox] == [["amara.okafor@example.org"]]


def test_the_request_is_recorded_without_saying_whether_the_address_is_known(
    client, django_capture_on_commit_callbacks
):
    ask(client, "nobody@example.org", django_capture_on_commit_callbacks)
    event = AuditEvent.objects.get(action=Action.UPDATE, object_type="lisa.user")
    assert event.detail == {"password_reset_requested_for": "nobody@example.org"}


def test_nothing_is_queued_if_the_request_rolls_back(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/forgotten-password/", {"email": "amara.okafor@example.org"})
    assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1


def test_a_failing_mail_server_is_logged_not_raised(amara, settings, caplog):
    settings.EMAIL_BACKEND = "tests.lisa.failing_mail.Backend"
    send_password_reset.call("amara.okafor@example.org")
    assert "Failed to send password reset email" in caplog.text
    assert "amara.okafor@example.org" not in caplog.text
