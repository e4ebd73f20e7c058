"""The transfer summary for the authority a family moved to: what LISA holds about the child,
as its producer may see it, in a JSON document that validates against the schema of its
version, kept in ``children/schemas/transfer-summary-<version>.json`` (documented in
docs/transfer-summary.md), and as a PDF drawn from the same document.

A change a receiver would have to handle gets a new version and a new schema file; the old
ones stay as they were, and LISA still reads summaries of every version in VERSIONS (LISA's
own, made before, or another authority's). Version 2 allows LISA references of 8 digits.

Shielding and sensitive services apply as on the record: the producer's access object decides
what is in it; whatever it leaves out is named in ``withheld`` (as a kind of thing, never what
it was).
"""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from children.models import Child, MoveOut
from lisa import schemas
from lisa.policy import ChildAccess

# The version LISA writes, and every version it reads.
SCHEMA_VERSION = 2
VERSIONS = (1, 2)
SCHEMAS = Path(__file__).resolve().parent / "schemas"


def schema_path(version: int = SCHEMA_VERSION) -> Path:
    if version not in VERSIONS:
        raise ValueError(f"No transfer summary schema of version {version!r}.")
    return SCHEMAS / f"transfer-summary-{version}.json"


def schema(version: int = SCHEMA_VERSION) -> dict:
    return schemas.load(schema_path(version))


def validate(document: dict, version: int = SCHEMA_VERSION) -> list[str]:
    """The complaints of the schema of ``version`` (by default the one LISA writes) about
    ``document``, as "where: what" lines (none when valid)."""
    return schemas.problems(schema_path(version), document)


def _person(user, access: ChildAccess, role: str = "", lead: bool | None = None) -> dict:
    hidden = not access.see_agency(user.agency)
    person = {
        "name": access.author(user),
        "agency": access.agency_name(user.agency),
        "role": "" if hidden else (role or user.job_title),
        "phone": "" if hidden else user.phone,
        "email": "" if hidden else user.email,
    }
    if lead is not None:
        person["lead_professional"] = lead
    return person


