"""The directory as Open Referral UK (HSDS 3.0) JSON.

Identifiers are UUIDs. Records the standard needs but LISA keeps inside a service (its
schedules, areas, languages, contact) get UUIDs derived from the service's own, so they are
stable from one request to the next.
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID, uuid5

from directory.models import RRULE_DAYS, Category, Location, Organisation, Service

HSDS_VERSION = "3.0"
PROFILE_URL = "https://openreferraluk.org/"

# The directory's one taxonomy: the categories the central team manages.
TAXONOMY_ID = UUID("6f3b0c1e-5a4d-4e0b-9c61-2f0d2b8a7c11")
TAXONOMY_NAME = "LISA service directory categories"
TAXONOMY_DESCRIPTION = (
    "The categories of local services for children, young people and families, managed by the "
    "LISA central team."
)


def _id(value) -> str:
    return str(value)


def _child_id(service: Service, kind: str, key: str = "") -> str:
    return str(uuid5(service.uuid, f"{kind}:{key}"))


def _datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _drop_empty(data: dict) -> dict:
    """Leave out optional fields that have no value (the standard has no nulls for them)."""
    return {key: value for key, value in data.items() if value not in (None, "")}


def taxonomy(with_terms: list[Category] | None = None) -> dict:
    data = {
        "id": _id(TAXONOMY_ID),
        "name": TAXONOMY_NAME,
        "description": TAXONOMY_DESCRIPTION,
        "version": "1",
    }
    if with_terms is not None:
        data["taxonomy_terms"] = [taxonomy_term(term) for term in with_terms]
    return data


def taxonomy_term(category: Category) -> dict:
    return _drop_empty(
        {
            "id": _id(category.uuid),
            "name": category.name,
            "description": category.description or category.name,
            "parent_id": _id(category.parent.uuid) if category.parent_id else None,
            "taxonomy": TAXONOMY_NAME,
            "taxonomy_id": _id(TAXONOMY_ID),
            "term": category.name,
        }
    )


def organisation(org: Organisation, services: list[Service] | None = None) -> dict:
    data = _drop_empty(
        {
            "id": _id(org.uuid),
            "name": org.name,
            "description": org.description or org.name,
            "email": org.email,
            "website": org.website,
        }
    )
    if services is not None:
        data["services"] = [service_summary(s, with_organisation=False) for s in services]
    return data


def service_summary(service: Service, *, with_organisation: bool = True) -> dict:
    """The one-to-one fields of a service (the list form)."""
    data = _drop_empty(
        {
            "id": _id(service.uuid),
            "organization_id": _id(service.organisation.uuid),
            "name": service.name,
            "description": service.description,
            "url": service.website,
            "email": service.email,
            "status": service.status,
            "fees": "Free" if service.is_free else service.charges,
            "minimum_age": service.minimum_age,
            "maximum_age": service.maximum_age,
            "assured_date": service.last_reviewed_on.isoformat(),
            "last_modified": _datetime(service.updated_at),
        }
    )
    if with_organisation:
        data["organization"] = organisation(service.organisation)
    return data


def _schedules(service: Service) -> list[dict]:
    return [
        {
            "id": _child_id(service, "schedule", f"{s.weekday}-{s.opens_at}-{s.closes_at}"),
            "service_id": _id(service.uuid),
            "freq": "WEEKLY",
            "interval": 1,
            "byday": RRULE_DAYS[s.weekday],
            "opens_at": s.opens_at.strftime("%H:%M:%S"),
            "closes_at": s.closes_at.strftime("%H:%M:%S"),
            "description": str(s),
            **({"notes": service.opening_notes} if service.opening_notes else {}),
        }
        for s in service.sessions.all()
    ]


def _service_areas(service: Service) -> list[dict]:
    areas = []
    if service.serves_whole_borough:
        areas.append(("borough", "The whole borough"))
    areas += [("ward", f"Ward: {ward}") for ward in service.wards]
    areas += [("district", f"Postcode district: {d}") for d in service.postcode_districts]
    return [
        {
            "id": _child_id(service, "area", name),
            "service_id": _id(service.uuid),
            "name": name,
            "service_area": name,
            "extent_type": kind,
        }
        for kind, name in areas
    ]


def location(loc: Location, service: Service, *, full: bool = True) -> dict:
    data = _drop_empty(
        {
            "id": _id(loc.uuid),
            "location_type": "physical",
            "name": loc.name or loc.address_1,
            "description": f"Where {service.name} is delivered",
        }
    )
    if full:
        data["addresses"] = [
            _drop_empty(
                {
                    "id": str(uuid5(loc.uuid, "address")),
                    "location_id": _id(loc.uuid),
                    "address_1": ", ".join(p for p in (loc.address_1, loc.address_2) if p),
                    "city": loc.city,
                    "state_province": loc.state_province or loc.city,
                    "postal_code": loc.postcode,
                    "country": loc.country,
                    "address_type": "physical",
                }
            )
        ]
        if service.accessibility:
            data["accessibility"] = [
                {
                    "id": str(uuid5(loc.uuid, "accessibility")),
                    "location_id": _id(loc.uuid),
                    "description": service.accessibility,
                }
            ]
    return data


def service_at_location(loc: Location, service: Service, *, full: bool = False) -> dict:
    return {
        "id": _id(loc.service_at_location_uuid),
        "service_id": _id(service.uuid),
        "location_id": _id(loc.uuid),
        "location": location(loc, service, full=full),
        "service": service_summary(service),
    }


def service_full(service: Service) -> dict:
    """A service with everything that hangs off it."""
    data = service_summary(service)
    data["schedules"] = _schedules(service)
    data["service_areas"] = _service_areas(service)
    data["service_at_locations"] = [
        {
            "id": _id(loc.service_at_location_uuid),
            "service_id": _id(service.uuid),
            "location_id": _id(loc.uuid),
            "location": location(loc, service),
        }
        for loc in service.locations.all()
    ]
    data["languages"] = [
        {"id": _child_id(service, "language", name), "service_id": _id(service.uuid), "name": name}
        for name in service.languages
    ]
    data["funding"] = []
    data["cost_options"] = (
        []
        if service.is_free
        else [
            {
                "id": _child_id(service, "cost"),
                "service_id": _id(service.uuid),
                "option": "Charge",
                "amount_description": service.charges,
            }
        ]
    )
    contact = _drop_empty(
        {
            "id": _child_id(service, "contact"),
            "service_id": _id(service.uuid),
            "name": service.contact_name,
            "title": service.contact_title,
        }
    )
    if service.phone:
        contact["phones"] = [{"id": _child_id(service, "phone"), "number": service.phone}]
    data["contacts"] = [contact] if len(contact) > 2 else []
    data["attributes"] = [
        {
            "id": _child_id(service, "attribute", str(category.uuid)),
            "link_id": _id(service.uuid),
            "link_type": "service",
            "taxonomy_term_id": _id(category.uuid),
            "taxonomy_term": taxonomy_term(category),
        }
        for category in service.categories.all()
    ]
    return data
