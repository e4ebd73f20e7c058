"""Request id, database outages, unstorable characters, session time-outs and deny-by-default."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.signals import got_request_exception
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import LazyObject, empty

from lisa import health
from lisa.access import ACCESS_ATTR
from lisa.network import client_ip

logger = logging.getLogger(__name__)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id, carried into its audit events and the X-Request-ID header.

    The id is always our own: a client cannot choose what the audit trail records. Behind
    trusted proxies an incoming X-Request-ID is kept alongside, as ``request.upstream_request_id``,
    so that one request can be followed through the load balancer's logs and ours.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.upstream_request_id = (
            incoming if settings.TRUSTED_PROXY_COUNT and _REQUEST_ID.match(incoming) else ""
        )
        request.request_id = uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


# How long a browser or a client is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 30
# Where lisa/urls.py puts the health probes (lisa/health.py).
HEALTH_PREFIX = "/health/"
_DATABASE_UNAVAILABLE = "lisa_database_unavailable"


def _note_database_unavailable(sender, request=None, **kwargs):
    """Sent while Django turns an exception into a server error response, with the exception in
    hand: note on the request whether it was the database being out of reach."""
    if request is not None and health.is_database_unavailable(sys.exc_info()[1]):
        setattr(request, _DATABASE_UNAVAILABLE, True)


def _service_unavailable_page(request: HttpRequest) -> HttpResponse:
    # Rendered without the request, so that no context processor runs: no user, no session,
    # no messages, nothing that needs the database.
    page = render_to_string(
        "503.html",
        {
            "council_name": settings.LISA_COUNCIL_NAME,
            "contact_email": settings.LISA_CONTACT_EMAIL,
            "contact_phone": settings.LISA_CONTACT_PHONE,
        },
    )
    response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """While the database is out of reach, every page answers 503 "Sorry, the service is
    unavailable" (templates/503.html) with a Retry-After header, not a server error.

    It comes before the session and authentication middlewares, the first to need the
    database. Django turns an exception raised inside a middleware into a 500 response at that
    middleware, out of sight of the ones around it; so the exception is noted on the request as
    it is turned into that response (the ``got_request_exception`` signal), and this middleware
    replaces the 500. An exception that gets past (a 500 page that itself needed the database)
    is caught here, and one from a view is taken straight from ``process_exception``. Which
    errors mean "out of reach" (and not, say, a deadlock) is ``lisa.health``'s to say.

    The page needs no database, so it always renders; its security headers are added here,
    since it replaces what the later middlewares produced. Every connection is then closed,
    so the next request connects afresh and LISA recovers by itself when the database is back.

    The health probes (lisa/health.py) are answered without their cookies, so that no session
    or user is looked up for one: liveness never touches the database, and readiness says what
    is wrong in JSON rather than with this page.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.unavailable = CSPMiddleware(XFrameOptionsMiddleware(_service_unavailable_page))
        got_request_exception.connect(
            _note_database_unavailable, dispatch_uid="lisa-database-unavailable"
        )

    def __call__(self, request):
        if request.path_info.startswith(HEALTH_PREFIX):
            request.COOKIES = {}
        try:
            response = self.get_response(request)
        except Exception as error:
            if not health.is_database_unavailable(error):
                raise
            return self._answer(request, error)
        if response.status_code >= 500 and getattr(request, _DATABASE_UNAVAILABLE, False):
            return self._answer(request)
        return response

    def process_exception(self, request, exception):
        if health.is_database_unavailable(exception):
            return self._answer(request, exception)
        return None

    def _answer(self, request: HttpRequest, error: BaseException | None = None) -> HttpResponse:
        health.discard_connections()
        # The error goes to the server's log only (a wrong password or host shows here too).
        logger.warning(
            "The database is out of reach: request %s answered 503.",
            getattr(request, "request_id", "-"),
            exc_info=error,
        )
        return self.unavailable(request)


# NUL, which PostgreSQL refuses in text and JSON, and the halves of surrogate pairs, which no
# valid UTF-8 can carry.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def has_unstorable_characters(value: str) -> bool:
    return bool(_UNSTORABLE.search(value))


def _unstorable_input(request: HttpRequest) -> str | None:
    """Where the request carries characters LISA cannot store, if anywhere: its path, query
    string, cookies or headers. (Form fields refuse them beside the field: Django's text
    fields do so already.)"""
    if has_unstorable_characters(request.path_info):
        return "path"
    for key, values in request.GET.lists():
        if has_unstorable_characters(key) or any(map(has_unstorable_characters, values)):
            return "query string"
    for key, value in request.COOKIES.items():
        if has_unstorable_characters(key) or has_unstorable_characters(value):
            return "cookie"
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and has_unstorable_characters(value):
            return "header"
    return None


# Where lisa/urls.py puts the open-data API (directory/api.py), whose clients read JSON.
API_PREFIX = "/api/"
_UNSTORABLE_WHERE = "lisa_unstorable_where"


