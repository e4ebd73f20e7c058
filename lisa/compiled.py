"""Counts whose SQL is worked out once per process, for queries run on every page.

Building and compiling a Django query of the access rules (:func:`lisa.policy.child_visible_q`)
costs several times the Python that PostgreSQL needs to answer it; the header's count of unread
messages pays that on every signed-in page. Its shape depends only on the person's roles and
whether they have an agency, so :func:`count` compiles it once for each such shape, with
stand-ins for the person and their agency, and at each run puts the real values where the
stand-ins were. The query is still the one the access policy builds: no rule is written again
in SQL.

Every date and time the query carries is "now" (a break-glass grant current at this moment): a
parameter made while the query was being built that is a date and time of that moment is taken
at each run as the time of the run. Any other date or time (a clock stepped back while the query
was built, a rule reckoned from now) makes the query unfit to keep: it is then not compiled, and
asked afresh each time.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from lisa.models import User

# Numbers no row can have (keys are positive), standing for the person and their agency.
STAND_IN_USER = -1_000_000_001
STAND_IN_AGENCY = -1_000_000_002
_USER, _AGENCY, _NOW = object(), object(), object()


@dataclass(frozen=True)
class _Compiled:
    sql: str | None  # None: the query can match nothing (Django said so while compiling)
    slots: tuple


_compiled: dict[tuple, _Compiled] = {}
_lock = threading.Lock()


def _stand_in(user: User) -> User:
    return User(
        pk=STAND_IN_USER,
        agency_id=STAND_IN_AGENCY if user.agency_id is not None else None,
        roles=list(user.roles),
        is_active=True,
        training_date=user.training_date,
    )


def _compile(name: str, build: Callable[[User], QuerySet], user: User) -> _Compiled | None:
    before = timezone.now()
    rows = build(_stand_in(user)).order_by().values("pk")
    try:
        inner, params = rows.query.get_compiler(using=rows.db).as_sql()
    except EmptyResultSet:
        return _Compiled(None, ())
    after = timezone.now()
    slots = []
    for value in params:
        if isinstance(value, int) and value == STAND_IN_USER:
            slots.append(_USER)
        elif isinstance(value, int) and value == STAND_IN_AGENCY:
            slots.append(_AGENCY)
        elif isinstance(value, dt.datetime) and before <= value <= after:
            slots.append(_NOW)
        elif isinstance(value, dt.date):
            # A time that is not plainly "now" (a clock stepped back while building, or a rule
            # reckoned from now): it cannot be kept, so this query is not compiled.
            return None
        else:
            slots.append(value)
    if not name.isidentifier():
        raise ValueError(f"{name!r} is not a name SQL can take")
    # The inner SQL is Django's, with placeholders for every value; the name is checked above.
    return _Compiled(f"SELECT COUNT(*) FROM ({inner}) AS {name}", tuple(slots))  # noqa: S608


def count(name: str, build: Callable[[User], QuerySet], user: User) -> int:
    """The number of rows of ``build(user)``, a query whose shape depends only on ``user``'s
    roles and whether they have an agency, and whose values only on ``user.pk``,
    ``user.agency_id`` and the time now."""
    key = (name, tuple(sorted(user.roles)), user.agency_id is not None)
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compile(name, build, user)
        if compiled is None:
            return build(user).count()  # asked afresh, as the policy builds it
        with _lock:
            _compiled[key] = compiled
    if compiled.sql is None:
        return 0
    now = timezone.now()
    params = [
        user.pk
        if slot is _USER
        else user.agency_id
        if slot is _AGENCY
        else now
        if slot is _NOW
        else slot
        for slot in compiled.slots
    ]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        return cursor.fetchone()[0]


def forget() -> None:
    """Compile everything again (for tests that change how a query is built)."""
    with _lock:
        _compiled.clear()
