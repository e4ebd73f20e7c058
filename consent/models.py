"""Consent to share information: the handbook's two agreement forms, and decisions to share
without consent.

Nothing is deleted: a wrong entry is marked "entered in error" with a reason. A refusal and a
later decision to share without consent are separate records, so both stand in the history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from lisa.versioning import Versioned


class Kind(models.TextChoices):
    PARENT_CARER = "parent_carer", "Parent/carer agreement"
    YOUNG_PERSON = "young_person", "Young person's agreement"


class Decision(models.TextChoices):
    AGREE = "agree", "Agrees"
    DO_NOT_AGREE = "do_not_agree", "Does not agree"


class WithdrawalHow(models.TextChoices):
    IN_WRITING = "in_writing", "In writing"
    IN_PERSON = "in_person", "In person"
    BY_PHONE = "by_phone", "By phone"
    BY_EMAIL = "by_email", "By email"
    OTHER = "other", "Other"


class Ground(models.TextChoices):
    """The grounds in the handbook's FAQ 2 (see consent/rules.py)."""

    SAFEGUARD = "safeguard", "To safeguard the child"
    HEALTH_OR_MORALS = "health_or_morals", "To protect their health or morals"
    RIGHTS_OF_OTHERS = "rights_of_others", "To protect the rights and freedoms of others"
    DISORDER_OR_CRIME = "disorder_or_crime", "To prevent disorder or crime"


def _known(field: str, choices) -> Q:
    return Q(**{f"{field}__in": [value for value, _ in choices.choices]})


