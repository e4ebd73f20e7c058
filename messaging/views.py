"""Secure messaging: the inbox, starting a conversation, reading and replying.

Every thread is opened through :func:`messaging.access.thread_for_user`, which refuses anyone
not taking part and, for a thread about a child, anyone who may not see that child's full
record; it audits each view of a thread about a child.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from audit.models import Action
from audit.services import record
from children.access import access_for, audit_view, child_for_user
from lisa.access import deny, role_required
from lisa.forms import ReasonForm, apply_errors
from lisa.models import CHILD_ROLES, Role, User
from messaging import actions
from messaging.access import full_record_viewers, thread_for_user
from messaging.access import inbox as inbox_query
from messaging.forms import NewThreadForm, ReplyForm
from messaging.models import Message, Participant

ROLES = (Role.PRACTITIONER, Role.DESIGNATED_OFFICER, Role.CENTRAL_TEAM)
PER_PAGE = 25
FIND_LIMIT = 30


@role_required(*ROLES)
def inbox(request: HttpRequest) -> HttpResponse:
    """Practitioners, designated officers and the central team: the conversations they take part
    in and may still read, newest first, with the number of unread messages in each."""
    user = request.user
    page = Paginator(inbox_query(user), PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    others: dict[int, list[User]] = defaultdict(list)
    for participation in (
        Participant.objects.filter(thread_id__in=[row.thread_id for row in rows])
        .exclude(user_id=user.pk)
        .select_related("user", "user__agency")
        .order_by("user__last_name", "user__first_name")
    ):
        others[participation.thread_id].append(participation.user)
    for row in rows:
        row.others = others[row.thread_id]
    shown = sorted({row.thread.child.lisa_ref for row in rows if row.thread.child_id})
    if shown:
        record(
            request,
            Action.VIEW,
            object_type="children.child",
            detail={"view": "message inbox", "shown": shown},
        )
    return render(request, "messaging/inbox.html", {"page": page, "rows": rows})


def _eligible(user: User):
    """People who may be sent messages: active, trained and working with children."""
    return (
        User.objects.filter(
            is_active=True, training_date__isnull=False, roles__overlap=sorted(CHILD_ROLES)
        )
        .exclude(pk=user.pk)
        .select_related("agency")
        .order_by("last_name", "first_name")
    )


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()][:100]


@role_required(*ROLES)
def new_thread(request: HttpRequest) -> HttpResponse:
    """Practitioners, designated officers and the central team. A conversation about a child
    may be started only by, and with, people who may see that child's full record."""
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    child = None
    child_id = source.get("child", "")
    if child_id:
        if not child_id.isdigit():
            deny(request, "no such child", not_found=True, object_type="children.child")
        child = child_for_user(request, int(child_id), "full", audit=False)
    chosen = _ids(source.getlist("recipients" if request.method == "POST" else "to"))
    find = source.get("find", "").strip()[:100]
    eligible = _eligible(user)
    wanted = Q(pk__in=chosen)
    matches: list[int] = []
    if find:
        query = Q()
        for term in find.split()[:5]:
            query &= (
                Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(job_title__icontains=term)
                | Q(agency__name__icontains=term)
            )
        matches = list(eligible.filter(query).values_list("pk", flat=True)[:FIND_LIMIT])
        wanted |= Q(pk__in=matches)
    elif child is not None:
        involved = [inv.practitioner_id for inv in access_for(request, child).visible_involvements]
        wanted |= Q(pk__in=involved)
    candidates = eligible.filter(wanted)
    searching = request.method == "POST" and request.POST.get("action") == "find"
    if request.method == "POST" and not searching:
        form = NewThreadForm(request.POST, candidates=candidates)
        if form.is_valid():
            try:
                thread = actions.start_thread(
                    request=request,
                    by=user,
                    recipients=list(form.cleaned_data["recipients"]),
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    child=child,
                )
            except PermissionDenied as error:
                deny(request, str(error), object_type="children.child", object_id=child_id)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Your message has been sent.")
                return redirect(thread.get_absolute_url())
    else:
        form = NewThreadForm(
            initial={
                "recipients": chosen,
                "subject": source.get("subject", ""),
                "body": source.get("body", ""),
            },
            candidates=candidates,
        )
    people = list(candidates)
    allowed = full_record_viewers(child, people, reader=user) if child is not None else None
    chosen_set = set(chosen)
    options = [
        {
            "user": person,
            "checked": person.pk in chosen_set,
            "refused": allowed is not None and person.pk not in allowed,
        }
        for person in people
    ]
    if child is not None:
        audit_view(request, child, "new message form")
    return render(
        request,
        "messaging/new.html",
        {
            "form": form,
            "child": child,
            "options": options,
            "find": find,
            "searched": bool(find),
            "found": len(matches),
        },
    )


@role_required(*ROLES)
def thread(request: HttpRequest, pk: int) -> HttpResponse:
    """The people taking part, and, for a thread about a child, only while they may see the
    child's full record. Reading marks the thread read."""
    thread = thread_for_user(request, pk)
    participation = thread.my_participation
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.reply(
                request=request, by=request.user, thread=thread, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your reply has been sent.")
            return redirect(thread.get_absolute_url())
    last_read = participation.last_read_at
    items = list(thread.messages.select_related("author", "author__agency"))
    for item in items:
        item.is_new = item.author_id != request.user.pk and (
            last_read is None or item.sent_at > last_read
        )
    participants = list(
        thread.participations.select_related("user", "user__agency").order_by(
            "user__last_name", "user__first_name"
        )
    )
    if request.method == "GET":
        actions.mark_read(participation=participation)
    return render(
        request,
        "messaging/thread.html",
        {"thread": thread, "items": items, "participants": participants, "form": form},
    )


@role_required(*ROLES)
def message_error(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    """The author of the message, while they may still read the thread: a wrong message is
    marked entered in error with a reason, never removed."""
    thread = thread_for_user(request, pk)
    message = Message.objects.filter(pk=message_pk, thread=thread).first()
    if message is None:
        deny(
            request,
            "no such message",
            not_found=True,
            object_type="messaging.message",
            object_id=message_pk,
        )
    if message.author_id != request.user.pk:
        deny(
            request,
            "Only the person who wrote a message may mark it entered in error.",
            object_type="messaging.message",
            object_id=message.pk,
            child=thread.child_id,
        )
    if message.entered_in_error:
        messages.info(request, "This message has already been marked as entered in error.")
        return redirect(thread.get_absolute_url())
    form = ReasonForm(
        request.POST or None,
        label="Why is this message wrong?",
        help_text="Everyone in the conversation will see the message struck through, with this "
        "reason.",
        required_message="Enter why this message is wrong",
        submit="Mark as entered in error",
        warning=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.message_entered_in_error(
                request=request,
                by=request.user,
                message=message,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your message has been marked as entered in error.")
            return redirect(thread.get_absolute_url())
    return render(
        request,
        "messaging/error.html",
        {"thread": thread, "message": message, "form": form},
    )
