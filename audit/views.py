"""The audit trail screens: the central team sees everything, designated officers their own
agency. Both can export what they filter as CSV; the export is itself audited."""

from __future__ import annotations

import csv
import datetime as dt

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit.forms import AuditFilterForm
from audit.models import Action, AuditEvent
from audit.services import record
from lisa.access import role_required
from lisa.models import Role

PAGE_SIZE = 50
CSV_COLUMNS = [
    "id",
    "at_utc",
    "username",
    "role",
    "agency",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "child_id",
    "ip_address",
    "request_id",
    "path",
    "user_agent",
    "detail",
]


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    form = AuditFilterForm(request.GET or None, viewer=request.user)
    events = AuditEvent.objects.select_related("agency")
    if not request.user.is_central_team:
        events = events.filter(agency_id=request.user.agency_id)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("user"):
            events = events.filter(username__iexact=data["user"].strip())
        if data.get("agency"):
            events = events.filter(agency=data["agency"])
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("child"):
            events = events.filter(child_id=data["child"])
        tz = timezone.get_current_timezone()
        if data.get("date_from"):
            events = events.filter(
                at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=tz)
            )
        if data.get("date_to"):
            events = events.filter(
                at__lt=dt.datetime.combine(
                    data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz
                )
            )
    elif form.is_bound:
        events = events.none()
    return form, events


def _filters_used(form: AuditFilterForm) -> dict:
    if not (form.is_bound and form.is_valid()):
        return {}
    return {k: str(v) for k, v in form.cleaned_data.items() if v not in (None, "")}


@role_required(Role.CENTRAL_TEAM, Role.DESIGNATED_OFFICER)
def events(request: HttpRequest) -> HttpResponse:
    """Central team: every event. Designated officers: their own agency's events."""
    form, queryset = _filtered(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    record(request, Action.SEARCH, object_type="audit.auditevent", detail=_filters_used(form))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/events.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@role_required(Role.CENTRAL_TEAM, Role.DESIGNATED_OFFICER)
def export_csv(request: HttpRequest) -> HttpResponse:
    """Central team: every event. Designated officers: their own agency's events."""
    form, queryset = _filtered(request)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/events.html", {"form": form, "page": None}, status=400)
    record(request, Action.EXPORT, object_type="audit.auditevent", detail=_filters_used(form))
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_COLUMNS)
        for event in queryset.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    event.pk,
                    event.at.astimezone(dt.UTC).isoformat(),
                    event.username,
                    event.role,
                    event.agency.name if event.agency else "",
                    event.action,
                    event.outcome,
                    event.object_type,
                    event.object_id,
                    event.child_id or "",
                    event.ip_address or "",
                    event.request_id,
                    event.path,
                    event.user_agent,
                    event.detail,
                ]
            )

    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lisa-audit-{stamp}.csv"'
    return response
