"""Every change to a child's record goes through these functions.

Each is one transaction that checks the rule, validates, saves and writes its audit event;
views never save these models themselves. Nothing is deleted: wrong entries are marked
"entered in error" with a reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, Alert, AlertKind
from audit.services import record
from children import rules
from children.models import (
    BREAK_GLASS_HOURS,
    BreakGlass,
    Child,
    ChildStatus,
    Family,
    HowBegan,
    Involvement,
    MoveOut,
    ParentalResponsibility,
    SchoolChange,
    SchoolChangeStatus,
)
from children.validators import compact_nhs_number, compact_upn, normalise_postcode
from lisa.actions import ConcurrentEditError
from lisa.models import User

__all__ = ["ConcurrentEditError"]

# Break-glass grants by one person within a day that raise an "unusual volume" alert.
UNUSUAL_VOLUME_PER_DAY = 3
# Index cards of children a person does not work with, opened within an hour, that do too.
UNUSUAL_CARDS_PER_HOUR = 30

CHILD_FIELDS = (
    "forenames",
    "surname",
    "other_names",
    "date_of_birth",
    "gender",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "nhs_number",
    "upn",
    "school",
    "first_language",
    "interpreter_needed",
    "shielded",
    "status",
)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def check_date_of_birth(born: dt.date | None) -> None:
    """A date of birth must be in the past and give an age under 18."""
    if born is None:
        return
    today = timezone.localdate()
    if born > today:
        raise ValidationError({"date_of_birth": "Date of birth must be today or in the past"})
    if age_on(born, today) >= 18:
        raise ValidationError(
            {
                "date_of_birth": "LISA is for children and young people under 18: this date of "
                f"birth gives an age of {age_on(born, today)}"
            }
        )


def _clean_identifiers(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if "nhs_number" in values:
        values["nhs_number"] = compact_nhs_number(values["nhs_number"] or "")
    if "upn" in values:
        values["upn"] = compact_upn(values["upn"] or "")
    if "postcode" in values:
        values["postcode"] = normalise_postcode(values["postcode"]) if values["postcode"] else ""
    for name in ("forenames", "surname", "other_names"):
        if name in values:
            values[name] = " ".join((values[name] or "").split())
    return values


def _full_clean(child: Child) -> None:
    try:
        child.full_clean(exclude=["lisa_ref"])
    except ValidationError as error:
        # The database constraints' messages belong beside the fields they are about.
        if hasattr(error, "error_dict") and "__all__" in error.error_dict:
            fixed: dict[str, list] = {k: v for k, v in error.error_dict.items() if k != "__all__"}
            for item in error.error_dict["__all__"]:
                text = " ".join(item.messages)
                key = "nhs_number" if "NHS" in text else "upn" if "Pupil" in text else "__all__"
                fixed.setdefault(key, []).append(item)
            raise ValidationError(fixed) from error
        raise


def _checked_save(child: Child) -> None:
    """Validate and save ``child``; a clash with another record's NHS number or UPN (found by
    the database) is said as a form error, not an IntegrityError."""
    _full_clean(child)
    try:
        with transaction.atomic():
            child.save()
    except IntegrityError as error:
        raise ValidationError(
            "Another child on LISA has this NHS number or Unique Pupil Number."
        ) from error


@transaction.atomic
def create_child(
    *,
    request: HttpRequest,
    by: User,
    values: dict[str, Any],
    matches_shown: list[Child] | None = None,
) -> Child:
    """Add a child. ``matches_shown`` are the likely matches the practitioner saw and said were
    not this child: that choice is audited with the new record."""
    if not rules.works_with_children(by):
        raise PermissionDenied("You may not add children to LISA.")
    values = _clean_identifiers(values)
    values.pop("status", None)
    check_date_of_birth(values.get("date_of_birth"))
    child = Child(**{k: v for k, v in values.items() if k in CHILD_FIELDS}, created_by=by)
    _checked_save(child)
    detail: dict[str, Any] = {"lisa_ref": child.lisa_ref}
    if matches_shown:
        detail["none_of_these"] = [
            {"id": match.pk, "lisa_ref": match.lisa_ref} for match in matches_shown
        ]
    record(request, Action.CREATE, obj=child, child=child, detail=detail)
    if matches_shown:
        # The practitioner's "none of these" is its own event on each record they set aside.
        for match in matches_shown:
            record(
                request,
                Action.VIEW,
                obj=match,
                child=match,
                detail={"view": "duplicate check", "not_the_same_as": child.lisa_ref},
            )
    return child


@transaction.atomic
def update_child(
    *, request: HttpRequest, by: User, child: Child, version: str, changes: dict[str, Any]
) -> Child:
    """Change a child's details. Refused if someone else saved them since ``version``."""
    locked = Child.objects.select_for_update().get(pk=child.pk)
    if not rules.can_edit(by, locked):
        raise PermissionDenied("You may not change this child's record.")
    if locked.version != version:
        raise ConcurrentEditError(locked)
    changes = _clean_identifiers(changes)
    changed: dict[str, list[str]] = {}
    for name in CHILD_FIELDS:
        if name in changes and getattr(locked, name) != changes[name]:
            changed[name] = [str(getattr(locked, name)), str(changes[name])]
            setattr(locked, name, changes[name])
    if not changed:
        return locked
    if "date_of_birth" in changed:
        check_date_of_birth(locked.date_of_birth)
    if "status" in changed:
        locked.status_changed_at = timezone.now()
    _checked_save(locked)
    closing = locked.status in (ChildStatus.CLOSED, ChildStatus.ARCHIVED) and "status" in changed
    if closing:
        # "It ends when … the case closes": every agency's involvement ends, so only the lead
        # professional or the central team may close it, and the others are told.
        if not rules.access(by, locked).close_case:
            raise ValidationError(
                {
                    "status": "Only the child's lead professional or the central team may close "
                    "the case, because closing it ends every agency's involvement"
                }
            )
        from messaging.notifications import notify

        _cancel_school_changes(locked, reason=f"case {locked.get_status_display().lower()}")
        told = _end_all_involvements(locked, by, f"Case {locked.get_status_display().lower()}")
        notify(told, kind="case_closed", path=reverse("children:card", args=[locked.pk]))
    # The trail says which fields changed; the values are in the field history.
    record(request, Action.UPDATE, obj=locked, child=locked, detail={"changed": sorted(changed)})
    return locked


def _end_all_involvements(child: Child, by: User, reason: str) -> list[User]:
    """End every open involvement; the practitioners whose involvement ended (other than ``by``)
    are returned, to be told."""
    now = timezone.now()
    ended = []
    for involvement in Involvement.objects.filter(
        child=child, ended_at__isnull=True, entered_in_error=False
    ).select_related("practitioner"):
        involvement.ended_at = now
        involvement.ended_by = by
        involvement.end_reason = reason
        involvement.save()
        if involvement.practitioner_id != by.pk:
            ended.append(involvement.practitioner)
    return ended


