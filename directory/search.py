"""Finding services: PostgreSQL full-text search with ranking, and the filters.

The search vector is stored on each service (a generated column over its name, categories and
description, GIN-indexed), so a search is one indexed query however large the directory.
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Func, OuterRef, Q, QuerySet, Window
from rapidfuzz import fuzz, process

from directory.areas import Postcode
from directory.models import Category, OpeningSession, Service
from lisa import compiled

CONFIG = "english"


@dataclass
class Criteria:
    q: str = ""
    category: Category | None = None
    age: int | None = None
    postcode: Postcode | None = None
    day: int | None = None
    language: str | None = None
    free: bool = False
    # Open data filters
    taxonomy_term_ids: tuple = ()
    minimum_age: float | None = None
    maximum_age: float | None = None
    modified_after: object = None
    organisation_uuid: object = None
    opens_from: object = None
    closes_by: object = None
    # Match services with any of the words, not all of them (the fallback when all finds none).
    any_word: bool = False

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.q,
                self.category,
                self.age is not None,
                self.postcode,
                self.day is not None,
                self.language,
                self.free,
            )
        )


def text_query(criteria: Criteria) -> SearchQuery:
    """Every word must match (as in a web search engine: "quoted phrases", -excluded words),
    or, for the fallback, any one of them."""
    if criteria.any_word:
        words = [w for w in re.findall(r"\w+", criteria.q) if len(w) > 1]
        query = None
        for word in words[:10]:
            term = SearchQuery(word, config=CONFIG)
            query = term if query is None else query | term
        if query is not None:
            return query
    return SearchQuery(criteria.q, config=CONFIG, search_type="websearch")


def has_several_words(text: str) -> bool:
    return len([w for w in re.findall(r"\w+", text) if len(w) > 1]) > 1


def serving_postcode(postcode: Postcode) -> Q:
    """Services serving this postcode: its district, its ward, or (inside the borough) the
    whole borough."""
    condition = Q(postcode_districts__contains=[postcode.district])
    if postcode.ward:
        condition |= Q(wards__contains=[postcode.ward]) | Q(serves_whole_borough=True)
    return condition


def apply(services: QuerySet[Service], criteria: Criteria) -> QuerySet[Service]:
    """``services`` narrowed by ``criteria``; ranked by relevance when there is text."""
    if criteria.category is not None:
        services = services.filter(categories=criteria.category)
    if criteria.taxonomy_term_ids:
        services = services.filter(
            Exists(
                Service.categories.through.objects.filter(
                    service=OuterRef("pk"), category__uuid__in=criteria.taxonomy_term_ids
                )
            )
        )
    if criteria.age is not None:
        services = services.filter(
            Q(minimum_age__isnull=True) | Q(minimum_age__lte=criteria.age),
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=criteria.age),
        )
    # Open Referral's meaning: "a minimum age of at least" / "a maximum age at or below".
    if criteria.minimum_age is not None:
        services = services.filter(minimum_age__gte=criteria.minimum_age)
    if criteria.maximum_age is not None:
        services = services.filter(maximum_age__lte=criteria.maximum_age)
    if criteria.postcode is not None:
        services = services.filter(serving_postcode(criteria.postcode))
    if criteria.day is not None or criteria.opens_from or criteria.closes_by:
        sessions = OpeningSession.objects.filter(service=OuterRef("pk"))
        if criteria.day is not None:
            sessions = sessions.filter(weekday=criteria.day)
        if criteria.opens_from:
            sessions = sessions.filter(opens_at__gte=criteria.opens_from)
        if criteria.closes_by:
            sessions = sessions.filter(closes_at__lte=criteria.closes_by)
        services = services.filter(Exists(sessions))
    if criteria.language:
        services = services.filter(languages__contains=[criteria.language])
    if criteria.free:
        services = services.filter(is_free=True)
    if criteria.modified_after is not None:
        services = services.filter(updated_at__gte=criteria.modified_after)
    if criteria.organisation_uuid is not None:
        services = services.filter(organisation__uuid=criteria.organisation_uuid)
    if criteria.q:
        query = text_query(criteria)
        services = (
            services.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "name", "pk")
        )
    else:
        services = services.order_by("name", "pk")
    return services


def suggest_categories(text: str, categories: list[Category], limit: int = 3) -> list[Category]:
    """Categories whose names are close to ``text`` (spelling slips, near words)."""
    if not text:
        return []
    names = {category.name: category for category in categories}
    matches = process.extract(text, list(names), scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
    return [names[name] for name, _score, _ in matches]


LANGUAGES_CACHE_SECONDS = 300
# Changed whenever an entry is saved: a list kept under another stamp is out of date.
LANGUAGES_STAMP_KEY = "directory:languages:stamp"


def languages_in_use(services: QuerySet[Service], name: str) -> list[str]:
    """The languages spoken at ``services`` (which entries: ``name`` says, e.g. "public"), for
    the language filter. Kept for five minutes
    in the cache every server shares, as it changes rarely and costs a table scan; a save on
    any server makes every server's next page work it out afresh (:func:`forget_languages`).

    Each list is kept with the stamp current when it was worked out, and used only while that
    stamp is still current. One read fetches both. A list worked out from the entries as they
    were just before a save is therefore never used after it, whichever server stored it."""
    key = f"directory:languages:{name}"
    found = cache.get_many([key, LANGUAGES_STAMP_KEY])
    stamp = found.get(LANGUAGES_STAMP_KEY)
    kept = found.get(key)
    if stamp is not None and isinstance(kept, tuple) and kept[0] == stamp:
        return kept[1]
    if stamp is None:
        # No stamp yet (or the cache lost it): start one, unless another server just has.
        fresh = secrets.token_hex(8)
        stamp = fresh if cache.add(LANGUAGES_STAMP_KEY, fresh, None) else None
    rows = (
        services.order_by()
        .annotate(language=Func(F("languages"), function="unnest"))
        .values_list("language", flat=True)
        .distinct()
    )
    languages = sorted(set(rows))
    if stamp is not None:
        cache.set(key, (stamp, languages), LANGUAGES_CACHE_SECONDS)
    return languages


def forget_languages() -> None:
    """Called when entries change (after the change is committed), so the language filter on
    every server offers what is there now."""
    cache.set(LANGUAGES_STAMP_KEY, secrets.token_hex(8), None)


# What a result in a list shows: fetching only this keeps each search light.
LIST_FIELDS = (
    "id",
    "name",
    "description",
    "minimum_age",
    "maximum_age",
    "is_free",
    "status",
    "is_published",
    "last_reviewed_on",
    "organisation__name",
)


class _Total:
    """Stands in for a queryset whose size is already known, so the paginator need not count."""

    def __init__(self, total: int):
        self.total = total

    def count(self) -> int:
        return self.total


# The search pages show this many services a page.
PAGE_SIZE = 20


def services_for(public: bool) -> QuerySet[Service]:
    """The entries a search looks among: the public's, or the practitioners' (which also
    shows those temporarily closed)."""
    return Service.objects.public() if public else Service.objects.for_practitioners()


def _page_number(number) -> int:
    try:
        return max(1, int(number))
    except (TypeError, ValueError):
        return 1


def results_page(public: bool, criteria: Criteria, number) -> Page:
    """One page of the services (the public's, or the practitioners') matching ``criteria``,
    with their organisations and the names of their categories (``category_list``).

    A text search must rank every match before it can show the best twenty, so its total comes
    back with the page's rows (a window count) rather than from a second scan. Without text,
    the page is read in name order from an index and counted separately, which PostgreSQL
    plans better than a window over the whole table.

    The first page of the searches people make most (words, a category, free only) is asked
    through queries worked out once per process (:func:`_first_page`).
    """
    size = PAGE_SIZE
    number = _page_number(number)
    rows = None
    if number == 1 and _kept_shape(criteria):
        rows, total = _first_page(public, criteria)
    else:
        found = _listed(services_for(public), criteria)
        if criteria.q:
            rows = list(_with_total(found)[(number - 1) * size : number * size])
            total = rows[0].total_found if rows else (found.count() if number > 1 else 0)
        else:
            total = found.count()
    last = max(1, math.ceil(total / size))
    if number > last:  # past the end: show the last page
        number, rows = last, None
    if rows is None:
        rows = list(_listed(services_for(public), criteria)[(number - 1) * size : number * size])
    _add_category_names(rows)
    return Page(rows, number, Paginator(_Total(total), size))


def _listed(services: QuerySet[Service], criteria: Criteria) -> QuerySet[Service]:
    return apply(services, criteria).select_related("organisation").only(*LIST_FIELDS)


def _with_total(found: QuerySet[Service]) -> QuerySet[Service]:
    """Each row with the number of rows found (``total_found``), counted with the ranking."""
    return found.annotate(total_found=Window(Count("pk")))


def _kept_shape(criteria: Criteria) -> bool:
    """Whether the search is of the kind :func:`_first_page` asks through kept queries: words,
    a category, free only, and nothing else. (An age or a day is compared with a small number,
    and Django answers a comparison with one out of its range without asking, so the stand-ins
    a query is built with could not stand for them.)"""
    if criteria.category is not None and criteria.category.pk is None:
        return False  # as built, Django refuses an unsaved category rather than ignore it
    return criteria == Criteria(q=criteria.q, category=criteria.category, free=criteria.free)


def _simple_criteria(q, category_id, free) -> Criteria:
    category = None if category_id is None else Category(pk=category_id)
    return Criteria(q=q or "", category=category, free=free)


def _ranked(public, q, category_id, free):
    found = _listed(services_for(public), _simple_criteria(q, category_id, free))
    return _with_total(found)[:PAGE_SIZE]


def _in_name_order(public, category_id, free):
    found = _listed(services_for(public), _simple_criteria(None, category_id, free))
    return found[:PAGE_SIZE]


def _matching(public, category_id, free):
    return apply(services_for(public), _simple_criteria(None, category_id, free))


def _first_page(public: bool, criteria: Criteria) -> tuple[list[Service], int]:
    """The first page and the total, through queries kept once per process for each shape
    (lisa/compiled.py)."""
    values = {
        "public": public,
        "category_id": criteria.category.pk if criteria.category is not None else None,
        "free": criteria.free,
    }
    if criteria.q:
        rows = compiled.rows("directory_ranked", _ranked, q=criteria.q, **values)
        return rows, rows[0].total_found if rows else 0
    total = compiled.count("directory_matching", _matching, **values)
    rows = compiled.rows("directory_in_name_order", _in_name_order, **values) if total else []
    return rows, total


def _category_names(service_ids):
    return (
        Service.categories.through.objects.filter(service_id__in=service_ids)
        .order_by("category__name")
        .values_list("service_id", "category__name")
    )


def _add_category_names(services: list[Service]) -> None:
    """Each service's ``category_list``: the names of its categories in name order, for the
    page's services in one query (names only: no category objects are made)."""
    names: dict[int, list[str]] = {service.pk: [] for service in services}
    if names:
        pairs = compiled.rows("directory_category_names", _category_names, service_ids=list(names))
        for service_id, name in pairs:
            names[service_id].append(name)
    for service in services:
        service.category_list = names[service.pk]
