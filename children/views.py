"""The child index: finding, adding, seeing and changing children's records.

Every view opens the child through :func:`children.access.child_for_user`, which applies the
legitimate-relationship rules and audits the view.
"""

from __future__ import annotations

from urllib.parse import urlencode

from auditlog.models import LogEntry
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit.models import Action
from audit.services import record
from children import actions, worked_with
from children.access import access_for, audit_siblings, audit_view, child_for_user
from children.forms import (
    AddInvolvementForm,
    BreakGlassForm,
    ChildForm,
    InvolvementClaimForm,
    ParentForm,
    ReasonForm,
    ReferenceForm,
    SearchForm,
)
from children.models import Child, Involvement, ParentalResponsibility, ReceivedSummary
from children.search import (
    likely_duplicates,
    mark_search_audited,
    recall_search,
    remember_search,
    search_children,
)
from lisa import compiled
from lisa.access import deny, reading_page, role_required
from lisa.forms import apply_errors
from lisa.models import CHILD_ROLES as CHILD_ROLE_SET
from lisa.models import Role, User
from lisa.versioning import show_conflict

CHILD_ROLES = tuple(sorted(CHILD_ROLE_SET))
PRACTITIONERS = (Role.PRACTITIONER, Role.DESIGNATED_OFFICER)
SEARCH_LIMIT = 50
# What a search's results show of each child (templates/children/search.html).
RESULT_COLUMNS = (
    "forenames",
    "surname",
    "other_names",
    "lisa_ref",
    "status",
    "shielded",
    "date_of_birth",
    "gender",
    "school",
)


# --- finding a child --------------------------------------------------------------------------


def _children_of(user_id: int):
    """The children ``user_id`` works with, for the search page before a search."""
    found = Involvement.objects.children_worked_with(user_id)
    return found.values_list(*worked_with.COLUMNS)[:100]


@reading_page
@role_required(*CHILD_ROLES)
def search(request: HttpRequest) -> HttpResponse:
    """Practitioners, designated officers and the central team; results show the index card
    only, and a child's address plays a part only for those who may see it.

    A search is made by POST and answered with a redirect to ``?s=<id>`` (post-redirect-get):
    the terms are kept in the session under a random id bound to the person, so no child's
    name, date of birth or postcode, and no token, is ever in an address. The results page runs
    the search each time it is shown (with the records and access rules of that moment) and is
    audited once, with the terms and the children shown, the first time: a reload is not a new
    search. An id that is not one of the person's own searches is 404. The form on the results
    page holds the terms, to refine them into a new search."""
    matches = None
    if request.method == "POST":
        form = SearchForm(request.POST)
        if form.is_valid():
            key = remember_search(request, form.cleaned_data)
            return redirect(f"{reverse('children:search')}?{urlencode({'s': key})}")
    elif "s" in request.GET:
        key = request.GET["s"]
        terms = recall_search(request, key)
        if terms is None:
            deny(request, "no such search", not_found=True, object_type="children.search")
        form = SearchForm(initial=terms)
        matches = search_children(
            terms["q"],
            date_of_birth=terms["date_of_birth"],
            postcode=terms["postcode"],
            limit=SEARCH_LIMIT,
            user=request.user,
        )
        # The engine reads only the columns it ranks on: fetch what the results show of each
        # child in one query.
        shown = Child.objects.only(*RESULT_COLUMNS)
        cards = shown.in_bulk([match.child.pk for match in matches])
        for match in matches:
            match.child = cards.get(match.child.pk, match.child)
        if not terms["audited"]:
            record(
                request,
                Action.SEARCH,
                object_type="children.child",
                detail={
                    "q": terms["q"],
                    "date_of_birth": (
                        terms["date_of_birth"].isoformat() if terms["date_of_birth"] else ""
                    ),
                    "postcode": terms["postcode"],
                    "results": len(matches),
                    "shown": [match.child.lisa_ref for match in matches],
                },
            )
            mark_search_audited(request, key)
            if not request.user.is_central_team:
                actions.check_search_volume(request=request, by=request.user)
    else:
        form = SearchForm()
    mine = None
    if matches is None:
        # Its SQL is worked out once per process (lisa/compiled.py).
        mine = worked_with.rows(compiled.rows("search_mine", _children_of, user_id=request.user.pk))
        if mine:
            record(
                request,
                Action.VIEW,
                object_type="children.child",
                detail={
                    "view": "children you work with",
                    "shown": [row["lisa_ref"] for row in mine],
                },
            )
    return render(
        request,
        "children/search.html",
        {"form": form, "matches": matches, "limit": SEARCH_LIMIT, "mine": mine},
    )


