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
from subject_access import actions, content, review
from subject_access.deadlines import MONTHS_WHEN_EXTENDED, reply_due_by
from subject_access.forms import (
    ExtendForm,
    RefuseForm,
    ReleaseForm,
    RequestForm,
    WithdrawForm,
)
from subject_access.models import CLOSED_WITHOUT_ANSWER, RequestStatus, SubjectAccessRequest

PAGE_SIZE = 50
# Which requests the list shows, and in what order.
LISTS = {
    "open": ("Open", {"status": RequestStatus.OPEN}, ("due_on", "pk")),
    "released": ("Released", {"status": RequestStatus.RELEASED}, ("-released_at", "-pk")),
    "closed": (
        "Withdrawn or refused",
        {"status__in": CLOSED_WITHOUT_ANSWER},
        ("-closed_at", "-pk"),
    ),
    "all": ("All", {}, ("status", "due_on", "pk")),
}


def _request_for(request: HttpRequest, pk: int) -> SubjectAccessRequest:
    """The request ``pk`` with its child (opened through the child's access check)."""
    return owned_record_for_user(
        request,
        SubjectAccessRequest,
        pk,
        "full",
        related=("requester_parent", "recorded_by", "released_by", "extended_by", "closed_by"),
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


# The review form's second button: the answer as it would be released, not released.
PREVIEW = "preview"


@role_required(Role.CENTRAL_TEAM)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Central team only: the request and its deadline; while it is open, the review of what
    the answer would carry about other people, a preview of the answer with what is ticked
    withheld, and the release; once released, the downloads and what was withheld, and why."""
    sar = _request_for(request, pk)
    child = sar.child
    context: dict = {"sar": sar, "child": child}
    if sar.is_open:
        gathered = content.gather(sar, request.user)
        form = ReleaseForm(request.POST or None, flags=gathered.flags)
        form.initial["version"] = sar.version
        if request.method == "POST" and PREVIEW in request.POST:
            if form.is_valid():
                return _preview(request, sar, gathered, form.cleaned_data["withheld"])
        else:
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
    elif sar.status == RequestStatus.RELEASED:
        context["withheld"] = list(sar.withheld.all())
    audit_view(request, child, "subject access request", subject_access_request=sar.reference)
    return render(request, "subject_access/detail.html", context)


@role_required(Role.CENTRAL_TEAM)
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Central team only: change an open request's details (a released one stays as it was)."""
    sar = _request_for(request, pk)
    child = sar.child
    if not sar.is_open:
        messages.info(request, actions.CLOSED)
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


def _change_page(request, sar, form, change, *, done, title, intro, what) -> HttpResponse:
    """One form that changes an open request through an action: saved, back to the request;
    otherwise the form (with any refusal beside its field), the view audited."""
    form.initial.setdefault("version", sar.version)
    saved = submit(
        request,
        form,
        lambda data: change({**data, "version": data.get("version") or sar.version}),
        done=done,
        to=reverse("subject_access:detail", args=[sar.pk]),
    )
    if saved is not None:
        return saved
    audit_view(request, sar.child, what, subject_access_request=sar.reference)
    return render(
        request,
        "includes/simple_form.html",
        {
            "form": form,
            "child": sar.child,
            "title": title,
            "intro": intro,
            "back_url": reverse("subject_access:detail", args=[sar.pk]),
            "back_text": f"Back to {sar.reference}",
        },
    )


def _open_request(request: HttpRequest, pk: int) -> SubjectAccessRequest | HttpResponse:
    """The open request ``pk``; a closed one sends the reader back to it, saying why."""
    sar = _request_for(request, pk)
    if not sar.is_open:
        messages.info(request, actions.CLOSED)
        return redirect("subject_access:detail", sar.pk)
    return sar


@role_required(Role.CENTRAL_TEAM)
def request_extend(request: HttpRequest, pk: int) -> HttpResponse:
    """Central team only: extend an open request's deadline by two further months, once, with
    the reason and the day the person who asked was told."""
    sar = _open_request(request, pk)
    if isinstance(sar, HttpResponse):
        return sar
    if sar.is_extended:
        messages.info(request, "The deadline has already been extended: it can be extended once.")
        return redirect("subject_access:detail", sar.pk)
    extended = reply_due_by(sar.received_on, MONTHS_WHEN_EXTENDED)
    return _change_page(
        request,
        sar,
        ExtendForm(request.POST or None),
        lambda data: actions.extend_deadline(
            request=request,
            by=request.user,
            sar=sar,
            version=data["version"],
            reason=data.get("reason") or "",
            told_on=data.get("told_on"),
        ),  # fmt: skip
        done=lambda extended: (
            f"The deadline for {extended.reference} has been extended. The reply is now due by "
            f"{extended.due_on:%-d %B %Y}."
        ),
        title="Extend the deadline",
        intro=(
            f"The reply is due by {sar.due_on:%-d %B %Y}. Where the request is complex, or one "
            "of a number of requests from the same person, the deadline may be extended by two "
            "further months: the reply is then due three calendar months after the request was "
            f"received ({extended:%-d %B %Y}). The person who asked must be told, with the "
            f"reason, by {sar.first_due_on:%-d %B %Y}."
        ),
        what="subject access extension form",
    )


def _close_page(request: HttpRequest, pk: int, form, outcome: str, **page) -> HttpResponse:
    """Close the open request ``pk`` as ``outcome`` (withdrawn or refused) through ``form``."""
    sar = _open_request(request, pk)
    if isinstance(sar, HttpResponse):
        return sar
    return _change_page(
        request,
        sar,
        form,
        lambda data: actions.close(
            request=request,
            by=request.user,
            sar=sar,
            version=data["version"],
            outcome=outcome,
            on=data.get("on"),
            reason=data.get("reason") or "",
            complaint_right_told=bool(data.get("complaint_right_told")),
        ),  # fmt: skip
        done=lambda closed: f"{closed.reference} has been recorded as {outcome}.",
        **page,
    )


@role_required(Role.CENTRAL_TEAM)
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Central team only: record that the person who asked withdrew an open request."""
    return _close_page(
        request,
        pk,
        WithdrawForm(request.POST or None),
        RequestStatus.WITHDRAWN,
        title="Record that the request was withdrawn",
        intro="The request is closed without an answer and leaves the open requests.",
        what="subject access withdrawal form",
    )


@role_required(Role.CENTRAL_TEAM)
def request_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    """Central team only: refuse an open request as manifestly unfounded or excessive, with the
    reason, the day the person who asked was told, and that they were told of their right to
    complain."""
    return _close_page(
        request,
        pk,
        RefuseForm(request.POST or None),
        RequestStatus.REFUSED,
        title="Refuse the request",
        intro=(
            "A request may be refused only when it is manifestly unfounded or excessive. Tell "
            "the person who asked, without undue delay and within the time limit, why it is "
            "refused and that they may complain to the Information Commissioner's Office or "
            "seek to enforce their right through a court."
        ),
        what="subject access refusal form",
    )


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
    _audit_siblings_shown(request, sar, sar.content, "subject access answer")
    return sar


def _audit_siblings_shown(request: HttpRequest, sar, document: dict, seen_on: str) -> None:
    """The brothers and sisters an answer shows (those not withheld) are seen with it."""
    shown = [
        int(item["key"].removeprefix("sibling-"))
        for item in document.get("family", [])
        if "withheld" not in item
    ]
    if shown:
        siblings = Child.objects.filter(pk__in=shown).only("lisa_ref")
        audit_siblings(request, sar.child, siblings, seen_on)


def _preview(request: HttpRequest, sar, gathered, withheld: dict[str, str]) -> HttpResponse:
    """The answer as releasing it now would make it, with ``withheld`` withheld, as a PDF
    marked on every page as a draft that was not released. Nothing is kept with the request;
    the preview is audited as a download of a draft, and as a view of each brother or sister
    it shows."""
    document = review.released(gathered, withheld)
    record(
        request,
        Action.DOWNLOAD,
        obj=sar,
        child=sar.child,
        detail={"format": "pdf", "draft": True, "withheld": sorted(withheld)},
    )
    _audit_siblings_shown(request, sar, document, "subject access draft")
    return pdf_response(
        render_answer(document, request, draft=True), "draft-" + _filename(sar, "pdf")
    )


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


def render_answer(
    document: dict, request: HttpRequest | None = None, *, draft: bool = False
) -> bytes:
    """An answer (a document of subject_access/schemas/subject-access-1.json) as an A4 PDF;
    a ``draft`` is marked on every page as not released."""
    context = {"doc": document, "draft": draft}
    return render_pdf("subject_access/answer_pdf.html", context, request=request)


@role_required(Role.CENTRAL_TEAM)
def answer_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Central team only: the released answer as a PDF for the person who asked; every
    download audited."""
    sar = _released(request, pk)
    record(request, Action.DOWNLOAD, obj=sar, child=sar.child, detail={"format": "pdf"})
    return pdf_response(render_answer(sar.content, request), _filename(sar, "pdf"))
