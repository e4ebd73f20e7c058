"""Access rules, stated at the top of every view.

Every view in LISA carries exactly one of these decorators. The middleware refuses any view
that lacks one (deny by default), and a test walks the URLconf to prove it.

    @public                 anyone, signed in or not (sign-in page, health check, public pages)
    @signed_in              any signed-in user
    @role_required(...)     a signed-in user holding at least one of the roles

Object-level rules (own agency only, involved with the child…) live in helpers such as
:func:`user_for_manager`, which return the object or raise, and audit refusals.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import NoReturn

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest

from lisa.models import Role, User

ACCESS_ATTR = "lisa_access"


def _mark(view: Callable, rule: str) -> Callable:
    setattr(view, ACCESS_ATTR, rule)
    return view


def public(view: Callable) -> Callable:
    """Anyone may use this view, signed in or not."""
    return _mark(view, "public")


def signed_in(view: Callable) -> Callable:
    """Any signed-in (and therefore trained and active) user."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return _mark(wrapped, "signed-in")


def role_required(*roles: str) -> Callable[[Callable], Callable]:
    """A signed-in user holding at least one of ``roles``; others get 403 (audited)."""
    if not roles:
        raise ValueError("role_required needs at least one role")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_role(*roles):
                raise PermissionDenied(
                    "This page is for: " + ", ".join(Role(r).label for r in roles)
                )
            return view(request, *args, **kwargs)

        return _mark(wrapped, "roles:" + ",".join(roles))

    return decorator


# --- object-level helpers ----------------------------------------------------------------------


# Roles only the central team gives, and whose holders only the central team manages.
CENTRAL_ONLY_ROLES = frozenset({Role.CENTRAL_TEAM, Role.SYSTEM_ADMIN})


def reading_page(view: Callable) -> Callable:
    """A page that reads, and writes nothing but its own audit events (one INSERT, or a
    statement each that needs no other): it runs without the request-wide transaction. Under
    PostgreSQL's READ COMMITTED every statement takes its own snapshot inside a transaction or
    not, so nothing is lost but the BEGIN and COMMIT round trips. Goes above the access rule."""
    return transaction.non_atomic_requests(view)


def can_manage_user(manager: User, target: User) -> bool:
    """Designated officers manage users of their own agency only, and never a holder of a
    central-team or system-administrator role; the central team manages any user."""
    if manager.is_central_team:
        return True
    return (
        manager.is_designated_officer
        and manager.agency_id is not None
        and manager.agency_id == target.agency_id
        and not CENTRAL_ONLY_ROLES.intersection(target.roles)
    )


def managed_users(manager: User):
    """The users that ``manager`` may see and change on the user screens."""
    users = User.objects.select_related("agency")
    if manager.is_central_team:
        return users
    if manager.is_designated_officer and manager.agency_id:
        return users.filter(agency_id=manager.agency_id).exclude(
            roles__overlap=sorted(CENTRAL_ONLY_ROLES)
        )
    return users.none()


def deny(request: HttpRequest, reason: str, *, not_found: bool = False, **audit) -> NoReturn:
    """Refuse the request: 403, or 404 where even the record's existence is not to be told.

    The refusal is audited by the middleware *after* the request's transaction has rolled
    back, so the audit row survives the refusal. ``audit`` takes object_type, object_id and
    child for the event.
    """
    request.lisa_denied = {"reason": reason, **audit}
    if not_found:
        raise Http404(reason)
    raise PermissionDenied(reason)


def user_for_manager(request: HttpRequest, pk: int) -> User:
    """The user ``pk`` if the signed-in person may manage them; otherwise 404 (audited as a
    refusal, so probing other agencies' users leaves a trace)."""
    target = User.objects.select_related("agency").filter(pk=pk).first()
    if target is None or not can_manage_user(request.user, target):
        deny(
            request,
            "user outside the manager's agency",
            not_found=True,
            object_type="lisa.user",
            object_id=pk,
        )
    return target
