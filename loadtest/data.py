"""The load test's database: a large invented record, the demo people and their colleagues.

Built once in a database of its own (``lisa_loadtest`` by default, on the same server) and kept
for later runs; ``--rebuild`` drops it and builds it again. What is in it:

- the children of the child-search benchmark (``benchmark_child_search``: realistic names from
  every tradition of a London borough, twins, other names, dates of birth over 0-17 years,
  postcodes, NHS numbers), loaded with COPY, their search keys computed as the application does;
- the demo (``load_demo``): agencies, the demo users, their three hundred children and the
  concerns, messages, meetings and directory entries that come with them;
- invented colleagues of the demo users in the demo agencies (``--staff``);
- audit events (one INSERT … SELECT over generate_series), spread over the last year across
  every person with an agency, then sealed into the hash chain as the worker would have.

Before each run (:func:`prepare_run`) the practitioners who will sign in are made ready: the
demo's trained practitioners first, then as many colleagues as needed; each is given the demo
password (hashed as production hashes it), a new authenticator key (the second factor is
required) and involvements with loaded children, so that their full records open.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex
from psycopg import sql

from audit.models import AuditEvent
from children import benchmark_rows, matching
from children.models import Child, HowBegan, Involvement
from figures.management.commands.benchmark_figures import FORENAMES, SURNAMES
from lisa.benchmarking import load_step, use_database
from lisa.demo.people import DEMO_PASSWORD, PEOPLE
from lisa.models import Agency, Role, User

INVENTED = "loadtest-invented"  # marks the invented audit events, told apart from the runs' own
COLLEAGUE = "load.colleague."  # usernames of the invented colleagues: load.colleague.1, …
INVOLVED = 30  # children each practitioner who signs in works with
SEARCHES = 600  # the sample of children the practitioners search for
AUDIT_DAYS = 365
DIRECTORY_TERMS = [
    "speech and language", "food bank", "youth club", "stay and play", "parenting", "housing",
    "mental health", "domestic abuse", "young carers", "breakfast club", "holiday activities",
    "football", "debt advice", "special educational needs", "baby", "counselling", "library",
    "swimming", "homework club", "",
]  # fmt: skip

AUDIT = """
INSERT INTO audit_auditevent (at, username, role, action, outcome, object_type, object_id,
    child_id, ip_address, user_agent, request_id, path, detail, agency_id, user_id)
SELECT at, p.username, p.role, action,
    CASE WHEN action = 'denied' THEN 'denied' ELSE 'allowed' END,
    CASE WHEN about_child THEN 'children.child' ELSE '' END,
    CASE WHEN about_child THEN child_id::text ELSE '' END,
    CASE WHEN about_child THEN child_id END,
    '10.0.0.1', 'Invented browser', %(marker)s,
    CASE WHEN about_child THEN '/children/' || child_id || '/' ELSE '/' END,
    CASE WHEN action = 'view' AND r_view < 0.6 THEN '{"view": "card"}'::jsonb
         WHEN action = 'view' THEN '{"view": "full record"}'::jsonb
         ELSE '{}'::jsonb END,
    p.agency_id, p.id
FROM (
    SELECT *, action IN ('view', 'denied', 'update', 'print') AS about_child
    FROM (
        SELECT %(now)s - (%(events)s - g + r_at) / %(events)s * %(days)s * interval '1 day'
                AS at,
            1 + floor(r_child * %(children)s)::int AS child_id,
            1 + floor(r_person * %(people)s)::int AS n, r_view,
            CASE WHEN r_action < 0.55 THEN 'view' WHEN r_action < 0.70 THEN 'search'
                 WHEN r_action < 0.82 THEN 'sign_in' WHEN r_action < 0.88 THEN 'create'
                 WHEN r_action < 0.94 THEN 'update' WHEN r_action < 0.97 THEN 'denied'
                 WHEN r_action < 0.98 THEN 'export' ELSE 'print' END AS action
        FROM (SELECT g, random() r_at, random() r_child, random() r_action, random() r_person,
                     random() r_view
              FROM generate_series(1, %(events)s) g) draws
    ) s1
) s2
JOIN loadtest_people p ON p.n = s2.n
ORDER BY at
"""

PEOPLE_TABLE = """
CREATE TEMP TABLE loadtest_people AS
SELECT row_number() OVER (ORDER BY id)::int AS n, id, username, agency_id,
    coalesce(roles[1], '') AS role
