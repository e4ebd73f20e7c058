"""Subject access requests: a person asks for everything LISA holds about a child.

The central team records the request (who asked, in what capacity, when it was received and
how their identity was checked), LISA works out the legal deadline (one calendar month), the
team reviews the information about other people that the answer would carry, and releases the
answer as a PDF and a JSON file. What was withheld, and why, is kept with the request, as is the
released document itself.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lisa.versioning import Versioned


def one_calendar_month_after(day: dt.date) -> dt.date:
    """The UK GDPR time limit for a subject access request: "one calendar month" from the day
    it is received, that is the same date in the next month, or the last day of the next month
    when it has no such date (31 January gives 28 or 29 February)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class RequesterKind(models.TextChoices):
    CHILD = "child", "The child or young person"
    PARENT = "parent", "A person with parental responsibility"
    REPRESENTATIVE = "representative", "Someone acting for the child or for a parent or carer"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    RELEASED = "released", "Released"


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
                ),
                name="sar_released_complete",
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
