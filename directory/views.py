"""The Service Directory's pages: search (practitioners and the public), service pages, and
keeping entries, organisations and categories current."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import truncatewords
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from audit.models import Action, AuditEvent
from audit.services import record
from directory import actions
from directory.access import public_service, service_for_editor, service_for_viewer
from directory.forms import CategoryForm, OrganisationForm, SearchForm, ServiceForm
from directory.models import (
    WEEKDAYS,
    Category,
    Organisation,
    Service,
    ServiceStatus,
    stale_cutoff,
)
from directory.opening import format_day, parse_day
from directory.search import (
    Criteria,
    has_several_words,
    languages_in_use,
    results_page,
    services_for,
    suggest_categories,
)
from lisa import compiled
from lisa.access import public, role_required, signed_in
from lisa.forms import apply_errors
from lisa.models import Role
from lisa.replica import tolerating_delay
from lisa.reversing import Addresses
from lisa.versioning import show_conflict, version_of

KEEPERS = (Role.DIRECTORY_EDITOR, Role.CENTRAL_TEAM)


def _apply_errors(form, error: ValidationError) -> None:
    # Opening-time problems are shown beside the first day's field.
    apply_errors(form, error, renamed={"sessions": "day_0"})


def _querystring(request: HttpRequest, *, without: tuple[str, ...] = ("page",)) -> str:
    pairs = [(k, v) for k, values in request.GET.lists() for v in values if k not in without]
    return urlencode(pairs)


# --- finding services -------------------------------------------------------------------------


_SELECTED = mark_safe(" selected")  # noqa: S308 - constant text


@functools.lru_cache(maxsize=256)
def _options(choices: tuple, chosen: str) -> str:
    """A select's options, the chosen one marked, written and escaped here: a template takes
    several times as long over each of the filters' many options, and the same few lists come
    back on every search, so each is kept."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, _SELECTED if str(value) == chosen else "", label) for value, label in choices),
    )


def _select(bound) -> dict:
    """A select field and its options (what is kept depends only on the choices, never on
    whatever an address carries)."""
    choices = tuple(bound.field.choices)
    chosen = str(bound.value() if bound.value() is not None else "")
    if chosen not in {str(value) for value, _ in choices}:
        chosen = ""
    return {"field": bound, "options": _options(choices, chosen)}


def _categories():
    return Category.objects.only("name")


def _results(services: list[Service], service_url: str) -> list[dict]:
    """What each result shows, as a dict with its address and labels worked out here: the
    template writes a dict's values about three times as fast as it looks them up through a model
    object, and the results are most of the page."""
    addresses = Addresses()
    cutoff = stale_cutoff()
    return [
        {
            "href": addresses.reverse(service_url, args=[service.pk]),
            "name": service.name,
            "organisation": service.organisation.name,
            "summary": truncatewords(service.description, 35),
            "categories": service.category_list,
            "ages": service.ages_label,
            "is_free": service.is_free,
            "status": ""
            if service.status == ServiceStatus.ACTIVE
            else service.get_status_display(),
            "is_stale": service.stale_by(cutoff),
        }
        for service in services
    ]


