"""Every change to users and agencies goes through these functions.

Each is one transaction that validates, saves and writes its audit event; views and forms call
them and never save these models themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from audit.models import Action
from audit.services import record
from lisa.access import can_manage_user
from lisa.models import Agency, Role, User
from lisa.versioning import check_version

logger = logging.getLogger(__name__)


class ConcurrentEditError(Exception):
    """Someone else saved the record after this person opened it."""

    def __init__(self, current: Any):
        super().__init__("The record was changed by someone else.")
        self.current = current


class CentralTeamOnly(Exception):
    """A change a designated officer may not make now: the central team must make it."""

    def __init__(self, message: str, *, field: str | None = None, attempted: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field
        self.attempted = attempted


# An officer who changes where a person's email goes and resets their second factor can take
# the account over (a password link to the new address, then an app of their own): within this
# time of one, the other is left to the central team.
TAKEOVER_WINDOW = dt.timedelta(hours=24)


def _recently(moment: dt.datetime | None) -> bool:
    return moment is not None and timezone.now() - moment < TAKEOVER_WINDOW


# Roles a designated officer may give; the central team may give any.
DESIGNATED_OFFICER_GRANTABLE = {Role.PRACTITIONER, Role.DESIGNATED_OFFICER, Role.DIRECTORY_EDITOR}


def grantable_roles(by: User) -> list[tuple[str, str]]:
    if by.is_central_team:
        return list(Role.choices)
    return [
        (value, label) for value, label in Role.choices if value in DESIGNATED_OFFICER_GRANTABLE
    ]


def _check_roles(by: User, roles: list[str]) -> None:
    allowed = {value for value, _ in grantable_roles(by)}
    refused = [role for role in roles if role not in allowed]
    if refused:
        raise PermissionDenied("You may not give these roles: " + ", ".join(refused))
    if not roles:
        raise ValidationError({"roles": "Select at least one role."})


def _check_agency(by: User, agency: Agency | None) -> None:
    if agency is None:
        raise ValidationError({"agency": "Select the person's agency."})
    if not by.is_central_team and agency.pk != by.agency_id:
        raise PermissionDenied("Designated officers add users to their own agency only.")


def send_set_password_email(request: HttpRequest | None, user: User) -> bool:
    """Email a one-off link with which the person chooses their password.

    The message carries nothing but the link: no personal data.
    """
    if not user.email:
        return False
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("set-password", kwargs={"uidb64": uid, "token": token})
    base = request.build_absolute_uri("/")[:-1] if request is not None else ""
    link = (base or settings.LISA_SITE_URL) + path
    try:
        _send_link(user, link)
    except OSError:
        # The account is still made or changed; the person asks for another link.
        logger.exception("Could not send the set-password email")
        return False
    return True


@task()
def send_password_reset(email: str) -> None:
    """Email a link to choose a new password to each active account with this address, if any.

    Run by the worker, never in the request: the page answers the same, and as fast, whether or
    not the address has an account. The link is built on LISA_SITE_URL, not on the Host the
    request came with.
    """
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return
    site = urlsplit(settings.LISA_SITE_URL)
    # A failed send is logged (by user id, not address) and not retried: the person asks again.
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        email_template_name="lisa/email/reset_password.txt",
        subject_template_name="lisa/email/reset_password_subject.txt",
    )


@transaction.atomic
def request_password_reset(*, request: HttpRequest, email: str) -> None:
    """Someone asked for a password link for ``email``: record the request and queue the
    email. Which address was asked for is recorded, not whether it belongs to anyone."""
    record(
        request,
        Action.UPDATE,
        object_type="lisa.user",
        detail={"password_reset_requested_for": email[:254]},
    )
    transaction.on_commit(lambda: send_password_reset.enqueue(email[:254]))


def _send_link(user: User, link: str) -> None:
    send_mail(
        "Your LISA account",
        "An account has been set up for you on LISA.\n\n"
        f"Choose your password here: {link}\n\n"
        "You can sign in once your LISA training has been recorded.\n",
        None,
        [user.email],
    )


@transaction.atomic
def create_user(
    *,
    request: HttpRequest,
    by: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    agency: Agency | None,
    roles: list[str],
    job_title: str = "",
    phone: str = "",
    training_date: dt.date | None = None,
) -> User:
    """Add a user. Designated officers add users to their own agency only."""
    _check_agency(by, agency)
    _check_roles(by, roles)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "That username is already taken."})
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        agency=agency,
        roles=list(roles),
        job_title=job_title,
        phone=phone,
        training_date=training_date,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # a simultaneous add of the same username
        raise ValidationError({"username": "That username is already taken."}) from error
    record(request, Action.CREATE, obj=user, detail={"roles": list(roles), "agency": agency.name})
    transaction.on_commit(lambda: send_set_password_email(request, user))
    return user


USER_EDITABLE = ("first_name", "last_name", "email", "job_title", "phone", "roles", "agency")


@transaction.atomic
def update_user(
    *, request: HttpRequest, by: User, user: User, version: str, changes: dict[str, Any]
) -> User:
    """Change a user's details. Refused if someone else saved them since ``version``."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not can_manage_user(by, locked):
        raise PermissionDenied("You may not change this user.")
    check_version(locked, version)
    if "roles" in changes:
        grantable = {value for value, _ in grantable_roles(by)}
        added = set(changes["roles"]) - set(locked.roles)
        _check_roles(by, [r for r in changes["roles"] if r in added] or list(changes["roles"]))
        # Roles this person may not give are not theirs to take away either: keep them.
        kept = [role for role in locked.roles if role not in grantable]
        changes["roles"] = [*kept, *[r for r in changes["roles"] if r not in kept]]
        if not changes["roles"]:
            raise ValidationError({"roles": "Select at least one role."})
    if "agency" in changes and changes["agency"] != locked.agency:
        _check_agency(by, changes["agency"])
    changed = {}
    for field in USER_EDITABLE:
        if field in changes and getattr(locked, field) != changes[field]:
            old = getattr(locked, field)
            changed[field] = [str(old), str(changes[field])]
            setattr(locked, field, changes[field])
    if not changed:
        return locked
    if "email" in changed:
        if not by.is_central_team and _recently(locked.second_factor_reset_at):
            raise CentralTeamOnly(
                "The email address cannot be changed now: this person's two-step verification "
                "was reset less than 24 hours ago. To keep the account safe, ask the LISA "
                "central team to change the email address.",
                field="email",
                attempted="email change after two-step reset",
            )
        locked.email_changed_at = timezone.now()
    if "roles" in changed or "agency" in changed:
        # A change of role or agency changes what the person may see: start afresh.
        locked.session_version += 1
    locked.full_clean(exclude=["password"])
    locked.save()
    record(request, Action.UPDATE, obj=locked, detail={"changed": sorted(changed)})
    if "email" in changed:
        old_address = changed["email"][0]
        transaction.on_commit(lambda: _tell_old_address(old_address))
    return locked


