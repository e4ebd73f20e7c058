"""Opening a child's record: the one helper every child view goes through.

:func:`child_for_user` returns the child (following a merged record to the one it was merged
into) or refuses through :func:`lisa.access.deny`, and audits each allowed view once per
request.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.urls import reverse

from audit.models import Action
from audit.services import record
from children import rules
from children.models import Child
from lisa.access import deny

Need = Literal["card", "full", "edit"]

REFUSALS = {
    "card": "Only practitioners, designated officers and the central team may see children's "
    "records.",
    "full": "Only practitioners involved with this child, their agency's designated officer and "
    "the central team may open this child's full record.",
    "edit": "Only practitioners involved with this child, their agency's designated officer and "
    "the central team may change this child's record.",
}


def _kept(child: Child) -> Child:
    seen = {child.pk}
    while child.merged_into_id and child.merged_into_id not in seen:
        seen.add(child.merged_into_id)
        child = Child.objects.select_related("family").get(pk=child.merged_into_id)
    return child


def child_for_user(
    request: HttpRequest, pk: int, need: Need = "card", *, audit: bool = True
) -> Child:
    """The child ``pk`` if the signed-in person may have it for ``need``; otherwise refuse.

    404 when there is no such child; 403 (audited) when the person may not. A refused
    ``need="full"`` offers break glass to those who may use it. Allowed GET requests are
    audited as one VIEW event; changes are audited by the action that makes them.
    """
    child = Child.objects.select_related("family").filter(pk=pk).first()
    if child is None:
        deny(request, "no such child", not_found=True, object_type="children.child", object_id=pk)
    child = _kept(child)
    user = request.user
    grant = None
    if need == "card":
        allowed = rules.can_see_index_card(user, child)
    elif need == "full":
        allowed = rules.has_relationship(user, child)
        if not allowed and rules.works_with_children(user):
            grant = rules.current_break_glass(user, child)
            allowed = grant is not None
    elif need == "edit":
        allowed = rules.can_edit(user, child)
    else:  # pragma: no cover - a programming error
        raise ValueError(f"unknown need {need!r}")
    if not allowed:
        if need == "full" and rules.can_break_glass(user, child):
            request.lisa_break_glass = reverse("children:break-glass", args=[child.pk])
        deny(
            request,
            REFUSALS[need],
            object_type="children.child",
            object_id=child.pk,
            child=child.pk,
        )
    request.lisa_break_glass_grant = grant
    if audit and request.method in ("GET", "HEAD"):
        audit_view(request, child, need)
    return child


def audit_view(request: HttpRequest, child: Child, what: str, **detail) -> None:
    """One VIEW event per request for ``child``, with the break-glass reason when access comes
    from breaking glass."""
    done = getattr(request, "_lisa_viewed", set())
    if child.pk in done:
        return
    grant = getattr(request, "lisa_break_glass_grant", None)
    detail = {"view": what, **detail}
    if grant is not None:
        detail["break_glass"] = {
            "grant": grant.pk,
            "category": grant.category,
            "reason": grant.reason,
            "expires_at": grant.expires_at.isoformat(),
        }
    record(request, Action.VIEW, obj=child, child=child, detail=detail)
    done.add(child.pk)
    request._lisa_viewed = done
