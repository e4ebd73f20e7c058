"""Managing users: designated officers for their own agency, the central team for any."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audit.models import Action
from audit.services import record
from lisa import actions
from lisa.access import managed_users, role_required, user_for_manager
from lisa.forms import DeactivateForm, TrainingForm, UserForm, apply_errors
from lisa.models import Agency, Role
from lisa.versioning import show_conflict, version_of

MANAGERS = (Role.DESIGNATED_OFFICER, Role.CENTRAL_TEAM)
PAGE_SIZE = 50


@role_required(*MANAGERS)
def user_list(request: HttpRequest) -> HttpResponse:
    """Designated officers (own agency) and the central team (all agencies)."""
    users = managed_users(request.user).order_by("last_name", "first_name", "pk")
    query = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    agency_id = request.GET.get("agency", "")
    if query:
        users = users.filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(username__icontains=query)
            | Q(email__icontains=query)
        )
    if status == "awaiting":
        users = users.filter(is_active=True, training_date__isnull=True)
    elif status == "active":
        users = users.filter(is_active=True, training_date__isnull=False)
    elif status == "deactivated":
        users = users.filter(is_active=False)
    if agency_id.isascii() and agency_id.isdigit() and request.user.is_central_team:
        users = users.filter(agency_id=int(agency_id[:18]))
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    if query:
        record(request, Action.SEARCH, object_type="lisa.user", detail={"q": query})
    return render(
        request,
        "lisa/users/list.html",
        {
            "page": page,
            "query": query,
            "status": status,
            "agency_id": agency_id,
            "agencies": Agency.objects.only("name") if request.user.is_central_team else None,
        },
    )


@role_required(*MANAGERS)
def user_create(request: HttpRequest) -> HttpResponse:
    """Designated officers add users to their own agency; the central team to any agency."""
    form = UserForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = actions.create_user(
                request=request,
                by=request.user,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                agency=data["agency"],
                roles=data["roles"],
                job_title=data["job_title"],
                phone=data["phone"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{user} has been added. They have been emailed a link to choose a password. "
                "They can sign in once their training date is recorded.",
            )
            return redirect("users:detail", pk=user.pk)
    return render(request, "lisa/users/form.html", {"form": form, "creating": True})


@role_required(*MANAGERS)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Designated officers (own agency) and the central team."""
    target = user_for_manager(request, pk)
    return render(request, "lisa/users/detail.html", {"target": target})


@role_required(*MANAGERS)
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Designated officers (own agency) and the central team. A save over someone else's
    newer save is refused and their values shown."""
    target = user_for_manager(request, pk)
    initial = {
        "first_name": target.first_name,
        "last_name": target.last_name,
        "email": target.email,
        "job_title": target.job_title,
        "phone": target.phone,
        "agency": target.agency_id,
        "roles": target.roles,
        "version": version_of(target),
    }
    form = UserForm(request.POST or None, by=request.user, editing=target, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            actions.update_user(
                request=request,
                by=request.user,
                user=target,
                version=form.cleaned_data["version"],
                changes=changes,
            )
        except actions.ConcurrentEditError as error:
            conflict = error.current
            show_conflict(
                form,
                conflict,
                "Someone else changed this user while you were editing. Their values are shown "
                "below; your changes have not been saved. Check them and save again.",
            )
        except actions.CentralTeamOnly as refusal:
            form.add_error(refusal.field, refusal.message)
            actions.refuse_for_central_team(
                request=request, by=request.user, user=target, refusal=refusal
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{target}'s details have been saved.")
            return redirect("users:detail", pk=target.pk)
    return render(
        request,
        "lisa/users/form.html",
        {"form": form, "target": target, "creating": False, "conflict": conflict},
    )


@role_required(*MANAGERS)
def user_training(request: HttpRequest, pk: int) -> HttpResponse:
    """Designated officers (own agency) and the central team. A save over someone else's
    newer change is refused and the date they recorded shown."""
    target = user_for_manager(request, pk)
    form = TrainingForm(
        request.POST or None,
        initial={
            "training_date": target.training_date,
            "lead_professional_trained_on": target.lead_professional_trained_on,
            "chair_trained_on": target.chair_trained_on,
            "version": version_of(target),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_training(
                request=request,
                by=request.user,
                user=target,
                training_date=form.cleaned_data["training_date"],
                version=form.cleaned_data["version"],
                roles={name: form.cleaned_data[name] for name in actions.ROLE_TRAINING},
            )
        except actions.ConcurrentEditError as error:
            current = error.current
            recorded = (
                f"The training date is now {current.training_date:%-d %B %Y}."
                if current.training_date
                else "No training date is recorded now."
            )
            show_conflict(
                form,
                current,
                "Someone else changed this user while you were editing. "
                f"{recorded} Your date has not been saved. Check it and save again.",
            )
            target = current
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Training recorded. {target} can now sign in.")
            return redirect("users:detail", pk=target.pk)
    return render(request, "lisa/users/training.html", {"form": form, "target": target})


@role_required(*MANAGERS)
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Designated officers (own agency) and the central team; not their own account."""
    target = user_for_manager(request, pk)
    if target.pk == request.user.pk:
        raise PermissionDenied("You cannot deactivate your own account.")
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.deactivate_user(
                request=request, by=request.user, user=target, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{target}'s account has been deactivated and signed out.")
            return redirect("users:detail", pk=target.pk)
    return render(request, "lisa/users/deactivate.html", {"form": form, "target": target})


@role_required(*MANAGERS)
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Designated officers (own agency) and the central team; an account the central team
    deactivated, the central team only."""
    target = user_for_manager(request, pk)
    actions.reactivate_user(request=request, by=request.user, user=target)
    messages.success(request, f"{target}'s account is active again.")
    return redirect("users:detail", pk=target.pk)


@role_required(*MANAGERS)
@require_POST
def user_send_password_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Designated officers (own agency) and the central team."""
    target = user_for_manager(request, pk)
    if actions.send_set_password_email(request, target):
        record(request, Action.UPDATE, obj=target, detail={"password_link_sent": True})
        messages.success(request, f"A link to choose a password has been sent to {target.email}.")
    else:
        messages.error(request, "The email could not be sent. Check the address and try again.")
    return redirect("users:detail", pk=target.pk)


@role_required(*MANAGERS)
@require_POST
def user_reset_second_factor(request: HttpRequest, pk: int) -> HttpResponse:
    """Designated officers (own agency) and the central team."""
    target = user_for_manager(request, pk)
    try:
        actions.reset_second_factor(request=request, by=request.user, user=target)
    except actions.CentralTeamOnly as refusal:
        actions.refuse_for_central_team(
            request=request, by=request.user, user=target, refusal=refusal
        )
        messages.error(request, refusal.message)
        return redirect("users:detail", pk=target.pk)
    messages.success(
        request,
        f"{target}'s two-step verification has been reset. They will set it up again when they "
        "next sign in.",
    )
    return redirect("users:detail", pk=target.pk)
