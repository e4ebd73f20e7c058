"""Every change to a concern goes through these functions.

Each is one transaction that checks the rule (concerns/rules.py), validates, saves, writes a
:class:`ConcernChange` step and its audit event with the child's id. Nothing is deleted: a wrong
concern is marked "entered in error" with a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, Alert, AlertKind
from audit.services import record
from children import rules as child_rules
from children.actions import add_involvement
from children.models import Child, HowBegan, Involvement
from concerns import rules
from concerns.models import (
    Category,
    Concern,
    ConcernChange,
    ConcernOutcome,
    ConcernStatus,
)
from lisa.actions import ConcurrentEditError
from lisa.models import User
from lisa.versioning import check_version
from messaging.notifications import notify

__all__ = ["ConcurrentEditError", "log_concern", "change_concern", "close_concern"]


def _alert_central_team(concern: Concern, by: User, *, why: str) -> Alert:
    return Alert.objects.create(
        kind=AlertKind.ACUTE_CONCERN,
        child=concern.child,
        user=by,
        reason_category=concern.get_outcome_display(),
        reason=why,
        detail={"concern": concern.pk, "level": concern.level, "outcome": concern.outcome},
    )


def _notify_involved(concern: Concern, by: User) -> list[int]:
    """Tell the other practitioners actively involved with the child that there is a new
    concern: the email carries a link to the child's record and nothing else."""
    others = list(
        User.objects.filter(
            pk__in=Involvement.objects.active()
            .filter(child_id=concern.child_id)
            .exclude(practitioner=by)
            .values("practitioner_id")
        ).only("pk")
    )
    notify(others, kind="concern", path=reverse("children:record", args=[concern.child_id]))
    return [user.pk for user in others]


@transaction.atomic
def log_concern(
    *,
    request: HttpRequest,
    by: User,
    child: Child,
    date: dt.date,
    level: int,
    categories: Iterable[Category],
    what_was_seen: str,
    discussed_with_parent: bool,
    not_discussed_reason: str = "",
    action_agreed: str,
    outcome: str,
    role: str = "",
) -> Concern:
    """Log a concern. The author becomes involved with the child ("Involvement starts when a
    practitioner logs a concern") if not already; the other practitioners involved are told; a
    level 4 concern alerts the central team."""
    if not rules.can_log(by, child):
        raise PermissionDenied("You may not log a concern about this child.")
    categories = list(categories)
    errors: dict[str, str] = {}
    if date and date > timezone.localdate():
        errors["date"] = "The date of the concern must be today or in the past"
    if not categories:
        errors["categories"] = "Select at least one category"
    elif any(not category.is_active for category in categories):
        errors["categories"] = "Select categories from the list"
    if not what_was_seen.strip():
        errors["what_was_seen"] = "Enter what was seen or heard"
    if not action_agreed.strip():
        errors["action_agreed"] = "Enter the action agreed"
    if not discussed_with_parent and not not_discussed_reason.strip():
        errors["not_discussed_reason"] = (
            "Say why the concern was not discussed with the parent or carer"
        )
    if errors:
        raise ValidationError(errors)
    rules.check_new_concern(level=level, outcome=outcome)
    # Logging a concern opens the full record: for someone not yet involved, that is reviewed
    # like a self-claim.
    was_involved = child_rules.access(by, child).is_involved
    resolved = outcome == ConcernOutcome.RESOLVED_IN_AGENCY
    now = timezone.now()
    concern = Concern(
        child=child,
        raised_by=by,
        agency_id=by.agency_id,
        date=date,
        level=int(level),
        what_was_seen=what_was_seen.strip(),
        discussed_with_parent=discussed_with_parent,
        not_discussed_reason="" if discussed_with_parent else not_discussed_reason.strip(),
        action_agreed=action_agreed.strip(),
        outcome=outcome,
        status=ConcernStatus.CLOSED if resolved else ConcernStatus.OPEN,
        closed_at=now if resolved else None,
        created_at=now,
    )
    concern.full_clean(exclude=["categories"])
    concern.save()
    concern.categories.set(categories)
    ConcernChange.objects.create(
        concern=concern,
        by=by,
        at=now,
        kind="logged",
        to_level=concern.level,
        to_outcome=concern.outcome,
        to_status=concern.status,
    )
    involvement = add_involvement(
        request=request,
        by=by,
        child=child,
        practitioner=by,
        role=role.strip() or by.job_title or "Practitioner",
        how_began=HowBegan.CONCERN,
    )
    if not was_involved:
        Alert.objects.create(
            kind=AlertKind.SELF_CLAIM,
            child=child,
            user=by,
            reason="Logged a concern about a child they were not involved with",
            detail={"involvement": involvement.pk, "concern": concern.pk, "how_began": "concern"},
        )
    # Who was told is not written in the author's audit event: their designated officer reads
    # it, and a count that includes a hidden sensitive service would reveal that service.
    _notify_involved(concern, by)
    if rules.raises_central_alert(old_level=None, new_level=concern.level):
        _alert_central_team(concern, by, why="A level 4 (acute) concern was logged")
    record(
        request,
        Action.CREATE,
        obj=concern,
        child=child,
        detail={
            "level": concern.level,
            "outcome": concern.outcome,
            "categories": sorted(category.name for category in categories),
            "involvement": involvement.pk,
        },
    )
    return concern


