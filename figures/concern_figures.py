"""Concerns: logged per month, by level, category, agency, agency type, outcome and area;
re-opened and entered in error. Concerns entered in error count nowhere else."""

from __future__ import annotations

from django.db.models import Count

from concerns.models import Concern, ConcernChange, ConcernOutcome, Level
from figures.base import Figure, Row, area_of, figure, in_area, month_of
from figures.scope import Scope
from lisa.models import AgencyType


def scoped(queryset, scope: Scope, prefix: str = ""):
    """Concerns the viewer may count under the filters (the dates are the caller's)."""
    if scope.restricted:
        queryset = queryset.filter(**{f"{prefix}agency_id": scope.own_agency_id})
    if scope.agency:
        queryset = queryset.filter(**{f"{prefix}agency": scope.agency})
    if scope.level:
        queryset = queryset.filter(**{f"{prefix}level": scope.level})
    if scope.area:
        queryset = queryset.filter(in_area(scope.area, f"{prefix}child__"))
    return queryset


def concerns(scope: Scope, *, trend: bool = False):
    first = scope.trend_start if trend else scope.start
    return scoped(Concern.objects.current(), scope).filter(date__gte=first, date__lte=scope.end)


@figure("concerns")
def concerns_per_month(scope: Scope) -> Figure:
    counts = dict(
        concerns(scope, trend=True)
        .annotate(month=month_of("date"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    rows = [Row(month.strftime("%b %Y"), [counts.get(month, 0)]) for month in scope.months()]
    return Figure(
        "concerns-per-month",
        "Concerns logged per month",
        "The number of concerns logged each month, by the date of the concern.",
        ["Month", "Concerns"],
        rows,
        chart="months",
    )


@figure("concerns")
def concerns_by_level(scope: Scope) -> Figure:
    counts = dict(concerns(scope).values("level").annotate(n=Count("pk")).values_list("level", "n"))
    rows = [Row(label, [counts.get(value, 0)]) for value, label in Level.choices]
    return Figure(
        "concerns-by-level",
        "Concerns by level",
        "The level each concern was logged at (or last changed to).",
        ["Level", "Concerns"],
        rows,
    )


@figure("concerns")
def concerns_by_category(scope: Scope) -> Figure:
    counts = (
        concerns(scope)
        .values("categories__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "categories__name")
    )
    rows = [Row(item["categories__name"] or "No category", [item["n"]]) for item in counts]
    return Figure(
        "concerns-by-category",
        "Concerns by category",
        "What the concerns were about. A concern with two categories counts under each.",
        ["Category", "Concerns"],
        rows,
    )


@figure("concerns")
def concerns_by_agency(scope: Scope) -> Figure:
    counts = (
        concerns(scope)
        .values("agency_id", "agency__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "agency__name")
    )
    rows = [Row(item["agency__name"], [item["n"]], agency_id=item["agency_id"]) for item in counts]
    return Figure(
        "concerns-by-agency",
        "Concerns by agency",
        "The agency of the practitioner who logged each concern.",
        ["Agency", "Concerns"],
        rows,
    )


@figure("concerns")
def concerns_by_agency_type(scope: Scope) -> Figure:
    counts = dict(
        concerns(scope)
        .values("agency__agency_type")
        .annotate(n=Count("pk"))
        .values_list("agency__agency_type", "n")
    )
    rows = [Row(label, [counts[value]]) for value, label in AgencyType.choices if value in counts]
    return Figure(
        "concerns-by-agency-type",
        "Concerns by type of agency",
        "Health, education, social care, police and the other kinds of agency.",
        ["Type of agency", "Concerns"],
        rows,
    )


@figure("concerns")
def concerns_by_outcome(scope: Scope) -> Figure:
    counts = dict(
        concerns(scope).values("outcome").annotate(n=Count("pk")).values_list("outcome", "n")
    )
    rows = [Row(label, [counts.get(value, 0)]) for value, label in ConcernOutcome.choices]
    return Figure(
        "concerns-by-outcome",
        "Concerns by outcome",
        "Where each concern has reached on the flowchart, in the flowchart's order.",
        ["Outcome", "Concerns"],
        rows,
    )


@figure("concerns")
def concerns_by_area(scope: Scope) -> Figure:
    counts = (
        concerns(scope)
        .annotate(area=area_of("child__"))
        .values("area")
        .annotate(n=Count("pk"))
        .order_by("-n", "area")
    )
    rows = [Row(item["area"] or "Not known", [item["n"]]) for item in counts]
    return Figure(
        "concerns-by-area",
        "Concerns by area",
        "The ward of the child's address (or its postcode district outside the borough's "
        "wards). A shielded address is never used: those concerns count as withheld.",
        ["Area", "Concerns"],
        rows,
    )


@figure("concerns")
def reopened_and_in_error(scope: Scope) -> Figure:
    first, after = scope.bounds()
    reopened = (
        scoped(ConcernChange.objects.filter(kind="reopened"), scope, prefix="concern__")
        .filter(at__gte=first, at__lt=after, concern__entered_in_error=False)
        .aggregate(n=Count("concern_id", distinct=True))["n"]
    )
    in_error = (
        scoped(Concern.objects.filter(entered_in_error=True), scope)
        .filter(date__gte=scope.start, date__lte=scope.end)
        .count()
    )
    return Figure(
        "reopened-and-in-error",
        "Concerns re-opened and entered in error",
        "Concerns re-opened during the period, and concerns of the period marked entered in "
        "error (which count in no other figure).",
        ["", "Concerns"],
        [Row("Re-opened", [reopened]), Row("Entered in error", [in_error])],
    )
