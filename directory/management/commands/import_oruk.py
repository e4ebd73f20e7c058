"""Import services from an Open Referral UK (HSDS 3.0) JSON feed file.

    python manage.py import_oruk feed.json [--publish] [--dry-run]

Every record is checked before anything is saved; if any fails, each problem is listed with
its record and nothing is imported.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.importer import FeedError, import_feed

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Import services from an Open Referral UK JSON feed: all of them, or none."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The JSON feed file.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish new services at once (by default they wait for the central team).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the feed; save nothing.")

    def _progress(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // max(total, 1)
        stage = "Checking" if done * 2 <= total else "Saving"
        line = f"\r{stage:8} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done * 100 // total:3}%"
        self.stdout.write(line, ending="")
        if done == total:
            self.stdout.write("")
        self.stdout.flush()

    def handle(self, *args, path: str, publish: bool, dry_run: bool, **options):
        file = Path(path)
        try:
            feed = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"There is no file {path}.") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{path} is not valid JSON: {error}") from None
        try:
            result = import_feed(
                feed,
                source=file.name,
                publish=publish,
                dry_run=dry_run,
                progress=self._progress,
            )
        except FeedError as error:
            raise CommandError(str(error)) from None
        self.stdout.write("")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        if result.errors:
            for problem in result.errors:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(result.errors)} problem(s) in {result.records} record(s). Nothing has been "
                "imported: correct the feed and run the import again."
            )
        if dry_run:
            self.stdout.write(f"{result.records} record(s) checked: all can be imported.")
            return
        if result.categories_added:
            self.stdout.write("Categories added: " + ", ".join(result.categories_added))
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.records} service(s): {result.created} added, "
                f"{result.updated} updated."
            )
        )
