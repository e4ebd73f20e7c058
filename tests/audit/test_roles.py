"""The application's database role cannot rewrite the audit trail, and LISA refuses to serve with
one that could.

The test run itself connects as the cluster's superuser (it creates and empties databases);
these tests connect as the application's role, or take on other roles inside a transaction
that is rolled back, so that each rule is seen to hold and seen to fail."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core import checks
from django.db import connection

from audit.checks import check_database_role
from audit.database import APPEND_ONLY_TABLES
from audit.models import AuditEvent, ChainVerification, SealBlock

ROOT = Path(__file__).resolve().parents[2]
embedded = pytest.mark.skipif(
    not settings.EMBEDDED_DATABASE, reason="needs the embedded cluster's application role"
)


def test_the_append_only_tables_are_the_audit_models():
    models = (AuditEvent, LogEntry, SealBlock, ChainVerification)
    assert set(APPEND_ONLY_TABLES) == {model._meta.db_table for model in models}


def connect_as_app(dbname: str) -> psycopg.Connection:
    from lisa import embedded_db

    return psycopg.connect(
        host=embedded_db.HOST,
        port=embedded_db.PORT,
        user=embedded_db.APP_ROLE,
        password=embedded_db.password("app"),
        dbname=dbname,
        autocommit=True,
        options="-c lock_timeout=5s",
    )


@embedded
def test_the_application_role_cannot_rewrite_or_unprotect_the_audit_tables(django_db_setup):
    with connect_as_app(connection.settings_dict["NAME"]) as app:
        assert app.execute("SELECT current_user").fetchone()[0] == "lisa_app"
        for table in APPEND_ONLY_TABLES:
            app.execute(f"SELECT count(*) FROM {table}")  # reading is allowed
            refused = {
                f"UPDATE {table} SET id = id": "permission denied for table",
                f"DELETE FROM {table}": "permission denied for table",
                f"TRUNCATE {table}": "permission denied for table",
                f"ALTER TABLE {table} DISABLE TRIGGER ALL": "must be owner of table",
                f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_update_delete": "must be owner",
                f"DROP TABLE {table}": "must be owner of table",
            }
            for statement, message in refused.items():
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match=message):
                    app.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("SET session_replication_role = replica")
        # ...while it may still add events and change ordinary tables.
        with app.transaction(force_rollback=True):
            app.execute(
                "INSERT INTO audit_auditevent (username, role, action, outcome, object_type, "
                "object_id, user_agent, request_id, path, detail) "
                "VALUES ('', '', 'view', 'allowed', '', '', '', '', '', '{}')"
            )
            app.execute("UPDATE lisa_agency SET name = name")
            app.execute("DELETE FROM lisa_session")


@pytest.mark.django_db
class TestTheCheck:
    def test_a_superuser_connection_is_an_error_when_enforced(self, settings):
        settings.DATABASE_ROLE = "app"
        settings.LISA_ENFORCE_DB_ROLE = True
        [message] = check_database_role()
        assert message.level == checks.ERROR
        assert message.id == "audit.E001"
        assert "is a superuser" in message.msg

    def test_it_is_a_warning_in_development(self, settings):
        settings.DATABASE_ROLE = "app"
        settings.LISA_ENFORCE_DB_ROLE = False
        [message] = check_database_role()
        assert message.level == checks.WARNING
        assert message.id == "audit.W001"

    def test_the_owners_connection_for_migrations_is_not_checked(self, settings):
        settings.DATABASE_ROLE = "owner"
        settings.LISA_ENFORCE_DB_ROLE = True
        assert check_database_role() == []

    @embedded
    def test_the_application_role_passes(self, settings):
        settings.DATABASE_ROLE = "app"
        settings.LISA_ENFORCE_DB_ROLE = True
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL ROLE lisa_app")
        assert check_database_role() == []

    def as_new_role(self, *grants: str) -> str:
        """Take on a new role for the rest of this test's transaction (rolled back after)."""
        role = f"lisa_check_{uuid.uuid4().hex[:12]}"
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE ROLE {role}")
            for grant in grants:
                cursor.execute(grant.format(role=role))
            cursor.execute(f"SET LOCAL ROLE {role}")
        return role

    def test_a_role_that_may_update_or_delete_audit_rows_is_an_error(self, settings):
        settings.DATABASE_ROLE = "app"
        settings.LISA_ENFORCE_DB_ROLE = True
        role = self.as_new_role(
            "GRANT SELECT, INSERT, UPDATE ON audit_auditevent TO {role}",
            "GRANT DELETE, TRUNCATE ON audit_sealblock TO {role}",
        )
        [message] = check_database_role()
        assert message.level == checks.ERROR
        assert message.msg == (
            f"The database role '{role}' has UPDATE on audit_auditevent; "
            "DELETE, TRUNCATE on audit_sealblock."
        )

    def test_a_role_that_owns_an_audit_table_is_an_error(self, settings):
        settings.DATABASE_ROLE = "app"
        settings.LISA_ENFORCE_DB_ROLE = True
        role = self.as_new_role("ALTER TABLE auditlog_logentry OWNER TO {role}")
        [message] = check_database_role()
        assert message.level == checks.ERROR
        assert f"'{role}' owns auditlog_logentry:" in message.msg


def run(args: list[str], database_url: str, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LISA_", "DJANGO_"))}
    env.update(
        {
            "LISA_ENV": "production",
            "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-key-for-the-check-only",
            "DJANGO_ALLOWED_HOSTS": "lisa.example.org",
            "DATABASE_URL": database_url,
            **extra,
        }
    )
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_database_url(role: str) -> str:
    from lisa import embedded_db

    name = connection.settings_dict["NAME"]
    return embedded_db.url(role).rsplit("/", 1)[0] + f"/{name}"


test_database_url.__test__ = False  # a helper, not a test


@embedded
def test_production_refuses_to_start_as_a_superuser(django_db_setup):
    check = run(["manage.py", "check"], test_database_url("superuser"))
    assert check.returncode != 0
    assert "audit.E001" in check.stderr and "is a superuser" in check.stderr
    # A WSGI server runs no system checks; importing the application refuses instead.
    wsgi = run(["-c", "import lisa.wsgi"], test_database_url("superuser"))
    assert wsgi.returncode != 0
    assert "LISA will not serve" in wsgi.stderr


@embedded
def test_production_starts_as_the_application_role(django_db_setup):
    wsgi = run(["-c", "import lisa.wsgi; print('serving')"], test_database_url("app"))
    assert wsgi.returncode == 0, wsgi.stderr
    assert "serving" in wsgi.stdout
