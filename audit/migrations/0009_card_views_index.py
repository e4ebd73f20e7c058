"""An index of the index cards each person opened, newest first (every card of a child they do
not work with asks for their latest: children.actions.check_card_volume). Built without locking
out writes to the audit trail, which is large."""

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("audit", "0008_record_opened_index"),
        ("lisa", "0008_session_with_its_authenticator"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("action", "view"), ("detail__view", "card")),
                fields=["user", "-at"],
                include=("child_id",),
                name="audit_card_views",
            ),
        ),
    ]
