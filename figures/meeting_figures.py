"""Meetings and plans: meetings held per month by kind, attendance by agency, the time from a
Family Support Meeting being requested to the first meeting, plans opened and closed, closure
reasons, reviews and actions overdue, drifting plans, and outcomes sought."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, Func, IntegerField, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from children.models import Child
from concerns.models import Concern, ConcernChange, ConcernOutcome
from figures.base import Figure, Percentile, Row, figure, in_area, month_of, small_numbers
from figures.scope import Scope
from meetings.models import (
    DRIFT_AFTER_DAYS,
    DRIFT_REVIEWS,
    Attendance,
    ClosureReason,
    HeadlineOutcome,
    Invitee,
    InviteeKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    PlanAction,
    PlanOutcome,
    PlanStatus,
    SupportPlan,
)

PRESENT = [Attendance.ATTENDED, Attendance.SENT_SOMEONE]


def _invited(agency_id: int, meeting: str = "pk") -> Exists:
    return Exists(
        Invitee.objects.filter(
            meeting=OuterRef(meeting),
            kind=InviteeKind.PRACTITIONER,
            practitioner__agency_id=agency_id,
        )
    )


def meetings(scope: Scope):
    """Meetings the viewer may count under the filters: a designated officer's are those their
    agency was invited to; the agency filter does the same for the central team."""
    queryset = Meeting.objects.current()
    if scope.restricted:
        queryset = queryset.filter(_invited(scope.own_agency_id))
    if scope.agency:
        queryset = queryset.filter(_invited(scope.agency_id))
    if scope.level:
        queryset = queryset.filter(
            Exists(Concern.objects.filter(meetings=OuterRef("pk"), level=scope.level))
        )
    if scope.area:
        queryset = queryset.filter(
            Exists(Child.objects.filter(Q(meetings=OuterRef("pk")) & in_area(scope.area)))
        )
    return queryset


def plans(scope: Scope):
    """Plans the viewer may count: a designated officer's are those agreed or reviewed at a
    meeting their agency was invited to (where the lead professional is appointed from), as the
    agency filter does for the central team."""
    queryset = SupportPlan.objects.filter(entered_in_error=False)
    for agency_id in filter(None, [scope.own_agency_id, scope.agency_id]):
        queryset = queryset.filter(
            Exists(
                Meeting.objects.current().filter(plan=OuterRef("pk")).filter(_invited(agency_id))
            )
        )
    if scope.level:
        queryset = queryset.filter(
            Exists(Concern.objects.filter(meetings__plan=OuterRef("pk"), level=scope.level))
        )
    if scope.area:
        queryset = queryset.filter(
            Exists(Child.objects.filter(Q(support_plans=OuterRef("pk")) & in_area(scope.area)))
        )
    return queryset


@figure("meetings")
def meetings_held(scope: Scope) -> Figure:
    kinds = list(MeetingKind)
    counts = (
        meetings(scope)
        .filter(status=MeetingStatus.HELD, date__gte=scope.trend_start, date__lte=scope.end)
        .annotate(month=month_of("date"))
        .values("month", "kind")
        .annotate(n=Count("pk"))
        .values_list("month", "kind", "n")
    )
    table: dict[dt.date, list[int]] = {}
    for month, kind, n in counts:
        table.setdefault(month, [0] * len(kinds))[kinds.index(kind)] = n
    return Figure(
        "meetings-held",
        "Family Support Meetings held per month",
        "Meetings recorded as held, by the date of the meeting and the kind of meeting.",
        ["Month", *[kind.label for kind in kinds]],
        [
            Row(month.strftime("%b %Y"), table.get(month, [0] * len(kinds)))
            for month in scope.months()
        ],
        chart="months_by",
    )


@figure("meetings")
def attendance(scope: Scope) -> Figure:
    counts = (
        Invitee.objects.filter(
            kind=InviteeKind.PRACTITIONER,
            meeting__in=meetings(scope).filter(
                status=MeetingStatus.HELD, date__gte=scope.start, date__lte=scope.end
            ),
        )
        .values(
            "practitioner__agency_id",
            "practitioner__agency__name",
            "practitioner__agency__sensitive_service",
        )
        .annotate(invited=Count("pk"), present=Count("pk", filter=Q(attendance__in=PRESENT)))
        .order_by("practitioner__agency__name")
    )
    rows = [
        Row(
            item["practitioner__agency__name"],
            [
                item["invited"],
                item["present"],
                100.0 * item["present"] / item["invited"] if item["invited"] else None,
            ],
            agency_id=item["practitioner__agency_id"],
            sensitive=item["practitioner__agency__sensitive_service"],
        )
        for item in counts
    ]
    return Figure(
        "attendance",
        "Attendance at meetings by agency",
        "Practitioners invited to meetings held in the period, and how many came (or sent "
        "someone in their place).",
        ["Agency", "Invited", "Came", "Attendance rate"],
        small_numbers(scope, rows),
        chart_column=2,
        formats=["", "", "percent"],
    )


class DaysBetween(Func):
    """The whole days from a timestamp's local date to a later date."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()