def _tell_old_address(address: str) -> None:
    """Someone changed where a LISA account's email goes: tell the old address, so that a
    takeover of the account cannot pass unnoticed. No personal data in the message."""
    if not address:
        return
    try:
        send_mail(
            "The email address of your LISA account was changed",
            "The email address of your LISA account has just been changed by your agency's "
            "designated officer or the LISA team.\n\nIf you did not expect this, tell the LISA "
            "team at once.\n",
            None,
            [address],
        )
    except OSError:
        logger.exception("Could not send the address-change notice")


# The role training recorded beside the LISA training date.
ROLE_TRAINING = ("lead_professional_trained_on", "chair_trained_on")


@transaction.atomic
def record_training(
    *,
    request: HttpRequest,
    by: User,
    user: User,
    training_date: dt.date,
    version: str,
    roles: dict[str, dt.date | None] | None = None,
) -> User:
    """Record the date a person completed LISA training; from then on they may sign in. With
    ``roles``, also the dates of the role training the handbook promises
    (``lead_professional_trained_on``, ``chair_trained_on``; None when not done). Refused if
    someone else changed the person since ``version``."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not can_manage_user(by, locked):
        raise PermissionDenied("You may not change this user.")
    check_version(locked, version)
    dates = {"training_date": training_date, **(roles or {})}
    unknown = set(dates) - set(ROLE_TRAINING) - {"training_date"}
    if unknown:
        raise ValueError(f"not a kind of training: {sorted(unknown)}")
    future = {
        name: "The training date cannot be in the future."
        for name, day in dates.items()
        if day is not None and day > timezone.localdate()
    }
    if future:
        raise ValidationError(future)
    for name, day in dates.items():
        setattr(locked, name, day)
    locked.save(update_fields=[*dates, "updated_at"])
    record(
        request,
        Action.UPDATE,
        obj=locked,
        detail={name: day.isoformat() if day else None for name, day in dates.items()},
    )
    return locked


@transaction.atomic
def deactivate_user(*, request: HttpRequest, by: User, user: User, reason: str) -> User:
    """Stop a person using LISA. Their sessions end at once (on their next request)."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not can_manage_user(by, locked):
        raise PermissionDenied("You may not change this user.")
    if locked.pk == by.pk:
        raise ValidationError({"reason": "You cannot deactivate your own account."})
    if not locked.is_active:
        return locked
    locked.is_active = False
    locked.deactivated_at = timezone.now()
    locked.deactivated_by = by
    locked.deactivated_by_central_team = by.is_central_team
    locked.session_version += 1
    locked.save()
    record(request, Action.DEACTIVATE, obj=locked, detail={"reason": reason})
    return locked


