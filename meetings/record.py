"""The record of decisions: what a meeting decided, as it is sent, printed and read.

:func:`snapshot` takes what the record says from the recorded meeting (people by their ids, the
words as written); a sent version keeps it unchanged. :func:`for_reader` turns a snapshot into
what one reader may see, asking the meeting's access objects (sensitive services generalised,
contact details only where the agency may be seen). The live record (before it is sent) and
every sent version go through the same two functions, so they cannot drift apart.
:func:`without_removed` takes a child whose record was removed out of the versions sent of a
meeting shared with a sibling.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Min, Prefetch, prefetch_related_objects

from audit.models import Action, AuditEvent
from children.models import Child, ParentalResponsibility
from children.removal import REMOVED_OWNER
from directory.models import Service
from lisa.models import Agency, User
from meetings.models import (
    ActionStatus,
    Attendance,
    HeadlineOutcome,
    InviteeKind,
    LeadAppointment,
    Meeting,
    MeetingKind,
    OwnerKind,
    PlanAction,
    RecordOfDecisions,
    RecordRecipient,
)

FORMAT = 1
RECORD = "meetings.recordofdecisions"


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def snapshot(meeting: Meeting, *, venue: str) -> dict[str, Any]:
    """What the record of ``meeting`` says now. ``venue`` is the venue as written for everyone
    invited (a shielded address is never typed here; see views.venue_for)."""
    invitees = [
        {
            "kind": invitee.kind,
            "user": invitee.practitioner_id,
            "parent": invitee.parent_id,
            "young_person": invitee.young_person_id,
            "name": invitee.name,
            "role": invitee.role,
            "organisation": invitee.organisation,
            "attendance": invitee.attendance,
            "substitute": invitee.substitute,
        }
        for invitee in meeting.invitees.order_by("pk")
    ]
    leads = [
        {"child": lead.child_id, "user": lead.practitioner_id, "agency": lead.agency_id}
        for lead in LeadAppointment.objects.filter(
            child__in=meeting.children.all(), ended_at__isnull=True
        ).order_by("child_id")
    ]
    plan = None
    if meeting.plan_id:
        actions = (
            PlanAction.objects.filter(plan_id=meeting.plan_id, entered_in_error=False)
            .prefetch_related("children")
            .order_by("due_on", "pk")
        )
        plan = {
            "id": meeting.plan_id,
            "outcomes": [
                {"id": o.pk, "headline": o.headline, "description": o.description}
                for o in meeting.plan.outcomes.order_by("pk")
            ],
            "actions": [
                {
                    "id": action.pk,
                    "what": action.what,
                    "outcome": action.outcome_id,
                    "children": sorted(child.pk for child in action.children.all()),
                    "owner_kind": action.owner_kind,
                    "user": action.owner_id,
                    "parent": action.owner_parent_id,
                    "young_person": action.owner_young_person_id,
                    "name": action.owner_name,
                    "agency": action.agency_id,
                    "service": action.service_id,
                    "due_on": _day(action.due_on),
                    "status": action.status,
                }
                for action in actions
            ],
        }
    return {
        "format": FORMAT,
        "children": sorted(child.pk for child in meeting.children.all()),
        "kind": meeting.kind,
        "date": _day(meeting.date),
        "start_time": meeting.start_time.strftime("%H:%M"),
        "end_time": meeting.end_time.strftime("%H:%M"),
        "venue": venue,
        "joining": meeting.get_joining_display(),
        "chair": meeting.chair_id,
        "invitees": invitees,
        "strengths": meeting.strengths,
        "summary": meeting.summary,
        "family_views": meeting.family_views,
        "decisions": [decision.text for decision in meeting.decisions.order_by("position")],
        "leads": leads,
        "plan": plan,
        "next_review_on": _day(meeting.next_review_on),
    }


def without_removed(
    content: dict[str, Any], *, children: set[int], parents: set[int]
) -> dict[str, Any]:
    """``content`` with the ``children`` whose records are removed, and their ``parents``, taken
    out: their ids go from the children, the leads and the actions; where they were invited or
    owned an action they become someone whose record was removed (with no name, role or
    substitute). A snapshot holds people by id, so nothing else of theirs is left in it."""

    def theirs(entry: dict[str, Any]) -> bool:
        return entry.get("parent") in parents or entry.get("young_person") in children

    nobody = {"user": None, "parent": None, "young_person": None, "name": REMOVED_OWNER}
    invitees = [
        {
            **entry,
            **nobody,
            "kind": InviteeKind.OTHER,
            "role": "",
            "organisation": "",
            "substitute": "",
        }
        if theirs(entry)
        else entry
        for entry in content["invitees"]
    ]
    plan = content.get("plan")
    if plan is not None:
        actions = []
        for entry in plan["actions"]:
            entry = {**entry, "children": [pk for pk in entry["children"] if pk not in children]}
            if theirs(entry):
                entry.update(nobody, owner_kind=OwnerKind.OTHER)
            actions.append(entry)
        plan = {**plan, "actions": actions}
    return {
        **content,
        "children": [pk for pk in content["children"] if pk not in children],
        "invitees": invitees,
        "leads": [lead for lead in content["leads"] if lead["child"] not in children],
        "plan": plan,
    }


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def for_reader(content: dict[str, Any], meeting: Meeting) -> dict[str, Any]:
    """The record as the reader of ``meeting`` (whose ``access`` was made by
    meetings.access) may see it: a template context. Five queries, whatever its size. A child
    or parent whose record has since been removed is left out (as a person invited or owning
    an action: someone whose record was removed), so an older snapshot still reads."""
    access = meeting.access
    plan = content.get("plan") or {"outcomes": [], "actions": []}
    user_ids = {content["chair"]}
    user_ids |= {i["user"] for i in content["invitees"] if i["user"]}
    user_ids |= {lead["user"] for lead in content["leads"]}
    user_ids |= {a["user"] for a in plan["actions"] if a["user"]}
    users = User.objects.select_related("agency").in_bulk(user_ids)
    parent_ids = {i["parent"] for i in content["invitees"] if i["parent"]}
    parent_ids |= {a["parent"] for a in plan["actions"] if a["parent"]}
    parents = ParentalResponsibility.objects.in_bulk(parent_ids)
    child_ids = set(content["children"])
    child_ids |= {i["young_person"] for i in content["invitees"] if i["young_person"]}
    child_ids |= {a["young_person"] for a in plan["actions"] if a["young_person"]}
    child_ids |= {pk for a in plan["actions"] for pk in a["children"]}
    child_ids |= {lead["child"] for lead in content["leads"]}
    children = Child.objects.in_bulk(child_ids)
    agencies = Agency.objects.in_bulk(
        {a["agency"] for a in plan["actions"] if a["agency"]}
        | {lead["agency"] for lead in content["leads"]}
    )
    services = Service.objects.in_bulk({a["service"] for a in plan["actions"] if a["service"]})

    def person(user_id: int, agency: Agency | None = None) -> str:
        user = users[user_id]
        return access.author(user, agency or user.agency)

    attendance = dict(Attendance.choices)
    invitees = []
    for entry in content["invitees"]:
        kind = entry["kind"]
        if kind == InviteeKind.PRACTITIONER:
            user = users[entry["user"]]
            label = person(user.pk)
            detail = user.job_title if access.see_agency(user.agency) else ""
        elif kind == InviteeKind.PARENT:
            parent = parents.get(entry["parent"])
            label = parent.name if parent else REMOVED_OWNER
            detail = parent.relationship.capitalize() if parent else ""
        elif kind == InviteeKind.YOUNG_PERSON:
            young = children.get(entry["young_person"])
            label = young.full_name if young else REMOVED_OWNER
            detail = "The young person" if young else ""
        else:
            label = entry["name"]
            detail = ", ".join(p for p in (entry["role"], entry["organisation"]) if p)
        state = attendance.get(entry["attendance"], "Not recorded")
        if entry["substitute"]:
            state = f"{state}: {entry['substitute']}"
        invitees.append({"label": label, "detail": detail, "attendance": state})

    leads = []
    for lead in content["leads"]:
        if lead["child"] not in children:
            continue
        agency = agencies[lead["agency"]]
        user = users[lead["user"]]
        contact = ""
        if access.see_agency(agency):
            contact = " · ".join(part for part in (user.phone, user.email) if part)
        leads.append(
            {
                "label": person(user.pk, agency),
                "child": children[lead["child"]].forenames,
                "contact": contact,
            }
        )

    headlines = dict(HeadlineOutcome.choices)
    outcomes = {
        o["id"]: {**o, "headline_label": headlines.get(o["headline"], "")} for o in plan["outcomes"]
    }
    statuses = dict(ActionStatus.choices)
    actions = []
    for entry in plan["actions"]:
        owner_kind = entry["owner_kind"]
        if owner_kind == OwnerKind.PRACTITIONER:
            who = person(entry["user"])
        elif owner_kind == OwnerKind.PARENT:
            parent = parents.get(entry["parent"])
            who = f"{parent.name} ({parent.relationship})" if parent else REMOVED_OWNER
        elif owner_kind == OwnerKind.YOUNG_PERSON:
            young = children.get(entry["young_person"])
            who = young.full_name if young else REMOVED_OWNER
        else:
            who = entry["name"]
        agency = agencies.get(entry["agency"])
        service = services.get(entry["service"])
        actions.append(
            {
                "what": entry["what"],
                "outcome": outcomes.get(entry["outcome"]),
                "for": ", ".join(
                    children[pk].forenames for pk in entry["children"] if pk in children
                ),
                "who": who,
                "agency": agency.name if agency and access.see_agency(agency) else "",
                "service": service.name if service else "",
                "due_on": _date(entry["due_on"]),
                "status": statuses.get(entry["status"], entry["status"]),
                "done": entry["status"] == ActionStatus.DONE,
            }
        )

    return {
        "children": [children[pk] for pk in content["children"] if pk in children],
        "kind": dict(MeetingKind.choices).get(content["kind"], ""),
        "closing": content["kind"] == MeetingKind.CLOSING,
        "date": _date(content["date"]),
        "start_time": content["start_time"],
        "end_time": content["end_time"],
        "venue": content["venue"],
        "joining": content["joining"],
        "chair_label": person(content["chair"]),
        "invitees": invitees,
        "strengths": content["strengths"],
        "summary": content["summary"],
        "family_views": content["family_views"],
        "decisions": content["decisions"],
        "leads": leads,
        "has_plan": content.get("plan") is not None,
        "outcomes": list(outcomes.values()),
        "actions": actions,
        "next_review_on": _date(content["next_review_on"]),
    }


def openings(meeting: Meeting, records: list[RecordOfDecisions]) -> dict[tuple[int, int], object]:
    """When each recipient first opened each version, from the audit trail: (record id, user
    id) -> time. One query, through the first child's events (indexed by child)."""
    if not records:
        return {}
    found = (
        AuditEvent.objects.filter(
            child_id=meeting.children_list[0].pk,
            action=Action.VIEW,
            object_type=RECORD,
            object_id__in=[str(r.pk) for r in records],
        )
        .values("object_id", "user_id")
        .annotate(first=Min("at"))
    )
    return {(int(row["object_id"]), row["user_id"]): row["first"] for row in found}


