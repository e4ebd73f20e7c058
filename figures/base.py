"""The shape of a figure, the register of figures by section, and the SQL helpers they share.

A figure is a table of rows (a label and one or more numbers) with a chart drawn from it; the
table is the source of truth and the CSV carries the same rows. Every number is counted by
PostgreSQL (GROUP BY, date_trunc, filtered aggregates, percentile_cont); Python only lays the
counts out, filling in the months with nothing in them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Aggregate, Case, CharField, F, FloatField, Q, Value, When
from django.db.models.functions import Trunc

from directory.areas import SECTOR_WARDS, WARDS
from figures.scope import Scope

WITHHELD = "Withheld (shielded address)"
NOT_KNOWN = "Not known"
FEWER_THAN_FIVE = "fewer than 5"
SMALL = 5


@dataclass
class Row:
    label: str
    values: list[float | int | None]
    # A designated officer's view of another agency's small count: shown as "fewer than 5".
    suppressed: bool = False
    # The agency the row counts, where it counts one (for the small-number rule).
    agency_id: int | None = None
    sensitive: bool = False
    # A format for this row's values that differs from the column's (e.g. "days").
    fmt: str = ""

    def cells(self, formats: list[str]) -> list[str]:
        if self.suppressed:
            return [FEWER_THAN_FIVE for _ in self.values]
        return [
            format_value(value, self.fmt or fmt)
            for value, fmt in zip(self.values, formats, strict=True)
        ]


def format_value(value, fmt: str = "") -> str:
    if value is None:
        return "None" if fmt != "days" else "No meetings yet"
    if fmt == "percent":
        return f"{value:.0f}%"
    if fmt == "days":
        return "1 day" if round(value) == 1 else f"{value:.0f} days"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


@dataclass
class Figure:
    """One figure: ``columns`` are the headings (the first is the rows' label)."""

    key: str
    title: str
    description: str
    columns: list[str]
    rows: list[Row]
    # "months": one bar a month; "months_by": small multiples, one panel per value column;
    # "bars": one horizontal bar per row; "none": a table only.
    chart: str = "bars"
    # Which value column the chart draws (for "bars" and "months").
    chart_column: int = 0
    formats: list[str] = field(default_factory=list)
    note: str = ""

    def __post_init__(self):
        if not self.formats:
            self.formats = ["" for _ in self.columns[1:]]

    @property
    def empty(self) -> bool:
        return not any(
            value for row in self.rows for value in row.values if value and not row.suppressed
        )

    def table(self) -> list[list[str]]:
        return [[row.label, *row.cells(self.formats)] for row in self.rows]


FigureFunction = Callable[[Scope], Figure]
SECTIONS: dict[str, dict[str, FigureFunction]] = {}
SECTION_TITLES = {
    "concerns": "Concerns",
    "children": "Children",
    "meetings": "Meetings and plans",
    "access": "Access and audit",
}


def figure(section: str) -> Callable[[FigureFunction], FigureFunction]:
    """Register a figure function under its section, in the order written."""

    def register(function: FigureFunction) -> FigureFunction:
        SECTIONS.setdefault(section, {})[function.__name__.replace("_", "-")] = function
        return function

    return register


# --- SQL helpers --------------------------------------------------------------------------------


class Percentile(Aggregate):
    """PostgreSQL's continuous percentile (an ordered-set aggregate, built in)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=f"{float(fraction):.3f}", **extra)


def month_of(field_name: str):
    """The first day of the month of a date or (local) timestamp, as a date."""
    from django.db.models import DateField

    return Trunc(field_name, "month", output_field=DateField())


def ward_sectors() -> dict[str, list[str]]:
    sectors: dict[str, list[str]] = {ward: [] for ward in WARDS}
    for sector, ward in SECTOR_WARDS.items():
        sectors[ward].append(sector)
    return sectors


def area_of(prefix: str = ""):
    """The child's area: the ward of their postcode sector, else the postcode district; never
    anything from a shielded address ("withheld")."""
    whens = [
        When(Q(**{f"{prefix}shielded": True}), then=Value(WITHHELD)),
        When(Q(**{f"{prefix}postcode": ""}), then=Value(NOT_KNOWN)),
    ]
    for ward, sectors in ward_sectors().items():
        if sectors:
            whens.append(When(_starts_with_any(prefix, sectors), then=Value(ward)))
    return Case(*whens, default=F(f"{prefix}postcode_district"), output_field=CharField())


def _starts_with_any(prefix: str, sectors: Iterable[str]) -> Q:
    # "SE6 4RU" is in sector "SE6 4"; postcodes are stored with one space, so the prefix is
    # unambiguous (SE1 2… never matches SE12 …).
    query = Q()
    for sector in sectors:
        query |= Q(**{f"{prefix}postcode__startswith": sector})
    return query


def in_area(area: str, prefix: str = "") -> Q:
    """Children in ``area`` (a ward or a postcode district); shielded addresses never match."""
    not_shielded = Q(**{f"{prefix}shielded": False})
    if area in WARDS:
        return not_shielded & _starts_with_any(prefix, ward_sectors()[area])
    return not_shielded & Q(**{f"{prefix}postcode_district": area})


def small_numbers(scope: Scope, rows: list[Row], count_index: int = 0) -> list[Row]:
    """A designated officer sees other agencies' counts below five as "fewer than 5", and
    nothing at all of a sensitive service that is not their own (its very presence would tell
    them the family uses it)."""
    if not scope.restricted:
        return rows
    shown = []
    for row in rows:
        if row.agency_id is None or row.agency_id == scope.own_agency_id:
            shown.append(row)
            continue
        if row.sensitive:
            continue
        count = row.values[count_index] or 0
        if count < SMALL:
            row.suppressed = True
        shown.append(row)
    return shown
