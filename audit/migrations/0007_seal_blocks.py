"""The hash chain's seal blocks and the record of its verifications, both append-only.

The same trigger function as the audit trail (migration 0002) refuses UPDATE, DELETE and
TRUNCATE on them; the application's role is granted only SELECT and INSERT after migrate.
"""

import django.db.models.functions.datetime
from django.db import migrations, models

TABLES = ("audit_sealblock", "audit_chainverification")

APPEND_ONLY = "".join(
    f"""
CREATE TRIGGER {table}_no_update_delete
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC;
"""
    for table in TABLES
)

REMOVE = "".join(
    f"""
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};
"""
    for table in TABLES
)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_sign_in_alerts"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainVerification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "verified_at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(), db_index=True
                    ),
                ),
                ("passed", models.BooleanField()),
                ("blocks_checked", models.PositiveBigIntegerField(default=0)),
                ("events_checked", models.PositiveBigIntegerField(default=0)),
                ("head_number", models.PositiveBigIntegerField(blank=True, null=True)),
                ("head_hash", models.CharField(blank=True, max_length=64)),
                ("first_problem", models.TextField(blank=True)),
                ("problems", models.JSONField(blank=True, default=list)),
            ],
            options={
                "ordering": ["-verified_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="SealBlock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveBigIntegerField(unique=True)),
                (
                    "sealed_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                ("first_event_id", models.BigIntegerField()),
                ("last_event_id", models.BigIntegerField()),
                ("event_count", models.PositiveIntegerField()),
                ("columns", models.JSONField()),
                ("events", models.JSONField()),
                ("previous_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64, unique=True)),
            ],
            options={
                "ordering": ["number"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("first_event_id__lte", models.F("last_event_id"))),
                        name="sealblock_event_range",
                    )
                ],
            },
        ),
        migrations.RunSQL(APPEND_ONLY, REMOVE),
    ]
