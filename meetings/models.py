"""Family Support Meetings, the lead professional and the support plan.

When more than one agency needs to act, a Family Support Meeting is held about one or more
children of a household: a lead professional is identified, a plan of support is agreed and
reviewed at later meetings "until no longer necessary". Nothing is deleted: a wrong meeting,
plan or action is marked entered in error with a reason.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from lisa.versioning import Versioned


def _known(field: str, choices) -> Q:
    return Q(**{f"{field}__in": [value for value, _ in choices.choices]})


class MeetingKind(models.TextChoices):
    INITIAL = "initial", "Initial meeting"
    REVIEW = "review", "Review meeting"
    CLOSING = "closing", "Closing meeting"


class Joining(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "By phone"
    VIDEO = "video", "By video call"


class MeetingStatus(models.TextChoices):
    ARRANGED = "arranged", "Arranged"
    HELD = "held", "Held"


class MeetingQuerySet(models.QuerySet):
    def current(self):
        return self.filter(entered_in_error=False)


class Meeting(Versioned, models.Model):
    """A Family Support Meeting about one or more children of the same household."""

    children = models.ManyToManyField("children.Child", related_name="meetings")
    kind = models.CharField(max_length=10, choices=MeetingKind.choices)
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    venue = models.CharField(max_length=300, blank=True)
    location = models.ForeignKey(
        "directory.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        help_text="A place from the Service Directory, instead of (or as well as) the venue",
    )
    joining = models.CharField(
        "how people join", max_length=10, choices=Joining.choices, default=Joining.IN_PERSON
    )
    joining_details = models.CharField(
        max_length=300, blank=True, help_text="For example the phone number to call"
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meetings_chaired"
    )
    concerns = models.ManyToManyField("concerns.Concern", related_name="meetings", blank=True)
    plan = models.ForeignKey(
        "meetings.SupportPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
    )
    # Preparation (handbook FAQ 7): the parent told beforehand what the meeting is for, and
    # that information will be shared.
    prepared_on = models.DateField(
        "purpose and process discussed with the parent or carer on", null=True, blank=True
    )
    prepared_by = models.CharField(max_length=200, blank=True)
    parent_told_of_sharing = models.BooleanField(
        "the parent or carer was told that information will be shared", default=False
    )
    young_person_not_invited_reason = models.CharField(max_length=1000, blank=True)
    # The record of the meeting.
    summary = models.TextField("summary of the discussion", max_length=10000, blank=True)
    strengths = models.TextField("the family's strengths", max_length=5000, blank=True)
    family_views = models.TextField("the family's own views", max_length=5000, blank=True)
    status = models.CharField(
        max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.ARRANGED
    )
    held_recorded_at = models.DateTimeField(null=True, blank=True)
    next_review_on = models.DateField("next review", null=True, blank=True)
    record_sent_at = models.DateTimeField(null=True, blank=True)
    # A correction under way after the record was sent: the meeting may change again until the
    # corrected record is sent (as the next version, with this reason).
    correction_reason = models.CharField(max_length=1000, blank=True)
    record_sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-start_time", "-pk"]
        indexes = [models.Index(fields=["chair", "date"], name="meeting_chair_date")]
        constraints = [
            models.CheckConstraint(condition=_known("kind", MeetingKind), name="meeting_kind"),
            models.CheckConstraint(
                condition=_known("joining", Joining), name="meeting_joining_known"
            ),
            models.CheckConstraint(
                condition=_known("status", MeetingStatus), name="meeting_status_known"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="meeting_ends_after_it_starts",
                violation_error_message="The meeting must end after it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(venue="") | Q(location__isnull=False),
                name="meeting_has_a_venue",
            ),
            models.CheckConstraint(
                condition=Q(status=MeetingStatus.ARRANGED)
                | Q(kind=MeetingKind.CLOSING)
                | Q(next_review_on__isnull=False),
                name="meeting_held_has_next_review",
                violation_error_message="Enter the date of the next review.",
            ),
            models.CheckConstraint(
                condition=Q(status=MeetingStatus.HELD) | Q(record_sent_at__isnull=True),
                name="meeting_record_sent_when_held",
            ),
            models.CheckConstraint(
                condition=Q(entered_in_error=False) | ~Q(error_reason=""),
                name="meeting_error_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date:%-d %B %Y}"

    @property
    def is_held(self) -> bool:
        return self.status == MeetingStatus.HELD

    @property
    def venue_text(self) -> str:
        """Where the meeting is, in words: the venue, the directory location, or both."""
        parts = [self.venue] if self.venue else []
        if self.location_id:
            parts.append(str(self.location))
        return "; ".join(parts)


class InviteeKind(models.TextChoices):
    PRACTITIONER = "practitioner", "LISA practitioner"
    PARENT = "parent", "Person with parental responsibility"
    YOUNG_PERSON = "young_person", "The young person"
    OTHER = "other", "Someone without a LISA account"


class Attendance(models.TextChoices):
    ATTENDED = "attended", "Attended"
    APOLOGIES = "apologies", "Sent apologies"
    SENT_SOMEONE = "sent_someone", "Sent someone in their place"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"


class Invitee(models.Model):
    """Someone invited to a meeting, and whether they came."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="invitees")
    kind = models.CharField(max_length=15, choices=InviteeKind.choices)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_invitations",
    )
    parent = models.ForeignKey(
        "children.ParentalResponsibility",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_invitations",
    )
    young_person = models.ForeignKey(
        "children.Child",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_invitations",
    )
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=120, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    contact = models.CharField(max_length=300, blank=True)
    attendance = models.CharField(max_length=15, choices=Attendance.choices, blank=True)
    substitute = models.CharField(
        "who came in their place", max_length=200, blank=True, help_text="Name and role"
    )

    class Meta:
        ordering = ["kind", "pk"]
        indexes = [
            # The meetings an agency's practitioners were invited to (a designated officer's
            # figures), from the index alone.
            models.Index(
                fields=["practitioner", "meeting"],
                condition=Q(kind=InviteeKind.PRACTITIONER),
                name="invitee_practitioner_meeting",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=_known("kind", InviteeKind), name="invitee_kind"),
            models.CheckConstraint(
                condition=Q(attendance="") | _known("attendance", Attendance),
                name="invitee_attendance_known",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=InviteeKind.PRACTITIONER,
                        practitioner__isnull=False,
                        parent__isnull=True,
                        young_person__isnull=True,
                    )
                    | Q(
                        kind=InviteeKind.PARENT,
                        practitioner__isnull=True,
                        parent__isnull=False,
                        young_person__isnull=True,
                    )
                    | Q(
                        kind=InviteeKind.YOUNG_PERSON,
                        practitioner__isnull=True,
                        parent__isnull=True,
                        young_person__isnull=False,
                    )
                    | (
                        Q(
                            kind=InviteeKind.OTHER,
                            practitioner__isnull=True,
                            parent__isnull=True,
                            young_person__isnull=True,
                        )
                        & ~Q(name="")
                    )
                ),
                name="invitee_is_one_person",
            ),
            models.CheckConstraint(
                condition=~Q(attendance=Attendance.SENT_SOMEONE) | ~Q(substitute=""),
                name="invitee_substitute_named",
                violation_error_message="Say who came in their place.",
            ),
            models.UniqueConstraint(
                fields=["meeting", "practitioner"],
                condition=Q(practitioner__isnull=False),
                name="invitee_practitioner_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "parent"],
                condition=Q(parent__isnull=False),
                name="invitee_parent_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "young_person"],
                condition=Q(young_person__isnull=False),
                name="invitee_young_person_once",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.practitioner_id:
            return self.practitioner.get_full_name()
        if self.parent_id:
            return self.parent.name
        if self.young_person_id:
            return self.young_person.full_name
        return self.name

    @property
    def attended(self) -> bool:
        return self.attendance == Attendance.ATTENDED


class Decision(models.Model):
    """One decision of a meeting, in the order it was recorded."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    position = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=2000)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="decision_position"),
            models.CheckConstraint(condition=~Q(text=""), name="decision_has_text"),
        ]

    def __str__(self) -> str:
        return self.text


class PlanStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ClosureReason(models.TextChoices):
    OUTCOMES_MET = "outcomes_met", "Outcomes met"
    STEPPED_UP = "stepped_up", "Stepped up to Social Care & Health"
    STEPPED_DOWN = "stepped_down", "Stepped down to universal services"
    MOVED = "moved", "Moved out of area"
    WITHDREW = "withdrew", "Family withdrew consent"
    OTHER = "other", "Other"


# "Plans open more than 12 months or with three or more reviews are listed … as drifting."
DRIFT_AFTER_DAYS = 365
DRIFT_REVIEWS = 3


class SupportPlanQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=PlanStatus.OPEN, entered_in_error=False)

    def with_review(self):
        """Each plan's ``next_review_on`` (the latest recorded meeting's), ``reviews`` (review
        meetings held) and ``review_arranged`` (a meeting arranged and not yet held)."""
        held = Q(meetings__status=MeetingStatus.HELD, meetings__entered_in_error=False)
        return self.annotate(
            next_review_on=models.Max("meetings__next_review_on", filter=held),
            reviews=models.Count(
                "meetings", filter=held & Q(meetings__kind=MeetingKind.REVIEW), distinct=True
            ),
            review_arranged=models.Exists(
                Meeting.objects.filter(
                    plan=models.OuterRef("pk"),
                    status=MeetingStatus.ARRANGED,
                    entered_in_error=False,
                )
            ),
        )

    def review_overdue(self):
        """Open plans whose review date has passed with no meeting arranged."""
        return (
            self.open()
            .with_review()
            .filter(next_review_on__lt=timezone.localdate(), review_arranged=False)
        )

    def drifting(self):
        """Open plans older than twelve months, or with three or more reviews."""
        cutoff = timezone.now() - dt.timedelta(days=DRIFT_AFTER_DAYS)
        return (
            self.open()
            .with_review()
            .filter(Q(created_at__lt=cutoff) | Q(reviews__gte=DRIFT_REVIEWS))
        )


class SupportPlan(Versioned, models.Model):
    """The plan of support for a child or a family; the lead professional owns it."""

    children = models.ManyToManyField("children.Child", related_name="support_plans")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans_led",
        verbose_name="lead professional",
    )
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closure_reason = models.CharField(max_length=15, choices=ClosureReason.choices, blank=True)
    closure_text = models.CharField(max_length=1000, blank=True)
    # Closed by the lead professional outside a closing meeting: the central team member who
    # agreed ("by the lead professional with the central team's agreement").
    closure_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SupportPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=_known("status", PlanStatus), name="plan_status"),
            models.CheckConstraint(
                condition=Q(closure_reason="") | _known("closure_reason", ClosureReason),
                name="plan_closure_reason_known",
            ),
            models.CheckConstraint(
                condition=Q(status=PlanStatus.OPEN, closed_at__isnull=True, closure_reason="")
                | (Q(status=PlanStatus.CLOSED, closed_at__isnull=False) & ~Q(closure_reason="")),
                name="plan_closed_has_date_and_reason",
                violation_error_message="Choose why the plan is closing.",
            ),
            models.CheckConstraint(
                condition=~Q(closure_reason=ClosureReason.OTHER) | ~Q(closure_text=""),
                name="plan_other_closure_explained",
                violation_error_message="Say why the plan is closing.",
            ),
            models.CheckConstraint(
                condition=Q(entered_in_error=False) | ~Q(error_reason=""),
                name="plan_error_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Support plan {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == PlanStatus.OPEN and not self.entered_in_error


class HeadlineOutcome(models.TextChoices):
    """The Supporting Families headline outcomes, so the central team can report on them."""

    EDUCATION = "education", "Getting a good education"
    EARLY_YEARS = "early_years", "Good early years development"
    HEALTH = "health", "Improved mental and physical health"
    SUBSTANCE_USE = "substance_use", "Better managed substance use"
    RELATIONSHIPS = "relationships", "Improved family relationships"
    SAFE_FROM_ABUSE = "safe_from_abuse", "Children safe from abuse and exploitation"
    CRIME = "crime", "Families diverted from crime"
    DOMESTIC_ABUSE = "domestic_abuse", "Safe from domestic abuse"
    HOUSING = "housing", "Secure housing"
    FINANCES = "finances", "Financial stability"


class PlanOutcome(models.Model):
    """An outcome the plan seeks, tagged with a headline outcome."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="outcomes")
    headline = models.CharField(max_length=20, choices=HeadlineOutcome.choices)
    description = models.CharField(max_length=1000)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=_known("headline", HeadlineOutcome), name="plan_outcome_headline"
            ),
            models.CheckConstraint(condition=~Q(description=""), name="plan_outcome_described"),
        ]

    def __str__(self) -> str:
        return self.description


