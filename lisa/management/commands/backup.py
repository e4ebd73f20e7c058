"""Back up the database and the uploaded files into one folder with a manifest of checksums.

The logic is in :mod:`lisa.backups`; README, "Backup and restore", says how to use it.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from django.core.management.base import BaseCommand, CommandError

from lisa.backups import BackupError, make_backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, custom format) and the uploaded files, with a manifest "
        "of checksums and row counts, into a new folder (default var/backups/<UTC time>/)."
    )
    # A backup must run whatever else is amiss; it reads and changes nothing.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="The folder to write (new or empty); never one the web server serves.",
        )

    def handle(self, *args, output: Path | None = None, **options):
        try:
            result = make_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        except psycopg.Error as error:
            raise CommandError(f"The database server refused: {error}") from error
        self.stdout.write(
            f"Backed up the database {result.database!r} ({result.tables} tables, "
            f"{result.rows:,} rows) and {result.files - 1} uploaded "
            f"file{'s' if result.files != 2 else ''} into {result.folder} "
            f"({result.bytes / 1_000_000:,.1f} MB in {result.seconds:.1f} s)."
        )
        self.stdout.write(f"Manifest SHA-256: {result.manifest_sha256}")
