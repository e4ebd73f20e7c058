"""Logging concerns, following them through the Lewisham flowchart, and the chronology.

Every view opens the child through :func:`children.access.child_for_user` (which applies the
legitimate-relationship rules and audits the view) and asks concerns/rules.py what the person
may do.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from audit.models import Action
from audit.services import record
from children.access import (
    access_for,
    audit_siblings,
    audit_view,
    child_for_user,
    owned_record_for_user,
)
from children.models import Child
from concerns import actions, rules
from concerns import chronology as chronology_module
from concerns.forms import (
    CategoryForm,
    ChangeConcernForm,
    ChronologyFilterForm,
    CloseConcernForm,
    ConcernForm,
    outcome_choices,
)
from concerns.models import Category, Concern, ConcernStatus
from lisa.access import deny, role_required
from lisa.forms import ReasonForm, apply_errors
from lisa.models import CHILD_ROLES as CHILD_ROLE_SET
from lisa.models import Role
from lisa.pdf import pdf_response, render_pdf
from lisa.versioning import show_conflict

CHILD_ROLES = tuple(sorted(CHILD_ROLE_SET))
PRACTITIONERS = (Role.PRACTITIONER, Role.DESIGNATED_OFFICER)
PAGE_SIZE = 50


def _concern(request: HttpRequest, pk: int, need: str, *, audit: bool = True) -> Concern:
    """The concern ``pk`` if the person may have its child for ``need``; 404 otherwise."""
    concern = owned_record_for_user(
        request,
        Concern,
        pk,
        need,
        related=("raised_by", "raised_by__agency", "agency"),
        audit=audit,
    )
    concern.author_label = concern.access.author(concern.raised_by, concern.agency)
    return concern


def _refuse(request: HttpRequest, concern: Concern, reason: str):
    deny(
        request,
        reason,
        object_type="concerns.concern",
        object_id=concern.pk,
        child=concern.child_id,
    )


# --- logging a concern ------------------------------------------------------------------------


@role_required(*PRACTITIONERS)
def log(request: HttpRequest, child_pk: int) -> HttpResponse:
    """Any practitioner or designated officer of an agency who may see the child's index card,
    involved or not: logging a concern makes them involved with the child (the full record then
    opens to them)."""
    child = child_for_user(request, child_pk, "card", audit=False)
    if child.pk != child_pk:
        return redirect("concerns:log", child_pk=child.pk)
    user = request.user
    if not rules.can_log(user, child):
        deny(
            request,
            "only practitioners of an agency may log a concern",
            object_type="children.child",
            object_id=child.pk,
            child=child.pk,
        )
    involved = access_for(request, child).is_involved
    form = ConcernForm(
        request.POST or None,
        involved=involved,
        initial={"role": user.job_title, "date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            concern = actions.log_concern(
                request=request,
                by=user,
                child=child,
                date=data["date"],
                level=data["level"],
                categories=data["categories"],
                what_was_seen=data["what_was_seen"],
                discussed_with_parent=data["discussed_with_parent"],
                not_discussed_reason=data["not_discussed_reason"],
                action_agreed=data["action_agreed"],
                outcome=data["outcome"],
                role=data.get("role", ""),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("concerns:logged", pk=concern.pk)
    audit_view(request, child, "log concern form")
    return render(
        request, "concerns/log.html", {"form": form, "child": child, "involved": involved}
    )


def _people(request: HttpRequest, child: Child, what: str) -> dict:
    """The other practitioners of the child and of the siblings (siblings audited as seen)."""
    access = access_for(request, child)
    if request.method in ("GET", "HEAD"):
        audit_siblings(request, child, access.siblings, what)
    return {
        "others": [
            inv for inv in access.visible_involvements if inv.practitioner_id != request.user.pk
        ],
        "siblings": access.siblings,
    }


@role_required(*CHILD_ROLES)
def logged(request: HttpRequest, pk: int) -> HttpResponse:
    """Those who may open the child's full record (the author is now involved): the concern is
    logged; here are the other practitioners involved with the child and the family, with
    contact details and a link to message each of them."""
    concern = _concern(request, pk, "full")
    return render(
        request,
        "concerns/logged.html",
        {
            "concern": concern,
            "child": concern.child,
            **_people(request, concern.child, "concern logged page"),
        },
    )


# --- a concern --------------------------------------------------------------------------------


def _changes(concern: Concern) -> list:
    """The concern's steps, each with ``by_label``: who took it, as the reader may see them."""
    changes = list(concern.changes.select_related("by", "by__agency"))
    for change in changes:
        agency = concern.agency if change.by_id == concern.raised_by_id else None
        change.by_label = concern.access.author(change.by, agency)
    return changes


