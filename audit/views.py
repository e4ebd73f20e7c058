"""The audit trail screens: the central team sees everything, designated officers their own
agency. Both can export what they filter as CSV; the export is itself audited. The central team
also asks, of one child, "who has seen this child?"."""

from __future__ import annotations

import csv
import datetime as dt
import json
from itertools import islice

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from audit.actions import review_alert
from audit.chain import chain_status
from audit.forms import AlertReviewForm, AuditFilterForm, DateRangeForm
from audit.models import Action, Alert, AlertKind, AuditEvent, Outcome
from audit.naming import Names, name_events, why_seen
from audit.services import record
from children.access import audit_view
from children.models import Child
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
    # For people: the record as they would name it (the columns above are for machines).
    "what",
]
# Events named per batch while the export streams: a bounded number of queries each.
CSV_BATCH = 500


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
            ref = Child.objects.filter(pk=data["child"]).values_list("lisa_ref", flat=True).first()
            listed = Q(detail__shown__contains=[ref]) if ref else Q(pk__in=[])
            events = events.filter(Q(child_id=data["child"]) | listed)
        events = _between(events, data.get("date_from"), data.get("date_to"))
    elif form.is_bound:
        events = events.none()
    return form, events


def _between(events: QuerySet[AuditEvent], start, end) -> QuerySet[AuditEvent]:
    """Events on or after ``start`` and on or before ``end`` (UK dates; either may be None)."""
    tz = timezone.get_current_timezone()
    if start:
        events = events.filter(at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end:
        next_day = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        events = events.filter(at__lt=next_day)
    return events


def _filters_used(form: Form) -> dict:
    if not (form.is_bound and form.is_valid()):
        return {}
    return {k: str(v) for k, v in form.cleaned_data.items() if v not in (None, "")}


@role_required(Role.CENTRAL_TEAM, Role.DESIGNATED_OFFICER)
def events(request: HttpRequest) -> HttpResponse:
    """Central team: every event. Designated officers: their own agency's events."""
    form, queryset = _filtered(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    record(request, Action.SEARCH, object_type="audit.auditevent", detail=_filters_used(form))
    page.object_list = name_events(page.object_list, request.user)
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
    viewer = request.user

    def named():
        events = queryset.iterator(chunk_size=2000)
        while batch := list(islice(events, CSV_BATCH)):
            names = Names(batch, viewer)
            for event in batch:
                yield event, names.what(event)

    def rows():
        yield writer.writerow(CSV_COLUMNS)
        for event, what in named():
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
                    what,
                ]
            )

    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lisa-audit-{stamp}.csv"'
    return response


# --- who has seen this child? -----------------------------------------------------------------

# What shows a child's data: a search result or a list showing the child counts too.
SHOWING = [Action.VIEW, Action.PRINT, Action.DOWNLOAD, Action.EXPORT, Action.SEARCH]


def _with_merged(child: Child) -> list[Child]:
    """The child's record and every record merged into it (and into those): each kept its own
    trail from before the merge."""
    records, newest = [child], [child.pk]
    while newest:
        merged = list(
            Child.objects.filter(merged_into_id__in=newest)
            .exclude(pk__in=[r.pk for r in records])
            .only("lisa_ref", "merged_into", "merged_at")
        )
        records += merged
        newest = [r.pk for r in merged]
    return records


@role_required(Role.CENTRAL_TEAM)
def child_seen(request: HttpRequest, pk: int) -> HttpResponse:
    """Central team: every view, print, download or export of a child's data, lists that showed
    the child included, under this record and the records merged into it: who, their agency and
    role, when, what, and why they could."""
    child = Child.objects.select_related("merged_into").filter(pk=pk).first()
    if child is None:
        deny(request, "no such child", not_found=True, object_type="children.child", object_id=pk)
    records = _with_merged(child)
    listed = Q(pk__in=[])
    for other in records:
        listed |= Q(detail__shown__contains=[other.lisa_ref])
    events = AuditEvent.objects.select_related("agency", "user").filter(
        Q(child_id__in=[other.pk for other in records]) | listed,
        action__in=SHOWING,
        outcome=Outcome.ALLOWED,
    )
    form = DateRangeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        events = _between(events, form.cleaned_data["date_from"], form.cleaned_data["date_to"])
    elif form.is_bound:
        events = events.none()
    # Recorded first, so that the count and the rows agree: this look is one of them.
    audit_view(request, child, "who has seen this child", **_filters_used(form))
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = name_events(page.object_list, request.user)
    for event in page.object_list:
        event.why = why_seen(event)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/child.html",
        {
            "child": child,
            "merged": records[1:],
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
    )


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