@role_required(*CHILD_ROLES)
def by_reference(request: HttpRequest, ref: str) -> HttpResponse:
    """Practitioners, designated officers and the central team: a LISA reference (a merged
    record's too) leads to the child's index card."""
    child = Child.objects.filter(lisa_ref=ref.upper()).first()
    if child is None:
        deny(
            request,
            "no such reference",
            not_found=True,
            object_type="children.child",
            object_id=ref[:20],
        )
    return redirect("children:card", pk=child.pk)


# --- adding a child ---------------------------------------------------------------------------


@role_required(*CHILD_ROLES)
def add(request: HttpRequest) -> HttpResponse:
    """Practitioners, designated officers and the central team. Likely matches are shown first;
    an exact NHS number or UPN match stops the add; "none of these" is audited."""
    form = ChildForm(request.POST or None)
    exact: list[Child] = []
    likely = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        exact, likely = likely_duplicates(
            forenames=data["forenames"],
            surname=data["surname"],
            date_of_birth=data["date_of_birth"],
            postcode=data["postcode"],
            other_names=data["other_names"],
            nhs_number=data["nhs_number"],
            upn=data["upn"],
            user=request.user,
        )
        shown = {int(v) for v in request.POST.get("shown", "").split(",") if v.isdigit()}
        confirmed = request.POST.get("confirm") == "none-of-these"
        if exact:
            for child in exact:
                field = "nhs_number" if child.nhs_number == data["nhs_number"] else "upn"
                form.add_error(
                    field,
                    f"{child.full_name} ({child.lisa_ref}) is already on LISA with this "
                    f"{'NHS number' if field == 'nhs_number' else 'Unique Pupil Number'}",
                )
        elif likely and not (confirmed and {m.child.pk for m in likely} <= shown):
            pass  # show the likely matches and ask
        else:
            values = {k: v for k, v in data.items() if k != "version"}
            try:
                child = actions.create_child(
                    request=request,
                    by=request.user,
                    values=values,
                    matches_shown=[m.child for m in likely],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, f"{child.full_name} has been added to LISA as {child.lisa_ref}."
                )
                return redirect("children:card", pk=child.pk)
        if exact or likely:
            record(
                request,
                Action.SEARCH,
                object_type="children.child",
                detail={
                    "duplicate_check": True,
                    "forenames": data["forenames"],
                    "surname": data["surname"],
                    "date_of_birth": data["date_of_birth"].isoformat(),
                    "postcode": data["postcode"],
                    "exact": [c.lisa_ref for c in exact],
                    "likely": [m.child.lisa_ref for m in likely],
                },
            )
    return render(
        request,
        "children/add.html",
        {
            "form": form,
            "exact": exact,
            "likely": likely,
            "shown": ",".join(str(m.child.pk) for m in likely),
        },
    )


# --- seeing a child ---------------------------------------------------------------------------