# --- people with parental responsibility ------------------------------------------------------

PARENT_FIELDS = ("name", "relationship", "address", "phone", "email")


@transaction.atomic
def add_parent(
    *, request: HttpRequest, by: User, child: Child, values: dict[str, Any]
) -> ParentalResponsibility:
    if not rules.can_edit(by, child):
        raise PermissionDenied("You may not change this child's record.")
    parent = ParentalResponsibility(
        child=child, created_by=by, **{k: values.get(k, "") for k in PARENT_FIELDS}
    )
    parent.full_clean()
    parent.save()
    record(
        request,
        Action.CREATE,
        obj=parent,
        child=child,
        detail={"relationship": parent.relationship},
    )
    return parent


@transaction.atomic
def update_parent(
    *,
    request: HttpRequest,
    by: User,
    parent: ParentalResponsibility,
    version: str,
    changes: dict[str, Any],
) -> ParentalResponsibility:
    locked = ParentalResponsibility.objects.select_for_update().get(pk=parent.pk)
    if not rules.can_edit(by, locked.child):
        raise PermissionDenied("You may not change this child's record.")
    if locked.version != version:
        raise ConcurrentEditError(locked)
    if locked.entered_in_error:
        raise ValidationError("This entry was marked entered in error and cannot be changed.")
    changed = [k for k in PARENT_FIELDS if k in changes and getattr(locked, k) != changes[k]]
    for name in changed:
        setattr(locked, name, changes[name])
    if not changed:
        return locked
    locked.full_clean()
    locked.save()
    record(request, Action.UPDATE, obj=locked, child=locked.child_id, detail={"changed": changed})
    return locked


@transaction.atomic
def parent_entered_in_error(
    *,
    request: HttpRequest,
    by: User,
    parent: ParentalResponsibility,
    reason: str,
    version: str | None = None,
) -> ParentalResponsibility:
    """A wrong entry is marked, never removed; refused if someone else changed or marked it
    since the form was opened."""
    locked = ParentalResponsibility.objects.select_for_update().get(pk=parent.pk)
    if not rules.can_edit(by, locked.child):
        raise PermissionDenied("You may not change this child's record.")
    if version is not None and locked.version != version:
        raise ConcurrentEditError(locked)
    if locked.entered_in_error:
        # The first reason stands: a second marking would overwrite it.
        raise ValidationError(
            {"reason": "This entry has already been marked entered in error by someone else"}
        )
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


# --- involvement ------------------------------------------------------------------------------


def _open_involvement(child: Child, practitioner: User) -> Involvement | None:
    return Involvement.objects.filter(
        child=child, practitioner=practitioner, ended_at__isnull=True, entered_in_error=False
    ).first()


@transaction.atomic
def self_claim(
    *, request: HttpRequest, by: User, child: Child, role: str, reason: str
) -> Involvement:
    """ "I work with this child": an involvement begun by the practitioner's own claim, with a
    reason. It raises a review alert for the central team."""
    if not rules.can_self_claim(by, child):
        raise PermissionDenied("You may not say you work with this child.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why you work with this child"})
    stale = _open_involvement(child, by)
    if stale is not None:
        # An involvement for a former agency or a former account state: close it first.
        stale.ended_at = timezone.now()
        stale.ended_by = by
        stale.end_reason = "Replaced by a new involvement"
        stale.save()
    involvement = Involvement(
        child=child,
        practitioner=by,
        agency_id=by.agency_id,
        role=role.strip(),
        how_began=HowBegan.SELF_CLAIM,
        reason=reason.strip(),
        created_by=by,
    )
    involvement.full_clean()
    involvement.save()
    Alert.objects.create(
        kind=AlertKind.SELF_CLAIM,
        child=child,
        user=by,
        reason=involvement.reason,
        detail={"involvement": involvement.pk, "role": involvement.role},
    )
    record(
        request,
        Action.CREATE,
        obj=involvement,
        child=child,
        detail={"how_began": HowBegan.SELF_CLAIM, "role": involvement.role, "reason": reason},
    )
    return involvement


def _clear_lead(child: Child, keep: Involvement | None = None) -> None:
    """One lead professional at a time (a database constraint holds it); saved one by one, so
    the field history sees each change."""
    previous = Involvement.objects.select_for_update().filter(child=child, lead_professional=True)
    if keep is not None:
        previous = previous.exclude(pk=keep.pk)
    for involvement in previous:
        involvement.lead_professional = False
        involvement.save()


def check_may_involve(*, by: User, child: Child, practitioner: User, how_began: str) -> None:
    """ "Involvement starts when a practitioner logs a concern, is named in a meeting or plan,
    is added by the lead professional, or claims it": each way has its own rule, and each is
    checked here, whoever calls."""
    access = rules.access(by, child)
    if how_began == HowBegan.CONCERN:
        allowed = practitioner.pk == by.pk and by.is_practitioner and access.card
    elif how_began == HowBegan.SELF_CLAIM:
        allowed = practitioner.pk == by.pk and access.claim
    elif how_began == HowBegan.MEETING:
        allowed = access.edit
    elif how_began == HowBegan.LEAD_PROFESSIONAL:
        allowed = access.add_involvement
    else:
        allowed = False
    if not allowed:
        raise PermissionDenied("Only the lead professional or the central team may add people.")


@transaction.atomic
def add_involvement(
    *,
    request: HttpRequest,
    by: User,
    child: Child,
    practitioner: User,
    role: str,
    lead_professional: bool = False,
    how_began: str = HowBegan.LEAD_PROFESSIONAL,
) -> Involvement:
    """Record that ``practitioner`` works with the child (added by the lead professional or
    the central team; concerns and meetings call this too)."""
    check_may_involve(by=by, child=child, practitioner=practitioner, how_began=how_began)
    if not practitioner.is_active or not practitioner.is_practitioner:
        raise ValidationError({"practitioner": "Choose an active practitioner"})
    existing = _open_involvement(child, practitioner)
    if existing is not None and existing.agency_id == practitioner.agency_id:
        if lead_professional and not existing.lead_professional:
            _clear_lead(child, keep=existing)
            existing.lead_professional = True
            existing.save()
            record(
                request,
                Action.UPDATE,
                obj=existing,
                child=child,
                detail={"lead_professional": True},
            )
        return existing
    if existing is not None:
        existing.ended_at = timezone.now()
        existing.ended_by = by
        existing.end_reason = "Practitioner moved agency"
        existing.save()
    if lead_professional:
        _clear_lead(child)
    involvement = Involvement(
        child=child,
        practitioner=practitioner,
        agency_id=practitioner.agency_id,
        role=role.strip(),
        lead_professional=lead_professional,
        how_began=how_began,
        created_by=by,
    )
    involvement.full_clean()
    involvement.save()
    detail = {"how_began": how_began, "lead_professional": lead_professional}
    # The one who added it is audited, and their designated officer reads that: a sensitive
    # service's practitioner is named only by the involvement (the central team can open it).
    if not (practitioner.agency and practitioner.agency.sensitive_service):
        detail.update(practitioner=practitioner.username, role=involvement.role)
    record(request, Action.CREATE, obj=involvement, child=child, detail=detail)
    return involvement


