"""Make the changes of school that are due, and end the involvements of children whose grace
period after moving out of the area has passed: run daily (e.g. ``5 0 * * *`` from cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from children.actions import apply_scheduled_school_changes, end_involvements_after_moves


class Command(BaseCommand):
    help = (
        "Make every change of school due today or earlier; end the involvements of children "
        "who moved out of the area once the grace period has passed."
    )

    def handle(self, *args, **options):
        applied = apply_scheduled_school_changes()
        ended = end_involvements_after_moves()
        self.stdout.write(f"Changes of school made: {applied}.")
        self.stdout.write(f"Children moved away whose involvements ended: {ended}.")
