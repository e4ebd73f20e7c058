"""The child index: children, the people with parental responsibility for them, their families
and the practitioners involved with them.

Nothing about a child is ever deleted by a user: a wrong entry is marked "entered in error" with
a reason and stays in the history.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from children import matching
from children.validators import (
    format_nhs_number,
    new_lisa_ref,
    normalise_postcode,
    postcode_district,
    validate_nhs_number,
    validate_postcode,
    validate_upn,
)
from lisa.versioning import Versioned


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    NOT_KNOWN = "not_known", "Not known"


class ChildStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    MOVED_OUT = "moved_out", "Moved out of area"
    CLOSED = "closed", "Closed"
    ARCHIVED = "archived", "Archived"


class Family(models.Model):
    """A household: the children in it are siblings on LISA, so a practitioner sees who else
    works with the family."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "families"

    def __str__(self) -> str:
        return f"Family {self.pk}"


class Child(Versioned, models.Model):
    """A child or young person known to LISA. The index card is shown to any practitioner; the
    full record only to those with a legitimate relationship (see children/rules.py)."""

    lisa_ref = models.CharField("LISA reference", max_length=10, unique=True, editable=False)
    forenames = models.CharField(max_length=100)
    surname = models.CharField(max_length=100)
    other_names = models.CharField(
        max_length=200, blank=True, help_text="Other names the child is known by"
    )
    date_of_birth = models.DateField(db_index=True)
    gender = models.CharField(max_length=10, choices=Gender.choices)
    address_line_1 = models.CharField("address line 1", max_length=120, blank=True)
    address_line_2 = models.CharField("address line 2", max_length=120, blank=True)
    town = models.CharField("town or city", max_length=80, blank=True)
    postcode = models.CharField(
        max_length=8, blank=True, db_index=True, validators=[validate_postcode]
    )
    postcode_district = models.CharField(max_length=4, blank=True, db_index=True, editable=False)
    nhs_number = models.CharField(
        "NHS number", max_length=10, blank=True, validators=[validate_nhs_number]
    )
    upn = models.CharField(
        "Unique Pupil Number", max_length=13, blank=True, validators=[validate_upn]
    )
    school = models.CharField(max_length=200, blank=True)
    first_language = models.CharField(max_length=60, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    shielded = models.BooleanField(
        default=False,
        help_text="The address is hidden from everyone but the central team and the "
        "practitioners involved (for example when fleeing domestic abuse).",
    )
    status = models.CharField(max_length=12, choices=ChildStatus.choices, default="active")
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_records"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    search_keys = ArrayField(models.CharField(max_length=80), default=list, blank=True)
    # Retention (children/retention.py): when the status last changed (the clock for closed and
    # moved-out records), when the record was archived and by which rule, and when the central
    # team last restored it (which starts the clock again).
    status_changed_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # A database default too: the benchmarks load children with set-based SQL.
    archive_rule = models.CharField(max_length=200, blank=True, default="", db_default="")
    restored_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["surname", "forenames", "pk"]
        verbose_name_plural = "children"
        indexes = [
            GinIndex(fields=["search_keys"], name="child_search_keys_gin"),
            models.Index(
                fields=["archived_at"],
                condition=Q(archived_at__isnull=False),
                name="child_archived",
            ),
            models.Index(fields=["surname", "forenames"], name="child_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"],
                condition=~Q(nhs_number="") & Q(merged_into__isnull=True),
                name="child_nhs_number_unique",
                violation_error_message="Another child on LISA already has this NHS number.",
            ),
            models.UniqueConstraint(
                fields=["upn"],
                condition=~Q(upn="") & Q(merged_into__isnull=True),
                name="child_upn_unique",
                violation_error_message="Another child on LISA already has this Unique Pupil "
                "Number.",
            ),
            models.CheckConstraint(
                condition=Q(nhs_number="") | Q(nhs_number__regex=r"^[0-9]{10}$"),
                name="child_nhs_number_format",
            ),
            models.CheckConstraint(
                condition=Q(upn="") | Q(upn__regex=r"^[A-Z][0-9]{11}[0-9A-Z]$"),
                name="child_upn_format",
            ),
            models.CheckConstraint(
                condition=Q(lisa_ref__regex=r"^L[0-9]{7,8}[A-Z]$"), name="child_lisa_ref_format"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[value for value, _ in ChildStatus.choices]),
                name="child_status_known",
            ),
            models.CheckConstraint(
                condition=Q(gender__in=[value for value, _ in Gender.choices]),
                name="child_gender_known",
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__gte=dt.date(1900, 1, 1)),
                name="child_date_of_birth_plausible",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="child_not_merged_into_itself"
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(merged_at__isnull=False),
                name="child_merge_has_date",
            ),
            models.CheckConstraint(
                condition=Q(archived_at__isnull=True) | ~Q(archive_rule=""),
                name="child_archive_has_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.forenames} {self.surname}"

    def save(self, *args, **kwargs):
        self.postcode = normalise_postcode(self.postcode) if self.postcode else ""
        self.postcode_district = postcode_district(self.postcode) if self.postcode else ""
        self.search_keys = matching.child_keys(self.forenames, self.surname, self.other_names)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {
                "postcode",
                "postcode_district",
                "search_keys",
            }
        if self.lisa_ref:
            return super().save(*args, **kwargs)
        # A new reference: try again on the rare clash with an existing one.
        for attempt in range(10):
            self.lisa_ref = new_lisa_ref(attempt)
            if Child.objects.filter(lisa_ref=self.lisa_ref).exists():
                continue
            try:
                with transaction.atomic():
                    return super().save(*args, **kwargs)
            except IntegrityError as error:
                if "lisa_ref" not in str(error):
                    raise
        raise IntegrityError("Could not find a free LISA reference")

    @property
    def full_name(self) -> str:
        return f"{self.forenames} {self.surname}"

    @property
    def age(self) -> int:
        today = timezone.localdate()
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @property
    def nhs_number_display(self) -> str:
        """The NHS number as it is printed: 943 476 5919."""
        return format_nhs_number(self.nhs_number)

    @property
    def address_lines(self) -> list[str]:
        return [
            part
            for part in (self.address_line_1, self.address_line_2, self.town, self.postcode)
            if part
        ]


class ParentalResponsibility(Versioned, models.Model):
    """A person with parental responsibility for the child."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="parents")
    name = models.CharField(max_length=200)
    relationship = models.CharField(
        max_length=60, help_text="For example: mother, father, grandmother, special guardian"
    )
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["entered_in_error", "name", "pk"]
        verbose_name = "person with parental responsibility"
        verbose_name_plural = "people with parental responsibility"
        constraints = [
            models.CheckConstraint(
                condition=Q(entered_in_error=False) | ~Q(error_reason=""),
                name="pr_error_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class HowBegan(models.TextChoices):
    CONCERN = "concern", "Logged a concern"
    LEAD_PROFESSIONAL = "lead_professional", "Added by the lead professional"
    SELF_CLAIM = "self_claim", "Said they work with the child"
    MEETING = "meeting", "Named in a meeting or plan"
    TRANSFER = "transfer", "Joined on a change of school"


class InvolvementQuerySet(models.QuerySet):
    def active(self):
        """Involvements that give full access now: not ended, not entered in error, and the
        practitioner still active and still with the agency they were involved for."""
        return self.filter(
            ended_at__isnull=True,
            entered_in_error=False,
            practitioner__is_active=True,
            practitioner__agency_id=models.F("agency_id"),
        )

    def children_worked_with(self, practitioner_id: int):
        """``practitioner_id``'s active involvements with children whose records are in use
        (neither merged into another nor archived), each with its child, by the child's name:
        the lists of "children you work with"."""
        return (
            self.active()
            .filter(
                practitioner_id=practitioner_id,
                child__merged_into__isnull=True,
                child__archived_at__isnull=True,
            )
            .select_related("child")
            .order_by("child__surname", "child__forenames", "pk")
        )


class Involvement(models.Model):
    """A practitioner's work with a child, for an agency."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="involvements")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="involvements"
    )
    agency = models.ForeignKey("lisa.Agency", on_delete=models.PROTECT, related_name="involvements")
    role = models.CharField(
        "role with the child", max_length=120, help_text="For example: health visitor"
    )
    started_on = models.DateField(default=timezone.localdate)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=500, blank=True)
    lead_professional = models.BooleanField(default=False)
    how_began = models.CharField(max_length=20, choices=HowBegan.choices)
    reason = models.CharField(
        max_length=1000, blank=True, help_text="Why the practitioner said they work with the child"
    )
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = InvolvementQuerySet.as_manager()

    class Meta:
        ordering = ["-lead_professional", "started_on", "pk"]
        indexes = [
            models.Index(fields=["child", "practitioner"], name="involvement_child_user"),
            models.Index(fields=["practitioner", "ended_at"], name="involvement_user_open"),
            # The children an agency has worked with (a designated officer's figures).
            models.Index(fields=["agency", "child"], name="involvement_agency_child"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "practitioner"],
                condition=Q(ended_at__isnull=True, entered_in_error=False),
                name="involvement_one_open_per_practitioner",
                violation_error_message="This practitioner is already involved with the child.",
            ),
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(lead_professional=True, ended_at__isnull=True, entered_in_error=False),
                name="involvement_one_lead_professional",
                violation_error_message="The child already has a lead professional.",
            ),
            models.CheckConstraint(
                condition=Q(how_began__in=[value for value, _ in HowBegan.choices]),
                name="involvement_how_began_known",
            ),
            models.CheckConstraint(
                condition=~Q(how_began="self_claim") | ~Q(reason=""),
                name="involvement_self_claim_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(entered_in_error=False) | ~Q(error_reason=""),
                name="involvement_error_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} ({self.agency}) with {self.child}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None and not self.entered_in_error


class BreakGlassCategory(models.TextChoices):
    SAFEGUARDING = "safeguarding", "Immediate safeguarding concern"
    NEW_CASE = "new_case", "Starting work with the child; involvement not yet recorded"
    COVER = "cover", "Covering for an absent colleague"
    EMERGENCY = "emergency", "Medical or other emergency"
    OTHER = "other", "Other"


BREAK_GLASS_HOURS = 24


class BreakGlassQuerySet(models.QuerySet):
    def current(self):
        return self.filter(expires_at__gt=timezone.now())


class BreakGlass(models.Model):
    """A practitioner with no involvement opened a child's full record after stating why.

    Access lasts 24 hours; every view in it is audited with the reason and the central team gets
    an alert to review.
    """

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="break_glass_grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    category = models.CharField(max_length=20, choices=BreakGlassCategory.choices)
    reason = models.CharField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    objects = BreakGlassQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "break-glass access"
        indexes = [
            models.Index(fields=["user", "child", "expires_at"], name="break_glass_lookup"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="break_glass_expires_after_start",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="break_glass_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.child} until {self.expires_at:%Y-%m-%d %H:%M}"


class SchoolChangeStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    APPLIED = "applied", "Done"
    CANCELLED = "cancelled", "Cancelled (the family moved away or the record closed)"


class SchoolChange(models.Model):
    """The child moves school on a date: the new school's practitioner becomes involved and the
    old school's involvements end. A change for a later date waits here until
    ``apply_scheduled_transitions`` (or the task worker) makes it."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="school_changes")
    from_school = models.CharField(max_length=200, blank=True)
    from_agency = models.ForeignKey(
        "lisa.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_agency = models.ForeignKey(
        "lisa.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_school_name = models.CharField("school outside LISA", max_length=200, blank=True)
    nominated = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    effective_on = models.DateField("date the change takes effect")
    status = models.CharField(
        max_length=10, choices=SchoolChangeStatus.choices, default=SchoolChangeStatus.SCHEDULED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["effective_on", "pk"]
        indexes = [
            models.Index(
                fields=["effective_on"],
                condition=Q(status="scheduled"),
                name="school_change_due",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_agency__isnull=False) | ~Q(to_school_name=""),
                name="school_change_has_a_school",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[value for value, _ in SchoolChangeStatus.choices]),
                name="school_change_status_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "cancelled"], applied_at__isnull=True)
                | Q(status="applied", applied_at__isnull=False),
                name="school_change_applied_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child} to {self.new_school} on {self.effective_on:%-d %B %Y}"

    @property
    def new_school(self) -> str:
        return self.to_agency.name if self.to_agency_id else self.to_school_name


class MoveOut(models.Model):
    """The family moved out of the area: where to, who took the case on, and when the
    practitioners' involvements end (after a grace period to hand over)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="moves_out")
    moved_on = models.DateField("date they moved")
    authority = models.CharField("receiving authority", max_length=200)
    contact_team = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField("email", blank=True)
    contact_phone = models.CharField("phone", max_length=30, blank=True)
    involvements_end_on = models.DateField()
    involvements_ended_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-moved_on", "-pk"]
        indexes = [
            models.Index(
                fields=["involvements_end_on"],
                condition=Q(involvements_ended_at__isnull=True),
                name="move_out_handover_due",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(authority=""), name="move_out_has_authority"),
            models.CheckConstraint(
                condition=Q(involvements_end_on__gte=models.F("moved_on")),
                name="move_out_ends_after_move",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child} moved to {self.authority} on {self.moved_on:%-d %B %Y}"


class TransferSummary(models.Model):
    """A transfer summary produced for a receiving authority: who produced it, for whom, on
    what lawful basis, and exactly what it said (kept as produced)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="transfer_summaries")
    for_authority = models.CharField("for", max_length=200)
    agreement = models.ForeignKey(
        "consent.Agreement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.ForeignKey(
        "consent.SharingDecision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    content = models.JSONField()
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    produced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-produced_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agreement__isnull=False, decision__isnull=True)
                | Q(agreement__isnull=True, decision__isnull=False),
                name="transfer_summary_one_lawful_basis",
            ),
            models.CheckConstraint(
                condition=~Q(for_authority=""), name="transfer_summary_has_recipient"
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer summary of {self.child} for {self.for_authority}"


class LegalHold(models.Model):
    """The central team stops a record being archived or removed (a child protection
    investigation, litigation) until the hold is lifted."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.TextField(max_length=2000)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-set_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="legal_hold_has_reason"),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True, lifted_by__isnull=True, lift_reason="")
                | (Q(lifted_at__isnull=False, lifted_by__isnull=False) & ~Q(lift_reason="")),
                name="legal_hold_lifted_with_reason",
            ),
            models.UniqueConstraint(
                fields=["child"], condition=Q(lifted_at__isnull=True), name="one_legal_hold"
            ),
        ]

    def __str__(self) -> str:
        return f"Legal hold on {self.child.lisa_ref}"


class RemovedRecord(models.Model):
    """What is left when a record is removed at the end of its retention period: enough for the
    audit trail (which keeps the child's number) to say "removed record L…", and nothing that
    identifies the child."""

    child_id = models.BigIntegerField(unique=True)
    lisa_ref = models.CharField("LISA reference", max_length=10, unique=True)
    created_on = models.DateField()
    archived_on = models.DateField()
    removed_at = models.DateTimeField(default=timezone.now)
    rule = models.CharField(max_length=200)
    files_removed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-removed_at", "-pk"]

    def __str__(self) -> str:
        return f"removed record {self.lisa_ref}"


class ReceivedSummary(models.Model):
    """A transfer summary another authority sent (or LISA's own, when the child comes back),
    imported into a record: kept whole, exactly as received, with who imported it and what
    differed from the record at the time (LISA's values were kept)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="received_summaries")
    from_authority = models.CharField("from", max_length=200)
    content = models.JSONField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)
    created_record = models.BooleanField(
        default=False, help_text="The import added the child to LISA (rather than to a record)"
    )
    # Each difference between the summary and the record when it was imported, as
    # {"field", "label", "lisa", "summary", "address"}: LISA's value was kept.
    conflicts = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = "received transfer summary"
        verbose_name_plural = "received transfer summaries"
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_authority=""), name="received_summary_has_sender"
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer summary from {self.from_authority} for {self.child}"


class PendingImport(models.Model):
    """A transfer summary uploaded and found valid, waiting while its importer chooses the
    record it goes into. Kept here, not in an address or a form, so no personal data travels in
    a URL between the steps; it is removed once imported or cancelled, and after a day."""

    token = models.CharField(max_length=64, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now, db_index=True)
    from_authority = models.CharField("from", max_length=200)
    content = models.JSONField()
    # The record the importer started from (its record page links to the import), if any.
    child = models.ForeignKey(
        Child, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Whether the duplicate check shown for it has been audited (once, not on every reload).
    checked = models.BooleanField(default=False)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_authority=""), name="pending_import_has_sender"
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer summary from {self.from_authority}, uploaded {self.uploaded_at:%Y-%m-%d}"