@transaction.atomic
def end_involvement(
    *, request: HttpRequest, by: User, involvement: Involvement, reason: str = ""
) -> Involvement:
    """End an involvement. Full access ends with it, from the next request."""
    locked = Involvement.objects.select_for_update().select_related("agency").get(pk=involvement.pk)
    if not rules.can_end_involvement(by, locked):
        raise PermissionDenied("You may not end this involvement.")
    locked.ended_at = timezone.now()
    locked.ended_by = by
    locked.end_reason = reason.strip()
    locked.save()
    record(
        request,
        Action.UPDATE,
        obj=locked,
        child=locked.child_id,
        detail={"ended": True, "reason": locked.end_reason},
    )
    return locked


@transaction.atomic
def involvement_entered_in_error(
    *, request: HttpRequest, by: User, involvement: Involvement, reason: str
) -> Involvement:
    """A mistaken involvement (wrong child, wrong person) is marked, never removed."""
    locked = (
        Involvement.objects.select_for_update()
        .select_related("agency", "child")
        .get(pk=involvement.pk)
    )
    if not rules.access(by, locked.child).mark_involvement_in_error(locked):
        raise PermissionDenied("You may not change this involvement.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why this involvement is wrong"})
    locked.entered_in_error = True
    locked.error_reason = reason.strip()
    if locked.ended_at is None:
        locked.ended_at = timezone.now()
        locked.ended_by = by
    locked.save()
    record(
        request,
        Action.ENTERED_IN_ERROR,
        obj=locked,
        child=locked.child_id,
        detail={"reason": locked.error_reason},
    )
    return locked


# --- break glass ------------------------------------------------------------------------------


@transaction.atomic
def break_glass(
    *, request: HttpRequest, by: User, child: Child, category: str, reason: str
) -> BreakGlass:
    """Open a full record without an involvement, for 24 hours, with a stated reason. The central
    team gets an alert; many in a day raise an "unusual volume" alert too."""
    if not rules.can_break_glass(by, child):
        raise PermissionDenied("You may not break glass on this record.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why you need to see this record"})
    now = timezone.now()
    grant = BreakGlass.objects.create(
        child=child,
        user=by,
        category=category,
        reason=reason.strip(),
        created_at=now,
        expires_at=now + dt.timedelta(hours=BREAK_GLASS_HOURS),
    )
    Alert.objects.create(
        kind=AlertKind.BREAK_GLASS,
        child=child,
        user=by,
        reason_category=grant.get_category_display()[:40],  # the column holds 40
        reason=grant.reason,
        detail={"grant": grant.pk, "expires_at": grant.expires_at.isoformat()},
        created_at=now,
    )
    record(
        request,
        Action.BREAK_GLASS,
        obj=grant,
        child=child,
        detail={
            "category": category,
            "reason": grant.reason,
            "expires_at": grant.expires_at.isoformat(),
        },
    )
    recent = BreakGlass.objects.filter(user=by, created_at__gte=now - dt.timedelta(days=1))
    count = recent.values("child").distinct().count()
    if count >= UNUSUAL_VOLUME_PER_DAY:
        already = Alert.objects.filter(
            kind=AlertKind.UNUSUAL_VOLUME,
            user=by,
            created_at__gte=now - dt.timedelta(days=1),
            reviewed_at__isnull=True,
        ).exists()
        if not already:
            Alert.objects.create(
                kind=AlertKind.UNUSUAL_VOLUME,
                user=by,
                reason=f"Broke glass on {count} children's records within 24 hours",
                detail={"count": count},
                created_at=now,
            )
    return grant


# --- families ---------------------------------------------------------------------------------


@transaction.atomic
def link_siblings(*, request: HttpRequest, by: User, child: Child, other: Child) -> Family:
    """Put two children in one household; if both already have one, the households join."""
    if not rules.can_edit(by, child):
        raise PermissionDenied("You may not change this child's record.")
    if other.pk != child.pk and not rules.can_edit(by, other):
        raise ValidationError(
            {
                "lisa_ref": "You may only link children whose records you may both change. Ask "
                "a practitioner involved with the other child, or the central team"
            }
        )
    if other.pk == child.pk or other.merged_into_id:
        raise ValidationError({"lisa_ref": "Enter the LISA reference of another child"})
    child = Child.objects.select_for_update().get(pk=child.pk)
    other = Child.objects.select_for_update().get(pk=other.pk)
    family = child.family or other.family
    if family is None:
        family = Family.objects.create(created_by=by)
    for member in {child, other}:
        if member.family_id and member.family_id != family.pk:
            for sibling in Child.objects.filter(family_id=member.family_id):
                sibling.family = family
                sibling.save()
    for member in (child, other):
        member.refresh_from_db()
        if member.family_id != family.pk:
            member.family = family
            member.save()
    for member, peer in ((child, other), (other, child)):
        record(
            request,
            Action.UPDATE,
            obj=member,
            child=member,
            detail={"family": family.pk, "linked_with": peer.lisa_ref},
        )
    return family


@transaction.atomic
def leave_family(*, request: HttpRequest, by: User, child: Child, reason: str) -> Child:
    """Take a child out of a household linked by mistake or no longer shared."""
    if not rules.can_edit(by, child):
        raise PermissionDenied("You may not change this child's record.")
    locked = Child.objects.select_for_update().get(pk=child.pk)
    if locked.family_id is None:
        return locked
    old = locked.family_id
    locked.family = None
    locked.save()
    record(
        request,
        Action.UPDATE,
        obj=locked,
        child=locked,
        detail={"left_family": old, "reason": reason.strip()},
    )
    return locked


# --- merging duplicates -----------------------------------------------------------------------


