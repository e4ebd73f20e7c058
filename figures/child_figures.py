"""Children: known to LISA, with an open concern, with a lead professional, by age band, new per
month, and moved out or closed per month."""

from __future__ import annotations

import datetime as dt

from auditlog.models import LogEntry
from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Value, When

from children.models import Child, ChildStatus, Involvement
from concerns.models import Concern
from figures.base import Figure, Row, figure, in_area, month_of
from figures.scope import Scope

AGE_BANDS = [(5, "Under 5"), (11, "5 to 10"), (16, "11 to 15"), (18, "16 and 17")]


def _worked_with_by(agency_id: int) -> Q:
    """Children an agency has worked with: an involvement, or a concern it logged."""
    return Q(Exists(Involvement.objects.filter(child=OuterRef("pk"), agency_id=agency_id))) | Q(
        Exists(Concern.objects.current().filter(child=OuterRef("pk"), agency_id=agency_id))
    )


def children(scope: Scope):
    """Records on LISA (not merged into another) the viewer may count under the filters."""
    queryset = Child.objects.filter(merged_into__isnull=True)
    if scope.restricted:
        queryset = queryset.filter(_worked_with_by(scope.own_agency_id))
    if scope.agency:
        queryset = queryset.filter(_worked_with_by(scope.agency_id))
    return with_level_and_area(queryset, scope)


def with_level_and_area(queryset, scope: Scope):
    """Children with a concern at the chosen level in the period, living in the chosen area."""
    if scope.level:
        queryset = queryset.filter(
            Exists(
                Concern.objects.current().filter(
                    child=OuterRef("pk"),
                    level=scope.level,
                    date__gte=scope.start,
                    date__lte=scope.end,
                )
            )
        )
    if scope.area:
        queryset = queryset.filter(in_area(scope.area))
    return queryset


@figure("children")
def children_known(scope: Scope) -> Figure:
    # IN rather than a correlated EXISTS: inside an aggregate's filter PostgreSQL would look up
    # every child's concerns one child at a time; IN hashes the children with one once.
    open_concern = Q(pk__in=Concern.objects.open().values("child_id"))
    lead = Q(pk__in=Involvement.objects.active().filter(lead_professional=True).values("child_id"))
    active = Q(status=ChildStatus.ACTIVE)
    counts = children(scope).aggregate(
        known=Count("pk", filter=active),
        open_concern=Count("pk", filter=active & open_concern),
        lead=Count("pk", filter=active & lead),
        moved_out=Count("pk", filter=Q(status=ChildStatus.MOVED_OUT)),
        closed=Count("pk", filter=Q(status__in=[ChildStatus.CLOSED, ChildStatus.ARCHIVED])),
    )
    return Figure(
        "children-known",
        "Children known to LISA",
        "Children on LISA today: those whose records are active, with an open concern and with "
        "a lead professional, and records of children moved out of the area or closed.",
        ["", "Children"],
        [
            Row("Known to LISA (active)", [counts["known"]]),
            Row("With an open concern", [counts["open_concern"]]),
            Row("With a lead professional", [counts["lead"]]),
            Row("Moved out of the area", [counts["moved_out"]]),
            Row("Closed", [counts["closed"]]),
        ],
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@figure("children")
def children_by_age(scope: Scope) -> Figure:
    today = scope.end
    band = Case(
        *[
            When(date_of_birth__gt=_years_before(today, years), then=Value(label))
            for years, label in AGE_BANDS
        ],
        default=Value("18 and over"),
        output_field=CharField(),
    )
    counts = dict(
        children(scope)
        .filter(status=ChildStatus.ACTIVE)
        .annotate(band=band)
        .values("band")
        .annotate(n=Count("pk"))
        .values_list("band", "n")
    )
    labels = [label for _, label in AGE_BANDS] + ["18 and over"]
    return Figure(
        "children-by-age",
        "Children by age",
        f"Children with active records, by their age on {today:%-d %B %Y}.",
        ["Age", "Children"],
        [Row(label, [counts.get(label, 0)]) for label in labels],
    )


@figure("children")
def new_children_per_month(scope: Scope) -> Figure:
    first, after = scope.bounds(trend=True)
    counts = dict(
        children(scope)
        .filter(created_at__gte=first, created_at__lt=after)
        .annotate(month=month_of("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    return Figure(
        "new-children-per-month",
        "Children added to LISA per month",
        "New records each month (records later merged into another are not counted).",
        ["Month", "Children"],
        [Row(month.strftime("%b %Y"), [counts.get(month, 0)]) for month in scope.months()],
        chart="months",
    )


@figure("children")
def moved_out_and_closed(scope: Scope) -> Figure:
    first, after = scope.bounds(trend=True)
    status_to = "changes__status__1"
    counts = (
        LogEntry.objects.filter(
            content_type__app_label="children",
            content_type__model="child",
            timestamp__gte=first,
            timestamp__lt=after,
            object_id__in=children(scope).values("pk"),
        )
        .filter(
            **{f"{status_to}__in": [ChildStatus.MOVED_OUT, ChildStatus.CLOSED]},
        )
        .annotate(month=month_of("timestamp"))
        .values("month", status_to)
        .annotate(n=Count("object_id", distinct=True))
        .values_list("month", status_to, "n")
    )
    table: dict[dt.date, list[int]] = {}
    for month, status, n in counts:
        table.setdefault(month, [0, 0])[0 if status == ChildStatus.MOVED_OUT else 1] += n
    return Figure(
        "moved-out-and-closed",
        "Children moved out and records closed per month",
        "Records changed to \u201cmoved out of area\u201d or \u201cclosed\u201d each month.",
        ["Month", "Moved out", "Closed"],
        [Row(month.strftime("%b %Y"), table.get(month, [0, 0])) for month in scope.months()],
        chart="months_by",
    )