def _refusal_page(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return _api_refusal(request)
    return render(request, "lisa/unstorable_characters.html", status=400)


def _api_refusal(request: HttpRequest) -> HttpResponse:
    """The API's own 400 (``{"error": ...}``, readable from any origin, as directory/api.py
    answers a bad parameter), since its clients are programs, not people reading a page."""
    from django.http import JsonResponse

    where = getattr(request, _UNSTORABLE_WHERE, None)
    words = {"header": "headers", "cookie": "cookies"}.get(where, where)
    within = f", in its {words}" if words else ""
    message = (
        f"The request carries characters this API does not accept, such as NUL{within}: "
        "remove them and try again."
    )
    response = JsonResponse({"error": message}, status=400)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _is_unstorable_text_error(error: BaseException) -> bool:
    """PostgreSQL (or psycopg, before sending) refused a NUL in text or in JSON."""
    if not isinstance(error, DataError):
        return False
    cause = error.__cause__
    return "NUL (0x00)" in str(error) or getattr(cause, "sqlstate", None) == "22P05"


class UnstorableCharactersMiddleware:
    """Refuse, with a clear page, requests carrying text PostgreSQL cannot store (under /api/,
    with the API's own JSON error instead).

    A NUL byte in a query string, header or cookie would otherwise reach a query or the audit
    trail and fail as a server error. This runs before the session is looked up, so the check
    comes first; the page it shows gets the same security headers as every other page. As a
    backstop, a view that passes such text on to the database anyway (a form value read
    straight from the request) gets the same page, after its transaction has rolled back.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # The refusal skips the rest of the stack; these give it the same headers all the same.
        self.refuse = CSPMiddleware(XFrameOptionsMiddleware(_refusal_page))

    def __call__(self, request):
        where = _unstorable_input(request)
        if where is not None:
            logger.warning("Refused a request with unstorable characters in its %s.", where)
            setattr(request, _UNSTORABLE_WHERE, where)
            return self.refuse(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if _is_unstorable_text_error(exception):
            logger.warning("Refused a request whose form data had unstorable characters.")
            return _refusal_page(request)
        return None


def _unwrapped(user):
    while isinstance(user, LazyObject) and user._wrapped is not empty:
        user = user._wrapped
    return user


class SessionPolicyMiddleware:
    """Sign people out after 30 minutes idle or 12 hours in all (both configurable)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            signed_in_at = session.get("lisa_signed_in_at", now)
            last_seen = session.get("lisa_last_seen", now)
            reason = None
            if now - last_seen > settings.SESSION_IDLE_SECONDS:
                minutes = settings.SESSION_IDLE_SECONDS // 60
                reason = f"You were signed out after {minutes} minutes without activity."
            elif now - signed_in_at > settings.SESSION_ABSOLUTE_SECONDS:
                hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
                reason = f"You were signed out because you had been signed in for {hours} hours."
            if reason:
                request.lisa_sign_out_reason = "session time-out"
                path = request.get_full_path()
                logout(request)
                messages.info(request, reason + " Sign in again to carry on.")
                return redirect_to_login(path)
            step = self._second_factor_step(request)
            if step:
                return redirect_to_login(request.get_full_path(), step)
            # Write the session at most once a minute, not on every request.
            if now - last_seen > 60 or "lisa_last_seen" not in session:
                session["lisa_last_seen"] = now
                session.setdefault("lisa_signed_in_at", now)
            # The person is known and checked now: the page reads them directly, not through
            # the lazy wrappers of the sign-in and second-factor middleware.
            request.user = _unwrapped(user)
        return self.get_response(request)

    @staticmethod
    def _second_factor_step(request):
        """Until the second factor is passed, only its own pages and sign-out may be used."""
        from lisa.second_factor import pending_step

        step = pending_step(request)
        if step is None:
            return None
        allowed = {step, reverse("sign-out")}
        if request.path in allowed or request.path.startswith(settings.STATIC_URL):
            return None
        return step


class AccessRuleMiddleware:
    """Deny by default: a view without a declared access rule is refused."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, ACCESS_ATTR, None) is None:
            logger.error("View %s has no access rule; refused.", view_func)
            raise PermissionDenied("This page has no access rule.")
        return None

    def process_exception(self, request, exception):
        # Runs after the view's transaction has rolled back. Refusals raised as 404 (so as not
        # to reveal that a record exists) are audited here; 403s by the 403 handler.
        if isinstance(exception, Http404) and hasattr(request, "lisa_denied"):
            from audit.services import record_denied

            details = dict(request.lisa_denied)
            record_denied(request, details.pop("reason"), **details)
        return None


class AuditlogMiddleware(_AuditlogMiddleware):
    """Field history records the same client address as the audit trail: the one taken safely
    behind the configured proxies, never a forged X-Forwarded-For."""

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)
