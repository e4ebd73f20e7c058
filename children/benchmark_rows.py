"""A large invented child index, loaded fast: the children of ``benchmark_child_search`` and of
the load test (loadtest/data.py).

Names come from :mod:`children.invented_names`, with 1% twins (same surname, date of birth and
address); dates of birth over 0-17 years; postcodes across London's districts; 80% with an NHS
number. Worker processes make the rows, their search keys computed as the application does
(:func:`children.matching.child_keys`), and :func:`load` writes them with COPY; the table's
secondary indexes are dropped for the load and built after it.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
import time
from io import StringIO

from django.db import connection

from children import invented_names, matching
from children.validators import lisa_ref_check, nhs_check_digit

BATCH = 50_000
TODAY = dt.date(2026, 12, 1)
COLUMNS = (
    "lisa_ref, forenames, surname, other_names, date_of_birth, gender, address_line_1, "
    "address_line_2, town, postcode, postcode_district, nhs_number, upn, school, "
    "first_language, interpreter_needed, shielded, status, search_keys, created_at, updated_at"
)


def nhs_number(n: int) -> str:
    """A valid, unique NHS number for the n-th invented child."""
    base = 400_000_000 + n * 7
    while True:
        first = f"{base:09d}"
        check = nhs_check_digit(first)
        if check is not None:
            return first + str(check)
        base += 1


def lisa_ref(n: int) -> str:
    """The n-th reference (from 1): seven digits while they last, then eight."""
    digits = f"{n:07d}" if n < 10_000_000 else f"{n:08d}"
    return f"L{digits}{lisa_ref_check(digits)}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy_rows(job: tuple[int, int, int]) -> str:
    """COPY text (the :data:`COLUMNS`) for children ``start`` to ``end`` - 1 of the index made
    with ``seed``: ``job`` is ``(start, end, seed)``, so that a pool of processes can share
    the work."""
    start, end, seed = job
    rng = random.Random(seed * 1_000_003 + start)
    source = invented_names.NameSource()
    now = dt.datetime.now(dt.UTC).isoformat()
    out = StringIO()
    twin_of = None
    for n in range(start, end):
        if twin_of is not None:
            invented, born, postcode, district = twin_of
            invented = source.twin(rng, invented)
            twin_of = None
        else:
            invented = source.child(rng)
            born = TODAY - dt.timedelta(days=rng.randrange(0, 18 * 365))
            postcode, district = invented_names.postcode(rng)
            if rng.random() < 0.01 and n + 1 < end:
                twin_of = (invented, born, postcode, district)
        keys = matching.child_keys(invented.forenames, invented.surname, invented.other_names)
        fields = [
            lisa_ref(n + 1),
            _escape(invented.forenames),
            _escape(invented.surname),
            _escape(invented.other_names),
            born.isoformat(),
            invented.gender,
            f"{rng.randrange(1, 200)} Example Road",
            "",
            "London",
            postcode,
            district,
            nhs_number(n) if rng.random() < 0.8 else "",
            "",
            "",
            "English",
            "f",
            "f",
            "active",
            "{" + ",".join(f'"{k}"' for k in keys) + "}",
            now,
            now,
        ]
        out.write("\t".join(fields) + "\n")
    return out.getvalue()


def load(count: int, *, workers: int, seed: int, stdout) -> None:
    """Empty the children's table (and all that points at it) and fill it with ``count``
    invented children, made by ``workers`` processes; progress is written to ``stdout`` (a
    management command's)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE children_child RESTART IDENTITY CASCADE")
        # Secondary indexes are built after the load: far quicker than keeping them up.
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.tablename = 'children_child' AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    connection.ensure_connection()
    raw = connection.connection
    jobs = [(start, min(count, start + BATCH), seed) for start in range(0, count, BATCH)]
    done = 0
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        for text in pool.imap(copy_rows, jobs):
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY children_child ({COLUMNS}) FROM STDIN") as copy,
            ):
                copy.write(text)
            done += text.count("\n")
            stdout.write(f"  {done:,} children loaded", ending="\r")
    loaded = time.perf_counter() - started
    stdout.write(f"\n  loaded in {loaded:.0f} s; building {len(indexes)} indexes")
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 2")
        for name, definition in indexes:
            began = time.perf_counter()
            cursor.execute(definition)
            stdout.write(f"  {name}: {time.perf_counter() - began:.0f} s")
        cursor.execute("ANALYZE children_child")
    stdout.write(f"Built an index of {count:,} children in {time.perf_counter() - started:.0f} s.")
