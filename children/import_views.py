"""Importing a transfer summary another authority sent (or LISA's own, when a child comes back).

Step 1 uploads the JSON file and checks it (children/importing.py): nothing is kept unless it is
valid. Step 2 shows the records that may be this child (the duplicate check of adding a child,
at index-card level) and asks: into one of these, or a new record? Step 3 shows what the import
will do and makes it in one transaction (``children.actions.import_transfer_summary``).

The summary waits between the steps in a row only its uploader can reach, by a random token
(children.models.PendingImport): no personal data is ever in an address.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crispy_forms_gds.layout import Field
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from audit.models import Action
from audit.services import record
from children import actions, importing
from children.access import access_for, audit_view, child_for_user
from children.models import Child, Gender, PendingImport, ReceivedSummary
from children.search import likely_duplicates
from lisa.access import deny, role_required
from lisa.forms import apply_errors, helper
from lisa.models import CHILD_ROLES as CHILD_ROLE_SET
from lisa.policy import ChildAccess
from lisa.versioning import show_conflict

CHILD_ROLES = tuple(sorted(CHILD_ROLE_SET))


class UploadForm(forms.Form):
    summary = forms.FileField(
        label="The transfer summary file",
        help_text="The JSON file (ending .json) the other authority sent, smaller than 2 MB",
        error_messages={
            "required": "Choose the transfer summary file",
            "empty": "The chosen file is empty",
            "invalid": "Choose the transfer summary file",
        },
    )
    from_authority = forms.CharField(
        max_length=200,
        label="Which authority sent it?",
        help_text="For example: Kent County Council, Children's Services",
        error_messages={"required": "Enter which authority sent the summary"},
    )
    child = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["summary"].widget.attrs["accept"] = ".json,application/json"
        self.helper = helper(
            Field("summary"),
            Field.text("from_authority", field_width=30),
            Field("child"),
            submit="Check the summary",
        )


class ConfirmForm(forms.Form):
    """Step 3: the record's version when the person saw what the import would do."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)


# --- helpers -------------------------------------------------------------------------------------


def _pending(request: HttpRequest, token: str) -> PendingImport:
    """The person's own upload under ``token``; anyone else's, or an expired one, is 404."""
    since = timezone.now() - actions.PENDING_IMPORT_LIFETIME
    pending = (
        PendingImport.objects.filter(token=token, uploaded_by=request.user, uploaded_at__gte=since)
        .select_related("child")
        .first()
    )
    if pending is None:
        deny(request, "no such upload", not_found=True, object_type="children.pendingimport")
    return pending


def _no_longer_valid(request: HttpRequest, pending: PendingImport) -> HttpResponse | None:
    """An upload that no longer passes LISA's checks (the child has turned 18 since it was
    uploaded, say) is dropped, and the person sent back to upload it again."""
    problems = importing.check(pending.content)
    if not problems:
        return None
    actions.discard_import(request=request, by=request.user, pending=pending)
    messages.error(
        request,
        "The summary no longer passes LISA's checks and was not kept ("
        + "; ".join(str(problem) for problem in problems[:3])
        + "). Upload it again if it is still needed.",
    )
    return redirect("children:import")


def _start_child(request: HttpRequest) -> Child | None:
    """The record the import was started from (its record page links here with its id): only
    one the person may change."""
    raw = (request.POST.get("child") or request.GET.get("child") or "").strip()
    if not raw.isdigit() or len(raw) > 18:
        return None
    return child_for_user(request, int(raw), "edit", audit=False)


@dataclass
class Candidate:
    """A record that may be the child in the summary, as the person may see it."""

    child: Child
    reasons: list[str] = field(default_factory=list)
    exact: bool = False
    address_hidden: bool = False
    may_import: bool = False


