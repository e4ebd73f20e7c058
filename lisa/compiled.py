"""Queries whose SQL is worked out once per process, for the queries every page makes.

Building and compiling a Django query of the access rules (:func:`lisa.policy.child_visible_q`,
a child with its household and involvements) costs several times the Python that PostgreSQL
needs to answer it, and every page about a child paid that on every request. :func:`rows` and
:func:`count` build such a query once for each *shape* and keep its SQL; each run puts that
run's values where the built query had stand-ins. The query is still the one the code builds:
no rule is written again in SQL.

``build`` is called with keyword values; what it may do with them decides what can be kept:

- an ``int`` or ``str`` (a key, a session's key) only as a value compared in the query;
- a list of ints only as the values of an ``__in``: its length is part of the shape;
- ``None`` or a ``bool`` as it likes: the value is part of the shape;
- a :class:`~lisa.models.User` through its ``pk`` and ``agency_id`` as values, and its roles
  and whether it has an agency as it likes (they are part of the shape); nothing else of it.

``build`` must not ask the database (a query asked while building would have its answer baked
in), and must be a plain function, closing over no values and with no defaults (they would be
kept with the query): one that is not, or does, is not kept. Stand-ins are drawn at random far
below any key (far above for one of the builds), so a number a build reckons from one (or
whether it is above zero) differs from build to build, and is not taken for a constant.
Every int, str and list given must appear among the built query's values as it was given, and
nowhere in another form (a key compared with text, put in JSON), or the query is not kept
either. A build that fails with the stand-ins is not kept. A query whose rows come with others
(``prefetch_related``) is not kept. What is not kept is tried again twice (a cache of Django's
may be empty the first time), then asked afresh, as built, each time.

Times: ``build`` is run at three moments far apart in the calendar (winter and summer, years
apart, one a year after a 29 February, one just after midnight in London when it is still the
day before in UTC), with :func:`django.utils.timezone.now` answering those moments in the
building thread. A date and time in the query that is the same distance from "now" at all
three (now, an hour ago) is kept as that distance and worked out from the time of each run; a
date the same number of days from today likewise. Any other time (the start of a day, a
calendar year back, the date in UTC, a clock read some other way) makes the query unfit.

Running: the first time on each connection to PostgreSQL, a kept query is sent whole; then it
is prepared (``PREPARE``, the query's constants written into it as the query sent whole has
them, each other value declared with the type it has when written in the query) and afterwards
executed by name, so PostgreSQL, which spends more time planning these queries than running
them, plans each once per connection (``LISA_PREPARED_STATEMENTS``): with its constants in the
statement, the plan made once can use an index made for one of them. A statement
whose columns would not be of the types the whole query gave is dropped. A statement gone
stale (a migration changed its table) is forgotten and the query sent whole again. A number
too large for a key is asked as built, so Django answers it as it always does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import numbers
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from weakref import WeakKeyDictionary

import psycopg
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import DatabaseError, connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.dispatch import receiver
from django.utils import timezone
from psycopg.sql import Literal
from psycopg.types.json import Json, Jsonb

from lisa.models import User

# The moments the query is built at (see the module's description).
_MOMENTS = (
    dt.datetime(2999, 1, 31, 5, 17, 23, 456789, tzinfo=dt.UTC),
    dt.datetime(2997, 7, 10, 19, 42, 11, 987654, tzinfo=dt.UTC),
    # 00:30 summer time the next day in London, a year after a 29 February.
    dt.datetime(2996, 7, 1, 23, 30, 0, 500000, tzinfo=dt.UTC),
)
# Numbers standing for the values given: below zero, where no key is, or for one build as far
# above (the builds never ask the database); a constant of the query at or below
# _NEAR_STAND_INS is taken for a stand-in changed by the build.
_STAND_IN_BASE = -(10**12)
_STAND_IN_SPREAD = 10**12
_NEAR_STAND_INS = -(10**11)
_LONG_NUMBER = re.compile(r"\d{11,}")


class _Unfit(Exception):
    """The query cannot be kept: it is asked afresh each time."""


@dataclass(frozen=True)
class _Compiled:
    sql: str | None  # None: the query can match nothing (Django said so while compiling)
    slots: tuple  # for each value of the SQL: ("value", v), ("arg", name, index), ("now", d)…
    model: type[Model]
    compiler: object | None  # for rows: the compiler that knows the columns
    tuples: bool = False  # rows as tuples (``values_list``), not model objects
    declared: tuple = ()  # each value's type, as a PREPARE declares it (see _declared)


_compiled: dict[tuple, _Compiled | None] = {}
_tries: dict[tuple, int] = {}  # builds found unfit, for each query and shape not yet given up
TRIES = 3
_lock = threading.Lock()
# Held while a query is built: one build at a time changes what "now" answers.
_building = threading.RLock()


@contextmanager
def _at(moment: dt.datetime):
    """``timezone.now()`` answers ``moment`` in this thread while the query is built; other
    threads still see the time (or whatever answered for it before)."""
    previous, this_thread = timezone.now, threading.get_ident()

    def now():
        return moment if threading.get_ident() == this_thread else previous()

    timezone.now = now
    try:
        yield
    finally:
        timezone.now = previous


def _shape(values: dict) -> tuple:
    shape = []
    for name, value in sorted(values.items()):
        if value is None or isinstance(value, bool):
            shape.append((name, value))
        elif isinstance(value, User):
            shape.append((name, "user", tuple(sorted(value.roles)), value.agency_id is None))
        elif isinstance(value, int):
            shape.append((name, "int"))
        elif isinstance(value, str):
            shape.append((name, "str"))
        elif isinstance(value, list | tuple):
            shape.append((name, "list", len(value)))
        else:
            raise TypeError(f"{name}: a {type(value).__name__} cannot be kept in a query")
    return tuple(shape)


def _numbers(sign: int):
    """Distinct stand-in numbers, far below any key (or, with ``sign`` 1, far above) and drawn
    at random, so that no number a build reckons from one (a sum, a difference) is another."""
    drawn: set[int] = set()
    while True:
        number = _STAND_IN_BASE - secrets.randbelow(_STAND_IN_SPREAD)
        if number not in drawn:
            drawn.add(number)
            yield -number if sign > 0 else number


def _stand_ins(values: dict, sign: int = -1) -> tuple[dict, dict]:
    """Values for the build, and what each stand-in stands for: ``{stand-in: slot}``. Numbers
    are negative, or positive with ``sign`` 1: a constant reckoned from one (whether it is
    above zero) then differs from build to build."""
    given, stands_for = {}, {}
    numbers = _numbers(sign)
    for name, value in sorted(values.items()):
        if value is None or isinstance(value, bool):
            given[name] = value
        elif isinstance(value, User):
            pk, agency_id = next(numbers), next(numbers)
            # Only these three are loaded: reading anything else of the person would ask the
            # database, which makes the build unfit. The roles in the order of the shape.
            stand_in = User.from_db(
                None,
                ["id", "agency_id", "roles"],
                [pk, None if value.agency_id is None else agency_id, sorted(value.roles)],
            )
            stands_for[pk] = ("user", name, "pk")
            if value.agency_id is not None:
                stands_for[agency_id] = ("user", name, "agency_id")
            given[name] = stand_in
        elif isinstance(value, int):
            number = next(numbers)
            stands_for[number] = ("arg", name, None)
            given[name] = number
        elif isinstance(value, str):
            stand_in = f"lisa-stand-in-{-next(numbers)}"
            stands_for[stand_in] = ("arg", name, None)
            given[name] = stand_in
        else:
            items = []
            for index in range(len(value)):
                number = next(numbers)
                stands_for[number] = ("arg", name, index)
                items.append(number)
            given[name] = items
    return given, stands_for


def _built(build: Callable[..., QuerySet], given: dict, moment: dt.datetime, *, counting: bool):
    """``build(**given)`` at ``moment``, compiled: (SQL or None, values, compiler, queryset)."""

    asked = []

    def refuse(*args):
        asked.append(True)  # noted as well, in case the build swallows the exception
        raise _Unfit("the build asked the database")

    with ExitStack() as stack:
        stack.enter_context(_at(moment))
        for database in connections.all():
            stack.enter_context(database.execute_wrapper(refuse))
        queryset = build(**given)
        if asked:
            raise _Unfit("the build asked the database")
        if counting:
            # Counted as it is; rows of a model by their key alone.
            queryset = queryset.order_by()
            if queryset._fields is None:
                queryset = queryset.values("pk")
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            sql, params = None, ()
        if asked:
            raise _Unfit("the build asked the database")
    return sql, tuple(params), compiler, queryset


def _plain(value):
    """What a value of the SQL is, to compare it: JSON as the value it holds."""
    return value.obj if isinstance(value, Json | Jsonb) else value


def _slot(seen: list, tables: list) -> tuple:
    """What a value of the SQL is, from its value in the builds at each of :data:`_MOMENTS`,
    each build with stand-ins of its own (``tables``: what each build's stand-ins stand for).
    A value given is the same stand-in's in every build; a number or text reckoned from one
    differs from build to build, and so is refused like any value that changes."""
    first = seen[0]
    if all(isinstance(value, dt.datetime) for value in seen):
        distance = first - _MOMENTS[0]
        if any(value - moment != distance for value, moment in zip(seen, _MOMENTS, strict=True)):
            raise _Unfit("a time that is not a fixed distance from now")
        return ("now", distance)
    if all(isinstance(value, dt.date) and not isinstance(value, dt.datetime) for value in seen):
        days = first - timezone.localdate(_MOMENTS[0])
        if any(
            value - timezone.localdate(moment) != days
            for value, moment in zip(seen, _MOMENTS, strict=True)
        ):
            raise _Unfit("a date that is not a fixed number of days from today")
        return ("today", days)
    stands = [
        table.get(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
        for value, table in zip(seen, tables, strict=True)
    ]
    if stands[0] is not None and all(stand == stands[0] for stand in stands):
        return stands[0]
    if any(type(value) is not type(first) or _plain(value) != _plain(first) for value in seen):
        raise _Unfit("a value that changes with the time or with the values given")
    return ("value", first)


def _mentions(value) -> bool:
    """Whether ``value``, a constant of the built query, may hold a stand-in in some form the
    build or Django made of it: a number near the stand-ins (a sum, a float), text naming one
    in any case or holding a number as long as theirs, the same inside JSON or a list."""
    if isinstance(value, Json | Jsonb):
        return _mentions(value.obj)
    if isinstance(value, list | tuple | set | frozenset):
        return any(_mentions(item) for item in value)
    if isinstance(value, dict):
        return any(_mentions(key) or _mentions(item) for key, item in value.items())
    if isinstance(value, numbers.Number) and not isinstance(value, bool | complex):
        return value <= _NEAR_STAND_INS
    if isinstance(value, str):
        return "lisa-stand-in" in value.lower() or bool(_LONG_NUMBER.search(value))
    return False


def _compile(name: str, build, values: dict, *, counting: bool) -> _Compiled:
    # Stand-ins of its own for each build, so that a value reckoned from one differs; the
    # second build's numbers are positive, so that one reckoned from a value's sign does too.
    stand_ins = [_stand_ins(values, sign=1 if index == 1 else -1) for index in range(len(_MOMENTS))]
    tables = [stands_for for _, stands_for in stand_ins]
    built = [
        _built(build, given, moment, counting=counting)
        for (given, _), moment in zip(stand_ins, _MOMENTS, strict=True)
    ]
    sql, params, compiler, queryset = built[0]
    if any(other[0] != sql or len(other[1]) != len(params) for other in built[1:]):
        raise _Unfit("the query's shape changes with the time")
    if queryset._prefetch_related_lookups or queryset._known_related_objects:
        raise _Unfit("rows fetched with others are not kept")
    slots = tuple(
        _slot([other[1][index] for other in built], tables) for index in range(len(params))
    )
    if any(slot[0] == "value" and _mentions(slot[1]) for slot in slots):
        raise _Unfit("a value given was changed by the query, not used as it is")
    given_args = {slot for slot in tables[0].values() if slot[0] == "arg"}
    if not given_args <= set(slots):
        raise _Unfit("a value given was not used as a value of the query")
    if sql is not None and counting:
        # The inner SQL is Django's, with placeholders for every value; the name is checked
        # by count().
        sql = f"SELECT COUNT(*) FROM ({sql}) AS {name}"  # noqa: S608
    tuples = queryset._iterable_class is ValuesListIterable
    if not counting and not tuples and queryset._iterable_class is not ModelIterable:
        raise _Unfit("rows of this kind are not kept")
    # Each value's type is the same at every run (a key, a time now, a constant of the query).
    declared = tuple(_declared(value) for value in params)
    return _Compiled(sql, slots, queryset.model, None if counting else compiler, tuples, declared)


def _kept(name: str, build, values: dict, *, counting: bool) -> _Compiled | None:
    code = getattr(build, "__code__", None)
    key = (name, code, counting, _shape(values))
    if key in _compiled:
        return _compiled[key]
    if code is None or build.__closure__ or build.__defaults__ or build.__kwdefaults__:
        # Only a plain function: values it closes over or holds as defaults would be kept with
        # the query without being part of its key.
        with _lock:
            _compiled[key] = None
        return None
    try:
        with _building:
            kept = _compile(name, build, values, counting=counting)
    except Exception:  # noqa: BLE001 - _Unfit, or a build that cannot take stand-ins: run it as built
        # Tried again a few times: a build may ask the database only the first time (a cache
        # of Django's still empty).
        with _lock:
            _tries[key] = _tries.get(key, 0) + 1
            if _tries[key] >= TRIES:
                _compiled[key] = None
        return None
    with _lock:
        _compiled[key] = kept
    return kept


def _params(kept: _Compiled, values: dict) -> list:
    now = timezone.now()
    today = timezone.localdate(now)
    params = []
    for slot in kept.slots:
        kind = slot[0]
        if kind == "value":
            params.append(slot[1])
        elif kind == "arg":
            value = values[slot[1]]
            params.append(value if slot[2] is None else value[slot[2]])
        elif kind == "user":
            params.append(getattr(values[slot[1]], slot[2]))
        elif kind == "now":
            params.append(now + slot[1])
        else:
            params.append(today + slot[1])
    return params


# For each connection to PostgreSQL: the name each query was prepared under, or None where it
# could not be prepared (it is then sent whole).
_statements: WeakKeyDictionary = WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%(%|s)")


def _numbered(sql: str, constants: list[str | None]) -> str:
    """Django's SQL as PREPARE takes it: each ``%s`` placeholder the literal in ``constants``
    (in order) or, where that is None, the next of ``$1, $2…``."""
    places, numbers = iter(constants), itertools.count(1)

    def placed(match: re.Match) -> str:
        if match.group(1) == "%":
            return "%"
        literal = next(places)
        return literal if literal is not None else f"${next(numbers)}"

    return _PLACEHOLDER.sub(placed, sql)


_NOT_YET = object()


@dataclass(frozen=True)
class _Statement:
    """What is prepared for a kept query: the statement's text, with the query's constants
    written in and ``$1, $2…`` for its other values; the positions of those values among the
    query's; and their declared types. Two kept queries with the same text and types are one
    statement on a connection."""

    text: str
    variable: tuple[int, ...]
    declared: tuple[str, ...]

    @property
    def key(self) -> tuple:
        return (self.text, self.declared)


def _statement(kept: _Compiled, raw) -> _Statement | None:
    """The statement ``kept`` is prepared as (see :func:`_prepare`), worked out on its first run
    and kept with it (every connection writes a constant alike); None if it cannot be prepared:
    a constant psycopg cannot write, or a value whose type cannot be declared."""
    found = kept.__dict__.get("_statement", _NOT_YET)
    if found is not _NOT_YET:
        return found
    statement = None
    try:
        constants = [
            Literal(slot[1]).as_string(raw) if slot[0] == "value" else None for slot in kept.slots
        ]
    except (psycopg.Error, TypeError, ValueError):
        constants = None  # sent whole
    if constants is not None:
        variable = tuple(index for index, literal in enumerate(constants) if literal is None)
        declared = tuple(kept.declared[index] for index in variable)
        if None not in declared:
            statement = _Statement(_numbered(kept.sql, constants), variable, declared)
    object.__setattr__(kept, "_statement", statement)  # frozen, but this is only a cache
    return statement


class _Prepared:
    """What is prepared on one connection: each statement's name (None: sent whole), and a
    generation, new names being used after a statement went stale."""

    def __init__(self) -> None:
        self.names: dict[tuple, str | None] = {}
        self.generation = 0


# psycopg's own number types written with a cast to their type.
_NUMERIC_WRAPPERS = {"Int4": "int4", "Int8": "int8"}


def _declared(value) -> str | None:
    """The type a value is written with when the query is sent whole (a number as a number,
    text as a literal of no type yet), to declare it in the PREPARE; None for a value of
    another kind, and the query is then not prepared."""
    if type(value).__module__.startswith("psycopg") and not isinstance(value, Json | Jsonb):
        return _NUMERIC_WRAPPERS.get(type(value).__name__)
    if isinstance(value, float | Decimal):
        return None  # written as numbers PostgreSQL reads otherwise: not prepared
    if value is None or isinstance(value, str):
        return "unknown"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int8"
    if isinstance(value, dt.datetime):
        return "timestamptz" if value.tzinfo is not None else "timestamp"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, dt.timedelta):
        return "interval"
    if isinstance(value, uuid.UUID):
        return "uuid"
    if isinstance(value, Jsonb):
        return "jsonb"
    if isinstance(value, Json):
        return "json"
    return None


def _prepare(raw, text: str, declared: tuple, types: list, generation: int) -> str | None:
    """Prepare ``text`` on the connection ``raw`` and give its name, or None if it cannot be
    prepared to give the same rows as when sent whole.

    The query's constants (the values it has whatever it is given: an action's name, a kind of
    record) are written into ``text`` as the literals the query sent whole has (see
    :func:`_statement`), so that PostgreSQL plans with them: a generic plan can then use an
    index made for such a value, and PostgreSQL settles on it instead of planning each run
    again. Each other value is declared (``declared``) with the type it has when written in the
    query (``$1`` alone would be text where ``10`` is a number, and sort or compare otherwise).
    The columns must then be of ``types``, the types the query gave when sent whole, or the
    statement is dropped.
    Prepared statements belong to the connection and outlive transactions, rolled back or not.
    The PREPARE goes straight to the connection (it is not one of the page's queries); inside a
    transaction, within a savepoint, so a query PostgreSQL cannot prepare leaves the
    transaction as it was."""
    digest = hashlib.sha256(repr((text, declared)).encode()).hexdigest()[:24]
    name = f"lisa_{digest}_{generation}"
    typed = f"({', '.join(declared)})" if declared else ""
    with raw.cursor() as cursor:
        in_transaction = not raw.autocommit
        if in_transaction:
            cursor.execute("SAVEPOINT lisa_prepare")
        ours = True
        try:
            cursor.execute(f"PREPARE {name}{typed} AS {text}")
        except psycopg.errors.DuplicatePreparedStatement:
            ours = False  # prepared before this process forgot it: checked, never removed
            if in_transaction:
                cursor.execute("ROLLBACK TO SAVEPOINT lisa_prepare")
        except psycopg.Error:
            if in_transaction:
                cursor.execute("ROLLBACK TO SAVEPOINT lisa_prepare")
                cursor.execute("RELEASE SAVEPOINT lisa_prepare")
            return None
        if in_transaction:
            cursor.execute("RELEASE SAVEPOINT lisa_prepare")
        described = raw.pgconn.describe_prepared(name.encode())
        if [described.ftype(column) for column in range(described.nfields)] != types:
            if ours:
                cursor.execute(f"DEALLOCATE {name}")
            return None
    return name


# A prepared statement PostgreSQL can no longer run: removed, or its table changed under it.
_STALE = (psycopg.errors.InvalidSqlStatementName, psycopg.errors.FeatureNotSupported)


def _run(kept: _Compiled, values: dict) -> tuple[str, list]:
    """Run the kept query with this call's values: the database, and the rows.

    The first time on each connection the query is sent whole, then prepared (when the setting
    allows); after that it is executed by name, so PostgreSQL does not plan it again. A
    statement gone stale (a migration changed its table; something deallocated it) is
    forgotten with every other on the connection, and the query sent whole: at once outside a
    transaction, from the next request inside one (the failed statement ended it)."""
    alias = router.db_for_read(kept.model)
    database = connections[alias]
    params = _params(kept, values)
    with database.cursor() as cursor:
        statement, name, prepared = None, None, None
        if settings.LISA_PREPARED_STATEMENTS:
            statement = _statement(kept, database.connection)
        if statement is not None:
            prepared = _statements.setdefault(database.connection, _Prepared())
            # Keyed by what is prepared: its text (constants included) and its values' types.
            name = prepared.names.get(statement.key, _NOT_YET)
        if name is None or name is _NOT_YET:
            cursor.execute(kept.sql, params)
            rows = cursor.fetchall()
            if name is _NOT_YET:
                types = [column.type_code for column in cursor.description]
                with database.wrap_database_errors:
                    prepared.names[statement.key] = _prepare(
                        database.connection,
                        statement.text,
                        statement.declared,
                        types,
                        prepared.generation,
                    )
            return alias, rows
        # The statement's name is ours (a digest), and the values go as parameters.
        given = [params[index] for index in statement.variable]
        arguments = f"({', '.join(['%s'] * len(given))})" if given else ""
        errors_before = database.errors_occurred
        try:
            cursor.execute(f"EXECUTE {name}{arguments}", given)
        except DatabaseError as error:
            if not isinstance(error.__cause__, _STALE):
                raise
            prepared.names.clear()
            prepared.generation += 1
            if not database.get_autocommit():
                raise
            # Outside a transaction nothing was lost: free the old statements, ask again, and
            # leave the connection marked as it was (the replica's router reads that mark).
            cursor.execute("DEALLOCATE ALL")
            cursor.execute(kept.sql, params)
            database.errors_occurred = errors_before
        return alias, cursor.fetchall()


_BIGINT = range(-(2**63), 2**63)


def _storable(values: dict) -> bool:
    """Whether every number given fits a database key; one that does not (an address with a
    huge id) is asked as built, so that Django answers it as it always does (nothing found)."""
    return all(
        value in _BIGINT
        for given in values.values()
        for value in (given if isinstance(given, list | tuple) else [given])
        if isinstance(value, int) and not isinstance(value, bool)
    )


def count(name: str, build: Callable[..., QuerySet], **values) -> int:
    """The number of rows of ``build(**values)`` (see the module's description)."""
    if not name.isidentifier():
        raise ValueError(f"{name!r} is not a name SQL can take")
    kept = _kept(name, build, values, counting=True) if _storable(values) else None
    if kept is None:
        return build(**values).count()  # asked afresh, as built
    if kept.sql is None:
        return 0
    return _run(kept, values)[1][0][0]


def rows(name: str, build: Callable[..., QuerySet], **values) -> list:
    """The rows of ``build(**values)`` as ``list(build(**values))`` would give them: model
    objects with what it selects with them and its annotations, or tuples for ``values_list``
    (see the module's description)."""
    kept = _kept(name, build, values, counting=False) if _storable(values) else None
    if kept is None:
        return list(build(**values))  # asked afresh, as built
    if kept.sql is None:
        return []
    database, fetched = _run(kept, values)
    compiler = kept.compiler
    if compiler.has_extra_select:
        fetched = [row[: compiler.col_count] for row in fetched]
    if kept.tuples:
        return list(compiler.results_iter([fetched], tuple_expected=True))
    klass_info = compiler.klass_info
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    names = [column[0].target.attname for column in compiler.select[start:end]]
    annotations = compiler.annotation_col_map
    populators = get_related_populators(klass_info, compiler.select, database)
    found = []
    for row in compiler.results_iter([fetched]):
        obj = model.from_db(database, names, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for attribute, position in annotations.items():
            setattr(obj, attribute, row[position])
        found.append(obj)
    return found


def forget() -> None:
    """Compile everything again (for tests that change how a query is built)."""
    with _lock:
        _compiled.clear()
        _tries.clear()


@receiver(setting_changed)
def _forget_on_setting_changed(**kwargs) -> None:
    """A build may read a setting: a changed setting (in tests) compiles everything again."""
    forget()
