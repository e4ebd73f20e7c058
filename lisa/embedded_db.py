"""The embedded PostgreSQL cluster used when no DATABASE_URL is set.

The binaries come from the ``pgserver`` wheel, so nothing needs installing by hand. The cluster
lives in ``var/postgres/`` of the checkout (git-ignored), listens only on the loopback address,
and requires a password that is generated on first start and kept in that folder with mode 600.
Starting is idempotent: a cluster that is already running is reused.

Three roles, each with its own generated password: ``lisa``, the cluster's superuser, used only
to create the others and by the test run; ``lisa_owner``, which owns the ``lisa`` database and
its tables and runs the migrations; and ``lisa_app``, the application's connection, which may
read and write ordinary tables but only read and add to the audit trail (see
``audit/database.py``). A cluster made before there were three roles is brought up to date on
start: the roles are created and the tables handed to the owner.

Run ``python -m lisa.embedded_db start|stop|status|url [app|owner|superuser]``.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_ROOT = Path(os.environ.get("LISA_PG_DIR", BASE_DIR / "var" / "postgres"))
PGDATA = DATA_ROOT / "data"
PASSWORD_FILE = DATA_ROOT / "password"
LOG_FILE = DATA_ROOT / "server.log"
LOCK_FILE = DATA_ROOT / ".lock"
HOST = "127.0.0.1"
PORT = int(os.environ.get("LISA_PG_PORT", "54329"))
USER = "lisa"  # the superuser initdb makes
OWNER_ROLE = "lisa_owner"
APP_ROLE = "lisa_app"
ROLES = {"superuser": USER, "owner": OWNER_ROLE, "app": APP_ROLE}
PASSWORD_FILES = {
    "superuser": PASSWORD_FILE,
    "owner": DATA_ROOT / "password-owner",
    "app": DATA_ROOT / "password-app",
}
DATABASE = "lisa"
# PostgreSQL refuses to run as root; when we are root it runs as this system account.
SYSTEM_USER = "lisa-postgres"


class EmbeddedDatabaseError(RuntimeError):
    """Raised with a message a person can act on."""


def binary(name: str) -> str:
    """The path of one of the PostgreSQL binaries of the pgserver wheel (``pg_ctl``,
    ``pg_dump``…)."""
    # Found without importing pgserver, whose import has side effects we do not want.
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedDatabaseError(
            "The pgserver package is not installed. Run `make setup`, or set DATABASE_URL."
        )
    return str(Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name)


def as_root() -> bool:
    """Whether we run as root, when the server and its tools run as :data:`SYSTEM_USER`."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run one of the binaries (as :data:`SYSTEM_USER` when we are root: PostgreSQL refuses
    root), its output captured as text; the caller checks the return code."""
    if as_root():
        args = ["runuser", "-u", SYSTEM_USER, "--", *args]
    return subprocess.run(args, check=False, capture_output=True, text=True, **kwargs)  # noqa: S603


def _prepare_root_ownership() -> None:
    """Create the unprivileged account and let it reach the data folder and the binaries."""
    import pwd

    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(  # noqa: S603
            [  # noqa: S607 - useradd from the system's PATH, only ever run as root
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(SYSTEM_USER)
    # The account must traverse every parent folder of the data and of the binaries.
    for target in (DATA_ROOT, Path(binary("postgres")).parent.parent):
        for parent in [target, *target.parents]:
            mode = parent.stat().st_mode
            if mode & 0o011 != 0o011:
                parent.chmod(mode | 0o011)
    for path in (DATA_ROOT, PGDATA):
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    PGDATA.chmod(0o700)
    LOG_FILE.touch(exist_ok=True)
    os.chown(LOG_FILE, entry.pw_uid, entry.pw_gid)


def password(role: str = "superuser") -> str:
    path = PASSWORD_FILES[role]
    if not path.exists():
        DATA_ROOT.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def url(role: str = "app") -> str:
    """The URL to connect as ``role``: "app" (the application), "owner" (migrations) or
    "superuser" (the test run, which creates and empties its own databases)."""
    if role not in ROLES:
        raise EmbeddedDatabaseError(f"Unknown database role {role!r}: use app, owner or superuser.")
    return f"postgres://{ROLES[role]}:{password(role)}@{HOST}:{PORT}/{DATABASE}"


def _accepting() -> bool:
    result = subprocess.run(  # noqa: S603
        [binary("pg_isready"), "-h", HOST, "-p", str(PORT), "-q"], check=False, capture_output=True
    )
    return result.returncode == 0


def _ours_running() -> bool:
    """True when the postmaster of *our* data folder is up."""
    pid_file = PGDATA / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _port_free() -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, PORT))
        except OSError:
            return False
    return True


def _initdb() -> None:
    pwfile = DATA_ROOT / ".initdb-pw"
    pwfile.write_text(password())
    if as_root():
        import pwd

        entry = pwd.getpwnam(SYSTEM_USER)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    pwfile.chmod(0o600)
    try:
        result = run(
            [
                binary("initdb"),
                "-D",
                str(PGDATA),
                "-U",
                USER,
                f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
    finally:
        pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        raise EmbeddedDatabaseError(
            f"Could not create the database cluster in {PGDATA}:\n{result.stderr.strip()}\n"
            "Remove that folder (`make clean-db`) or set DATABASE_URL to another PostgreSQL."
        )


def start(quiet: bool = False) -> str:
    """Start (or reuse) the embedded cluster and return its DATABASE_URL."""
    import fasteners

    DATA_ROOT.mkdir(parents=True, exist_ok=True)
    if not os.access(DATA_ROOT, os.W_OK):
        raise EmbeddedDatabaseError(f"The database folder {DATA_ROOT} is not writable.")
    with fasteners.InterProcessLock(str(LOCK_FILE)):
        if as_root():
            _prepare_root_ownership()
        if not (PGDATA / "PG_VERSION").exists():
            if not quiet:
                print(f"Creating the embedded PostgreSQL cluster in {PGDATA} ...", file=sys.stderr)
            _initdb()
        if _ours_running():
            if _accepting():
                _ensure_roles_and_database()
                return url()
        elif not _port_free():
            raise EmbeddedDatabaseError(
                f"Port {PORT} on {HOST} is taken by another program, so the embedded database "
                "cannot start. Set LISA_PG_PORT to a free port, or DATABASE_URL to use another "
                "PostgreSQL."
            )
        result = run(
            [
                binary("pg_ctl"),
                "-D",
                str(PGDATA),
                "-l",
                str(LOG_FILE),
                "-w",
                "-t",
                "60",
                "-o",
                f"-h {HOST} -p {PORT} -k {PGDATA}",
                "start",
            ]
        )
        if result.returncode != 0:
            log = LOG_FILE.read_text()[-2000:] if LOG_FILE.exists() else ""
            raise EmbeddedDatabaseError(
                f"The embedded PostgreSQL did not start:\n{result.stderr.strip()}\n{log}"
            )
        for _ in range(100):
            if _accepting():
                break
            time.sleep(0.1)
        _ensure_roles_and_database()
    if not quiet:
        print(f"Embedded PostgreSQL running on {HOST}:{PORT} (data in {PGDATA}).", file=sys.stderr)
    return url()


def _superuser_connection(dbname: str):
    import psycopg

    return psycopg.connect(
        host=HOST, port=PORT, user=USER, password=password(), dbname=dbname, autocommit=True
    )


# True when the roles exist, the owner owns the database and the superuser owns nothing in it.
_UP_TO_DATE = """
SELECT (SELECT count(*) FROM pg_roles WHERE rolname IN (%(owner)s, %(app)s)) = 2
   AND (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database())
       = %(owner)s
   AND NOT EXISTS (
       SELECT 1 FROM pg_class
       WHERE relnamespace = 'public'::regnamespace AND relowner = current_user::regrole
             AND relkind IN ('r', 'p', 'v', 'm', 'S', 'f'))
