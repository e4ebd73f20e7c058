"""Restore a backup made by ``manage.py backup`` into an empty database, then compare every
table with the backup's manifest; the exit status is non-zero on any difference
(:class:`lisa.backups.BackupCommand`)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from lisa.backups import BackupCommand, restore_backup


class Command(BackupCommand):
    help = (
        "Check a backup against its manifest, restore it into an empty database (created if "
        "missing) and its uploaded files into MEDIA_ROOT, and compare every table."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="The backup's folder.")
        parser.add_argument(
            "--database",
            help="The database to restore into, on the configured server (default: the "
            "configured database). It must be empty or not exist yet.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore a backup made by a newer LISA, whose migrations this code lacks.",
        )

    def handle(self, *args, folder: Path, database: str | None, force: bool, **options):
        result = self.attempt(restore_backup, folder, database, force=force)
        self.stdout.write(
            f"Restored {folder} into the database {result.database!r}"
            f"{' (created)' if result.created_database else ''}, owned by {result.owner!r}; "
            f"{result.media_restored} uploaded file{'s' if result.media_restored != 1 else ''} "
            f"restored ({result.media_already_there} already in place) in {result.seconds:.1f} s."
        )
        self.stdout.write(f"Manifest SHA-256: {result.manifest_sha256}")
        width = max((len(check.table) for check in result.tables), default=0)
        for check in result.tables:
            if check.ok:
                verdict = "ok"
            elif check.expected_rows is None:
                verdict = "DIFFERENT: not in the backup"
            elif check.rows is None:
                verdict = "DIFFERENT: missing"
            elif check.expected_rows != check.rows:
                verdict = f"DIFFERENT: {check.expected_rows:,} rows backed up"
            else:
                verdict = "DIFFERENT: same count, other content"
            rows = "-" if check.rows is None else f"{check.rows:,}"
            self.stdout.write(f"  {check.table:<{width}}  {rows:>10} rows  {verdict}")
        if result.newer_code_migrations:
            listed = "; ".join(
                f"{app}: {', '.join(names)}" for app, names in result.newer_code_migrations.items()
            )
            self.stdout.write(
                f"This code has migrations the backup predates ({listed}): run "
                "`LISA_DB_ROLE=owner python manage.py migrate` against the restored database."
            )
        differences = result.differences
        if differences:
            raise CommandError(
                f"{len(differences)} table{'s' if len(differences) != 1 else ''} of "
                f"{len(result.tables)} differ from the backup's manifest."
            )
        self.stdout.write(
            f"All {len(result.tables)} tables match the backup's manifest "
            f"({sum(check.rows for check in result.tables):,} rows)."
        )