@role_required(*CHILD_ROLES)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Those who may open the child's full record (involved, their designated officer, the
    central team, or break glass): the concern and every step it has taken."""
    concern = _concern(request, pk, "full")
    user = request.user
    return render(
        request,
        "concerns/detail.html",
        {
            "concern": concern,
            "child": concern.child,
            "categories": list(concern.categories.all()),
            "changes": _changes(concern),
            "can_change": rules.can_change(user, concern),
            "can_mark_in_error": rules.can_mark_in_error(user, concern),
            **_people(request, concern.child, "concern page"),
        },
    )


def _conflict_message(form) -> None:
    form.add_error(
        None,
        "Someone else changed this concern while you were looking at it. It is shown as it is "
        "now; your change has not been saved. Check it and try again.",
    )


@role_required(*CHILD_ROLES)
def change(request: HttpRequest, pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child (not break glass): record what happens
    next — a new outcome or level, or reopening a closed concern. Steps the flowchart does not
    allow are refused with the reason."""
    concern = _concern(request, pk, "full", audit=False)
    if not rules.can_change(request.user, concern):
        _refuse(request, concern, "only those working with the child may change a concern")
    reopening = concern.status == ConcernStatus.CLOSED
    allowed = rules.allowed_outcomes(concern)
    form = ChangeConcernForm(
        request.POST or None,
        allowed=allowed,
        reopening=reopening,
        initial={
            "outcome": concern.outcome if concern.outcome in allowed else None,
            "level": concern.level,
            "version": concern.version,
        },
    )
    if request.method == "POST":
        # An outcome the flowchart refuses gets the flowchart's reason, not "not a choice".
        if request.POST.get("outcome") and request.POST["outcome"] not in allowed:
            form.fields["outcome"].choices = outcome_choices()
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.change_concern(
                    request=request,
                    by=request.user,
                    concern=concern,
                    version=data["version"],
                    outcome=data["outcome"],
                    level=data["level"],
                    note=data["note"],
                )
            except actions.ConcurrentEditError:
                _conflict_message(form)
                return _change_page(request, form, Concern.objects.get(pk=concern.pk), concern)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "The concern has been updated.")
                return redirect("concerns:detail", pk=concern.pk)
    return _change_page(request, form, concern, concern)


def _change_page(request, form, current: Concern, concern: Concern) -> HttpResponse:
    if form.is_bound:
        form.data = form.data.copy()
        form.data["version"] = current.version
    audit_view(request, concern.child, "change concern form")
    return render(
        request,
        "concerns/change.html",
        {"form": form, "concern": current, "child": concern.child},
    )


