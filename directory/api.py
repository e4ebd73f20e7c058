"""The open-data API: the published directory as Open Referral UK (HSDS 3.0) JSON.

Read-only, public, no key. Every response carries ``Access-Control-Allow-Origin: *`` and each
client address may make a limited number of requests a minute (``LISA_DIRECTORY_API_RATE``,
default 120); beyond that the answer is 429 with ``Retry-After``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from functools import wraps
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from django.utils.timezone import is_naive, make_aware

from directory import opendata
from directory.areas import parse_postcode
from directory.models import RRULE_DAYS, WEEKDAYS, Category, Location, Organisation, Service
from directory.openapi import document_json
from directory.search import Criteria, apply
from lisa import ratelimit
from lisa.access import public
from lisa.network import client_ip
from lisa.replica import tolerating_delay

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200


class BadRequest(Exception):
    pass


def _rate() -> tuple[int, int]:
    limit = int(getattr(settings, "LISA_DIRECTORY_API_RATE", 120))
    period = int(getattr(settings, "LISA_DIRECTORY_API_PERIOD", 60))
    return limit, period


def _throttled(request: HttpRequest) -> int:
    """Seconds to wait if this address has used up its requests for now, else 0.

    Counted in the database (``lisa.ratelimit``), not in the cache: every server adds to one
    count with one atomic statement, so two servers behind a load balancer allow no more than
    one would. (The database cache's ``incr`` reads and writes back, which two servers can
    interleave; only Redis's is atomic, and Redis is optional.)"""
    limit, period = _rate()
    return ratelimit.hit("directory-api", client_ip(request), limit=limit, period=period)


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def endpoint(view: Callable) -> Callable:
    """A public, throttled, read-only open-data endpoint answering in JSON with CORS."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            response["Access-Control-Max-Age"] = "86400"
        elif request.method not in ("GET", "HEAD"):
            response = _json({"error": "This API is read-only: use GET."}, status=405)
            response["Allow"] = "GET, HEAD, OPTIONS"
        elif wait := _throttled(request):
            response = _json(
                {"error": f"Too many requests. Try again in {wait} seconds."}, status=429
            )
            response["Retry-After"] = str(wait)
        else:
            try:
                response = view(request, *args, **kwargs)
            except BadRequest as error:
                response = _json({"error": str(error)}, status=400)
            except Http404 as error:
                response = _json({"error": str(error) or "Not found."}, status=404)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    # Cross-site API: no session, so no CSRF token to check on the (refused) writes.
    wrapped.csrf_exempt = True
    # Not in a transaction for the whole request: the throttle's count is committed at once,
    # so every server sees it, and the client's row is not kept locked while the answer is
    # worked out. The views only read (each query sees what is committed when it runs, as it
    # would inside a transaction at PostgreSQL's default isolation).
    return public(transaction.non_atomic_requests(wrapped))


# --- parameters -------------------------------------------------------------------------------


def _int(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number.") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}.")
    return value


def _number(request: HttpRequest, name: str) -> float | None:
    raw = request.GET.get(name, "")
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a number.") from None
    if value < 0 or not math.isfinite(value):
        raise BadRequest(f"{name} must be 0 or more.")
    return value


def _uuid(value: str, name: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise BadRequest(f"{name} must be a UUID.") from None


def _path_uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise Http404("There is nothing with that id.") from None


def _day(raw: str) -> int | None:
    if not raw:
        return None
    value = raw.strip().upper()
    if value in RRULE_DAYS:
        return RRULE_DAYS.index(value)
    names = [day.upper() for day in WEEKDAYS]
    if value in names:
        return names.index(value)
    raise BadRequest("day must be a weekday, such as MO or Monday.")


def _time(raw: str, name: str):
    if not raw:
        return None
    try:  # parse_time raises ValueError for well-formed impossible times, such as 25:99
        value = parse_time(raw)
    except ValueError:
        value = None
    if value is None:
        raise BadRequest(f"{name} must be a time, such as 09:30.")
    return value


def _modified_after(raw: str):
    if not raw:
        return None
    # The parsers raise ValueError for well-formed impossible dates, such as 2026-02-30.
    try:
        value = parse_datetime(raw)
        day = parse_date(raw) if value is None else None
    except ValueError:
        value = day = None
    if value is None:
        if day is None:
            raise BadRequest("modified_after must be a date or date-time (ISO 8601).")
        value = dt.datetime.combine(day, dt.time())
    value = make_aware(value) if is_naive(value) else value
    # In UTC: ISO 8601 allows offsets up to 23:59, PostgreSQL only up to 15:59.
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00, after the last date there is
        raise BadRequest("modified_after must be a date or date-time (ISO 8601).") from None


def _criteria(request: HttpRequest) -> Criteria:
    get = request.GET
    criteria = Criteria(
        q=" ".join((get.get("text") or get.get("search") or "").split())[:200],
        minimum_age=_number(request, "minimum_age"),
        maximum_age=_number(request, "maximum_age"),
        modified_after=_modified_after(get.get("modified_after", "")),
        day=_day(get.get("day", "")),
        opens_from=_time(get.get("start_time", ""), "start_time"),
        closes_by=_time(get.get("end_time", ""), "end_time"),
    )
    if get.get("taxonomy_term_id"):
        criteria.taxonomy_term_ids = tuple(
            _uuid(value.strip(), "taxonomy_term_id")
            for value in get["taxonomy_term_id"].split(",")
            if value.strip()
        )
    if get.get("organization_id"):
        criteria.organisation_uuid = _uuid(get["organization_id"], "organization_id")
    if get.get("postcode"):
        try:
            criteria.postcode = parse_postcode(get["postcode"])
        except ValidationError:
            raise BadRequest("postcode must be a full UK postcode, such as SE6 4RU.") from None
    return criteria


def _taxonomy_filter(request: HttpRequest, services: QuerySet) -> QuerySet:
    taxonomy_id = request.GET.get("taxonomy_id", "")
    if not taxonomy_id:
        return services
    if _uuid(taxonomy_id, "taxonomy_id") != opendata.TAXONOMY_ID:
        return services.none()
    return services.filter(categories__isnull=False).distinct()


def _paged(request: HttpRequest, items, serialise: Callable) -> dict:
    """The standard's paging fields around one page of ``items`` (a queryset or list)."""
    page = _int(request, "page", 1, 1, 1_000_000)
    per_page = _int(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    total = items.count() if isinstance(items, QuerySet) else len(items)
    total_pages = max(1, math.ceil(total / per_page))
    contents = [serialise(item) for item in items[(page - 1) * per_page : page * per_page]]
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": total == 0,
        "contents": contents,
    }


def _categories() -> Prefetch:
    return Prefetch("categories", queryset=Category.objects.select_related("parent"))


def _public_services() -> QuerySet[Service]:
    return Service.objects.public().select_related("organisation")


# --- endpoints --------------------------------------------------------------------------------


@endpoint
def index(request: HttpRequest) -> HttpResponse:
    """Anyone: which version of the standard this API follows."""
    return _json(
        {
            "version": opendata.HSDS_VERSION,
            "profile": opendata.PROFILE_URL,
            "openapi_url": request.build_absolute_uri(reverse("oruk:openapi")),
        }
    )


@endpoint
def openapi(request: HttpRequest) -> HttpResponse:
    """Anyone: the description of this API, complete (HSDS 3.0 with the UK profile)."""
    return HttpResponse(document_json(), content_type="application/json")


@endpoint
@tolerating_delay()
def services(request: HttpRequest) -> HttpResponse:
    """Anyone: active, published services, paged, with the standard's filters."""
    found = apply(_public_services(), _criteria(request))
    found = _taxonomy_filter(request, found)
    return _json(_paged(request, found, opendata.service_summary))


@endpoint
@tolerating_delay()
def service(request: HttpRequest, id: str) -> HttpResponse:  # noqa: A002 - the standard's name
    """Anyone: one active, published service with everything about it."""
    found = (
        _public_services()
        .prefetch_related(_categories(), "sessions", "locations")
        .filter(uuid=_path_uuid(id))
        .first()
    )
    if found is None:
        raise Http404("No published service has that id.")
    return _json(opendata.service_full(found))


@endpoint
@tolerating_delay()
def service_at_locations(request: HttpRequest) -> HttpResponse:
    """Anyone: each place where an active, published service is delivered, paged."""
    criteria = _criteria(request)
    matching = _taxonomy_filter(request, apply(_public_services(), criteria))
    locations = (
        Location.objects.filter(service__in=matching.values("pk"))
        .select_related("service__organisation")
        .order_by("service__name", "pk")
    )
    return _json(
        _paged(request, locations, lambda loc: opendata.service_at_location(loc, loc.service))
    )


@endpoint
@tolerating_delay()
def service_at_location(request: HttpRequest, id: str) -> HttpResponse:  # noqa: A002
    """Anyone: one place where an active, published service is delivered."""
    found = (
        Location.objects.filter(
            service_at_location_uuid=_path_uuid(id), service__in=Service.objects.public()
        )
        .select_related("service__organisation")
        .first()
    )
    if found is None:
        raise Http404("No published service at location has that id.")
    return _json(opendata.service_at_location(found, found.service, full=True))


@endpoint
def taxonomies(request: HttpRequest) -> HttpResponse:
    """Anyone: the directory's taxonomy (there is one)."""
    return _json(_paged(request, [None], lambda _: opendata.taxonomy()))


@endpoint
@tolerating_delay()
def taxonomy(request: HttpRequest, id: str) -> HttpResponse:  # noqa: A002
    """Anyone: the directory's taxonomy with its terms."""
    if _path_uuid(id) != opendata.TAXONOMY_ID:
        raise Http404("No taxonomy has that id.")
    terms = list(Category.objects.select_related("parent"))
    return _json(opendata.taxonomy(with_terms=terms))


@endpoint
@tolerating_delay()
def taxonomy_terms(request: HttpRequest) -> HttpResponse:
    """Anyone: the categories, paged."""
    terms = Category.objects.select_related("parent").order_by("name", "pk")
    taxonomy_id = request.GET.get("taxonomy_id", "")
    if taxonomy_id and _uuid(taxonomy_id, "taxonomy_id") != opendata.TAXONOMY_ID:
        terms = terms.none()
    return _json(_paged(request, terms, opendata.taxonomy_term))


@endpoint
@tolerating_delay()
def taxonomy_term(request: HttpRequest, id: str) -> HttpResponse:  # noqa: A002
    """Anyone: one category."""
    found = Category.objects.select_related("parent").filter(uuid=_path_uuid(id)).first()
    if found is None:
        raise Http404("No taxonomy term has that id.")
    return _json(opendata.taxonomy_term(found))


@endpoint
@tolerating_delay()
def organizations(request: HttpRequest) -> HttpResponse:
    """Anyone: the organisations that provide services, paged."""
    found = Organisation.objects.order_by("name", "pk")
    text = " ".join((request.GET.get("text") or request.GET.get("search") or "").split())
    if text:
        found = found.filter(name__icontains=text[:200])
    return _json(_paged(request, found, opendata.organisation))


@endpoint
@tolerating_delay()
def organization(request: HttpRequest, id: str) -> HttpResponse:  # noqa: A002
    """Anyone: one organisation with its active, published services."""
    found = Organisation.objects.filter(uuid=_path_uuid(id)).first()
    if found is None:
        raise Http404("No organization has that id.")
    offered = list(_public_services().filter(organisation=found).order_by("name", "pk"))
    return _json(opendata.organisation(found, services=offered))
