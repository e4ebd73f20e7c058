"""Make the changes of school that are due: run daily (e.g. ``5 0 * * *`` from cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from children.actions import apply_scheduled_school_changes


class Command(BaseCommand):
    help = "Make every change of school due today or earlier."

    def handle(self, *args, **options):
        applied = apply_scheduled_school_changes()
        self.stdout.write(f"Changes of school made: {applied}.")
