"""Access and audit: alerts per month (break glass, self-claims and the others) with their
review state, refusals per month, and records opened by agency. A designated officer counts
their own agency's people only. A level or an area narrows alerts and records opened to the
children they describe; refusals concern no child and are counted whatever the level or area."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from audit.models import Action, Alert, AlertKind, AuditEvent
from children.models import Child
from figures.base import Figure, Row, figure, month_of
from figures.child_figures import with_level_and_area
from figures.scope import Scope

ALERT_GROUPS = [
    ("Break glass", Q(kind=AlertKind.BREAK_GLASS)),
    ("Self-claimed involvement", Q(kind=AlertKind.SELF_CLAIM)),
    ("Other alerts", ~Q(kind__in=[AlertKind.BREAK_GLASS, AlertKind.SELF_CLAIM])),
]


def _children(scope: Scope):
    """With a level or an area chosen: the children those describe (alerts and records opened
    count only theirs; refusals, about no child, are not filtered by them)."""
    if not (scope.level or scope.area):
        return None
    return with_level_and_area(Child.objects.filter(merged_into__isnull=True), scope).values("pk")


def alerts(scope: Scope, *, trend: bool = False):
    first, after = scope.bounds(trend=trend)
    queryset = Alert.objects.filter(created_at__gte=first, created_at__lt=after)
    for agency_id in filter(None, [scope.own_agency_id, scope.agency_id]):
        queryset = queryset.filter(user__agency_id=agency_id)
    children = _children(scope)
    if children is not None:
        queryset = queryset.filter(child_id__in=children)
    return queryset


def events(scope: Scope, action: str):
    first, after = scope.bounds(trend=action == Action.DENIED)
    queryset = AuditEvent.objects.filter(action=action, at__gte=first, at__lt=after)
    for agency_id in filter(None, [scope.own_agency_id, scope.agency_id]):
        queryset = queryset.filter(agency_id=agency_id)
    children = _children(scope)
    if children is not None and action != Action.DENIED:
        queryset = queryset.filter(child_id__in=children)
    return queryset


@figure("access")
def alerts_per_month(scope: Scope) -> Figure:
    counts = (
        alerts(scope, trend=True)
        .annotate(month=month_of("created_at"))
        .values("month")
        .annotate(**{f"g{i}": Count("pk", filter=q) for i, (_, q) in enumerate(ALERT_GROUPS)})
    )
    table: dict[dt.date, list[int]] = {
        item["month"]: [item[f"g{i}"] for i in range(len(ALERT_GROUPS))] for item in counts
    }
    return Figure(
        "alerts-per-month",
        "Alerts per month",
        "Break-glass access, practitioners saying they work with a child, and the other "
        "alerts (unusual numbers of records opened, level 4 concerns, sign-in attacks).",
        ["Month", *[label for label, _ in ALERT_GROUPS]],
        [
            Row(month.strftime("%b %Y"), table.get(month, [0] * len(ALERT_GROUPS)))
            for month in scope.months()
        ],
        chart="months_by",
    )


@figure("access")
def alert_reviews(scope: Scope) -> Figure:
    reviewed = Q(reviewed_at__isnull=False)
    counts = alerts(scope).aggregate(
        **{f"r{i}": Count("pk", filter=q & reviewed) for i, (_, q) in enumerate(ALERT_GROUPS)},
        **{f"w{i}": Count("pk", filter=q & ~reviewed) for i, (_, q) in enumerate(ALERT_GROUPS)},
    )
    return Figure(
        "alert-reviews",
        "Alerts reviewed and waiting for review",
        "The alerts raised in the period and whether the central team has reviewed them.",
        ["Alert", "Reviewed", "Waiting for review"],
        [
            Row(label, [counts[f"r{i}"], counts[f"w{i}"]])
            for i, (label, _) in enumerate(ALERT_GROUPS)
        ],
        chart_column=1,
    )


@figure("access")
def refusals_per_month(scope: Scope) -> Figure:
    counts = dict(
        events(scope, Action.DENIED)
        .annotate(month=month_of("at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    return Figure(
        "refusals-per-month",
        "Refusals per month",
        "Requests LISA refused: pages or records a person was not allowed to see or change.",
        ["Month", "Refusals"],
        [Row(month.strftime("%b %Y"), [counts.get(month, 0)]) for month in scope.months()],
        chart="months",
    )


@figure("access")
def records_opened(scope: Scope) -> Figure:
    counts = (
        events(scope, Action.VIEW)
        .filter(child_id__isnull=False, agency__isnull=False)
        .values("agency_id", "agency__name")
        .annotate(views=Count("pk"), children=Count("child_id", distinct=True))
        .order_by("-views", "agency__name")
    )
    return Figure(
        "records-opened",
        "Children's records opened by agency",
        "Views of a child's card or record by people of each agency in the period, and how "
        "many different children they were about.",
        ["Agency", "Views", "Children"],
        [
            Row(
                item["agency__name"], [item["views"], item["children"]], agency_id=item["agency_id"]
            )
            for item in counts
        ],
    )