def _locked(concern: Concern, version: str | None) -> Concern:
    locked = Concern.objects.select_for_update().select_related("child").get(pk=concern.pk)
    if version is not None and locked.version != version:
        raise ConcurrentEditError(locked)
    return locked


@transaction.atomic
def change_concern(
    *,
    request: HttpRequest,
    by: User,
    concern: Concern,
    version: str,
    outcome: str,
    level: int,
    note: str = "",
) -> Concern:
    """Move a concern through the flowchart: a new outcome and/or level, or reopening a closed
    one. Refused with a message when the flowchart does not allow it, and when someone else
    changed the concern since ``version``."""
    locked = _locked(concern, version)
    if not rules.can_change(by, locked):
        raise PermissionDenied("You may not change this concern.")
    kind = rules.check_transition(locked, outcome=outcome, level=level)
    before = (locked.level, locked.outcome, locked.status)
    locked.level = int(level)
    locked.outcome = outcome
    if outcome == ConcernOutcome.RESOLVED_IN_AGENCY:
        locked.status = ConcernStatus.CLOSED
        locked.closed_at = timezone.now()
        kind = "resolved"
    else:
        locked.status = ConcernStatus.OPEN
        locked.closed_at = None
    locked.full_clean(exclude=["categories"])
    locked.save()
    ConcernChange.objects.create(
        concern=locked,
        by=by,
        kind=kind,
        from_level=before[0],
        to_level=locked.level,
        from_outcome=before[1],
        to_outcome=locked.outcome,
        from_status=before[2],
        to_status=locked.status,
        note=note.strip(),
    )
    if rules.raises_central_alert(old_level=before[0], new_level=locked.level):
        _alert_central_team(locked, by, why="A concern was raised to level 4 (acute)")
    record(
        request,
        Action.UPDATE,
        obj=locked,
        child=locked.child_id,
        detail={
            "change": kind,
            "level": [before[0], locked.level],
            "outcome": [before[1], locked.outcome],
            "status": [before[2], locked.status],
        },
    )
    return locked


@transaction.atomic
def close_concern(
    *, request: HttpRequest, by: User, concern: Concern, version: str, note: str
) -> Concern:
    """Close an open concern when support is no longer needed, with a note."""
    locked = _locked(concern, version)
    if not rules.can_change(by, locked):
        raise PermissionDenied("You may not change this concern.")
    return _close(request, by, locked, note)