def _matches(request: HttpRequest, pending: PendingImport) -> tuple[list[Candidate], list]:
    """The records that may be this child (exact NHS number or UPN matches first, then the same
    LISA reference, the record the import began from, and the likely matches of the duplicate
    check), and the likely matches as the duplicate check gave them."""
    user = request.user
    child = pending.content["child"]
    address = child.get("address") or {}
    exact, likely = likely_duplicates(
        forenames=child["forenames"],
        surname=child["surname"],
        date_of_birth=dt.date.fromisoformat(child["date_of_birth"]),
        postcode=address.get("postcode") or "",
        other_names=child["other_names"],
        nhs_number=child["nhs_number"] or "",
        upn=child["upn"] or "",
        user=user,
    )
    found: dict[int, Candidate] = {}
    for match in exact:
        reasons = []
        if child["nhs_number"] and match.nhs_number == child["nhs_number"]:
            reasons.append("same NHS number")
        if child["upn"] and match.upn == child["upn"]:
            reasons.append("same Unique Pupil Number")
        found[match.pk] = Candidate(match, reasons, exact=True)
    same_ref = Child.objects.filter(lisa_ref=child["lisa_ref"], merged_into__isnull=True).first()
    if same_ref is not None and same_ref.pk not in found:
        found[same_ref.pk] = Candidate(same_ref, ["same LISA reference"])
    started = pending.child
    if started is not None and started.merged_into_id is None and started.pk not in found:
        found[started.pk] = Candidate(started, ["the record you started the import from"])
    for match in likely:
        if match.child.pk not in found:
            found[match.child.pk] = Candidate(
                match.child, list(match.reasons), address_hidden=match.address_hidden
            )
    candidates = []
    for candidate in found.values():
        can = ChildAccess(user, candidate.child)
        if not can.card:  # e.g. an archived record, for all but the central team
            continue
        candidate.may_import = actions.may_import_into(can)
        candidates.append(candidate)
    return candidates, likely


# --- step 1 --------------------------------------------------------------------------------------


