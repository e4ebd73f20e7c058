"""Marking a meeting, a support plan or one of its actions as entered in error: with a reason,
never removed ("Meetings, plans and actions are never deleted")."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from lisa.access import role_required
from lisa.forms import ReasonForm, submit
from meetings import actions
from meetings.access import action_for_user
from meetings.views import CHILD_ROLES, _changing, _changing_plan, _form_page, _plan_form_page

INTRO = "It stays in the children's records, marked as wrong, with your reason."


def _form(request: HttpRequest, record, what: str) -> ReasonForm:
    return ReasonForm(
        request.POST or None,
        label=f"Why is this {what} wrong?",
        submit="Mark as entered in error",
        warning=True,
        version=record.version,
        required_message="Say why it is wrong",
    )


@role_required(*CHILD_ROLES)
def meeting_in_error(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair, the lead professional and the central team: a wrong meeting."""
    meeting = _changing(request, pk)
    form = _form(request, meeting, "meeting")
    saved = submit(
        request,
        form,
        lambda data: actions.meeting_entered_in_error(
            request=request,
            by=request.user,
            meeting=meeting,
            version=data["version"],
            reason=data["reason"],
        ),  # fmt: skip
        done="The meeting has been marked as entered in error.",
        to=reverse("meetings:detail", args=[meeting.pk]),
    )
    return saved or _form_page(
        request, "meetings/form.html", meeting, form, "meeting entered in error form",
        title="Mark this meeting as entered in error", intro=INTRO,
    )  # fmt: skip


@role_required(*CHILD_ROLES)
def plan_in_error(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead professional, the chair and the central team: a wrong support plan."""
    plan = _changing_plan(request, pk)
    form = _form(request, plan, "plan")
    saved = submit(
        request,
        form,
        lambda data: actions.plan_entered_in_error(
            request=request,
            by=request.user,
            plan=plan,
            version=data["version"],
            reason=data["reason"],
        ),  # fmt: skip
        done="The support plan has been marked as entered in error.",
        to=reverse("meetings:plan", args=[plan.pk]),
    )
    return saved or _plan_form_page(
        request, plan, form, "plan entered in error form",
        "Mark this support plan as entered in error", intro=INTRO,
    )  # fmt: skip


@role_required(*CHILD_ROLES)
def action_in_error(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead professional, the chair and the central team: a wrong action on the plan."""
    plan_action = action_for_user(request, pk, audit=False)
    plan = _changing_plan(request, plan_action.plan_id)
    form = _form(request, plan_action, "action")
    saved = submit(
        request,
        form,
        lambda data: actions.action_entered_in_error(
            request=request,
            by=request.user,
            action=plan_action,
            version=data["version"],
            reason=data["reason"],
        ),  # fmt: skip
        done="The action has been marked as entered in error.",
        to=reverse("meetings:plan", args=[plan.pk]),
    )
    return saved or _plan_form_page(
        request, plan, form, "action entered in error form",
        f"Mark the action “{plan_action.what}” as entered in error", intro=INTRO,
    )  # fmt: skip
