"""Secure messages between users, optionally about one child.

A thread about a child is visible only to its participants who may also see that child's full
record (see :mod:`messaging.access`). Messages are never deleted: a wrong one is marked
"entered in error" with a reason and shown struck through.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Thread(models.Model):
    """A conversation between two or more people, optionally about one child."""

    subject = models.CharField(max_length=150)
    child = models.ForeignKey(
        "children.Child",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="message_threads",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the newest message was sent: the inbox lists threads by it, newest first.
    last_message_at = models.DateTimeField(default=timezone.now)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Participant", related_name="message_threads"
    )

    class Meta:
        ordering = ["-last_message_at", "-pk"]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("messaging:thread", args=[self.pk])


class Participant(models.Model):
    """A person taking part in a thread, and when they last read it."""

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="participations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="message_participations"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="messaging_one_participation")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.thread}"


class Message(models.Model):
    """One message in a thread. Never deleted; a wrong one is marked entered in error."""

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages_sent"
    )
    body = models.TextField(max_length=5000)
    sent_at = models.DateTimeField(default=timezone.now)
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=500, blank=True)
    error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["thread", "sent_at"], name="messaging_message_thread")]

    def __str__(self) -> str:
        return f"Message {self.pk} in thread {self.thread_id}"
