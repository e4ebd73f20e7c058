"""The restore drill, and what backup and restore refuse.

The drill builds the permission matrix's world (data of every kind, a signed scan among it),
seals and verifies the audit chain, backs up, restores into a new database on the same server
and compares every table of the two databases, row by row: nothing may be lost or changed, the
restored tables must belong to the owner role with the application's grants as ``migrate``
gives them, and ``verify_audit`` must pass on the restored copy.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
from contextlib import contextmanager

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from psycopg import sql

from audit.database import role_problems
from audit.models import AuditEvent, ChainVerification, SealBlock
from children.models import Child, TransferSummary
from concerns.models import Concern
from consent.models import Agreement, SharingDecision
from directory.models import Service
from lisa import embedded_db
from lisa.backups import Server
from meetings.models import Meeting, PlanAction, SupportPlan
from messaging.models import Message
from subject_access.models import SubjectAccessRequest
from tests.permission_matrix_world import build_world


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def database_exists(name: str) -> bool:
    with Server.configured().connect("postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


@pytest.fixture
def new_database():
    """The name of a database that does not exist yet; dropped afterwards if it came to."""
    name = f"test_lisa_backup_restored_{secrets.token_hex(4)}"
    yield name
    with Server.administrator().connect("postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


_PRIMARY_KEY = """
SELECT a.attname FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
WHERE i.indrelid = %s::regclass AND i.indisprimary
ORDER BY array_position(i.indkey::int2[], a.attnum)
"""


def fingerprints(database: str) -> dict[str, tuple[int, str]]:
    """Every table of the public schema: its row count and the MD5 of all its rows' text in
    primary key order."""
    found = {}
    with Server.configured().connect(database) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
        for (table,) in tables:
            key = [row[0] for row in conn.execute(_PRIMARY_KEY, [f'public."{table}"'])]
            order = sql.SQL(", ").join(sql.Identifier("r", column) for column in key)
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(r::text, E'\\n' ORDER BY {}), '')) "
                "FROM {} AS r"
            ).format(order if key else sql.SQL("r::text"), sql.Identifier("public", table))
            found[table] = conn.execute(query).fetchone()
    return found


@contextmanager
def connected_to(database: str):
    """Django's default connection pointed at another database of the same server."""
    original = connection.settings_dict["NAME"]
    connections.close_all()
    connection.settings_dict["NAME"] = database
    try:
        yield
    finally:
        connections.close_all()
        connection.settings_dict["NAME"] = original


