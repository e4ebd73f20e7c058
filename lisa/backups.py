"""Backing LISA up and restoring it: the logic behind ``manage.py backup`` and ``restore``.

A backup is a folder holding three things:

- ``database.dump``: ``pg_dump --format=custom`` of the configured database, made with the
  binaries of the ``pgserver`` wheel (the same ones that run the embedded cluster);
- ``media/``: a copy of every uploaded file under ``MEDIA_ROOT`` (the scans of signed forms);
- ``manifest.json``: what was backed up (LISA's version, the applied migrations' heads per app,
  the database's name, when) with the size and SHA-256 of every file in the folder, and the row
  count and a content checksum of every table.

The counts and checksums are taken in the very snapshot the dump reads: a REPEATABLE READ
transaction exports its snapshot and ``pg_dump --snapshot`` imports it, so however busy the
database, the manifest describes exactly what the dump holds. Uploaded files are copied after
the dump, so a scan added meanwhile is there too (scans are only ever added under new names).

A restore checks every file against the manifest before touching anything, restores only into
an empty database (creating it on the same server when missing) and never overwrites an
uploaded file with different content. The restored tables belong to the database's owner (the
role that runs the migrations) and the application's role gets back exactly the grants
``migrate`` gives it (``audit/database.py``); then every table's count and checksum is compared
with the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from psycopg import pq, sql
from psycopg.conninfo import make_conninfo

DUMP_NAME = "database.dump"
MEDIA_FOLDER = "media"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
# Schemas of PostgreSQL itself, never LISA's.
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")
HASH_CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    """Raised with a message a person can act on; nothing has been restored when it is."""


class BackupCommand(BaseCommand):
    """What ``manage.py backup`` and ``restore`` share: the logic is in this module, and README,
    "Backup and restore", says how to use them.

    Neither runs the system checks first: a backup must run whatever else is amiss (it reads and
    changes nothing), and the database a restore fills may not exist yet."""

    requires_system_checks = []

    def attempt(self, work, *args, **kwargs):
        """``work(*args, **kwargs)``, a failure reported as the command's error."""
        try:
            return work(*args, **kwargs)
        except BackupError as error:
            raise CommandError(str(error)) from error
        except psycopg.Error as error:
            raise CommandError(f"The database server refused: {error}") from error


# --- The server and its binaries -----------------------------------------------------------------


def pg_binary(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore`` from the pgserver wheel."""
    from lisa import embedded_db

    path = Path(embedded_db.binary(name))
    if not path.exists():
        raise BackupError(f"{name} is missing from the pgserver package ({path}).")
    return str(path)


@dataclass(frozen=True)
class Server:
    """How to reach a PostgreSQL server as one role, for psycopg and for pg_dump/pg_restore
    alike (the password goes in the environment, never on a command line)."""

    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def configured(cls) -> Server:
        """The server and role of Django's default database."""
        database = connections["default"].settings_dict
        # Only libpq's own keywords (e.g. sslmode from DATABASE_URL) mean anything to pg_dump.
        keywords = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
        given = {"dbname", "user", "password", "host", "port"}
        options = tuple(
            sorted(
                (key, str(value))
                for key, value in (database.get("OPTIONS") or {}).items()
                if key in keywords and key not in given and isinstance(value, (str, int))
            )
        )
        return cls(
            host=str(database.get("HOST") or ""),
            port=str(database.get("PORT") or ""),
            user=str(database.get("USER") or ""),
            password=str(database.get("PASSWORD") or ""),
            options=options,
        )

    @classmethod
    def administrator(cls) -> Server:
        """Who may create a database: the embedded cluster's superuser, or the configured role
        on any other server (it needs CREATEDB)."""
        if settings.EMBEDDED_DATABASE:
            from lisa import embedded_db

            return cls(
                host=embedded_db.HOST,
                port=str(embedded_db.PORT),
                user=embedded_db.USER,
                password=embedded_db.password("superuser"),
            )
        return cls.configured()

    def conninfo(self, dbname: str) -> str:
        """A libpq connection string without the password."""
        params = {"dbname": dbname, "host": self.host, "port": self.port, "user": self.user}
        params.update(self.options)
        return make_conninfo(**{k: v for k, v in params.items() if v})

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, dbname: str, *, autocommit: bool = False) -> psycopg.Connection:
        return psycopg.connect(
            self.conninfo(dbname), password=self.password or None, autocommit=autocommit
        )

    def describe(self) -> str:
        where = self.host or "the local socket"
        return f"{where}:{self.port}" if self.port else where


