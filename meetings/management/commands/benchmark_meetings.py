"""Measure the meeting page and the record of decisions with a large meeting.

    python manage.py benchmark_meetings                 # 50 page loads, 20 PDF renders
    python manage.py benchmark_meetings --pages 200 --renders 50

Invents (inside a transaction that is rolled back) a meeting with 30 practitioners invited,
held, a lead professional appointed and a support plan of 40 actions, its record of decisions
sent, all through meetings/actions.py. Then, in-process through the whole middleware stack
signed in as the chair, times the meeting page and the record of decisions PDF, each after
warm-up requests, and reports p50 and p95 against the targets (page p95 <= 100 ms, PDF p95
<= 1 s). Nothing is left behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import platform
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import Client, RequestFactory
from django.utils import timezone

from children import actions as child_actions
from lisa.models import Agency, AgencyType, Role, User
from meetings import actions
from meetings.models import Meeting, SupportPlan

PAGE_TARGET_MS = 100
PDF_TARGET_MS = 1000
INVITED = 30
ACTIONS = 40


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def _request(user):
    request = RequestFactory().post("/benchmark/")
    request.user = user
    return request


def invent() -> tuple[User, Meeting]:
    """The chair and a held meeting with 30 invitees and a plan of 40 actions."""
    today = timezone.localdate()
    agency = Agency.objects.create(name="Benchmark Health", agency_type=AgencyType.HEALTH)
    people = [
        User.objects.create(
            username=f"benchmark.person{n}",
            first_name="Person",
            last_name=f"Number {n}",
            agency=agency,
            roles=[Role.PRACTITIONER],
            training_date=today,
            job_title="Nurse",
        )  # fmt: skip
        for n in range(INVITED)
    ]
    chair = people[0]
    child = child_actions.create_child(
        request=_request(chair), by=chair,
        values={"forenames": "Benchmark", "surname": "Child", "date_of_birth": dt.date(2016, 1, 1),
                "gender": "female", "postcode": "SE13 6LH"},
    )  # fmt: skip
    child_actions.add_involvement(
        request=_request(chair), by=chair, child=child, practitioner=chair, role="Nurse",
        how_began="concern",
    )  # fmt: skip
    meeting = actions.arrange_meeting(
        request=_request(chair), by=chair, children=[child], kind="initial", date=today,
        start_time=dt.time(10, 0), end_time=dt.time(11, 0), venue="Room 1", joining="in_person",
        chair=chair, practitioners=people, young_person_not_invited_reason="Too young",
    )  # fmt: skip
    attendance = {i.pk: ("attended", "") for i in meeting.invitees.all()}
    meeting = actions.record_attendance(
        request=_request(chair), by=chair, meeting=meeting, version=meeting.version,
        attendance=attendance,
    )  # fmt: skip
    meeting = actions.record_meeting(
        request=_request(chair), by=chair, meeting=meeting, version=meeting.version,
        summary="A long discussion.", strengths="Many.", family_views="Hopeful.",
        decisions=[f"Decision {n}" for n in range(10)],
        next_review_on=today + dt.timedelta(weeks=6),
    )  # fmt: skip
    actions.appoint_lead(
        request=_request(chair), by=chair, meeting=meeting, version=meeting.version,
        practitioner=chair,
    )  # fmt: skip
    meeting.refresh_from_db()
    plan = actions.create_plan(
        request=_request(chair), by=chair, meeting=meeting, version=meeting.version,
        outcomes=[("education", "At school every day"), ("health", "Sleeps well")],
    )  # fmt: skip
    for n in range(ACTIONS):
        plan = SupportPlan.objects.get(pk=plan.pk)
        actions.add_action(
            request=_request(chair), by=chair, plan=plan, version=plan.version,
            what=f"Action number {n}", outcome=plan.outcomes.first(), children=[child],
            owner=actions.Owner(kind="practitioner", practitioner=people[n % INVITED]),
            due_on=today + dt.timedelta(days=n + 1), meeting=meeting,
        )  # fmt: skip
    meeting.refresh_from_db()
    actions.send_record(
        request=_request(chair), by=chair, meeting=meeting, version=meeting.version,
        venue="Room 1",
    )  # fmt: skip
    return chair, Meeting.objects.get(pk=meeting.pk)


def _time(client: Client, path: str, count: int) -> list[float]:
    for _ in range(3):
        client.get(path)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return timings


class Command(BaseCommand):
    help = "Time the meeting page and the record of decisions PDF for a large meeting."

    def add_arguments(self, parser):
        parser.add_argument("--pages", type=int, default=50, help="meeting page loads")
        parser.add_argument("--renders", type=int, default=20, help="PDF renders")

    def handle(self, *args, pages: int, renders: int, **options):
        for name in ("weasyprint", "fontTools"):
            logging.getLogger(name).setLevel(logging.WARNING)
        with transaction.atomic():
            chair, meeting = invent()
            client = Client(HTTP_HOST="localhost")
            client.force_login(chair)
            self.stdout.write(
                f"Python {platform.python_version()}; a meeting with {INVITED} invited and a "
                f"plan of {ACTIONS} actions"
            )
            for label, path, count, target in (
                ("meeting page", f"/meetings/{meeting.pk}/", pages, PAGE_TARGET_MS),
                ("record of decisions PDF", f"/meetings/{meeting.pk}/record-of-decisions/",
                 renders, PDF_TARGET_MS),
            ):  # fmt: skip
                timings = _time(client, path, count)
                p95 = _percentile(timings, 0.95)
                verdict = "within" if p95 <= target else "OVER"
                self.stdout.write(
                    f"{label}: n={count} p50 {statistics.median(timings):.0f} ms, "
                    f"p95 {p95:.0f} ms ({verdict} the {target} ms target)"
                )
            transaction.set_rollback(True)
        self.stdout.write("Rolled back: the invented meeting is gone.")
