"""Every change to consent records goes through these functions.

Each is one transaction that checks the rule, validates, saves and writes its audit event (with
the child it concerns); views never save these models themselves. Nothing is deleted: wrong
entries are marked "entered in error" with a reason.
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
from children.actions import age_on
from children.models import Child, ParentalResponsibility
from consent import rules, uploads
from consent.models import (
    Agreement,
    Decision,
    Ground,
    InformationRequest,
    Kind,
    RequestOutcome,
    SharingDecision,
)
from lisa.actions import ConcurrentEditError
from lisa.models import User

__all__ = ["ConcurrentEditError"]

NOT_ALLOWED = "You may not record consent for this child."


def _check_not_future(errors: dict[str, str], field: str, value: dt.date | None, label: str):
    if value is not None and value > timezone.localdate():
        errors[field] = f"{label} must be today or in the past"


def _check_copy(errors, values, field: str, label: str, signed_on: dt.date | None) -> None:
    ticked = bool(values.get(field))
    on = values.get(f"{field}_on")
    if ticked and on is None:
        errors[f"{field}_on"] = f"Enter the date the {label} was given"
    elif not ticked and on is not None:
        errors[field] = f"Tick the box if the {label} was given, or leave the date empty"
    elif on is not None:
        _check_not_future(errors, f"{field}_on", on, f"The date the {label} was given")
        if signed_on is not None and on < signed_on and f"{field}_on" not in errors:
            errors[f"{field}_on"] = (
                f"The date the {label} was given cannot be before the signatures were obtained"
            )


@transaction.atomic
def record_agreement(
    *, request: HttpRequest, by: User, child: Child, kind: str, values: dict[str, Any]
) -> Agreement:
    """Record a signed parent/carer or young person's agreement (or refusal)."""
    if not rules.can_record_consent(by, child):
        raise PermissionDenied(NOT_ALLOWED)
    if kind not in Kind.values:
        raise ValidationError("Unknown kind of agreement")
    if by.agency_id is None:
        raise ValidationError("You need to belong to an agency to record consent.")
    errors: dict[str, str] = {}
    decision = values.get("decision")
    if decision not in Decision.values:
        errors["decision"] = "Select whether they agree or do not agree"
    signed_on = values.get("signed_on")
    if signed_on is None:
        errors["signed_on"] = "Enter the date signatures were obtained"
    else:
        _check_not_future(errors, "signed_on", signed_on, "The date signatures were obtained")
        if signed_on < child.date_of_birth:
            errors["signed_on"] = "The date signatures were obtained is before the child's birth"
    parent = None
    understanding = None
    assessed_by = ""
    capacity_note = (values.get("capacity_note") or "").strip()
    if kind == Kind.PARENT_CARER:
        parent = values.get("parent")
        parent_id = getattr(parent, "pk", parent)
        parent = (
            ParentalResponsibility.objects.filter(
                pk=parent_id, child=child, entered_in_error=False
            ).first()
            if parent_id
            else None
        )
        if parent is None:
            errors["parent"] = (
                "Select the person with parental responsibility for this child who signed"
            )
    else:
        understanding = values.get("sufficient_understanding")
        if understanding not in (True, False):
            errors["sufficient_understanding"] = (
                "Select whether the young person has sufficient understanding to consent"
            )
        assessed_by = (values.get("understanding_assessed_by") or "").strip()
        if not assessed_by:
            errors["understanding_assessed_by"] = (
                "Enter who assessed the young person's understanding"
            )
        if (
            signed_on is not None
            and age_on(child.date_of_birth, signed_on) < rules.CAPACITY_NOTE_UNDER_AGE
            and not capacity_note
        ):
            errors["capacity_note"] = (
                f"The child was under {rules.CAPACITY_NOTE_UNDER_AGE} when the form was signed: "
                "explain how their capacity to consent was assessed"
            )
    _check_copy(errors, values, "copy_to_child", "copy to the child or young person", signed_on)
    _check_copy(errors, values, "copy_to_coordinator", "copy to the LISA co-ordinator", signed_on)
    if errors:
        raise ValidationError(errors)
    agreement = Agreement(
        child=child,
        kind=kind,
        decision=decision,
        parent=parent,
        professional=by,
        agency_id=by.agency_id,
        signed_on=signed_on,
        sufficient_understanding=understanding,
        understanding_assessed_by=assessed_by,
        capacity_note=capacity_note,
        copy_to_child=bool(values.get("copy_to_child")),
        copy_to_child_on=values.get("copy_to_child_on"),
        copy_to_coordinator=bool(values.get("copy_to_coordinator")),
        copy_to_coordinator_on=values.get("copy_to_coordinator_on"),
        notes=(values.get("notes") or "").strip(),
        created_by=by,
    )
    agreement.save()
    record(
        request,
        Action.CREATE,
        obj=agreement,
        child=child,
        detail={"kind": kind, "decision": decision},
    )
    return agreement


