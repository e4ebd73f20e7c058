"""Every change to a subject access request goes through these functions.

Each is one transaction that checks the rule (the central team only), validates, saves and
writes its audit event. A request closed (released, withdrawn or refused) is kept as it was
closed: it is not changed again.
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
from subject_access.deadlines import MONTHS_TO_REPLY, MONTHS_WHEN_EXTENDED, reply_due_by
from subject_access.models import (
    CLOSED_WITHOUT_ANSWER,
    RequesterKind,
    RequestStatus,
    SubjectAccessRequest,
    WithheldItem,
)

__all__ = [
    "ConcurrentEditError",
    "close",
    "extend_deadline",
    "record_request",
    "release",
    "update_request",
]

CLOSED = "This request is closed: it can no longer be changed."

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


def _checked(child: Child, values: dict[str, Any], months: int = MONTHS_TO_REPLY) -> dict[str, Any]:
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
        "due_on": reply_due_by(received_on, months),
        "identity_checked": checked,
        "identity_how": how if checked else "",
    }


@transaction.atomic
def record_request(
    *, request: HttpRequest, by: User, child: Child, values: dict[str, Any]
) -> SubjectAccessRequest:
    """Record a subject access request about ``child``; its reply is due one calendar month
    after it was received (on the next working day when that is a weekend or bank holiday)."""
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
        raise ValidationError(CLOSED)
    months = MONTHS_WHEN_EXTENDED if locked.is_extended else MONTHS_TO_REPLY
    changed = []
    for name, value in _checked(sar.child, values, months).items():
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
    if locked.status == RequestStatus.RELEASED:
        raise ValidationError("This request has already been released.")
    if locked.status != RequestStatus.OPEN:
        raise ValidationError(CLOSED)
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


def _day(day: dt.date) -> str:
    return f"{day:%-d %B %Y}"


def _locked(sar: SubjectAccessRequest, version: str | None) -> SubjectAccessRequest:
    locked = SubjectAccessRequest.objects.select_for_update().get(pk=sar.pk)
    check_version(locked, version)
    if locked.status != RequestStatus.OPEN:
        raise ValidationError(CLOSED)
    return locked


@transaction.atomic
def extend_deadline(
    *,
    request: HttpRequest,
    by: User,
    sar: SubjectAccessRequest,
    version: str | None,
    reason: str,
    told_on: dt.date | None,
) -> SubjectAccessRequest:
    """ "The time limit may be extended by a further two months if the request is complex or
    one of a number of requests from the same person": once, while the request is open, with
    the reason and the day the person who asked was told (within the first month). The reply
    is then due three calendar months after receipt, on a working day."""
    if not may_handle(by):
        raise PermissionDenied("Only the central team handles subject access requests.")
    locked = _locked(sar, version)
    if locked.is_extended:
        raise ValidationError("The deadline has already been extended: it can be extended once.")
    reason = " ".join((reason or "").split())
    first_due = locked.first_due_on
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "Say why the deadline is extended"
    elif len(reason) > 1000:
        errors["reason"] = "Keep the reason to 1000 characters or fewer"
    if told_on is None:
        errors["told_on"] = "Enter the date the person who asked was told"
    elif told_on > timezone.localdate():
        errors["told_on"] = "The date they were told must be today or in the past"
    elif told_on < locked.received_on:
        errors["told_on"] = (
            "The date they were told must be on or after the day the request was received, "
            f"{_day(locked.received_on)}"
        )
    elif told_on > first_due:
        errors["told_on"] = (
            "The date they were told must be within the first month, on or before "
            f"{_day(first_due)}: the deadline cannot be extended after it has passed"
        )
    if errors:
        raise ValidationError(errors)
    was_due = locked.due_on
    locked.due_on = reply_due_by(locked.received_on, MONTHS_WHEN_EXTENDED)
    locked.extension_reason = reason
    locked.extension_told_on = told_on
    locked.extended_by = by
    locked.extended_at = timezone.now()
    locked.save()
    record(
        request,
        Action.UPDATE,
        obj=locked,
        child=locked.child_id,
        detail={
            "subject_access": "deadline extended",
            "was_due_on": was_due.isoformat(),
            "due_on": locked.due_on.isoformat(),
            "told_on": told_on.isoformat(),
        },
    )
    return locked


@transaction.atomic
def close(
    *,
    request: HttpRequest,
    by: User,
    sar: SubjectAccessRequest,
    version: str | None,
    outcome: str,
    on: dt.date | None,
    reason: str = "",
    complaint_right_told: bool = False,
) -> SubjectAccessRequest:
    """Close an open request without an answer. Withdrawn: the person who asked withdrew it on
    ``on`` (``reason`` is an optional note). Refused: "manifestly unfounded or excessive",
    with the reason, the day ``on`` they were told, and that they were told of their right to
    complain to the ICO (and to seek to enforce their right through a court)."""
    if not may_handle(by):
        raise PermissionDenied("Only the central team handles subject access requests.")
    if outcome not in CLOSED_WITHOUT_ANSWER:
        raise ValueError(f"not a way to close a request without an answer: {outcome!r}")
    locked = _locked(sar, version)
    refused = outcome == RequestStatus.REFUSED
    reason = " ".join((reason or "").split())
    what = "they were told" if refused else "it was withdrawn"
    errors: dict[str, str] = {}
    if refused and not reason:
        errors["reason"] = "Say why the request is refused"
    elif len(reason) > 1000:
        errors["reason"] = "Keep it to 1000 characters or fewer"
    if on is None:
        errors["on"] = f"Enter the date {what}"
    elif on > timezone.localdate():
        errors["on"] = f"The date {what} must be today or in the past"
    elif on < locked.received_on:
        errors["on"] = (
            f"The date {what} must be on or after the day the request was received, "
            f"{_day(locked.received_on)}"
        )
    if refused and not complaint_right_told:
        errors["complaint_right_told"] = (
            "Tell them of their right to complain to the ICO before recording the refusal"
        )
    if errors:
        raise ValidationError(errors)
    locked.status = outcome
    locked.closed_on = on
    locked.closed_reason = reason
    locked.complaint_right_told = refused
    locked.closed_by = by
    locked.closed_at = timezone.now()
    locked.save()
    record(
        request,
        Action.UPDATE,
        obj=locked,
        child=locked.child_id,
        detail={
            "subject_access": outcome,
            "closed_on": on.isoformat(),
            "was_due_on": locked.due_on.isoformat(),
        },
    )
    return locked