@transaction.atomic
def merge_children(
    *, request: HttpRequest, by: User, keep: Child, other: Child, reason: str
) -> Child:
    """Merge ``other`` into ``keep``: everything attached to ``other`` moves to ``keep``,
    ``other``'s reference still finds ``keep``, and the merge is in both histories."""
    if not rules.can_merge(by):
        raise PermissionDenied("Only the central team merges records.")
    if keep.pk == other.pk:
        raise ValidationError({"lisa_ref": "Enter the reference of a different child"})
    keep, other = (
        Child.objects.select_for_update().get(pk=keep.pk),
        Child.objects.select_for_update().get(pk=other.pk),
    )
    if keep.merged_into_id or other.merged_into_id:
        raise ValidationError({"lisa_ref": "One of these records has already been merged"})
    if keep.archived_at or other.archived_at:
        raise ValidationError(
            {"lisa_ref": "One of these records is archived: restore it before merging"}
        )
    now = timezone.now()
    moved: dict[str, int] = {}
    # Duplicate open involvements of one practitioner: the one on the merged record ends.
    kept_open = set(
        Involvement.objects.filter(
            child=keep, ended_at__isnull=True, entered_in_error=False
        ).values_list("practitioner_id", flat=True)
    )
    for involvement in Involvement.objects.filter(
        child=other, ended_at__isnull=True, entered_in_error=False, practitioner_id__in=kept_open
    ):
        involvement.ended_at = now
        involvement.ended_by = by
        involvement.end_reason = f"Duplicate record merged into {keep.lisa_ref}"
        involvement.save()
    # Everything that points at the merged record, in every app, moves to the kept one (one
    # save each, so the field history sees it).
    for relation in Child._meta.related_objects:
        if relation.related_model is Child:
            continue
        if relation.many_to_many:
            through = relation.through
            field = next(f.name for f in through._meta.fields if f.related_model is Child)
            count = through.objects.filter(**{field: other}).update(**{field: keep})
        else:
            name = relation.field.name
            count = 0
            for item in relation.related_model._base_manager.filter(**{name: other}):
                setattr(item, name, keep)
                item.save()
                count += 1
        if count:
            moved[relation.related_model._meta.label_lower] = count
    # The merged record's household joins the kept one.
    if other.family_id and other.family_id != keep.family_id:
        if keep.family_id is None:
            keep.family_id = other.family_id
        else:
            for sibling in Child.objects.filter(family_id=other.family_id).exclude(pk=other.pk):
                sibling.family_id = keep.family_id
                sibling.save()
    other.merged_into = keep
    other.merged_at = now
    other.status = ChildStatus.ARCHIVED
    other.status_changed_at = now
    other.save()
    # What the kept record lacks, it takes from the merged one.
    taken = []
    for name in ("nhs_number", "upn", "school", "first_language", "address_line_1", "town"):
        if not getattr(keep, name) and getattr(other, name):
            setattr(keep, name, getattr(other, name))
            taken.append(name)
    if not keep.postcode and other.postcode:
        keep.address_line_2 = other.address_line_2
        keep.postcode = other.postcode
        taken.append("postcode")
    names = f"{other.forenames} {other.surname}"
    if names.lower() != f"{keep.forenames} {keep.surname}".lower() and names.lower() not in (
        keep.other_names.lower()
    ):
        keep.other_names = ", ".join(n for n in (keep.other_names, names) if n)[:200]
        taken.append("other_names")
    keep.save()
    detail = {
        "kept": keep.lisa_ref,
        "merged": other.lisa_ref,
        "reason": reason.strip(),
        "moved": moved,
        "taken": taken,
    }
    record(request, Action.MERGE, obj=keep, child=keep, detail=detail)
    record(request, Action.MERGE, obj=other, child=other, detail=detail)
    return keep


# The newest card views looked at first: a person who opened this many in the hour without
# reaching UNUSUAL_CARDS_PER_HOUR children has their whole hour counted instead.
_CARD_VIEWS_LOOKED_AT = 4 * UNUSUAL_CARDS_PER_HOUR


def _card_views_in_the_last_hour(user_id: int):
    """Index cards ``user_id`` opened in the last hour, of children they do not work with: a
    row (the child) for each time, newest first."""
    from audit.models import AuditEvent

    since = timezone.now() - dt.timedelta(hours=1)
    return (
        AuditEvent.objects.filter(
            user_id=user_id, action=Action.VIEW, at__gte=since, detail__view="card"
        )
        .exclude(
            child_id__in=Involvement.objects.active()
            .filter(practitioner_id=user_id)
            .values("child_id")
        )
        # Newest first, from the index of card views (audit_card_views) alone.
        .order_by("-at")
        .values_list("child_id")
    )


def _newest_card_views(user_id: int):
    return _card_views_in_the_last_hour(user_id)[:_CARD_VIEWS_LOOKED_AT]


def _cards_opened_in_the_last_hour(user_id: int):
    """The children whose index cards ``user_id`` opened in the last hour and does not work
    with, one row each."""
    return _card_views_in_the_last_hour(user_id).order_by().distinct()


def cards_opened_in_the_last_hour(user_id: int, *, at_least: int | None = None) -> int:
    """How many children's index cards ``user_id`` opened in the last hour without working
    with them. With ``at_least``, a count that has reached it may stop there.

    Each card opened asks this, so it looks at the newest views first, which reach the alert's
    count at once for someone opening many cards (however many they open in an hour), and at
    the whole hour for someone opening few. Both queries are worked out once
    (lisa/compiled.py)."""
    from lisa import compiled

    if at_least is not None and at_least <= _CARD_VIEWS_LOOKED_AT:
        newest = compiled.rows("card_views", _newest_card_views, user_id=user_id)
        children = {child_id for (child_id,) in newest}
        if len(children) >= at_least or len(newest) < _CARD_VIEWS_LOOKED_AT:
            return len(children)
    return compiled.count("cards_opened", _cards_opened_in_the_last_hour, user_id=user_id)


def check_card_volume(*, request: HttpRequest, by: User, can) -> Alert | None:
    """Raise an "unusual volume" alert when one person opens the index cards of many children
    they do not work with within an hour (at most one open alert a day per person). ``can`` is
    the reader's access to the card just opened: the central team's cards are not counted, and
    the card of a child they work with cannot bring them nearer the line, so neither is checked
    (the check is two queries)."""
    if by.is_central_team or can.is_involved:
        return None
    if (
        cards_opened_in_the_last_hour(by.pk, at_least=UNUSUAL_CARDS_PER_HOUR)
        < UNUSUAL_CARDS_PER_HOUR
    ):
        return None
    if Alert.objects.filter(
        kind=AlertKind.UNUSUAL_VOLUME,
        user=by,
        created_at__gte=timezone.now() - dt.timedelta(days=1),
        reviewed_at__isnull=True,
    ).exists():
        return None
    count = cards_opened_in_the_last_hour(by.pk)
    return Alert.objects.create(
        kind=AlertKind.UNUSUAL_VOLUME,
        user=by,
        reason=f"Opened the index cards of {count} children they do not work with within an hour",
        detail={"count": count, "what": "index cards"},
    )


UNUSUAL_SEARCHES_PER_HOUR = 30