def _search(request: HttpRequest, *, public_only: bool) -> HttpResponse:
    base = services_for(public_only)
    categories = compiled.rows("directory_categories", _categories)
    languages = languages_in_use(base, "public" if public_only else "practitioners")
    form = SearchForm(request.GET or None, languages=languages)
    form.fields["category"].queryset = Category.objects.all()
    form.fields["category"].choices = [("", "Any category")] + [(c.pk, c.name) for c in categories]
    searched = form.is_bound and form.is_valid()
    criteria = Criteria()
    if searched:
        data = form.cleaned_data
        criteria = Criteria(
            q=data["q"],
            category=data["category"],
            age=data["age"],
            postcode=data["postcode"],
            day=data["day"],
            language=data["language"],
            free=data["free"],
        )
    page = None
    any_word = False
    suggestions: dict = {}
    if not form.is_bound or searched:
        page = results_page(public_only, criteria, request.GET.get("page"))
        if page.paginator.count == 0 and has_several_words(criteria.q):
            # Nothing has every word: offer what has some of them, best first, and say so.
            criteria.any_word = True
            page = results_page(public_only, criteria, request.GET.get("page"))
            any_word = page.paginator.count > 0
        if page.paginator.count == 0:
            suggestions = {
                "categories": suggest_categories(criteria.q, categories),
                "remove": [
                    (label, "?" + _querystring(request, without=("page", name)))
                    for name, label in form.active_filters.items()
                ],
            }
    service_url = "directory:public-service" if public_only else "directory:service"
    if searched and not public_only and not criteria.is_empty:
        record(
            request,
            Action.SEARCH,
            object_type="directory.service",
            detail={"q": criteria.q, "filters": sorted(form.active_filters)},
        )
    return render(
        request,
        "directory/search.html",
        {
            "form": form,
            "selects": [_select(form[name]) for name in ("category", "age", "day", "language")],
            "page": page,
            "results": _results(page.object_list, service_url) if page else [],
            "query": _querystring(request),
            "q": criteria.q,
            "any_word": any_word,
            "searched": searched and not criteria.is_empty,
            "filters": form.active_filters if searched else {},
            "suggestions": suggestions,
            "all_categories": categories,
            "public": public_only,
            "search_url": "directory:public-search" if public_only else "directory:search",
        },
    )


@signed_in
@tolerating_delay()
def search(request: HttpRequest) -> HttpResponse:
    """Any signed-in user: published entries, open or temporarily closed."""
    return _search(request, public_only=False)


@public
@tolerating_delay()
def public_search(request: HttpRequest) -> HttpResponse:
    """Anyone, without signing in: active, published entries only."""
    return _search(request, public_only=True)


@signed_in
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Any signed-in user for published entries; unpublished ones for their editors and the
    central team."""
    service = service_for_viewer(request, pk)
    return render(
        request,
        "directory/service.html",
        {
            "service": service,
            "public": False,
            "can_edit": actions.can_edit_service(request.user, service),
            "search_url": "directory:search",
        },
    )


@public
@tolerating_delay()
def public_service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone, without signing in: active, published entries only."""
    service = public_service(pk)
    return render(
        request,
        "directory/service.html",
        {"service": service, "public": True, "search_url": "directory:public-search"},
    )


# --- keeping entries current ------------------------------------------------------------------


@role_required(*KEEPERS)
def manage(request: HttpRequest) -> HttpResponse:
    """Directory editors (their own entries) and the central team (every entry, and the list of
    out-of-date ones)."""
    services = Service.objects.edited_by(request.user).select_related("organisation")
    query = request.GET.get("q", "").strip()[:100]
    stale_only = request.GET.get("stale") == "1"
    if query:
        services = services.filter(
            Q(name__icontains=query) | Q(organisation__name__icontains=query)
        )
    if stale_only:
        services = services.stale()
    page = Paginator(services.order_by("name", "pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/manage.html",
        {
            "page": page,
            "q": query,
            "stale_only": stale_only,
            "stale_count": Service.objects.edited_by(request.user).stale().count(),
            "query": _querystring(request),
            "cutoff": stale_cutoff(),
        },
    )


def _display(value) -> str:
    if value is None or value == "":
        return "Not given"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value) or "None"
    if hasattr(value, "all"):
        return ", ".join(str(v) for v in value.all()) or "None"
    return str(value)