@transaction.atomic
def reactivate_user(*, request: HttpRequest, by: User, user: User) -> User:
    """Let a deactivated person sign in again. An account the central team deactivated only
    the central team may reactivate."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not can_manage_user(by, locked):
        raise PermissionDenied("You may not change this user.")
    if locked.is_active:
        return locked
    if locked.deactivated_by_central_team and not by.is_central_team:
        raise PermissionDenied(
            "This account was deactivated by the LISA central team. Only the central team can "
            "reactivate it."
        )
    locked.is_active = True
    locked.deactivated_at = None
    locked.deactivated_by = None
    locked.deactivated_by_central_team = False
    locked.save()
    record(request, Action.UPDATE, obj=locked, detail={"reactivated": True})
    return locked


@transaction.atomic
def reset_second_factor(*, request: HttpRequest, by: User, user: User) -> User:
    """Remove a person's authenticator app (a lost phone): they set one up again at their next
    sign-in, and are signed out everywhere now."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    locked = User.objects.select_for_update().get(pk=user.pk)
    if not can_manage_user(by, locked):
        raise PermissionDenied("You may not change this user.")
    if not by.is_central_team and _recently(locked.email_changed_at):
        raise CentralTeamOnly(
            "Two-step verification cannot be reset now: this person's email address was "
            "changed less than 24 hours ago. To keep the account safe, ask the LISA central "
            "team to reset it.",
            attempted="two-step reset after email change",
        )
    TOTPDevice.objects.filter(user=locked).delete()
    locked.session_version += 1
    locked.second_factor_reset_at = timezone.now()
    locked.save(update_fields=["session_version", "second_factor_reset_at", "updated_at"])
    record(request, Action.UPDATE, obj=locked, detail={"second_factor": "reset"})
    return locked


@transaction.atomic
def refuse_for_central_team(
    *, request: HttpRequest, by: User, user: User, refusal: CentralTeamOnly
) -> None:
    """Record that a change was left to the central team, and alert them: an email change
    and a second-factor reset close together are how an account is taken over.

    Called after the refused action's own transaction has rolled back, so that the refusal
    and the alert are kept."""
    from audit.models import Alert, AlertKind, Outcome

    record(
        request,
        Action.DENIED,
        outcome=Outcome.DENIED,
        obj=user,
        detail={"reason": refusal.message, "attempted": refusal.attempted},
    )
    Alert.objects.create(
        kind=AlertKind.ACCOUNT_TAKEOVER,
        user=by,
        reason=(
            f"{by} ({by.username}) tried a {refusal.attempted} for {user} ({user.username}) "
            "within 24 hours. This was refused: the central team must make the change if it "
            "is needed."
        ),
        detail={"target_user": user.pk, "username": user.username, "attempted": refusal.attempted},
    )


@transaction.atomic
def save_agency(
    *,
    request: HttpRequest,
    by: User,
    agency: Agency | None,
    fields: dict[str, Any],
    version: str = "",
) -> Agency:
    """Add an agency, or change one (refused if someone else saved it since ``version``)."""
    if not by.is_central_team:
        raise PermissionDenied("Only the central team manages agencies.")
    if agency is None:
        agency = Agency(**fields)
        agency.full_clean()
        try:
            with transaction.atomic():
                agency.save()
        except IntegrityError as error:
            raise ValidationError({"name": "There is already an agency with that name."}) from error
        record(request, Action.CREATE, obj=agency)
        return agency
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    check_version(locked, version)
    changed = [name for name, value in fields.items() if getattr(locked, name) != value]
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    record(request, Action.UPDATE, obj=locked, detail={"changed": changed})
    return locked
