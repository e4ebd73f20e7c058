"""The field-level history (django-auditlog's log entries) is append-only too.

The same trigger function as the audit trail refuses UPDATE, DELETE and TRUNCATE. Users are
never deleted (they are deactivated), so the history's link to its actor is never rewritten.
"""

from django.db import migrations

INSTALL = """
CREATE TRIGGER auditlog_logentry_no_update_delete
    BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

CREATE TRIGGER auditlog_logentry_no_truncate
    BEFORE TRUNCATE ON auditlog_logentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON auditlog_logentry FROM PUBLIC;
"""

REMOVE = """
DROP TRIGGER IF EXISTS auditlog_logentry_no_truncate ON auditlog_logentry;
DROP TRIGGER IF EXISTS auditlog_logentry_no_update_delete ON auditlog_logentry;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_alerts"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunSQL(INSTALL, REMOVE)]
