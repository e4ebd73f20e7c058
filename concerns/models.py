"""Concerns about children, logged at a threshold level and followed through the Lewisham
flowchart (see concerns/rules.py for the states and the transitions between them).

Nothing is deleted: a wrong concern is marked "entered in error" with a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lisa.versioning import Versioned


class Level(models.IntegerChoices):
    UNIVERSAL = 1, "Level 1: Universal"
    VULNERABLE = 2, "Level 2: Vulnerable"
    COMPLEX = 3, "Level 3: Complex"
    ACUTE = 4, "Level 4: Acute"


# The handbook's description of each level ("The identification of vulnerable Children in
# Need"), shown as the hint beside each choice.
LEVEL_DESCRIPTIONS = {
    Level.UNIVERSAL: "Represents children whose needs are being adequately met by their "
    "parents/carers, extended family and within their community.",
    Level.VULNERABLE: "Where information suggests that difficulties within the family, or "
    "external environment is having an adverse affect on a child/young person's health or "
    "development.",
    Level.COMPLEX: "Situations where a child/young person's health or development is being "
    "impaired, or there is a high risk of impairment. Early intervention may include a family "
    "support meeting to discuss what support/services is needed and a plan made.",
    Level.ACUTE: "Households where the child/young person is experiencing significant harm or "
    "there is a likelihood of significant harm due to complex issues, an open Social Care & "
    "Health record already exists.",
}

LEVEL_TAG_COLOURS = {1: "grey", 2: "yellow", 3: "orange", 4: "red"}


class ConcernOutcome(models.TextChoices):
    RESOLVED_IN_AGENCY = "resolved_in_agency", "Resolved within the agency"
    MULTI_AGENCY = "multi_agency", "Multi-agency discussion"
    MEETING_REQUESTED = "meeting_requested", "Family Support Meeting requested"
    SOCIAL_CARE = "social_care", "Referred to Social Care & Health"
    CHILD_PROTECTION = "child_protection", "Child protection referral"


_LEVEL_LABELS = {int(value): str(label) for value, label in Level.choices}
_OUTCOME_LABELS = {str(value): str(label) for value, label in ConcernOutcome.choices}


# As get_level_display and get_outcome_display label a concern, and its level's tag colour, for
# lists written from rows: those methods build a dictionary of the choices at each call.
def level_label(level: int) -> str:
    return _LEVEL_LABELS.get(level, str(level))


def outcome_label(outcome: str) -> str:
    return _OUTCOME_LABELS.get(outcome, outcome)


def level_colour(level: int) -> str:
    return LEVEL_TAG_COLOURS.get(level, "grey")


OUTCOME_DESCRIPTIONS = {
    ConcernOutcome.RESOLVED_IN_AGENCY: "The concern was discussed with the parent/carer, a plan "
    "of action agreed and the plan worked: no further action is needed.",
    ConcernOutcome.MULTI_AGENCY: "More in-depth discussion is needed: contact the other "
    "professionals involved with the child or the family.",
    ConcernOutcome.MEETING_REQUESTED: "A meeting to clarify the concerns and consider a plan for "
    "supporting the child and their family.",
    ConcernOutcome.SOCIAL_CARE: "The concern has been referred to Social Care & Health.",
    ConcernOutcome.CHILD_PROTECTION: "The child is at risk of significant harm and a child "
    "protection referral has been made.",
}

# Outcomes that record the Social Care & Health referral a level 4 concern needs.
REFERRAL_OUTCOMES = (ConcernOutcome.SOCIAL_CARE, ConcernOutcome.CHILD_PROTECTION)


class ConcernStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Category(Versioned, models.Model):
    """What a concern is about (e.g. neglect, housing). The central team manages the list; a
    category no longer used is retired, never deleted."""

    name = models.CharField(max_length=80, unique=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ConcernQuerySet(models.QuerySet):
    def current(self):
        """Concerns not marked entered in error."""
        return self.filter(entered_in_error=False)

    def open(self):
        return self.current().filter(status=ConcernStatus.OPEN)


class Concern(Versioned, models.Model):
    """A concern about a child, raised by a practitioner of an agency."""

    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="concerns")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="concerns_raised"
    )
    agency = models.ForeignKey("lisa.Agency", on_delete=models.PROTECT, related_name="concerns")
    date = models.DateField("date of the concern", help_text="When the concern was seen")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    categories = models.ManyToManyField(Category, related_name="concerns")
    what_was_seen = models.TextField(max_length=5000)
    discussed_with_parent = models.BooleanField()
    not_discussed_reason = models.CharField(max_length=1000, blank=True)
    action_agreed = models.TextField(max_length=5000)
    outcome = models.CharField(max_length=20, choices=ConcernOutcome.choices)
    status = models.CharField(
        max_length=10, choices=ConcernStatus.choices, default=ConcernStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-created_at", "-pk"]
        indexes = [
            models.Index(fields=["child", "-date"], name="concern_child_date"),
            models.Index(fields=["raised_by", "status"], name="concern_raised_by_status"),
            # For the figures: a period's concerns counted from the index alone (by level,
            # outcome, agency, child); the children with an open concern; the children an
            # agency has logged concerns about; and the few entered in error.
            models.Index(
                fields=["date"],
                include=["level", "outcome", "agency", "child", "id"],
                condition=Q(entered_in_error=False),
                name="concern_current_date",
            ),
            models.Index(
                fields=["child"],
                condition=Q(status=ConcernStatus.OPEN, entered_in_error=False),
                name="concern_open_child",
            ),
            models.Index(
                fields=["agency", "child"],
                condition=Q(entered_in_error=False),
                name="concern_agency_child",
            ),
            models.Index(
                fields=["date"], condition=Q(entered_in_error=True), name="concern_in_error_date"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=4), name="concern_level"),
            models.CheckConstraint(
                condition=Q(outcome__in=[value for value, _ in ConcernOutcome.choices]),
                name="concern_outcome_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[value for value, _ in ConcernStatus.choices]),
                name="concern_status_known",
            ),
            models.CheckConstraint(
                condition=Q(discussed_with_parent=True) | ~Q(not_discussed_reason=""),
                name="concern_not_discussed_has_reason",
                violation_error_message="Say why the concern was not discussed with the "
                "parent or carer.",
            ),
            models.CheckConstraint(
                condition=~Q(level=4) | Q(outcome__in=REFERRAL_OUTCOMES),
                name="concern_acute_is_referred",
                violation_error_message="A level 4 (acute) concern must record the referral to "
                "Social Care & Health.",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=ConcernOutcome.RESOLVED_IN_AGENCY)
                | Q(status=ConcernStatus.CLOSED),
                name="concern_resolved_is_closed",
            ),
            models.CheckConstraint(
                condition=Q(status=ConcernStatus.OPEN, closed_at__isnull=True)
                | Q(status=ConcernStatus.CLOSED, closed_at__isnull=False),
                name="concern_closed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(entered_in_error=False) | ~Q(error_reason=""),
                name="concern_error_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Concern {self.pk} ({self.get_level_display()}) about {self.child}"

    @property
    def level_colour(self) -> str:
        return level_colour(self.level)

    @property
    def is_open(self) -> bool:
        return self.status == ConcernStatus.OPEN and not self.entered_in_error


CHANGE_KINDS = {
    "logged": "Concern logged",
    "changed": "Concern changed",
    "resolved": "Concern resolved within the agency",
    "reopened": "Concern reopened",
    "closed": "Concern closed",
    "entered_in_error": "Concern marked entered in error",
}


class ConcernChange(models.Model):
    """One step through the flowchart (or a correction): what changed, who did it and why.
    Append-only; it makes the concern's history and the chronology readable."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="changes")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20)
    from_level = models.PositiveSmallIntegerField(null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(null=True, blank=True)
    from_outcome = models.CharField(max_length=20, blank=True)
    to_outcome = models.CharField(max_length=20, blank=True)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["concern", "at"], name="concern_change_at"),
            # For the figures: concerns re-opened in a period, and when each concern's outcome
            # first became "meeting requested".
            models.Index(
                fields=["at"],
                include=["concern"],
                condition=Q(kind="reopened"),
                name="concern_change_reopened",
            ),
            models.Index(
                fields=["concern", "at"],
                condition=Q(to_outcome=ConcernOutcome.MEETING_REQUESTED),
                name="concern_change_requested",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on concern {self.concern_id} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def kind_label(self) -> str:
        return CHANGE_KINDS.get(self.kind, "Concern changed")

    @property
    def from_outcome_label(self) -> str:
        return ConcernOutcome(self.from_outcome).label if self.from_outcome else ""

    @property
    def to_outcome_label(self) -> str:
        return ConcernOutcome(self.to_outcome).label if self.to_outcome else ""
