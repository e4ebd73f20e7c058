"""Request id, session time-outs and deny-by-default."""

from __future__ import annotations

import logging
import re
import time
import uuid

from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

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