def circulation(meeting: Meeting, *, readers: bool) -> list[RecordOfDecisions]:
    """The versions sent, newest first; with ``readers`` (for those who may change the
    meeting), each with its recipients and when they opened it. At most three queries."""
    records = list(meeting.records.select_related("sent_by"))
    if not readers:
        return records
    prefetch_related_objects(
        records,
        Prefetch("recipients", queryset=RecordRecipient.objects.select_related("user__agency")),
    )
    opened = openings(meeting, records)
    for sent in records:
        sent.readers = [
            {
                "label": meeting.access.author(r.user, r.user.agency),
                "opened": opened.get((sent.pk, r.user_id)),
            }
            for r in sent.recipients.all()
        ]
        sent.unopened = sum(1 for reader in sent.readers if reader["opened"] is None)
    return records


def plan_changes(plan, meetings: list[Meeting]) -> list[dict[str, Any]]:
    """What each meeting changed in the plan ("a diff by meeting"), from the records of
    decisions sent: the plan as each record stated it, compared with the one before. A meeting
    whose record is not sent yet says so. One query."""
    latest: dict[int, RecordOfDecisions] = {}
    for sent in RecordOfDecisions.objects.filter(meeting__in=meetings).order_by("version"):
        latest[sent.meeting_id] = sent
    statuses = dict(ActionStatus.choices)
    before: dict[Any, dict] = {}
    outcomes_before: set = set()
    changes = []
    for meeting in meetings:
        sent = latest.get(meeting.pk)
        if sent is None or not sent.content.get("plan"):
            changes.append({"meeting": meeting, "sent": False})
            continue
        state = sent.content["plan"]
        now = {entry.get("id") or entry["what"]: entry for entry in state["actions"]}
        change = {
            "meeting": meeting,
            "sent": True,
            "outcomes_added": [
                o["description"] for o in state["outcomes"] if o["id"] not in outcomes_before
            ],
            "added": [entry["what"] for key, entry in now.items() if key not in before],
            "removed": [entry["what"] for key, entry in before.items() if key not in now],
            "status": [
                (entry["what"], statuses.get(before[key]["status"]), statuses.get(entry["status"]))
                for key, entry in now.items()
                if key in before and before[key]["status"] != entry["status"]
            ],
            "due": [
                (entry["what"], _date(before[key]["due_on"]), _date(entry["due_on"]))
                for key, entry in now.items()
                if key in before and before[key]["due_on"] != entry["due_on"]
            ],
        }
        change["nothing"] = not any(
            change[k] for k in ("outcomes_added", "added", "removed", "status", "due")
        )
        changes.append(change)
        before, outcomes_before = now, {o["id"] for o in state["outcomes"]}
    return changes
