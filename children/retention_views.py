"""Retention, for the central team: a record's schedule and legal holds, archived records, and
bringing one back (children/retention.py has the schedule)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from audit.services import record_views
from children import actions
from children.access import access_for, audit_view, child_for_user
from children.models import Child, LegalHold
from children.retention import Schedule, _years
from lisa.access import deny, role_required
from lisa.forms import ReasonForm, submit
from lisa.models import Role

ARCHIVED_PER_PAGE = 50


@role_required(Role.CENTRAL_TEAM)
def archived(request: HttpRequest) -> HttpResponse:
    """The central team only: the archived records, newest first, each with its removal day and
    any legal hold (the listing is audited under each child listed)."""
    schedule = Schedule.from_settings()
    children = (
        Child.objects.filter(archived_at__isnull=False, merged_into__isnull=True)
        .only("lisa_ref", "forenames", "surname", "date_of_birth", "archived_at", "archive_rule")
        .order_by("-archived_at", "pk")
    )
    page = Paginator(children, ARCHIVED_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    held = set(
        LegalHold.objects.filter(
            child_id__in=[child.pk for child in shown], lifted_at__isnull=True
        ).values_list("child_id", flat=True)
    )
    for child in shown:
        child.remove_on = schedule.remove_on(child)
        child.held = child.pk in held
    record_views(request, shown, {"list": "archived records"})
    return render(
        request, "children/archived.html", {"page": page, "children": shown, "schedule": schedule}
    )


@role_required(Role.CENTRAL_TEAM)
def retention(request: HttpRequest, pk: int) -> HttpResponse:
    """The central team only: when the record is archived and removed, by which rule, and its
    legal holds."""
    child = child_for_user(request, pk, "card", audit=False)
    access = access_for(request, child)
    if not access.hold:
        deny(request, "only the central team manages retention", child=child.pk)
    schedule = Schedule.from_settings()
    archive_on, rule = schedule.archive_on(child)
    holds = list(LegalHold.objects.filter(child=child).select_related("set_by", "lifted_by"))
    audit_view(request, child, "retention")
    return render(
        request,
        "children/retention.html",
        {
            "child": child,
            "access": access,
            "archive_on": archive_on,
            "archive_rule": rule,
            "remove_on": schedule.remove_on(child),
            "holds": holds,
            "current_hold": next((hold for hold in holds if hold.lifted_at is None), None),
            "schedule": schedule,
        },
    )


def _reason_view(
    request: HttpRequest,
    pk: int,
    *,
    may: str,
    refusal: str,
    change,
    form_text: dict,
    done: str,
    to: str,
    title: str,
    intro: str,
) -> HttpResponse:
    """One retention step with a reason: refused unless ``access.<may>``; the reason form; the
    action ``change(request, child, reason)``; errors beside the field."""
    child = child_for_user(request, pk, "card", audit=False)
    if not getattr(access_for(request, child), may):
        deny(request, refusal, child=child.pk)
    form = ReasonForm(request.POST or None, **form_text)
    saved = submit(
        request,
        form,
        lambda data: change(request=request, by=request.user, child=child, reason=data["reason"]),
        done=done,
        to=reverse(to, args=[child.pk]),
    )
    if saved:
        return saved
    audit_view(request, child, f"{title.split(' ')[0].lower()} form")
    return render(
        request,
        "children/reason.html",
        {"form": form, "child": child, "title": f"{title} {child.lisa_ref}", "intro": intro},
    )


@role_required(Role.CENTRAL_TEAM)
def place_hold(request: HttpRequest, pk: int) -> HttpResponse:
    """The central team only: a legal hold, with its reason, stops archiving and removal."""
    return _reason_view(
        request,
        pk,
        may="hold",
        refusal="only the central team places a legal hold",
        change=actions.place_legal_hold,
        form_text={
            "label": "Why must the record be kept?",
            "help_text": "For example, a child protection investigation or litigation, with its "
            "reference.",
            "submit": "Place the legal hold",
            "required_message": "Enter why the record must be kept",
        },
        done="The legal hold is placed: the record will not be archived or removed.",
        to="children:retention",
        title="Place a legal hold on",
        intro="While the hold stands, the record is neither archived nor removed.",
    )


@role_required(Role.CENTRAL_TEAM)
def lift_hold(request: HttpRequest, pk: int) -> HttpResponse:
    """The central team only: lifting the legal hold, with a reason."""
    return _reason_view(
        request,
        pk,
        may="hold",
        refusal="only the central team lifts a legal hold",
        change=actions.lift_legal_hold,
        form_text={
            "label": "Why can the hold be lifted?",
            "submit": "Lift the legal hold",
            "required_message": "Enter why the hold can be lifted",
        },
        done="The legal hold is lifted: the retention schedule applies again.",
        to="children:retention",
        title="Lift the legal hold on",
        intro="The record is then archived and removed when the schedule says.",
    )


@role_required(Role.CENTRAL_TEAM)
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    """The central team only: an archived record brought back, with a reason."""
    return _reason_view(
        request,
        pk,
        may="restore",
        refusal="only an archived record can be restored",
        change=actions.restore_record,
        form_text={
            "label": "Why must the record come back?",
            "help_text": "For example, the young person returned to the area, or it was "
            "archived in error.",
            "submit": "Restore the record",
            "required_message": "Enter why the record must come back",
        },
        done="The record is restored: it is back in the search. Nobody is involved until "
        "someone is added.",
        to="children:record",
        title="Restore the archived record",
        intro="It returns to the search, and is not archived again for "
        f"{_years(Schedule.from_settings().after_restore_years)}.",
    )
