"""Recompute every child's search keys after a change to how names are keyed.

    python manage.py recompute_search_keys [--batch 5000]

Safe to stop and to run again: only rows whose keys differ are written (children/keys.py).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from children.keys import BATCH, recompute
from children.models import Child


class Command(BaseCommand):
    help = "Recompute the search keys of every child, in batches, writing only those that differ."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=BATCH)

    def handle(self, *args, **options):
        started = time.perf_counter()

        def progress(read: int, changed: int, total: int) -> None:
            if options["verbosity"] >= 1:
                self.stdout.write(f"  {read:,} of {total:,} read, {changed:,} changed", ending="\r")

        read, changed = recompute(Child, batch=options["batch"], progress=progress)
        self.stdout.write(
            f"\nSearch keys: {read:,} children read, {changed:,} changed, "
            f"in {time.perf_counter() - started:.1f} s."
        )