@reading_page
@role_required(*CHILD_ROLES)
def card(request: HttpRequest, pk: int) -> HttpResponse:
    """Any practitioner, designated officer or the central team: the index card. A shielded
    address and sensitive-service involvements only to those allowed them."""
    child = child_for_user(request, pk, "card", audit=False)
    if child.pk != pk:
        return redirect("children:card", pk=child.pk)
    can = access_for(request, child)
    # The view and the siblings shown, in one INSERT, before the volume check counts it.
    audit_view(request, child, "card", siblings=can.siblings, siblings_on="index card")
    actions.check_card_volume(request=request, by=request.user, can=can)
    return render(
        request,
        "children/card.html",
        {
            "child": child,
            "can": can,
            "involvements": can.visible_involvements,
            "siblings": can.siblings,
        },
    )


@reading_page
@role_required(*CHILD_ROLES)
def full_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Practitioners actively involved, their agency's designated officer, the central team, or
    anyone within a break-glass grant (every view audited with the reason)."""
    child = child_for_user(request, pk, "full", audit=False)
    if child.pk != pk:
        return redirect("children:record", pk=child.pk)
    can = access_for(request, child)
    audit_view(request, child, "full", siblings=can.siblings, siblings_on="full record")
    # Each section's SQL is worked out once per process (lisa/compiled.py).
    return render(
        request,
        "children/record.html",
        {
            "child": child,
            "can": can,
            "grant": can.grant,
            "involvements": can.all_visible_involvements(),
            "siblings": can.siblings,
            "parents": compiled.rows("record_parents", _parents, child_id=child.pk),
            "merged_records": can.merged_records,
            "received": compiled.rows("record_received", _received, child_id=child.pk),
            "history": compiled.rows("record_history", _history, child_id=child.pk),
        },
    )


def _parents(child_id: int):
    return ParentalResponsibility.objects.filter(child_id=child_id)


def _received(child_id: int):
    return (
        ReceivedSummary.objects.filter(child_id=child_id)
        .select_related("imported_by")
        .defer("content")
    )


def _history(child_id: int):
    """The latest changes to the child's details (django-auditlog's log)."""
    return (
        LogEntry.objects.filter(
            content_type__app_label=Child._meta.app_label,
            content_type__model=Child._meta.model_name,
            object_id=child_id,
        )
        .select_related("actor")
        .order_by("-timestamp")[:20]
    )


# --- changing a child -------------------------------------------------------------------------


def _child_initial(child: Child) -> dict:
    initial = {name: getattr(child, name) for name in actions.CHILD_FIELDS}
    initial["version"] = child.version
    return initial


@role_required(*CHILD_ROLES)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Those with a legitimate relationship (involved, their designated officer, the central
    team). A save over someone else's newer save is refused and their values shown."""
    child = child_for_user(request, pk, "edit")
    can = access_for(request, child)
    form = ChildForm(
        request.POST or None,
        editing=True,
        show_address=can.address,
        initial=_child_initial(child),
    )
    conflict = None
    if request.method == "POST":
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                actions.update_child(
                    request=request,
                    by=request.user,
                    child=child,
                    version=form.cleaned_data["version"],
                    changes=changes,
                )
            except actions.ConcurrentEditError as error:
                conflict = error.current
                show_conflict(
                    form,
                    conflict,
                    "Someone else changed this child's record while you were editing. Their "
                    "values are shown below; your changes have not been saved. Check them and "
                    "save again.",
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"{child.full_name}'s details have been saved.")
                return redirect("children:record", pk=child.pk)
        audit_view(request, child, "edit")
    return render(
        request,
        "children/edit.html",
        {"form": form, "child": child, "conflict": conflict, "can": can},
    )


# --- break glass ------------------------------------------------------------------------------


