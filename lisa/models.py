"""People and agencies: who may use LISA, and for which agency they work."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac


class AgencyType(models.TextChoices):
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    SOCIAL_CARE = "social_care", "Social care"
    POLICE = "police", "Police"
    YOUTH_OFFENDING = "youth_offending", "Youth offending"
    HOUSING = "housing", "Housing"
    VOLUNTARY = "voluntary", "Voluntary sector"
    OTHER = "other", "Other"


class Agency(models.Model):
    """A partner agency. Every user belongs to exactly one."""

    name = models.CharField(max_length=200, unique=True)
    agency_type = models.CharField("type", max_length=20, choices=AgencyType.choices)
    sensitive_service = models.BooleanField(
        default=False,
        help_text=(
            "Sexual health, mental health or substance misuse services: involvement with this "
            "agency is shown only to the central team, to this agency and where consent is "
            "recorded."
        ),
    )
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), name="agency_name_ci_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    DESIGNATED_OFFICER = "designated_officer", "Designated officer"
    CENTRAL_TEAM = "central_team", "Central team"
    DIRECTORY_EDITOR = "directory_editor", "Directory editor"
    SYSTEM_ADMIN = "system_admin", "System administrator"


# Roles whose holders work with children's records.
CHILD_ROLES = frozenset({Role.PRACTITIONER, Role.DESIGNATED_OFFICER, Role.CENTRAL_TEAM})


class LisaUserManager(UserManager):
    def get_by_natural_key(self, username: str):
        # Sign-in names are not case sensitive: "J.Smith" and "j.smith" are one account.
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A person who may sign in to LISA.

    Accounts are created by a designated officer or the central team, never by
    self-registration, and only trained users may sign in.
    """

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    roles = ArrayField(
        models.CharField(max_length=30, choices=Role.choices), default=list, blank=True
    )
    job_title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    training_date = models.DateField(
        null=True,
        blank=True,
        help_text="The date the person completed LISA training. Without it they cannot sign in.",
    )
    # The handbook promises training on the lead professional role and on chairing meetings:
    # LISA warns (never blocks) when a chair or a proposed lead has none recorded.
    lead_professional_trained_on = models.DateField(
        "trained as a lead professional", null=True, blank=True
    )
    chair_trained_on = models.DateField("trained to chair meetings", null=True, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Kept as it was at the time: only the central team may undo its own deactivations, even
    # if the person who did it later leaves the team.
    deactivated_by_central_team = models.BooleanField(default=False)
    # When the email address was last changed and two-step verification last reset: a
    # designated officer may not do both within a day (see lisa.actions.TAKEOVER_WINDOW).
    email_changed_at = models.DateTimeField(null=True, blank=True)
    second_factor_reset_at = models.DateTimeField(null=True, blank=True)
    # Bumped to end every session of this user at once (deactivation, role change).
    session_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LisaUserManager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(roles__contained_by=[value for value, _ in Role.choices]),
                name="user_roles_known",
            ),
            models.UniqueConstraint(
                models.functions.Lower("username"), name="user_username_ci_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    # --- roles --------------------------------------------------------------------------------
    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_central_team(self) -> bool:
        return Role.CENTRAL_TEAM in self.roles

    @property
    def is_designated_officer(self) -> bool:
        return Role.DESIGNATED_OFFICER in self.roles

    @property
    def is_practitioner(self) -> bool:
        return Role.PRACTITIONER in self.roles or self.is_designated_officer

    @property
    def is_directory_editor(self) -> bool:
        return Role.DIRECTORY_EDITOR in self.roles

    @property
    def is_system_admin(self) -> bool:
        return Role.SYSTEM_ADMIN in self.roles

    @property
    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [labels.get(role, role) for role in self.roles]

    @property
    def primary_role(self) -> str:
        """The role that decides the home page and is recorded on audit events."""
        for role in (
            Role.CENTRAL_TEAM,
            Role.DESIGNATED_OFFICER,
            Role.PRACTITIONER,
            Role.DIRECTORY_EDITOR,
            Role.SYSTEM_ADMIN,
        ):
            if role in self.roles:
                return role
        return ""

    @property
    def is_trained(self) -> bool:
        return self.training_date is not None

    def _get_session_auth_hash(self, secret=None):
        # Sessions are tied to the password *and* to session_version, so bumping the version
        # (on deactivation) signs the person out everywhere on their next request.
        return salted_hmac(
            "lisa.User.session",
            f"{self.password}:{self.session_version}:{int(self.is_active)}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


# --- shared by every server -------------------------------------------------------------------


class CacheEntry(models.Model):
    """The table of Django's database cache (``settings.CACHES``), the cache every server
    shares when no REDIS_URL is set. Django reads and writes it with its own SQL; the model only
    makes it with the other tables, so that the application's role gets the usual grants and a
    test's emptying of the database empties the cache too. The columns are exactly those of
    ``manage.py createcachetable``, which then finds the table there and leaves it."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "lisa_cache"
        verbose_name_plural = "cache entries"

    def __str__(self) -> str:
        return self.cache_key


class RateLimitCount(models.Model):
    """How many requests one client has made in the current window of a rate limit
    (``lisa.ratelimit``). Counted with one atomic statement, so every server adds to the same
    count. The client is named by a keyed hash, never by its address; rows of windows that
    have ended are deleted."""

    bucket = models.CharField(max_length=100, primary_key=True)
    window_ends = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField()

    class Meta:
        db_table = "lisa_rate_limit_count"

    def __str__(self) -> str:
        return f"{self.bucket}: {self.count} until {self.window_ends:%H:%M:%S}"


class Session(AbstractBaseSession):
    """A browser's session (``lisa.sessions``), with the person signed in on it and the
    authenticator they passed the second step with: a page reads the session, the person, their
    agency and the authenticator in one query. Deleting an account deletes its
    sessions."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )
    # The authenticator the session's second step was made with, read with the session (its
    # checks are still django-otp's: the device must be the person's and confirmed). No
    # constraint in the database: a page saving its session as the device is removed must not
    # fail; a session naming a removed device simply reads none.
    otp_device = models.ForeignKey(
        "otp_totp.TOTPDevice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "lisa_session"

    @classmethod
    def get_session_store_class(cls):
        from lisa.sessions import SessionStore

        return SessionStore
