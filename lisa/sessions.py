"""Sessions kept in the database with the person signed in on them.

Every signed-in page reads its session, then the person it names. :class:`SessionStore` reads
both (and the person's agency) in one query, and :class:`AuthenticationMiddleware` lets the
sign-in backend take the person read with the session instead of asking again. Django's own
``auth.get_user`` still makes every check (the backend named in the session, the session's
password hash); only where the person comes from changes.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from django.contrib import auth
from django.contrib.auth import middleware as auth_middleware
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import middleware as otp_middleware

from lisa import compiled

# The session whose person is being looked up, while ``auth.get_user`` runs for a request.
_looking_up: ContextVar[SessionStore | None] = ContextVar("lisa_session_looking_up", default=None)


def _current_session(session_key: str):
    """The session ``session_key`` if it has not expired, with its person and their agency."""
    from lisa.models import Session

    return Session.objects.select_related("user__agency", "otp_device").filter(
        session_key=session_key, expire_date__gt=timezone.now()
    )


class SessionStore(DatabaseSessionStore):
    preloaded_user = None
    preloaded_device = None

    @classmethod
    def get_model_class(cls):
        from lisa.models import Session

        return Session

    def _get_session_from_db(self):
        self.preloaded_user = self.preloaded_device = None
        try:
            # Its SQL is worked out once per process (lisa/compiled.py).
            found = compiled.rows("session", _current_session, session_key=self.session_key)
        except SuspiciousOperation as error:
            logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
            logger.warning(str(error))
            found = []
        if not found:
            self._session_key = None
            return None
        row = found[0]
        self.preloaded_user, self.preloaded_device = row.user, row.otp_device
        return row

    def create_model_instance(self, data):
        return _with_person(super().create_model_instance(data), data)

    async def acreate_model_instance(self, data):
        return _with_person(await super().acreate_model_instance(data), data)


def _with_person(row, data):
    """The session's row, naming the person its data says is signed in (or no one) and the
    authenticator it says they passed the second step with (or none): django-otp keeps it as
    the device's ``persistent_id``, "<its model's label>/<its key>"."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user_id = str(data.get(auth.SESSION_KEY, ""))
    row.user_id = int(user_id) if user_id.isdecimal() else None
    device = str(data.get(DEVICE_ID_SESSION_KEY, ""))
    label, _, device_id = device.rpartition("/")
    row.otp_device_id = (
        int(device_id) if label == TOTPDevice.model_label() and device_id.isdecimal() else None
    )
    return row


def preloaded_user(user_id):
    """The person read with the session of the request being signed in, if it is ``user_id``;
    otherwise None (the backend then reads the person itself)."""
    session = _looking_up.get()
    user = getattr(session, "preloaded_user", None)
    if user is not None and str(user.pk) == str(user_id):
        return user
    return None


def get_user(request):
    if not hasattr(request, "_cached_user"):
        token = _looking_up.set(request.session)
        try:
            request._cached_user = auth.get_user(request)
        finally:
            _looking_up.reset(token)
    return request._cached_user


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with the person taken from the session's own query when it read them."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django-otp's, with the authenticator taken from the session's own query when it read it
    (every check is still django-otp's: the device named in the session, the person's own,
    confirmed)."""

    def _verify_user_sync(self, request, user):
        token = _looking_up.set(getattr(request, "session", None))
        try:
            return super()._verify_user_sync(request, user)
        finally:
            _looking_up.reset(token)

    def _device_from_persistent_id(self, persistent_id: str):
        device = getattr(_looking_up.get(), "preloaded_device", None)
        if device is not None and device.persistent_id == self._normalize_persistent_id(
            persistent_id
        ):
            return device
        return super()._device_from_persistent_id(persistent_id)