def _run(args: list[str], server: Server, what: str) -> None:
    result = subprocess.run(  # noqa: S603 - the wheel's own binaries, arguments built here
        args, env=server.environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed:\n{result.stderr.strip()}")


# --- Tables, counts and checksums ----------------------------------------------------------------

_TABLES = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname <> ALL(%s) AND n.nspname NOT LIKE 'pg\\_%%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                            AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
"""

# Each row's text is hashed; the checksum is the sum of the first 64 bits of those hashes. A sum
# needs no ordering and no primary key, and stays small however many rows there are.
_TABLE_STATS = (
    "SELECT count(*), coalesce(sum(('x' || left(md5(lisa_row::text), 16))::bit(64)::bigint), 0)"
    "::text FROM {} AS lisa_row"
)

# The row's text must not depend on the session's settings.
_STABLE_OUTPUT = (
    "SET LOCAL TimeZone = 'UTC'",
    "SET LOCAL DateStyle = 'ISO, YMD'",
    "SET LOCAL IntervalStyle = 'postgres'",
    "SET LOCAL extra_float_digits = 1",
    "SET LOCAL bytea_output = 'hex'",
)


def table_name(schema: str, table: str) -> str:
    return table if schema == "public" else f"{schema}.{table}"


def list_tables(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """Every ordinary table of the database that is not PostgreSQL's or an extension's."""
    return [tuple(row) for row in conn.execute(_TABLES, [list(SYSTEM_SCHEMAS)]).fetchall()]


def table_stats(conn: psycopg.Connection) -> dict[str, dict[str, object]]:
    """Each table's row count and checksum, read in the connection's current transaction."""
    for statement in _STABLE_OUTPUT:
        conn.execute(statement)
    stats = {}
    for schema, table in list_tables(conn):
        query = sql.SQL(_TABLE_STATS).format(sql.Identifier(schema, table))
        rows, checksum = conn.execute(query).fetchone()
        stats[table_name(schema, table)] = {"rows": rows, "checksum": checksum}
    return stats


# --- Migrations ----------------------------------------------------------------------------------


def _graph():
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(None, ignore_no_migrations=True).graph


def migration_heads(applied: set[tuple[str, str]]) -> dict[str, list[str]]:
    """For each app, its applied migrations that no applied migration of the app follows."""
    graph = _graph()
    heads: dict[str, list[str]] = {}
    for app, name in applied:
        node = graph.node_map.get((app, name))
        later = [c for c in node.children if c[0] == app and c in applied] if node else []
        if not later:
            heads.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(heads.items())}


def code_heads() -> dict[str, list[str]]:
    """The newest migrations of each app in this code."""
    heads: dict[str, list[str]] = {}
    for app, name in _graph().leaf_nodes():
        heads.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(heads.items())}


def lisa_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lisa")
    except PackageNotFoundError:
        return "unknown"


# --- Files ---------------------------------------------------------------------------------------


def file_digest(path: Path) -> tuple[int, str]:
    """The size and SHA-256 of a file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _media_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root``, relative to it (links are not followed)."""
    if not root.is_dir():
        return
    for folder, folders, files in os.walk(root):
        folders.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root)


def _private_folders(folder: Path, root: Path) -> None:
    """Make ``folder`` and any missing folders between it and ``root``, readable by the owner
    alone (as consent/uploads.py makes them)."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    missing = []
    while folder != root and not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)
        path.chmod(0o700)


def _served_folders() -> list[Path]:
    """Folders a web server serves (or might), where a backup must never land."""
    folders = [Path(settings.STATIC_ROOT), Path(settings.BASE_DIR) / "static"]
    for entry in settings.STATICFILES_DIRS:
        folders.append(Path(entry[1] if isinstance(entry, (tuple, list)) else entry))
    return [folder.resolve() for folder in folders]


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _check_output(output: Path) -> Path:
    output = output.expanduser().resolve()
    for folder in _served_folders():
        if _inside(output, folder) or _inside(folder, output):
            raise BackupError(
                f"{output} is inside a folder the web server serves ({folder}): choose a "
                "folder outside it, e.g. the default var/backups/."
            )
    media = Path(settings.MEDIA_ROOT).resolve()
    if _inside(output, media):
        raise BackupError(f"{output} is inside MEDIA_ROOT ({media}), which is backed up itself.")
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise BackupError(f"{output} already exists and is not an empty folder.")
    return output


# --- Backing up ----------------------------------------------------------------------------------


@dataclass
class BackupResult:
    folder: Path
    database: str
    tables: int
    rows: int
    files: int
    bytes: int
    manifest_sha256: str
    seconds: float


