"""Consent to share: recording agreements and decisions to share without consent, printing the
handbook's forms, and attaching signed scans.

Every view opens the child through :func:`children.access.child_for_user` (the full record:
consent is part of it); every print and download is audited.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from audit.models import Action
from audit.services import record
from children.access import access_for, audit_view, child_for_user, owned_record_for_user
from children.models import Child
from consent import actions, printing, rules, uploads
from consent.forms import (
    AgreementForm,
    CopiesForm,
    InformationRequestForm,
    ScanForm,
    SharingDecisionForm,
    WithdrawalForm,
)
from consent.models import Agreement, Decision, InformationRequest, Kind, SharingDecision
from lisa.access import deny, role_required
from lisa.forms import ReasonForm, apply_errors, submit
from lisa.models import CHILD_ROLES as CHILD_ROLE_SET
from lisa.pdf import pdf_response
from lisa.versioning import show_conflict

CHILD_ROLES = tuple(sorted(CHILD_ROLE_SET))
KINDS = {"parent-carer": Kind.PARENT_CARER, "young-person": Kind.YOUNG_PERSON}
SLUGS = {kind: slug for slug, kind in KINDS.items()}


def _kind(slug: str) -> Kind:
    if slug not in KINDS:
        raise Http404("No such form")
    return KINDS[slug]


def _large(request: HttpRequest) -> bool:
    return request.GET.get("size") == "large"


def _agreement(request: HttpRequest, child: Child, item_pk: int) -> Agreement:
    return owned_record_for_user(
        request,
        Agreement,
        item_pk,
        child=child,
        related=("child", "parent", "professional", "agency"),
    )


# --- the child's consent ----------------------------------------------------------------------


@role_required(*CHILD_ROLES)
def child_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Part of the full record: those with a legitimate relationship, or a current break-glass
    grant. Lists every agreement and decision, entered-in-error ones too."""
    child = child_for_user(request, pk, "full")
    if child.pk != pk:
        return redirect("consent:child", pk=child.pk)
    agreements = list(
        Agreement.objects.filter(child=child).select_related(
            "parent", "professional", "agency", "withdrawal_recorded_by"
        )
    )
    decisions = list(
        SharingDecision.objects.filter(child=child).select_related("refusal", "created_by")
    )
    requests = list(InformationRequest.objects.filter(child=child))
    access = access_for(request, child)
    for agreement in agreements:
        agreement.author_label = access.author(agreement.professional, agreement.agency)
        # Who assessed understanding is named only where the recording service may be.
        agreement.author_shown = access.see_agency(agreement.agency)
    return render(
        request,
        "consent/child.html",
        {
            "child": child,
            "position": rules.consent_position(child),
            "agreements": agreements,
            "decisions": decisions,
            "requests": requests,
            "can_record": rules.can_record_consent(request.user, child),
            "slugs": SLUGS,
        },
    )


