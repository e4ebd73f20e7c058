from django.db import migrations, models


def mark_central_team_deactivations(apps, schema_editor):
    """Accounts already deactivated by someone in the central team stay theirs to reactivate."""
    User = apps.get_model("lisa", "User")
    User.objects.filter(is_active=False, deactivated_by__roles__contains=["central_team"]).update(
        deactivated_by_central_team=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("lisa", "0002_agency_name_case_insensitive"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="deactivated_by_central_team",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="user",
            name="email_changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="second_factor_reset_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_central_team_deactivations, migrations.RunPython.noop),
    ]
