"""Measure child search on a large invented index with realistic names.

    python manage.py benchmark_child_search                      # 100,000 children
    python manage.py benchmark_child_search --children 12000000 --database lisa_benchmark_12m

The index is built in its own database (``lisa_benchmark`` by default, on the same server) and
kept for the next run; ``--rebuild`` starts it again. Names come from
:mod:`children.invented_names` (frequency-weighted lists across the naming traditions of a
London borough, 2% written in a script other than Latin), with 1% twins and 3% with other names;
dates of birth over 0-17 years; postcodes across London's districts. Rows are made by worker
processes and loaded with COPY; the table's secondary indexes are dropped for the load and built
after it (:mod:`children.benchmark_rows`, which the load test uses too). The command then runs a
fixed mix of searches — names typed as practitioners type them (nicknames, typos, swapped, a
name written in another script typed in Latin letters), names with a date of birth, dates of
birth with a postcode, NHS numbers, LISA references and postcodes — and reports p50 and p95
latency for each kind and overall, how often the child searched for was among the results, how
many children share each full name, the disk used and the search process's peak memory.
"""

from __future__ import annotations

import multiprocessing
import random
import resource
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection

from children import benchmark_rows, matching
from children.search import search_children
from lisa.benchmarking import use_database

# Greek, Cyrillic, Arabic, Bengali and Chinese letters: names written in a script of their own.
OTHER_SCRIPTS = "[\u0370-\u03ff\u0400-\u04ff\u0600-\u06ff\u0980-\u09ff\u4e00-\u9fff]"


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