@role_required(*CHILD_ROLES)
def record_agreement(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Those with a legitimate relationship to the child (break glass only reads)."""
    kind = _kind(kind)
    child = child_for_user(request, pk, "edit", audit=False)
    parents = list(child.parents.filter(entered_in_error=False))
    form = AgreementForm(request.POST or None, kind=kind, parents=parents)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_agreement(
                request=request, by=request.user, child=child, kind=kind, values=form.values()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"The {kind.label.lower()} has been recorded.")
            return redirect("consent:child", pk=child.pk)
    audit_view(request, child, f"record {kind.label.lower()} form")
    return render(
        request,
        "consent/agreement_form.html",
        {
            "form": form,
            "child": child,
            "kind": kind,
            "slug": SLUGS[kind],
            "title": f"Record a {kind.label.lower()}",
            "no_parents": kind == Kind.PARENT_CARER and not parents,
        },
    )


@role_required(*CHILD_ROLES)
def withdraw(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child; concurrent saves refused."""
    child = child_for_user(request, pk, "edit", audit=False)
    agreement = _agreement(request, child, item_pk)
    form = WithdrawalForm(request.POST or None, initial={"version": agreement.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.withdraw(
                request=request,
                by=request.user,
                agreement=agreement,
                version=data["version"],
                withdrawn_on=data["withdrawn_on"],
                withdrawn_by=data["withdrawn_by"],
                how=data["how"],
            )
        except actions.ConcurrentEditError as error:
            show_conflict(
                form,
                error.current,
                "Someone else changed this agreement while you were editing. Check it and try "
                "again; your changes have not been saved.",
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The withdrawal has been recorded.")
            return redirect("consent:child", pk=child.pk)
    audit_view(request, child, "withdraw agreement form", agreement=agreement.pk)
    return render(
        request,
        "consent/simple_form.html",
        {"form": form, "child": child, "title": f"Record the withdrawal of the {agreement}"},
    )


@role_required(*CHILD_ROLES)
def copies(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child; concurrent saves refused."""
    child = child_for_user(request, pk, "edit", audit=False)
    agreement = _agreement(request, child, item_pk)
    initial = {
        "version": agreement.version,
        "copy_to_child": agreement.copy_to_child,
        "copy_to_child_on": agreement.copy_to_child_on,
        "copy_to_coordinator": agreement.copy_to_coordinator,
        "copy_to_coordinator_on": agreement.copy_to_coordinator_on,
    }
    form = CopiesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_copies(
                request=request,
                by=request.user,
                agreement=agreement,
                version=form.cleaned_data["version"],
                values=form.cleaned_data,
            )
        except actions.ConcurrentEditError as error:
            show_conflict(
                form,
                error.current,
                "Someone else changed this agreement while you were editing. Check it and try "
                "again; your changes have not been saved.",
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The copies have been recorded.")
            return redirect("consent:child", pk=child.pk)
    audit_view(request, child, "agreement copies form", agreement=agreement.pk)
    return render(
        request,
        "consent/simple_form.html",
        {
            "form": form,
            "child": child,
            "title": "Copies to child/young person and LISA Co-ordinator",
        },
    )


@role_required(*CHILD_ROLES)
def agreement_error(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child."""
    child = child_for_user(request, pk, "edit", audit=False)
    agreement = _agreement(request, child, item_pk)
    form = ReasonForm(
        request.POST or None,
        label="Why is this entry wrong?",
        submit="Mark as entered in error",
        warning=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.agreement_entered_in_error(
                request=request,
                by=request.user,
                agreement=agreement,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The agreement has been marked as entered in error.")
            return redirect("consent:child", pk=child.pk)
    audit_view(request, child, "agreement entered in error form", agreement=agreement.pk)
    return render(
        request,
        "consent/simple_form.html",
        {
            "form": form,
            "child": child,
            "title": f"Mark the {agreement} as entered in error",
            "intro": "The entry stays in the record's history, marked as wrong, with your reason.",
        },
    )


# --- scans ------------------------------------------------------------------------------------


@role_required(*CHILD_ROLES)
def scan_upload(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child: a PDF, JPEG or PNG, checked by content
    and smaller than 10 MB."""
    child = child_for_user(request, pk, "edit", audit=False)
    agreement = _agreement(request, child, item_pk)
    form = ScanForm(
        request.POST or None, request.FILES or None, initial={"version": agreement.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.attach_scan(
                request=request,
                by=request.user,
                agreement=agreement,
                upload=form.cleaned_data["scan"],
                version=form.cleaned_data["version"] or None,
            )
        except actions.ConcurrentEditError as error:
            show_conflict(
                form,
                error.current,
                "Someone else attached a scan or changed this agreement while you were "
                "choosing the file. Nothing has been replaced: check the agreement and attach "
                "the scan again if it is still needed.",
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The scanned form has been attached.")
            return redirect("consent:child", pk=child.pk)
    audit_view(request, child, "attach scan form", agreement=agreement.pk)
    return render(
        request,
        "consent/simple_form.html",
        {
            "form": form,
            "child": child,
            "title": "Attach the scanned signed form",
            "multipart": True,
        },
    )


@role_required(*CHILD_ROLES)
def scan_download(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Part of the full record (legitimate relationship or break glass); every download is
    audited, and the file is always sent as an attachment."""
    child = child_for_user(request, pk, "full", audit=False)
    agreement = _agreement(request, child, item_pk)
    if not agreement.scan_name:
        raise Http404("No scan attached")
    path = uploads.scan_path(agreement.scan_name)
    if not path.is_file():
        raise Http404("The scan is missing")
    record(
        request,
        Action.DOWNLOAD,
        obj=agreement,
        child=child,
        detail={"scan": agreement.scan_name.rsplit(".", 1)[-1]},
    )
    extension = agreement.scan_name.rsplit(".", 1)[-1]
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=f"lisa-agreement-{child.lisa_ref}-{agreement.pk}.{extension}",
        content_type=agreement.scan_content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


# --- printing ---------------------------------------------------------------------------------


def _print(request: HttpRequest, context: dict, *, child: Child | None, obj=None) -> HttpResponse:
    pdf = printing.render_form(context, request=request)
    record(
        request,
        Action.PRINT,
        obj=obj,
        object_type="" if obj is not None else "consent.form",
        object_id="" if obj is not None else context["kind"],
        child=child,
        detail={"form": context["kind"], "large_print": context["large"]},
    )
    return pdf_response(pdf, printing.filename(context))


@role_required(*CHILD_ROLES)
def print_agreement(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Part of the full record (legitimate relationship or break glass); audited as a print."""
    child = child_for_user(request, pk, "full", audit=False)
    agreement = _agreement(request, child, item_pk)
    context = printing.form_context(
        agreement.kind,
        agreement=agreement,
        large=_large(request),
        access=access_for(request, child),
    )
    return _print(request, context, child=child, obj=agreement)


@role_required(*CHILD_ROLES)
def print_form(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Part of the full record: the form pre-filled with the child's name, the practitioner and
    their agency, ready to sign; audited as a print."""
    kind = _kind(kind)
    child = child_for_user(request, pk, "full", audit=False)
    parent = None
    parent_id = request.GET.get("parent", "")
    if kind == Kind.PARENT_CARER and parent_id.isdigit():
        parent = child.parents.filter(pk=int(parent_id), entered_in_error=False).first()
    context = printing.form_context(
        kind, child=child, professional=request.user, parent=parent, large=_large(request)
    )
    return _print(request, context, child=child)


@role_required(*CHILD_ROLES)
def print_blank(request: HttpRequest, kind: str) -> HttpResponse:
    """Any practitioner, designated officer or the central team: a blank form for a child not
    yet on LISA, pre-filled with the practitioner and agency only; audited as a print."""
    kind = _kind(kind)
    context = printing.form_context(kind, professional=request.user, large=_large(request))
    return _print(request, context, child=None)


# --- decisions to share without consent -------------------------------------------------------


@role_required(*CHILD_ROLES)
def record_sharing_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child."""
    child = child_for_user(request, pk, "edit", audit=False)
    refusals = list(
        Agreement.objects.filter(
            child=child, entered_in_error=False, decision=Decision.DO_NOT_AGREE
        )
    )
    form = SharingDecisionForm(request.POST or None, refusals=refusals)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values["refusal"] = int(values["refusal"]) if values.get("refusal") else None
        try:
            actions.record_sharing_decision(
                request=request, by=request.user, child=child, values=values
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The decision to share without consent has been recorded.")
            return redirect("consent:child", pk=child.pk)
    audit_view(request, child, "decision to share without consent form")
    return render(
        request,
        "consent/simple_form.html",
        {
            "form": form,
            "child": child,
            "title": "Record a decision to share without consent",
            "intro": "Should a parent refuse to give consent to share information about their "
            "child who has been identified as vulnerable, the professionals involved may "
            "legitimately exchange information to safeguard the child, protect his/her health "
            "or morals, protect the rights and freedoms of others or prevent disorder or crime.",
        },
    )


@role_required(*CHILD_ROLES)
def sharing_decision_error(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child."""
    child = child_for_user(request, pk, "edit", audit=False)
    decision = SharingDecision.objects.filter(pk=item_pk, child=child).first()
    if decision is None:
        deny(
            request,
            "no such decision",
            not_found=True,
            object_type="consent.sharingdecision",
            object_id=item_pk,
            child=child.pk,
        )
    form = ReasonForm(
        request.POST or None,
        label="Why is this entry wrong?",
        submit="Mark as entered in error",
        warning=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.sharing_decision_entered_in_error(
                request=request,
                by=request.user,
                decision=decision,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The decision has been marked as entered in error.")
            return redirect("consent:child", pk=child.pk)
    audit_view(request, child, "sharing decision entered in error form", decision=decision.pk)
    return render(
        request,
        "consent/simple_form.html",
        {
            "form": form,
            "child": child,
            "title": "Mark the decision to share without consent as entered in error",
            "intro": "The entry stays in the record's history, marked as wrong, with your reason.",
        },
    )


@role_required(*CHILD_ROLES)
def record_information_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Those with a legitimate relationship to the child."""
    child = child_for_user(request, pk, "edit", audit=False)
    form = InformationRequestForm(request.POST or None)
    saved = submit(
        request,
        form,
        lambda data: actions.record_information_request(
            request=request, by=request.user, child=child, values=data
        ),
        done="The request for information and the decision on it have been recorded.",
        to=f"/consent/child/{child.pk}/",
    )
    if saved is not None:
        return saved
    audit_view(request, child, "request for information form")
    return render(
        request,
        "consent/simple_form.html",
        {
            "form": form,
            "child": child,
            "title": "Record a request for information",
            "intro": "A request from another agency or authority for information about the "
            "child, and the decision on it. Record the reasons whether or not you share.",
        },
    )
