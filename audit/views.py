"""The audit trail screens: the central team sees everything, designated officers their own
agency. Both can export what they filter as CSV; the export is itself audited."""

from __future__ import annotations

import csv
import datetime as dt
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from audit.actions import review_alert
from audit.chain import chain_status
from audit.forms import AlertReviewForm, AuditFilterForm
from audit.models import Action, Alert, AlertKind, AuditEvent
from audit.services import record
from lisa.access import deny, role_required
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
            # Lists (search results, home pages, inboxes) name the children they showed.
            from children.models import Child

            ref = Child.objects.filter(pk=data["child"]).values_list("lisa_ref", flat=True).first()
            listed = Q(detail__shown__contains=[ref]) if ref else Q(pk__in=[])
            events = events.filter(Q(child_id=data["child"]) | listed)
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
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "chain": chain_status() if request.user.is_central_team else None,
        },
    )


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula: text that a client could have chosen
    (a browser name, a typed username) may begin with = + - @, so such cells get a leading '."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


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
                safe_cell(value)
                for value in [
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
                    json.dumps(event.detail, ensure_ascii=False, sort_keys=True),
                ]
            )

    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lisa-audit-{stamp}.csv"'
    return response


# --- alerts for the central team to review ----------------------------------------------------


@role_required(Role.CENTRAL_TEAM)
def alerts(request: HttpRequest) -> HttpResponse:
    """Central team: break-glass, self-claimed involvement and unusual-volume alerts."""
    status = request.GET.get("status", "open")
    kind = request.GET.get("kind", "")
    queryset = Alert.objects.select_related("child", "user", "user__agency", "reviewed_by")
    if status == "open":
        queryset = queryset.filter(reviewed_at__isnull=True)
    elif status == "reviewed":
        queryset = queryset.filter(reviewed_at__isnull=False)
    if kind in AlertKind.values:
        queryset = queryset.filter(kind=kind)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    record(
        request,
        Action.VIEW,
        object_type="audit.alert",
        detail={"status": status, "kind": kind, "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/alerts.html",
        {
            "page": page,
            "status": status,
            "kind": kind,
            "kinds": AlertKind.choices,
            "query": query.urlencode(),
            "open_count": Alert.objects.filter(reviewed_at__isnull=True).count(),
        },
    )


@role_required(Role.CENTRAL_TEAM)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Central team: one alert, and marking it reviewed with a note."""
    alert = (
        Alert.objects.select_related("child", "user", "user__agency", "reviewed_by")
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        deny(request, "no such alert", not_found=True, object_type="audit.alert", object_id=pk)
    form = AlertReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review_alert(
                request=request, by=request.user, alert=alert, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "The alert has been marked as reviewed.")
            return redirect("audit:alerts")
    record(request, Action.VIEW, obj=alert, child=alert.child_id)
    return render(request, "audit/alert_detail.html", {"alert": alert, "form": form})
