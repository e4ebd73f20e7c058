"""Audit events named as people say them: "the concern of 3 May 2026 about L1234567K Ivy Smith",
not "concerns.concern #42"; and why a person could see what they saw.

A page of events is named in a bounded number of queries, whatever its length: one for each kind
of record on the page, and one for the children. A label says no more than its reader may see.
A child is named by LISA reference and name (the index card, open to every practitioner; never
the address). The dates and kinds of what sits in a full record (concerns, consent, meetings,
messages) are given only to a reader who may see that child's full record: designated officers
read their own agency's trail, which also names records their staff were refused. A practitioner
of a sensitive service is named only to the central team and to that service. Message text and
conversation subjects are never shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.apps import apps
from django.db.models import BooleanField, ExpressionWrapper, Value
from django.utils import timezone

from audit.models import Action, AlertKind, AuditEvent
from lisa.models import Role, User
from lisa.policy import child_visible_q, works_with_children

# Ids are kept as text (a refused request may carry anything): only these are looked up.
_LARGEST_ID = 2**63 - 1
CHILD = "children.child"
ROLE_NAMES = dict(Role.choices)

# A page about one of a child's records is audited as a view of the child, naming the record
# in the detail (children.access.audit_view): the key, and the kind of record it names.
_SEEN_ON = {
    "meeting": "meetings.meeting",
    "supportplan": "meetings.supportplan",
    "planaction": "meetings.planaction",
    "thread": "messaging.thread",
    "agreement": "consent.agreement",
    "decision": "consent.sharingdecision",
}
# The parts of a child's own record, as the detail names them.
_PARTS = {
    "card": "the index card of {}",
    "full": "the full record of {}",
    "edit": "the form to change the details of {}",
}

# Events about no one record: a search, a list, a screen.
_NOT_ONE_RECORD = {
    "audit.auditevent": "the audit trail",
    "audit.alert": "the alerts to review",
    "children.search": "a saved search of children's records",
    "lisa.user": "people's accounts",
    "directory.service": "the service directory",
}


def day(value: dt.date | dt.datetime) -> str:
    """3 May 2026 (a time is taken in UK time)."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value:%B %Y}"


def short_name(user: User) -> str:
    """J. Smith."""
    if user.first_name and user.last_name:
        return f"{user.first_name[0]}. {user.last_name}"
    return user.get_full_name() or user.username


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


@dataclass(frozen=True)
class _Kind:
    """How to load one kind of record and name it. ``child`` gives the child a record belongs to
    (None: the child the event is filed under, as for a meeting about several children);
    ``name`` the label, given the record; ``missing`` what to say when it is gone or when the
    reader may not know more."""

    related: tuple[str, ...]
    child: Callable | None
    name: Callable
    missing: str


_KINDS: dict[str, _Kind] = {}


def _kind(label: str, missing: str, *related: str, child: Callable | None = None):
    def register(name: Callable) -> Callable:
        _KINDS[label] = _Kind(related, child, name, missing)
        return name

    return register


