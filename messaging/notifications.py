"""Notification emails: "there is something new in LISA", and a link. Never personal data.

A notification is queued as a background task when the transaction that caused it commits, so
a change that is rolled back sends nothing and a slow mail server never slows a page. The
message or concern itself is already saved: a mail server that is down only delays the email,
which is tried again later (up to :data:`MAX_ATTEMPTS` times, waiting longer each time).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

SUBJECTS = {
    "message": "You have a new message in LISA",
    "concern": "There is a new concern in LISA about a child you work with",
    "case_closed": "A case you worked on in LISA has been closed",
    "meeting": "There is something new in LISA about a Family Support Meeting",
    "school_change": "A child you work with is changing school",
    "moved_out": "A child you work with has moved out of the area",
}

MAX_ATTEMPTS = 5
# Minutes to wait before each retry: 1, 5, 15, 60.
RETRY_DELAYS = (1, 5, 15, 60)


def retry_delay(attempt: int) -> dt.timedelta:
    """How long to wait after failed attempt number ``attempt`` (1-based)."""
    return dt.timedelta(minutes=RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1])


@task()
def send_notification(user_id: int, kind: str, path: str, attempt: int = 1) -> None:
    """Email one person that there is something new, with a link and nothing else. A failed
    send is queued again with a delay; after the last attempt the failure is logged."""
    from lisa.models import User

    user = User.objects.filter(pk=user_id, is_active=True).only("email").first()
    if user is None or not user.email:
        return
    subject = SUBJECTS.get(kind, "There is something new for you in LISA")
    try:
        send_mail(
            subject,
            f"{subject}.\n\nSign in to see it: {settings.LISA_SITE_URL}{path}\n",
            None,
            [user.email],
        )
    except (smtplib.SMTPException, OSError) as error:
        if attempt >= MAX_ATTEMPTS:
            logger.error(
                "Notification to user %s not sent after %s attempts: %s",
                user_id,
                attempt,
                error,
            )
            return
        logger.warning(
            "Notification to user %s failed (attempt %s of %s), trying again later: %s",
            user_id,
            attempt,
            MAX_ATTEMPTS,
            error,
        )
        send_notification.using(run_after=timezone.now() + retry_delay(attempt)).enqueue(
            user_id, kind, path, attempt + 1
        )


def notify(users: Iterable, *, kind: str, path: str) -> None:
    """Queue a notification to each of ``users`` once the current transaction commits."""
    user_ids = sorted({user.pk for user in users})

    def enqueue():
        for user_id in user_ids:
            send_notification.enqueue(user_id, kind, path)

    transaction.on_commit(enqueue)