def build(child: Child, access: ChildAccess, *, for_authority: str, basis: dict) -> dict:
    """The summary of ``child`` as ``access``'s reader may see it."""
    from concerns.models import Concern
    from consent.models import Agreement, InformationRequest, SharingDecision
    from consent.rules import consent_position
    from meetings.models import Meeting, PlanAction, SupportPlan

    withheld: list[str] = []
    address = None
    if child.address_lines:
        if access.address:
            lines = [p for p in (child.address_line_1, child.address_line_2, child.town) if p]
            address = {"lines": lines, "postcode": child.postcode, "shielded": child.shielded}
        else:
            withheld.append("the child's address")
    move = MoveOut.objects.filter(child=child).order_by("-moved_on", "-pk").first()
    parents = []
    for parent in child.parents.filter(entered_in_error=False):
        shown_address = parent.address if access.address else None
        if parent.address and not access.address:
            withheld.append("a parent's or carer's address")
        parents.append(
            {
                "name": parent.name,
                "relationship": parent.relationship,
                "phone": parent.phone,
                "email": parent.email,
                "address": shown_address,
            }
        )
    practitioners = [
        _person(inv.practitioner, access, inv.role, inv.lead_professional)
        for inv in access.visible_involvements
    ]
    concerns = []
    for concern in (
        Concern.objects.current()
        .filter(child=child)
        .select_related("agency")
        .prefetch_related("categories")
        .order_by("date", "pk")
    ):
        concerns.append(
            {
                "date": concern.date.isoformat(),
                "level": concern.level,
                "categories": [c.name for c in concern.categories.all()],
                "outcome": concern.get_outcome_display(),
                "status": concern.status,
                "agency": access.agency_name(concern.agency),
                "summary": concern.what_was_seen,
                "action_agreed": concern.action_agreed,
            }
        )
    meetings = [
        {
            "date": meeting.date.isoformat(),
            "kind": meeting.kind,
            "status": meeting.status,
            "decisions": [d.text for d in meeting.decisions.all()],
        }
        for meeting in Meeting.objects.current()
        .filter(children=child)
        .prefetch_related("decisions")
        .order_by("date", "pk")
    ]
    plan = None
    current = (
        SupportPlan.objects.open()
        .with_review()
        .filter(children=child)
        .select_related("lead", "lead__agency")
        .order_by("-created_at")
        .first()
    )
    if current is not None:
        actions = (
            PlanAction.objects.filter(plan=current, entered_in_error=False)
            .filter(status__in=["not_started", "in_progress"])
            .select_related("owner", "owner__agency", "owner_parent", "owner_young_person")
            .order_by("due_on", "pk")
        )
        plan = {
            "opened": timezone.localtime(current.created_at).date().isoformat(),
            "lead_professional": _person(current.lead, access) if current.lead else None,
            "outcomes": [
                f"{o.get_headline_display()}: {o.description}" for o in current.outcomes.all()
            ],
            "open_actions": [
                {
                    "what": a.what,
                    "who": access.author(a.owner) if a.owner_id else a.owner_label,
                    "due": a.due_on.isoformat(),
                }
                for a in actions
            ],
            "next_review": current.next_review_on.isoformat() if current.next_review_on else None,
        }
    agreements = [
        {
            "kind": a.kind,
            "decision": a.decision,
            "signed_on": a.signed_on.isoformat(),
            "withdrawn_on": a.withdrawn_on.isoformat() if a.withdrawn_on else None,
        }
        for a in Agreement.objects.filter(child=child, entered_in_error=False).order_by(
            "signed_on", "pk"
        )
    ]
    decisions = [
        {
            "ground": d.get_ground_display(),
            "what": d.what_shared,
            "with_whom": d.shared_with,
            "decided_by": d.decided_by,
            "decided_on": d.decided_on.isoformat(),
            "reason": d.reason,
        }
        for d in SharingDecision.objects.filter(child=child, entered_in_error=False).order_by(
            "decided_on", "pk"
        )
    ]
    requests = [
        {
            "requested_by": r.requested_by,
            "received_on": r.received_on.isoformat(),
            "what_requested": r.what_requested,
            "outcome": r.outcome,
            "what_shared": r.what_shared,
            "shared_with": r.shared_with,
            "reason": r.reason,
            "decided_by": r.decided_by,
            "decided_on": r.decided_on.isoformat(),
        }
        for r in InformationRequest.objects.filter(child=child, entered_in_error=False).order_by(
            "received_on", "pk"
        )
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "produced_at": timezone.now().isoformat(),
        "produced_by": _person(access.user, access),
        "for_authority": for_authority,
        "lawful_basis": basis,
        "child": {
            "lisa_ref": child.lisa_ref,
            "nhs_number": child.nhs_number or None,
            "upn": child.upn or None,
            "forenames": child.forenames,
            "surname": child.surname,
            "other_names": child.other_names,
            "date_of_birth": child.date_of_birth.isoformat(),
            "gender": child.gender,
            "address": address,
            "school": child.school,
            "first_language": child.first_language,
            "interpreter_needed": child.interpreter_needed,
            "status": child.status,
            "moved_out": {
                "date": move.moved_on.isoformat(),
                "authority": move.authority,
                "team": move.contact_team,
                "email": move.contact_email,
                "phone": move.contact_phone,
            }
            if move
            else None,
        },
        "parents": parents,
        "practitioners": practitioners,
        "concerns": concerns,
        "meetings": meetings,
        "plan": plan,
        "consent": {
            "position": consent_position(child),
            "agreements": agreements,
            "decisions_to_share": decisions,
            "requests_for_information": requests,
        },
        "withheld": sorted(set(withheld)),
    }