def _locked(agreement: Agreement, by: User, version: str | None) -> Agreement:
    locked = Agreement.objects.select_for_update().select_related("child").get(pk=agreement.pk)
    if not rules.can_record_consent(by, locked.child):
        raise PermissionDenied(NOT_ALLOWED)
    if version is not None and locked.version != version:
        raise ConcurrentEditError(locked)
    if locked.entered_in_error:
        raise ValidationError("This agreement was marked entered in error and cannot be changed.")
    return locked


@transaction.atomic
def record_copies(
    *, request: HttpRequest, by: User, agreement: Agreement, version: str, values: dict[str, Any]
) -> Agreement:
    """Tick the copies given to the child/young person and the LISA co-ordinator, each dated."""
    locked = _locked(agreement, by, version)
    errors: dict[str, str] = {}
    _check_copy(
        errors, values, "copy_to_child", "copy to the child or young person", locked.signed_on
    )
    _check_copy(
        errors, values, "copy_to_coordinator", "copy to the LISA co-ordinator", locked.signed_on
    )
    if errors:
        raise ValidationError(errors)
    changed = []
    for name in (
        "copy_to_child",
        "copy_to_child_on",
        "copy_to_coordinator",
        "copy_to_coordinator_on",
    ):
        value = bool(values.get(name)) if not name.endswith("_on") else values.get(name)
        if getattr(locked, name) != value:
            setattr(locked, name, value)
            changed.append(name)
    if not changed:
        return locked
    locked.save()
    record(request, Action.UPDATE, obj=locked, child=locked.child_id, detail={"changed": changed})
    return locked


@transaction.atomic
def withdraw(
    *,
    request: HttpRequest,
    by: User,
    agreement: Agreement,
    version: str,
    withdrawn_on: dt.date | None,
    withdrawn_by: str,
    how: str,
) -> Agreement:
    """Record that an agreement was withdrawn: when, by whom and how."""
    locked = _locked(agreement, by, version)
    if locked.is_withdrawn:
        raise ValidationError("This agreement has already been withdrawn.")
    errors: dict[str, str] = {}
    if withdrawn_on is None:
        errors["withdrawn_on"] = "Enter the date the agreement was withdrawn"
    else:
        _check_not_future(errors, "withdrawn_on", withdrawn_on, "The date it was withdrawn")
        if withdrawn_on < locked.signed_on and "withdrawn_on" not in errors:
            errors["withdrawn_on"] = (
                "The date it was withdrawn cannot be before the signatures were obtained"
            )
    if not withdrawn_by.strip():
        errors["withdrawn_by"] = "Enter who withdrew the agreement"
    if how not in [value for value, _ in Agreement._meta.get_field("withdrawal_how").choices]:
        errors["how"] = "Select how the agreement was withdrawn"
    if errors:
        raise ValidationError(errors)
    locked.withdrawn_on = withdrawn_on
    locked.withdrawn_by = withdrawn_by.strip()
    locked.withdrawal_how = how
    locked.withdrawal_recorded_by = by
    locked.save()
    record(
        request,
        Action.UPDATE,
        obj=locked,
        child=locked.child_id,
        detail={"withdrawn_on": withdrawn_on.isoformat(), "how": how},
    )
    return locked


@transaction.atomic
def agreement_entered_in_error(
    *, request: HttpRequest, by: User, agreement: Agreement, reason: str
) -> Agreement:
    locked = _locked(agreement, by, None)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why this entry is wrong"})
    locked.entered_in_error = True
    locked.error_reason = reason.strip()
    locked.save()
    record(
        request,
        Action.ENTERED_IN_ERROR,
        obj=locked,
        child=locked.child_id,
        detail={"reason": locked.error_reason},
    )
    return locked


@transaction.atomic
def attach_scan(
    *, request: HttpRequest, by: User, agreement: Agreement, upload, version: str | None = None
) -> Agreement:
    """Attach the scanned signed form (PDF, JPEG or PNG, checked by content, size capped). A
    scan attached by someone else since the form was opened is not silently replaced."""
    locked = _locked(agreement, by, version)
    data, extension = uploads.check_scan(upload)
    name = uploads.store_scan(data, extension)
    previous = locked.scan_name
    locked.scan_name = name
    locked.scan_content_type = uploads.TYPES[extension]
    locked.scan_uploaded_at = timezone.now()
    locked.save()
    # The earlier scan stays on disk: nothing about a child is deleted by a user.
    record(
        request,
        Action.UPDATE,
        obj=locked,
        child=locked.child_id,
        detail={"scan": extension, "bytes": len(data), "replaced": bool(previous)},
    )
    return locked


