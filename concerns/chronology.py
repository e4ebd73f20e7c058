"""The chronology: one time-ordered list of everything in LISA about a child.

Each *source* is a function ``(child, access, start, end) -> iterable of Event`` registered with
:func:`source` under a kind. A source makes a fixed number of queries (one or two), whatever the
number of events, so the page costs the same for a child with five events or five thousand.
Meetings, plans and consent add their own sources the same way::

    from concerns.chronology import Event, source

    @source("meeting", "Meetings")
    def meetings(child, access, start, end):
        ...
        yield Event(at=..., kind="meeting", title="Family Support Meeting held", ...)

``access`` is the reader's :class:`lisa.policy.ChildAccess` for the child: ask it who may be
named (``access.author(user)``) and which involvements show; never re-derive a rule.

Dates filter in the database where the source can (``start`` and ``end`` are aware datetimes or
None: from the start of ``start``'s day to the end of ``end``'s).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from children.models import BreakGlass, Child, Involvement, SchoolChange, SchoolChangeStatus
from concerns.models import LEVEL_TAG_COLOURS, ConcernChange, Level
from lisa.models import User
from lisa.policy import ChildAccess


@dataclass
class Event:
    at: dt.datetime
    kind: str
    title: str
    detail: str = ""
    who: str = ""
    url: str = ""
    tag: str = ""
    tag_colour: str = "grey"
    lines: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


Source = Callable[[Child, ChildAccess, "dt.datetime | None", "dt.datetime | None"], Iterable[Event]]

KINDS: dict[str, str] = {}
SOURCES: list[tuple[str, Source]] = []


def source(kind: str, label: str) -> Callable[[Source], Source]:
    """Register ``function`` as the source of events of ``kind`` (shown as ``label``)."""

    def register(function: Source) -> Source:
        KINDS[kind] = label
        SOURCES.append((kind, function))
        return function

    return register


def day_bounds(
    start: dt.date | None, end: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz) if start else None
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if end else None
    return since, until


def _between(prefix: str, since, until) -> Q:
    q = Q()
    if since is not None:
        q &= Q(**{f"{prefix}__gte": since})
    if until is not None:
        q &= Q(**{f"{prefix}__lt": until})
    return q


def gather(
    child: Child,
    reader: User | ChildAccess,
    *,
    kinds: Iterable[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[Event]:
    """Every event about ``child`` that the reader (a user, or their access object) may see,
    newest first."""
    access = reader if isinstance(reader, ChildAccess) else ChildAccess(reader, child)
    wanted = set(kinds) if kinds else None
    since, until = day_bounds(start, end)
    events: list[Event] = []
    for kind, function in SOURCES:
        if wanted is not None and kind not in wanted:
            continue
        for event in function(child, access, since, until):
            if (since is None or event.at >= since) and (until is None or event.at < until):
                events.append(event)
    events.sort(key=lambda event: event.at, reverse=True)
    return events


# --- the sources ------------------------------------------------------------------------------


@source("concern", "Concerns")
def concern_events(child, access, since, until):
    """Each concern's steps through the flowchart: logged, changed, closed, reopened, marked
    entered in error (two queries: the steps, and the categories of their concerns)."""
    changes = (
        ConcernChange.objects.filter(Q(concern__child=child) & _between("at", since, until))
        .select_related("concern", "concern__agency", "by", "by__agency")
        .prefetch_related("concern__categories")
        .order_by("at", "pk")
    )
    for change in changes:
        concern = change.concern
        lines = []
        if change.kind == "logged":
            lines.append(", ".join(category.name for category in concern.categories.all()))
            lines.append(f"Seen on {concern.date:%-d %B %Y}: {concern.what_was_seen}")
            lines.append(f"Action agreed: {concern.action_agreed}")
            if not concern.discussed_with_parent:
                lines.append(
                    f"Not discussed with the parent or carer: {concern.not_discussed_reason}"
                )
            lines.append(f"Outcome: {change.to_outcome_label}")
        elif change.kind in ("changed", "resolved", "reopened"):
            if change.from_outcome != change.to_outcome:
                lines.append(f"Outcome: {change.from_outcome_label} → {change.to_outcome_label}")
            if change.from_level != change.to_level:
                lines.append(f"Level: {change.from_level} → {change.to_level}")
        if change.note:
            lines.append(change.note)
        level = change.to_level or concern.level
        yield Event(
            at=change.at,
            kind="concern",
            title=change.kind_label,
            who=access.author(
                change.by, concern.agency if change.by_id == concern.raised_by_id else None
            ),
            url=reverse("concerns:detail", args=[concern.pk]),
            tag=Level(level).label if level else "",
            tag_colour=LEVEL_TAG_COLOURS.get(level, "grey"),
            lines=[line for line in lines if line],
        )


@source("involvement", "Involvement")
def involvement_events(child, access, since, until):
    """Involvements starting, ending and marked entered in error (one query). Involvement with a
    sensitive service shows only to the central team and that same service."""
    involvements = (
        Involvement.objects.filter(child=child)
        .filter(_between("created_at", since, None) | _between("ended_at", since, None))
        .filter(_between("created_at", None, until) | _between("ended_at", None, until))
        .select_related("practitioner", "agency", "ended_by")
    )
    for involvement in involvements:
        if not access.see_involvement(involvement):
            continue
        who = f"{involvement.practitioner.get_full_name()}, {involvement.agency.name}"
        yield Event(
            at=involvement.created_at,
            kind="involvement",
            title="Involvement began",
            who=who,
            lines=[f"{involvement.role}: {involvement.get_how_began_display().lower()}"],
        )
        if involvement.ended_at:
            if involvement.entered_in_error:
                title, note = "Involvement marked entered in error", involvement.error_reason
            else:
                title, note = "Involvement ended", involvement.end_reason
            yield Event(
                at=involvement.ended_at,
                kind="involvement",
                title=title,
                who=who,
                lines=[note] if note else [],
            )


@source("school", "School")
def school_events(child, access, since, until):
    """Changes of school, when they were made (one query)."""
    changes = (
        SchoolChange.objects.filter(
            Q(child=child, status=SchoolChangeStatus.APPLIED) & _between("applied_at", since, until)
        )
        .select_related("to_agency", "requested_by", "requested_by__agency")
        .order_by("applied_at", "pk")
    )
    for change in changes:
        yield Event(
            at=change.applied_at,
            kind="school",
            title="Changed school",
            who=access.author(change.requested_by),
            lines=[
                f"From {change.from_school or 'no school recorded'} to {change.new_school}, "
                f"from {change.effective_on:%-d %B %Y}"
            ],
        )


@source("request", "Requests for information")
def request_events(child, access, since, until):
    """Requests for information from other agencies and the decisions on them (one query)."""
    from consent.models import InformationRequest, RequestOutcome

    requests = InformationRequest.objects.filter(
        Q(child=child, entered_in_error=False) & _between("created_at", since, until)
    ).select_related("created_by", "created_by__agency")
    for item in requests:
        shared = item.outcome == RequestOutcome.SHARED
        lines = [f"Asked for: {item.what_requested}"]
        if shared:
            lines.append(f"Shared with {item.shared_with}: {item.what_shared}")
        lines.append(f"Decided by {item.decided_by} on {item.decided_on:%-d %B %Y}: {item.reason}")
        yield Event(
            at=item.created_at,
            kind="request",
            title=f"Request for information from {item.requested_by}",
            who=access.author(item.created_by),
            tag="Shared" if shared else "Not shared",
            tag_colour="green" if shared else "orange",
            lines=lines,
        )


@source("break_glass", "Break-glass access")
def break_glass_events(child, access, since, until):
    """Break-glass access to the full record (one query). The stated reason shows to the central
    team; others see who, when and the category."""
    grants = BreakGlass.objects.filter(
        Q(child=child) & _between("created_at", since, until)
    ).select_related("user", "user__agency")
    for grant in grants:
        lines = [grant.get_category_display()]
        if access.user.is_central_team:
            lines.append(grant.reason)
        yield Event(
            at=grant.created_at,
            kind="break_glass",
            title="Full record opened with break-glass access",
            who=access.author(grant.user),
            tag="Break glass",
            tag_colour="red",
            lines=lines,
        )


@source("record", "The child's record")
def record_events(child, access, since, until):
    """The record being added to LISA and duplicate records merged into it (one query, on the
    audit trail)."""
    yield Event(at=child.created_at, kind="record", title="Added to LISA", who="")
    merges = AuditEvent.objects.filter(
        Q(child_id=child.pk, action=Action.MERGE) & _between("at", since, until)
    ).only("at", "username", "detail")
    for merge in merges:
        detail = merge.detail or {}
        yield Event(
            at=merge.at,
            kind="record",
            title=f"Duplicate record {detail.get('merged', '')} merged into this one",
            who=merge.username,
            lines=[detail["reason"]] if detail.get("reason") else [],
        )
