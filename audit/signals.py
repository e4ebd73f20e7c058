"""Sign-in, failed sign-in, sign-out and lockout go to the audit trail."""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import Action, Outcome
from audit.services import record


@receiver(user_logged_in)
def on_sign_in(sender, request, user, **kwargs):
    if request is None:
        return
    now = time.time()
    request.session["lisa_signed_in_at"] = now
    request.session["lisa_last_seen"] = now
    from lisa.second_factor import second_step_due

    # With a second step still to pass, the password alone is not a sign-in: the second-factor
    # pages record SIGN_IN once it is passed.
    action = Action.PASSWORD_ACCEPTED if second_step_due(request) else Action.SIGN_IN
    record(request, action, user=user, obj=user)


@receiver(user_logged_out)
def on_sign_out(sender, request, user, **kwargs):
    if request is None or user is None:
        return
    reason = getattr(request, "lisa_sign_out_reason", "signed out")
    record(request, Action.SIGN_OUT, user=user, obj=user, detail={"reason": reason})


@receiver(user_login_failed)
def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    username = (credentials or {}).get("username", "")
    record(
        request,
        Action.SIGN_IN_FAILED,
        outcome=Outcome.DENIED,
        detail={"username": str(username)[:150], "reason": "wrong username or password"},
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username, ip_address, **kwargs):
    if request is None:
        return
    record(
        request,
        Action.LOCKOUT,
        outcome=Outcome.DENIED,
        detail={"username": str(username or "")[:150], "ip_address": ip_address},
    )