class Names:
    """Labels for a page of audit events, for one reader. Everything is loaded when it is made;
    asking for a label runs no query."""

    def __init__(self, events: Sequence[AuditEvent], viewer: User) -> None:
        self.viewer = viewer
        wanted: dict[str, set[int]] = defaultdict(set)
        for event in events:
            key = _record_id(event.object_id)
            if key is not None and (event.object_type in _KINDS or event.object_type == CHILD):
                wanted[event.object_type].add(key)
            seen_on = _seen_on(event)
            if seen_on is not None:
                wanted[seen_on[0]].add(seen_on[1])
        self.records: dict[str, dict] = {}
        for label, ids in wanted.items():
            if label == CHILD:
                continue
            kind = _KINDS[label]
            model = apps.get_model(label)
            found = model.objects.select_related(*kind.related).filter(pk__in=ids)
            self.records[label] = {record.pk: record for record in found}
        child_ids = {event.child_id for event in events if event.child_id is not None}
        child_ids |= wanted.get(CHILD, set())
        for label, found in self.records.items():
            child_of = _KINDS[label].child
            if child_of is not None:
                child_ids |= {child_of(record) for record in found.values()} - {None}
        self.children = _children(child_ids, viewer)
        self.removed = _removed(child_ids - set(self.children))

    # --- what the reader may see ---------------------------------------------------------------

    def child(self, child_id: int | None) -> str:
        """L1234567K Ivy Smith."""
        child = self.children.get(child_id)
        if child is None:
            if child_id is None:
                return ""
            removed = self.removed.get(child_id)
            return f"removed record {removed}" if removed else "a child no longer on LISA"
        return f"{child.lisa_ref} {child.forenames} {child.surname}"

    def full(self, child_id: int | None) -> bool:
        """Whether the reader may see the full record of this child."""
        if self.viewer.is_central_team:
            return True
        child = self.children.get(child_id)
        return bool(child is not None and child.full)

    def sees_agency(self, agency) -> bool:
        """A sensitive service's part shows to the central team and to that service only."""
        return (
            agency is None
            or not agency.sensitive_service
            or self.viewer.is_central_team
            or agency.pk == self.viewer.agency_id
        )

    # --- labels --------------------------------------------------------------------------------

    def child_of(self, event: AuditEvent) -> str:
        """The child the event concerns, as the Child column shows it."""
        return self.child(event.child_id)

    def what(self, event: AuditEvent) -> str:
        """What the event was about, as a practitioner would say it."""
        label = event.object_type
        if not label:
            return ""
        key = _record_id(event.object_id)
        if label == CHILD:
            return self._child_event(event, key)
        if label == "consent.form":
            return self._form(event)
        if label == "figures":
            return _figures(event.object_id)
        kind = _KINDS.get(label)
        if key is None and label in _NOT_ONE_RECORD:
            return _NOT_ONE_RECORD[label]
        if kind is None:
            return _readable(label)
        record = self.records.get(label, {}).get(key)
        if record is None:
            return kind.missing
        child_id = kind.child(record) if kind.child is not None else event.child_id
        return kind.name(self, record, child_id) or kind.missing

    def _child_event(self, event: AuditEvent, key: int | None) -> str:
        detail = event.detail if isinstance(event.detail, dict) else {}
        if key is not None:
            return self._child_page(event, key, detail)
        shown = detail.get("shown")
        if isinstance(shown, list):
            where = "search results" if event.action == Action.SEARCH else detail.get("view")
            count = f"{len(shown)} child{'ren' if len(shown) != 1 else ''}"
            return f"a list of {count}" + (f" ({where})" if where else "")
        if event.action == Action.SEARCH:
            if detail.get("duplicate_check"):
                return "a check for a child already on LISA"
            return "a search of children's records"
        return self.child(event.child_id) if event.child_id else "children's records"

    def _child_page(self, event: AuditEvent, key: int, detail: dict) -> str:
        """A child's record seen or printed: which part of it, or which record hanging off it
        (a meeting, a conversation, an agreement) the page showed."""
        if key not in self.children:
            return "a child's record"
        child = self.child(key)
        view = detail.get("view") if isinstance(detail.get("view"), str) else ""
        seen_on = _seen_on(event)
        if seen_on is not None:
            label, record_id = seen_on
            record = self.records.get(label, {}).get(record_id)
            kind = _KINDS[label]
            if record is not None:
                owner = kind.child(record) if kind.child is not None else key
                named = kind.name(self, record, owner)
                if named:
                    return f"{named} ({view})" if view.endswith(" form") else named
        if view in _PARTS:
            return _PARTS[view].format(child)
        printed = detail.get("printed")
        if isinstance(printed, str) and printed:
            return f"the {printed} of {child}"
        return f"{child} ({view})" if view else child

    def _form(self, event: AuditEvent) -> str:
        """A consent form printed to be signed: blank, or with a child's details filled in."""
        from consent.models import Kind

        kinds = {value.replace("_", "-"): label for value, label in Kind.choices}
        kinds.update(Kind.choices)
        words = _first_lower(kinds.get(event.object_id, "consent agreement")) + " form"
        child = self.child(event.child_id)
        return f"the {words} for {child}" if child else f"a blank {words}"


def name_events(events: Iterable[AuditEvent], viewer: User) -> list[AuditEvent]:
    """The events, each given ``what`` (the record, as people say it), ``child_name`` (the
    child's reference and name), ``child_on_lisa`` (whether that child's record is still held)
    and ``role_name``."""
    events = list(events)
    names = Names(events, viewer)
    for event in events:
        event.what = names.what(event)
        event.child_name = names.child_of(event)
        event.child_on_lisa = event.child_id in names.children
        event.role_name = ROLE_NAMES.get(event.role, event.role)
    return events


