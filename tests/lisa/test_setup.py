"""Settings, demo data, the embedded database and the production posture."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from lisa.models import Agency, Role, User

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_the_deployment_checks(django_db_setup):
    from django.db import connection

    env = {
        **os.environ,
        "LISA_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-key-for-the-check-only",
        "DJANGO_ALLOWED_HOSTS": "lisa.example.org",
    }
    if settings.EMBEDDED_DATABASE:
        # As in production: the application's own role, on the test database.
        from lisa import embedded_db

        base = embedded_db.url("app").rsplit("/", 1)[0]
        env["DATABASE_URL"] = f"{base}/{connection.settings_dict['NAME']}"
    else:
        # Elsewhere the test run's role is whatever DATABASE_URL gives (tests/audit covers it).
        env.update({"DATABASE_URL": settings.DATABASE_URL, "LISA_DB_ROLE": "owner"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "LISA_ENV": "production", "DATABASE_URL": settings.DATABASE_URL}
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_password_rules_are_length_and_common_words_not_composition():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="at least 12"):
        validate_password("short1!A")
    with pytest.raises(ValidationError, match="too common"):
        validate_password("qwerty123456")
    validate_password("plain lowercase words only")  # no composition rules


@pytest.mark.django_db
def test_demo_data_loads_every_role_and_does_not_duplicate_on_a_second_run():
    call_command("load_demo")
    call_command("load_demo")
    assert Agency.objects.filter(name="Lewisham Health Visiting Service").count() == 1
    users = User.objects.all()
    assert users.count() == 16
    held = {role for user in users for role in user.roles}
    assert held == {role.value for role in Role}
    assert users.filter(training_date__isnull=True).count() == 1
    assert Agency.objects.filter(sensitive_service=True).exists()


def test_demo_users_are_printed_with_their_password(capsys):
    call_command("print_demo_users")
    out = capsys.readouterr().out
    for name in ("amara.okafor", "priya.shah", "morgan.ellis", "sam.taylor", "alex.chen"):
        assert name in out
    assert "demo-lisa-2026" in out


@pytest.mark.skipif(not settings.EMBEDDED_DATABASE, reason="DATABASE_URL points elsewhere")
def test_embedded_database_is_private_and_reused():
    from lisa import embedded_db

    assert oct(embedded_db.PASSWORD_FILE.stat().st_mode & 0o777) == "0o600"
    assert embedded_db.start(quiet=True) == embedded_db.start(quiet=True)
    assert "@127.0.0.1:" in embedded_db.url()


@pytest.mark.skipif(not settings.EMBEDDED_DATABASE, reason="DATABASE_URL points elsewhere")
def test_embedded_database_has_an_owner_and_an_application_role():
    import psycopg

    from lisa import embedded_db

    for role in ("owner", "app"):
        assert oct(embedded_db.PASSWORD_FILES[role].stat().st_mode & 0o777) == "0o600"
    assert embedded_db.url("app").startswith("postgres://lisa_app:")
    assert embedded_db.url("owner").startswith("postgres://lisa_owner:")
    with psycopg.connect(embedded_db.url("superuser")) as conn:
        roles = dict(
            conn.execute(
                "SELECT rolname, rolsuper FROM pg_roles WHERE rolname IN ('lisa_owner', 'lisa_app')"
            ).fetchall()
        )
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'lisa'"
        ).fetchone()[0]
        owned_by_superuser = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "AND relowner = current_user::regrole"
        ).fetchone()[0]
    assert roles == {"lisa_owner": False, "lisa_app": False}
    assert owner == "lisa_owner"
    assert owned_by_superuser == 0


@pytest.mark.skipif(not settings.EMBEDDED_DATABASE, reason="DATABASE_URL points elsewhere")
def test_a_cluster_made_by_the_superuser_alone_is_handed_to_the_owner():
    """Older LISA made everything as the superuser: on start the tables go to the owner."""
    import psycopg

    from lisa import embedded_db

    with psycopg.connect(embedded_db.url("superuser")) as conn:
        conn.execute("CREATE TABLE lisa_upgrade_probe_a (id serial PRIMARY KEY)")
        conn.commit()
        try:
            assert embedded_db.start(quiet=True)
            owner = conn.execute(
                "SELECT pg_get_userbyid(relowner) FROM pg_class "
                "WHERE relname = 'lisa_upgrade_probe_a'"
            ).fetchone()[0]
            may_write = conn.execute(
                "SELECT has_table_privilege('lisa_app', 'lisa_upgrade_probe_a', 'UPDATE')"
            ).fetchone()[0]
        finally:
            conn.execute("DROP TABLE lisa_upgrade_probe_a")
            conn.commit()
    assert owner == "lisa_owner"
    assert may_write


def test_security_headers_and_content_security_policy(client, db):
    response = client.get("/sign-in/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]