FROM lisa_user WHERE agency_id IS NOT NULL
"""


@dataclass
class Sizes:
    children: int
    audit_events: int
    staff: int


# --- the database -------------------------------------------------------------------------------


def open_database(name: str, sizes: Sizes, *, rebuild: bool, stdout) -> bool:
    """Connect to ``name``, creating and migrating it if missing, and say whether the record
    must be built in it. A database holding anything else (other sizes), or any with
    ``rebuild``, is dropped and made again first; the database already in use (a test run's)
    is never dropped: the record is built in it as it is."""
    if "loadtest" not in name and not name.startswith("test_"):
        raise CommandError(
            "The load test drops and fills the database it uses: name one containing "
            "'loadtest' (or a test database)."
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            raise CommandError(
                "Building the load-test database needs a superuser: run with "
                "LISA_DB_ROLE=superuser (make loadtest does)."
            )
    original = connection.settings_dict["NAME"]
    if original == name:
        use_database(name, stdout)
        return rebuild or not is_built(sizes)
    if not rebuild:
        use_database(name, stdout)
        if is_built(sizes):
            return False
    params = connection.get_connection_params()
    admin = {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}
    connections.close_all()
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    stdout.write(f"Building {name} afresh.")
    # Back to the database this process started with, so that use_database makes it again.
    settings.DATABASES["default"]["NAME"] = original
    connection.settings_dict["NAME"] = original
    use_database(name, stdout)
    return True


def is_built(sizes: Sizes) -> bool:
    """Whether the database holds the record asked for (the loaded children are numbered)."""
    last, first = benchmark_rows.lisa_ref(sizes.children), benchmark_rows.lisa_ref(1)
    children = Child.objects.filter(lisa_ref__in=[last, first])
    return (
        children.count() == 2
        and not Child.objects.filter(lisa_ref=benchmark_rows.lisa_ref(sizes.children + 1)).exists()
        and AuditEvent.objects.filter(request_id=INVENTED).count() == sizes.audit_events
        and User.objects.filter(username__startswith=COLLEAGUE).count() >= sizes.staff
        and User.objects.filter(username=PEOPLE[0][0]).exists()
    )


def build(command, sizes: Sizes, *, workers: int, seed: int) -> None:
    """Fill an empty (freshly migrated) database with the record described above."""
    started = time.perf_counter()
    out = command.stdout
    # The children first: their load empties the children's table (and all that points at it).
    benchmark_rows.load(sizes.children, workers=workers, seed=seed, stdout=out)
    call_command("load_demo", stdout=out)
    colleagues(sizes.staff)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        load_step(command, "people", PEOPLE_TABLE, {})
        cursor.execute("SELECT count(*) FROM loadtest_people")
        people = cursor.fetchone()[0]
        params = {
            "marker": INVENTED,
            "now": timezone.now(),
            "events": sizes.audit_events,
            "days": AUDIT_DAYS,
            "children": sizes.children,
            "people": people,
        }
        load_step(command, "audit events", AUDIT, params)
        cursor.execute("DROP TABLE loadtest_people")
    with connection.cursor() as cursor:
        # A live database is vacuumed by autovacuum; a fresh load is not yet.
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    out.write(f"Sealing {sizes.audit_events:,} audit events into the hash chain…")
    call_command("seal_audit", wait=1, stdout=io.StringIO())
    out.write(
        f"Built {sizes.children:,} children, the demo, {sizes.staff:,} colleagues and "
        f"{sizes.audit_events:,} audit events in {time.perf_counter() - started:.0f} s."
    )


def colleagues(count: int) -> None:
    """Invented practitioners in the demo's agencies (not the central team's), up to ``count``
    in all; they sign in with the demo password once :func:`prepare_run` has given it them."""
    have = User.objects.filter(username__startswith=COLLEAGUE).count()
    agencies = list(
        Agency.objects.exclude(name="LISA Central Team")
        .filter(users__isnull=False)
        .distinct()
        .order_by("pk")
    )
    today = timezone.localdate()
    User.objects.bulk_create(
        User(
            username=f"{COLLEAGUE}{n}",
            password="!",  # nobody signs in as them until a run gives them the password
            first_name=FORENAMES[n * 7 % len(FORENAMES)],
            last_name=SURNAMES[n * 11 % len(SURNAMES)],
            email=f"{COLLEAGUE}{n}@example.org",
            agency=agencies[n % len(agencies)],
            roles=[Role.PRACTITIONER],
            job_title="Practitioner",
            training_date=today,
        )
        for n in range(have + 1, count + 1)
    )


# --- before each run ----------------------------------------------------------------------------


def prepare_run(count: int, sizes: Sizes, seed: int) -> dict:
    """Make ``count`` practitioners ready to sign in, seal what the last run left unsealed,
    and return the plan's data: the practitioners, what they search for, the directory terms."""
    rng = random.Random(seed)
    demo = [
        username
        for username, _, _, _, roles, _, _, trained in PEOPLE
        if Role.PRACTITIONER in roles and trained
    ]
    colleagues(max(sizes.staff, count - len(demo)))
    usernames = demo + [f"{COLLEAGUE}{n}" for n in range(1, count - len(demo) + 1)]
    people = list(User.objects.filter(username__in=usernames[:count]).select_related("agency"))
    people.sort(key=lambda user: usernames.index(user.username))
    if len(people) < count:
        raise CommandError(f"Only {len(people)} practitioners could be made ready.")
    # The password as production stores it (this process may hash otherwise, as tests do).
    hasher = PBKDF2PasswordHasher()
    encoded = hasher.encode(DEMO_PASSWORD, hasher.salt())
    loaded = range(1, sizes.children + 1)
    plan_people = []
    with transaction.atomic():
        User.objects.filter(pk__in=[user.pk for user in people]).update(
            password=encoded, is_active=True
        )
        TOTPDevice.objects.filter(user__in=people).delete()
        for user in people:
            key = random_hex(20)
            TOTPDevice.objects.create(user=user, name="LISA", key=key, confirmed=True)
            involved = list(
                Involvement.objects.active()
                .filter(practitioner=user, child_id__lte=sizes.children)
                .values_list("child_id", flat=True)
            )
            wanted = [
                pk
                for pk in rng.sample(loaded, min(len(loaded), 2 * INVOLVED))
                if pk not in involved
            ][: max(0, INVOLVED - len(involved))]
            Involvement.objects.bulk_create(
                Involvement(
                    child_id=pk,
                    practitioner=user,
                    agency_id=user.agency_id,
                    role=user.job_title or "Practitioner",
                    started_on=timezone.localdate() - dt.timedelta(days=rng.randrange(7, 400)),
                    how_began=HowBegan.CONCERN,
                )
                for pk in wanted
            )
            plan_people.append(
                {
                    "username": user.username,
                    "password": DEMO_PASSWORD,
                    "key": key,
                    "involved": sorted(involved + wanted),
                }
            )
    # Events of the last run (and of the preparation) are sealed now, not during this run.
    call_command("seal_audit", wait=1, stdout=io.StringIO())
    return {
        "practitioners": plan_people,
        "searches": searches(rng, sizes.children),
        "children": rng.sample(loaded, min(len(loaded), 200)),
        "directory_terms": DIRECTORY_TERMS,
    }


