"""The Service Directory: organisations, their services, categories, opening times, places.

Services keep their own entries (through their editors); the central team manages every
entry, organisation, category and editor. Nothing here is about children.

Every record has a UUID as well as its number: the UUID is its identifier in the open data
(Open Referral UK), stable across exports and imports.
"""

from __future__ import annotations

import datetime as dt
from uuid import uuid4

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from directory.areas import WARD_CHOICES, normalise_postcode, validate_districts, validate_wards

# Entries not reviewed for this many months are flagged and their editors reminded.
REVIEW_MONTHS = 6
MAX_AGE = 25  # services for children and young people, and care leavers up to 25

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEKDAY_CHOICES = list(enumerate(WEEKDAYS))
RRULE_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

# Languages most spoken in the borough after English, and British Sign Language.
LANGUAGES = [
    "English",
    "Arabic",
    "Bengali",
    "British Sign Language",
    "Chinese (Cantonese)",
    "Chinese (Mandarin)",
    "French",
    "Lithuanian",
    "Polish",
    "Portuguese",
    "Romanian",
    "Somali",
    "Spanish",
    "Tamil",
    "Turkish",
    "Twi",
    "Vietnamese",
    "Yoruba",
]
LANGUAGE_CHOICES = [(name, name) for name in LANGUAGES]


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months before ``day`` (the last day of a short month)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def stale_cutoff(today: dt.date | None = None) -> dt.date:
    """Entries last reviewed before this date are out of date."""
    return months_before(today or timezone.localdate(), REVIEW_MONTHS)


