"""Everything LISA holds about a child, gathered for a subject access request.

:func:`gather` builds one document (a dict that, once released, validates against
``subject_access/schemas/subject-access-1.json``): the record and what hangs off it — the people
with parental responsibility, the family, the practitioners involved, concerns with their steps,
meetings, plans, agreements, decisions to share and requests for information, messages about the
child — and who has seen the record (agency, role, date, and the reason given where someone broke
glass). It is read as the central team sees it: nothing is hidden by the access policy.

Whatever the reviewer should look at before release is *flagged* as it is gathered
(:class:`subject_access.review.Flag`): another child of the family, another adult's contact
details, messages written by practitioners and the reasons people gave for breaking glass
(which may mention other people), a sensitive service's part in the child's life and a shielded
address.

A sensitive service is named in many places: its practitioners' involvements and appointments as
lead professional, but also wherever one of them recorded an agreement, wrote a message, was
invited to a meeting, took on a plan action or moved a concern on, and its views of the record.
Every one of those names goes through :meth:`_Builder.named` (or takes the service's key whole),
so all of them carry the one key ``sensitive-agency-<id>`` and one flag: withholding it withholds
the service everywhere in the answer.

The number of queries is fixed, whatever the number of records: one or two per kind.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Prefetch
from django.utils import timezone

from audit.models import AuditEvent, Outcome
from audit.naming import CARD, name_events, why_seen
from audit.services import SEEING
from children.models import (
    Child,
    Involvement,
    MoveOut,
    ParentalResponsibility,
    ReceivedSummary,
    SchoolChange,
    TransferSummary,
)
from lisa.models import Agency, User
from lisa.policy import ChildAccess
from subject_access.review import (
    BREAK_GLASS_REASON,
    CONTACT_REASON,
    MESSAGE_REASON,
    SENSITIVE,
    SENSITIVE_REASON,
    SHIELDED,
    SHIELDED_REASON,
    SIBLING_REASON,
    SIBLING_SENSITIVE_REASON,
    THIRD_PARTY,
    Flag,
    Gathered,
)

# --- small helpers ----------------------------------------------------------------------------


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _when(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _day(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).date().isoformat() if value else None


def _said(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value:%B %Y}"


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _snippet(text: str, length: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _label(choices, value) -> str:
    return dict(choices).get(value, value or "")


def _agency(user: User | None) -> Agency | None:
    """The user's agency (selected with the user: no query)."""
    return user.agency if user is not None and user.agency_id else None