def labels(events: Sequence[AuditEvent], viewer: User) -> list[str]:
    """What each event was about, in order."""
    names = Names(events, viewer)
    return [names.what(event) for event in events]


def _record_id(value) -> int | None:
    value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value) if int(value) <= _LARGEST_ID else None
    return None


def _seen_on(event: AuditEvent) -> tuple[str, int] | None:
    """The record a view of a child's page was about, where its detail names one."""
    if event.object_type != CHILD or not isinstance(event.detail, dict):
        return None
    for key, label in _SEEN_ON.items():
        record_id = _record_id(event.detail.get(key))
        if record_id is not None:
            return label, record_id
    return None


def _children(ids: set[int], viewer: User) -> dict:
    """The children, each with ``full``: whether ``viewer`` may see their full record. One
    query; only the reference and names are read."""
    from children.models import Child

    if not ids:
        return {}
    found = Child.objects.filter(pk__in=ids).only("lisa_ref", "forenames", "surname")
    if viewer.is_central_team:
        full = Value(True)
    elif works_with_children(viewer):
        full = ExpressionWrapper(child_visible_q(viewer, field="id"), output_field=BooleanField())
    else:
        full = Value(False)
    return {child.pk: child for child in found.annotate(full=full)}


def _removed(ids: set[int]) -> dict[int, str]:
    """The references of removed records (their tombstones), by the child's old number: one
    query, only when some child is no longer on LISA."""
    from children.models import RemovedRecord

    if not ids:
        return {}
    return dict(RemovedRecord.objects.filter(child_id__in=ids).values_list("child_id", "lisa_ref"))


def _figures(name: str) -> str:
    """A page of figures, one figure's CSV, or the monthly report."""
    from figures.base import SECTION_TITLES, SECTIONS

    if name == "monthly-report":
        return "the figures' monthly report"
    if name in SECTION_TITLES:
        return f"the figures: {SECTION_TITLES[name].lower()}"
    for figures in SECTIONS.values():
        if name in figures:
            return f"the figure “{name.replace('-', ' ')}”"
    return "the figures"


def _readable(label: str) -> str:
    """A record of a kind not named below: its model's name, or the label's own words."""
    try:
        return f"a {apps.get_model(label)._meta.verbose_name}"
    except (LookupError, ValueError):
        return label.rpartition(".")[2].replace("_", " ")


# --- the records, by kind ---------------------------------------------------------------------


def _about(names: Names, child_id) -> str:
    child = names.child(child_id)
    return f" about {child}" if child else ""


@_kind("concerns.concern", "a concern", child=lambda concern: concern.child_id)
def _concern(names: Names, concern, child_id) -> str:
    if names.full(child_id):
        return f"the concern of {day(concern.date)}{_about(names, child_id)}"
    return f"a concern{_about(names, child_id)}"


@_kind("concerns.category", "a concern category")
def _concern_category(names: Names, category, child_id) -> str:
    return f"the concern category {category.name}"


@_kind("consent.agreement", "a consent agreement", child=lambda agreement: agreement.child_id)
def _agreement(names: Names, agreement, child_id) -> str:
    child = names.child(child_id)
    if names.full(child_id):
        kind = _first_lower(agreement.get_kind_display())
        return f"the {kind} of {day(agreement.signed_on)}" + (f" for {child}" if child else "")
    return "a consent agreement" + (f" for {child}" if child else "")


@_kind(
    "consent.sharingdecision",
    "a decision to share without consent",
    child=lambda decision: decision.child_id,
)
def _sharing_decision(names: Names, decision, child_id) -> str:
    if names.full(child_id):
        return (
            f"the decision of {day(decision.decided_on)} to share without consent"
            f"{_about(names, child_id)}"
        )
    return f"a decision to share without consent{_about(names, child_id)}"


