"""What the benchmark commands share: a database of their own on the same server."""

from __future__ import annotations

import re
import time

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections


def use_database(name: str, stdout) -> None:
    """Connect to ``name``, creating and migrating it first. The database already in use (a
    test run's) is used as it is. Creating it and loading with triggers off need a superuser."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            raise CommandError(
                "Creating the benchmark database and loading it with triggers off need a "
                "superuser: run with LISA_DB_ROLE=superuser."
            )
    if connection.settings_dict["NAME"] != name:
        params = connection.get_connection_params()
        admin = {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if not exists.fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = name
        connection.settings_dict["NAME"] = name
        call_command("migrate", verbosity=0, interactive=False)
    stdout.write(f"Benchmark database: {name}")


def load_step(command, label: str, sql: str, params: dict) -> int:
    """Run one set-based load statement and ANALYZE the table it filled (the whole load is one
    transaction, out of autovacuum's sight: without fresh statistics the later steps, which
    read these rows, would be planned for empty tables). Says the rows and time at -v 2."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.rowcount
        table = re.search(r"(?:INSERT INTO|CREATE TEMP TABLE) (\w+)", sql)[1]
        cursor.execute(f"ANALYZE {table}")
    if command.verbosity >= 2:
        took = time.perf_counter() - started
        command.stdout.write(f"  {label}: {max(rows, 0):,} rows in {took:.1f} s")
    return rows