def _merged_ids(child: Child) -> list[int]:
    """The child's record and those merged into it (each kept its own audit trail)."""
    ids, newest = [child.pk], [child.pk]
    while newest:
        newest = list(
            Child.objects.filter(merged_into_id__in=newest)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids += newest
    return ids


# --- the document -----------------------------------------------------------------------------


class _Builder:
    def __init__(self, request_obj, reader: User) -> None:
        self.sar = request_obj
        self.child: Child = request_obj.child
        self.access = ChildAccess(reader, self.child)
        self.flags: list[Flag] = []
        # Each sensitive service named in the answer: the service, and where it is named.
        self.sensitive: dict[int, tuple[Agency, list[str]]] = {}

    def flag(self, key: str, section: str, description: str, reason: str, kind=THIRD_PARTY):
        self.flags.append(Flag(key, section, _snippet(description, 300), reason, kind))

    @staticmethod
    def _sensitive(*agencies: Agency | None) -> Agency | None:
        return next((a for a in agencies if a is not None and a.sensitive_service), None)

    def service_key(self, agency: Agency, where: str) -> str:
        """The key of everything that names the sensitive service ``agency`` (one flag for all
        of it); ``where`` is told to the reviewer."""
        places = self.sensitive.setdefault(agency.pk, (agency, []))[1]
        if where not in places:
            places.append(where)
        return f"sensitive-agency-{agency.pk}"

    def named(self, text: str, *agencies: Agency | None, where: str) -> str | dict:
        """``text`` (a practitioner's or an agency's name) as the answer gives it. If one of
        ``agencies`` (the agency named, the practitioner's own) is a sensitive service, the
        name tells of that service's part in the child's life: it becomes a part under the
        service's key, ``{"key", "name"}``, withheld wherever the service is."""
        agency = self._sensitive(*agencies)
        if agency is None or not text:
            return text
        return {"key": self.service_key(agency, where), "name": text}

    def flag_services(self) -> None:
        """One flag per sensitive service named in the answer, saying where (the reviewer
        withholds it everywhere at once)."""
        for agency, places in self.sensitive.values():
            self.flag(
                f"sensitive-agency-{agency.pk}",
                "Sensitive services",
                f"{agency.name}, wherever it or its practitioners are named: {'; '.join(places)}",
                SENSITIVE_REASON,
                SENSITIVE,
            )

    # Each part, in the order the document gives them.

    def request(self) -> dict:
        sar = self.sar
        released_by = sar.released_by
        return {
            "reference": sar.reference,
            "requester": sar.requester_name,
            "capacity": sar.get_requester_kind_display(),
            "relationship": sar.relationship,
            "received_on": sar.received_on.isoformat(),
            "due_on": sar.due_on.isoformat(),
            "identity_checked": sar.identity_checked,
            "identity_how": sar.identity_how,
            "released_at": _when(sar.released_at),
            "released_by": (
                f"{_name(released_by)}, {released_by.agency.name}"
                if released_by and released_by.agency_id
                else _name(released_by) or None
            ),
        }

    def child_part(self) -> dict:
        child = self.child
        address = None
        if child.address_lines:
            lines = [p for p in (child.address_line_1, child.address_line_2, child.town) if p]
            shielded = self.access.shielded_household
            address = {
                "key": "child-address",
                "lines": lines,
                "postcode": child.postcode,
                "shielded": shielded,
            }
            if shielded:
                self.flag(
                    "child-address",
                    "The child",
                    f"The child's address: {', '.join(child.address_lines)}",
                    SHIELDED_REASON,
                    SHIELDED,
                )
        changes = SchoolChange.objects.filter(child=child).select_related("to_agency")
        moves = MoveOut.objects.filter(child=child)
        summaries = TransferSummary.objects.filter(child=child).select_related(
            "produced_by__agency"
        )
        received = ReceivedSummary.objects.filter(child=child).select_related("imported_by__agency")
        return {
            "lisa_ref": child.lisa_ref,
            "nhs_number": child.nhs_number or None,
            "upn": child.upn or None,
            "forenames": child.forenames,
            "surname": child.surname,
            "other_names": child.other_names,
            "date_of_birth": child.date_of_birth.isoformat(),
            "gender": child.get_gender_display(),
            "address": address,
            "school": child.school,
            "first_language": child.first_language,
            "interpreter_needed": child.interpreter_needed,
            "status": child.get_status_display(),
            "on_lisa_since": _day(child.created_at),
            "school_changes": [
                {
                    "from": change.from_school,
                    "to": change.new_school,
                    "on": change.effective_on.isoformat(),
                    "status": change.get_status_display(),
                }
                for change in changes.order_by("effective_on", "pk")
            ],
            "moves_out": [
                {
                    "moved_on": move.moved_on.isoformat(),
                    "authority": move.authority,
                    "team": move.contact_team,
                    "email": move.contact_email,
                    "phone": move.contact_phone,
                }
                for move in moves.order_by("moved_on", "pk")
            ],
            "transfer_summaries": [
                {
                    "for": summary.for_authority,
                    "produced_on": _day(summary.produced_at),
                    "produced_by": self.named(
                        _name(summary.produced_by),
                        _agency(summary.produced_by),
                        where="transfer summaries",
                    ),
                }
                for summary in summaries.order_by("produced_at", "pk")
            ],
            "summaries_received": [
                {
                    "from": summary.from_authority,
                    "received_on": _day(summary.imported_at),
                    "imported_by": self.named(
                        _name(summary.imported_by),
                        _agency(summary.imported_by),
                        where="summaries received",
                    ),
                }
                for summary in received.order_by("imported_at", "pk")
            ],
        }

    def parents(self) -> list[dict]:
        found = []
        section = "People with parental responsibility"
        for parent in ParentalResponsibility.objects.filter(child=self.child).order_by(
            "created_at", "pk"
        ):
            contact = None
            details = [parent.address.replace("\n", ", "), parent.phone, parent.email]
            if any(details):
                key = f"parent-{parent.pk}-contact"
                contact = {
                    "key": key,
                    "address": parent.address,
                    "phone": parent.phone,
                    "email": parent.email,
                }
                if parent.pk != self.sar.requester_parent_id:
                    self.flag(
                        key,
                        section,
                        f"Contact details of {parent.name} ({parent.relationship}): "
                        + "; ".join(d for d in details if d),
                        CONTACT_REASON,
                    )
            found.append(
                {
                    "key": f"parent-{parent.pk}",
                    "name": parent.name,
                    "relationship": parent.relationship,
                    "contact": contact,
                    "entered_in_error": parent.entered_in_error,
                    "error_reason": parent.error_reason,
                }
            )
        return found

    def family(self) -> list[dict]:
        found = []
        for sibling in self.access.household:
            key = f"sibling-{sibling.pk}"
            practitioners = []
            for inv in sibling.active_involvements:
                practitioner = {
                    "name": _name(inv.practitioner),
                    "agency": inv.agency.name,
                    "role": inv.role,
                }
                if inv.agency.sensitive_service:
                    where = f"working with {sibling.forenames} {sibling.surname}"
                    practitioner = {"key": self.service_key(inv.agency, where), **practitioner}
                practitioners.append(practitioner)
            # Their sensitive service is theirs: releasing them would release it.
            sensitive = any(inv.agency.sensitive_service for inv in sibling.active_involvements)
            self.flag(
                key,
                "Family",
                f"{sibling.forenames} {sibling.surname} ({sibling.lisa_ref}), born "
                f"{_said(sibling.date_of_birth)}, and the {len(practitioners)} practitioner"
                f"{'s' if len(practitioners) != 1 else ''} working with them",
                SIBLING_SENSITIVE_REASON if sensitive else SIBLING_REASON,
                SENSITIVE if sensitive else THIRD_PARTY,
            )
            found.append(
                {
                    "key": key,
                    "lisa_ref": sibling.lisa_ref,
                    "forenames": sibling.forenames,
                    "surname": sibling.surname,
                    "date_of_birth": sibling.date_of_birth.isoformat(),
                    "practitioners": practitioners,
                }
            )
        return found

    def involvements(self) -> list[dict]:
        found = []
        involvements = (
            Involvement.objects.filter(child=self.child)
            .select_related("practitioner", "agency")
            .order_by("started_on", "pk")
        )
        for inv in involvements:
            key = f"involvement-{inv.pk}"
            sensitive = inv.agency.sensitive_service
            if sensitive:
                key = self.service_key(
                    inv.agency,
                    f"{_name(inv.practitioner)}, {inv.role} (from {_said(inv.started_on)})",
                )
            found.append(
                {
                    "key": key,
                    "practitioner": _name(inv.practitioner),
                    "agency": inv.agency.name,
                    "role": inv.role,
                    "phone": inv.practitioner.phone,
                    "email": inv.practitioner.email,
                    "started_on": inv.started_on.isoformat(),
                    "ended_on": _day(inv.ended_at),
                    "end_reason": inv.end_reason,
                    "lead_professional": inv.lead_professional,
                    "how_began": inv.get_how_began_display(),
                    "reason": inv.reason,
                    "sensitive_service": sensitive,
                    "entered_in_error": inv.entered_in_error,
                    "error_reason": inv.error_reason,
                }
            )
        return found

    def lead_professionals(self) -> list[dict]:
        from meetings.models import LeadAppointment

        found = []
        appointments = (
            LeadAppointment.objects.filter(child=self.child)
            .select_related("practitioner", "agency")
            .order_by("started_at", "pk")
        )
        for appointment in appointments:
            key = f"lead-{appointment.pk}"
            if appointment.agency.sensitive_service:
                key = self.service_key(
                    appointment.agency,
                    f"{_name(appointment.practitioner)} appointed lead professional on "
                    f"{_said(appointment.started_at)}",
                )
            found.append(
                {
                    "key": key,
                    "practitioner": _name(appointment.practitioner),
                    "agency": appointment.agency.name,
                    "from": _day(appointment.started_at),
                    "to": _day(appointment.ended_at),
                    "family_view": appointment.family_view,
                }
            )
        return found

    def concerns(self) -> list[dict]:
        from concerns.models import Concern, ConcernChange, ConcernOutcome, Level

        outcomes = dict(ConcernOutcome.choices)
        found = []
        concerns = (
            Concern.objects.filter(child=self.child)
            .select_related("raised_by", "agency")
            .prefetch_related(
                "categories",
                Prefetch(
                    "changes",
                    queryset=ConcernChange.objects.select_related("by__agency").order_by(
                        "at", "pk"
                    ),
                ),
            )
            .order_by("date", "pk")
        )
        for concern in concerns:
            key = f"concern-{concern.pk}"
            where = "concerns"
            if concern.agency.sensitive_service:
                self.flag(
                    key,
                    "Concerns",
                    f"The concern of {_said(concern.date)} logged by "
                    f"{_name(concern.raised_by)} ({concern.agency.name})",
                    SENSITIVE_REASON,
                    SENSITIVE,
                )
            found.append(
                {
                    "key": key,
                    "date": concern.date.isoformat(),
                    "level": concern.level,
                    "level_label": _label(Level.choices, concern.level),
                    "categories": sorted(c.name for c in concern.categories.all()),
                    "raised_by": self.named(_name(concern.raised_by), concern.agency, where=where),
                    "agency": self.named(concern.agency.name, concern.agency, where=where),
                    "what_was_seen": concern.what_was_seen,
                    "discussed_with_parent": concern.discussed_with_parent,
                    "not_discussed_reason": concern.not_discussed_reason,
                    "action_agreed": concern.action_agreed,
                    "outcome": outcomes.get(concern.outcome, concern.outcome),
                    "status": concern.get_status_display(),
                    "closed_on": _day(concern.closed_at),
                    "entered_in_error": concern.entered_in_error,
                    "error_reason": concern.error_reason,
                    "steps": [
                        {
                            "at": _when(step.at),
                            "by": self.named(_name(step.by), _agency(step.by), where=where),
                            "what": step.kind_label,
                            "from_level": step.from_level,
                            "to_level": step.to_level,
                            "from_outcome": outcomes.get(step.from_outcome, ""),
                            "to_outcome": outcomes.get(step.to_outcome, ""),
                            "note": step.note,
                        }
                        for step in concern.changes.all()
                    ],
                }
            )
        return found

    def _other_children(self, children) -> list[str]:
        return [f"{c.forenames} {c.surname}" for c in children if c.pk != self.child.pk]

    def _invitee(self, invitee) -> dict:
        from meetings.models import InviteeKind

        contact = None
        if invitee.contact:
            key = f"invitee-{invitee.pk}-contact"
            contact = {"key": key, "contact": invitee.contact}
            own = (
                invitee.kind == InviteeKind.PRACTITIONER
                or (invitee.parent_id and invitee.parent_id == self.sar.requester_parent_id)
                or invitee.young_person_id == self.child.pk
            )
            if not own:
                self.flag(
                    key,
                    "Family Support Meetings",
                    f"Contact details of {invitee.display_name} (invited to the meeting of "
                    f"{_said(invitee.meeting.date)}): {invitee.contact}",
                    CONTACT_REASON,
                )
        practitioner = invitee.practitioner
        found = {
            "name": invitee.display_name,
            "kind": invitee.get_kind_display(),
            "role": invitee.role or (practitioner.job_title if practitioner else ""),
            "organisation": invitee.organisation
            or (practitioner.agency.name if practitioner and practitioner.agency_id else ""),
            "attendance": invitee.get_attendance_display() if invitee.attendance else "",
            "substitute": invitee.substitute,
            "contact": contact,
        }
        service = self._sensitive(_agency(practitioner))
        if service is not None:  # the whole invitation tells of the service
            found = {"key": self.service_key(service, "meetings"), **found}
        return found

    def meetings(self) -> list[dict]:
        from meetings.models import Invitee, Meeting

        found = []
        meetings = (
            Meeting.objects.filter(children=self.child)
            .select_related("chair__agency", "location")
            .prefetch_related(
                "children",
                "decisions",
                "records",
                "concerns",
                Prefetch(
                    "invitees",
                    queryset=Invitee.objects.select_related(
                        "practitioner__agency", "parent", "young_person"
                    ),
                ),
            )
            .order_by("date", "start_time", "pk")
        )
        for meeting in meetings:
            key = f"meeting-{meeting.pk}"
            where = "meetings"
            others = self._other_children(meeting.children.all())
            if others:
                self.flag(
                    key,
                    "Family Support Meetings",
                    f"The {meeting.get_kind_display().lower()} of {_said(meeting.date)}, about "
                    f"{', '.join(others)} too",
                    f"The meeting was about {', '.join(others)} as well: its record may carry "
                    "their information.",
                )
            for invitee in meeting.invitees.all():
                invitee.meeting = meeting  # for the flag's words, without a query
            found.append(
                {
                    "key": key,
                    "kind": meeting.get_kind_display(),
                    "date": meeting.date.isoformat(),
                    "start": meeting.start_time.strftime("%H:%M"),
                    "end": meeting.end_time.strftime("%H:%M"),
                    "venue": meeting.venue_text,
                    "status": meeting.get_status_display(),
                    "chair": self.named(_name(meeting.chair), _agency(meeting.chair), where=where),
                    "children": [f"{c.forenames} {c.surname}" for c in meeting.children.all()],
                    "concerns_discussed": sorted(
                        c.date.isoformat()
                        for c in meeting.concerns.all()
                        if c.child_id == self.child.pk
                    ),
                    "summary": meeting.summary,
                    "strengths": meeting.strengths,
                    "family_views": meeting.family_views,
                    "decisions": [d.text for d in meeting.decisions.all()],
                    "invitees": [self._invitee(i) for i in meeting.invitees.all()],
                    "next_review_on": _date(meeting.next_review_on),
                    "records_sent": [
                        {
                            "version": record.version,
                            "sent_on": _day(record.sent_at),
                            "correction_reason": record.correction_reason,
                        }
                        for record in sorted(meeting.records.all(), key=lambda r: r.version)
                    ],
                    "entered_in_error": meeting.entered_in_error,
                    "error_reason": meeting.error_reason,
                }
            )
        return found

    def plans(self) -> list[dict]:
        from meetings.models import PlanAction, ProgressNote, SupportPlan

        found = []
        actions = PlanAction.objects.select_related(
            "owner__agency",
            "owner_parent",
            "owner_young_person",
            "agency",
            "service__organisation__agency",
        ).prefetch_related(
            "children",
            Prefetch("notes", queryset=ProgressNote.objects.select_related("by__agency")),
        )
        plans = (
            SupportPlan.objects.filter(children=self.child)
            .select_related("lead", "lead__agency")
            .prefetch_related("children", "outcomes", Prefetch("actions", queryset=actions))
            .order_by("created_at", "pk")
        )
        for plan in plans:
            key = f"plan-{plan.pk}"
            where = "support plans"
            others = self._other_children(plan.children.all())
            if others:
                self.flag(
                    key,
                    "Support plans",
                    f"The support plan of {_said(plan.created_at)}, for {', '.join(others)} too",
                    f"The plan is for {', '.join(others)} as well: it may carry their information.",
                )
            mine = [
                action
                for action in plan.actions.all()
                if not action.children.all()
                or any(c.pk == self.child.pk for c in action.children.all())
            ]
            found.append(
                {
                    "key": key,
                    "opened_on": _day(plan.created_at),
                    "status": plan.get_status_display(),
                    "lead_professional": (
                        self.named(_name(plan.lead), _agency(plan.lead), where=where) or None
                    ),
                    "closed_on": _day(plan.closed_at),
                    "closure_reason": " – ".join(
                        p for p in (plan.get_closure_reason_display(), plan.closure_text) if p
                    ),
                    "children": [f"{c.forenames} {c.surname}" for c in plan.children.all()],
                    "outcomes": [
                        {"headline": o.get_headline_display(), "description": o.description}
                        for o in plan.outcomes.all()
                    ],
                    "actions": [
                        self._action(action, where)
                        for action in sorted(mine, key=lambda a: (a.due_on, a.pk))
                    ],
                    "entered_in_error": plan.entered_in_error,
                    "error_reason": plan.error_reason,
                }
            )
        return found

    def _action(self, action, where: str) -> dict:
        """A plan action: its owner, agency and service each named as :meth:`named` says (a
        practitioner owner by their own agency; a directory service by the agency it is)."""
        service = action.service
        agency = action.agency if action.agency_id else None
        service_agency = service.organisation.agency if service else None
        return {
            "what": action.what,
            "who": self.named(action.owner_label, _agency(action.owner), where=where),
            "agency": self.named(agency.name if agency else "", agency, where=where),
            "service": self.named(service.name if service else "", service_agency, where=where),
            "due_on": action.due_on.isoformat(),
            "status": action.get_status_display(),
            "not_done_reason": action.not_done_reason,
            "entered_in_error": action.entered_in_error,
            "notes": [
                {
                    "at": _when(n.at),
                    "by": self.named(_name(n.by), _agency(n.by), where=where),
                    "text": n.text,
                }
                for n in action.notes.all()
            ],
        }

    def consent(self) -> dict:
        from consent.models import Agreement, InformationRequest, Kind, SharingDecision

        child = self.child
        agreements = (
            Agreement.objects.filter(child=child)
            .select_related("parent", "professional__agency", "agency")
            .order_by("signed_on", "pk")
        )
        return {
            "agreements": [
                {
                    "kind": a.get_kind_display(),
                    "decision": a.get_decision_display(),
                    "given_by": (
                        f"{a.parent.name} ({a.parent.relationship})"
                        if a.kind == Kind.PARENT_CARER and a.parent_id
                        else f"{child.forenames} {child.surname} (the young person)"
                    ),
                    "professional": self.named(
                        _name(a.professional),
                        a.agency,
                        _agency(a.professional),
                        where="agreements",
                    ),
                    "agency": self.named(
                        a.agency.name,
                        a.agency,
                        _agency(a.professional),
                        where="agreements",
                    ),
                    "signed_on": a.signed_on.isoformat(),
                    "sufficient_understanding": a.sufficient_understanding,
                    "understanding_assessed_by": a.understanding_assessed_by,
                    "capacity_note": a.capacity_note,
                    "copy_to_child_on": _date(a.copy_to_child_on),
                    "copy_to_coordinator_on": _date(a.copy_to_coordinator_on),
                    "withdrawn_on": _date(a.withdrawn_on),
                    "withdrawn_by": a.withdrawn_by,
                    "withdrawal_how": a.get_withdrawal_how_display() if a.withdrawal_how else "",
                    "notes": a.notes,
                    "signed_copy_held": bool(a.scan_name),
                    "entered_in_error": a.entered_in_error,
                    "error_reason": a.error_reason,
                }
                for a in agreements
            ],
            "decisions_to_share": [
                {
                    "ground": d.get_ground_display(),
                    "what_shared": d.what_shared,
                    "shared_with": d.shared_with,
                    "decided_by": d.decided_by,
                    "decided_on": d.decided_on.isoformat(),
                    "reason": d.reason,
                    "entered_in_error": d.entered_in_error,
                    "error_reason": d.error_reason,
                }
                for d in SharingDecision.objects.filter(child=child).order_by("decided_on", "pk")
            ],
            "requests_for_information": [
                {
                    "requested_by": r.requested_by,
                    "received_on": r.received_on.isoformat(),
                    "what_requested": r.what_requested,
                    "outcome": r.get_outcome_display(),
                    "what_shared": r.what_shared,
                    "shared_with": r.shared_with,
                    "reason": r.reason,
                    "decided_by": r.decided_by,
                    "decided_on": r.decided_on.isoformat(),
                    "entered_in_error": r.entered_in_error,
                    "error_reason": r.error_reason,
                }
                for r in InformationRequest.objects.filter(child=child).order_by(
                    "received_on", "pk"
                )
            ],
        }

    def messages(self) -> list[dict]:
        from messaging.models import Message, Participant, Thread

        found = []
        threads = (
            Thread.objects.filter(child=self.child)
            .select_related("created_by__agency")
            .prefetch_related(
                Prefetch(
                    "participations",
                    queryset=Participant.objects.select_related("user__agency").order_by("pk"),
                ),
                Prefetch(
                    "messages",
                    queryset=Message.objects.select_related("author__agency").order_by(
                        "sent_at", "pk"
                    ),
                ),
            )
            .order_by("created_at", "pk")
        )
        for thread in threads:
            where = "messages"
            messages = []
            for message in thread.messages.all():
                key = f"message-{message.pk}"
                author = _name(message.author)
                self.flag(
                    key,
                    "Messages",
                    f"Message from {author}, {_said(message.sent_at)}: “{message.body}”",
                    MESSAGE_REASON,
                )
                messages.append(
                    {
                        "key": key,
                        "sent_at": _when(message.sent_at),
                        "author": self.named(author, _agency(message.author), where=where),
                        "body": message.body,
                        "entered_in_error": message.entered_in_error,
                        "error_reason": message.error_reason,
                    }
                )
            found.append(
                {
                    "key": f"thread-{thread.pk}",
                    "subject": thread.subject,
                    "started_at": _when(thread.created_at),
                    "started_by": self.named(
                        _name(thread.created_by), _agency(thread.created_by), where=where
                    ),
                    "participants": [
                        self.named(
                            _name(p.user) + (f", {p.user.agency.name}" if p.user.agency_id else ""),
                            _agency(p.user),
                            where=where,
                        )
                        for p in thread.participations.all()
                    ],
                    "messages": messages,
                }
            )
        return found

    def viewed_by(self) -> list[dict]:
        """Every view, print, download or export of the child's records (and of records merged
        into this one): the agency and role, never the person's name; the reason where they
        broke glass (flagged, one key per grant: people write about others in it). A sensitive
        service's views carry the service's key, so that they are withheld with the rest of
        it."""
        events = (
            AuditEvent.objects.filter(
                child_id__in=_merged_ids(self.child),
                action__in=sorted(SEEING),
                outcome=Outcome.ALLOWED,
            )
            .select_related("agency")
            .order_by("at", "pk")
        )
        events = name_events(events, self.access.user)
        found = []
        sensitive_seen: dict[int, list] = defaultdict(list)
        reasons: dict[str, tuple] = {}
        for event in events:
            why = why_seen(event)
            detail = event.detail if isinstance(event.detail, dict) else {}
            summary = why.summary
            if detail.get("sibling_of"):
                # Not the other child's reference: that is theirs.
                summary = f"Shown as a brother or sister of another child: {_first_lower(CARD)}"
            break_glass = None
            if why.reason:
                grant = (detail.get("break_glass") or {}).get("grant")
                key = f"break-glass-{grant if isinstance(grant, int) else event.pk}"
                break_glass = {"key": key, "reason": why.reason}
                reasons.setdefault(key, (event, why.reason))
            row = {
                "at": _when(event.at),
                "agency": event.agency.name if event.agency_id else "",
                "role": event.role_name,
                "action": event.get_action_display(),
                "what": event.what,
                "why": summary,
                "break_glass": break_glass,
            }
            if event.agency_id and event.agency.sensitive_service:
                sensitive_seen[event.agency_id].append(event)
                row = {"key": f"sensitive-agency-{event.agency_id}", **row}
            found.append(row)
        for key, (event, reason) in reasons.items():
            agency = event.agency.name if event.agency_id else "no agency"
            self.flag(
                key,
                "Who has seen the record",
                f"The reason given for breaking glass ({agency}, {_said(event.at)}): “{reason}”",
                BREAK_GLASS_REASON,
            )
        for seen in sensitive_seen.values():
            self.service_key(
                seen[0].agency,
                f"{len(seen)} view{'s' if len(seen) != 1 else ''} of the record",
            )
        return found

    def build(self) -> Gathered:
        document = {
            "schema_version": 1,
            "produced_at": _when(timezone.now()),
            "request": self.request(),
            "child": self.child_part(),
            "parents": self.parents(),
            "family": self.family(),
            "involvements": self.involvements(),
            "lead_professionals": self.lead_professionals(),
            "concerns": self.concerns(),
            "meetings": self.meetings(),
            "plans": self.plans(),
            "consent": self.consent(),
            "messages": self.messages(),
            "viewed_by": self.viewed_by(),
            "withheld": [],
        }
        self.flag_services()
        return Gathered(document, self.flags, list(self.access.household))


def gather(request_obj, reader: User) -> Gathered:
    """Everything held about the request's child, as the central team (``reader``) sees it,
    with the flags for review."""
    return _Builder(request_obj, reader).build()
