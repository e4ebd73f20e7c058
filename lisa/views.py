"""Sign-in, home pages, the account page, error pages and the health check."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.db import connection
from django.db.models import F, Func, Subquery, Value
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audit.models import Action, AuditEvent, Outcome
from audit.services import record, record_denied
from lisa import actions, compiled
from lisa.access import public, reading_page, signed_in
from lisa.forms import SignInForm
from lisa.models import Agency, Role, User
from lisa.second_factor import has_device

# --- signing in and out -------------------------------------------------------------------

sign_in = public(
    never_cache(
        auth_views.LoginView.as_view(
            template_name="lisa/sign_in.html",
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
        )
    )
)


@public
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Anyone: signing out is harmless, and POST-only so a link cannot sign someone out."""
    if request.user.is_authenticated:
        logout(request)
        messages.success(request, "You have signed out.")
    return redirect("sign-in")


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """Shown by django-axes instead of the sign-in page once the limit of failures is reached."""
    return render(
        request,
        "lisa/locked_out.html",
        {
            # Locked for the username from every address, not only for this one.
            "everywhere": getattr(request, "lisa_username_locked", False),
            "minutes": round(settings.AXES_COOLOFF_TIME * 60),
        },
        status=429,
    )


# --- setting and changing passwords ---------------------------------------------------------


class _SetPasswordView(auth_views.PasswordResetConfirmView):
    template_name = "lisa/set_password.html"
    success_url = reverse_lazy("set-password-done")

    def form_valid(self, form):
        response = super().form_valid(form)
        record(
            self.request, Action.UPDATE, obj=form.user, user=form.user, detail={"password": "set"}
        )
        return response


class _ForgottenPasswordView(auth_views.PasswordResetView):
    template_name = "lisa/forgotten_password.html"
    email_template_name = "lisa/email/reset_password.txt"
    subject_template_name = "lisa/email/reset_password_subject.txt"
    success_url = reverse_lazy("forgotten-password-sent")

    def form_valid(self, form):
        # Nothing here depends on whether the address has an account: the worker looks it up
        # and sends the email (lisa.actions.send_password_reset).
        actions.request_password_reset(request=self.request, email=form.cleaned_data["email"])
        return redirect(self.get_success_url())


class _ChangePasswordView(auth_views.PasswordChangeView):
    template_name = "lisa/change_password.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        record(self.request, Action.UPDATE, obj=form.user, detail={"password": "changed"})
        messages.success(self.request, "Your password has been changed.")
        return response


set_password = public(never_cache(_SetPasswordView.as_view()))
set_password_done = public(
    auth_views.PasswordResetCompleteView.as_view(template_name="lisa/set_password_done.html")
)
forgotten_password = public(never_cache(_ForgottenPasswordView.as_view()))
forgotten_password_sent = public(
    auth_views.PasswordResetDoneView.as_view(template_name="lisa/forgotten_password_sent.html")
)
change_password = signed_in(_ChangePasswordView.as_view())


# --- pages ---------------------------------------------------------------------------------


def _count(rows) -> Subquery:
    """``SELECT count(*)`` of ``rows``, as a column of another query."""
    return Subquery(rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))


def _central_numbers(user: User) -> dict:
    """The counts on the central team's home page, in one query."""
    since = timezone.now() - dt.timedelta(days=1)
    active_users = User.objects.filter(is_active=True)
    columns = {
        "agencies": _count(Agency.objects.filter(is_active=True)),
        "trained": _count(active_users.filter(training_date__isnull=False)),
        "awaiting": _count(active_users.filter(training_date__isnull=True)),
        "refusals": _count(AuditEvent.objects.filter(at__gte=since, outcome=Outcome.DENIED)),
    }
    return User.objects.filter(pk=user.pk).order_by().values(**columns).get()


AWAITING_TRAINING_SHOWN = 10


def _agency_people_rows(user: User):
    """The rows of :func:`_agency_people`."""
    agency_users = User.objects.filter(agency_id=user.agency_id)
    officers = agency_users.filter(is_active=True, roles__contains=[Role.DESIGNATED_OFFICER])
    if not user.is_designated_officer:
        return officers
    counts = {
        "agency_active": _count(agency_users.filter(is_active=True, training_date__isnull=False)),
        "agency_awaiting": _count(agency_users.filter(is_active=True, training_date__isnull=True)),
        "agency_deactivated": _count(agency_users.filter(is_active=False)),
    }
    awaiting = agency_users.filter(is_active=True, training_date__isnull=True)
    return officers.annotate(lisa_officer=Value(True), **counts).union(
        awaiting.annotate(lisa_officer=Value(False), **counts).order_by(
            "last_name", "first_name", "pk"
        )[:AWAITING_TRAINING_SHOWN],
        all=True,
    )