class OwnerKind(models.TextChoices):
    PRACTITIONER = "practitioner", "A LISA practitioner"
    PARENT = "parent", "A parent or carer"
    YOUNG_PERSON = "young_person", "The young person"
    OTHER = "other", "Someone without a LISA account"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NOT_DONE = "not_done", "Not done"


ACTION_STATUS_COLOURS = {
    ActionStatus.NOT_STARTED: "grey",
    ActionStatus.IN_PROGRESS: "blue",
    ActionStatus.DONE: "green",
    ActionStatus.NOT_DONE: "red",
}


class PlanActionQuerySet(models.QuerySet):
    def overdue(self):
        """Actions not done or given up whose date has passed, on open plans."""
        return self.filter(
            entered_in_error=False,
            status__in=[ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS],
            due_on__lt=timezone.localdate(),
            plan__status=PlanStatus.OPEN,
            plan__entered_in_error=False,
        )


class PlanAction(Versioned, models.Model):
    """Who will do what, for which outcome and child, by when."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="actions")
    what = models.CharField(max_length=1000)
    outcome = models.ForeignKey(
        PlanOutcome, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    children = models.ManyToManyField("children.Child", related_name="plan_actions")
    owner_kind = models.CharField("who", max_length=15, choices=OwnerKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_actions",
        verbose_name="practitioner",
    )
    owner_parent = models.ForeignKey(
        "children.ParentalResponsibility",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_actions",
    )
    owner_young_person = models.ForeignKey(
        "children.Child",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_actions_owned",
    )
    owner_name = models.CharField(max_length=200, blank=True)
    agency = models.ForeignKey(
        "lisa.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service = models.ForeignKey(
        "directory.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_actions",
    )
    due_on = models.DateField("by when")
    status = models.CharField(
        max_length=15, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    not_done_reason = models.CharField(max_length=1000, blank=True)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_in_error = models.BooleanField(default=False)
    error_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["owner", "status"], name="plan_action_owner_status"),
            # The plans with actions owned by an agency's practitioners (a designated officer's
            # figures), from the index alone.
            models.Index(fields=["owner", "plan"], name="plan_action_owner_plan"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=_known("owner_kind", OwnerKind), name="plan_action_owner_kind"
            ),
            models.CheckConstraint(
                condition=_known("status", ActionStatus), name="plan_action_status"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        owner_kind=OwnerKind.PRACTITIONER,
                        owner__isnull=False,
                        owner_parent__isnull=True,
                        owner_young_person__isnull=True,
                    )
                    | Q(
                        owner_kind=OwnerKind.PARENT,
                        owner__isnull=True,
                        owner_parent__isnull=False,
                        owner_young_person__isnull=True,
                    )
                    | Q(
                        owner_kind=OwnerKind.YOUNG_PERSON,
                        owner__isnull=True,
                        owner_parent__isnull=True,
                        owner_young_person__isnull=False,
                    )
                    | (
                        Q(
                            owner_kind=OwnerKind.OTHER,
                            owner__isnull=True,
                            owner_parent__isnull=True,
                            owner_young_person__isnull=True,
                        )
                        & ~Q(owner_name="")
                    )
                ),
                name="plan_action_has_one_owner",
                violation_error_message="Say who will do this.",
            ),
            models.CheckConstraint(
                condition=~Q(status=ActionStatus.NOT_DONE) | ~Q(not_done_reason=""),
                name="plan_action_not_done_has_reason",
                violation_error_message="Say why it was not done.",
            ),
            models.CheckConstraint(condition=~Q(what=""), name="plan_action_has_what"),
            models.CheckConstraint(
                condition=Q(entered_in_error=False) | ~Q(error_reason=""),
                name="plan_action_error_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.what

    @property
    def owner_label(self) -> str:
        if self.owner_id:
            return self.owner.get_full_name()
        if self.owner_parent_id:
            return f"{self.owner_parent.name} ({self.owner_parent.relationship})"
        if self.owner_young_person_id:
            return self.owner_young_person.full_name
        return self.owner_name

    @property
    def status_colour(self) -> str:
        return ACTION_STATUS_COLOURS.get(self.status, "grey")

    @property
    def is_overdue(self) -> bool:
        return (
            self.status
            in (
                ActionStatus.NOT_STARTED,
                ActionStatus.IN_PROGRESS,
            )
            and self.due_on < timezone.localdate()
        )


class ProgressNote(models.Model):
    """A dated note on an action's progress between meetings. Append-only."""

    action = models.ForeignKey(PlanAction, on_delete=models.PROTECT, related_name="notes")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=2000)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="progress_note_text")]

    def __str__(self) -> str:
        return f"Note on action {self.action_id} at {self.at:%Y-%m-%d %H:%M}"


