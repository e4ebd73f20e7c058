"""Invented demonstration data for this app, loaded by `manage.py load_demo`.

Concerns at every level and every outcome on demo children that demo practitioners already work
with, with their steps through the flowchart. Idempotent: a child that already has a demo
concern from that practitioner is left alone.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from audit.models import Alert, AlertKind
from children.models import Involvement
from concerns.models import Category, Concern, ConcernChange, ConcernOutcome, ConcernStatus

Out = ConcernOutcome

# (practitioner, level, outcome, categories, what was seen, discussed?, why not, action agreed,
#  steps taken after logging: (outcome, level, note))
CONCERNS = [
    (
        "amara.okafor",
        1,
        Out.RESOLVED_IN_AGENCY,
        ["Health or development"],
        "Missed the 12-month developmental review twice.",
        True,
        "",
        "Mother rebooked the review at the children's centre; reminder by text.",
        [],
    ),
    (
        "amara.okafor",
        2,
        Out.RESOLVED_IN_AGENCY,
        ["Health or development", "Family difficulties"],
        "Weight below the expected centile at two visits; mother anxious about feeding.",
        True,
        "",
        "Weekly weigh-ins and feeding advice for a month; weight back on track.",
        [],
    ),
    (
        "daniel.price",
        3,
        Out.MULTI_AGENCY,
        ["Attendance", "Emotional wellbeing"],
        "Attendance down to 82% this term; withdrawn in class and often tired.",
        True,
        "",
        "Talk to the health visitor and the family's GP; consider a Family Support Meeting.",
        [(Out.MEETING_REQUESTED, 3, "Agreed with the health visitor to ask for a meeting.")],
    ),
    (
        "kwame.mensah",
        3,
        Out.MULTI_AGENCY,
        ["Underachievement", "Risk of offending"],
        "Excluded twice for fighting; older peers seen collecting him after school.",
        False,
        "Father said he would not discuss it with the school; to be raised by youth services.",
        "Contact the youth justice worker and the police safeguarding officer.",
        [],
    ),
    (
        "omar.farah",
        2,
        Out.MULTI_AGENCY,
        ["Housing", "Family difficulties"],
        "Family of five in one room in temporary accommodation with damp.",
        True,
        "",
        "Priority transfer requested; asked the school how the children are coping.",
        [(Out.RESOLVED_IN_AGENCY, 2, "Family moved to a two-bedroom flat.")],
    ),
    (
        "rachel.adeyemi",
        4,
        Out.SOCIAL_CARE,
        ["Harm or risk of harm", "Domestic abuse"],
        "Police report of domestic abuse at the home; the child was present.",
        False,
        "Discussing it with the parent could put the child and mother at greater risk.",
        "Referral to Social Care & Health; strategy discussion to be arranged.",
        [],
    ),
    (
        "tom.hughes",
        4,
        Out.CHILD_PROTECTION,
        ["Harm or risk of harm", "Substance misuse"],
        "Found alone at night near a known drug address; injuries he would not explain.",
        False,
        "Parent could not be contacted at the time.",
        "Child protection referral made the same night; the child placed with an aunt.",
        [],
    ),
    (
        "sofia.romano",
        2,
        Out.MULTI_AGENCY,
        ["Emotional wellbeing"],
        "Low mood and poor sleep for two months after a family bereavement.",
        True,
        "",
        "Referral to the school counsellor; review in six weeks.",
        [(Out.MULTI_AGENCY, 3, "Self-harm disclosed; level raised.")],
    ),
]


def load(stdout) -> None:
    """Add this app's demo records; safe to run again (nothing is duplicated)."""
    categories = {category.name: category for category in Category.objects.all()}
    today = timezone.localdate()
    added = 0
    used_children: set[int] = set()
    for n, spec in enumerate(CONCERNS):
        username, level, outcome, names, seen, discussed, why_not, action, steps = spec
        already = Concern.objects.filter(raised_by__username=username, what_was_seen=seen).first()
        if already is not None:
            used_children.add(already.child_id)
            continue
        involvement = (
            Involvement.objects.active()
            .filter(practitioner__username=username, child__merged_into__isnull=True)
            .exclude(child_id__in=used_children)
            .select_related("practitioner", "child")
            .order_by("child__lisa_ref")
            .first()
        )
        if involvement is None:
            continue
        by = involvement.practitioner
        used_children.add(involvement.child_id)
        logged_at = timezone.now() - dt.timedelta(days=40 - n * 3)
        resolved = outcome == Out.RESOLVED_IN_AGENCY
        concern = Concern.objects.create(
            child=involvement.child,
            raised_by=by,
            agency_id=involvement.agency_id,
            date=today - dt.timedelta(days=41 - n * 3),
            level=level,
            what_was_seen=seen,
            discussed_with_parent=discussed,
            not_discussed_reason=why_not,
            action_agreed=action,
            outcome=outcome,
            status=ConcernStatus.CLOSED if resolved else ConcernStatus.OPEN,
            closed_at=logged_at if resolved else None,
            created_at=logged_at,
        )
        concern.categories.set([categories[name] for name in names if name in categories])
        ConcernChange.objects.create(
            concern=concern,
            by=by,
            at=logged_at,
            kind="logged",
            to_level=level,
            to_outcome=outcome,
            to_status=concern.status,
        )
        if level == 4:
            Alert.objects.create(
                kind=AlertKind.ACUTE_CONCERN,
                child=concern.child,
                user=by,
                reason_category=concern.get_outcome_display(),
                reason="A level 4 (acute) concern was logged",
                detail={"concern": concern.pk, "level": level, "outcome": outcome},
                created_at=logged_at,
            )
        for step, (new_outcome, new_level, note) in enumerate(steps, start=1):
            before = (concern.level, concern.outcome, concern.status)
            concern.outcome = new_outcome
            concern.level = new_level
            closed = new_outcome == Out.RESOLVED_IN_AGENCY
            concern.status = ConcernStatus.CLOSED if closed else ConcernStatus.OPEN
            concern.closed_at = logged_at + dt.timedelta(days=step * 7) if closed else None
            concern.save()
            ConcernChange.objects.create(
                concern=concern,
                by=by,
                at=logged_at + dt.timedelta(days=step * 7),
                kind="resolved" if closed else "changed",
                from_level=before[0],
                to_level=new_level,
                from_outcome=before[1],
                to_outcome=new_outcome,
                from_status=before[2],
                to_status=concern.status,
                note=note,
            )
        added += 1
    stdout.write(f"Concerns: {added} added.")