# --- decisions to share without consent -------------------------------------------------------


@transaction.atomic
def record_sharing_decision(
    *, request: HttpRequest, by: User, child: Child, values: dict[str, Any]
) -> SharingDecision:
    """Record a decision to share without consent, on one of the handbook's grounds."""
    if not rules.can_record_consent(by, child):
        raise PermissionDenied(NOT_ALLOWED)
    errors: dict[str, str] = {}

    if values.get("ground") not in Ground.values:
        errors["ground"] = "Select the ground for sharing without consent"
    texts = {
        "what_shared": "Enter what is shared",
        "shared_with": "Enter who it is shared with",
        "decided_by": "Enter who decided",
        "reason": "Enter why",
    }
    cleaned = {name: (values.get(name) or "").strip() for name in texts}
    for name, message in texts.items():
        if not cleaned[name]:
            errors[name] = message
    decided_on = values.get("decided_on")
    if decided_on is None:
        errors["decided_on"] = "Enter when it was decided"
    else:
        _check_not_future(errors, "decided_on", decided_on, "The date of the decision")
    refusal = values.get("refusal")
    refusal_id = getattr(refusal, "pk", refusal)
    if refusal_id:
        refusal = Agreement.objects.filter(
            pk=refusal_id, child=child, entered_in_error=False
        ).first()
        if refusal is None:
            errors["refusal"] = "Select a refusal recorded for this child"
    else:
        refusal = None
    if errors:
        raise ValidationError(errors)
    decision = SharingDecision(
        child=child,
        ground=values["ground"],
        decided_on=decided_on,
        refusal=refusal,
        created_by=by,
        **cleaned,
    )
    decision.save()
    record(
        request,
        Action.CREATE,
        obj=decision,
        child=child,
        detail={"ground": decision.ground, "refusal": refusal.pk if refusal else None},
    )
    return decision


@transaction.atomic
def sharing_decision_entered_in_error(
    *, request: HttpRequest, by: User, decision: SharingDecision, reason: str
) -> SharingDecision:
    locked = SharingDecision.objects.select_for_update().select_related("child").get(pk=decision.pk)
    if not rules.can_record_consent(by, locked.child):
        raise PermissionDenied(NOT_ALLOWED)
    if locked.entered_in_error:
        raise ValidationError("This decision is already marked entered in error.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why this entry is wrong"})
    locked.entered_in_error = True
    locked.error_reason = reason.strip()
    locked.save()
    record(
        request,
        Action.ENTERED_IN_ERROR,
        obj=locked,
        child=locked.child_id,
        detail={"reason": locked.error_reason},
    )
    return locked


@transaction.atomic
def record_information_request(
    *, request: HttpRequest, by: User, child: Child, values: dict[str, Any]
) -> InformationRequest:
    """A request for information from another agency or authority and the decision on it:
    shared (what, with whom) or not shared, with the reason either way."""
    if not rules.can_record_consent(by, child):
        raise PermissionDenied(NOT_ALLOWED)
    texts = {
        "requested_by": "Enter who asked",
        "what_requested": "Enter what was asked for",
        "decided_by": "Enter who decided",
        "reason": "Enter why",
    }
    cleaned = {name: (values.get(name) or "").strip() for name in (*texts, "what_shared")}
    cleaned["shared_with"] = (values.get("shared_with") or "").strip()
    errors = {name: message for name, message in texts.items() if not cleaned[name]}
    outcome = values.get("outcome")
    if outcome not in RequestOutcome.values:
        errors["outcome"] = "Select whether the information was shared"
    if outcome == RequestOutcome.SHARED:
        if not cleaned["what_shared"]:
            errors["what_shared"] = "Enter what was shared"
        if not cleaned["shared_with"]:
            errors["shared_with"] = "Enter who it was shared with"
    else:
        cleaned["what_shared"] = cleaned["shared_with"] = ""
    received_on, decided_on = values.get("received_on"), values.get("decided_on")
    if received_on is None:
        errors["received_on"] = "Enter when the request was received"
    if decided_on is None:
        errors["decided_on"] = "Enter when it was decided"
    _check_not_future(errors, "received_on", received_on, "The date the request was received")
    _check_not_future(errors, "decided_on", decided_on, "The date of the decision")
    if received_on and decided_on and decided_on < received_on and "decided_on" not in errors:
        errors["decided_on"] = "The decision cannot come before the request was received"
    if errors:
        raise ValidationError(errors)
    item = InformationRequest.objects.create(
        child=child,
        outcome=outcome,
        received_on=received_on,
        decided_on=decided_on,
        created_by=by,
        **cleaned,
    )
    record(
        request,
        Action.CREATE,
        obj=item,
        child=child,
        detail={"information_request": True, "outcome": outcome},
    )
    return item
