"""Sign-in rules: only trained, active users may use LISA, and guessing passwords is stopped."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Sum

from lisa.sessions import preloaded_user


class TrainedUserBackend(ModelBackend):
    """Checks passwords for every account, so that the sign-in form can say *why* an
    untrained or deactivated person is refused; but only trained, active users keep a session.
    """

    def user_can_authenticate(self, user) -> bool:
        return True

    def get_user(self, user_id):
        # The agency comes with the user: every page names it ("Signed in as …, agency").
        # Signing in a request, the session has usually read both already (lisa.sessions).
        user = preloaded_user(user_id)
        if user is None:
            try:
                user = get_user_model()._default_manager.select_related("agency").get(pk=user_id)
            except get_user_model().DoesNotExist:
                return None
        if not user.is_active or user.training_date is None:
            return None
        return user

    async def aget_user(self, user_id):
        # Django's own would check only is_active: the same checks as get_user.
        return await sync_to_async(self.get_user)(user_id)


def lockout_username(request, credentials) -> str:
    """The name failures are counted against: as the account is found, whatever its case."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username", "")
    return str(username or "").strip().lower()[:150]


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, with a second limit on one username from every address.

    Axes counts failures per username *and* address (``AXES_FAILURE_LIMIT``), so that a
    colleague's typing does not lock out an office. On its own that lets one password be guessed
    from many addresses, five tries each; so failures for a username are also added up across
    all addresses, and ``LISA_USERNAME_LOCKOUT_FAILURES`` of them within the cool-off time lock
    that username wherever the next attempt comes from, and raise an alert for the central team.
    """

    def username_failures(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        attempts = AccessAttempt.objects.filter(
            username=username, attempt_time__gte=get_cool_off_threshold(request)
        )
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def username_locked(self, request, credentials=None) -> bool:
        return (
            self.username_failures(request, credentials) >= settings.LISA_USERNAME_LOCKOUT_FAILURES
        )

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if self.username_locked(request, credentials):
            request.lisa_username_locked = True
            return True
        return False

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or not self.username_locked(request, credentials):
            return
        request.lisa_username_locked = True
        if not getattr(request, "axes_locked_out", False):
            # Locked for the username, not (yet) for this address: axes has not said so.
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )
        _alert_password_guessing(request, get_client_username(request, credentials))


def _alert_password_guessing(request, username: str) -> None:
    """One alert per account and cool-off time, however many more attempts follow."""
    from audit.models import Alert, AlertKind
    from lisa.models import User

    account = User.objects.filter(username__iexact=username).first()
    if account is None:
        return  # no account to protect; the lockout itself is in the audit trail
    since = get_cool_off_threshold(request)
    if Alert.objects.filter(
        kind=AlertKind.PASSWORD_GUESSING, user=account, created_at__gte=since
    ).exists():
        return
    addresses = (
        AccessAttempt.objects.filter(username=username, attempt_time__gte=since)
        .values("ip_address")
        .distinct()
        .count()
    )
    limit = settings.LISA_USERNAME_LOCKOUT_FAILURES
    Alert.objects.create(
        kind=AlertKind.PASSWORD_GUESSING,
        user=account,
        reason=(
            f"{limit} or more failed sign-ins to this account from {addresses} "
            f"address{'es' if addresses != 1 else ''} within the lockout time. The account is "
            "locked from every address until the lockout time has passed."
        ),
        detail={"username": username, "addresses": addresses, "limit": limit},
    )