@_kind(
    "children.involvement",
    "an involvement",
    "practitioner",
    "agency",
    child=lambda involvement: involvement.child_id,
)
def _involvement(names: Names, involvement, child_id) -> str:
    child = names.child(child_id)
    with_child = f" with {child}" if child else ""
    if not names.sees_agency(involvement.agency):
        return f"an involvement{with_child}"
    who = short_name(involvement.practitioner)
    return f"the involvement of {who} ({involvement.agency.name}){with_child}"


@_kind(
    "children.parentalresponsibility",
    "a person with parental responsibility",
    child=lambda parent: parent.child_id,
)
def _parent(names: Names, parent, child_id) -> str:
    child = names.child(child_id)
    for_child = f" for {child}" if child else ""
    relationship = _first_lower(parent.relationship.strip())
    if names.full(child_id) and relationship:
        return f"the {relationship} with parental responsibility{for_child}"
    return f"a person with parental responsibility{for_child}"


@_kind("children.breakglass", "a break-glass access", "user", child=lambda grant: grant.child_id)
def _break_glass(names: Names, grant, child_id) -> str:
    to_child = f" to {names.child(child_id)}" if child_id else ""
    who = short_name(grant.user)
    return f"the break-glass access{to_child} by {who} on {day(grant.created_at)}"


@_kind("children.legalhold", "a legal hold", child=lambda hold: hold.child_id)
def _legal_hold(names: Names, hold, child_id) -> str:
    return f"the legal hold of {day(hold.set_at)}{_about(names, child_id)}"


@_kind("children.transfersummary", "a transfer summary", child=lambda summary: summary.child_id)
def _transfer_summary(names: Names, summary, child_id) -> str:
    if names.full(child_id):
        return f"the transfer summary for {summary.for_authority}{_about(names, child_id)}"
    return f"a transfer summary{_about(names, child_id)}"


@_kind(
    "children.receivedsummary",
    "a transfer summary received",
    child=lambda summary: summary.child_id,
)
def _received_summary(names: Names, summary, child_id) -> str:
    if names.full(child_id):
        return f"the summary received from {summary.from_authority}{_about(names, child_id)}"
    return f"a transfer summary received{_about(names, child_id)}"


@_kind(
    "subject_access.subjectaccessrequest",
    "a subject access request",
    child=lambda sar: sar.child_id,
)
def _subject_access(names: Names, sar, child_id) -> str:
    return f"the subject access request {sar.reference}{_about(names, child_id)}"


def _meeting_words(meeting) -> str:
    kind = meeting.get_kind_display().removesuffix(" meeting").lower()
    return f"the {kind} Family Support Meeting of {day(meeting.date)}"


@_kind("meetings.meeting", "a Family Support Meeting")
def _meeting(names: Names, meeting, child_id) -> str:
    return _meeting_words(meeting) if names.full(child_id) else ""


@_kind("meetings.supportplan", "a support plan")
def _plan(names: Names, plan, child_id) -> str:
    return f"the support plan of {day(plan.created_at)}" if names.full(child_id) else ""


@_kind("meetings.planaction", "an action on a support plan", "plan")
def _plan_action(names: Names, action, child_id) -> str:
    if not names.full(child_id):
        return ""
    plan = day(action.plan.created_at)
    return f"the action due {day(action.due_on)} on the support plan of {plan}"


@_kind("meetings.progressnote", "a progress note on a support plan action", "action")
def _progress_note(names: Names, note, child_id) -> str:
    if not names.full(child_id):
        return ""
    return f"the progress note of {day(note.at)} on the action due {day(note.action.due_on)}"


@_kind("meetings.recordofdecisions", "a record of decisions", "meeting")
def _record_of_decisions(names: Names, record, child_id) -> str:
    if not names.full(child_id):
        return ""
    version = f" (version {record.version})" if record.version > 1 else ""
    return f"the record of decisions of {_meeting_words(record.meeting)}{version}"


@_kind("meetings.copygiven", "a family copy of a record of decisions", "meeting")
def _copy_given(names: Names, copy, child_id) -> str:
    if not names.full(child_id):
        return ""
    return f"a family copy of the record of {_meeting_words(copy.meeting)}"


@_kind("meetings.invitee", "an invitation to a Family Support Meeting", "meeting")
def _invitee(names: Names, invitee, child_id) -> str:
    return f"an invitation to {_meeting_words(invitee.meeting)}" if names.full(child_id) else ""


