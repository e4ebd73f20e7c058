"""Django settings for LISA.

Every setting that differs between a developer's machine and production comes from the
environment; the README lists each variable. ``LISA_ENV=production`` turns on the production
posture (no debug, a secret key that must be given, HTTPS-only cookies, HSTS).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


PRODUCTION = env("LISA_ENV", "development") == "production"
TESTING = env_bool("LISA_TESTING") or "pytest" in sys.modules

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)


def _secret_key() -> str:
    key = env("DJANGO_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when LISA_ENV=production.")
    # A development key, made once and kept out of git.
    path = BASE_DIR / "var" / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# How many reverse proxies (load balancer, nginx…) stand in front of the application. The real
# client address is taken from X-Forwarded-For only that many hops from the right, so that a
# client cannot forge its own address. 0 means: trust only the socket's address.
TRUSTED_PROXY_COUNT = int(env("LISA_TRUSTED_PROXY_COUNT", "0") or 0)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_forms_gds",
    "axes",
    "auditlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "lisa",
    "audit",
    "children",
    "concerns",
    "meetings",
    "figures",
    "consent",
    "directory",
    "messaging",
    "subject_access",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lisa.staticfiles.StaticFilesMiddleware",
    "lisa.middleware.RequestIdMiddleware",
    # Before the session and the user are looked up: a database outage answers 503.
    "lisa.middleware.DatabaseUnavailableMiddleware",
    # Before anything reads the session or writes the audit trail.
    "lisa.middleware.UnstorableCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # With a read replica: a browser that has just changed something reads from the primary.
    "lisa.replica.ReadYourWritesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "lisa.sessions.AuthenticationMiddleware",
    "lisa.sessions.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lisa.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "lisa.middleware.AuditlogMiddleware",
    "lisa.middleware.AccessRuleMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lisa.urls"
WSGI_APPLICATION = "lisa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lisa.context_processors.lisa",
            ],
            # Django's {% url %} and |date, remembering what they work out.
            "builtins": ["lisa.templatetags.lisa_builtins"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# With no DATABASE_URL, LISA starts (or reuses) its own PostgreSQL cluster in var/postgres/.
# The application connects as a role that cannot rewrite the audit trail; migrations run as the
# role that owns the tables: `LISA_DB_ROLE=owner manage.py migrate` (make setup does this). The
# test run connects as the cluster's superuser, because it creates and empties its own databases.
DATABASE_URL = env("DATABASE_URL")
EMBEDDED_DATABASE = DATABASE_URL is None
DATABASE_ROLE = env("LISA_DB_ROLE", "app")
if DATABASE_ROLE not in {"app", "owner", "superuser"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("LISA_DB_ROLE must be app, owner or superuser.")
if EMBEDDED_DATABASE:
    from lisa import embedded_db

    embedded_db.start(quiet=True)
    if TESTING and "LISA_DB_ROLE" not in os.environ:
        DATABASE_ROLE = "superuser"
    DATABASE_URL = embedded_db.url(DATABASE_ROLE)
# After every `migrate`, the owner grants this role what the application needs (and on the audit
# tables only SELECT and INSERT). Unset with DATABASE_URL: name the application's role there.
LISA_APP_DB_ROLE = env("LISA_APP_DB_ROLE", embedded_db.APP_ROLE if EMBEDDED_DATABASE else None)
# The system check in audit/checks.py refuses to serve (an error, not a warning) when the
# application's role could rewrite the audit trail.
LISA_ENFORCE_DB_ROLE = env_bool("LISA_ENFORCE_DB_ROLE", not DEBUG)
# The queries every page makes are prepared once on each connection (lisa/compiled.py), so
# PostgreSQL plans them once. Off behind a pooler that shares server connections between
# transactions (PgBouncer in transaction mode), where a prepared statement cannot be kept.
LISA_PREPARED_STATEMENTS = env_bool("LISA_PREPARED_STATEMENTS", True)

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(env("LISA_DB_CONN_MAX_AGE", "60") or 0)
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["TEST"] = {"NAME": env("LISA_TEST_DATABASE_NAME", "test_lisa")}
# A read replica (README, "Read replica"): only the reads of views marked with
# lisa.replica.tolerating_delay go there; writes, and everything else, go to "default".
LISA_REPLICA_URL = env("LISA_REPLICA_URL")
LISA_REPLICA_STICKY_SECONDS = int(env("LISA_REPLICA_STICKY_SECONDS", "10") or 0)
LISA_REPLICA_RETRY_SECONDS = int(env("LISA_REPLICA_RETRY_SECONDS", "30") or 0)
if LISA_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        LISA_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
    )
    # The primary's options, but a short wait for a replica that does not answer.
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"]["OPTIONS"],
        "connect_timeout": int(env("LISA_REPLICA_CONNECT_TIMEOUT", "2") or 2),
        **DATABASES["replica"].get("OPTIONS", {}),
    }
    # Checked at its first use in each request, so a replica that went away is noticed.
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # The test run makes no database for it: it reads the test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["lisa.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------------
# One cache shared by every server and worker, so that several servers can stand behind a load
# balancer (README, "Running more than one server"). By default it is a table in the database
# (the `lisa_cache` table, made by the lisa app's migrations), so nothing else needs running;
# with REDIS_URL (e.g. redis://cache.internal:6379/0) it is Redis. Nothing that must be exact is
# kept in the cache: rate limits are counted in the database (lisa/ratelimit.py).
REDIS_URL = env("REDIS_URL")
CACHE_TABLE = "lisa_cache"
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    )
}
CACHES["default"]["KEY_PREFIX"] = env("LISA_CACHE_KEY_PREFIX", "lisa")

# --- Accounts and sign-in -------------------------------------------------------------------
AUTH_USER_MODEL = "lisa.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "lisa.auth.TrainedUserBackend",
]
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "sign-in"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if TESTING:
    # Tests create many users; a fast hasher keeps the suite quick. Never in production.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Lockout: failures are counted per username *and* address together, so one person mistyping
# does not lock out everyone behind an office's shared address. A second, higher limit counts a
# username's failures from every address, so a password cannot be guessed from many addresses;
# reaching it locks that username everywhere and alerts the central team (lisa.auth).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(env("LISA_LOCKOUT_FAILURES", "5") or 5)
LISA_USERNAME_LOCKOUT_FAILURES = int(env("LISA_USERNAME_LOCKOUT_FAILURES", "20") or 20)
AXES_HANDLER = "lisa.auth.LockoutHandler"
AXES_COOLOFF_TIME = float(env("LISA_LOCKOUT_MINUTES", "30") or 30) / 60  # hours
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "lisa.network.client_ip"
# Sign-in names are not case sensitive, so neither is the count of failures.
AXES_USERNAME_CALLABLE = "lisa.auth.lockout_username"
AXES_LOCKOUT_CALLABLE = "lisa.views.locked_out"
AXES_VERBOSE = False

# Two-step verification with an authenticator app (TOTP). In production everyone must use it;
# elsewhere it is offered on the account page.
LISA_REQUIRE_SECOND_FACTOR = env_bool("LISA_REQUIRE_SECOND_FACTOR", PRODUCTION)
OTP_TOTP_ISSUER = env("LISA_OTP_ISSUER", "LISA")

# Sessions: 30 minutes idle, 12 hours at most, then sign in again.
# In the database with the person signed in on them: one query for both (lisa.sessions).
SESSION_ENGINE = "lisa.sessions"
SESSION_IDLE_SECONDS = int(env("LISA_SESSION_IDLE_MINUTES", "30") or 30) * 60
SESSION_ABSOLUTE_SECONDS = int(env("LISA_SESSION_MAX_HOURS", "12") or 12) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "lisa.views.csrf_failure"

# --- Security headers ------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-lisa-session"
    CSRF_COOKIE_NAME = "__Host-lisa-csrf"
    SECURE_SSL_REDIRECT = env_bool("LISA_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("LISA_HSTS_SECONDS", "31536000") or 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("LISA_HSTS_PRELOAD", True)
    if TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
# Whose bank holidays move a subject access reply to the next working day ("ENG": England and
# Wales; "SCT" or "NIR" elsewhere in the UK).
BANK_HOLIDAY_REGION = "ENG"
# One language: Django's translation machinery is off, which spares it on every value a page
# writes. Dates and numbers still follow en-GB (Django's formats for LANGUAGE_CODE).
USE_I18N = False
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d %m %Y"]

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    ("build", BASE_DIR / "static" / "build"),
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    # Noto fonts for printed forms in every language of the translation block.
    ("fonts", BASE_DIR / "node_modules" / "@fontsource"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = Path(env("LISA_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

# --- Forms -----------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- Audit -----------------------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# --- Background work --------------------------------------------------------------------------
# Tasks (e.g. notification emails) are queued in the database in the same transaction as the
# change that caused them, and run by `manage.py db_worker` (started by `make run`).
TASKS = {
    "default": {
        "BACKEND": env("LISA_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# /health/ready/ fails when no task worker has run its heartbeat (every minute) for this long.
LISA_WORKER_STALE_SECONDS = int(env("LISA_WORKER_STALE_SECONDS", "300") or 300)

# --- Mail ------------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25") or 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "LISA <lisa@example.org>")

# --- The council -----------------------------------------------------------------------------
LISA_COUNCIL_NAME = env("LISA_COUNCIL_NAME", "London Borough of Lewisham")
LISA_SITE_URL = env("LISA_SITE_URL", "http://127.0.0.1:8000")
LISA_CONTACT_EMAIL = env("LISA_CONTACT_EMAIL", "lisa@example.org")
LISA_CONTACT_PHONE = env("LISA_CONTACT_PHONE", "020 8314 0000")
# Days after a child moves out of the area before the involvements end (time to hand over).
LISA_MOVE_OUT_GRACE_DAYS = int(env("LISA_MOVE_OUT_GRACE_DAYS", "28") or 28)
# Retention (children/retention.py): archived at this age, or this long after the record was
# closed or the family moved away, if later; not again until this long after a restore; removed
# this long after archiving. A legal hold stops both.
LISA_RETENTION_ARCHIVE_AGE = int(env("LISA_RETENTION_ARCHIVE_AGE", "18") or 18)
LISA_RETENTION_AFTER_CLOSING_YEARS = int(env("LISA_RETENTION_AFTER_CLOSING_YEARS", "2") or 2)
LISA_RETENTION_AFTER_RESTORE_YEARS = int(env("LISA_RETENTION_AFTER_RESTORE_YEARS", "1") or 1)
LISA_RETENTION_REMOVE_AFTER_YEARS = int(env("LISA_RETENTION_REMOVE_AFTER_YEARS", "6") or 6)

# --- Open data API -----------------------------------------------------------------------------
# Requests allowed per client address per period (seconds), counted across every server.
LISA_DIRECTORY_API_RATE = int(env("LISA_DIRECTORY_API_RATE", "120") or 120)
LISA_DIRECTORY_API_PERIOD = int(env("LISA_DIRECTORY_API_PERIOD", "60") or 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LISA_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
