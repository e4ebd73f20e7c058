"""Measure child search on a large invented index.

    python manage.py benchmark_child_search                 # 100,000 children
    python manage.py benchmark_child_search --children 1000000

The index is built in its own database (``lisa_benchmark`` by default, on the same server), with
COPY, and kept for the next run; ``--rebuild`` starts it again. The command then runs a fixed mix
of searches — names typed as practitioners type them (nicknames, spellings, typos, swapped),
names with a date of birth, dates of birth with a postcode, NHS numbers, LISA references and
postcodes — and reports p50 and p95 latency for each kind and overall.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from io import StringIO

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, connections

from children import matching
from children.search import search_children
from children.validators import lisa_ref_check, nhs_check_digit

FORENAMES = (
    "Oliver Amelia George Olivia Harry Isla Noah Ava Jack Mia Leo Ivy Arthur Freya Muhammad "
    "Lily Oscar Florence Charlie Sophia Jacob Grace Thomas Willow Alfie Rosie Theo Poppy "
    "Ayaan Aisha Yusuf Fatima Ibrahim Maryam Omar Zainab Ahmed Khadija Kwame Ama Kofi Abena "
    "Chidi Ngozi Emeka Adaeze Tobi Funmilayo Segun Yetunde Oluwaseun Precious Tyrone "
    "Shanice Jayden Kayleigh Reece Chantelle Kai Aaliyah Mateusz Zuzanna Jakub Aleksandra "
    "Piotr Katarzyna Andrei Ioana Mihai Elena Luca Giulia Mehmet Elif Emre Zeynep Tran Linh "
    "Minh Thao Wei Mei Jun Xiu Priya Arjun Ananya Rohan Kavya Ravi Deepika Siobhan Niamh "
    "Connor Aoife Sean Ciaran Rhys Cerys Dylan Seren Ewan Isla Jamie Katie Hannah Daniel "
    "Samuel Joseph Benjamin Lucas Ethan Chloe Ella Evie Sophie Jessica Emily Abigail Mason "
    "Logan Max Zara Maya Nia"
).split()
SURNAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel "
    "Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison "
    "Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths "
    "Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox "
    "Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Ali Hussain Ahmed "
    "Rahman Islam Uddin Akhtar Okafor Adeyemi Okonkwo Mensah Asante Boateng Owusu Adebayo "
    "Oluwole Nwosu Eze Obi Bakare Campbell Stewart Reid Grant Francis Douglas Nowak "
    "Kowalski Wisniewski Wojcik Popescu Ionescu Rossi Russo Yilmaz Kaya Demir Nguyen Tran "
    "Pham Chen Wang Li Zhang Liu Sharma Gupta Kaur Shah Mehta OConnor Byrne Ryan Doyle "
    "McCarthy Gallagher Kennedy Quinn Lynch"
).split()
DISTRICTS = ("SE4 SE6 SE8 SE12 SE13 SE14 SE23 SE26 BR1 SE3 SE9 SE10").split()
NICKNAMES = {
    "Muhammad": "Mohammed",
    "Aleksandra": "Alexandra",
    "Katie": "Katherine",
    "Daniel": "Danny",
    "Joseph": "Joe",
    "Samuel": "Sam",
    "Thomas": "Tom",
    "Benjamin": "Ben",
    "Jamie": "James",
    "Siobhan": "Chevonne",
    "Oluwaseun": "Seun",
    "Emeka": "Chukwuemeka",
}


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _nhs_number(n: int) -> str:
    """A valid, unique NHS number for the n-th invented child."""
    base = 400_000_000 + n * 11
    while True:
        first = str(base)
        check = nhs_check_digit(first)
        if check is not None:
            return first + str(check)
        base += 1


class Command(BaseCommand):
    help = "Build a large invented child index and report search latency (p50/p95)."

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=100_000)
        parser.add_argument("--queries", type=int, default=600)
        parser.add_argument("--database", default="lisa_benchmark")
        parser.add_argument("--rebuild", action="store_true")
        parser.add_argument("--seed", type=int, default=20261125)

    def handle(self, *args, **options):
        self._use_database(options["database"])
        rng = random.Random(options["seed"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM children_child")
            have = cursor.fetchone()[0]
        if options["rebuild"] or have != options["children"]:
            self._build(options["children"], rng)
        sample = self._sample(rng)
        self._measure(sample, options["queries"], rng)

    # --- the database -------------------------------------------------------------------------

    def _use_database(self, name: str) -> None:
        params = connection.get_connection_params()
        admin = {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = name
        connection.settings_dict["NAME"] = name
        call_command("migrate", verbosity=0, interactive=False)
        self.stdout.write(f"Benchmark database: {name}")

    def _build(self, count: int, rng: random.Random) -> None:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")  # no FK checks while loading
            cursor.execute("TRUNCATE children_child RESTART IDENTITY CASCADE")
        today = dt.date.today()
        columns = (
            "lisa_ref, forenames, surname, other_names, date_of_birth, gender, address_line_1, "
            "address_line_2, town, postcode, postcode_district, nhs_number, upn, school, "
            "first_language, interpreter_needed, shielded, status, search_keys, created_at, "
            "updated_at"
        )
        now = dt.datetime.now(dt.UTC).isoformat()
        batch = 20_000
        raw = connection.connection if connection.connection else None
        if raw is None:
            connection.ensure_connection()
            raw = connection.connection
        done = 0
        while done < count:
            rows = StringIO()
            for n in range(done, min(count, done + batch)):
                forename = rng.choice(FORENAMES)
                if rng.random() < 0.3:
                    forename += " " + rng.choice(FORENAMES)
                surname = rng.choice(SURNAMES)
                if rng.random() < 0.05:
                    surname += "-" + rng.choice(SURNAMES)
                other = rng.choice(FORENAMES) if rng.random() < 0.08 else ""
                born = today - dt.timedelta(days=rng.randrange(0, 18 * 365))
                district = rng.choice(DISTRICTS)
                letters = "ABDEFGHJLNPQRSTUWXYZ"
                postcode = (
                    f"{district} {rng.randrange(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
                )
                digits = f"{n + 1:07d}"
                keys = "{" + ",".join(matching.child_keys(forename, surname, other)) + "}"
                nhs = _nhs_number(n) if rng.random() < 0.8 else ""
                fields = [
                    f"L{digits}{lisa_ref_check(digits)}",
                    forename,
                    surname,
                    other,
                    born.isoformat(),
                    rng.choice(("female", "male")),
                    f"{rng.randrange(1, 200)} Example Road",
                    "",
                    "London",
                    postcode,
                    district,
                    nhs,
                    "",
                    "",
                    "English",
                    "f",
                    "f",
                    "active",
                    keys,
                    now,
                    now,
                ]
                rows.write("\t".join(fields) + "\n")
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY children_child ({columns}) FROM STDIN") as copy,
            ):
                copy.write(rows.getvalue())
            done = min(count, done + batch)
            self.stdout.write(f"  {done:,} children loaded", ending="\r")
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("ANALYZE children_child")
        self.stdout.write(
            f"\nBuilt an index of {count:,} children in {time.perf_counter() - started:.1f} s."
        )

    # --- the searches -----------------------------------------------------------------------

    def _sample(self, rng: random.Random):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT forenames, surname, date_of_birth, postcode, nhs_number, lisa_ref "
                "FROM children_child TABLESAMPLE SYSTEM (1) LIMIT 2000"
            )
            return cursor.fetchall()

    def _queries(self, sample, n: int, rng: random.Random):
        kinds = [
            ("name", 0.25),
            ("name, variant or typo", 0.25),
            ("name and date of birth", 0.2),
            ("date of birth and postcode", 0.1),
            ("NHS number", 0.1),
            ("LISA reference", 0.05),
            ("postcode", 0.05),
        ]
        for i in range(n):
            forenames, surname, born, postcode, nhs, ref = sample[i % len(sample)]
            kind = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
            first = forenames.split()[0]
            if kind == "name":
                yield kind, ref, {"text": f"{first} {surname}"}
            elif kind == "name, variant or typo":
                roll = rng.random()
                if first in NICKNAMES and roll < 0.4:
                    first = NICKNAMES[first]
                elif roll < 0.7:
                    surname = _typo(surname, rng)
                else:
                    first, surname = surname, first
                yield kind, ref, {"text": f"{first} {surname}"}
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
