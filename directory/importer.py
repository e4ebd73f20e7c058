"""Importing services from an Open Referral UK (HSDS 3.0) JSON feed.

Every record is checked first, against the standard's schema and then against the directory's
own rules (real UK postcodes, closing after opening, sensible ages). If any record fails,
nothing is imported and every problem is reported with its record; otherwise everything is
saved in one transaction. Records are matched on their ids, so importing a feed again updates
its services rather than adding them twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_time

from audit.models import Action
from audit.services import record
from directory import schemas
from directory.actions import check_sessions
from directory.areas import WARDS, parse_districts
from directory.history import bulk_create_with_history
from directory.models import (
    MAX_AGE,
    RRULE_DAYS,
    Category,
    Location,
    OpeningSession,
    Organisation,
    Service,
    ServiceStatus,
)
from directory.search import forget_languages

_DISTRICT_TOKEN = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\b")


class FeedError(Exception):
    """The feed as a whole cannot be read."""


@dataclass
class Planned:
    """One record, checked and ready to save."""

    number: int
    label: str
    service: dict[str, Any]
    organisation: dict[str, Any]
    sessions: list[tuple[int, dt.time, dt.time]]
    locations: list[dict[str, Any]]
    categories: list[dict[str, Any]]


@dataclass
class Result:
    records: int = 0
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    categories_added: list[str] = field(default_factory=list)


def records_in(feed: Any) -> list[dict]:
    """The service records of a feed: one service, a list, a page ("contents") or an
    organisation with its "services"."""
    if isinstance(feed, list):
        return feed
    if isinstance(feed, dict):
        if isinstance(feed.get("contents"), list):
            return feed["contents"]
        if isinstance(feed.get("services"), list) and "status" not in feed:
            organisation = {k: v for k, v in feed.items() if k != "services"}
            return [{"organization": organisation, **s} for s in feed["services"]]
        if "name" in feed:
            return [feed]
    raise FeedError(
        "The file is not an Open Referral feed: expected a service, a list of services, a page "
        "of services (with 'contents') or an organization with 'services'."
    )


def _label(number: int, data: dict) -> str:
    name = data.get("name") if isinstance(data, dict) else None
    return f"Record {number}" + (f" ({name})" if name else "")


def _uuid(value: Any) -> UUID:
    return UUID(str(value))


def _age(value: Any, name: str, problems: list[str]) -> int | None:
    if value is None or value == "":
        return None
    if value < 0:
        problems.append(f"{name}: must be 0 or more, not {value:g}")
        return None
    if value > MAX_AGE:
        return None  # "up to 100" in a general feed means no upper limit for children
    return int(value)


def _sessions(data: dict, problems: list[str], notes: list[str]):
    sessions = []
    for index, schedule in enumerate(data.get("schedules") or []):
        where = f"schedules[{index}]"
        days = [d.strip().upper() for d in (schedule.get("byday") or "").split(",") if d.strip()]
        opens = parse_time(schedule.get("opens_at") or "")
        closes = parse_time(schedule.get("closes_at") or "")
        if (schedule.get("freq") or "WEEKLY").upper() != "WEEKLY" or not days:
            if schedule.get("description"):
                notes.append(schedule["description"])
            continue
        if opens is None or closes is None:
            problems.append(f"{where}: opens_at and closes_at must be times, like 09:00:00")
            continue
        if closes <= opens:
            problems.append(
                f"{where}: the closing time ({closes:%H:%M}) must be after the opening time "
                f"({opens:%H:%M})"
            )
            continue
        for day in days:
            # An RRULE day may carry a position ("1MO"); the weekday is the last two letters.
            if day[-2:] not in RRULE_DAYS:
                problems.append(f"{where}: byday {day!r} is not a day such as MO or TU")
                continue
            sessions.append((RRULE_DAYS.index(day[-2:]), opens, closes))
    try:
        return check_sessions(sorted(set(sessions)))
    except ValidationError as error:
        problems += [f"schedules: {m}" for m in error.messages]
        return []


def _areas(data: dict, warnings: list[str]) -> dict[str, Any]:
    wards: list[str] = []
    districts: list[str] = []
    whole = False
    for area in data.get("service_areas") or []:
        text = " ".join(str(area.get(k) or "") for k in ("name", "service_area", "description"))
        if "whole borough" in text.lower():
            whole = True
        wards += [ward for ward in WARDS if ward.lower() in text.lower() and ward not in wards]
        if "district" in text.lower():
            with contextlib.suppress(ValidationError):
                districts += parse_districts(_DISTRICT_TOKEN.findall(text.upper()))
    if data.get("service_areas") and not (whole or wards or districts):
        warnings.append("service_areas: no ward or postcode district recognised; none recorded")
    return {
        "serves_whole_borough": whole,
        "wards": wards,
        "postcode_districts": list(dict.fromkeys(districts)),
    }


def _locations(data: dict, problems: list[str]) -> tuple[list[dict], list[str]]:
    locations, accessibility = [], []
    for index, link in enumerate(data.get("service_at_locations") or []):
        place = link.get("location") or {}
        for item in place.get("accessibility") or []:
            text = item.get("description") or item.get("accessibility")
            if text and text not in accessibility:
                accessibility.append(text)
        addresses = place.get("addresses") or []
        if not addresses:
            continue
        address = addresses[0]
        location = Location(
            uuid=_uuid(place["id"]),
            service_at_location_uuid=_uuid(link["id"]),
            name=(place.get("name") or "")[:200],
            address_1=(address.get("address_1") or "")[:200],
            city=(address.get("city") or "London")[:100],
            state_province=(address.get("state_province") or "")[:100],
            postcode=(address.get("postal_code") or "").strip(),
            country=(address.get("country") or "GB").strip().upper()[:2],
        )
        try:
            location.full_clean(exclude=["service", "uuid", "service_at_location_uuid"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                field_name = "postal_code" if name == "postcode" else name
                for message in messages:
                    problems.append(
                        f"service_at_locations[{index}].location.addresses[0].{field_name}: "
                        f"{message} (not {getattr(location, name)!r})"
                    )
            continue
        locations.append(
            {
                f: getattr(location, f)
                for f in (
                    "uuid",
                    "service_at_location_uuid",
                    "name",
                    "address_1",
                    "city",
                    "state_province",
                    "postcode",
                    "country",
                )
            }
        )
    return locations, accessibility


def _charges(data: dict) -> tuple[bool, str]:
    fees = (data.get("fees") or "").strip()
    costs = [
        c.get("amount_description") or c.get("option") or f"£{c['amount']:g}"
        for c in data.get("cost_options") or []
        if c.get("amount") or c.get("amount_description")
    ]
    if fees.lower() in ("", "free", "none", "no charge") and not costs:
        return True, ""
    parts = [p for p in [fees if fees.lower() not in ("", "free") else "", *costs] if p]
    return False, "; ".join(dict.fromkeys(parts))


def plan(number: int, data: Any, result: Result) -> Planned | None:
    """Check one record; note its problems in ``result``; return what to save, or None."""
    label = _label(number, data)
    if not isinstance(data, dict):
        result.errors.append(f"{label}: not a JSON object")
        return None
    problems = list(schemas.errors("service", data))
    warnings: list[str] = []
    if problems:
        result.errors += [f"{label}: {p}" for p in problems]
        return None
    organisation = data.get("organization") or {}
    if not organisation and data.get("organization_id"):
        existing = Organisation.objects.filter(uuid=data["organization_id"]).first()
        if existing is None:
            problems.append("organization_id: no such organisation; include 'organization'")
        organisation = {"id": data["organization_id"], "name": getattr(existing, "name", "")}
    if not organisation:
        problems.append("organization: every service needs its organisation")
    if not (data.get("description") or "").strip():
        problems.append("description: describe what the service does")
    low = _age(data.get("minimum_age"), "minimum_age", problems)
    high = _age(data.get("maximum_age"), "maximum_age", problems)
    if low is not None and high is not None and low > high:
        problems.append(f"maximum_age: must not be less than minimum_age ({high} < {low})")
    notes: list[str] = []
    sessions = _sessions(data, problems, notes)
    locations, accessibility = _locations(data, problems)
    is_free, charges = _charges(data)
    contact = (data.get("contacts") or [{}])[0]
    phones = contact.get("phones") or data.get("phones") or []
    languages = [
        str(item.get("name") or item.get("code")).strip()[:60]
        for item in data.get("languages") or []
        if item.get("name") or item.get("code")
    ]
    status = data.get("status") or ServiceStatus.ACTIVE
    reviewed = parse_date(str(data.get("assured_date") or "")) or timezone.localdate()
    fields = {
        "uuid": _uuid(data["id"]),
        "name": data["name"].strip()[:200],
        "description": (data.get("description") or "").strip(),
        "website": data.get("url") or "",
        "email": data.get("email") or "",
        "status": status,
        "minimum_age": low,
        "maximum_age": high,
        "is_free": is_free,
        "charges": charges,
        "opening_notes": "; ".join(notes)[:300],
        "accessibility": "\n".join(accessibility),
        "languages": languages,
        "contact_name": (contact.get("name") or "")[:120],
        "contact_title": (contact.get("title") or "")[:120],
        "phone": (phones[0].get("number") or "")[:30] if phones else "",
        "last_reviewed_on": min(reviewed, timezone.localdate()),
        **_areas(data, warnings),
    }
    candidate = Service(**{k: v for k, v in fields.items() if k != "uuid"})
    try:
        candidate.full_clean(
            exclude=["organisation", "search_vector", "categories", "editors", "uuid"]
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            problems += [f"{name}: {message}" for message in messages]
    categories = [
        attribute["taxonomy_term"]
        for attribute in data.get("attributes") or []
        if isinstance(attribute.get("taxonomy_term"), dict)
        and attribute["taxonomy_term"].get("name")
    ]
    result.warnings += [f"{label}: {w}" for w in warnings]
    if problems:
        result.errors += [f"{label}: {p}" for p in problems]
        return None
    return Planned(number, label, fields, organisation, sessions, locations, categories)


def _organisation(data: dict) -> Organisation:
    found = Organisation.objects.filter(uuid=data["id"]).first()
    if found is None and data.get("name"):
        found = Organisation.objects.filter(name__iexact=data["name"]).first()
    if found is None:
        found = Organisation(uuid=_uuid(data["id"]))
    for ours, theirs in (("name", "name"), ("description", "description"), ("email", "email")):
        if data.get(theirs):
            setattr(found, ours, data[theirs])
    if data.get("website"):
        found.website = data["website"]
    found.full_clean()
    found.save()
    return found


def _category(term: dict, result: Result) -> Category:
    found = None
    if term.get("id"):
        found = Category.objects.filter(uuid=term["id"]).first()
    if found is None:
        found = Category.objects.filter(name__iexact=term["name"].strip()).first()
    if found is None:
        found = Category(name=term["name"].strip()[:100], description=term.get("description", ""))
        if term.get("id"):
            found.uuid = _uuid(term["id"])
        found.full_clean()
        found.save()
        result.categories_added.append(found.name)
    return found


def _save(planned: Planned, publish: bool, source: str, result: Result) -> None:
    fields = dict(planned.service)
    service = Service.objects.filter(uuid=fields["uuid"]).first()
    creating = service is None
    if creating:
        service = Service(uuid=fields["uuid"], is_published=publish)
    for name, value in fields.items():
        setattr(service, name, value)
    service.organisation = _organisation(planned.organisation)
    categories = [_category(term, result) for term in planned.categories]
    service.category_names = " ".join(sorted(c.name for c in categories))
    service.full_clean(exclude=["search_vector", "categories", "editors"])
    service.save()
    service.categories.set(categories)
    service.sessions.all().delete()
    bulk_create_with_history(
        OpeningSession,
        [
            OpeningSession(service=service, weekday=d, opens_at=o, closes_at=c)
            for d, o, c in planned.sessions
        ],
    )
    keep = []
    for data in planned.locations:
        location = Location.objects.filter(uuid=data["uuid"]).first() or Location()
        for name, value in data.items():
            setattr(location, name, value)
        location.service = service
        location.save()
        keep.append(location.pk)
    service.locations.exclude(pk__in=keep).delete()
    record(
        None,
        Action.CREATE if creating else Action.UPDATE,
        obj=service,
        detail={"imported_from": source},
    )
    transaction.on_commit(forget_languages)
    if creating:
        result.created += 1
    else:
        result.updated += 1


def import_feed(
    feed: Any,
    *,
    source: str = "",
    publish: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Check every record of ``feed``, then save them all in one transaction, or none."""
    result = Result()
    records = records_in(feed)
    result.records = len(records)
    ids = [r.get("id") for r in records if isinstance(r, dict)]
    duplicates = sorted({str(i) for i in ids if ids.count(i) > 1})
    if duplicates:
        result.errors += [f"The feed has two records with the id {i}" for i in duplicates]
    planned = []
    for number, data in enumerate(records, start=1):
        item = plan(number, data, result)
        if item is not None:
            planned.append(item)
        if progress:
            progress(number, len(records) * 2)
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        for index, item in enumerate(planned, start=1):
            try:
                _save(item, publish, source, result)
            except ValidationError as error:
                result.errors += [f"{item.label}: {m}" for m in error.messages]
            if progress:
                progress(len(records) + index, len(records) * 2)
        if result.errors:
            transaction.set_rollback(True)
            result.created = result.updated = 0
    return result