class Agreement(Versioned, models.Model):
    """A signed parent/carer or young person's agreement (or refusal) to share information."""

    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="consent_agreements"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    # Who gave it: a person with parental responsibility, or the young person themselves.
    parent = models.ForeignKey(
        "children.ParentalResponsibility",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_agreements",
        verbose_name="person with parental responsibility",
    )
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("lisa.Agency", on_delete=models.PROTECT, related_name="+")
    signed_on = models.DateField("date signatures obtained")
    # Young person only.
    sufficient_understanding = models.BooleanField(null=True, blank=True)
    understanding_assessed_by = models.CharField(max_length=200, blank=True)
    capacity_note = models.TextField(blank=True)
    copy_to_child = models.BooleanField("copy given to the child or young person", default=False)
    copy_to_child_on = models.DateField(null=True, blank=True)
    copy_to_coordinator = models.BooleanField("copy sent to the LISA co-ordinator", default=False)
    copy_to_coordinator_on = models.DateField(null=True, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_by = models.CharField(max_length=200, blank=True)
    withdrawal_how = models.CharField(max_length=20, choices=WithdrawalHow.choices, blank=True)
    withdrawal_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)
    # A scan of the signed form, stored under a random name below MEDIA_ROOT.
    scan_name = models.CharField(max_length=100, blank=True)
    scan_content_type = models.CharField(max_length=40, blank=True)
    scan_uploaded_at = models.DateTimeField(null=True, blank=True)
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-signed_on", "-pk"]
        indexes = [models.Index(fields=["child", "kind"], name="consent_agreement_child_kind")]
        constraints = [
            models.CheckConstraint(condition=_known("kind", Kind), name="agreement_kind_known"),
            models.CheckConstraint(
                condition=_known("decision", Decision), name="agreement_decision_known"
            ),
            models.CheckConstraint(
                condition=(Q(kind="parent_carer") & Q(parent__isnull=False))
                | (Q(kind="young_person") & Q(parent__isnull=True)),
                name="agreement_given_by_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="parent_carer")
                | (Q(sufficient_understanding__isnull=False) & ~Q(understanding_assessed_by="")),
                name="agreement_young_person_understanding_assessed",
            ),
            models.CheckConstraint(
                condition=(Q(copy_to_child=False) & Q(copy_to_child_on__isnull=True))
                | (
                    Q(copy_to_child=True)
                    & Q(copy_to_child_on__isnull=False)
                    & Q(copy_to_child_on__gte=F("signed_on"))
                ),
                name="agreement_copy_to_child_dated",
            ),
            models.CheckConstraint(
                condition=(Q(copy_to_coordinator=False) & Q(copy_to_coordinator_on__isnull=True))
                | (
                    Q(copy_to_coordinator=True)
                    & Q(copy_to_coordinator_on__isnull=False)
                    & Q(copy_to_coordinator_on__gte=F("signed_on"))
                ),
                name="agreement_copy_to_coordinator_dated",
            ),
            models.CheckConstraint(
                condition=(Q(withdrawn_on__isnull=True) & Q(withdrawn_by="") & Q(withdrawal_how=""))
                | (
                    Q(withdrawn_on__isnull=False)
                    & Q(withdrawn_on__gte=F("signed_on"))
                    & ~Q(withdrawn_by="")
                    & _known("withdrawal_how", WithdrawalHow)
                ),
                name="agreement_withdrawal_complete",
            ),
            models.CheckConstraint(
                condition=Q(entered_in_error=False) | ~Q(error_reason=""),
                name="agreement_error_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(scan_name="") | Q(scan_name__regex=r"^[0-9a-f]{32}\.(pdf|jpg|png)$"),
                name="agreement_scan_name_random",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.child} ({self.signed_on:%d %b %Y})"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None

    @property
    def given_by(self) -> str:
        if self.kind == Kind.PARENT_CARER and self.parent is not None:
            return str(self.parent)
        return f"{self.child} (the young person)"


class SharingDecision(Versioned, models.Model):
    """A decision to share information without consent, with its ground, who decided and why."""

    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="sharing_decisions"
    )
    ground = models.CharField(max_length=30, choices=Ground.choices)
    what_shared = models.TextField("what is shared")
    shared_with = models.TextField("with whom")
    decided_by = models.CharField("who decided", max_length=200)
    reason = models.TextField("why")
    decided_on = models.DateField("when")
    # The refusal this decision overrides, where there is one; both stay in the history.
    refusal = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sharing_decisions",
    )
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=_known("ground", Ground), name="sharing_ground_known"),
            models.CheckConstraint(
                condition=~Q(what_shared="")
                & ~Q(shared_with="")
                & ~Q(decided_by="")
                & ~Q(reason=""),
                name="sharing_decision_complete",
            ),
            models.CheckConstraint(
                condition=Q(entered_in_error=False) | ~Q(error_reason=""),
                name="sharing_error_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Decision to share without consent about {self.child} ({self.decided_on})"


class RequestOutcome(models.TextChoices):
    SHARED = "shared", "Shared"
    NOT_SHARED = "not_shared", "Not shared"


class InformationRequest(models.Model):
    """A request for information about the child from another agency or authority, and the
    decision on it. Sharing is a duty unless disclosure "would be more detrimental to the child
    than not disclosing" (Children Act 2004 s.16LA): the reasons are recorded either way."""

    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="information_requests"
    )
    requested_by = models.CharField("who asked", max_length=200)
    received_on = models.DateField("when the request was received")
    what_requested = models.TextField("what was asked for", max_length=5000)
    outcome = models.CharField(max_length=12, choices=RequestOutcome.choices)
    what_shared = models.TextField("what was shared", max_length=5000, blank=True)
    shared_with = models.CharField("shared with", max_length=200, blank=True)
    reason = models.TextField("why", max_length=5000)
    decided_by = models.CharField("who decided", max_length=200)
    decided_on = models.DateField("when it was decided")
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-decided_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=_known("outcome", RequestOutcome), name="information_request_outcome"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="shared") | (~Q(what_shared="") & ~Q(shared_with="")),
                name="information_request_shared_says_what",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="information_request_has_reason"),
            models.CheckConstraint(
                condition=Q(decided_on__gte=models.F("received_on")),
                name="information_request_decided_after_received",
            ),
        ]

    def __str__(self) -> str:
        return f"Request from {self.requested_by} on {self.received_on:%-d %B %Y}"
