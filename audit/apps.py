from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from audit import checks, signals  # noqa: F401  (registers the check; connects receivers)

        pre_migrate.connect(refuse_to_migrate_as_the_application, sender=self)
        post_migrate.connect(grant_after_migrate, sender=self)


def refuse_to_migrate_as_the_application(using="default", **kwargs) -> None:
    """Migrations need the owner's rights; say so plainly instead of failing half-way."""
    from django.core.management.base import CommandError
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute("SELECT has_schema_privilege('public', 'CREATE')")
        (may_create,) = cursor.fetchone()
    if not may_create:
        raise CommandError(
            "This database role cannot create tables: run migrations as the owner role, "
            "e.g. `LISA_DB_ROLE=owner python manage.py migrate` (make setup does this)."
        )


def grant_after_migrate(using="default", **kwargs) -> None:
    """After every migrate (run as the owner), grant the application's role what it needs and,
    on the audit tables, only SELECT and INSERT; tables made by later migrations are covered
    by the default privileges set here too."""
    from django.conf import settings
    from django.db import connections, transaction

    from audit.database import apply_grants

    app_role = settings.LISA_APP_DB_ROLE
    if not app_role:
        return
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
        if owner != app_role:
            apply_grants(cursor, owner=owner, app=app_role)