class LeadAppointment(models.Model):
    """A practitioner appointed lead professional for a child, with history: one current
    appointment per child; appointing another ends the previous one."""

    child = models.ForeignKey(
        "children.Child", on_delete=models.PROTECT, related_name="lead_appointments"
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lead_appointments"
    )
    agency = models.ForeignKey("lisa.Agency", on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    family_view = models.CharField("the family's view on the choice", max_length=1000, blank=True)
    # "Appointed from the practitioners who attended (or accepted in writing afterwards)".
    accepted_in_writing_on = models.DateField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(ended_at__isnull=True),
                name="lead_appointment_one_current",
                violation_error_message="The child already has a lead professional.",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="lead_appointment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} lead professional for {self.child}"


class RecordOfDecisions(models.Model):
    """One sent version of a meeting's record of decisions. Never edited: a correction is a new
    version with a reason, sent again, and the earlier version stays readable. ``content`` holds
    what the record said when it was sent (people by their ids, so that each reader sees them as
    the access policy lets them, and the words as written)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="records")
    version = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    correction_reason = models.CharField("why it was corrected", max_length=1000, blank=True)
    content = models.JSONField()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="record_version_unique"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(correction_reason=""),
                name="record_correction_has_reason",
                violation_error_message="Say what was corrected and why.",
            ),
        ]

    def __str__(self) -> str:
        return f"Record of decisions of the meeting of {self.meeting.date:%-d %B %Y}"


class RecordRecipient(models.Model):
    """A practitioner or co-ordinator a record of decisions was sent to. When they opened it
    comes from the audit trail, not from here."""

    record = models.ForeignKey(
        RecordOfDecisions, on_delete=models.PROTECT, related_name="recipients"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="records_received"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["record", "user"], name="record_recipient_once"),
        ]

    def __str__(self) -> str:
        return f"Record {self.record_id} sent to user {self.user_id}"


class CopyGiven(models.Model):
    """ "Copies given to" the family: a printed family copy handed or posted to the parent or
    carer or the young person."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="copies_given")
    given_to = models.CharField(max_length=200)
    given_on = models.DateField()
    large_print = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["given_on", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(given_to=""), name="copy_given_to")]

    def __str__(self) -> str:
        return f"Family copy given to {self.given_to} on {self.given_on:%-d %B %Y}"
