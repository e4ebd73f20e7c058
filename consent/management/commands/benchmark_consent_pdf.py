"""Measure printing an agreement form to PDF.

    python manage.py benchmark_consent_pdf                # 50 renders of each variant
    python manage.py benchmark_consent_pdf --renders 200

Renders a recorded parent/carer agreement (standard and large print) and a young person's form,
each after two warm-up renders, with invented records that are never saved, and reports p50
and p95 per variant and overall. Nothing is written to the database or the audit trail.
"""

from __future__ import annotations

import datetime as dt
import platform
import statistics
import time

from django.core.management.base import BaseCommand

from children.models import Child, ParentalResponsibility
from consent import printing
from consent.models import Agreement, Kind
from lisa.models import Agency, User

TARGET_P95_SECONDS = 1.0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def invented_agreement() -> Agreement:
    agency = Agency(name="Health Visiting")
    professional = User(username="amara.okafor", first_name="Amara", last_name="Okafor")
    professional.agency = agency
    child = Child(
        forenames="Ottoline",
        surname="Brackenbury",
        date_of_birth=dt.date(2012, 6, 1),
        lisa_ref="L1234567K",
    )
    parent = ParentalResponsibility(
        child=child, name="Henrietta Brackenbury", relationship="mother"
    )
    return Agreement(
        child=child,
        kind=Kind.PARENT_CARER,
        decision="agree",
        parent=parent,
        professional=professional,
        agency=agency,
        signed_on=dt.date(2026, 5, 3),
        copy_to_child=True,
        copy_to_child_on=dt.date(2026, 5, 3),
    )


class Command(BaseCommand):
    help = "Time printing an agreement form to PDF; report p50 and p95."

    def add_arguments(self, parser):
        parser.add_argument("--renders", type=int, default=50, help="renders of each variant")

    def handle(self, *args, renders: int, **options):
        import logging

        # WeasyPrint and fontTools log every step at INFO: keep the report readable.
        for name in ("weasyprint", "fontTools"):
            logging.getLogger(name).setLevel(logging.WARNING)
        agreement = invented_agreement()
        variants = {
            "parent/carer agreement": printing.form_context(Kind.PARENT_CARER, agreement=agreement),
            "parent/carer agreement, large print": printing.form_context(
                Kind.PARENT_CARER, agreement=agreement, large=True
            ),
            "young person's form, pre-filled": printing.form_context(
                Kind.YOUNG_PERSON, child=agreement.child, professional=agreement.professional
            ),
        }
        self.stdout.write(
            f"Python {platform.python_version()}, {renders} renders of each variant "
            "after 2 warm-up renders"
        )
        everything: list[float] = []
        for label, context in variants.items():
            for _ in range(2):
                printing.render_form(context)
            timings = []
            for _ in range(renders):
                started = time.perf_counter()
                pdf = printing.render_form(context)
                timings.append(time.perf_counter() - started)
            everything += timings
            self.stdout.write(
                f"{label}: p50 {statistics.median(timings) * 1000:.0f} ms, "
                f"p95 {_percentile(timings, 0.95) * 1000:.0f} ms ({len(pdf) // 1024} KB)"
            )
        p95 = _percentile(everything, 0.95)
        verdict = "within" if p95 <= TARGET_P95_SECONDS else "OVER"
        self.stdout.write(
            f"all: p50 {statistics.median(everything) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
            f"({verdict} the {TARGET_P95_SECONDS:.0f} s target)"
        )
