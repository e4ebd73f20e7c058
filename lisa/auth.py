"""Sign-in rules: only trained, active users may use LISA."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class TrainedUserBackend(ModelBackend):
    """Checks passwords for every account, so that the sign-in form can say *why* an
    untrained or deactivated person is refused; but only trained, active users keep a session.
    """

    def user_can_authenticate(self, user) -> bool:
        return True

    def get_user(self, user_id):
        user = super().get_user(user_id)
        if user is None or not user.is_active or user.training_date is None:
            return None
        return user


def lockout_username(request, credentials) -> str:
    """The name failures are counted against: as the account is found, whatever its case."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username", "")
    return str(username or "").strip().lower()[:150]
