"""Opening a child's record: the one helper every child view goes through.

:func:`child_for_user` returns the child (following a merged record to the one it was merged
into) or refuses through :func:`lisa.access.deny`, and audits each allowed view once per
request.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse

from audit.models import Action
from audit.services import record_many
from children.models import Child
from lisa.access import deny
from lisa.policy import ChildAccess, load_child

Need = Literal["card", "full", "edit"]

REFUSALS = {
    "card": "Only practitioners, designated officers and the central team may see children's "
    "records.",
    "full": "Only practitioners involved with this child, their agency's designated officer and "
    "the central team may open this child's full record.",
    "edit": "Only practitioners involved with this child, their agency's designated officer and "
    "the central team may change this child's record.",
}


def _kept(child: Child, user) -> Child:
    seen = {child.pk}
    while child.merged_into_id and child.merged_into_id not in seen:
        seen.add(child.merged_into_id)
        child = load_child(child.merged_into_id, user)
    return child


def child_for_user(
    request: HttpRequest, pk: int, need: Need = "card", *, audit: bool = True
) -> Child:
    """The child ``pk`` if the signed-in person may have it for ``need``; otherwise refuse.

    404 when there is no such child; 403 (audited) when the person may not. A refused
    ``need="full"`` offers break glass to those who may use it. Allowed GET requests are
    audited as one VIEW event; changes are audited by the action that makes them.
    """
    child = load_child(pk, request.user)
    if child is None:
        deny(request, "no such child", not_found=True, object_type="children.child", object_id=pk)
    child = _kept(child, request.user)
    access = access_for(request, child)
    allowed = {"card": access.card, "full": access.full, "edit": access.edit}.get(need)
    if allowed is None:  # pragma: no cover - a programming error
        raise ValueError(f"unknown need {need!r}")
    if not allowed:
        if need == "full" and access.break_glass:
            request.lisa_break_glass = reverse("children:break-glass", args=[child.pk])
        deny(
            request,
            REFUSALS[need],
            object_type="children.child",
            object_id=child.pk,
            child=child.pk,
        )
    grant = access.grant if need == "full" else None
    if grant is not None:
        note_break_glass(request, child, grant)
    if audit and request.method in ("GET", "HEAD"):
        audit_view(request, child, need)
    return child


def owned_record_for_user(
    request: HttpRequest,
    model,
    pk: int,
    need: Need = "full",
    *,
    child: Child | None = None,
    related: tuple[str, ...] = (),
    audit: bool = True,
):
    """Any record that hangs off a child (a concern, an agreement, a meeting…): the record
    ``pk`` of ``model`` if the person may have its child for ``need``, else refuse.

    With ``child`` (already opened from the URL), the record must belong to it (or to a record
    merged into it), else 404. The record's ``child`` is the opened child and ``access`` the
    person's access object for it."""
    label = model._meta.label_lower
    found = model.objects.select_related(*related).filter(pk=pk).first()
    if found is None or (
        child is not None and found.child_id != child.pk and not _merged_into(found.child_id, child)
    ):
        deny(
            request,
            f"no such {model._meta.verbose_name}",
            not_found=True,
            object_type=label,
            object_id=pk,
            child=child.pk if child is not None else None,
        )
    if child is None:
        child = child_for_user(request, found.child_id, need, audit=audit)
    found.child = child
    found.access = access_for(request, child)
    return found


def _merged_into(child_id: int, kept: Child) -> bool:
    return Child.objects.filter(pk=child_id, merged_into_id=kept.pk).exists()


def note_break_glass(request: HttpRequest, child: Child, grant) -> None:
    """This request reads ``child`` under ``grant``: every audit event about the child it writes
    (a view, a print, a download) carries the grant and its reason (audit.services)."""
    request.__dict__.setdefault("_lisa_grants", {})[child.pk] = grant


def access_for(request: HttpRequest, child: Child) -> ChildAccess:
    """The access object for the signed-in person and ``child``, made once per request."""
    cache = request.__dict__.setdefault("_lisa_child_access", {})
    access = cache.get(child.pk)
    if access is None:
        access = cache[child.pk] = ChildAccess(request.user, child)
    return access


def audit_siblings(request: HttpRequest, child: Child, siblings, what: str) -> None:
    """Siblings shown on a page are views of those children too: one VIEW event each, under
    the sibling's own record, so "who has seen this child?" finds them."""
    record_many(request, Action.VIEW, _sibling_views(request, child, siblings, what))


def audit_view(
    request: HttpRequest,
    child: Child,
    what: str,
    *,
    siblings=(),
    siblings_on: str = "",
    **detail,
) -> None:
    """One VIEW event per request for ``child``, with the relationship that allowed it (or the
    break-glass reason when access comes from breaking glass); with ``siblings`` (the brothers
    and sisters shown ``siblings_on`` the page), their events too (:func:`audit_siblings`), all
    in one INSERT."""
    views = []
    done = request.__dict__.setdefault("_lisa_viewed", set())
    if child.pk not in done:
        access_for(request, child)  # the event records the relationship it found (audit.services)
        views.append({"obj": child, "child": child, "detail": {"view": what, **detail}})
        done.add(child.pk)
    views += _sibling_views(request, child, siblings, siblings_on)
    record_many(request, Action.VIEW, views)


def _sibling_views(request: HttpRequest, child: Child, siblings, what: str) -> list[dict[str, Any]]:
    """The VIEW events (as :func:`audit.services.record_many` takes them) for the siblings not
    yet seen in this request."""
    done = request.__dict__.setdefault("_lisa_viewed", set())
    shown = [sibling for sibling in siblings if sibling.pk not in done]
    done.update(sibling.pk for sibling in shown)
    detail = {"view": f"sibling on {what}", "sibling_of": child.lisa_ref}
    return [{"obj": sibling, "child": sibling, "detail": dict(detail)} for sibling in shown]
