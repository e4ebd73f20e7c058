"""Recompute the audit trail's hash chain and report the first event or block that does not
match. The result is recorded (the central team's audit page shows it); the exit status is
non-zero when the chain fails. Run it daily, e.g. ``30 6 * * *`` from cron."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify_and_record


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit non-zero if anything does not match."

    def handle(self, *args, **options):
        outcome, recorded = verify_and_record()
        head = outcome.head
        summary = (
            f"Checked {outcome.events_checked} events in {outcome.blocks_checked} blocks"
            + (f"; chain head: block {head.number}, {head.hash}" if head else "")
            + f"; {outcome.unsealed} newer events not yet sealed."
        )
        if outcome.passed:
            self.stdout.write(f"The audit chain verifies. {summary}")
            return
        for problem in outcome.problems:
            self.stderr.write(problem)
        raise CommandError(
            f"The audit chain does not verify: {recorded.first_problem} "
            f"({len(outcome.problems)} problem{'s' if len(outcome.problems) != 1 else ''}). "
            + summary
        )