def check_search_volume(*, request: HttpRequest, by: User) -> Alert | None:
    """Raise an "unusual volume" alert when one person makes many searches within an hour whose
    results hold no child they work with (at most one open alert a day per person): trawling
    the index shows in searches as well as in records opened."""
    from audit.models import AuditEvent

    since = timezone.now() - dt.timedelta(hours=1)
    searches = list(
        AuditEvent.objects.filter(user=by, action=Action.SEARCH, at__gte=since)
        .exclude(detail__has_key="duplicate_check")
        .values_list("detail", flat=True)
    )
    if len(searches) < UNUSUAL_SEARCHES_PER_HOUR:
        return None
    mine = set(
        Involvement.objects.active()
        .filter(practitioner=by)
        .values_list("child__lisa_ref", flat=True)
    )
    unrelated = sum(1 for detail in searches if not mine.intersection(detail.get("shown") or []))
    if unrelated < UNUSUAL_SEARCHES_PER_HOUR:
        return None
    if Alert.objects.filter(
        kind=AlertKind.UNUSUAL_VOLUME,
        user=by,
        created_at__gte=timezone.now() - dt.timedelta(days=1),
        reviewed_at__isnull=True,
        detail__what="searches",
    ).exists():
        return None
    return Alert.objects.create(
        kind=AlertKind.UNUSUAL_VOLUME,
        user=by,
        reason=f"Made {unrelated} searches within an hour whose results held no child they work "
        "with",
        detail={"count": unrelated, "what": "searches"},
    )


# --- change of school ---------------------------------------------------------------------------


def current_school_agency(child: Child):
    """The education agency on LISA that the child's school names, if there is one."""
    from lisa.models import Agency, AgencyType

    if not child.school.strip():
        return None
    return Agency.objects.filter(
        agency_type=AgencyType.EDUCATION, name__iexact=child.school.strip()
    ).first()


def _school_officers(agency) -> list[User]:
    if agency is None:
        return []
    return list(
        User.objects.filter(
            agency=agency, is_active=True, roles__contains=["designated_officer"]
        ).order_by("pk")
    )


@transaction.atomic
def change_school(
    *,
    request: HttpRequest,
    by: User,
    child: Child,
    version: str,
    to_agency=None,
    to_school_name: str = "",
    nominated: User | None = None,
    effective_on: dt.date,
) -> SchoolChange:
    """ "Change of school": the new school (an education agency on LISA, or a named school
    outside it) from a date. Today or earlier, the change is made at once; a later date waits
    in the queue that ``apply_scheduled_transitions`` works through."""
    from lisa.models import AgencyType

    access = rules.access(by, child)
    if not access.change_school:
        raise PermissionDenied("You may not change this child's school.")
    locked = Child.objects.select_for_update().get(pk=child.pk)
    if locked.version != version:
        raise ConcurrentEditError(locked)
    old = current_school_agency(locked)
    errors: dict[str, str] = {}
    name = (to_school_name or "").strip()
    if to_agency is None and not name:
        errors["to_agency"] = "Choose the new school, or type the name of a school not on LISA"
    if to_agency is not None and name:
        errors["to_school_name"] = "Choose a school on LISA or type one, not both"
    if to_agency is not None and to_agency.agency_type != AgencyType.EDUCATION:
        errors["to_agency"] = "Choose a school"
    if to_agency is not None and old is not None and to_agency.pk == old.pk:
        errors["to_agency"] = "This is the child's school already"
    if nominated is not None and (to_agency is None or nominated.agency_id != to_agency.pk):
        errors["nominated"] = "Choose a practitioner of the new school"
    if nominated is not None and not (nominated.is_active and nominated.is_practitioner):
        errors["nominated"] = "Choose an active practitioner"
    if effective_on < timezone.localdate() - dt.timedelta(days=366):
        errors["effective_on"] = "The date must be within the last year"
    if effective_on > timezone.localdate() + dt.timedelta(days=366):
        errors["effective_on"] = "The date must be within a year from today"
    if not access.has_relationship and not by.is_central_team:
        # A school's designated officer with no other tie to the child: their school only.
        own = old is not None and old.pk == by.agency_id
        if not own and (to_agency is None or to_agency.pk != by.agency_id):
            errors["to_agency"] = "You may only record a move to your own school"
    if SchoolChange.objects.filter(child=locked, status=SchoolChangeStatus.SCHEDULED).exists():
        errors["effective_on"] = "A change of school is already waiting for this child"
    if errors:
        raise ValidationError(errors)
    change = SchoolChange.objects.create(
        child=locked,
        from_school=locked.school,
        from_agency=old,
        to_agency=to_agency,
        to_school_name=name,
        nominated=nominated,
        effective_on=effective_on,
        requested_by=by,
    )
    record(
        request,
        Action.CREATE,
        obj=change,
        child=locked,
        detail={"school_change": True, "effective_on": effective_on.isoformat()},
    )
    if effective_on <= timezone.localdate():
        return apply_school_change(request=request, change=change)
    return change


def _cancel_school_changes(child: Child, *, reason: str) -> None:
    """A change of school still waiting is cancelled when the family moves away or the record
    closes (else the new school would become involved with a child no longer here)."""
    for waiting in SchoolChange.objects.select_for_update().filter(
        child=child, status=SchoolChangeStatus.SCHEDULED
    ):
        waiting.status = SchoolChangeStatus.CANCELLED
        waiting.save(update_fields=["status"])
        record(
            None,
            Action.UPDATE,
            obj=waiting,
            child=child,
            detail={"school_change_cancelled": True, "reason": reason},
        )


@transaction.atomic
def apply_school_change(*, request: HttpRequest | None, change: SchoolChange) -> SchoolChange:
    """Make a change of school: the child's school changes; the new school's nominated
    practitioner (or its designated officer) becomes involved; the old school's involvements
    end ("changed school"); both schools and the lead professional are told."""
    from messaging.notifications import notify

    locked = SchoolChange.objects.select_for_update().get(pk=change.pk)
    if locked.status != SchoolChangeStatus.SCHEDULED:
        return locked
    child = Child.objects.select_for_update().get(pk=locked.child_id)
    if child.status != ChildStatus.ACTIVE or child.archived_at is not None:
        # The family moved away or the record closed since: nobody new becomes involved.
        _cancel_school_changes(child, reason=f"record {child.get_status_display().lower()}")
        locked.refresh_from_db()
        return locked
    by = locked.requested_by
    now = timezone.now()
    child.school = locked.new_school[:200]
    child.save(update_fields=["school", "updated_at"])
    ended = []
    if locked.from_agency_id:
        for involvement in Involvement.objects.active().filter(
            child=child, agency_id=locked.from_agency_id
        ):
            involvement.ended_at = now
            involvement.ended_by = by
            involvement.end_reason = "Changed school"
            involvement.save()
            if involvement.lead_professional:
                # A lead professional leaving with the old school: their appointment ends too,
                # and the next meeting appoints another.
                from meetings.models import LeadAppointment

                LeadAppointment.objects.filter(
                    child=child, practitioner_id=involvement.practitioner_id, ended_at__isnull=True
                ).update(ended_at=now, ended_by=by)
            ended.append(involvement.practitioner)
            record(
                request,
                Action.UPDATE,
                obj=involvement,
                child=child,
                detail={"ended": True, "reason": "Changed school"},
                user=by if request is None else None,
            )
    officers_new = _school_officers(locked.to_agency)
    joining = locked.nominated or (officers_new[0] if officers_new else None)
    if joining is not None and _open_involvement(child, joining) is None:
        involvement = Involvement.objects.create(
            child=child,
            practitioner=joining,
            agency_id=joining.agency_id,
            role=joining.job_title or "School designated officer",
            how_began=HowBegan.TRANSFER,
            created_by=by,
        )
        record(
            request,
            Action.CREATE,
            obj=involvement,
            child=child,
            detail={"how_began": HowBegan.TRANSFER},
            user=by if request is None else None,
        )
    locked.status = SchoolChangeStatus.APPLIED
    locked.applied_at = now
    locked.save()
    record(
        request,
        Action.UPDATE,
        obj=locked,
        child=child,
        detail={"school_change": True, "applied": True},
        user=by if request is None else None,
    )
    leads = User.objects.filter(
        involvements__child=child,
        involvements__lead_professional=True,
        involvements__ended_at__isnull=True,
        involvements__entered_in_error=False,
    )
    told = {*officers_new, *_school_officers(locked.from_agency), *ended, *leads}
    if joining is not None:
        told.add(joining)
    told.discard(by)
    notify(told, kind="school_change", path=reverse("children:card", args=[child.pk]))
    return locked


