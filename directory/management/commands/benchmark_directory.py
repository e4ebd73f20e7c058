"""Time directory searches over a large invented directory.

    python manage.py benchmark_directory [--services 5000] [--runs 300] [--keep]

Adds the invented services with bulk inserts inside a transaction, runs a mix of searches
(free text, each filter, and combinations) the way the search pages run them, reports the
50th and 95th percentiles, and rolls everything back (unless --keep). The figures are
recorded in docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import RequestFactory

from directory.areas import BOROUGH_DISTRICTS, WARDS, parse_postcode
from directory.demo import CATEGORIES
from directory.history import bulk_create_with_history, log_m2m_added
from directory.models import (
    LANGUAGES,
    Category,
    OpeningSession,
    Organisation,
    Service,
    ServiceStatus,
)
from directory.search import Criteria, results_page
from directory.views import public_search

ADJECTIVES = ["Community", "Family", "Young", "Riverside", "Borough", "Neighbourhood", "Local",
              "Parkside", "Hilltop", "Creekside", "Green", "Open"]  # fmt: skip
NOUNS = ["Club", "Group", "Hub", "Drop-in", "Project", "Service", "Centre", "Network",
         "Programme", "Clinic", "Café", "Workshop"]  # fmt: skip
TOPICS = ["parenting", "speech and language", "youth", "mental health", "food", "housing",
          "special educational needs", "domestic abuse", "early years", "benefits", "sport",
          "young carers", "homework", "football", "music", "cooking", "swimming",
          "breastfeeding", "sleep", "behaviour", "reading", "debt", "tenancy",
          "counselling"]  # fmt: skip
SENTENCES = [
    "A friendly {topic} {noun} for families in the area.",
    "Practical help with {topic}, run by trained staff and volunteers.",
    "Drop in to talk about {topic}; no appointment is needed.",
    "Weekly sessions on {topic} with a crèche for younger children.",
    "Advice and support with {topic} for children, young people and their carers.",
]
QUERIES = ["parenting", "speech", "youth club", "food bank", "housing advice", "autism",
           "mental health", "football", "breastfeeding support", "debt", "homework club",
           "domestic abuse", "swimming lessons", "sleep", "young carers",
           "counselling"]  # fmt: skip


def _invent(count: int, rng: random.Random) -> int:
    categories = []
    for name, description in CATEGORIES:
        category, _ = Category.objects.get_or_create(
            name=name, defaults={"description": description}
        )
        categories.append(category)
    # Bulk inserts, each with its field history written in bulk as well (as an import would).
    organisations = bulk_create_with_history(
        Organisation,
        [
            Organisation(name=f"Benchmark organisation {n:03}", description="Invented")
            for n in range(max(1, count // 100))
        ],
    )
    services = []
    chosen_categories = []
    for number in range(count):
        topic = rng.choice(TOPICS)
        noun = rng.choice(NOUNS)
        picked = rng.sample(categories, rng.randint(1, 3))
        low = rng.choice([None, 0, 0, 2, 5, 8, 11, 13, 16])
        high = rng.choice([None, 4, 5, 11, 16, 18, 19, 25])
        if low is not None and high is not None and low > high:
            low, high = high, low
        whole = rng.random() < 0.4
        services.append(
            Service(
                organisation=rng.choice(organisations),
                name=f"{rng.choice(ADJECTIVES)} {topic.title()} {noun} {number}",
                description=" ".join(
                    rng.choice(SENTENCES).format(topic=rng.choice(TOPICS), noun=noun.lower())
                    for _ in range(3)
                ),
                category_names=" ".join(sorted(c.name for c in picked)),
                minimum_age=low,
                maximum_age=high,
                is_free=rng.random() < 0.8,
                charges="",
                languages=["English", *rng.sample(LANGUAGES[1:], rng.randint(0, 3))],
                serves_whole_borough=whole,
                wards=[] if whole else rng.sample(WARDS, rng.randint(1, 4)),
                postcode_districts=[] if whole else rng.sample(BOROUGH_DISTRICTS, 1),
                status=ServiceStatus.ACTIVE if rng.random() < 0.95 else ServiceStatus.INACTIVE,
                is_published=rng.random() < 0.97,
                last_reviewed_on=dt.date.today() - dt.timedelta(days=rng.randint(0, 300)),
            )
        )
        chosen_categories.append(picked)
    for service in services:
        if not service.is_free:
            service.charges = "£2 a session"
    services = bulk_create_with_history(Service, services, batch_size=1000)
    through = Service.categories.through
    through.objects.bulk_create(
        (
            through(service_id=service.pk, category_id=category.pk)
            for service, picked in zip(services, chosen_categories, strict=True)
            for category in picked
        ),
        batch_size=5000,
    )
    log_m2m_added("categories", zip(services, chosen_categories, strict=True))
    sessions = []
    for service in services:
        for day in rng.sample(range(7), rng.randint(1, 5)):
            start = rng.choice([9, 10, 13, 16, 18])
            sessions.append(
                OpeningSession(
                    service_id=service.pk,
                    weekday=day,
                    opens_at=dt.time(start),
                    closes_at=dt.time(start + rng.choice([1, 2, 3])),
                )
            )
    bulk_create_with_history(OpeningSession, sessions, batch_size=5000)
    with connection.cursor() as cursor:
        for table in ("service", "service_categories", "openingsession"):
            cursor.execute(f"ANALYZE directory_{table}")
    return len(services)


def _criteria(rng: random.Random, categories: list[Category]) -> Criteria:
    kind = rng.randrange(8)
    criteria = Criteria()
    if kind in (0, 1, 2, 5, 6):
        criteria.q = rng.choice(QUERIES)
    if kind in (3, 5):
        criteria.category = rng.choice(categories)
    if kind in (4, 6, 7):
        criteria.age = rng.randint(0, 18)
    if kind in (2, 7):
        criteria.postcode = parse_postcode(rng.choice(["SE6 4RU", "SE8 4RJ", "SE13 7HU"]))
    if kind == 6:
        criteria.day = rng.randrange(7)
        criteria.free = True
    if kind == 7:
        criteria.language = rng.choice(LANGUAGES[:6])
    return criteria


def _search_once(criteria: Criteria) -> int:
    """What the search page does against the database."""
    return len(results_page(True, criteria, 1).object_list)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


class Command(BaseCommand):
    help = "Time directory searches over thousands of invented services (rolled back after)."

    def add_arguments(self, parser):
        parser.add_argument("--services", type=int, default=5000)
        parser.add_argument("--runs", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--keep", action="store_true", help="Keep the invented services.")

    def handle(self, *args, services: int, runs: int, seed: int, keep: bool, **options):
        rng = random.Random(seed)
        # Earlier rolled-back runs leave dead rows behind: clear them so each run starts from a
        # table as a live directory would have it.
        if not connection.in_atomic_block:  # VACUUM cannot run inside a transaction
            with connection.cursor() as cursor:
                for table in ("service", "service_categories", "openingsession"):
                    cursor.execute(f"VACUUM ANALYZE directory_{table}")
        with transaction.atomic():
            started = time.perf_counter()
            added = _invent(services, rng)
            self.stdout.write(
                f"Added {added} invented services in {time.perf_counter() - started:.1f} s "
                f"({Service.objects.count()} in the directory)."
            )
            categories = list(Category.objects.all())
            for _ in range(20):  # warm the caches and the connection
                _search_once(_criteria(rng, categories))
            query_ms = []
            for _ in range(runs):
                criteria = _criteria(rng, categories)
                begin = time.perf_counter()
                _search_once(criteria)
                query_ms.append((time.perf_counter() - begin) * 1000)
            factory = RequestFactory()
            page_ms = []
            for _ in range(max(runs // 3, 20)):
                params = {"q": rng.choice(QUERIES)}
                if rng.random() < 0.5:
                    params["age"] = str(rng.randint(0, 18))
                if rng.random() < 0.3:
                    params["postcode"] = "SE6 4RU"
                request = factory.get("/directory/public/", params, HTTP_HOST="localhost")
                request.user = AnonymousUser()
                begin = time.perf_counter()
                response = public_search(request)
                page_ms.append((time.perf_counter() - begin) * 1000)
                assert response.status_code == 200
            for label, values in (("search queries", query_ms), ("whole page", page_ms)):
                self.stdout.write(
                    f"{label:15} n={len(values):4}  p50 {statistics.median(values):6.1f} ms  "
                    f"p95 {_percentile(values, 0.95):6.1f} ms  max {max(values):6.1f} ms"
                )
            if not keep:
                transaction.set_rollback(True)
                self.stdout.write("Rolled back: the invented services are gone.")