@figure("meetings")
def time_to_first_meeting(scope: Scope) -> Figure:
    first, after = scope.bounds()
    requests = requested_in(scope, first, after)
    first_meeting = (
        Meeting.concerns.through.objects.filter(
            concern_id=OuterRef("concern_id"),
            meeting__status=MeetingStatus.HELD,
            meeting__entered_in_error=False,
        )
        .order_by("meeting__date")
        .values("meeting__date")[:1]
    )
    waits = requests.annotate(
        requested_on=TruncDate("requested_at"), met_on=Subquery(first_meeting)
    )
    days = DaysBetween(F("met_on"), F("requested_on"))
    result = waits.aggregate(
        median=Percentile(days, 0.5, filter=Q(met_on__isnull=False)),
        p90=Percentile(days, 0.9, filter=Q(met_on__isnull=False)),
        met=Count("concern_id", filter=Q(met_on__isnull=False)),
        waiting=Count("concern_id", filter=Q(met_on__isnull=True)),
    )
    return Figure(
        "time-to-first-meeting",
        "Time from a meeting being requested to the first meeting",
        "For concerns whose outcome became \u201cFamily Support Meeting requested\u201d in the "
        "period: the days until the first meeting about the concern was held.",
        ["", "Value"],
        [
            Row("Median wait", [result["median"]], fmt="days"),
            Row("90th percentile wait", [result["p90"]], fmt="days"),
            Row("Concerns with a meeting held", [result["met"]]),
            Row("Concerns still waiting for a meeting", [result["waiting"]]),
        ],
        chart="none",
    )


