"""An index for "has this person opened this record of decisions?" (the home page asks it for
each record listed). Built without locking out writes to the audit trail, which is large."""

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("audit", "0007_seal_blocks"),
        ("lisa", "0007_forget_the_old_sessions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(
                    ("action", "view"), ("object_type", "meetings.recordofdecisions")
                ),
                fields=["user", "object_id"],
                name="audit_record_opened",
            ),
        ),
    ]