@contextmanager
def exported_snapshot(server: Server, dbname: str) -> Iterator[tuple[psycopg.Connection, str]]:
    """A read-only REPEATABLE READ transaction and the id of its exported snapshot, which
    stays valid for ``pg_dump --snapshot`` while the transaction is open."""
    with server.connect(dbname) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        (snapshot,) = conn.execute("SELECT pg_export_snapshot()").fetchone()
        try:
            yield conn, snapshot
        finally:
            conn.rollback()


def default_output() -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BASE_DIR) / "var" / "backups" / stamp


def make_backup(output: Path | None = None) -> BackupResult:
    """Back up the configured database and the uploaded files into ``output`` (a new folder)."""
    started = time.perf_counter()
    output = _check_output(output or default_output())
    server = Server.configured()
    dbname = connections["default"].settings_dict["NAME"]
    created = dt.datetime.now(dt.UTC)
    made_folder = not output.exists()
    output.mkdir(parents=True, exist_ok=True, mode=0o700)
    output.chmod(0o700)
    try:
        with exported_snapshot(server, dbname) as (conn, snapshot):
            stats = table_stats(conn)
            applied = set(conn.execute("SELECT app, name FROM django_migrations").fetchall())
            server_version = conn.execute("SHOW server_version").fetchone()[0]
            dump = output / DUMP_NAME
            _run(
                [
                    pg_binary("pg_dump"),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                    f"--dbname={server.conninfo(dbname)}",
                ],
                server,
                "pg_dump",
            )
        dump.chmod(0o600)
        files = [Path(DUMP_NAME)]
        media_root = Path(settings.MEDIA_ROOT)
        for relative in _media_files(media_root):
            target = output / MEDIA_FOLDER / relative
            _private_folders(target.parent, output)
            shutil.copy2(media_root / relative, target)
            target.chmod(0o600)
            files.append(Path(MEDIA_FOLDER) / relative)
        listed = {}
        for relative in files:
            size, sha256 = file_digest(output / relative)
            listed[relative.as_posix()] = {"size": size, "sha256": sha256}
        manifest = {
            "format": MANIFEST_FORMAT,
            "lisa_version": lisa_version(),
            "created": created.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "database": {"name": dbname, "server_version": server_version, "dump": DUMP_NAME},
            "migrations": migration_heads(applied),
            "tables": stats,
            "files": listed,
        }
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        # Written last, under its own name at the end: a folder without a manifest is no backup.
        partial = output / (MANIFEST_NAME + ".partial")
        partial.write_text(text)
        partial.chmod(0o600)
        partial.replace(output / MANIFEST_NAME)
    except BaseException:
        if made_folder:
            shutil.rmtree(output, ignore_errors=True)
        else:
            for child in output.iterdir():
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        raise
    return BackupResult(
        folder=output,
        database=dbname,
        tables=len(stats),
        rows=sum(entry["rows"] for entry in stats.values()),
        files=len(listed),
        bytes=sum(entry["size"] for entry in listed.values()),
        manifest_sha256=hashlib.sha256(text.encode()).hexdigest(),
        seconds=time.perf_counter() - started,
    )


# --- Restoring -----------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise BackupError(f"{folder} holds no {MANIFEST_NAME}: it is not a complete LISA backup.")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"{path} cannot be read: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"{path} is not a LISA backup manifest of format {MANIFEST_FORMAT}.")
    for key in ("database", "migrations", "tables", "files"):
        if not isinstance(manifest.get(key), dict):
            raise BackupError(f"{path} has no {key!r} section.")
    return manifest


def _safe_relative(name: str) -> Path | None:
    """The listed name as a path inside the backup, or None if it would lead outside it."""
    path = Path(name)
    if not name or path.is_absolute() or ".." in path.parts or name != path.as_posix():
        return None
    return path


def check_files(folder: Path, manifest: dict) -> list[str]:
    """Every way the files differ from the manifest, as sentences (empty when they match)."""
    problems = []
    listed = manifest["files"]
    if DUMP_NAME not in listed:
        problems.append(f"The manifest does not list {DUMP_NAME}.")
    for name, expected in sorted(listed.items()):
        relative = _safe_relative(name)
        if relative is None or not (
            relative == Path(DUMP_NAME) or relative.parts[0] == MEDIA_FOLDER
        ):
            problems.append(f"{name!r} is not a name a LISA backup uses.")
            continue
        if not isinstance(expected, dict):
            problems.append(f"The manifest's entry for {name} has no size and checksum.")
            continue
        path = folder / relative
        if not path.is_file():
            problems.append(f"{name} is missing.")
            continue
        size, sha256 = file_digest(path)
        if size != expected.get("size") or sha256 != expected.get("sha256"):
            problems.append(
                f"{name} does not match its checksum (sha256 {sha256}, {size} bytes; the "
                f"manifest says {expected.get('sha256')}, {expected.get('size')} bytes)."
            )
    return problems