@transaction.atomic
def close_with_plan(*, request: HttpRequest, by: User, concern: Concern, note: str) -> Concern:
    """Close an open concern because the support plan that answered it has closed ("Closing
    resolves the linked concerns' flowchart"). The plan's own rule says who may close it, so
    the concern's is not asked again; a concern already closed is left as it is."""
    locked = _locked(concern, None)
    if locked.status == ConcernStatus.CLOSED or locked.entered_in_error:
        return locked
    return _close(request, by, locked, note)


def _close(request: HttpRequest, by: User, locked: Concern, note: str) -> Concern:
    rules.check_close(locked)
    if not note.strip():
        raise ValidationError({"note": "Say why the concern can be closed"})
    locked.status = ConcernStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.save()
    ConcernChange.objects.create(
        concern=locked,
        by=by,
        kind="closed",
        from_level=locked.level,
        to_level=locked.level,
        from_outcome=locked.outcome,
        to_outcome=locked.outcome,
        from_status=ConcernStatus.OPEN,
        to_status=ConcernStatus.CLOSED,
        note=note.strip(),
    )
    record(request, Action.UPDATE, obj=locked, child=locked.child_id, detail={"change": "closed"})
    return locked


@transaction.atomic
def mark_entered_in_error(
    *, request: HttpRequest, by: User, concern: Concern, reason: str
) -> Concern:
    """A wrong concern (wrong child, logged twice…) is marked entered in error with a reason and
    stays in the history."""
    locked = _locked(concern, None)
    if not rules.can_mark_in_error(by, locked):
        raise PermissionDenied("You may not mark this concern as entered in error.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why this concern is wrong"})
    locked.entered_in_error = True
    locked.error_reason = reason.strip()
    locked.save()
    ConcernChange.objects.create(
        concern=locked, by=by, kind="entered_in_error", note=locked.error_reason
    )
    ended = _end_involvement_it_began(locked, by)
    record(
        request,
        Action.ENTERED_IN_ERROR,
        obj=locked,
        child=locked.child_id,
        detail={"reason": locked.error_reason, "ended_involvement": ended},
    )
    return locked


def _end_involvement_it_began(concern: Concern, by: User) -> int | None:
    """A concern entered in error no longer sustains the involvement that logging it began:
    the author's involvement begun by a concern ends unless another of their concerns about the
    child (not entered in error) still stands. Involvements begun otherwise are left alone."""
    others = Concern.objects.filter(
        child_id=concern.child_id, raised_by_id=concern.raised_by_id, entered_in_error=False
    ).exclude(pk=concern.pk)
    if others.exists():
        return None
    involvement = (
        Involvement.objects.select_for_update()
        .filter(
            child_id=concern.child_id,
            practitioner_id=concern.raised_by_id,
            how_began=HowBegan.CONCERN,
            ended_at__isnull=True,
            entered_in_error=False,
            lead_professional=False,
        )
        .first()
    )
    if involvement is None:
        return None
    involvement.ended_at = timezone.now()
    involvement.ended_by = by
    involvement.end_reason = "The concern that began it was entered in error"
    involvement.save()
    return involvement.pk


# --- categories -------------------------------------------------------------------------------


@transaction.atomic
def save_category(
    *,
    request: HttpRequest,
    by: User,
    category: Category | None,
    name: str,
    is_active: bool = True,
    position: int = 0,
    version: str | None = None,
) -> Category:
    """Add or change a concern category (the central team). A category no longer wanted is
    retired (no longer offered), never deleted: old concerns keep it. A change over someone
    else's newer save is refused."""
    if not by.is_central_team:
        raise PermissionDenied("Only the central team manages concern categories.")
    if category is not None:
        category = Category.objects.select_for_update().get(pk=category.pk)
        check_version(category, version)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Enter a name"})
    clash = Category.objects.filter(name__iexact=name)
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise ValidationError({"name": "There is already a category with this name"})
    created = category is None
    category = category or Category()
    category.name = name
    category.is_active = is_active
    category.position = position
    category.full_clean()
    category.save()
    record(
        request,
        Action.CREATE if created else Action.UPDATE,
        obj=category,
        detail={"name": category.name, "is_active": category.is_active},
    )
    return category