@pytest.mark.django_db(transaction=True)
def test_restore_drill_loses_nothing_and_the_audit_chain_verifies(tmp_path, settings, new_database):
    # pg_dump reads through its own connection, so the world is committed, not rolled back.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world = build_world()
    assert "Sealed" in run("seal_audit", "--no-schedule", "--wait", "5")
    assert "The audit chain verifies" in run("verify_audit")
    for model in (
        Child, TransferSummary, Concern, Agreement, SharingDecision, Meeting, SupportPlan,
        PlanAction, Message, SubjectAccessRequest, Service, AuditEvent, SealBlock,
        ChainVerification,
    ):  # fmt: skip
        assert model.objects.exists(), model
    scan = Agreement.objects.get(pk=world.ids["agreement"]).scan_name
    scan_bytes = (tmp_path / "media" / "consent-scans" / scan).read_bytes()
    source = connection.settings_dict["NAME"]

    output = run("backup", "--output", str(tmp_path / "backup"))
    assert f"Backed up the database {source!r}" in output
    manifest_digest = hashlib.sha256((tmp_path / "backup" / "manifest.json").read_bytes())
    assert f"Manifest SHA-256: {manifest_digest.hexdigest()}" in output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["database"]["name"] == source
    assert manifest["migrations"]["audit"] and manifest["migrations"]["children"]
    assert set(manifest["files"]) == {"database.dump", f"media/consent-scans/{scan}"}
    assert manifest["tables"]["children_child"]["rows"] == Child.objects.count()

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    output = run("restore", str(tmp_path / "backup"), "--database", new_database)
    assert f"into the database {new_database!r} (created), owned by 'lisa_owner'" in output
    assert "1 uploaded file restored" in output
    assert f"Manifest SHA-256: {manifest_digest.hexdigest()}" in output
    assert f"All {len(manifest['tables'])} tables match the backup's manifest" in output
    assert (tmp_path / "restored-media" / "consent-scans" / scan).read_bytes() == scan_bytes

    before, after = fingerprints(source), fingerprints(new_database)
    assert set(before) == set(after) == set(manifest["tables"])
    differences = {table: (before[table], after[table]) for table in before}
    assert {table: pair for table, pair in differences.items() if pair[0] != pair[1]} == {}
    assert before["audit_auditevent"][0] == AuditEvent.objects.count() > 0

    # Owned by the owner role; the application's role has its grants and cannot rewrite the
    # audit trail.
    with Server.configured().connect(new_database) as conn:
        owners = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace"
        ).fetchall()
    assert owners == [(embedded_db.OWNER_ROLE,)]
    app = Server(
        host=embedded_db.HOST,
        port=str(embedded_db.PORT),
        user=embedded_db.APP_ROLE,
        password=embedded_db.password("app"),
    )
    with app.connect(new_database) as conn:
        assert role_problems(conn.cursor()) == []
        assert conn.execute("SELECT count(*) FROM children_child").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE audit_auditevent SET detail = '{}'")

    with connected_to(new_database):
        output = run("verify_audit")
        events_checked = ChainVerification.objects.order_by("-id").first().events_checked
    assert "The audit chain verifies" in output
    assert events_checked == before["audit_auditevent"][0]