def _catalog(server: Server, names: list[str]) -> psycopg.Connection:
    """A connection to the first of ``names`` that exists, to read the server's catalogue."""
    error = None
    for name in dict.fromkeys(names):
        try:
            return server.connect(name, autocommit=True)
        except psycopg.OperationalError as failure:
            error = failure
    raise BackupError(f"Cannot connect to the database server at {server.describe()}: {error}")


_OBJECTS = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND n.nspname <> ALL(%s) AND n.nspname NOT LIKE 'pg\\_%%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                            AND d.deptype = 'e')
ORDER BY c.relname
"""


@dataclass
class TableCheck:
    table: str
    expected_rows: int | None
    rows: int | None
    checksum_matches: bool

    @property
    def ok(self) -> bool:
        return self.expected_rows == self.rows and self.checksum_matches


@dataclass
class RestoreResult:
    database: str
    owner: str
    created_database: bool
    tables: list[TableCheck] = field(default_factory=list)
    media_restored: int = 0
    media_already_there: int = 0
    newer_code_migrations: dict[str, list[str]] = field(default_factory=dict)
    manifest_sha256: str = ""
    seconds: float = 0.0

    @property
    def differences(self) -> list[TableCheck]:
        return [check for check in self.tables if not check.ok]


def unknown_migrations(manifest: dict) -> dict[str, list[str]]:
    """The backup's migration heads that this code does not have (a backup of a newer LISA)."""
    known = set(_graph().nodes)
    unknown = {}
    for app, names in manifest["migrations"].items():
        missing = [name for name in names if (app, name) not in known]
        if missing:
            unknown[app] = missing
    return unknown


def _media_plan(folder: Path, manifest: dict) -> tuple[list[tuple[Path, Path]], int]:
    """The uploaded files to copy (backup file, destination) and how many are already in
    place. Refuses when a file in place has other content."""
    media_root = Path(settings.MEDIA_ROOT).resolve()
    copies, in_place, conflicts = [], 0, []
    for name, expected in sorted(manifest["files"].items()):
        relative = Path(name)
        if relative.parts[0] != MEDIA_FOLDER:
            continue
        target = media_root.joinpath(*relative.parts[1:])
        if not _inside(target.resolve(), media_root):
            conflicts.append(f"{name} would be written outside MEDIA_ROOT.")
        elif target.exists() or target.is_symlink():
            if target.is_file() and file_digest(target)[1] == expected["sha256"]:
                in_place += 1
            else:
                conflicts.append(f"{target} already exists with other content.")
        else:
            copies.append((folder / relative, target))
    if conflicts:
        raise BackupError(
            "Restoring the uploaded files would overwrite files in MEDIA_ROOT "
            f"({media_root}) with different content; nothing was restored:\n  "
            + "\n  ".join(conflicts)
        )
    return copies, in_place


@dataclass(frozen=True)
class Target:
    """The database to restore into, and who will own what is restored."""

    name: str
    exists: bool
    owner: str  # the database's owner, or the role that will own it once created
    restorer: str  # the role the restore connects as
    may_act_as_owner: bool


def find_target(server: Server, name: str) -> Target:
    configured = connections["default"].settings_dict["NAME"]
    with _catalog(server, [name, configured, "postgres", "template1"]) as conn:
        restorer = conn.execute("SELECT current_user").fetchone()[0]
        found = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if found:
            owner = found[0]
        elif settings.EMBEDDED_DATABASE:
            from lisa import embedded_db

            owner = embedded_db.OWNER_ROLE
        else:
            owner = restorer
        # A superuser counts as a member of every role.
        may_act = conn.execute(
            "SELECT current_user = %s OR pg_has_role(current_user, %s, 'MEMBER')", [owner, owner]
        ).fetchone()[0]
    return Target(name, bool(found), owner, restorer, may_act)


def check_target(server: Server, target: Target) -> None:
    """Refuse a database that holds anything already, or whose owner we cannot act as."""
    if target.exists:
        with server.connect(target.name, autocommit=True) as conn:
            present = [row[0] for row in conn.execute(_OBJECTS, [list(SYSTEM_SCHEMAS)])]
        if present:
            shown = ", ".join(present[:5]) + (", …" if len(present) > 5 else "")
            raise BackupError(
                f"The database {target.name!r} already holds {len(present)} tables or other "
                f"objects ({shown}): restore into an empty database. Name a new one with "
                "--database, or create an empty one."
            )
    if not target.may_act_as_owner:
        raise BackupError(
            f"The restored tables must belong to {target.owner!r}, the database's owner, and "
            f"the role {target.restorer!r} cannot act as it: restore as the owner "
            "(LISA_DB_ROLE=owner) or a superuser."
        )


