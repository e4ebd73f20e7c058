"""Transitions: a change of school (recorded by an involved practitioner, a school's designated
officer or the central team, now or from a later date) and a move out of the area."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit.models import Action
from audit.services import record
from children import actions
from children.access import access_for, audit_view, child_for_user
from children.forms import MoveOutForm, SchoolChangeForm, TransferSummaryForm
from children.models import SchoolChange, SchoolChangeStatus
from lisa.access import deny, role_required
from lisa.forms import submit
from lisa.models import CHILD_ROLES, Agency, AgencyType, Role, User
from lisa.pdf import pdf_response, render_pdf

ADDRESS = ("address_line_1", "address_line_2", "town", "postcode")


def _done(change: SchoolChange) -> str:
    if change.status == SchoolChangeStatus.APPLIED:
        return f"The child's school is now {change.new_school}."
    return (
        f"The move to {change.new_school} is recorded: it takes effect on "
        f"{change.effective_on:%-d %B %Y}."
    )


@role_required(*sorted(CHILD_ROLES))
def change_school(request: HttpRequest, pk: int) -> HttpResponse:
    """Involved practitioners, the old or new school's designated officer, and the central
    team (children.access: ``change_school``)."""
    child = child_for_user(request, pk, "card", audit=False)
    if not access_for(request, child).change_school:
        deny(
            request,
            "only those involved, a school's designated officer or the central team may "
            "change the child's school",
            object_type="children.child",
            object_id=child.pk,
            child=child.pk,
        )
    schools = Agency.objects.filter(agency_type=AgencyType.EDUCATION, is_active=True).order_by(
        "name"
    )
    staff = (
        User.objects.filter(
            is_active=True,
            training_date__isnull=False,
            agency__agency_type=AgencyType.EDUCATION,
            roles__overlap=[Role.PRACTITIONER, Role.DESIGNATED_OFFICER],
        )
        .select_related("agency")
        .order_by("agency__name", "last_name", "first_name")
    )
    form = SchoolChangeForm(
        request.POST or None,
        initial={"version": child.version},
        schools=schools,
        staff=staff,
    )
    saved = submit(
        request,
        form,
        lambda data: actions.change_school(
            request=request,
            by=request.user,
            child=child,
            version=data.get("version") or child.version,
            to_agency=data.get("to_agency"),
            to_school_name=data.get("to_school_name", ""),
            nominated=data.get("nominated"),
            effective_on=data["effective_on"],
        ),
        done=_done,
        to=f"/children/{child.pk}/",
    )
    if saved is not None:
        return saved
    waiting = SchoolChange.objects.filter(
        child=child, status=SchoolChangeStatus.SCHEDULED
    ).select_related("to_agency")
    audit_view(request, child, "change of school form")
    return render(
        request,
        "children/change_school.html",
        {"form": form, "child": child, "waiting": list(waiting)},
    )


@role_required(*sorted(CHILD_ROLES))
def moved_out(request: HttpRequest, pk: int) -> HttpResponse:
    """Those who may change the child's record: the practitioners involved, their agencies'
    designated officers and the central team (children.access: ``edit``)."""
    child = child_for_user(request, pk, "full", audit=False)
    if not access_for(request, child).edit:
        deny(
            request,
            "only those involved or the central team may record a move",
            object_type="children.child",
            object_id=child.pk,
            child=child.pk,
        )
    form = MoveOutForm(request.POST or None, initial={"version": child.version})

    def record_move(data):
        address = {name: data.get(name, "") for name in ADDRESS}
        return actions.move_out(
            request=request,
            by=request.user,
            child=child,
            version=data.get("version") or child.version,
            moved_on=data["moved_on"],
            authority=data["authority"],
            contact_team=data.get("contact_team", ""),
            contact_email=data.get("contact_email", ""),
            contact_phone=data.get("contact_phone", ""),
            address=address,
            shielded=True if data.get("shielded") else None,
        )

    saved = submit(
        request,
        form,
        record_move,
        done=lambda move: (
            f"Recorded as moved out of the area to {move.authority}. The practitioners' "
            f"involvement ends on {move.involvements_end_on:%-d %B %Y}."
        ),
        to=f"/children/{child.pk}/record/",
    )
    if saved is not None:
        return saved
    audit_view(request, child, "moved out form")
    return render(
        request,
        "children/moved_out.html",
        {"form": form, "child": child, "grace_days": settings.LISA_MOVE_OUT_GRACE_DAYS},
    )


def _summary_child(request: HttpRequest, pk: int):
    child = child_for_user(request, pk, "full", audit=False)
    if not actions.may_produce_transfer_summary(access_for(request, child)):
        deny(
            request,
            "only those involved or the central team may produce a transfer summary",
            object_type="children.child",
            object_id=child.pk,
            child=child.pk,
        )
    return child


@role_required(*sorted(CHILD_ROLES))
def transfer_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead professional, an involved practitioner or the central team."""
    from consent.models import Agreement, Decision, SharingDecision

    child = _summary_child(request, pk)
    agreements = Agreement.objects.filter(
        child=child, entered_in_error=False, decision=Decision.AGREE, withdrawn_on__isnull=True
    ).order_by("-signed_on")
    decisions = SharingDecision.objects.filter(child=child, entered_in_error=False).order_by(
        "-decided_on"
    )
    move = child.moves_out.first()
    form = TransferSummaryForm(
        request.POST or None,
        initial={"for_authority": move.authority if move else ""},
        agreements=list(agreements),
        decisions=list(decisions),
    )
    saved = submit(
        request,
        form,
        lambda data: actions.produce_transfer_summary(
            request=request,
            by=request.user,
            child=child,
            for_authority=data["for_authority"],
            agreement=data.get("agreement"),
            decision=data.get("decision"),
        ),
        done=lambda summary: f"The transfer summary for {summary.for_authority} is ready.",
        to=f"/children/{child.pk}/transfer-summary/",
    )
    if saved is not None:
        return saved
    produced = child.transfer_summaries.select_related("produced_by").all()
    audit_view(request, child, "transfer summaries")
    return render(
        request,
        "children/transfer_summary.html",
        {
            "form": form,
            "child": child,
            "produced": produced,
            "no_basis": not form.fields["basis"].choices,
        },
    )


def _summary(request: HttpRequest, pk: int, item_pk: int):
    child = _summary_child(request, pk)
    summary = child.transfer_summaries.filter(pk=item_pk).first()
    if summary is None:
        deny(request, "no such summary", not_found=True, object_type="children.transfersummary")
    return child, summary


@role_required(*sorted(CHILD_ROLES))
def transfer_summary_json(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The lead professional, an involved practitioner or the central team; audited."""
    import json

    from django.http import HttpResponse as Response

    child, summary = _summary(request, pk, item_pk)
    record(request, Action.DOWNLOAD, obj=summary, child=child, detail={"format": "json"})
    response = Response(
        json.dumps(summary.content, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="transfer-summary-{child.lisa_ref}-{summary.pk}.json"'
    )
    response["Cache-Control"] = "no-store, private"
    return response


@role_required(*sorted(CHILD_ROLES))
def transfer_summary_pdf(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The lead professional, an involved practitioner or the central team; audited."""
    child, summary = _summary(request, pk, item_pk)
    record(request, Action.PRINT, obj=summary, child=child, detail={"format": "pdf"})
    pdf = render_pdf(
        "children/transfer_summary_pdf.html",
        {"summary": summary, "doc": summary.content},
        request=request,
    )
    return pdf_response(pdf, f"transfer-summary-{child.lisa_ref}-{summary.pk}.pdf")