def _changes(form: ServiceForm, service: Service | None) -> list[tuple[str, str, str]]:
    """What the preview shows: each field whose value would change, before and after."""
    data = form.cleaned_data
    old = ServiceForm.initial_for(service) if service is not None else {}
    rows = []
    for name, field in form.fields.items():
        if name == "version":
            continue
        new_value = data.get(name)
        old_value = old.get(name)
        if name.startswith("day_"):
            day = int(name[4:])
            new_value = format_day(parse_day(new_value or "", WEEKDAYS[day])) or "Closed"
            old_value = (old_value or "Closed") if service is not None else None
        elif name in ("categories", "editors"):
            new_value = sorted(str(x) for x in new_value or [])
            if service is not None:
                chosen = set(old_value or [])
                old_value = sorted(str(x) for x in field.queryset if x.pk in chosen)
        elif name == "organisation":
            old_value = service.organisation if service is not None else None
        elif name == "is_free":
            old_value = (old_value == "yes") if service is not None else None
        elif name == "postcode_districts":
            new_value = ", ".join(new_value or [])
        elif name == "status":
            labels = dict(field.choices)
            new_value = labels.get(new_value, new_value)
            old_value = labels.get(old_value, old_value) if old_value else None
        if name == "charges" and data.get("is_free"):
            new_value = ""
        if service is None or _display(old_value) != _display(new_value):
            label = str(field.label or name.replace("_", " ").capitalize())
            rows.append((label, _display(old_value) if service else "", _display(new_value)))
    return rows


