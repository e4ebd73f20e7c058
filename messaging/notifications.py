"""Notification emails: "there is something new in LISA", and a link. Never personal data.

A notification is queued as a background task when the transaction that caused it commits, so
a change that is rolled back sends nothing and a slow mail server never slows a page.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task

SUBJECTS = {
    "message": "You have a new message in LISA",
    "concern": "There is a new concern in LISA about a child you work with",
}


@task()
def send_notification(user_id: int, kind: str, path: str) -> None:
    """Email one person that there is something new, with a link and nothing else."""
    from lisa.models import User

    user = User.objects.filter(pk=user_id, is_active=True).only("email").first()
    if user is None or not user.email:
        return
    subject = SUBJECTS.get(kind, "There is something new for you in LISA")
    send_mail(
        subject,
        f"{subject}.\n\nSign in to see it: {settings.LISA_SITE_URL}{path}\n",
        None,
        [user.email],
    )


def notify(users: Iterable, *, kind: str, path: str) -> None:
    """Queue a notification to each of ``users`` once the current transaction commits."""
    user_ids = sorted({user.pk for user in users})

    def enqueue():
        for user_id in user_ids:
            send_notification.enqueue(user_id, kind, path)

    transaction.on_commit(enqueue)