@_kind(
    "meetings.leadappointment",
    "a lead professional appointment",
    "practitioner",
    "agency",
    child=lambda appointment: appointment.child_id,
)
def _lead_appointment(names: Names, appointment, child_id) -> str:
    child = names.child(child_id)
    for_child = f" for {child}" if child else ""
    if not names.sees_agency(appointment.agency):
        return f"a lead professional appointment{for_child}"
    who = short_name(appointment.practitioner)
    return f"the appointment of {who} as lead professional{for_child}"


@_kind("messaging.thread", "a conversation", child=lambda thread: thread.child_id)
def _thread(names: Names, thread, child_id) -> str:
    # Never the subject: people write what a conversation is about into it.
    if child_id is None:
        return f"a conversation begun on {day(thread.created_at)}"
    if names.full(child_id):
        return f"the conversation of {day(thread.created_at)}{_about(names, child_id)}"
    return f"a conversation{_about(names, child_id)}"


@_kind("messaging.message", "a message", "thread", child=lambda message: message.thread.child_id)
def _message(names: Names, message, child_id) -> str:
    # Never the text.
    if child_id is None:
        return f"a message of {day(message.sent_at)}"
    if names.full(child_id):
        return (
            f"a message of {day(message.sent_at)} in the conversation of "
            f"{day(message.thread.created_at)}{_about(names, child_id)}"
        )
    return f"a message in a conversation{_about(names, child_id)}"


@_kind("lisa.user", "an account")
def _user(names: Names, user, child_id) -> str:
    viewer = names.viewer
    if viewer.is_central_team or user.pk == viewer.pk or user.agency_id == viewer.agency_id:
        return f"the account of {short_name(user)}"
    return "an account at another agency"


@_kind("lisa.agency", "an agency")
def _agency(names: Names, agency, child_id) -> str:
    return f"the agency {agency.name}"


@_kind("directory.service", "a directory entry")
def _service(names: Names, service, child_id) -> str:
    return f"the directory entry for {service.name}"


@_kind("directory.organisation", "a directory organisation")
def _organisation(names: Names, organisation, child_id) -> str:
    return f"the directory organisation {organisation.name}"


@_kind("directory.category", "a directory category")
def _directory_category(names: Names, category, child_id) -> str:
    return f"the directory category {category.name}"


@_kind("audit.alert", "an alert", child=lambda alert: alert.child_id)
def _alert(names: Names, alert, child_id) -> str:
    kind = _first_lower(AlertKind(alert.kind).label) if alert.kind in AlertKind.values else ""
    words = f"the alert of {day(alert.created_at)}" + (f" ({kind})" if kind else "")
    return words + _about(names, child_id)


# --- why a person could see a child -------------------------------------------------------------


@dataclass(frozen=True)
class Why:
    """Why a person could see what an event records: a summary, and the words they gave when
    they broke glass."""

    summary: str
    reason: str = ""


BASES = {
    "central_team": "Central team",
    "involved": "Involved with the child",
    "designated_officer": "Designated officer of an agency involved with the child",
}
CARD = "Index card details, which every practitioner may see"


def why_seen(event: AuditEvent) -> Why:
    """The reason recorded with a view, print or download of a child's data: a break-glass grant
    (its category and the reason given), the relationship that opened the record, or the index
    card that is open to every practitioner."""
    from children.models import BreakGlassCategory

    detail = event.detail if isinstance(event.detail, dict) else {}
    grant = detail.get("break_glass")
    if isinstance(grant, dict):
        category = dict(BreakGlassCategory.choices).get(grant.get("category"), "")
        summary = "Broke glass" + (f": {_first_lower(category)}" if category else "")
        return Why(summary, str(grant.get("reason") or ""))
    if detail.get("basis") in BASES:
        return Why(BASES[detail["basis"]])
    if detail.get("sibling_of"):
        return Why(f"Shown as a brother or sister of {detail['sibling_of']}: {_first_lower(CARD)}")
    if isinstance(detail.get("shown"), list) or detail.get("view") == "card":
        return Why(CARD)
    if any(key in detail for key in ("meeting", "supportplan", "planaction")):
        return Why("In a meeting or plan with a child whose full record they may see")
    if event.role == Role.CENTRAL_TEAM:
        return Why(BASES["central_team"])
    return Why("Not recorded")
