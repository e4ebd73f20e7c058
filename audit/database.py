"""What the application's database role may do to the audit trail, in one place.

LISA's tables belong to an *owner* role that runs the migrations; the application connects as
another role that may read and write ordinary tables but only read and add to the audit
tables. Only a table's owner (or a superuser) can drop it or disable its triggers, so the
application's connection can never rewrite the trail, whatever a bug or an intruder makes it do.

Used by the embedded database's start-up (cluster roles), by ``migrate`` (grants after every
run, see :func:`audit.apps.grant_after_migrate`) and by the system check in ``audit.checks``.
The functions take a DB-API cursor, so this module imports nothing from Django.
"""

from __future__ import annotations

from typing import Any

# The append-only tables: audit events, django-auditlog's field history, the seal blocks of the
# hash chain and the record of its verifications. tests/audit/test_roles.py keeps this list in
# step with the models.
APPEND_ONLY_TABLES = (
    "audit_auditevent",
    "auditlog_logentry",
    "audit_sealblock",
    "audit_chainverification",
)
FORBIDDEN_PRIVILEGES = ("UPDATE", "DELETE", "TRUNCATE")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def grant_statements(*, owner: str, app: str, database: str) -> list[str]:
    """SQL that gives ``app`` what the application needs and no more, for tables ``owner``
    has made and will make. Run by the owner (or a superuser) in the database concerned."""
    owner_q, app_q = _quote(owner), _quote(app)
    statements = [
        f"GRANT CONNECT ON DATABASE {_quote(database)} TO {app_q}",
        f"GRANT USAGE ON SCHEMA public TO {app_q}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app_q}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA public "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {app_q}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app_q}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app_q}",
    ]
    for table in APPEND_ONLY_TABLES:
        # A table a later migration has yet to create is skipped, not an error.
        statements.append(
            f"DO $$ BEGIN IF to_regclass('public.{table}') IS NOT NULL THEN "
            f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON public.{table} "
            f"FROM {app_q}, PUBLIC; END IF; END $$"
        )
    return statements


def apply_grants(cursor: Any, *, owner: str, app: str) -> bool:
    """Grant ``app`` its privileges in the current database; False if that role does not
    exist (a server where the roles are made by hand, later)."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app])
    if cursor.fetchone() is None:
        return False
    cursor.execute("SELECT current_database()")
    (database,) = cursor.fetchone()
    for statement in grant_statements(owner=owner, app=app, database=database):
        cursor.execute(statement)
    return True


def role_problems(cursor: Any) -> list[str]:
    """What is wrong with the connected role as the application's role: each problem as a
    sentence. Empty when it is not a superuser, is not (nor can become) the owner of any audit
    table, and may not update, delete or truncate one."""
    cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
    role, superuser = cursor.fetchone()
    if superuser:
        # A superuser may do anything; listing the rest would only repeat it.
        return [f"The database role {role!r} is a superuser: it can disable the audit triggers."]
    cursor.execute(
        """
        SELECT tablename, tableowner, pg_has_role(current_user, tableowner, 'MEMBER'),
               has_table_privilege(current_user, 'public.' || quote_ident(tablename), 'UPDATE'),
               has_table_privilege(current_user, 'public.' || quote_ident(tablename), 'DELETE'),
               has_table_privilege(current_user, 'public.' || quote_ident(tablename), 'TRUNCATE')
        FROM pg_tables
        WHERE schemaname = 'public' AND tablename = ANY(%s)
        ORDER BY tablename
        """,
        [list(APPEND_ONLY_TABLES)],
    )
    problems, owned, granted = [], [], []
    for table, owner, owns, *privileges in cursor.fetchall():
        if owns:
            owned.append(table if owner == role else f"{table} (as a member of {owner!r})")
        held = [name for name, has in zip(FORBIDDEN_PRIVILEGES, privileges, strict=True) if has]
        if held and not owns:
            granted.append(f"{', '.join(held)} on {table}")
    if owned:
        problems.append(
            f"The database role {role!r} owns {', '.join(owned)}: it can drop them or disable "
            "their triggers."
        )
    if granted:
        problems.append(f"The database role {role!r} has {'; '.join(granted)}.")
    return problems