@role_required(*PRACTITIONERS)
def break_glass(request: HttpRequest, pk: int) -> HttpResponse:
    """Any practitioner or designated officer without a legitimate relationship, after stating a
    reason; the central team is alerted."""
    child = child_for_user(request, pk, "card", audit=False)
    can = access_for(request, child)
    if can.has_relationship:
        return redirect("children:record", pk=child.pk)
    if not can.break_glass:
        deny(
            request,
            "break glass is not available",
            object_type="children.child",
            object_id=child.pk,
            child=child.pk,
        )
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.break_glass(
                request=request,
                by=request.user,
                child=child,
                category=form.cleaned_data["category"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.info(
                request,
                "You have access to this record for 24 hours. The central team has been told, "
                "and every page you open is recorded with your reason.",
            )
            return redirect("children:record", pk=child.pk)
    audit_view(request, child, "break glass form")
    return render(request, "children/break_glass.html", {"form": form, "child": child})


# --- involvement ------------------------------------------------------------------------------


@role_required(*PRACTITIONERS)
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    """Any practitioner or designated officer not already involved: "I work with this child",
    with a reason; the central team reviews it."""
    child = child_for_user(request, pk, "card", audit=False)
    can = access_for(request, child)
    if can.is_involved:
        messages.info(request, "You are already recorded as working with this child.")
        return redirect("children:record", pk=child.pk)
    if not can.claim:
        deny(
            request,
            "only practitioners of an agency may say they work with a child",
            object_type="children.child",
            object_id=child.pk,
            child=child.pk,
        )
    form = InvolvementClaimForm(request.POST or None, initial={"role": request.user.job_title})
    if request.method == "POST" and form.is_valid():
        try:
            actions.self_claim(
                request=request,
                by=request.user,
                child=child,
                role=form.cleaned_data["role"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"You are now recorded as working with {child.full_name}. The central team "
                "will review this.",
            )
            return redirect("children:record", pk=child.pk)
    audit_view(request, child, "involvement claim form")
    return render(request, "children/claim.html", {"form": form, "child": child})


@role_required(*CHILD_ROLES)
def add_involvement(request: HttpRequest, pk: int) -> HttpResponse:
    """The child's lead professional or the central team adds another practitioner."""
    child = child_for_user(request, pk, "card", audit=False)
    if not access_for(request, child).add_involvement:
        deny(
            request,
            "only the lead professional or the central team may add practitioners",
            object_type="children.child",
            object_id=child.pk,
            child=child.pk,
        )
    practitioners = (
        User.objects.filter(
            is_active=True,
            training_date__isnull=False,
            agency__isnull=False,
            roles__overlap=[Role.PRACTITIONER, Role.DESIGNATED_OFFICER],
        )
        .select_related("agency")
        .order_by("last_name", "first_name")
    )
    form = AddInvolvementForm(request.POST or None, practitioners=practitioners)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_involvement(
                request=request,
                by=request.user,
                child=child,
                practitioner=form.cleaned_data["practitioner"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The practitioner has been added.")
            return redirect("children:card", pk=child.pk)
    audit_view(request, child, "add involvement form")
    return render(request, "children/add_involvement.html", {"form": form, "child": child})


def _involvement(request: HttpRequest, child: Child, item_pk: int) -> Involvement:
    involvement = (
        Involvement.objects.select_related("practitioner", "agency")
        .filter(pk=item_pk, child=child)
        .first()
    )
    if involvement is None or not access_for(request, child).see_involvement(involvement):
        deny(
            request,
            "no such involvement",
            not_found=True,
            object_type="children.involvement",
            object_id=item_pk,
            child=child.pk,
        )
    return involvement


@role_required(*CHILD_ROLES)
def end_involvement(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The practitioner themselves, their agency's designated officer or the central team. Full
    access ends from the next request."""
    child = child_for_user(request, pk, "card", audit=False)
    involvement = _involvement(request, child, item_pk)
    if not access_for(request, child).end(involvement):
        deny(
            request,
            "you may not end this involvement",
            object_type="children.involvement",
            object_id=involvement.pk,
            child=child.pk,
        )
    form = ReasonForm(
        request.POST or None,
        label="Why is this involvement ending? (optional)",
        submit="End involvement",
        required=False,
        warning=True,
    )
    if request.method == "POST" and form.is_valid():
        actions.end_involvement(
            request=request,
            by=request.user,
            involvement=involvement,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"{involvement.practitioner}'s involvement has ended.")
        return redirect("children:card", pk=child.pk)
    audit_view(request, child, "end involvement form")
    return render(
        request,
        "children/reason.html",
        {
            "form": form,
            "child": child,
            "title": f"End {involvement.practitioner}'s involvement",
            "intro": "Once it has ended they will no longer see the full record, unless they "
            "have another reason to.",
        },
    )


@role_required(*CHILD_ROLES)
def involvement_error(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The practitioner, whoever recorded it, their agency's designated officer or the central
    team: a mistaken involvement is marked entered in error, never removed."""
    child = child_for_user(request, pk, "card", audit=False)
    involvement = _involvement(request, child, item_pk)
    if not access_for(request, child).mark_involvement_in_error(involvement):
        deny(
            request,
            "you may not mark this involvement as entered in error",
            object_type="children.involvement",
            object_id=involvement.pk,
            child=child.pk,
        )
    form = ReasonForm(
        request.POST or None,
        label="Why is this involvement wrong?",
        submit="Mark as entered in error",
        warning=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.involvement_entered_in_error(
                request=request,
                by=request.user,
                involvement=involvement,
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied as error:
            deny(
                request,
                str(error),
                object_type="children.involvement",
                object_id=involvement.pk,
                child=child.pk,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The involvement has been marked as entered in error.")
            return redirect("children:card", pk=child.pk)
    audit_view(request, child, "involvement entered in error form")
    return render(
        request,
        "children/reason.html",
        {
            "form": form,
            "child": child,
            "title": f"Mark {involvement.practitioner}'s involvement as entered in error",
            "intro": "It stays in the record's history, marked as wrong, with your reason.",
        },
    )


# --- people with parental responsibility ------------------------------------------------------


@role_required(*CHILD_ROLES)
def parent_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child."""
    child = child_for_user(request, pk, "edit", audit=False)
    form = ParentForm(request.POST or None, show_address=access_for(request, child).address)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            actions.add_parent(request=request, by=request.user, child=child, values=values)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{values['name']} has been added.")
            return redirect("children:record", pk=child.pk)
    audit_view(request, child, "add parental responsibility form")
    return render(
        request,
        "children/parent_form.html",
        {"form": form, "child": child, "title": "Add a person with parental responsibility"},
    )


def _parent(request: HttpRequest, child: Child, item_pk: int) -> ParentalResponsibility:
    parent = ParentalResponsibility.objects.filter(pk=item_pk, child=child).first()
    if parent is None:
        deny(
            request,
            "no such person",
            not_found=True,
            object_type="children.parentalresponsibility",
            object_id=item_pk,
            child=child.pk,
        )
    return parent


@role_required(*CHILD_ROLES)
def parent_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child; concurrent saves refused."""
    child = child_for_user(request, pk, "edit", audit=False)
    parent = _parent(request, child, item_pk)
    initial = {name: getattr(parent, name) for name in actions.PARENT_FIELDS}
    initial["version"] = parent.version
    can = access_for(request, child)
    form = ParentForm(request.POST or None, initial=initial, show_address=can.address)
    conflict = None
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            actions.update_parent(
                request=request,
                by=request.user,
                parent=parent,
                version=form.cleaned_data["version"],
                changes=changes,
            )
        except actions.ConcurrentEditError as error:
            conflict = error.current
            show_conflict(
                form,
                conflict,
                "Someone else changed these details while you were editing. Their values are "
                "shown below; your changes have not been saved.",
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{parent.name}'s details have been saved.")
            return redirect("children:record", pk=child.pk)
    audit_view(request, child, "edit parental responsibility form")
    return render(
        request,
        "children/parent_form.html",
        {
            "form": form,
            "child": child,
            "conflict": conflict,
            "can": can,
            "title": f"Change {parent.name}'s details",
        },
    )


@role_required(*CHILD_ROLES)
def parent_error(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child."""
    child = child_for_user(request, pk, "edit", audit=False)
    parent = _parent(request, child, item_pk)
    form = ReasonForm(
        request.POST or None,
        label="Why is this entry wrong?",
        submit="Mark as entered in error",
        warning=True,
        version=parent.version,
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.parent_entered_in_error(
                request=request,
                by=request.user,
                parent=parent,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data.get("version") or None,
            )
        except actions.ConcurrentEditError as error:
            show_conflict(form, error.current)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{parent.name} has been marked as entered in error.")
            return redirect("children:record", pk=child.pk)
    audit_view(request, child, "parental responsibility entered in error form")
    return render(
        request,
        "children/reason.html",
        {
            "form": form,
            "child": child,
            "title": f"Mark {parent.name} as entered in error",
            "intro": "The entry stays in the record's history, marked as wrong, with your reason.",
        },
    )


# --- families ---------------------------------------------------------------------------------


@role_required(*CHILD_ROLES)
def family(request: HttpRequest, pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child: link a sibling of the same household."""
    child = child_for_user(request, pk, "edit", audit=False)
    form = ReferenceForm(request.POST or None, submit="Link as a sibling")
    if request.method == "POST" and form.is_valid():
        other = Child.objects.filter(lisa_ref=form.cleaned_data["lisa_ref"]).first()
        if other is None:
            form.add_error("lisa_ref", "There is no child with this LISA reference")
        else:
            while other.merged_into_id:
                other = other.merged_into
            try:
                actions.link_siblings(request=request, by=request.user, child=child, other=other)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"{other.full_name} is now linked as a sibling.")
                return redirect("children:record", pk=child.pk)
    audit_view(request, child, "family form")
    siblings = access_for(request, child).siblings
    audit_siblings(request, child, siblings, "family form")
    return render(
        request,
        "children/family.html",
        {"form": form, "child": child, "siblings": siblings},
    )


@role_required(*CHILD_ROLES)
@require_POST
def leave_family(request: HttpRequest, pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child."""
    child = child_for_user(request, pk, "edit", audit=False)
    actions.leave_family(
        request=request,
        by=request.user,
        child=child,
        reason=request.POST.get("reason", "")[:500],
    )
    messages.success(request, f"{child.full_name} is no longer linked to a family.")
    return redirect("children:record", pk=child.pk)


# --- merging ----------------------------------------------------------------------------------


@role_required(Role.CENTRAL_TEAM)
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    """The central team: merge a duplicate record into this one (this one is kept)."""
    keep = child_for_user(request, pk, "full", audit=False)
    form = ReferenceForm(
        request.POST or None,
        reason_label="Why are these the same child?",
        submit="Continue",
    )
    other = None
    if request.method == "POST" and form.is_valid():
        other = Child.objects.filter(lisa_ref=form.cleaned_data["lisa_ref"]).first()
        if other is None:
            form.add_error("lisa_ref", "There is no child with this LISA reference")
        elif other.pk == keep.pk:
            form.add_error("lisa_ref", "Enter the reference of the duplicate, not this record")
            other = None
        elif other.merged_into_id:
            form.add_error("lisa_ref", "That record has already been merged")
            other = None
        elif request.POST.get("confirm") == "merge":
            try:
                actions.merge_children(
                    request=request,
                    by=request.user,
                    keep=keep,
                    other=other,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    f"{other.lisa_ref} has been merged into {keep.lisa_ref}. Its reference "
                    "now leads here.",
                )
                return redirect("children:record", pk=keep.pk)
        else:
            audit_view(request, other, "merge check")
    audit_view(request, keep, "merge form")
    return render(request, "children/merge.html", {"form": form, "child": keep, "other": other})
