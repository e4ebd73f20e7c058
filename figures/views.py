"""The Figures section: charts, tables and CSV over concerns, children, meetings and plans, and
access, with a monthly report for the partnership board.

The central team sees every agency's figures; a designated officer sees the same pages counting
their own agency's work only, with other agencies' counts below five withheld. Every page, CSV
and report is audited with the filters used.
"""

from __future__ import annotations

import csv
import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit.models import Action
from audit.services import record
from audit.views import safe_cell
from figures.base import SECTION_TITLES, SECTIONS, Figure
from figures.charts import svg
from figures.scope import FiguresFilterForm, Scope, add_months, month_start
from lisa.access import deny, role_required
from lisa.models import Role
from lisa.pdf import pdf_response, render_pdf
from lisa.replica import tolerating_delay

REPORT_MONTHS = 24


def _form(request: HttpRequest) -> FiguresFilterForm:
    return FiguresFilterForm(request.GET or None, viewer=request.user)


def _section_or_404(request: HttpRequest, section: str) -> dict:
    if section not in SECTIONS:
        deny(request, "no such figures", not_found=True, object_type="figures")
    return SECTIONS[section]


def _figures(section: str, scope: Scope) -> list[Figure]:
    return [make(scope) for make in SECTIONS[section].values()]


@role_required(Role.CENTRAL_TEAM, Role.DESIGNATED_OFFICER)
@tolerating_delay()
def section(request: HttpRequest, section: str = "concerns") -> HttpResponse:
    """Central team: everything. Designated officers: their own agency's work."""
    _section_or_404(request, section)
    form = _form(request)
    figures: list[tuple[Figure, str]] = []
    scope = None
    if not form.is_bound or form.is_valid():
        scope = form.scope()
        figures = [(figure, svg(figure)) for figure in _figures(section, scope)]
        record(
            request, Action.VIEW, object_type="figures", object_id=section, detail=scope.describe()
        )
    return render(
        request,
        "figures/section.html",
        {
            "form": form,
            "section": section,
            "sections": SECTION_TITLES,
            "title": SECTION_TITLES[section],
            "figures": figures,
            "scope": scope,
            "query": request.GET.urlencode(),
            "restricted": not request.user.is_central_team,
        },
    )


@role_required(Role.CENTRAL_TEAM, Role.DESIGNATED_OFFICER)
@tolerating_delay()
def figure_csv(request: HttpRequest, section: str, key: str) -> HttpResponse:
    """Central team: everything. Designated officers: their own agency's work. The rows are the
    table's, spreadsheet-safe; the download is audited."""
    figures = _section_or_404(request, section)
    if key not in figures:
        deny(request, "no such figure", not_found=True, object_type="figures")
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "figures/section.html",
            {
                "form": form,
                "section": section,
                "sections": SECTION_TITLES,
                "title": SECTION_TITLES[section],
                "figures": [],
            },
            status=400,
        )
    scope = form.scope()
    figure = figures[key](scope)
    record(request, Action.EXPORT, object_type="figures", object_id=key, detail=scope.describe())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    writer = csv.writer(response)
    writer.writerow([safe_cell(heading or "Figure") for heading in figure.columns])
    for cells in figure.table():
        writer.writerow([safe_cell(cell) for cell in cells])
    response["Content-Disposition"] = (
        f'attachment; filename="lisa-{key}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.csv"'
    )
    response["Cache-Control"] = "no-store, private"
    return response


def _report_months() -> list[dt.date]:
    latest = month_start(timezone.localdate())
    return [add_months(latest, -offset) for offset in range(REPORT_MONTHS)]


@role_required(Role.CENTRAL_TEAM, Role.DESIGNATED_OFFICER)
@tolerating_delay()
def report(request: HttpRequest) -> HttpResponse:
    """Central team: everything. Designated officers: their own agency's work. Choosing a
    month prints every figure for it as a PDF (audited as a print)."""
    months = _report_months()
    chosen = request.GET.get("month", "")
    error = ""
    if chosen:
        month = next((m for m in months if m.strftime("%Y-%m") == chosen), None)
        if month is None:
            error = "Choose a month from the list"
        else:
            return _report_pdf(request, month)
    return render(
        request,
        "figures/report.html",
        {
            "months": months,
            "chosen": chosen,
            "error": error,
            "sections": SECTION_TITLES,
            "section": "report",
            "restricted": not request.user.is_central_team,
        },
        status=400 if error else 200,
    )


def _report_pdf(request: HttpRequest, month: dt.date) -> HttpResponse:
    form = FiguresFilterForm(None, viewer=request.user)
    scope = form.scope().for_month(month)
    sections = [
        (
            title,
            [(figure, svg(figure, id_prefix=f"report-{name}")) for figure in _figures(name, scope)],
        )
        for name, title in SECTION_TITLES.items()
    ]
    record(
        request,
        Action.PRINT,
        object_type="figures",
        object_id="monthly-report",
        detail=scope.describe(),
    )
    pdf = render_pdf(
        "figures/report_pdf.html",
        {
            "month": month,
            "scope": scope,
            "sections": sections,
            "restricted": scope.restricted,
            "agency": request.user.agency,
            "printed_at": timezone.localtime(),
            "printed_by": request.user,
        },
        request=request,
    )
    return pdf_response(pdf, f"lisa-figures-{month:%Y-%m}.pdf")