def _edit(request: HttpRequest, service: Service | None) -> HttpResponse:
    """The form, then a preview of the changes, then the save (three steps, one URL)."""
    if service is not None:
        initial = ServiceForm.initial_for(service)
    else:
        initial = {"city": "London", "status": "active", "is_free": "yes"}
    form = ServiceForm(request.POST or None, by=request.user, service=service, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid() and "back" not in request.POST:
        if "confirm" not in request.POST:
            return render(
                request,
                "directory/preview.html",
                {
                    "service": service,
                    "changes": _changes(form, service),
                    "hidden": [
                        (name, value)
                        for name, values in request.POST.lists()
                        for value in values
                        if name not in ("csrfmiddlewaretoken", "confirm", "back", "submit")
                    ],
                },
            )
        try:
            saved = actions.save_service(
                request=request, by=request.user, service=service, **form.action_arguments()
            )
        except actions.ConcurrentEditError as error:
            conflict = error.current
            show_conflict(
                form,
                conflict,
                "Someone else changed this entry while you were editing it. Your changes have "
                "not been saved. Check the entry as it is now (below the form), then preview and "
                "save again.",
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{saved.name} has been saved. Its review date is now today."
                if service is not None
                else f"{saved.name} has been added to the directory.",
            )
            return redirect("directory:service", pk=saved.pk)
    return render(
        request,
        "directory/form.html",
        {"form": form, "service": service, "conflict": conflict},
    )


@role_required(Role.CENTRAL_TEAM)
def service_create(request: HttpRequest) -> HttpResponse:
    """The central team adds entries and chooses who keeps them."""
    return _edit(request, None)


@role_required(*KEEPERS)
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The entry's own editors, and the central team."""
    return _edit(request, service_for_editor(request, pk))


@role_required(*KEEPERS)
@require_POST
def service_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The entry's own editors, and the central team: "still correct" sets the review date
    to today and changes nothing else."""
    service = service_for_editor(request, pk)
    actions.confirm_service_current(request=request, by=request.user, service=service)
    messages.success(request, f"Thank you. {service.name} is marked as reviewed today.")
    if request.POST.get("from") == "manage":
        return redirect("directory:manage")
    return redirect("directory:service", pk=service.pk)


@role_required(*KEEPERS)
def service_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The entry's own editors, and the central team: who changed what, and when."""
    from auditlog.models import LogEntry

    service = service_for_editor(request, pk)
    events = AuditEvent.objects.filter(
        object_type="directory.service",
        object_id=str(service.pk),
        action__in=[Action.CREATE, Action.UPDATE],
    ).order_by("-at", "-id")[:100]
    entries = LogEntry.objects.get_for_object(service).select_related("actor")[:100]
    return render(
        request,
        "directory/history.html",
        {"service": service, "events": events, "field_changes": _field_changes(entries)},
    )


def _field_changes(entries) -> list[dict]:
    """Field history as lines a person can read: "name: old → new", or the categories or
    editors added and removed."""
    rows = []
    for entry in entries:
        lines = []
        for name, change in entry.changes_dict.items():
            label = name.replace("_", " ")
            if isinstance(change, dict):  # a many-to-many change
                verb = {"add": "added", "delete": "removed"}.get(change.get("operation"), "set")
                lines.append(f"{label} {verb}: " + ", ".join(map(str, change.get("objects", []))))
            else:
                old, new = (list(change) + ["", ""])[:2]
                lines.append(f"{label}: {_short(old)} → {_short(new)}")
        rows.append({"at": entry.timestamp, "actor": entry.actor, "lines": lines})
    return rows


def _short(value) -> str:
    text = "" if value in (None, "None") else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


# --- organisations and categories (central team) ----------------------------------------------


@role_required(Role.CENTRAL_TEAM)
def organisation_list(request: HttpRequest) -> HttpResponse:
    """The central team."""
    organisations = (
        Organisation.objects.select_related("agency")
        .annotate(service_count=Count("services"))
        .order_by("name", "pk")
    )
    page = Paginator(organisations, 50).get_page(request.GET.get("page"))
    return render(request, "directory/organisations.html", {"page": page, "query": ""})


@role_required(Role.CENTRAL_TEAM)
def organisation_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The central team."""
    organisation = get_object_or_404(Organisation, pk=pk) if pk else None
    initial = {}
    if organisation is not None:
        initial = {
            "name": organisation.name,
            "description": organisation.description,
            "phone": organisation.phone,
            "email": organisation.email,
            "website": organisation.website,
            "agency": organisation.agency_id,
            "version": version_of(organisation),
        }
    form = OrganisationForm(request.POST or None, instance=organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            actions.save_organisation(
                request=request,
                by=request.user,
                organisation=organisation,
                fields=fields,
                version=form.cleaned_data["version"],
            )
        except actions.ConcurrentEditError as error:
            show_conflict(
                form,
                error.current,
                "Someone else changed this organisation while you were editing. Your changes "
                "have not been saved: check it and save again.",
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"{fields['name']} has been saved.")
            return redirect("directory:organisations")
    title = _title(organisation, "organisation")
    return render(request, "directory/simple_form.html", {"form": form, "title": title})


@role_required(Role.CENTRAL_TEAM)
def category_list(request: HttpRequest) -> HttpResponse:
    """The central team: the directory's taxonomy."""
    categories = Category.objects.select_related("parent").annotate(service_count=Count("services"))
    return render(request, "directory/categories.html", {"categories": categories})


@role_required(Role.CENTRAL_TEAM)
def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The central team."""
    category = get_object_or_404(Category, pk=pk) if pk else None
    initial = {}
    if category is not None:
        initial = {
            "name": category.name,
            "description": category.description,
            "parent": category.parent_id,
            "version": version_of(category),
        }
    form = CategoryForm(request.POST or None, instance=category, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            actions.save_category(
                request=request,
                by=request.user,
                category=category,
                fields=fields,
                version=form.cleaned_data["version"],
            )
        except actions.ConcurrentEditError as error:
            show_conflict(
                form,
                error.current,
                "Someone else changed this category while you were editing. Your changes have "
                "not been saved: check it and save again.",
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"The category {fields['name']} has been saved.")
            return redirect("directory:categories")
    title = _title(category, "category")
    return render(request, "directory/simple_form.html", {"form": form, "title": title})


def _title(obj, noun: str) -> str:
    if obj is not None:
        return f"Change {obj}"
    return f"Add an {noun}" if noun[0] in "aeiou" else f"Add a {noun}"
