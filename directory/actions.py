"""Every change to the Service Directory goes through these functions.

Each is one transaction that checks who is acting, validates, saves and writes its audit event.
Field-by-field history is kept as well (django-auditlog, registered in ``apps.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from audit.models import Action
from audit.services import record
from directory.history import bulk_create_with_history, update_with_history
from directory.models import Category, Location, OpeningSession, Organisation, Service
from directory.search import forget_languages
from lisa.actions import ConcurrentEditError
from lisa.models import Role, User
from lisa.versioning import check_version

__all__ = [
    "ConcurrentEditError",
    "can_edit_service",
    "confirm_service_current",
    "save_category",
    "save_organisation",
    "save_service",
]

# What an editor may change on their own entry. The central team may also change the
# organisation and the editors.
SERVICE_FIELDS = (
    "name",
    "description",
    "minimum_age",
    "maximum_age",
    "eligibility",
    "contact_name",
    "contact_title",
    "phone",
    "email",
    "website",
    "is_free",
    "charges",
    "opening_notes",
    "accessibility",
    "languages",
    "serves_whole_borough",
    "wards",
    "postcode_districts",
    "how_to_refer",
    "status",
    "is_published",
)
CENTRAL_ONLY_FIELDS = ("organisation",)
LOCATION_FIELDS = ("name", "address_1", "address_2", "city", "postcode")

Session = tuple[int, dt.time, dt.time]


def can_edit_service(user: User, service: Service) -> bool:
    """ "A directory editor sees and edits only their own services; the central team manages
    every entry." """
    if user.is_central_team:
        return True
    return user.is_directory_editor and service.editors.filter(pk=user.pk).exists()


def check_sessions(sessions: Iterable[Session]) -> list[Session]:
    """Opening sessions in order; each must close after it opens and not overlap another."""
    ordered = sorted(sessions)
    for weekday, opens, closes in ordered:
        if closes <= opens:
            raise ValidationError(
                {
                    "sessions": f"The closing time ({closes:%H:%M}) must be after the opening "
                    f"time ({opens:%H:%M})"
                }
            )
        if not 0 <= weekday <= 6:
            raise ValidationError({"sessions": "Choose a day of the week"})
    for (day_a, _, closes_a), (day_b, opens_b, _) in zip(ordered, ordered[1:], strict=False):
        if day_a == day_b and opens_b < closes_a:
            raise ValidationError({"sessions": "Opening times on one day must not overlap"})
    return ordered


def _category_names(categories: Iterable[Category]) -> str:
    return " ".join(sorted(category.name for category in categories))


def _check_editors(editors: Iterable[User]) -> list[User]:
    editors = list(editors)
    wrong = [str(user) for user in editors if not user.has_role(Role.DIRECTORY_EDITOR)]
    if wrong:
        raise ValidationError(
            {"editors": "These people are not directory editors: " + ", ".join(wrong)}
        )
    return editors


def _apply_service(
    service: Service,
    *,
    fields: dict[str, Any],
    categories: Iterable[Category] | None,
    sessions: Iterable[Session] | None,
    location: dict[str, Any] | None,
    editors: Iterable[User] | None,
) -> list[str]:
    """Set, validate and save a service and what hangs off it. Returns the names changed."""
    changed: list[str] = []
    for name, value in fields.items():
        if getattr(service, name if name != "organisation" else "organisation_id", None) != (
            value.pk if name == "organisation" else value
        ):
            changed.append(name)
        setattr(service, name, value)
    if service.is_free:
        service.charges = ""
    elif not service.charges.strip():
        raise ValidationError({"charges": "Say what the service costs"})
    if categories is not None:
        categories = list(categories)
        names = _category_names(categories)
        if names != service.category_names:
            changed.append("categories")
        service.category_names = names
    new_sessions = check_sessions(sessions) if sessions is not None else None
    service.full_clean(exclude=["editors", "categories", "search_vector"])
    service.save()
    if categories is not None:
        service.categories.set(categories)
    if editors is not None:
        editors = _check_editors(editors)
        before = set(service.editors.values_list("pk", flat=True))
        if before != {user.pk for user in editors}:
            changed.append("editors")
            service.editors.set(editors)
    if new_sessions is not None:
        current = [(s.weekday, s.opens_at, s.closes_at) for s in service.sessions.all()]
        if sorted(current) != new_sessions:
            changed.append("opening times")
            service.sessions.all().delete()
            bulk_create_with_history(
                OpeningSession,
                [
                    OpeningSession(service=service, weekday=d, opens_at=o, closes_at=c)
                    for d, o, c in new_sessions
                ],
            )
    if location is not None:
        changed += _apply_location(service, location)
    transaction.on_commit(forget_languages)
    return changed


def _apply_location(service: Service, data: dict[str, Any]) -> list[str]:
    """The service's main address: created, changed, or removed when left blank."""
    main = service.locations.order_by("pk").first()
    if not any((data.get(f) or "").strip() for f in LOCATION_FIELDS if f != "city"):
        if main is not None:
            main.delete()
            return ["address"]
        return []
    if main is None:
        main = Location(service=service)
    before = {f: getattr(main, f) for f in LOCATION_FIELDS}
    for name in LOCATION_FIELDS:
        if name in data:
            setattr(main, name, (data[name] or "").strip())
    if not main.city:
        main.city = "London"
    main.full_clean(exclude=["service"])
    if main.pk and before == {f: getattr(main, f) for f in LOCATION_FIELDS}:
        return []
    main.save()
    return ["address"]