@role_required(*CHILD_ROLES)
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child: close an open concern when support is
    no longer needed, with a note."""
    concern = _concern(request, pk, "full", audit=False)
    if not rules.can_change(request.user, concern):
        _refuse(request, concern, "only those working with the child may close a concern")
    form = CloseConcernForm(request.POST or None, initial={"version": concern.version})
    if request.method == "POST" and form.is_valid():
        try:
            actions.close_concern(
                request=request,
                by=request.user,
                concern=concern,
                version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
        except actions.ConcurrentEditError as error:
            _conflict_message(form)
            form.data = form.data.copy()
            form.data["version"] = error.current.version
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The concern has been closed.")
            return redirect("concerns:detail", pk=concern.pk)
    audit_view(request, concern.child, "close concern form")
    return render(
        request,
        "concerns/reason.html",
        {
            "form": form,
            "concern": concern,
            "child": concern.child,
            "title": "Close this concern",
            "intro": "Close a concern when support is no longer needed. It can be reopened.",
        },
    )


@role_required(*CHILD_ROLES)
def entered_in_error(request: HttpRequest, pk: int) -> HttpResponse:
    """The practitioner who raised the concern, their agency's designated officer or the
    central team: a wrong concern is marked entered in error with a reason, never removed."""
    concern = _concern(request, pk, "card", audit=False)
    if not rules.can_mark_in_error(request.user, concern):
        _refuse(request, concern, "you may not mark this concern as entered in error")
    form = ReasonForm(
        request.POST or None,
        label="Why is this concern wrong?",
        submit="Mark as entered in error",
        warning=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.mark_entered_in_error(
                request=request,
                by=request.user,
                concern=concern,
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied as error:
            _refuse(request, concern, str(error))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The concern has been marked as entered in error.")
            return redirect("concerns:detail", pk=concern.pk)
    audit_view(request, concern.child, "concern entered in error form")
    return render(
        request,
        "concerns/reason.html",
        {
            "form": form,
            "concern": concern,
            "child": concern.child,
            "title": "Mark this concern as entered in error",
            "intro": "It stays in the child's chronology and history, marked as wrong, with your "
            "reason.",
        },
    )


# --- the chronology ---------------------------------------------------------------------------


def _chronology(request: HttpRequest, child: Child):
    form = ChronologyFilterForm(request.GET or None)
    filters: dict = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "kinds": [data["kind"]] if data["kind"] else None,
            "start": data["start"],
            "end": data["end"],
        }
    events = chronology_module.gather(child, request.user, **filters)
    return form, filters, events


@role_required(*CHILD_ROLES)
def chronology(request: HttpRequest, child_pk: int) -> HttpResponse:
    """Those who may open the child's full record (involved, their designated officer, the
    central team, or break glass): everything in LISA about the child, newest first."""
    child = child_for_user(request, child_pk, "full")
    if child.pk != child_pk:
        return redirect("concerns:chronology", child_pk=child.pk)
    form, filters, events = _chronology(request, child)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "concerns/chronology.html",
        {
            "child": child,
            "form": form,
            "page_obj": page,
            "events": page.object_list,
            "total": len(events),
            "query": query.urlencode(),
        },
    )


@role_required(*CHILD_ROLES)
def chronology_pdf(request: HttpRequest, child_pk: int) -> HttpResponse:
    """Those who may open the child's full record: the chronology (with the page's filters) as
    a PDF. The print is audited."""
    child = child_for_user(request, child_pk, "full", audit=False)
    form, filters, events = _chronology(request, child)
    detail = {
        "printed": "chronology",
        "events": len(events),
        "kind": (filters.get("kinds") or [""])[0],
        "start": filters["start"].isoformat() if filters.get("start") else "",
        "end": filters["end"].isoformat() if filters.get("end") else "",
    }
    # Under break glass, the print carries the grant and its reason (audit.services).
    record(request, Action.PRINT, obj=child, child=child, detail=detail)
    pdf = render_pdf(
        "concerns/chronology_pdf.html",
        {
            "child": child,
            "events": events,
            "filters": detail,
            "kind_label": chronology_module.KINDS.get(detail["kind"], ""),
            "printed_at": timezone.now(),
            "printed_by": request.user,
        },
        request=request,
    )
    return pdf_response(pdf, f"chronology-{child.lisa_ref}.pdf")


# --- categories -------------------------------------------------------------------------------


@role_required(Role.CENTRAL_TEAM)
def categories(request: HttpRequest) -> HttpResponse:
    """The central team: the list of concern categories."""
    return render(
        request,
        "concerns/categories.html",
        {"categories": list(Category.objects.order_by("-is_active", "position", "name"))},
    )


@role_required(Role.CENTRAL_TEAM)
def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The central team: add a concern category, rename, reorder or retire one."""
    category = None
    if pk is not None:
        category = Category.objects.filter(pk=pk).first()
        if category is None:
            deny(request, "no such category", not_found=True, object_type="concerns.category")
    initial = (
        {
            "name": category.name,
            "position": category.position,
            "is_active": category.is_active,
            "version": category.version,
        }
        if category
        else {"is_active": True, "position": Category.objects.count() + 1}
    )
    form = CategoryForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_category(
                request=request,
                by=request.user,
                category=category,
                name=form.cleaned_data["name"],
                is_active=form.cleaned_data["is_active"],
                position=form.cleaned_data["position"] or 0,
                version=form.cleaned_data["version"] if category else None,
            )
        except actions.ConcurrentEditError as error:
            conflict = error.current
            show_conflict(form, conflict)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"The category “{saved.name}” has been saved.")
            return redirect("concerns:categories")
    return render(
        request,
        "concerns/category_form.html",
        {"form": form, "category": category, "conflict": conflict},
    )