@role_required(*CHILD_ROLES)
def upload(request: HttpRequest) -> HttpResponse:
    """Practitioners, designated officers and the central team: anyone who may add a child may
    upload a summary. Whether it may go into a record already on LISA is asked at step 3
    (those who may change that record: children.access need="edit"). Started from a child's
    record (``?child=``), that record must be one the person may change."""
    start = _start_child(request)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"child": start.pk if start else ""},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["summary"]
        if upload.size > importing.MAX_BYTES:
            document, problems = None, [importing.Problem("The file", "must be smaller than 2 MB")]
        else:
            document, problems = importing.read(upload.read(importing.MAX_BYTES + 1))
        if problems:
            for problem in problems:
                form.add_error("summary", str(problem))
            # Nothing is kept: the trail says that a file was refused, and where it was wrong.
            record(
                request,
                Action.VIEW,
                object_type="children.receivedsummary",
                detail={
                    "view": "transfer summary upload",
                    "refused": True,
                    "problems": len(problems),
                    "where": list(dict.fromkeys(p.where for p in problems))[:10],
                },
            )
        else:
            try:
                pending = actions.hold_import(
                    request=request,
                    by=request.user,
                    document=document,
                    from_authority=form.cleaned_data["from_authority"],
                    child=start,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect("children:import-review", token=pending.token)
    return render(
        request,
        "children/import_upload.html",
        {"form": form, "start": start, "title": "Import a transfer summary", "multipart": True},
    )


# --- step 2 --------------------------------------------------------------------------------------


@role_required(*CHILD_ROLES)
def review(request: HttpRequest, token: str) -> HttpResponse:
    """The person who uploaded the summary (anyone else: 404). The records that may be this
    child, at index-card level (a shielded address never shown, nor used to explain a match);
    "import into this record" where the person may change it, "create a new record" unless a
    record has the same NHS number or Unique Pupil Number. The check is audited once."""
    pending = _pending(request, token)
    if refused := _no_longer_valid(request, pending):
        return refused
    if request.method == "POST":
        if "cancel" not in request.POST:
            return redirect("children:import-review", token=token)
        actions.discard_import(request=request, by=request.user, pending=pending)
        messages.info(request, "The import was cancelled: nothing from the summary was kept.")
        return redirect("children:search")
    candidates, _ = _matches(request, pending)
    if actions.note_import_checked(pending) and candidates:
        child = pending.content["child"]
        record(
            request,
            Action.SEARCH,
            object_type="children.child",
            detail={
                "duplicate_check": True,
                "transfer_summary_upload": pending.pk,
                "forenames": child["forenames"],
                "surname": child["surname"],
                "date_of_birth": child["date_of_birth"],
                "exact": [c.child.lisa_ref for c in candidates if c.exact],
                "likely": [c.child.lisa_ref for c in candidates if not c.exact],
            },
        )
    return render(
        request,
        "children/import_review.html",
        {
            "pending": pending,
            "doc": pending.content,
            "values": importing.child_values(pending.content),
            "parents": importing.parent_values(pending.content),
            "candidates": candidates,
            "exact": any(c.exact for c in candidates),
        },
    )


# --- step 3 --------------------------------------------------------------------------------------


@role_required(*CHILD_ROLES)
def confirm_new(request: HttpRequest, token: str) -> HttpResponse:
    """The person who uploaded the summary (anyone else: 404), who may add a child
    (practitioners, designated officers, the central team): a new record from the summary.
    Refused while a record with the same NHS number or Unique Pupil Number is on LISA."""
    pending = _pending(request, token)
    if refused := _no_longer_valid(request, pending):
        return refused
    candidates, likely = _matches(request, pending)
    exact = [c for c in candidates if c.exact]
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if exact:
        form.add_error(
            None,
            "A record on LISA has this child's NHS number or Unique Pupil Number: import the "
            "summary into that record instead",
        )
    elif request.method == "POST" and form.is_valid():
        try:
            received = actions.import_transfer_summary(
                request=request,
                by=request.user,
                pending=pending,
                matches_shown=[match.child for match in likely],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            child = received.child
            messages.success(
                request,
                f"{child.full_name} has been added to LISA as {child.lisa_ref} from the "
                f"transfer summary sent by {received.from_authority}.",
            )
            if access_for(request, child).full:
                return redirect("children:received-summary", pk=child.pk, item_pk=received.pk)
            return redirect("children:card", pk=child.pk)
    values = importing.child_values(pending.content)
    return render(
        request,
        "children/import_new.html",
        {
            "form": form,
            "pending": pending,
            "values": values,
            "gender": Gender(values["gender"]).label,
            "address": [values[name] for name in importing.ADDRESS if values[name]],
            "parents": importing.parent_values(pending.content),
            "exact": exact,
            "likely": [c for c in candidates if not c.exact],
        },
    )


@role_required(*CHILD_ROLES)
def confirm_into(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """The person who uploaded the summary (anyone else: 404), into a record they may change
    (practitioners involved with the child, their agency's designated officer, the central
    team: children.access need="edit"; others are refused). What the import fills in, and each
    difference (LISA's value kept), is shown before it is made."""
    pending = _pending(request, token)
    child = child_for_user(request, pk, "edit", audit=False)
    if refused := _no_longer_valid(request, pending):
        return refused
    if child.pk != pk:
        return redirect("children:import-into", token=token, pk=child.pk)
    form = ConfirmForm(
        request.POST if request.method == "POST" else None, initial={"version": child.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            received = actions.import_transfer_summary(
                request=request,
                by=request.user,
                pending=pending,
                into=child,
                version=form.cleaned_data["version"] or None,
            )
        except actions.ConcurrentEditError as error:
            show_conflict(
                form,
                error.current,
                "Someone else changed this child's record while you were checking the import. "
                "What the import would do now is shown below: check it and import again.",
            )
            child = error.current
        except ValidationError as error:
            apply_errors(form, error)
        else:
            kept = len(received.conflicts)
            messages.success(
                request,
                f"The transfer summary from {received.from_authority} has been imported into "
                f"{child.full_name}'s record."
                + (
                    f" {kept} detail{'s' if kept != 1 else ''} differed: LISA's kept, as listed."
                    if kept
                    else ""
                ),
            )
            return redirect("children:received-summary", pk=child.pk, item_pk=received.pk)
    can = access_for(request, child)
    plan = importing.compare(child, pending.content, can)
    audit_view(request, child, "import a transfer summary")
    return render(
        request,
        "children/import_into.html",
        {"form": form, "pending": pending, "child": child, "can": can, "plan": plan},
    )


# --- what was received ---------------------------------------------------------------------------


@role_required(*CHILD_ROLES)
def received_summary(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Part of the full record: practitioners involved with the child, their agency's
    designated officer, the central team, or someone within a break-glass grant (audited with
    its reason). The addresses in it only to those who may see the child's address, and a
    sensitive service of LISA named in it only to those who may know of it."""
    child = child_for_user(request, pk, "full", audit=False)
    received = (
        ReceivedSummary.objects.filter(pk=item_pk, child=child)
        .select_related("imported_by", "imported_by__agency")
        .first()
    )
    if received is None:
        deny(
            request,
            "no such received summary",
            not_found=True,
            object_type="children.receivedsummary",
            object_id=item_pk,
            child=child.pk,
        )
    can = access_for(request, child)
    audit_view(request, child, "received transfer summary", received_summary=received.pk)
    return render(
        request,
        "children/received_summary.html",
        {
            "child": child,
            "can": can,
            "received": received,
            "doc": importing.readable(received.content, can, received.conflicts),
        },
    )