def apply_scheduled_school_changes(today: dt.date | None = None) -> int:
    """Every change of school due by ``today``, each in its own transaction."""
    today = today or timezone.localdate()
    due = SchoolChange.objects.filter(
        status=SchoolChangeStatus.SCHEDULED, effective_on__lte=today
    ).order_by("effective_on", "pk")
    applied = 0
    for change in due:
        apply_school_change(request=None, change=change)
        applied += 1
    return applied


# --- moving out of the area ---------------------------------------------------------------------


@transaction.atomic
def move_out(
    *,
    request: HttpRequest,
    by: User,
    child: Child,
    version: str,
    moved_on: dt.date,
    authority: str,
    contact_team: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    address: dict[str, str] | None = None,
    shielded: bool | None = None,
) -> MoveOut:
    """ "Moved out of the area": the status becomes "moved out of area", the new address is
    kept if known (shielded if it must be), the lead professional and the practitioners involved
    are told, and the involvements end after the grace period so the team can hand over."""
    from django.conf import settings

    from messaging.notifications import notify

    locked = Child.objects.select_for_update().get(pk=child.pk)
    if not rules.can_edit(by, locked):
        raise PermissionDenied("You may not record that this child moved away.")
    if locked.version != version:
        raise ConcurrentEditError(locked)
    errors: dict[str, str] = {}
    if locked.status != ChildStatus.ACTIVE:
        errors["moved_on"] = f"The record is already {locked.get_status_display().lower()}"
    today = timezone.localdate()
    if moved_on > today:
        errors["moved_on"] = "The date must be today or in the past"
    elif moved_on < today - dt.timedelta(days=366):
        errors["moved_on"] = "The date must be within the last year"
    if not authority.strip():
        errors["authority"] = "Enter the receiving authority"
    if errors:
        raise ValidationError(errors)
    before = {"status": locked.status}
    _cancel_school_changes(locked, reason="moved out of the area")
    locked.status = ChildStatus.MOVED_OUT
    locked.status_changed_at = timezone.now()
    if address and any(value.strip() for value in address.values()):
        for field_name in ("address_line_1", "address_line_2", "town", "postcode"):
            setattr(locked, field_name, (address.get(field_name) or "").strip())
    if shielded is not None:
        locked.shielded = shielded
    _full_clean(locked)
    locked.save()
    grace = dt.timedelta(days=settings.LISA_MOVE_OUT_GRACE_DAYS)
    move = MoveOut.objects.create(
        child=locked,
        moved_on=moved_on,
        authority=authority.strip(),
        contact_team=contact_team.strip(),
        contact_email=contact_email.strip(),
        contact_phone=contact_phone.strip(),
        involvements_end_on=max(moved_on + grace, today),
        recorded_by=by,
    )
    record(
        request,
        Action.UPDATE,
        obj=locked,
        child=locked,
        detail={"moved_out": True, "from": before["status"], "authority": move.authority},
    )
    told = User.objects.filter(
        involvements__child=locked,
        involvements__ended_at__isnull=True,
        involvements__entered_in_error=False,
    ).exclude(pk=by.pk)
    notify(told, kind="moved_out", path=reverse("children:card", args=[locked.pk]))
    return move


def end_involvements_after_moves(today: dt.date | None = None) -> int:
    """End the involvements of children whose grace period after moving out has passed, each
    child in its own transaction. Returns how many children's involvements ended."""
    today = today or timezone.localdate()
    due = MoveOut.objects.filter(
        involvements_ended_at__isnull=True, involvements_end_on__lte=today
    ).select_related("child", "recorded_by")
    done = 0
    for move in due:
        with transaction.atomic():
            locked = MoveOut.objects.select_for_update().get(pk=move.pk)
            if locked.involvements_ended_at is not None:
                continue
            _end_all_involvements(move.child, move.recorded_by, "Moved out of the area")
            locked.involvements_ended_at = timezone.now()
            locked.save(update_fields=["involvements_ended_at"])
            record(
                None,
                Action.UPDATE,
                obj=locked,
                child=move.child_id,
                detail={"involvements_ended": True},
                user=move.recorded_by,
            )
        done += 1
    return done


# --- transfer summary ---------------------------------------------------------------------------


def may_produce_transfer_summary(access) -> bool:
    """ "Produced by the lead professional, an involved practitioner or the central team"."""
    return access.works_with_children and (access.user.is_central_team or access.is_involved)


