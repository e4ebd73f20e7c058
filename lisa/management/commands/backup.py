"""Back up the database and the uploaded files into one folder with a manifest of checksums
(:class:`lisa.backups.BackupCommand`)."""

from __future__ import annotations

from pathlib import Path

from lisa.backups import BackupCommand, make_backup


class Command(BackupCommand):
    help = (
        "Back up the database (pg_dump, custom format) and the uploaded files, with a manifest "
        "of checksums and row counts, into a new folder (default var/backups/<UTC time>/)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="The folder to write (new or empty); never one the web server serves.",
        )

    def handle(self, *args, output: Path | None = None, **options):
        result = self.attempt(make_backup, output)
        self.stdout.write(
            f"Backed up the database {result.database!r} ({result.tables} tables, "
            f"{result.rows:,} rows) and {result.files - 1} uploaded "
            f"file{'s' if result.files != 2 else ''} into {result.folder} "
            f"({result.bytes / 1_000_000:,.1f} MB in {result.seconds:.1f} s)."
        )
        self.stdout.write(f"Manifest SHA-256: {result.manifest_sha256}")