@pytest.fixture
def backup(tmp_path, settings, db):
    """A backup of the test database as migrations left it, with one uploaded scan."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "consent-scans").mkdir(parents=True)
    (tmp_path / "media" / "consent-scans" / "0a1b.pdf").write_bytes(b"%PDF-1.4 signed form")
    run("backup", "--output", str(tmp_path / "backup"))
    return tmp_path / "backup"


@pytest.mark.parametrize("altered", ["database.dump", "media/consent-scans/0a1b.pdf"])
def test_a_tampered_backup_is_refused_before_anything_is_restored(
    backup, altered, settings, tmp_path, new_database
):
    with open(backup / altered, "r+b") as handle:
        handle.seek(5)
        handle.write(b"X")
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError, match=rf"{altered} does not match its checksum"):
        run("restore", str(backup), "--database", new_database)
    assert not database_exists(new_database)
    assert not (tmp_path / "restored-media").exists()


def test_a_backup_missing_a_file_is_refused(backup, new_database):
    (backup / "media" / "consent-scans" / "0a1b.pdf").unlink()
    with pytest.raises(CommandError, match="consent-scans/0a1b.pdf is missing"):
        run("restore", str(backup), "--database", new_database)
    assert not database_exists(new_database)


def test_restore_into_a_database_with_tables_is_refused(backup):
    with pytest.raises(CommandError, match="restore into an empty database"):
        run("restore", str(backup), "--database", connection.settings_dict["NAME"])


def test_restore_refuses_to_overwrite_an_uploaded_file_with_other_content(
    backup, settings, tmp_path, new_database
):
    settings.MEDIA_ROOT = tmp_path / "live-media"
    (tmp_path / "live-media" / "consent-scans").mkdir(parents=True)
    (tmp_path / "live-media" / "consent-scans" / "0a1b.pdf").write_bytes(b"%PDF-1.4 another")
    with pytest.raises(CommandError, match="would overwrite files in MEDIA_ROOT"):
        run("restore", str(backup), "--database", new_database)
    assert not database_exists(new_database)
    assert (tmp_path / "live-media" / "consent-scans" / "0a1b.pdf").read_bytes() == (
        b"%PDF-1.4 another"
    )


def test_a_backup_is_never_written_where_the_web_server_serves_files(settings, tmp_path, db):
    settings.STATIC_ROOT = tmp_path / "static"
    with pytest.raises(CommandError, match="inside a folder the web server serves"):
        run("backup", "--output", str(tmp_path / "static" / "backup"))
    assert not (tmp_path / "static" / "backup").exists()


def test_a_backup_lists_every_file_it_holds_with_its_checksum(backup):
    manifest = json.loads((backup / "manifest.json").read_text())
    held = sorted(path.relative_to(backup).as_posix() for path in backup.rglob("*"))
    assert held == [
        "database.dump",
        "manifest.json",
        "media",
        "media/consent-scans",
        "media/consent-scans/0a1b.pdf",
    ]
    for name in ("database.dump", "media/consent-scans/0a1b.pdf"):
        data = (backup / name).read_bytes()
        assert manifest["files"][name] == {
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    assert len(manifest["files"]) == 2
    # Only the owner may read a backup.
    assert {(backup / name).stat().st_mode & 0o777 for name in held} <= {0o600, 0o700}


def _edit_manifest(backup, change) -> None:
    path = backup / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def test_restore_reports_each_table_and_fails_when_one_differs_from_the_manifest(
    backup, settings, tmp_path, new_database
):
    def one_row_more(manifest):
        manifest["tables"]["concerns_category"]["rows"] += 1

    _edit_manifest(backup, one_row_more)
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^1 table of \d+ differ from the backup's manifest"):
        call_command("restore", str(backup), "--database", new_database, stdout=out)
    lines = out.getvalue().splitlines()
    [category] = [line for line in lines if line.split()[0] == "concerns_category"]
    assert "DIFFERENT:" in category and "rows backed up" in category
    assert any(line.split()[0] == "children_child" and line.endswith("ok") for line in lines[1:])


def test_a_backup_of_a_newer_lisa_is_restored_only_when_forced(
    backup, settings, tmp_path, new_database
):
    def from_the_future(manifest):
        manifest["migrations"]["children"] = ["9999_from_a_later_lisa"]

    _edit_manifest(backup, from_the_future)
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError, match="made by a newer LISA .*children: 9999_from_a_later"):
        run("restore", str(backup), "--database", new_database)
    assert not database_exists(new_database)
    output = run("restore", str(backup), "--database", new_database, "--force")
    assert "tables match the backup's manifest" in output
    assert "This code has migrations the backup predates (children:" in output


def _connect_as(monkeypatch, role: str) -> None:
    """Point the restore's connection (not the test's own) at one of the cluster's roles."""
    monkeypatch.setitem(connection.settings_dict, "USER", embedded_db.ROLES[role])
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", embedded_db.password(role))


def test_the_owner_role_restores_and_the_application_role_may_not(
    backup, settings, tmp_path, new_database, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    _connect_as(monkeypatch, "app")
    with pytest.raises(CommandError, match="restore as the owner \\(LISA_DB_ROLE=owner\\)"):
        run("restore", str(backup), "--database", new_database)
    assert not database_exists(new_database)

    _connect_as(monkeypatch, "owner")
    output = run("restore", str(backup), "--database", new_database)
    assert f"{new_database!r} (created), owned by 'lisa_owner'" in output
    monkeypatch.undo()
    with Server.configured().connect(new_database) as conn:
        owners = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace"
        ).fetchall()
        granted = conn.execute(
            "SELECT has_table_privilege(%s, 'children_child', 'UPDATE'), "
            "has_table_privilege(%s, 'audit_auditevent', 'UPDATE')",
            [embedded_db.APP_ROLE] * 2,
        ).fetchone()
    assert owners == [(embedded_db.OWNER_ROLE,)]
    assert granted == (True, False)


def test_by_default_a_backup_goes_to_var_backups_under_the_time_it_was_made(settings, tmp_path, db):
    settings.BASE_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    output = run("backup")
    [made] = (tmp_path / "var" / "backups").iterdir()
    assert re.fullmatch(r"\d{8}T\d{6}Z", made.name)
    assert f"into {made} (" in output
    assert (made / "manifest.json").is_file() and (made / "database.dump").is_file()
    assert made.stat().st_mode & 0o777 == 0o700