def searches(rng: random.Random, children: int) -> list[dict]:
    """What practitioners type into the child search, made from a sample of the loaded children:
    a name (in Latin letters, as typed on an English keyboard), a name with a date of birth, a
    date of birth with a postcode, an NHS number, a LISA reference or a postcode."""
    sample = list(
        Child.objects.filter(pk__in=rng.sample(range(1, children + 1), min(children, SEARCHES)))
        .order_by("pk")
        .values("forenames", "surname", "date_of_birth", "postcode", "nhs_number", "lisa_ref")
    )
    kinds = ["name"] * 35 + ["name and birth"] * 25 + ["birth and postcode"] * 10
    kinds += ["NHS number"] * 10 + ["reference"] * 10 + ["postcode"] * 10
    terms = []
    for child in sample:
        name = matching.latin(f"{child['forenames'].split()[0]} {child['surname']}")
        born = child["date_of_birth"].isoformat()
        kind = rng.choice(kinds)
        if kind == "NHS number" and not child["nhs_number"]:
            kind = "name"
        q, date_of_birth, postcode = {
            "name": (name, "", ""),
            "name and birth": (name, born, ""),
            "birth and postcode": ("", born, child["postcode"]),
            "NHS number": (child["nhs_number"], "", ""),
            "reference": (child["lisa_ref"], "", ""),
            "postcode": (child["postcode"], "", ""),
        }[kind]
        terms.append({"q": q, "date_of_birth": date_of_birth, "postcode": postcode})
    return terms


def describe() -> str:
    """The machine and the database server, for the report."""
    import os
    import platform

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    model = ""
    try:
        with open("/proc/cpuinfo") as info:
            model = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                "",
            )
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 1024**3:.0f} GB memory"
    except (ValueError, OSError):
        pass
    where = "embedded, on the same machine" if settings.EMBEDDED_DATABASE else "DATABASE_URL"
    return (
        f"{os.cpu_count()} CPUs{f' ({model})' if model else ''}{memory}; Python "
        f"{platform.python_version()}; PostgreSQL {server} ({where})"
    )
