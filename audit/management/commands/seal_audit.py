"""Seal the audit events written since the last block into the hash chain.

The background worker does this every minute; this command does it now, and (unless
``--no-schedule``) makes sure the worker's minute-by-minute seal is queued.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from audit import chain
from audit.tasks import schedule_next_seal


class Command(BaseCommand):
    help = "Seal new audit events into blocks of the hash chain."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="Do not queue the background worker's next seal.",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=chain.SETTLE_SECONDS,
            help="Seconds to wait for open transactions that may still add events.",
        )

    def handle(self, *args, no_schedule: bool = False, wait: float = chain.SETTLE_SECONDS, **kw):
        with transaction.atomic():
            result = chain.seal(wait_seconds=wait)
            if not no_schedule and not result.locked_out:
                schedule_next_seal()
        if result.locked_out:
            self.stdout.write("Another seal is running; nothing done.")
            return
        if result.waiting:
            self.stdout.write(
                "Transactions older than this seal are still open; nothing sealed this time."
            )
            return
        head = result.head
        self.stdout.write(
            f"Sealed {result.events} event{'s' if result.events != 1 else ''} in "
            f"{len(result.blocks)} block{'s' if len(result.blocks) != 1 else ''}."
            + (f" Chain head: block {head.number}, {head.hash}." if head else "")
        )