class Category(models.Model):
    """A term of the directory's own taxonomy, managed by the central team."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A provider of services: a council team, a charity, a health trust, a school."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    agency = models.ForeignKey(
        "lisa.Agency",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_organisations",
        help_text="The LISA partner agency this organisation is, if it is one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceStatus(models.TextChoices):
    # The Open Referral statuses, so the open data says exactly what we hold.
    ACTIVE = "active", "Active"
    TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"
    INACTIVE = "inactive", "Inactive"
    DEFUNCT = "defunct", "Closed for good"


class ServiceQuerySet(models.QuerySet):
    def public(self):
        """What the public and the open data see: active, published entries."""
        return self.filter(status=ServiceStatus.ACTIVE, is_published=True)

    def for_practitioners(self):
        """Published entries that have not closed for good."""
        return self.filter(is_published=True).exclude(status=ServiceStatus.DEFUNCT)

    def edited_by(self, user):
        """The entries ``user`` may change: their own, or every one for the central team."""
        if user.is_central_team:
            return self
        if user.is_directory_editor:
            return self.filter(editors=user)
        return self.none()

    def stale(self, today: dt.date | None = None):
        return self.exclude(status=ServiceStatus.DEFUNCT).filter(
            last_reviewed_on__lt=stale_cutoff(today)
        )


class Service(models.Model):
    """One service's directory entry."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(max_length=200)
    description = models.TextField()
    categories = models.ManyToManyField(Category, related_name="services", blank=True)
    # Kept in step with ``categories`` by the actions, so the stored search vector covers them.
    category_names = models.TextField(blank=True, editable=False)

    minimum_age = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_AGE)]
    )
    maximum_age = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_AGE)]
    )
    eligibility = models.TextField(blank=True, help_text="Who the service is for.")

    contact_name = models.CharField(max_length=120, blank=True)
    contact_title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)

    is_free = models.BooleanField(default=True)
    charges = models.TextField(blank=True, help_text="What it costs, if it is not free.")
    opening_notes = models.CharField(
        max_length=300, blank=True, help_text="For example: closed on bank holidays."
    )
    accessibility = models.TextField(blank=True)
    languages = ArrayField(
        models.CharField(max_length=60),
        default=list,
        blank=True,
        help_text="Spoken at the service.",
    )

    serves_whole_borough = models.BooleanField(default=False)
    wards = ArrayField(
        models.CharField(max_length=40, choices=WARD_CHOICES),
        default=list,
        blank=True,
        validators=[validate_wards],
    )
    postcode_districts = ArrayField(
        models.CharField(max_length=4),
        default=list,
        blank=True,
        validators=[validate_districts],
    )
    how_to_refer = models.TextField(blank=True)

    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="directory_services", blank=True
    )
    status = models.CharField(
        max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    is_published = models.BooleanField(
        default=False, help_text="Shown in searches, on public pages and in the open data."
    )
    last_reviewed_on = models.DateField(default=timezone.localdate)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_reminded_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Name and categories weigh most, then the description. Computed by PostgreSQL itself, so
    # every path (forms, imports, bulk loads) keeps it right.
    search_vector = models.GeneratedField(
        expression=SearchVector("name", weight="A", config="english")
        + SearchVector("category_names", weight="A", config="english")
        + SearchVector("description", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            GinIndex(fields=["search_vector"], name="directory_service_search"),
            GinIndex(fields=["wards"], name="directory_service_wards"),
            GinIndex(fields=["postcode_districts"], name="directory_service_districts"),
            GinIndex(fields=["languages"], name="directory_service_languages"),
            models.Index(fields=["status", "is_published", "name"], name="directory_service_pub"),
            models.Index(fields=["last_reviewed_on"], name="directory_service_reviewed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=F("maximum_age")),
                name="directory_service_ages_in_order",
            ),
            models.CheckConstraint(
                condition=Q(is_free=True) | ~Q(charges=""),
                name="directory_service_charges_described",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_stale(self) -> bool:
        return self.stale_by(stale_cutoff())

    def stale_by(self, cutoff: dt.date) -> bool:
        """Out of date if last reviewed before ``cutoff`` (:func:`stale_cutoff`), for a list
        that works the cut-off out once."""
        return self.status != ServiceStatus.DEFUNCT and self.last_reviewed_on < cutoff

    @property
    def is_public(self) -> bool:
        return self.is_published and self.status == ServiceStatus.ACTIVE

    @property
    def ages_label(self) -> str:
        low, high = self.minimum_age, self.maximum_age
        if low is None and high is None:
            return "All ages"
        if low is None:
            return f"Up to {high}"
        if high is None:
            return f"{low} and over"
        if low == high:
            return f"{low} only"
        return f"{low} to {high}"

    @property
    def areas_label(self) -> str:
        if self.serves_whole_borough:
            return "The whole borough"
        parts = []
        if self.wards:
            parts.append("Wards: " + ", ".join(self.wards))
        if self.postcode_districts:
            parts.append("Postcode districts: " + ", ".join(self.postcode_districts))
        return "; ".join(parts) or "Not given"

    def sessions_by_day(self) -> list[tuple[str, list[OpeningSession]]]:
        """Each weekday with its sessions (uses prefetched ``sessions`` when there)."""
        days: list[list[OpeningSession]] = [[] for _ in WEEKDAYS]
        for session in self.sessions.all():
            days[session.weekday].append(session)
        for day in days:
            day.sort(key=lambda s: s.opens_at)
        return list(zip(WEEKDAYS, days, strict=True))


class OpeningSession(models.Model):
    """One opening on one weekday: a service may open several times a day."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="sessions")
    weekday = models.PositiveSmallIntegerField(
        choices=WEEKDAY_CHOICES, validators=[MinValueValidator(0), MaxValueValidator(6)]
    )
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="directory_session_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="directory_session_weekday"
            ),
        ]
        indexes = [models.Index(fields=["weekday", "service"], name="directory_session_day")]

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.opens_at:%H:%M} to {self.closes_at:%H:%M}"


class Location(models.Model):
    """A place where a service is delivered."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    # The Open Referral "service at location" that links this place to its service.
    service_at_location_uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200, blank=True)
    address_1 = models.CharField("address line 1", max_length=200)
    address_2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField("town or city", max_length=100, default="London")
    state_province = models.CharField("county", max_length=100, default="Greater London")
    postcode = models.CharField(max_length=10)
    country = models.CharField(max_length=2, default="GB")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return ", ".join(p for p in (self.name, self.address_1, self.postcode) if p)

    def clean(self) -> None:
        # UK addresses must have a real UK postcode; others (rare, from imports) are kept as given.
        if self.country.upper() in ("GB", "UK", ""):
            try:
                self.postcode = normalise_postcode(self.postcode)
            except ValidationError as error:
                raise ValidationError({"postcode": error.messages}) from error
            self.country = "GB"

    @property
    def map_url(self) -> str:
        from urllib.parse import quote_plus

        return "https://www.openstreetmap.org/search?query=" + quote_plus(self.postcode)