"""

# Hands every table, view, sequence and function the superuser made (before there was an owner
# role) to the owner. Sequences that belong to a column follow their table.
_HAND_OVER = """
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT c.oid::regclass AS name FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relowner = current_user::regrole
              AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO %I', item.name, '{owner}');
    END LOOP;
    FOR item IN
        SELECT c.oid::regclass AS name FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relowner = current_user::regrole
              AND c.relkind = 'S'
    LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', item.name, '{owner}');
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = current_user::regrole
              AND NOT EXISTS (SELECT 1 FROM pg_depend d
                              WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                    AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', item.name, '{owner}');
    END LOOP;
END $$
"""


def _ensure_roles_and_database() -> None:
    """Create the owner and application roles and the database if missing, and bring a
    database made by the superuser alone (older LISA) under the owner, granted to the app."""
    import psycopg
    from psycopg import sql

    # A password file that has gone missing is made again, and the role's password with it.
    new_passwords = {role for role in ("owner", "app") if not PASSWORD_FILES[role].exists()}
    try:
        with _superuser_connection(DATABASE) as conn:
            up_to_date = conn.execute(_UP_TO_DATE, {"owner": OWNER_ROLE, "app": APP_ROLE})
            if up_to_date.fetchone()[0] and not new_passwords:
                return
    except psycopg.OperationalError:
        pass  # the database itself is missing: made below
    with _superuser_connection("postgres") as conn:
        for role in ("owner", "app"):
            name = ROLES[role]
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone()
            if not exists:
                conn.execute(
                    sql.SQL(
                        "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}"
                    ).format(sql.Identifier(name), sql.Literal(password(role)))
                )
            elif role in new_passwords:
                conn.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                        sql.Identifier(name), sql.Literal(password(role))
                    )
                )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(DATABASE), sql.Identifier(OWNER_ROLE)
                )
            )
        else:
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(DATABASE), sql.Identifier(OWNER_ROLE)
                )
            )
    with _superuser_connection(DATABASE) as conn, conn.transaction():
        from audit.database import apply_grants

        conn.execute(_HAND_OVER.replace("{owner}", OWNER_ROLE))
        apply_grants(conn.cursor(), owner=OWNER_ROLE, app=APP_ROLE)


def stop() -> None:
    if not _ours_running():
        print("The embedded PostgreSQL is not running.", file=sys.stderr)
        return
    run([binary("pg_ctl"), "-D", str(PGDATA), "-m", "fast", "stop"])
    print("Stopped the embedded PostgreSQL.", file=sys.stderr)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    try:
        if command == "start":
            start()
        elif command == "stop":
            stop()
        elif command == "status":
            print("running" if _ours_running() and _accepting() else "stopped")
        elif command == "url":
            start(quiet=True)
            print(url(argv[2] if len(argv) > 2 else "app"))
        else:
            print(
                "usage: python -m lisa.embedded_db start|stop|status|url [app|owner|superuser]",
                file=sys.stderr,
            )
            return 2
    except EmbeddedDatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