def _create_database(target: Target) -> None:
    statement = sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'")
    try:
        with _catalog(Server.administrator(), ["postgres", "template1"]) as conn:
            conn.execute(
                statement.format(sql.Identifier(target.name), sql.Identifier(target.owner))
            )
    except psycopg.Error as error:
        raise BackupError(
            f"The database {target.name!r} does not exist and could not be created ({error}). "
            f"Create it empty, owned by the owner role (CREATE DATABASE {target.name} OWNER "
            f"{target.owner}), and run the restore again."
        ) from error


def _drop_database(name: str) -> None:
    with _catalog(Server.administrator(), ["postgres", "template1"]) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def _restore_dump(server: Server, target: Target, dump: Path) -> None:
    """pg_restore in one transaction, everything made as the owner; then the application's
    role gets the grants ``migrate`` gives it (the dump's own owners and grants are not used,
    so a backup restores onto a server whose roles have other names)."""
    command = [pg_binary("pg_restore"), "--no-owner", "--no-privileges"]
    command += ["--single-transaction", "--exit-on-error"]
    if target.owner != target.restorer:
        command.append(f"--role={target.owner}")
    command += [f"--dbname={server.conninfo(target.name)}", str(dump)]
    _run(command, server, "pg_restore")
    app_role = settings.LISA_APP_DB_ROLE
    with server.connect(target.name) as conn:
        if target.owner != target.restorer:
            conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(target.owner)))
        if app_role and app_role != target.owner:
            from audit.database import apply_grants

            apply_grants(conn.cursor(), owner=target.owner, app=app_role)
        conn.commit()


def compare_tables(expected: dict, found: dict) -> list[TableCheck]:
    """Each table's count and checksum now against the manifest's, every table of either."""
    checks = []
    for table in sorted(set(expected) | set(found)):
        before, now = expected.get(table), found.get(table)
        checks.append(
            TableCheck(
                table=table,
                expected_rows=before["rows"] if before else None,
                rows=now["rows"] if now else None,
                checksum_matches=bool(before and now and before["checksum"] == now["checksum"]),
            )
        )
    return checks


def restore_backup(folder: Path, database: str | None = None, *, force: bool = False):
    """Restore the backup in ``folder`` into ``database`` (by default the configured one),
    which must be empty or not yet exist, and its uploaded files into MEDIA_ROOT. Everything
    is checked before anything is written; the result says how each table compares."""
    started = time.perf_counter()
    folder = folder.expanduser().resolve()
    manifest = read_manifest(folder)
    problems = check_files(folder, manifest)
    if problems:
        raise BackupError(
            f"The backup in {folder} does not match its manifest, so it is not restored:\n  "
            + "\n  ".join(problems)
        )
    unknown = unknown_migrations(manifest)
    if unknown and not force:
        listed = "; ".join(f"{app}: {', '.join(names)}" for app, names in unknown.items())
        raise BackupError(
            f"The backup was made by a newer LISA (migrations this code lacks: {listed}). "
            "Restore it with that version, or give --force to restore it all the same."
        )
    server = Server.configured()
    target = find_target(server, database or connections["default"].settings_dict["NAME"])
    check_target(server, target)
    copies, in_place = _media_plan(folder, manifest)

    if not target.exists:
        _create_database(target)
    try:
        _restore_dump(server, target, folder / DUMP_NAME)
    except BaseException:
        if not target.exists:
            _drop_database(target.name)
        raise
    media_root = Path(settings.MEDIA_ROOT).resolve()
    for source, destination in copies:
        _private_folders(destination.parent, media_root)
        shutil.copy2(source, destination)

    with server.connect(target.name) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        found = table_stats(conn)
        conn.rollback()
    backed_up = manifest["migrations"]
    return RestoreResult(
        database=target.name,
        owner=target.owner,
        created_database=not target.exists,
        tables=compare_tables(manifest["tables"], found),
        media_restored=len(copies),
        media_already_there=in_place,
        newer_code_migrations={
            app: names
            for app, names in code_heads().items()
            if set(names) - set(backed_up.get(app, []))
        },
        manifest_sha256=file_digest(folder / MANIFEST_NAME)[1],
        seconds=time.perf_counter() - started,
    )
