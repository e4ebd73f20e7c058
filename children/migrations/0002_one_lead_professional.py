"""One lead professional per child at a time, held by the database."""

from django.conf import settings
from django.db import migrations, models


def keep_one_lead(apps, schema_editor):
    """Where a child has more than one open lead, the latest appointment stays the lead."""
    Involvement = apps.get_model("children", "Involvement")
    seen = set()
    leads = Involvement.objects.filter(
        lead_professional=True, ended_at__isnull=True, entered_in_error=False
    ).order_by("child_id", "-created_at", "-pk")
    for involvement in leads:
        if involvement.child_id in seen:
            involvement.lead_professional = False
            involvement.save(update_fields=["lead_professional"])
        seen.add(involvement.child_id)


class Migration(migrations.Migration):
    dependencies = [
        ("children", "0001_child_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(keep_one_lead, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="involvement",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("ended_at__isnull", True),
                    ("entered_in_error", False),
                    ("lead_professional", True),
                ),
                fields=("child",),
                name="involvement_one_lead_professional",
                violation_error_message="The child already has a lead professional.",
            ),
        ),
    ]
