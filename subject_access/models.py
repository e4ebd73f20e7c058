"""Subject access requests: a person asks for everything LISA holds about a child.

The central team records the request (who asked, in what capacity, when it was received and
how their identity was checked), LISA works out the legal deadline (one calendar month, moved
on to the next working day; three months when the team extends it), the team reviews the
information about other people that the answer would carry, and releases the answer as a PDF
and a JSON file. What was withheld, and why, is kept with the request, as is the released
document itself. A request may instead be closed without an answer: withdrawn by the person
who asked, or refused as manifestly unfounded or excessive (with the reason and the day they
were told, and of their right to complain to the ICO).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lisa.versioning import Versioned
from subject_access.deadlines import MONTHS_TO_REPLY, calendar_months_after, reply_due_by


def one_calendar_month_after(day: dt.date) -> dt.date:
    """The same date in the next month, or the last day of the next month when it has no such
    date (31 January gives 28 or 29 February): the plain time limit, before it is moved on to
    a working day (see :func:`subject_access.deadlines.reply_due_by`)."""
    return calendar_months_after(day, 1)


class RequesterKind(models.TextChoices):
    CHILD = "child", "The child or young person"
    PARENT = "parent", "A person with parental responsibility"
    REPRESENTATIVE = "representative", "Someone acting for the child or for a parent or carer"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    RELEASED = "released", "Released"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REFUSED = "refused", "Refused"


CLOSED_WITHOUT_ANSWER = (RequestStatus.WITHDRAWN, RequestStatus.REFUSED)


def _known(field: str, choices) -> Q:
    return Q(**{f"{field}__in": [value for value, _ in choices.choices]})


class SubjectAccessRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=RequestStatus.OPEN)

    def overdue(self, today: dt.date | None = None):
        """Open requests whose deadline has passed."""
        return self.open().filter(due_on__lt=today or timezone.localdate())


class SubjectAccessRequest(Versioned, models.Model):
    """A request for everything LISA holds about a child."""

    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="subject_access_requests"
    )
    requester_name = models.CharField("who asked", max_length=200)
    requester_kind = models.CharField(
        "in what capacity", max_length=20, choices=RequesterKind.choices
    )
    # The person with parental responsibility who asked, or for whom a representative acts.
    requester_parent = models.ForeignKey(
        "children.ParentalResponsibility",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="person with parental responsibility",
    )
    relationship = models.CharField(
        "relationship to the child, or on whose behalf they act", max_length=200
    )
    received_on = models.DateField("date the request was received")
    due_on = models.DateField("reply due by")
    identity_checked = models.BooleanField("identity checked", default=False)
    identity_how = models.CharField("how the identity was checked", max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    # The deadline extended by two further months (a complex request, or one of a number of
    # requests): why, the day the person who asked was told, and who extended it.
    extension_reason = models.CharField(
        "why the deadline was extended", max_length=1000, blank=True
    )
    extension_told_on = models.DateField(
        "date the person who asked was told", null=True, blank=True
    )
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    extended_at = models.DateTimeField(null=True, blank=True)
    # Closed without an answer: withdrawn (the day they withdrew it), or refused (the reason and
    # the day they were told, and that they were told of their right to complain to the ICO).
    closed_on = models.DateField(
        "date withdrawn, or date the person who asked was told", null=True, blank=True
    )
    closed_reason = models.CharField("why it was refused, or a note", max_length=1000, blank=True)
    complaint_right_told = models.BooleanField(
        "told of their right to complain to the ICO", default=False
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # The answer exactly as released (subject_access/schemas/subject-access-1.json); the PDF is
    # drawn from it.
    content = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubjectAccessRequestQuerySet.as_manager()

    class Meta:
        ordering = ["status", "due_on", "pk"]
        verbose_name = "subject access request"
        indexes = [
            models.Index(fields=["due_on"], condition=Q(status="open"), name="sar_open_due"),
            models.Index(fields=["child", "-received_on"], name="sar_child"),
        ]
        constraints = [
            models.CheckConstraint(condition=_known("status", RequestStatus), name="sar_status"),
            models.CheckConstraint(
                condition=_known("requester_kind", RequesterKind), name="sar_requester_kind"
            ),
            models.CheckConstraint(
                condition=~Q(requester_name="") & ~Q(relationship=""), name="sar_requester_named"
            ),
            models.CheckConstraint(
                condition=~Q(requester_kind=RequesterKind.PARENT)
                | Q(requester_parent__isnull=False),
                name="sar_parent_named",
            ),
            models.CheckConstraint(
                condition=Q(identity_checked=False) | ~Q(identity_how=""),
                name="sar_identity_check_described",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gt=models.F("received_on")), name="sar_due_after_received"
            ),
            models.CheckConstraint(
                condition=Q(
                    status=RequestStatus.OPEN,
                    released_at__isnull=True,
                    released_by__isnull=True,
                    content__isnull=True,
                )
                | Q(
                    status=RequestStatus.RELEASED,
                    released_at__isnull=False,
                    released_by__isnull=False,
                    content__isnull=False,
                    identity_checked=True,
                )
                | Q(
                    status__in=CLOSED_WITHOUT_ANSWER,
                    released_at__isnull=True,
                    released_by__isnull=True,
                    content__isnull=True,
                ),
                name="sar_released_complete",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=(RequestStatus.OPEN, RequestStatus.RELEASED),
                    closed_on__isnull=True,
                    closed_at__isnull=True,
                    closed_by__isnull=True,
                    closed_reason="",
                    complaint_right_told=False,
                )
                | Q(
                    status=RequestStatus.WITHDRAWN,
                    closed_on__isnull=False,
                    closed_at__isnull=False,
                    closed_by__isnull=False,
                    complaint_right_told=False,
                )
                | Q(
                    status=RequestStatus.REFUSED,
                    closed_on__isnull=False,
                    closed_at__isnull=False,
                    closed_by__isnull=False,
                    complaint_right_told=True,
                )
                & ~Q(closed_reason=""),
                name="sar_closed_complete",
            ),
            models.CheckConstraint(
                condition=Q(
                    extended_at__isnull=True,
                    extended_by__isnull=True,
                    extension_told_on__isnull=True,
                    extension_reason="",
                )
                | Q(
                    extended_at__isnull=False,
                    extended_by__isnull=False,
                    extension_told_on__isnull=False,
                )
                & ~Q(extension_reason=""),
                name="sar_extension_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Subject access request {self.reference}"

    @property
    def reference(self) -> str:
        return f"SAR-{self.pk:06d}" if self.pk else "SAR (new)"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()

    @property
    def is_extended(self) -> bool:
        return self.extended_at is not None

    @property
    def is_closed_without_answer(self) -> bool:
        return self.status in CLOSED_WITHOUT_ANSWER

    @property
    def first_due_on(self) -> dt.date:
        """The reply's deadline before any extension."""
        return reply_due_by(self.received_on, MONTHS_TO_REPLY)

    @property
    def days_left(self) -> int:
        return (self.due_on - timezone.localdate()).days


class WithheldItem(models.Model):
    """Something left out of a released answer, and why (for example another child's details,
    or another adult's contact details)."""

    request = models.ForeignKey(
        SubjectAccessRequest, on_delete=models.PROTECT, related_name="withheld"
    )
    item_key = models.CharField(max_length=80)
    section = models.CharField(max_length=80, blank=True)
    description = models.CharField(max_length=500)
    reason = models.CharField("why it was withheld", max_length=500)
    withheld_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "item_key"], name="withheld_once"),
            models.CheckConstraint(condition=~Q(reason=""), name="withheld_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.item_key} withheld from {self.request_id}"
