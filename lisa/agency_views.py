"""Managing agencies: the central team only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from lisa import actions
from lisa.access import role_required
from lisa.forms import AgencyForm, apply_errors
from lisa.models import Agency, Role
from lisa.versioning import show_conflict, version_of

FIELDS = ("name", "agency_type", "sensitive_service", "phone", "email", "is_active")


@role_required(Role.CENTRAL_TEAM)
def agency_list(request: HttpRequest) -> HttpResponse:
    """Central team only."""
    agencies = Agency.objects.annotate(
        active_users=Count("users", filter=Q(users__is_active=True)),
        designated_officers=Count(
            "users",
            filter=Q(users__is_active=True, users__roles__contains=[Role.DESIGNATED_OFFICER]),
        ),
    ).order_by("name")
    return render(request, "lisa/agencies/list.html", {"agencies": agencies})


@role_required(Role.CENTRAL_TEAM)
def agency_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Central team only: add an agency, or change one."""
    agency = get_object_or_404(Agency, pk=pk) if pk else None
    initial = {"is_active": True}
    if agency is not None:
        initial = {name: getattr(agency, name) for name in FIELDS}
        initial["version"] = version_of(agency)
    form = AgencyForm(request.POST or None, instance=agency, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in FIELDS}
        try:
            saved = actions.save_agency(
                request=request,
                by=request.user,
                agency=agency,
                fields=fields,
                version=form.cleaned_data.get("version", ""),
            )
        except ValidationError as error:
            apply_errors(form, error)
        except actions.ConcurrentEditError as error:
            show_conflict(
                form,
                error.current,
                "Someone else changed this agency while you were editing; your changes have not "
                f"been saved. It is now called “{error.current.name}”. Check and save again.",
            )
        else:
            messages.success(request, f"{saved.name} has been saved.")
            return redirect("agencies:list")
    return render(request, "lisa/agencies/form.html", {"form": form, "agency": agency})