@transaction.atomic
def save_service(
    *,
    request: HttpRequest | None,
    by: User,
    service: Service | None,
    fields: dict[str, Any],
    categories: Iterable[Category] | None = None,
    sessions: Iterable[Session] | None = None,
    location: dict[str, Any] | None = None,
    editors: Iterable[User] | None = None,
    version: str = "",
) -> Service:
    """Add a service (central team) or change one (its editors, or the central team).

    Saving an entry counts as reviewing it. Refused if someone else saved it since
    ``version``.
    """
    fields = dict(fields)
    if not by.is_central_team:
        if service is None:
            raise PermissionDenied("Only the central team adds services.")
        if editors is not None or any(name in fields for name in CENTRAL_ONLY_FIELDS):
            raise PermissionDenied("Only the central team changes a service's editors.")
    unknown = set(fields) - set(SERVICE_FIELDS) - set(CENTRAL_ONLY_FIELDS)
    if unknown:
        raise ValueError(f"Not service fields: {sorted(unknown)}")
    creating = service is None
    if creating:
        if "organisation" not in fields:
            raise ValidationError({"organisation": "Choose the organisation"})
        locked = Service()
    else:
        locked = Service.objects.select_for_update().get(pk=service.pk)
        if not can_edit_service(by, locked):
            raise PermissionDenied("You may change only your own service's entry.")
        check_version(locked, version)
    fields["last_reviewed_on"] = timezone.localdate()
    locked.last_reviewed_by = by
    changed = _apply_service(
        locked,
        fields=fields,
        categories=categories,
        sessions=sessions,
        location=location,
        editors=editors,
    )
    changed = sorted(set(changed) - {"last_reviewed_on"})
    record(
        request,
        Action.CREATE if creating else Action.UPDATE,
        obj=locked,
        detail={"changed": changed} if not creating else {"name": locked.name},
        user=by if request is None else None,
    )
    return locked


@transaction.atomic
def confirm_service_current(*, request: HttpRequest | None, by: User, service: Service) -> Service:
    """ "Confirm still correct": the review date becomes today and nothing else changes."""
    locked = Service.objects.select_for_update().get(pk=service.pk)
    if not can_edit_service(by, locked):
        raise PermissionDenied("You may confirm only your own service's entry.")
    today = timezone.localdate()
    locked.last_reviewed_on = today
    locked.last_reviewed_by = by
    locked.last_reminded_on = None
    # Not updated_at: the entry's content, and so anyone's open edit of it, is unchanged.
    locked.save(update_fields=["last_reviewed_on", "last_reviewed_by", "last_reminded_on"])
    locked.refresh_from_db()
    record(
        request,
        Action.UPDATE,
        obj=locked,
        detail={"confirmed_current": today.isoformat()},
        user=by if request is None else None,
    )
    return locked


@transaction.atomic
def save_organisation(
    *,
    request: HttpRequest | None,
    by: User,
    organisation: Organisation | None,
    fields: dict[str, Any],
    version: str = "",
) -> Organisation:
    """Add or change an organisation (central team only)."""
    if not by.is_central_team:
        raise PermissionDenied("Only the central team manages organisations.")
    if organisation is None:
        organisation = Organisation(**fields)
        organisation.full_clean()
        organisation.save()
        record(request, Action.CREATE, obj=organisation, user=by if request is None else None)
        return organisation
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    check_version(locked, version)
    changed = [name for name, value in fields.items() if getattr(locked, name) != value]
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    record(request, Action.UPDATE, obj=locked, detail={"changed": changed})
    return locked


@transaction.atomic
def save_category(
    *,
    request: HttpRequest | None,
    by: User,
    category: Category | None,
    fields: dict[str, Any],
    version: str = "",
) -> Category:
    """Add or change a category of the directory's taxonomy (central team only).

    A renamed category is renamed in the search text of every service in it, in the same
    transaction, so searches find the new name at once.
    """
    if not by.is_central_team:
        raise PermissionDenied("Only the central team manages categories.")
    if category is None:
        category = Category(**fields)
        category.full_clean()
        category.save()
        record(request, Action.CREATE, obj=category, user=by if request is None else None)
        return category
    locked = Category.objects.select_for_update().get(pk=category.pk)
    check_version(locked, version)
    changed = [name for name, value in fields.items() if getattr(locked, name) != value]
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    if "name" in changed:
        refresh_category_names(Service.objects.filter(categories=locked))
    record(request, Action.UPDATE, obj=locked, detail={"changed": changed})
    return locked


def refresh_category_names(services) -> int:
    """Recompute the stored category text (and so the search vector) of ``services``, with a
    field-history row for each service whose text changed."""
    from django.contrib.postgres.aggregates import StringAgg
    from django.db.models import OuterRef, Subquery

    names = (
        Category.objects.filter(services=OuterRef("pk"))
        .order_by()
        .values("services")
        .annotate(text=StringAgg("name", delimiter=" ", order_by="name"))
        .values("text")
    )
    return update_with_history(
        Service.objects.filter(pk__in=services.values("pk")),
        category_names=Coalesce(Subquery(names), Value("")),
    )


def mark_reminded(services: Iterable[Service], day: dt.date) -> None:
    """Note that the editors of ``services`` were reminded on ``day`` (no audit event: the
    reminder command writes one per email; the field history shows the date)."""
    update_with_history(
        Service.objects.filter(pk__in=[s.pk for s in services]), last_reminded_on=day
    )
