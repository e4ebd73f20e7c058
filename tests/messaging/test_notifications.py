"""Notification emails: sent after commit through a background task, with no personal data,
and tried again when the mail server fails, without ever losing the message."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from messaging.models import Message
from messaging.notifications import MAX_ATTEMPTS, send_notification
from tests.messaging import flaky_mail
from tests.messaging.conftest import involve, send, start

pytestmark = pytest.mark.django_db

SECRET_TEXT = "Mum disclosed that her partner hit her on Saturday"


def run_queued():
    """Run every task waiting in the queue, as the worker would, and clear it."""
    queued = list(DBTaskResult.objects.order_by("enqueued_at"))
    DBTaskResult.objects.filter(pk__in=[q.pk for q in queued]).delete()
    for item in queued:
        send_notification.call(*item.args_kwargs["args"], **item.args_kwargs["kwargs"])
    return queued


def test_nothing_is_queued_until_the_transaction_commits(
    amara, daniel, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        start(amara, [daniel])
    assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1


def test_the_email_carries_no_personal_data(
    settings, amara, daniel, child, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    involve(amara, child)
    involve(daniel, child)
    with django_capture_on_commit_callbacks(execute=True):
        thread = start(amara, [daniel], child=child, subject="Ottoline at home", body=SECRET_TEXT)
    run_queued()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [daniel.email]
    assert email.subject == "You have a new message in LISA"
    everything = f"{email.subject}\n{email.body}\n{email.alternatives}"
    for secret in (
        "Ottoline",
        "Brackenbury",
        child.lisa_ref,
        SECRET_TEXT,
        "partner",
        "Amara",
        "Okafor",
        amara.email,
        "Health Visiting",
    ):
        assert secret not in everything, secret
    assert f"/messages/{thread.pk}/" in email.body
    # A reply tells the other participant, not the writer.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send(daniel, thread, "Her partner has moved out")
    run_queued()
    assert [m.to for m in mail.outbox] == [[amara.email]]
    assert "partner" not in mail.outbox[0].body and "Daniel" not in mail.outbox[0].body


def test_a_failed_send_is_queued_again_later_and_the_message_is_kept(
    settings, amara, daniel, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.messaging.flaky_mail.Backend"
    flaky_mail.failures_left["count"] = 1
    with django_capture_on_commit_callbacks(execute=True):
        thread = start(amara, [daniel], body="Please call me")
    before = timezone.now()
    run_queued()
    assert mail.outbox == []
    retry = DBTaskResult.objects.get()
    assert retry.run_after > before
    assert retry.args_kwargs["args"] == [daniel.pk, "message", f"/messages/{thread.pk}/", 2]
    assert retry.task_path == "messaging.notifications.send_notification"
    assert Message.objects.filter(thread=thread, body="Please call me").exists()
    # The server is back: the retry is delivered.
    run_queued()
    assert len(mail.outbox) == 1
    assert not DBTaskResult.objects.exists()


def test_after_the_last_attempt_the_failure_is_logged_and_not_retried(settings, daniel, caplog):
    settings.EMAIL_BACKEND = "tests.lisa.failing_mail.Backend"
    with caplog.at_level(logging.WARNING, logger="messaging.notifications"):
        send_notification.call(daniel.pk, "message", "/messages/1/", MAX_ATTEMPTS - 1)
        assert DBTaskResult.objects.get().args_kwargs["args"][-1] == MAX_ATTEMPTS
        DBTaskResult.objects.all().delete()
        send_notification.call(daniel.pk, "message", "/messages/1/", MAX_ATTEMPTS)
    assert not DBTaskResult.objects.exists()
    final = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(final) == 1
    assert f"after {MAX_ATTEMPTS} attempts" in final[0].getMessage()


def test_inactive_people_are_not_emailed(settings, amara, daniel):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    daniel.is_active = False
    daniel.save()
    send_notification.call(daniel.pk, "message", "/messages/1/")
    assert mail.outbox == []
