"""Invented history for the figures, loaded by `manage.py load_demo`: about fourteen months of
concerns from the demo practitioners about the demo children they work with (every level,
category, outcome and ward), some re-opened, some leading to a Family Support Meeting request,
and the alerts the central team reviewed over the year.

The records come from a fixed seed, and once the history is there loading again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from audit.models import Alert, AlertKind
from children.models import BreakGlassCategory, Involvement
from concerns.models import Category, Concern, ConcernChange, ConcernOutcome, ConcernStatus
from lisa.models import User

SEED = 20261205
HOW_MANY = 260
DAYS = 425

SEEN = [
    "Arrived at school hungry on several mornings this week.",
    "Missed three health appointments in a row; no reply to letters.",
    "Disclosed arguments at home that keep him awake at night.",
    "Attendance has fallen to 82% this term with no explanation.",
    "Unexplained bruise on the forearm; explanation given was vague.",
    "Family told to leave their temporary accommodation next month.",
    "Seemed withdrawn and tearful; said she has no one to talk to.",
    "Found out after dark near the station with older young people.",
    "Clothing unwashed and too small; mother says money is very tight.",
    "Toddler's speech well behind expected milestones at the review.",
]
ACTIONS = [
    "Spoke with mother; breakfast club place offered and accepted.",
    "Rebooked appointments and arranged a home visit next week.",
    "Agreed to check in weekly and share with the school nurse.",
    "Referred to the family support service with the family's consent.",
    "Discussed with the designated officer; will review in a fortnight.",
]
# (level, outcome, weight)
PATHS = [
    (1, ConcernOutcome.RESOLVED_IN_AGENCY, 30),
    (2, ConcernOutcome.RESOLVED_IN_AGENCY, 20),
    (2, ConcernOutcome.MULTI_AGENCY, 25),
    (3, ConcernOutcome.MULTI_AGENCY, 8),
    (3, ConcernOutcome.MEETING_REQUESTED, 10),
    (3, ConcernOutcome.SOCIAL_CARE, 3),
    (4, ConcernOutcome.SOCIAL_CARE, 3),
    (4, ConcernOutcome.CHILD_PROTECTION, 1),
]


def load(stdout) -> None:
    """Add the history; safe to run again (nothing is duplicated)."""
    rng = random.Random(SEED)
    involvements = list(
        Involvement.objects.active()
        .filter(child__merged_into__isnull=True, practitioner__agency__sensitive_service=False)
        .select_related("practitioner", "child")
        .order_by("pk")
    )
    categories = list(Category.objects.filter(is_active=True).order_by("pk"))
    if Concern.objects.filter(what_was_seen__in=SEEN).exists():
        stdout.write("Figures history: already loaded.")
        return
    if not involvements or not categories:
        stdout.write("Figures history: no demo involvements to build on.")
        return
    now = timezone.now()
    today = timezone.localdate()
    added = 0
    weights = [weight for *_, weight in PATHS]
    for n in range(HOW_MANY):
        involvement = rng.choice(involvements)
        level, outcome, _ = rng.choices(PATHS, weights=weights)[0]
        days_ago = rng.randrange(45, DAYS)
        date = today - dt.timedelta(days=days_ago)
        seen = SEEN[n % len(SEEN)]
        chosen = rng.sample(categories, k=rng.choice([1, 1, 2]))
        reopen = outcome == ConcernOutcome.RESOLVED_IN_AGENCY and rng.random() < 0.15
        by = involvement.practitioner
        logged_at = now - dt.timedelta(days=days_ago, hours=rng.randrange(0, 8))
        resolved = outcome == ConcernOutcome.RESOLVED_IN_AGENCY
        closed = resolved and not reopen
        concern = Concern.objects.create(
            child=involvement.child,
            raised_by=by,
            agency_id=involvement.agency_id,
            date=date,
            level=level,
            what_was_seen=seen,
            discussed_with_parent=True,
            action_agreed=ACTIONS[n % len(ACTIONS)],
            outcome=ConcernOutcome.MULTI_AGENCY if reopen else outcome,
            status=ConcernStatus.CLOSED if closed else ConcernStatus.OPEN,
            closed_at=logged_at if closed else None,
            created_at=logged_at,
        )
        concern.categories.set(chosen)
        ConcernChange.objects.create(
            concern=concern,
            by=by,
            at=logged_at,
            kind="logged",
            to_level=level,
            to_outcome=outcome,
            to_status=ConcernStatus.CLOSED if resolved else ConcernStatus.OPEN,
        )
        if level == 4:
            # Every level 4 concern raises an alert; these old ones were reviewed long ago.
            reviewer = User.objects.filter(roles__contains=["central_team"]).order_by("pk").first()
            Alert.objects.create(
                kind=AlertKind.ACUTE_CONCERN,
                child=concern.child,
                user=by,
                reason_category=concern.get_outcome_display(),
                reason="A level 4 (acute) concern was logged",
                detail={"concern": concern.pk, "level": level, "outcome": outcome},
                created_at=logged_at,
                reviewed_by=reviewer,
                reviewed_at=logged_at + dt.timedelta(days=1) if reviewer else None,
                review_note="Referral to Social Care & Health confirmed." if reviewer else "",
            )
        if reopen:
            ConcernChange.objects.create(
                concern=concern,
                by=by,
                at=logged_at + dt.timedelta(days=20),
                kind="reopened",
                from_outcome=outcome,
                to_outcome=ConcernOutcome.MULTI_AGENCY,
                from_status=ConcernStatus.CLOSED,
                to_status=ConcernStatus.OPEN,
                note="The family asked for help again.",
            )
        added += 1
    alerts = _alerts(rng, involvements, now)
    stdout.write(f"Figures history: {added} concerns and {alerts} alerts added.")


def _alerts(rng: random.Random, involvements: list[Involvement], now) -> int:
    """Break-glass and self-claim alerts across the year, most reviewed by the central team."""
    reviewer = User.objects.filter(roles__contains=["central_team"]).order_by("pk").first()
    if reviewer is None or Alert.objects.filter(detail__demo_history=True).exists():
        return 0
    alerts = []
    for n in range(40):
        involvement = rng.choice(involvements)
        created = now - dt.timedelta(days=rng.randrange(10, DAYS))
        reviewed = n % 7 != 0
        kind = AlertKind.BREAK_GLASS if n % 3 else AlertKind.SELF_CLAIM
        alerts.append(
            Alert(
                kind=kind,
                child=involvement.child,
                user=involvement.practitioner,
                reason_category=BreakGlassCategory.COVER if kind == AlertKind.BREAK_GLASS else "",
                reason="Covering for a colleague on leave"
                if kind == AlertKind.BREAK_GLASS
                else "I run the after-school club she attends",
                detail={"demo_history": True},
                created_at=created,
                reviewed_by=reviewer if reviewed else None,
                reviewed_at=created + dt.timedelta(days=2) if reviewed else None,
                review_note="Checked with the practitioner's manager: appropriate."
                if reviewed
                else "",
            )
        )
    Alert.objects.bulk_create(alerts)
    return len(alerts)
