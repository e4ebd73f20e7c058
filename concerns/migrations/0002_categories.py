"""The specification's list of concern categories; the central team manages it from here on."""

from django.db import migrations

CATEGORIES = [
    "Underachievement",
    "Harm or risk of harm",
    "Neglect",
    "Risk of offending",
    "Health or development",
    "Emotional wellbeing",
    "Family difficulties",
    "Housing",
    "Attendance",
    "Domestic abuse",
    "Substance misuse",
]


def seed(apps, schema_editor):
    Category = apps.get_model("concerns", "Category")
    for position, name in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("concerns", "0001_concerns")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
