"""Writing audit events. Every audited request calls :func:`record` once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.http import HttpRequest

from audit.models import Action, AuditEvent, Outcome
from lisa.network import client_ip


def record(
    request: HttpRequest | None,
    action: str,
    *,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    child: Any = None,
    outcome: str = Outcome.ALLOWED,
    detail: dict[str, Any] | None = None,
    user: Any = None,
) -> AuditEvent:
    """Write one audit event in the current transaction.

    ``child`` may be a child object or its id. ``user`` overrides ``request.user`` (used for
    sign-in, where the request is not yet authenticated).
    """
    event = _event(
        request,
        action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        child=child,
        outcome=outcome,
        detail=detail,
        user=user,
    )
    event.save()
    return event


def record_many(
    request: HttpRequest | None, action: str, each: Iterable[Mapping[str, Any]]
) -> list[AuditEvent]:
    """Write one ``action`` event for each item of ``each`` (the keyword arguments that
    :func:`record` takes: ``obj``, ``child``, ``detail``…) in one INSERT, in the current
    transaction; nothing when there are none.

    Like :func:`record`, this only ever adds new events: ids are given by the INSERT, and the
    sealer chains them later in id order (audit/chain.py)."""
    events = [_event(request, action, **item) for item in each]
    if len(events) == 1:
        events[0].save()  # one INSERT, without the BEGIN and COMMIT a bulk insert adds
    elif events:
        AuditEvent.objects.bulk_create(events)
    return events


def record_views(request: HttpRequest, children: list, detail: dict[str, Any]) -> None:
    """One VIEW event for each of ``children`` (e.g. the siblings a page shows), written in one
    INSERT."""
    record_many(
        request,
        Action.VIEW,
        ({"obj": child, "child": child, "detail": dict(detail)} for child in children),
    )


def _event(
    request: HttpRequest | None,
    action: str,
    *,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    child: Any = None,
    outcome: str = Outcome.ALLOWED,
    detail: dict[str, Any] | None = None,
    user: Any = None,
) -> AuditEvent:
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        user = candidate if candidate is not None and candidate.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    child_id = getattr(child, "pk", child)
    detail = _with_reason(request, action, child_id, detail)
    meta = request.META if request is not None else {}
    return AuditEvent(
        user=user,
        username=getattr(user, "username", "") if user else "",
        role=getattr(user, "primary_role", "") if user else "",
        agency_id=getattr(user, "agency_id", None) if user else None,
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=str(object_id) if object_id not in (None, "") else "",
        child_id=child_id,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:400],
        request_id=getattr(request, "request_id", "") if request is not None else "",
        path=(request.get_full_path()[:400] if request is not None else ""),
        detail=detail or {},
    )


# Reading a child's data: "who has seen this child?" says why each person could.
SEEING = frozenset({Action.VIEW, Action.PRINT, Action.DOWNLOAD, Action.EXPORT})


def _with_reason(request, action, child_id, detail):
    """Whatever is done with a child under a break-glass grant (a view, a print, a download)
    carries the grant and its stated reason. Otherwise a view, print, download or export
    carries the relationship that opened the record, from the access object the request made
    for the child (children.access), where it made one."""
    if request is None or child_id is None:
        return detail
    grants = getattr(request, "_lisa_grants", None)
    grant = grants.get(child_id) if grants else None
    if grant is None:
        access = request.__dict__.get("_lisa_child_access", {}).get(child_id)
        if action not in SEEING or access is None or (detail and "basis" in detail):
            return detail
        return {**(detail or {}), "basis": access.basis} if access.basis else detail
    if detail and "break_glass" in detail:
        return detail
    return {
        **(detail or {}),
        "break_glass": {
            "grant": grant.pk,
            "category": grant.category,
            "reason": grant.reason,
            "expires_at": grant.expires_at.isoformat(),
        },
    }


def record_denied(request: HttpRequest, reason: str, **kwargs: Any) -> AuditEvent:
    return record(
        request, Action.DENIED, outcome=Outcome.DENIED, detail={"reason": reason}, **kwargs
    )
