"""Every change to a subject access request goes through these functions.

Each is one transaction that checks the rule (the central team only), validates, saves and
writes its audit event. A released request is kept as released: it is not changed again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.models import Action
from audit.services import record
from children.models import Child
from lisa.actions import ConcurrentEditError
from lisa.models import User
from lisa.versioning import check_version
from subject_access import content, review
from subject_access.models import (
    RequesterKind,
    RequestStatus,
    SubjectAccessRequest,
    WithheldItem,
    one_calendar_month_after,
)

__all__ = ["ConcurrentEditError", "record_request", "release", "update_request"]

FIELDS = (
    "requester_name",
    "requester_kind",
    "requester_parent",
    "relationship",
    "received_on",
    "identity_checked",
    "identity_how",
)


def may_handle(user: User) -> bool:
    """ "Subject access: the central team can produce everything held about a child." """
    return bool(user.is_authenticated and user.is_central_team)


def _checked(child: Child, values: dict[str, Any]) -> dict[str, Any]:
    """The request's fields from ``values``, or a ValidationError naming each field at fault."""
    errors: dict[str, str] = {}
    name = (values.get("requester_name") or "").strip()
    kind = values.get("requester_kind") or ""
    parent = values.get("parent")
    relationship = (values.get("relationship") or "").strip()
    received_on: dt.date | None = values.get("received_on")
    checked = bool(values.get("identity_checked"))
    how = (values.get("identity_how") or "").strip()
    if not name:
        errors["requester_name"] = "Enter the name of the person asking"
    if kind not in RequesterKind.values:
        errors["requester_kind"] = "Select in what capacity they are asking"
    if parent is not None and (parent.child_id != child.pk or parent.entered_in_error):
        errors["requester_parent"] = (
            "Choose one of this child's people with parental responsibility"
        )
    elif kind == RequesterKind.PARENT and parent is None:
        errors["requester_parent"] = "Choose which person with parental responsibility is asking"
    if kind == RequesterKind.CHILD:
        parent = None
    if not relationship:
        errors["relationship"] = "Enter their relationship to the child"
    if received_on is None:
        errors["received_on"] = "Enter the date the request was received"
    elif received_on > timezone.localdate():
        errors["received_on"] = "Date the request was received must be today or in the past"
    if checked and not how:
        errors["identity_how"] = "Say how their identity was checked"
    if errors:
        raise ValidationError(errors)
    return {
        "requester_name": name,
        "requester_kind": kind,
        "requester_parent": parent,
        "relationship": relationship,
        "received_on": received_on,
        "due_on": one_calendar_month_after(received_on),
        "identity_checked": checked,
        "identity_how": how if checked else "",
    }


@transaction.atomic
def record_request(
    *, request: HttpRequest, by: User, child: Child, values: dict[str, Any]
) -> SubjectAccessRequest:
    """Record a subject access request about ``child``; its reply is due one calendar month
    after it was received."""
    if not may_handle(by):
        raise PermissionDenied("Only the central team handles subject access requests.")
    sar = SubjectAccessRequest.objects.create(
        child=child, recorded_by=by, **_checked(child, values)
    )
    record(
        request,
        Action.CREATE,
        obj=sar,
        child=child,
        detail={
            "subject_access": "recorded",
            "requester_kind": sar.requester_kind,
            "due_on": sar.due_on.isoformat(),
            "identity_checked": sar.identity_checked,
        },
    )
    return sar


@transaction.atomic
def update_request(
    *,
    request: HttpRequest,
    by: User,
    sar: SubjectAccessRequest,
    version: str | None,
    values: dict[str, Any],
) -> SubjectAccessRequest:
    """Change an open request's details (for example, once the identity has been checked).
    Refused if someone else saved it since ``version``."""
    if not may_handle(by):
        raise PermissionDenied("Only the central team handles subject access requests.")
    locked = SubjectAccessRequest.objects.select_for_update().get(pk=sar.pk)
    check_version(locked, version)
    if locked.status != RequestStatus.OPEN:
        raise ValidationError("This request has been released: it can no longer be changed.")
    changed = []
    for name, value in _checked(sar.child, values).items():
        current = getattr(locked, name)
        if current != value:
            setattr(locked, name, value)
            changed.append(name)
    if not changed:
        return locked
    locked.save()
    record(
        request,
        Action.UPDATE,
        obj=locked,
        child=locked.child_id,
        detail={"subject_access": "changed", "changed": sorted(changed)},
    )
    return locked


@transaction.atomic
def release(
    *,
    request: HttpRequest,
    by: User,
    sar: SubjectAccessRequest,
    version: str | None,
    withheld: dict[str, str],
) -> SubjectAccessRequest:
    """Release the answer: everything held about the child, less what the reviewer withheld
    (each with a reason). The answer is kept as released, with what was withheld and why."""
    if not may_handle(by):
        raise PermissionDenied("Only the central team handles subject access requests.")
    locked = (
        SubjectAccessRequest.objects.select_for_update(of=("self",))
        .select_related("child", "requester_parent")
        .get(pk=sar.pk)
    )
    check_version(locked, version)
    if locked.status != RequestStatus.OPEN:
        raise ValidationError("This request has already been released.")
    if not locked.identity_checked:
        raise ValidationError(
            "Record how the identity of the person asking was checked before releasing the answer."
        )
    reasons = {key: " ".join((reason or "").split()) for key, reason in withheld.items()}
    errors = {}
    if any(not reason for reason in reasons.values()):
        errors["withhold"] = "Say why each item ticked is withheld"
    elif any(len(reason) > 500 for reason in reasons.values()):
        errors["withhold"] = "Keep each reason to 500 characters or fewer"
    locked.status = RequestStatus.RELEASED
    locked.released_at = timezone.now()
    locked.released_by = by
    gathered = content.gather(locked, by)
    if set(reasons) - gathered.keys:
        errors["withhold"] = (
            "The record has changed since this page was opened: look at the items again"
        )
    if errors:
        raise ValidationError(errors)
    document = review.released(gathered, reasons)
    problems = review.validate(document)
    if problems:  # the schema is the promise made to the requester: never release less
        raise ValidationError("The answer could not be produced: " + "; ".join(problems[:3]))
    locked.content = document
    locked.save()
    WithheldItem.objects.bulk_create(
        [
            WithheldItem(
                request=locked,
                item_key=key,
                section=gathered.flag(key).section,
                description=gathered.flag(key).description,
                reason=reason,
            )
            for key, reason in reasons.items()
        ]
    )
    record(
        request,
        Action.UPDATE,
        obj=locked,
        child=locked.child,
        detail={
            "subject_access": "released",
            "withheld": sorted(reasons),
            "items": gathered.event_count,
        },
    )
    return locked