@figure("meetings")
def plans_opened_and_closed(scope: Scope) -> Figure:
    first, after = scope.bounds(trend=True)
    base = plans(scope)
    opened = dict(
        base.filter(created_at__gte=first, created_at__lt=after)
        .annotate(month=month_of("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    closed = dict(
        base.filter(closed_at__gte=first, closed_at__lt=after)
        .annotate(month=month_of("closed_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    return Figure(
        "plans-opened-and-closed",
        "Support plans opened and closed per month",
        "Plans started and plans closed each month.",
        ["Month", "Opened", "Closed"],
        [
            Row(month.strftime("%b %Y"), [opened.get(month, 0), closed.get(month, 0)])
            for month in scope.months()
        ],
        chart="months_by",
    )


def open_at(moment: dt.datetime) -> Q:
    return Q(closed_at__isnull=True) | Q(closed_at__gte=moment)


@figure("meetings")
def plans_needing_attention(scope: Scope) -> Figure:
    _, after = scope.bounds()
    # One pass over the plans with their reviews, in the terms of SupportPlan.objects'
    # review_overdue() and drifting().
    open_now = Q(status=PlanStatus.OPEN)
    counts = (
        plans(scope)
        .with_review()
        .aggregate(
            n=Count(
                "pk",
                filter=Q(created_at__lt=after)
                & (Q(closed_at__isnull=True) | Q(closed_at__gte=after)),
            ),
            overdue=Count(
                "pk",
                filter=open_now & Q(next_review_on__lt=timezone.localdate(), review_arranged=False),
            ),
            drifting=Count(
                "pk",
                filter=open_now
                & (
                    Q(created_at__lt=timezone.now() - dt.timedelta(days=DRIFT_AFTER_DAYS))
                    | Q(reviews__gte=DRIFT_REVIEWS)
                ),
            ),
        )
    )
    overdue, drifting = counts["overdue"], counts["drifting"]
    return Figure(
        "plans-needing-attention",
        "Support plans open, reviews overdue and drifting plans",
        f"Plans open on {scope.end:%-d %B %Y}; today, plans whose review date has passed with "
        "no meeting arranged, and plans open more than twelve months or reviewed three times "
        "or more.",
        ["", "Plans"],
        [
            Row(f"Open on {scope.end:%-d %b %Y}", [counts["n"]]),
            Row("Reviews overdue today", [overdue]),
            Row("Drifting today", [drifting]),
        ],
    )


@figure("meetings")
def closure_reasons(scope: Scope) -> Figure:
    first, after = scope.bounds()
    counts = dict(
        plans(scope)
        .filter(status=PlanStatus.CLOSED, closed_at__gte=first, closed_at__lt=after)
        .values("closure_reason")
        .annotate(n=Count("pk"))
        .values_list("closure_reason", "n")
    )
    return Figure(
        "closure-reasons",
        "Why support plans closed",
        "Plans closed in the period, by the reason recorded.",
        ["Reason", "Plans"],
        [Row(label, [counts.get(value, 0)]) for value, label in ClosureReason.choices],
    )


@figure("meetings")
def actions_overdue(scope: Scope) -> Figure:
    queryset = PlanAction.objects.overdue().filter(plan__in=plans(scope))
    if scope.restricted:
        own = scope.own_agency_id
        queryset = queryset.filter(Q(owner__agency_id=own) | Q(agency_id=own))
    counts = (
        queryset.annotate(
            agency_key=Coalesce("owner__agency_id", "agency_id"),
            agency_name=Coalesce("owner__agency__name", "agency__name"),
            agency_sensitive=Coalesce(
                "owner__agency__sensitive_service", "agency__sensitive_service"
            ),
        )
        .values("agency_key", "agency_name", "agency_sensitive")
        .annotate(n=Count("pk"))
        .order_by("-n", "agency_name")
    )
    rows = [
        Row(
            item["agency_name"] or "The family or others",
            [item["n"]],
            agency_id=item["agency_key"],
            sensitive=bool(item["agency_sensitive"]),
        )
        for item in counts
    ]
    return Figure(
        "actions-overdue",
        "Actions overdue by agency",
        "Actions on open plans, not done or given up, whose date has passed (today).",
        ["Agency", "Actions overdue"],
        small_numbers(scope, rows),
    )


@figure("meetings")
def outcomes_sought(scope: Scope) -> Figure:
    first, after = scope.bounds()
    live = (
        plans(scope)
        .filter(created_at__lt=after)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=first))
    )
    counts = dict(
        PlanOutcome.objects.filter(plan__in=live)
        .values("headline")
        .annotate(n=Count("pk"))
        .values_list("headline", "n")
    )
    return Figure(
        "outcomes-sought",
        "Outcomes sought by Supporting Families heading",
        "The outcomes recorded on plans open at any time in the period, by headline outcome.",
        ["Headline outcome", "Outcomes"],
        [Row(label, [counts.get(value, 0)]) for value, label in HeadlineOutcome.choices],
    )


def requested_in(scope: Scope, first: dt.datetime, after: dt.datetime):
    """Per concern whose outcome first became "meeting requested" in the period: when it did.
    (Changes of the period only, less concerns requested before it: the period's rows are
    few, where all requests ever made are many.)"""
    from figures.concern_figures import scoped

    requested = ConcernChange.objects.filter(to_outcome=ConcernOutcome.MEETING_REQUESTED)
    earlier = requested.filter(concern=OuterRef("concern_id"), at__lt=first)
    return (
        scoped(requested, scope, prefix="concern__")
        .filter(at__gte=first, at__lt=after)
        # Not a join with every concern: those in error are few.
        .exclude(concern_id__in=Concern.objects.filter(entered_in_error=True).values("pk"))
        .filter(~Exists(earlier))
        .values("concern_id")
        .annotate(requested_at=Min("at"))
    )