class Command(BaseCommand):
    help = "Build a large invented child index and report search latency (p50/p95)."

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=100_000)
        parser.add_argument("--queries", type=int, default=800)
        parser.add_argument("--database", default="lisa_benchmark")
        parser.add_argument("--rebuild", action="store_true")
        parser.add_argument("--workers", type=int, default=max(1, multiprocessing.cpu_count()))
        parser.add_argument("--seed", type=int, default=20261206)

    def handle(self, *args, **options):
        use_database(options["database"], self.stdout)
        rng = random.Random(options["seed"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM children_child")
            have = cursor.fetchone()[0]
        if options["rebuild"] or have != options["children"]:
            benchmark_rows.load(
                options["children"],
                workers=options["workers"],
                seed=options["seed"],
                stdout=self.stdout,
            )
        self._describe()
        sample = self._sample()
        self._measure(sample, options["queries"], rng)

    # --- the database -------------------------------------------------------------------------

    def _describe(self) -> None:
        """How ambiguous the names are, and the disk they take."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n, count(*) FROM (SELECT count(*) AS n FROM children_child "
                "GROUP BY split_part(forenames, ' ', 1), surname) g GROUP BY n ORDER BY n"
            )
            sizes = cursor.fetchall()
            cursor.execute(
                "SELECT pg_database_size(current_database()), "
                "pg_total_relation_size('children_child'), pg_relation_size('children_child'), "
                "pg_relation_size('child_search_keys_gin')"
            )
            database, table, heap, gin = cursor.fetchone()
            cursor.execute(f"SELECT count(*) FROM children_child WHERE surname ~ '{OTHER_SCRIPTS}'")  # noqa: S608
            own_script = cursor.fetchone()[0]
        # For each child, how many children share its first forename and surname (itself
        # included): weighted by the children, not by the names.
        children = sum(n * groups for n, groups in sizes)
        at = {q: None for q in (0.5, 0.99)}
        running = 0
        for n, groups in sizes:
            running += n * groups
            for q in at:
                if at[q] is None and running >= q * children:
                    at[q] = n
        self.stdout.write(
            f"Children sharing a child's first forename and surname (itself included): "
            f"median {at[0.5]:,}, 99th percentile {at[0.99]:,}, most {sizes[-1][0]:,}; "
            f"{sum(g for _, g in sizes):,} distinct names; {own_script:,} children "
            f"({own_script / max(children, 1):.1%}) with names in another script."
        )
        gb = 1024**3
        self.stdout.write(
            f"Disk: database {database / gb:.1f} GB; children table {table / gb:.1f} GB "
            f"(rows {heap / gb:.1f} GB, search-key index {gin / gb:.1f} GB)."
        )

    # --- the searches -----------------------------------------------------------------------

    def _sample(self):
        fields = "forenames, surname, date_of_birth, postcode, nhs_number, lisa_ref"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {fields} FROM children_child "  # noqa: S608
                "TABLESAMPLE SYSTEM (1) REPEATABLE (42) LIMIT 2000"
            )
            everyone = cursor.fetchall()
            if len(everyone) < 2000:
                cursor.execute(f"SELECT {fields} FROM children_child ORDER BY random() LIMIT 2000")  # noqa: S608
                everyone = cursor.fetchall()
            cursor.execute(
                f"SELECT {fields} FROM children_child TABLESAMPLE SYSTEM (5) REPEATABLE (42) "  # noqa: S608
                f"WHERE surname ~ '{OTHER_SCRIPTS}' LIMIT 300"
            )
            own_script = cursor.fetchall()
        return everyone, own_script

    def _queries(self, sample, n: int, rng: random.Random):
        everyone, own_script = sample
        kinds = [
            ("name", 0.22),
            ("name, variant or typo", 0.22),
            ("name in another script", 0.04 if own_script else 0.0),
            ("name and date of birth", 0.2),
            ("date of birth and postcode", 0.1),
            ("NHS number", 0.1),
            ("LISA reference", 0.05),
            ("postcode", 0.07),
        ]
        for i in range(n):
            kind = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
            pool = own_script if kind == "name in another script" else everyone
            forenames, surname, born, postcode, nhs, ref = pool[i % len(pool)]
            first = forenames.split()[0]
            if kind in ("name", "name in another script"):
                yield kind, ref, {"text": matching.latin(f"{first} {surname}")}
            elif kind == "name, variant or typo":
                roll = rng.random()
                forms = [
                    name
                    for root in matching.group_roots(matching.normalise(first))
                    for group in matching.NAME_GROUPS
                    if group[0] == root
                    for name in group
                    if name != matching.normalise(first)
                ]
                if forms and roll < 0.4:
                    first = rng.choice(forms)
                elif roll < 0.7:
                    surname = _typo(surname, rng)
                else:
                    first, surname = surname, first
                yield kind, ref, {"text": matching.latin(f"{first} {surname}")}
            elif kind == "name and date of birth":
                yield kind, ref, {"text": f"{first} {surname}", "date_of_birth": born}
            elif kind == "date of birth and postcode":
                yield kind, ref, {"text": "", "date_of_birth": born, "postcode": postcode}
            elif kind == "NHS number" and nhs:
                yield kind, ref, {"text": nhs}
            elif kind == "LISA reference":
                yield kind, ref, {"text": ref}
            else:
                yield "postcode", ref, {"text": postcode}

    def _measure(self, sample, n: int, rng: random.Random) -> None:
        for _, _, params in list(self._queries(sample, 30, rng)):  # warm caches
            search_children(**params)
        timings: dict[str, list[float]] = {}
        found: dict[str, int] = {}
        for kind, ref, params in self._queries(sample, n, rng):
            started = time.perf_counter()
            results = search_children(**params, limit=50)
            timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            # Was the child the search was made from among the results shown?
            hit = any(m.child.lisa_ref == ref for m in results)
            found[kind] = found.get(kind, 0) + hit
        everything = [t for values in timings.values() for t in values]
        header = f"\n{'kind of search':32} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'found':>7}"
        self.stdout.write(header)
        for kind, values in [*sorted(timings.items()), ("all", everything)]:
            p50 = statistics.median(values)
            p95 = statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)
            hits = sum(found.values()) if kind == "all" else found[kind]
            share = f"{100 * hits / len(values):.0f}%"
            self.stdout.write(f"{kind:32} {len(values):>5} {p50:>8.1f} {p95:>8.1f} {share:>7}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"Peak memory of the search process: {peak:.0f} MB.")
