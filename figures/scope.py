"""What a page of figures counts: the dates, the filters chosen, and whose work the viewer may
count. The central team counts everything; a designated officer counts their own agency's work
only (concerns it raised, meetings it was invited to, actions it owns)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from concerns.models import Level
from directory.areas import BOROUGH_DISTRICTS, WARDS
from lisa.models import Agency, User

# Before this, nothing was recorded on LISA: a range starting earlier is refused, so that a
# typing slip (0026 for 2026) cannot ask for two thousand years of months.
EARLIEST = dt.date(2000, 1, 1)
MOST_MONTHS = 120


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return add_months(month_start(day), 1) - dt.timedelta(days=1)


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last twelve months, this one included."""
    today = today or timezone.localdate()
    return add_months(month_start(today), -11), today


@dataclass(frozen=True)
class Scope:
    """The period (``start`` to ``end`` inclusive), the filters, and the viewer's restriction.

    ``trend_start`` is where the per-month figures begin: the period's start on screen, and
    twelve months back in the monthly report, so a month's report still shows the trend.
    """

    start: dt.date
    end: dt.date
    trend_start: dt.date
    agency: Agency | None = None
    level: int | None = None
    area: str = ""
    own_agency_id: int | None = None

    @property
    def restricted(self) -> bool:
        return self.own_agency_id is not None

    @property
    def agency_id(self) -> int | None:
        return self.agency.pk if self.agency else None

    def months(self) -> list[dt.date]:
        """The first day of each month from ``trend_start`` to ``end``."""
        months, month = [], month_start(self.trend_start)
        while month <= self.end:
            months.append(month)
            month = add_months(month, 1)
        return months

    def bounds(self, *, trend: bool = False) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes, the end exclusive (for timestamps)."""
        zone = timezone.get_current_timezone()
        first = self.trend_start if trend else self.start
        return (
            dt.datetime.combine(first, dt.time.min, tzinfo=zone),
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
        )

    def for_month(self, month: dt.date) -> Scope:
        """The same filters for one calendar month, with twelve months of trend."""
        return replace(self, start=month, end=month_end(month), trend_start=add_months(month, -11))

    def describe(self) -> dict[str, str]:
        """The filters as words, for the audit trail and the page."""
        described = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.agency:
            described["agency"] = self.agency.name
        if self.level:
            described["level"] = str(self.level)
        if self.area:
            described["area"] = self.area
        if self.restricted:
            described["restricted to agency"] = str(self.own_agency_id)
        return described


AREA_CHOICES = [
    ("", "All areas"),
    ("Wards", [(ward, ward) for ward in WARDS]),
    ("Postcode districts", [(district, district) for district in BOROUGH_DISTRICTS]),
]


class FiguresFilterForm(forms.Form):
    """The filters over every figure. All optional: the default is the last twelve months."""

    date_from = forms.DateField(
        required=False,
        label="From",
        help_text="For example, 1/4/2026",
        widget=forms.DateInput(attrs={"class": "govuk-input govuk-input--width-10"}),
    )
    date_to = forms.DateField(
        required=False,
        label="To",
        help_text="For example, 30/6/2026",
        widget=forms.DateInput(attrs={"class": "govuk-input govuk-input--width-10"}),
    )
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"), required=False, empty_label="All agencies"
    )
    level = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "All levels"), *Level.choices],
    )
    area = forms.ChoiceField(required=False, choices=AREA_CHOICES, label="Area")

    def __init__(self, *args, viewer: User, **kwargs):
        start, end = default_range()
        kwargs.setdefault("initial", {"date_from": start, "date_to": end})
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        if not viewer.is_central_team:
            # A designated officer's figures are their own agency's: the filter is fixed.
            del self.fields["agency"]
        for name in ("agency", "level", "area"):
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "govuk-select"

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        default_start, default_end = default_range()
        start = start or (default_start if not end else add_months(month_start(end), -11))
        end = end or max(default_end, start)
        if start < EARLIEST:
            self.add_error("date_from", f"The date must be on or after {EARLIEST:%-d/%-m/%Y}")
        if end > timezone.localdate() + dt.timedelta(days=366):
            self.add_error("date_to", "The date must be within a year from today")
        if start > end:
            raise ValidationError({"date_to": "The end date must be on or after the start"})
        if (end.year - start.year) * 12 + end.month - start.month >= MOST_MONTHS:
            self.add_error("date_from", f"Choose a range of at most {MOST_MONTHS // 12} years")
        data["start"], data["end"] = start, end
        return data

    def scope(self) -> Scope:
        """The scope the filters describe (the default scope if the form is unbound)."""
        viewer = self.viewer
        own = None if viewer.is_central_team else viewer.agency_id
        if not self.is_bound:
            start, end = default_range()
            return Scope(start=start, end=end, trend_start=start, own_agency_id=own)
        data = self.cleaned_data
        return Scope(
            start=data["start"],
            end=data["end"],
            trend_start=data["start"],
            agency=data.get("agency"),
            level=data.get("level"),
            area=data.get("area") or "",
            own_agency_id=own,
        )