def _my_events(user: User):
    return AuditEvent.objects.filter(user=user).only("at", "action", "outcome", "path")[:5]


def _agency_people(user: User) -> dict:
    """The designated officers of the person's agency; for one of those officers, the first
    people awaiting training and the agency's counts too. One query: the officers and those
    awaiting training together, each row carrying the counts (the officer reading the page is
    always one of the rows)."""
    rows = compiled.rows("home_agency_people", _agency_people_rows, user=user)
    if not user.is_designated_officer:
        return {"designated_officers": rows}
    by_name = sorted(rows, key=lambda person: (person.last_name, person.first_name, person.pk))
    return {
        "designated_officers": [person for person in by_name if person.lisa_officer],
        "awaiting_training": [person for person in by_name if not person.lisa_officer],
        "agency_counts": {
            key: getattr(rows[0], f"agency_{key}", 0) if rows else 0
            for key in ("active", "awaiting", "deactivated")
        },
    }


@reading_page
@signed_in
def home(request: HttpRequest) -> HttpResponse:
    """Any signed-in user: a home page with a section for each role they hold."""
    user: User = request.user
    context: dict = {"user": user}
    # The central team manages access itself: only one who is a designated officer too is
    # shown their agency's officers and people.
    if user.agency_id and (user.is_designated_officer or not user.is_central_team):
        context.update(_agency_people(user))
    # Each section's SQL is worked out once per process (lisa/compiled.py).
    context["my_events"] = compiled.rows("home_my_events", _my_events, user=user)
    if user.has_role(Role.PRACTITIONER, Role.DESIGNATED_OFFICER, Role.CENTRAL_TEAM):
        from messaging.access import home_summary

        context["unread_messages"] = home_summary(request)
    if user.is_practitioner:
        from concerns.home import home_sections

        context.update(home_sections(request, user))
    from meetings.home import home_sections as meeting_sections

    context.update(meeting_sections(user))
    if user.is_central_team:
        numbers = _central_numbers(user)
        context["central"] = {
            "agencies": numbers["agencies"],
            "users": {"trained": numbers["trained"], "awaiting": numbers["awaiting"]},
            "refusals": numbers["refusals"],
        }
        context["recent_refusals"] = list(
            AuditEvent.objects.filter(outcome=Outcome.DENIED).select_related("agency")[:8]
        )
        from subject_access.home import home_section as subject_access_section

        context.update(subject_access_section(request))
    if user.is_directory_editor:
        from directory.models import Service

        context["my_services"] = list(
            Service.objects.filter(editors=user).select_related("organisation").order_by("name")
        )
    if user.is_system_admin:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM django_migrations")
            migrations_applied = cursor.fetchone()[0]
        context["system"] = {
            "database": "embedded" if settings.EMBEDDED_DATABASE else "external",
            "server_version": version,
            "migrations_applied": migrations_applied,
            "production": settings.PRODUCTION,
            "audit_events": AuditEvent.objects.count(),
        }
    return render(request, "lisa/home.html", context)


@signed_in
def account(request: HttpRequest) -> HttpResponse:
    """Any signed-in user: their own details."""
    return render(
        request,
        "lisa/account.html",
        {"account": request.user, "has_second_factor": has_device(request)},
    )


@public
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "lisa/accessibility.html")


@public
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "database unavailable"}, status=503)


# --- errors --------------------------------------------------------------------------------


def forbidden(request: HttpRequest, exception=None) -> HttpResponse:
    """Every refusal is audited (outside the refused request's rolled-back transaction)."""
    details = dict(getattr(request, "lisa_denied", {}))
    reason = details.pop("reason", None) or (
        str(exception) if exception and str(exception) else "not allowed"
    )
    record_denied(request, reason, **details)
    return render(request, "403.html", {"reason": reason}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    record_denied(request, f"CSRF check failed: {reason}")
    return render(request, "lisa/csrf_failure.html", status=403)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "400.html", status=400)
