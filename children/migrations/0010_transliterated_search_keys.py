"""Search keys from transliterated names (anyascii) with romanisation variants folded: every
stored child's keys are recomputed, in batches, writing only those that differ."""

import sys

from django.db import migrations


def recompute_keys(apps, schema_editor):
    from children.keys import recompute

    def progress(read, changed, total):
        if total > 50_000:
            sys.stdout.write(f"\n  search keys: {read:,} of {total:,} read, {changed:,} changed")

    recompute(apps.get_model("children", "Child"), progress=progress)


class Migration(migrations.Migration):
    # Each batch is its own transaction: a large index is not held in one.
    atomic = False

    dependencies = [
        ("children", "0009_school_change_cancelled"),
    ]

    operations = [
        migrations.RunPython(recompute_keys, migrations.RunPython.noop, elidable=True),
    ]