@transaction.atomic
def produce_transfer_summary(
    *,
    request: HttpRequest,
    by: User,
    child: Child,
    for_authority: str,
    agreement=None,
    decision=None,
):
    """Produce (and keep) a transfer summary for ``for_authority``, on the lawful basis of an
    agreement on file or a decision to share without consent."""
    from children import transfer
    from children.models import TransferSummary
    from consent.models import Decision

    access = rules.access(by, child)
    if not may_produce_transfer_summary(access):
        raise PermissionDenied("Only those involved or the central team may produce this.")
    errors: dict[str, str] = {}
    if not for_authority.strip():
        errors["for_authority"] = "Enter who the summary is for"
    if (agreement is None) == (decision is None):
        errors["basis"] = "Choose the lawful basis for sharing"
    elif agreement is not None and (
        agreement.child_id != child.pk
        or agreement.entered_in_error
        or agreement.decision != Decision.AGREE
        or agreement.withdrawn_on is not None
    ):
        errors["basis"] = "Choose an agreement to share that is in force"
    elif decision is not None and (decision.child_id != child.pk or decision.entered_in_error):
        errors["basis"] = "Choose a decision to share recorded for this child"
    if errors:
        raise ValidationError(errors)
    if agreement is not None:
        basis = {
            "kind": "agreement",
            "description": agreement.get_kind_display(),
            "date": agreement.signed_on.isoformat(),
        }
    else:
        basis = {
            "kind": "decision_to_share",
            "description": f"Shared without consent: {decision.get_ground_display()}",
            "date": decision.decided_on.isoformat(),
        }
    document = transfer.build(child, access, for_authority=for_authority.strip(), basis=basis)
    problems = transfer.validate(document)
    if problems:  # the schema is the contract with the receiving authority: never send less
        raise ValidationError("The summary could not be produced: " + "; ".join(problems[:3]))
    summary = TransferSummary.objects.create(
        child=child,
        for_authority=for_authority.strip(),
        agreement=agreement,
        decision=decision,
        content=document,
        produced_by=by,
    )
    record(
        request,
        Action.CREATE,
        obj=summary,
        child=child,
        detail={"transfer_summary": True, "for": summary.for_authority, "basis": basis["kind"]},
    )
    return summary


# --- importing a transfer summary received from another authority -------------------------------

# How long an uploaded summary waits for its importer to choose the record it goes into.
PENDING_IMPORT_LIFETIME = dt.timedelta(hours=24)


def may_import_into(access) -> bool:
    """Importing a summary into a record already on LISA changes that record: those who may
    change it (involved practitioners, their agency's designated officer, the central team)."""
    return access.edit


@transaction.atomic
def hold_import(
    *,
    request: HttpRequest,
    by: User,
    document: dict,
    from_authority: str,
    child: Child | None = None,
):
    """Keep a summary, found valid, while the person who uploaded it chooses the record it
    goes into (anyone who may add a child may upload one). ``child`` is the record the import
    was started from, kept only if the person may change it. Uploads older than a day, never
    imported, are removed: they were never part of a record."""
    import secrets

    from children import importing
    from children.models import PendingImport

    if not rules.works_with_children(by):
        raise PermissionDenied("You may not add children to LISA.")
    problems = importing.check(document)
    if problems:
        raise importing.refuse(problems)
    if not from_authority.strip():
        raise ValidationError({"from_authority": "Enter which authority sent the summary"})
    PendingImport.objects.filter(uploaded_at__lt=timezone.now() - PENDING_IMPORT_LIFETIME).delete()
    if child is not None and not rules.can_edit(by, child):
        child = None
    pending = PendingImport.objects.create(
        token=secrets.token_urlsafe(24),
        uploaded_by=by,
        from_authority=from_authority.strip(),
        content=document,
        child=child,
    )
    record(
        request,
        Action.CREATE,
        obj=pending,
        detail={"transfer_summary_upload": True, "from": pending.from_authority},
    )
    return pending


def note_import_checked(pending) -> bool:
    """True the first time the duplicate check for an upload is shown (it is audited once, not
    on every reload of the page)."""
    from children.models import PendingImport

    return bool(PendingImport.objects.filter(pk=pending.pk, checked=False).update(checked=True))


@transaction.atomic
def discard_import(*, request: HttpRequest, by: User, pending) -> None:
    """The person who uploaded a summary cancels the import: the upload is removed."""
    from children.models import PendingImport

    removed, _ = PendingImport.objects.filter(pk=pending.pk, uploaded_by=by).delete()
    if removed:
        record(
            request,
            Action.UPDATE,
            object_type="children.pendingimport",
            object_id=pending.pk,
            detail={"transfer_summary_upload": True, "cancelled": True},
        )


@transaction.atomic
def import_transfer_summary(
    *,
    request: HttpRequest,
    by: User,
    pending,
    into: Child | None = None,
    version: str | None = None,
    matches_shown: list[Child] | None = None,
):
    """Import an uploaded summary in one transaction, and keep it whole as a received summary.

    Into a new record (``into`` None; anyone who may add a child): the child is added by
    :func:`create_child` (the likely matches the person set aside audited with it) with the
    summary's identifiers, names, date of birth, address (shielded if the summary says so) and
    details, and its people with parental responsibility.

    Into ``into`` (those who may change it): what the record lacks is filled in, what it holds
    is kept and each difference listed (:func:`children.importing.compare`), and the people
    with parental responsibility not already on it are added. ``version`` is the record's
    version when the person saw what the import would do: refused if it changed since.

    The upload is used up: importing it twice is refused."""
    from children import importing
    from children.models import PendingImport, ReceivedSummary
    from lisa.versioning import check_version

    held = PendingImport.objects.select_for_update().filter(pk=pending.pk, uploaded_by=by).first()
    if held is None:
        raise ValidationError(
            "This summary has already been imported or cancelled. Upload it again if it is "
            "still needed."
        )
    document = held.content
    problems = importing.check(document)
    if problems:
        raise importing.refuse(problems)
    if into is None:
        values = importing.child_values(document)
        child = create_child(request=request, by=by, values=values, matches_shown=matches_shown)
        plan = importing.Plan(fill=values, parents=importing.parent_values(document))
    else:
        child = Child.objects.select_for_update().get(pk=into.pk)
        access = rules.access(by, child)
        if not may_import_into(access):
            raise PermissionDenied("You may not change this child's record.")
        check_version(child, version)
        plan = importing.compare(child, document, access)
        for name, value in plan.fill.items():
            setattr(child, name, value)
        if plan.fill:
            _checked_save(child)
    received = ReceivedSummary.objects.create(
        child=child,
        from_authority=held.from_authority,
        content=document,
        imported_by=by,
        created_record=into is None,
        conflicts=[conflict.as_dict() for conflict in plan.conflicts],
    )
    for values in plan.parents:
        parent = ParentalResponsibility(
            child=child, created_by=by, **{k: values.get(k) or "" for k in PARENT_FIELDS}
        )
        parent.full_clean()
        parent.save()
        record(
            request,
            Action.CREATE,
            obj=parent,
            child=child,
            detail={"relationship": parent.relationship, "received_summary": received.pk},
        )
    if into is not None:
        # The trail names the fields; the values are in the field history.
        record(
            request,
            Action.UPDATE,
            obj=child,
            child=child,
            detail={
                "received_summary": received.pk,
                "changed": sorted(plan.fill),
                "kept": sorted({conflict.field for conflict in plan.conflicts}),
                "parents_added": len(plan.parents),
            },
        )
    record(
        request,
        Action.CREATE,
        obj=received,
        child=child,
        detail={
            "received_summary": True,
            "from": received.from_authority,
            "new_record": into is None,
            "parents_added": len(plan.parents),
        },
    )
    held.delete()
    return received


