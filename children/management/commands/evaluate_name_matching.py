"""Precision and recall of the child search on the labelled name pairs.

    LISA_DB_ROLE=superuser python manage.py evaluate_name_matching [--others 20000]

Runs in a database of its own (``lisa_name_pairs`` by default, created on the same server: never
among real children, whose names would skew the figures) and in a transaction that is rolled
back (children/name_evaluation.py); prints the table docs/performance.md quotes, and the pairs
missed.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from children import name_evaluation
from lisa.benchmarking import use_database


class Command(BaseCommand):
    help = "Measure precision and recall of the child search on the labelled name pairs."

    def add_arguments(self, parser):
        parser.add_argument("--others", type=int, default=20_000)
        parser.add_argument("--database", default="lisa_name_pairs")

    def handle(self, *args, **options):
        use_database(options["database"], self.stdout)
        rows = []
        for label, path in name_evaluation.SETS.items():
            pairs = name_evaluation.load(path)
            report = name_evaluation.evaluate(pairs, others=options["others"])
            rows.append((label, report))
            for pair in report.same.missed + report.different.missed:
                verdict = "same, not in first five" if pair.same else "different, strong"
                self.stdout.write(
                    f"  {label}: {verdict}: {pair.forenames} {pair.surname} / {pair.typed} "
                    f"({pair.tradition}, {pair.kind})"
                )
        self.stdout.write(
            f"\nAmong {options['others']:,} invented children:\n"
            "| set | pairs (same / different) | first five with date of birth: recall "
            "| precision | first five by name alone: recall | strong match: recall "
            "| precision | strong on different children |\n|---|---|---|---|---|---|---|---|"
        )
        for label, r in rows:
            self.stdout.write(
                f"| {label} | {r.same.pairs} / {r.different.pairs} "
                f"| {r.recall('shown_with_date'):.1%} | {r.precision('shown_with_date'):.1%} "
                f"| {r.recall('shown_by_name'):.1%} "
                f"| {r.recall('strong'):.1%} | {r.precision('strong'):.1%} "
                f"| {r.false_rate('strong'):.1%} |"
            )
