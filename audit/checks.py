"""A system check that the application's database role cannot rewrite the audit trail.

It asks PostgreSQL (pg_roles, pg_tables, has_table_privilege) whether the connected role is a
superuser, owns an audit table or may update, delete or truncate one. With
``LISA_ENFORCE_DB_ROLE`` (on whenever DEBUG is off) that is an error, so ``manage.py check``
fails and :func:`refuse_unsafe_database_role`, called by lisa/wsgi.py, stops the web server
from starting. A process that deliberately connects as the owner (``LISA_DB_ROLE=owner``, for
migrations) is not checked.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection

from audit.database import role_problems

HINT = (
    "Connect the application as a role that neither owns the tables nor is a superuser, and "
    "run `manage.py migrate` as the owner so that it grants that role only SELECT and INSERT "
    "on the audit tables (README, Security)."
)


@checks.register(checks.Tags.security)
def check_database_role(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DATABASE_ROLE != "app":
        return []
    enforce = settings.LISA_ENFORCE_DB_ROLE
    level, prefix = (checks.Error, "audit.E") if enforce else (checks.Warning, "audit.W")
    try:
        with connection.cursor() as cursor:
            problems = role_problems(cursor)
    except DatabaseError as error:
        return [
            level(
                f"Could not check the application's database role: {error}".strip(),
                hint=HINT,
                id=f"{prefix}002",
            )
        ]
    return [level(problem, hint=HINT, id=f"{prefix}001") for problem in problems]


def refuse_unsafe_database_role() -> None:
    """Raise ImproperlyConfigured when the check above reports an error. A WSGI server does
    not run system checks, so lisa/wsgi.py calls this before serving."""
    try:
        errors = [message for message in check_database_role() if message.level >= checks.ERROR]
    finally:
        connection.close()
    if errors:
        raise ImproperlyConfigured(
            "LISA will not serve: " + " ".join(message.msg for message in errors)
        )