# --- retention (children/retention.py has the schedule) ----------------------------------------

ARCHIVED_REASON = "Record archived"


def archive_records(*, ids: list[int], schedule, today: dt.date) -> list[str]:
    """Archive the records ``ids`` (due, not held: the caller chose them) in one transaction:
    each is marked with the rule applied, its involvements, lead appointment and break-glass
    grants end (so it leaves the search and every home page), and one audit event per child is
    written in one INSERT. Returns the references archived."""
    from audit.services import record_many
    from children.retention import held_q
    from meetings.models import LeadAppointment

    now = timezone.now()
    with transaction.atomic():
        children = list(
            Child.objects.select_for_update()
            .filter(pk__in=ids, archived_at__isnull=True)
            .exclude(held_q())
            .order_by("pk")
        )
        due = [child for child in children if schedule.archive_on(child)[0] <= today]
        for child in due:
            child.archived_at = now
            child.archive_rule = schedule.archive_on(child)[1]
        Child.objects.bulk_update(due, ["archived_at", "archive_rule"])
        chosen = [child.pk for child in due]
        Involvement.objects.filter(
            child_id__in=chosen, ended_at__isnull=True, entered_in_error=False
        ).update(ended_at=now, end_reason=ARCHIVED_REASON, lead_professional=False)
        LeadAppointment.objects.filter(child_id__in=chosen, ended_at__isnull=True).update(
            ended_at=now
        )
        BreakGlass.objects.current().filter(child_id__in=chosen).update(expires_at=now)
        record_many(
            None,
            Action.UPDATE,
            (
                {
                    "obj": child,
                    "child": child,
                    "detail": {"archived": True, "rule": child.archive_rule},
                }
                for child in due
            ),
        )
    return [child.lisa_ref for child in due]


def _check_retention_reason(reason: str, field_name: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field_name: "Enter the reason"})
    return reason


@transaction.atomic
def restore_record(*, request: HttpRequest, by: User, child: Child, reason: str) -> Child:
    """The central team brings an archived record back, with a reason: it returns to the search
    (nobody is involved until someone is added), and is not archived again until the period
    after a restore has passed."""
    locked = Child.objects.select_for_update().get(pk=child.pk)
    if not rules.access(by, locked).restore:
        raise PermissionDenied("Only the central team may restore an archived record.")
    reason = _check_retention_reason(reason)
    if locked.archived_at is None:
        raise ValidationError({"reason": "The record is not archived"})
    archived = {"archived_at": locked.archived_at.isoformat(), "rule": locked.archive_rule}
    locked.archived_at = None
    locked.archive_rule = ""
    locked.restored_at = timezone.now()
    locked.save(update_fields=["archived_at", "archive_rule", "restored_at", "updated_at"])
    record(
        request,
        Action.UPDATE,
        obj=locked,
        child=locked,
        detail={"restored": True, "reason": reason, "was": archived},
    )
    return locked


@transaction.atomic
def place_legal_hold(*, request: HttpRequest, by: User, child: Child, reason: str):
    """A legal hold (a child protection investigation, litigation) stops the record being
    archived or removed until it is lifted."""
    from children.models import LegalHold

    locked = Child.objects.select_for_update().get(pk=child.pk)
    if not rules.access(by, locked).hold:
        raise PermissionDenied("Only the central team may place a legal hold.")
    reason = _check_retention_reason(reason)
    if LegalHold.objects.filter(child=locked, lifted_at__isnull=True).exists():
        raise ValidationError({"reason": "The record is already under a legal hold"})
    hold = LegalHold.objects.create(child=locked, reason=reason, set_by=by)
    record(request, Action.CREATE, obj=hold, child=locked, detail={"legal_hold": True})
    return hold


@transaction.atomic
def lift_legal_hold(*, request: HttpRequest, by: User, child: Child, reason: str):
    from children.models import LegalHold

    locked = Child.objects.select_for_update().get(pk=child.pk)
    if not rules.access(by, locked).hold:
        raise PermissionDenied("Only the central team may lift a legal hold.")
    reason = _check_retention_reason(reason)
    hold = (
        LegalHold.objects.select_for_update().filter(child=locked, lifted_at__isnull=True).first()
    )
    if hold is None:
        raise ValidationError({"reason": "The record is not under a legal hold"})
    hold.lifted_at = timezone.now()
    hold.lifted_by = by
    hold.lift_reason = reason
    hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    record(request, Action.UPDATE, obj=hold, child=locked, detail={"legal_hold_lifted": True})
    return hold


def files_of(child: Child) -> int:
    """How many stored files (scans of signed forms) removing ``child`` would delete."""
    from consent.models import Agreement

    return Agreement.objects.filter(child__in=_with_merged(child)).exclude(scan_name="").count()


def _with_merged(child: Child) -> list[Child]:
    """The record and every record merged into it (their shells go with it)."""
    found = [child]
    frontier = [child.pk]
    while frontier:
        merged = list(Child.objects.filter(merged_into_id__in=frontier))
        found += merged
        frontier = [other.pk for other in merged]
    return found


def remove_record(*, child: Child, schedule, today: dt.date):
    """Remove an archived record at the end of its retention period: everything about the
    child (and any record merged into it) is deleted in one transaction, files after it
    commits, and a tombstone per record is left for the audit trail. Refused while a legal hold
    stands or before the removal day."""
    from auditlog.context import disable_auditlog

    from children import removal
    from children.models import LegalHold, RemovedRecord

    with transaction.atomic():
        locked = Child.objects.select_for_update().get(pk=child.pk)
        if LegalHold.objects.filter(child=locked, lifted_at__isnull=True).exists():
            raise ValidationError("The record is under a legal hold")
        due = schedule.remove_on(locked)
        if due is None or due > today:
            raise ValidationError("The record is not due to be removed")
        records = _with_merged(locked)
        # The field history must not take a copy of what is being removed.
        with disable_auditlog():
            files = removal.remove_children(records)
        rule = (
            f"removed {schedule.remove_after_years} years after it was archived "
            f"({locked.archive_rule})"
        )
        tombstones = RemovedRecord.objects.bulk_create(
            [
                RemovedRecord(
                    child_id=gone.pk,
                    lisa_ref=gone.lisa_ref,
                    created_on=timezone.localdate(gone.created_at),
                    archived_on=timezone.localdate(locked.archived_at),
                    rule=rule,
                    files_removed=len(files) if gone.pk == locked.pk else 0,
                )
                for gone in records
            ]
        )
        for gone in records:
            record(
                None,
                Action.UPDATE,
                object_type="children.child",
                object_id=gone.pk,
                child=gone.pk,
                detail={"removed": True, "lisa_ref": gone.lisa_ref, "rule": rule},
            )
        transaction.on_commit(lambda: removal.delete_files(files))
    return tombstones[0]
