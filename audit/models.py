"""The audit trail: who did what to which record, when and from where.

The table is append-only: a trigger installed by migration 0002 makes PostgreSQL refuse every
UPDATE, DELETE and TRUNCATE on it, whoever asks, and the application's database role may only
read and add to it (audit/database.py). Events are sealed in blocks of a hash chain
(audit/chain.py), so that a change made by someone who got round both still shows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    VIEW = "view", "Viewed"
    SEARCH = "search", "Searched"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    EXPORT = "export", "Exported"
    PRINT = "print", "Printed"
    DOWNLOAD = "download", "Downloaded"
    SIGN_IN = "sign_in", "Signed in"
    PASSWORD_ACCEPTED = "password_accepted", "Password accepted"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_OUT = "sign_out", "Signed out"
    LOCKOUT = "lockout", "Locked out"
    DENIED = "denied", "Refused"
    BREAK_GLASS = "break_glass", "Broke glass"
    ENTERED_IN_ERROR = "entered_in_error", "Marked entered in error"
    MERGE = "merge", "Merged"
    DEACTIVATE = "deactivate", "Deactivated"


ACTION_LABELS = {str(value): str(label) for value, label in Action.choices}


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
            # "Has this person opened this record of decisions?", asked for each record listed
            # on the home page: a few rows, whatever the size of the trail.
            models.Index(
                fields=["user", "object_id"],
                name="audit_record_opened",
                condition=models.Q(action="view", object_type="meetings.recordofdecisions"),
            ),
            # "Which children's cards has this person opened lately?", asked on every card of a
            # child they do not work with (children.actions.check_card_volume): their newest
            # card views, from the index alone.
            models.Index(
                fields=["user", "-at"],
                name="audit_card_views",
                include=["child_id"],
                condition=models.Q(action="view", detail__view="card"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or 'anonymous'} {self.action}"

    @property
    def action_label(self) -> str:
        """As ``get_action_display``, which builds a dictionary of the choices at each call:
        lists of events label many."""
        return ACTION_LABELS.get(self.action, self.action)


class AlertKind(models.TextChoices):
    BREAK_GLASS = "break_glass", "Break-glass access"
    SELF_CLAIM = "self_claim", "Self-claimed involvement"
    UNUSUAL_VOLUME = "unusual_volume", "Unusual volume of access"
    ACUTE_CONCERN = "acute_concern", "Level 4 (acute) concern"
    PASSWORD_GUESSING = "password_guessing", "Many failed sign-ins to one account"
    ACCOUNT_TAKEOVER = "account_takeover", "Email change and two-step reset refused"


class Alert(models.Model):
    """Something the central team must review: a break-glass access, a practitioner saying they
    work with a child, or one person opening an unusual number of records.

    Unlike audit events, an alert changes once: when it is marked reviewed, with a note.
    """

    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    child = models.ForeignKey(
        "children.Child",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="alerts",
        help_text="The person whose action raised the alert",
    )
    reason_category = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts_reviewed",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["-created_at"],
                name="alert_open",
                condition=models.Q(reviewed_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[value for value, _ in AlertKind.choices]),
                name="alert_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(reviewed_at__isnull=True)
                | (models.Q(reviewed_by__isnull=False) & ~models.Q(review_note="")),
                name="alert_review_has_reviewer_and_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_open(self) -> bool:
        return self.reviewed_at is None


class SealBlock(models.Model):
    """One link of the hash chain over the audit trail: a run of events in id order, sealed
    together with the hash of the block before. Append-only, like the events themselves."""

    number = models.PositiveBigIntegerField(unique=True)
    sealed_at = models.DateTimeField(db_default=models.functions.Now())
    first_event_id = models.BigIntegerField()
    last_event_id = models.BigIntegerField()
    event_count = models.PositiveIntegerField()
    # The columns each event's serialisation covered when sealed, so that a column added later
    # does not make older blocks fail to verify.
    columns = models.JSONField()
    # [[event id, the first 16 hex digits of its SHA-256], ...]: enough to name an event that
    # has changed; the block's own hash covers each event's full digest.
    events = models.JSONField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_event_id__lte=models.F("last_event_id")),
                name="sealblock_event_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Block {self.number}: events {self.first_event_id}-{self.last_event_id}"


class ChainVerification(models.Model):
    """One run of ``verify_audit``: when, what it checked and whether the chain held."""

    verified_at = models.DateTimeField(db_default=models.functions.Now(), db_index=True)
    passed = models.BooleanField()
    blocks_checked = models.PositiveBigIntegerField(default=0)
    events_checked = models.PositiveBigIntegerField(default=0)
    # The newest block when verified: a later verification checks it is still there, unchanged.
    head_number = models.PositiveBigIntegerField(null=True, blank=True)
    head_hash = models.CharField(max_length=64, blank=True)
    first_problem = models.TextField(blank=True)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-verified_at", "-id"]

    def __str__(self) -> str:
        return f"{self.verified_at:%Y-%m-%d %H:%M} {'passed' if self.passed else 'FAILED'}"
