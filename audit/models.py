"""The audit trail: who did what to which record, when and from where.

The table is append-only: a trigger installed by migration 0002 makes PostgreSQL refuse every
UPDATE, DELETE and TRUNCATE on it, whoever asks.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Action(models.TextChoices):
    VIEW = "view", "Viewed"
    SEARCH = "search", "Searched"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    EXPORT = "export", "Exported"
    PRINT = "print", "Printed"
    DOWNLOAD = "download", "Downloaded"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_OUT = "sign_out", "Signed out"
    LOCKOUT = "lockout", "Locked out"
    DENIED = "denied", "Refused"
    BREAK_GLASS = "break_glass", "Broke glass"
    ENTERED_IN_ERROR = "entered_in_error", "Marked entered in error"
    MERGE = "merge", "Merged"
    DEACTIVATE = "deactivate", "Deactivated"


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Denied"


class AuditEvent(models.Model):
    """One audited request: a view, search, change, print, export, sign-in or refusal."""

    at = models.DateTimeField(db_default=models.functions.Now(), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        db_constraint=False,
    )
    # Snapshots: the trail must still read correctly after a user changes agency or role.
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=30, blank=True)
    agency = models.ForeignKey(
        "lisa.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        db_constraint=False,
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.ALLOWED)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # The child the event concerns, where there is one. A plain number, not a foreign key: the
    # trail outlives merges and the retention schedule.
    child_id = models.BigIntegerField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=400, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "-at"], name="audit_user_at"),
            models.Index(fields=["agency", "-at"], name="audit_agency_at"),
            models.Index(fields=["child_id", "-at"], name="audit_child_at"),
            models.Index(fields=["action", "-at"], name="audit_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or 'anonymous'} {self.action}"
