"""Apply the retention schedule: archive the records that are due, remove the archived records
whose period has ended, and say what was held back. Run daily (e.g. ``15 1 * * *`` from cron);
``--dry-run`` lists what it would do and changes nothing."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from children.retention import Schedule, apply_retention


class ProgressBar:
    """A bar on a terminal; on a log (not a terminal), a line every tenth of the way."""

    WIDTH = 30

    def __init__(self, stream) -> None:
        self.stream = stream  # a command's OutputWrapper
        self.tty = stream.isatty()

    def __call__(self, label: str, total: int):
        done = 0
        shown = -1
        started = time.monotonic()

        def advance(n: int) -> None:
            nonlocal done, shown
            done += n
            tenth = done * 10 // total
            if self.tty:
                filled = done * self.WIDTH // total
                bar = "#" * filled + "-" * (self.WIDTH - filled)
                self.stream.write(f"\r{label:<10} [{bar}] {done}/{total}", ending="")
                if done >= total:
                    self.stream.write(f"  {time.monotonic() - started:.1f} s")
            elif tenth != shown:
                self.stream.write(f"{label}: {done} of {total}")
            shown = tenth
            self.stream.flush()

        return advance if total else (lambda n: None)


class Command(BaseCommand):
    help = (
        "Archive the records the retention schedule says are due, remove archived records whose "
        "period has ended, and report what was done and what a legal hold held back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be done; change nothing."
        )
        parser.add_argument(
            "--date", help="Apply the schedule as on this day (YYYY-MM-DD); default today."
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar (e.g. from cron)."
        )

    def handle(self, *args, dry_run=False, date=None, no_progress=False, **options):
        today = None
        if date:
            try:
                today = dt.date.fromisoformat(date)
            except ValueError as error:
                message = f"--date must be a date like 2027-01-31, not {date!r}"
                raise CommandError(message) from error
        schedule = Schedule.from_settings()
        progress = None if no_progress else ProgressBar(self.stderr)
        report = apply_retention(today, dry_run=dry_run, schedule=schedule, progress=progress)
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
            for heading, refs in (
                ("Would archive", report.archived),
                ("Would remove", report.removed),
                ("Held back by a legal hold", report.held),
            ):
                if refs:
                    self.stdout.write(f"{heading}: {', '.join(refs)}")
        for line in report.lines():
            self.stdout.write(line)
        if report.failed:
            self.stderr.write(f"Could not remove: {', '.join(report.failed)}")
