"""Reads that tolerate a short delay, from a read replica of the database.

With ``LISA_REPLICA_URL`` set (a PostgreSQL streaming replica of the main database, reached
as the application's role), settings add the ``replica`` connection and :class:`ReplicaRouter`.
Nothing goes to the replica by default: a view opts in with :func:`tolerating_delay` (the
figures, the directory's search and public pages, and the open-data API do), and only the
reads made inside it do. Everything else reads from the primary, and every write (the audit
trail included) goes to the primary, inside or outside such a view.

Inside a delay-tolerant view the primary is still used

- for the models whose staleness would matter to security or to counting (:data:`PRIMARY_ONLY`:
  sessions, accounts and second factors, sign-in failures, involvements and break-glass
  grants, the audit seals, rate-limit counts, the cache, the task queue). The signed-in user is
  looked up before the view starts, so the session and the account are always the primary's;
- for a browser that has just changed something (read-your-writes): any request other than
  GET, HEAD or OPTIONS that succeeds leaves a signed cookie, and for
  ``LISA_REPLICA_STICKY_SECONDS`` (10) after it that browser reads only from the primary, on
  every server (they share the secret key). Anonymous callers of the open-data API cannot
  write, so they always read from the replica;
- while the replica is out of reach. It is checked (a cheap connection, with a short
  ``connect_timeout``) the first time a request wants it; a replica that fails is left alone
  for ``LISA_REPLICA_RETRY_SECONDS`` (30) and the reads go to the primary, without an error.
  A query that fails on the replica part-way through a view (it went away, or a standby
  conflict cancelled the query) runs the view again on the primary, its writes so far undone.

Reads on the replica are outside the request's transaction on the primary: they see what the
replica has replayed when each query runs, which is what "tolerating a delay" means.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
# Set on a view that reads from the replica (a test checks which views do).
REPLICA_ATTR = "lisa_tolerates_delay"
COOKIE = "lisa_recent_write"
_SALT = "lisa.replica.recent-write"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# Apps and models always read from the primary, even in a delay-tolerant view.
PRIMARY_ONLY_APPS = frozenset(
    {
        "auth",
        "contenttypes",
        "sessions",
        "axes",
        "otp_totp",
        "otp_static",
        "django_otp",
        "django_cache",  # Django's database cache
        "django_tasks_database",
    }
)
PRIMARY_ONLY = frozenset(
    {
        "lisa.user",
        "lisa.session",
        "lisa.cacheentry",
        "lisa.ratelimitcount",
        "children.involvement",
        "children.breakglass",
        "audit.sealblock",
        "audit.chainverification",
    }
)

# Where this request's delay-tolerant reads go: None outside a delay-tolerant view.
_route: ContextVar[str | None] = ContextVar("lisa_replica_route", default=None)
# Whether this request's browser changed something within the sticky window.
_recent_write: ContextVar[bool] = ContextVar("lisa_replica_recent_write", default=False)
# Until when (time.monotonic()) this process leaves an unreachable replica alone.
_down_until = 0.0


def configured() -> bool:
    return REPLICA in settings.DATABASES


def sticky_seconds() -> int:
    return int(getattr(settings, "LISA_REPLICA_STICKY_SECONDS", 10))


def retry_seconds() -> int:
    return int(getattr(settings, "LISA_REPLICA_RETRY_SECONDS", 30))


# --- is the replica there? -------------------------------------------------------------------


def _probe() -> None:
    """Connect to the replica, or check the connection kept from an earlier request; raise
    DatabaseError if it cannot be reached."""
    replica = connections[REPLICA]
    replica.close_if_health_check_failed()
    replica.ensure_connection()
    # Known good now: a later error on it is this view's (see _decorate).
    replica.errors_occurred = False


def mark_down() -> None:
    global _down_until
    _down_until = time.monotonic() + retry_seconds()
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()
    logger.warning(
        "The read replica cannot be reached: reading from the primary for %s seconds.",
        retry_seconds(),
    )


def is_down() -> bool:
    return time.monotonic() < _down_until


def usable() -> bool:
    """True when the replica answers; a failure marks it down for a while."""
    global _down_until
    if is_down():
        return False
    try:
        _probe()
    except DatabaseError:
        mark_down()
        return False
    if _down_until:
        _down_until = 0.0
        logger.info("The read replica is back: delay-tolerant reads use it again.")
    return True


def _choose() -> str:
    if not configured() or _recent_write.get() or not usable():
        return DEFAULT_DB_ALIAS
    return REPLICA


# --- opting in -------------------------------------------------------------------------------


class _ToleratingDelay:
    """The context manager (and decorator) that :func:`tolerating_delay` returns."""

    def __init__(self):
        self._tokens = []

    def __enter__(self) -> str:
        # Inside another delay-tolerant block: keep its choice (and do not check again).
        route = _route.get() or _choose()
        self._tokens.append(_route.set(route))
        return route

    def __exit__(self, *exc_info) -> None:
        _route.reset(self._tokens.pop())

    def __call__(self, view: Callable) -> Callable:
        return _decorate(view)


def tolerating_delay(view: Callable | None = None):
    """Read from the replica, if there is one and it may be used, inside this block or view.

    ``with tolerating_delay():`` for a block; ``@tolerating_delay()`` (or without the
    brackets) on a view, put below the view's access rule so that the rule is checked first.
    The view form also looks the signed-in user up on the primary before the view starts, and
    runs the view again on the primary if the replica fails part-way through."""
    if view is None:
        return _ToleratingDelay()
    return _decorate(view)


def _decorate(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        route = _route.get() or _choose()
        if route == REPLICA:
            user = getattr(request, "user", None)
            if user is not None:
                user.is_authenticated  # noqa: B018 - the session and the account, from the primary
            try:
                # A savepoint (or a transaction, in a view that is not atomic): what the view
                # wrote before the replica failed is undone before the view runs again.
                with _routed(REPLICA), transaction.atomic(using=DEFAULT_DB_ALIAS):
                    return view(request, *args, **kwargs)
            except DatabaseError:
                if not connections[REPLICA].errors_occurred:
                    raise  # the primary's error, not the replica's
                logger.warning("A query failed on the read replica: the page is read again.")
                _recheck()
            route = DEFAULT_DB_ALIAS
        with _routed(route):
            return view(request, *args, **kwargs)

    setattr(wrapped, REPLICA_ATTR, True)
    return wrapped


@contextlib.contextmanager
def _routed(route: str):
    token = _route.set(route)
    try:
        yield
    finally:
        _route.reset(token)


def _recheck() -> None:
    """After a failed query: a replica that no longer answers is left alone for a while."""
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()
    try:
        _probe()
    except DatabaseError:
        mark_down()


# --- routing -----------------------------------------------------------------------------------


class ReplicaRouter:
    """Delay-tolerant reads to the replica (see the module's description); all else to the
    primary. Migrations run on the primary only: the replica copies them."""

    def db_for_read(self, model, **hints) -> str | None:
        route = _route.get()
        if route is None:
            return None  # Django's own choice: the instance's database, else the primary
        meta = model._meta
        if meta.app_label in PRIMARY_ONLY_APPS or meta.label_lower in PRIMARY_ONLY:
            return DEFAULT_DB_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db  # a related object from where its owner came
        return route

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


# --- read-your-writes ---------------------------------------------------------------------------


def wrote_recently(request: HttpRequest) -> bool:
    """True when this browser changed something within the sticky window (the signed cookie
    says when; a forged or altered one counts for nothing)."""
    value = request.get_signed_cookie(COOKIE, default=None, salt=_SALT)
    if value is None:
        return False
    try:
        written_at = float(value)
    except ValueError:
        return False
    return 0 <= time.time() - written_at < sticky_seconds()


def note_write(response: HttpResponse) -> None:
    response.set_signed_cookie(
        COOKIE,
        f"{time.time():.3f}",
        salt=_SALT,
        max_age=sticky_seconds(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


class ReadYourWritesMiddleware:
    """For a while after a browser changes something, its delay-tolerant reads come from the
    primary, so that it sees its own change. Not used without a replica."""

    def __init__(self, get_response):
        if not configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _recent_write.set(wrote_recently(request))
        try:
            response = self.get_response(request)
        finally:
            _recent_write.reset(token)
        if request.method not in _SAFE_METHODS and response.status_code < 400:
            note_write(response)
        return response
