"""Subject access requests: the central team records a request, reviews the information about
other people that the answer would carry, releases the answer and downloads it as a PDF and a
JSON file. Every page is for the central team only, and every view, change and download is
audited under the child."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from audit.models import Action
from audit.services import record
from children.access import audit_siblings, audit_view, child_for_user, owned_record_for_user
from children.models import Child
from lisa.access import deny, role_required
from lisa.forms import submit
from lisa.models import Role
from lisa.pdf import pdf_response, render_pdf
from subject_access import actions, content
from subject_access.forms import ReleaseForm, RequestForm
from subject_access.models import RequestStatus, SubjectAccessRequest

PAGE_SIZE = 50
# Which requests the list shows, and in what order.
LISTS = {
    "open": ("Open", {"status": RequestStatus.OPEN}, ("due_on", "pk")),
    "released": ("Released", {"status": RequestStatus.RELEASED}, ("-released_at", "-pk")),
    "all": ("All", {}, ("status", "due_on", "pk")),
}


def _request_for(request: HttpRequest, pk: int) -> SubjectAccessRequest:
    """The request ``pk`` with its child (opened through the child's access check)."""
    return owned_record_for_user(
        request,
        SubjectAccessRequest,
        pk,
        "full",
        related=("requester_parent", "recorded_by", "released_by"),
        audit=False,
    )


def _parents(child: Child) -> list:
    return list(child.parents.filter(entered_in_error=False).order_by("name", "pk"))


@role_required(Role.CENTRAL_TEAM)
def request_list(request: HttpRequest) -> HttpResponse:
    """Central team only: every subject access request, the open ones by deadline (overdue
    first); the children listed are audited as seen."""
    which = request.GET.get("status", "open")
    if which not in LISTS:
        which = "open"
    _, filters, order = LISTS[which]
    requests = (
        SubjectAccessRequest.objects.filter(**filters).select_related("child").order_by(*order)
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    record(
        request,
        Action.VIEW,
        object_type="children.child",
        detail={
            "view": "subject access requests",
            "status": which,
            "shown": sorted({sar.child.lisa_ref for sar in page.object_list}),
        },
    )
    return render(
        request,
        "subject_access/list.html",
        {
            "page": page,
            "which": which,
            "lists": [(key, label) for key, (label, _, _) in LISTS.items()],
            "query": f"status={which}",
        },
    )


@role_required(Role.CENTRAL_TEAM)
def child_requests(request: HttpRequest, pk: int) -> HttpResponse:
    """Central team only: the child's subject access requests, and recording a new one."""
    child = child_for_user(request, pk, "full", audit=False)
    form = RequestForm(request.POST or None, parents=_parents(child))
    saved = submit(
        request,
        form,
        lambda data: actions.record_request(
            request=request, by=request.user, child=child, values=data
        ),
        done=lambda sar: (
            f"Subject access request {sar.reference} recorded. The reply is due by "
            f"{sar.due_on:%-d %B %Y}."
        ),
        to=lambda sar: reverse("subject_access:detail", args=[sar.pk]),
    )
    if saved is not None:
        return saved
    audit_view(request, child, "subject access requests")
    return render(
        request,
        "subject_access/child.html",
        {
            "child": child,
            "form": form,
            "requests": child.subject_access_requests.order_by("-received_on", "-pk"),
        },
    )


@role_required(Role.CENTRAL_TEAM)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Central team only: the request and its deadline; while it is open, the review of what
    the answer would carry about other people and the release; once released, the downloads
    and what was withheld, and why."""
    sar = _request_for(request, pk)
    child = sar.child
    context: dict = {"sar": sar, "child": child}
    if sar.is_open:
        gathered = content.gather(sar, request.user)
        form = ReleaseForm(request.POST or None, flags=gathered.flags)
        form.initial["version"] = sar.version
        saved = submit(
            request,
            form,
            lambda data: actions.release(
                request=request,
                by=request.user,
                sar=sar,
                version=data.get("version") or sar.version,
                withheld=data["withheld"],
            ),
            done=lambda released: (
                f"The answer to {released.reference} has been released. Download it below."
            ),
            to=reverse("subject_access:detail", args=[sar.pk]),
        )
        if saved is not None:
            return saved
        audit_siblings(request, child, gathered.siblings, "subject access request")
        context.update({"form": form, "gathered": gathered})
    else:
        context["withheld"] = list(sar.withheld.all())
    audit_view(request, child, "subject access request", subject_access_request=sar.reference)
    return render(request, "subject_access/detail.html", context)


@role_required(Role.CENTRAL_TEAM)
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Central team only: change an open request's details (a released one stays as it was)."""
    sar = _request_for(request, pk)
    child = sar.child
    if not sar.is_open:
        messages.info(request, "This request has been released: it can no longer be changed.")
        return redirect("subject_access:detail", sar.pk)
    initial = {
        "requester_name": sar.requester_name,
        "requester_kind": sar.requester_kind,
        "requester_parent": str(sar.requester_parent_id or ""),
        "relationship": sar.relationship,
        "received_on": sar.received_on,
        "identity_checked": sar.identity_checked,
        "identity_how": sar.identity_how,
        "version": sar.version,
    }
    form = RequestForm(
        request.POST or None, initial=initial, parents=_parents(child), submit="Save changes"
    )
    saved = submit(
        request,
        form,
        lambda data: actions.update_request(
            request=request,
            by=request.user,
            sar=sar,
            version=data.get("version") or sar.version,
            values=data,
        ),
        done=lambda changed: (
            f"{changed.reference} saved. The reply is due by {changed.due_on:%-d %B %Y}."
        ),
        to=reverse("subject_access:detail", args=[sar.pk]),
    )
    if saved is not None:
        return saved
    audit_view(request, child, "subject access request form", subject_access_request=sar.reference)
    return render(request, "subject_access/edit.html", {"form": form, "sar": sar, "child": child})


def _released(request: HttpRequest, pk: int) -> SubjectAccessRequest:
    sar = _request_for(request, pk)
    if sar.status != RequestStatus.RELEASED:
        deny(
            request,
            "the answer has not been released",
            not_found=True,
            object_type="subject_access.subjectaccessrequest",
            object_id=sar.pk,
            child=sar.child.pk,
        )
    # The brothers and sisters the answer shows (those not withheld) are seen with it.
    shown = [
        int(item["key"].removeprefix("sibling-"))
        for item in sar.content.get("family", [])
        if "withheld" not in item
    ]
    if shown:
        siblings = Child.objects.filter(pk__in=shown).only("lisa_ref")
        audit_siblings(request, sar.child, siblings, "subject access answer")
    return sar


def _filename(sar: SubjectAccessRequest, extension: str) -> str:
    return f"subject-access-{sar.child.lisa_ref}-{sar.reference}.{extension}"


@role_required(Role.CENTRAL_TEAM)
def answer_json(request: HttpRequest, pk: int) -> HttpResponse:
    """Central team only: the released answer as JSON; every download audited."""
    sar = _released(request, pk)
    record(request, Action.DOWNLOAD, obj=sar, child=sar.child, detail={"format": "json"})
    response = HttpResponse(
        json.dumps(sar.content, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(sar, "json")}"'
    response["Cache-Control"] = "no-store, private"
    return response


def render_answer(document: dict, request: HttpRequest | None = None) -> bytes:
    """An answer (a document of subject_access/schemas/subject-access-1.json) as an A4 PDF."""
    return render_pdf("subject_access/answer_pdf.html", {"doc": document}, request=request)


@role_required(Role.CENTRAL_TEAM)
def answer_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Central team only: the released answer as a PDF for the person who asked; every
    download audited."""
    sar = _released(request, pk)
    record(request, Action.DOWNLOAD, obj=sar, child=sar.child, detail={"format": "pdf"})
    return pdf_response(render_answer(sar.content, request), _filename(sar, "pdf"))
