"""Consent rules: who may record and see consent, and what the recorded consent means.

The handbook, FAQ 2, "Do I require a parent or carer's consent before sharing information about a
child or young person?":

    "A child or young person under the age of 18 may validly consent to the sharing of
    information concerning themselves, so long as they have sufficient understanding to do so.
    Where a child does not have the capacity to consent, you should seek the agreement of the
    parent or carer, as long as this does not pose additional risk to the child. In general, it
    is the duty of professionals, whether they are involved with adults or children, to place the
    needs of the child first.

    Should a parent refuse to give consent to share information about their child who has been
    identified as vulnerable, the professionals involved may legitimately exchange information to
    safeguard the child, protect his/her health or morals, protect the rights and freedoms of
    others or prevent disorder or crime."

So a young person with sufficient understanding speaks for themselves; otherwise the parent or
carer's agreement counts. A decision to share without consent is a separate record with one of
those four grounds: it stands beside the refusal, it does not turn it into consent.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Subquery

from children import rules as child_rules
from children.models import Child
from consent.models import Agreement, Decision, Ground, Kind, SharingDecision
from lisa import policy
from lisa.models import User

# Below this age a young person's own agreement needs an explicit note on their capacity.
CAPACITY_NOTE_UNDER_AGE = 8


def can_see_consent(user: User, child: Child) -> bool:
    """Consent is part of the full record: those with a legitimate relationship, or a current
    break-glass grant (checked by children.access.child_for_user)."""
    return child_rules.can_see_full_record(user, child)


def can_record_consent(user: User, child: Child) -> bool:
    """Recording, withdrawing and attaching: those with a legitimate relationship to the child
    (break glass lets a person read the record, not change it)."""
    return child_rules.can_edit(user, child)


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _child_id(child: Child | int) -> int:
    return getattr(child, "pk", child)


def _position_row(child: Child | int) -> dict:
    """The latest agreement of each kind and the latest decision to share: from the columns the
    child was loaded with (:func:`lisa.policy.child_columns`), or in one query."""
    loaded = getattr(child, "__dict__", {})
    if "consent_sharing_ground" in loaded:
        row = {
            f"{kind.value}__{field}": loaded[f"consent_{kind.value}_{field}"]
            for kind in Kind
            for field in ("decision", "signed_on", "withdrawn_on")
        }
        row.update(
            {f"sharing__{f}": loaded[f"consent_sharing_{f}"] for f in ("decided_on", "ground")}
        )
        return row
    child_id = _child_id(child)
    row: dict = {}
    annotations = {}
    for kind in Kind:
        latest = Agreement.objects.filter(
            child_id=child_id, kind=kind, entered_in_error=False
        ).order_by("-signed_on", "-pk")
        for field in ("decision", "signed_on", "withdrawn_on"):
            annotations[f"{kind.value}__{field}"] = Subquery(latest.values(field)[:1])
    decision = SharingDecision.objects.filter(child_id=child_id, entered_in_error=False).order_by(
        "-decided_on", "-pk"
    )
    for field in ("decided_on", "ground"):
        annotations[f"sharing__{field}"] = Subquery(decision.values(field)[:1])
    found = Child.objects.filter(pk=child_id).annotate(**annotations).values(*annotations)
    for values in found:
        row = values
    return row


def _describe(who: str, row: dict, kind: Kind) -> str:
    decision = row.get(f"{kind.value}__decision")
    if decision is None:
        return f"{who} not asked"
    verb = "agreed" if decision == Decision.AGREE else "did not agree"
    text = f"{who} {verb} on {_day(row[f'{kind.value}__signed_on'])}"
    if row.get(f"{kind.value}__withdrawn_on"):
        text += f", withdrawn on {_day(row[f'{kind.value}__withdrawn_on'])}"
    return text


def consent_position(child: Child | int) -> str:
    """The consent position at a glance, for example "Parent/carer agreed on 3 May 2026; young
    person not asked"."""
    row = _position_row(child)
    parts = [
        _describe("Parent/carer", row, Kind.PARENT_CARER),
        _describe("young person", row, Kind.YOUNG_PERSON),
    ]
    if row.get("sharing__decided_on"):
        ground = Ground(row["sharing__ground"]).label.lower()
        parts.append(
            f"decision to share without consent on {_day(row['sharing__decided_on'])} ({ground})"
        )
    return "; ".join(parts)


def consent_recorded(child: Child | int) -> str:
    """For the index card: "the card says only whether consent is recorded" — refusals,
    withdrawals and the ground of a decision to share are part of the full record. One query."""
    child_id = _child_id(child)
    recorded = (
        Agreement.objects.filter(child_id=child_id, entered_in_error=False).exists()
        or SharingDecision.objects.filter(child_id=child_id, entered_in_error=False).exists()
    )
    if recorded:
        return "Recorded: see the full record"
    return "Nothing recorded yet"


def consent_to_show_sensitive(child: Child | int) -> bool:
    """Whether recorded consent lets involvements with sensitive services show (the rule lives
    in the access policy)."""
    return policy.consent_to_show_sensitive(_child_id(child))
