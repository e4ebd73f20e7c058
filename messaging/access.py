"""Who may see which message thread.

A thread is visible only to its participants; a thread about a child only to those of its
participants who may also see that child's full record (an active involvement, their agency's
designated officer, the central team, or a current break-glass grant). The rule is the access
policy's (:mod:`lisa.policy`): per object through :class:`~lisa.policy.ChildAccess`, and as SQL
for lists and counts through :func:`lisa.policy.child_visible_q`; tests hold the two to the same
answers.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Window
from django.http import HttpRequest
from django.urls import reverse

from children.access import access_for, audit_view, note_break_glass
from children.models import Child
from lisa import compiled
from lisa.access import deny
from lisa.models import User
from lisa.policy import ChildAccess, child_visible_q, works_with_children
from messaging.models import Message, Participant, Thread

REFUSAL_CHILD = (
    "This conversation is about a child whose full record you cannot open. Only practitioners "
    "involved with the child, their agency's designated officer and the central team may read it."
)


def uses_messaging(user: User) -> bool:
    """Practitioners, designated officers and the central team send and receive messages."""
    return works_with_children(user)


def can_see_thread(user: User, thread: Thread, *, participant: bool) -> bool:
    """A participant, and, for a thread about a child, one who may see its full record."""
    if not participant or not uses_messaging(user):
        return False
    if thread.child_id is None:
        return True
    return ChildAccess(user, thread.child).full


def visible_participations(user: User) -> QuerySet[Participant]:
    """The user's participations in threads they may read now."""
    if not uses_messaging(user):
        return Participant.objects.none()
    return Participant.objects.filter(user=user).filter(child_visible_q(user, "thread__"))


def inbox(user: User) -> QuerySet[Participant]:
    """The threads ``user`` may read, newest first, each with its number of messages from others
    not yet read (``unread``), in one query."""
    unread = Count(
        "thread__messages",
        filter=~Q(thread__messages__author_id=user.pk)
        & (Q(last_read_at__isnull=True) | Q(thread__messages__sent_at__gt=F("last_read_at"))),
    )
    return (
        visible_participations(user)
        .select_related("thread", "thread__child")
        .annotate(unread=unread)
        .order_by("-thread__last_message_at", "-thread_id")
    )


def unread_count(request: HttpRequest) -> int:
    """The number of unread messages from others in threads the signed-in person may read, in
    one query, worked out once per request (the header and the home page share it)."""
    if hasattr(request, "_lisa_unread_messages"):
        return request._lisa_unread_messages
    user = request.user
    count = 0
    if user.is_authenticated and uses_messaging(user):
        # On every page: the query's SQL is compiled once per process (lisa/compiled.py).
        count = compiled.count("unread", unread_messages, user=user)
    request._lisa_unread_messages = count
    return count


def unread_messages(user: User) -> QuerySet[Message]:
    """The messages from others not yet read by ``user`` in threads they may read now."""
    unread_here = visible_participations(user).filter(
        Q(last_read_at__isnull=True) | Q(last_read_at__lt=OuterRef("sent_at")),
        thread_id=OuterRef("thread_id"),
    )
    return Message.objects.filter(Exists(unread_here)).exclude(author_id=user.pk)


def thread_for_user(request: HttpRequest, pk: int) -> Thread:
    """The thread ``pk`` (with the signed-in person's participation as ``my_participation``),
    or refuse.

    404 (audited) for anyone not taking part, so a thread's existence is not told; 403 (audited,
    with break glass offered where it may be used) for a participant who may no longer see the
    child the thread is about. An allowed view of a thread about a child is audited with the
    child.
    """
    user = request.user
    thread = Thread.objects.select_related("child").filter(pk=pk).first()
    participation = Participant.objects.filter(thread_id=pk, user=user).first() if thread else None
    if thread is None or participation is None or not uses_messaging(user):
        deny(
            request,
            "not a participant in this conversation",
            not_found=True,
            object_type="messaging.thread",
            object_id=pk,
        )
    child = thread.child
    if child is not None:
        child_for_user_or_refuse(request, child, thread)
        if request.method in ("GET", "HEAD"):
            audit_view(request, child, "message thread", thread=thread.pk)
    thread.my_participation = participation
    return thread


def child_for_user_or_refuse(request: HttpRequest, child: Child, thread: Thread) -> None:
    """A participant who may no longer see the thread's child is refused (with break glass
    offered where it may be used)."""
    access = access_for(request, child)
    if access.full:
        if access.grant is not None:
            note_break_glass(request, child, access.grant)
        return
    if access.break_glass:
        request.lisa_break_glass = reverse("children:break-glass", args=[child.pk])
    deny(
        request,
        REFUSAL_CHILD,
        object_type="messaging.thread",
        object_id=thread.pk,
        child=child.pk,
    )


def full_record_viewers(
    child: Child, users: Iterable[User], *, reader: User | None = None
) -> set[int]:
    """The ids of ``users`` who may see ``child``'s full record now, in two queries whatever
    the number of people. With ``reader``, people of a sensitive service the reader may not know
    of are left out too, so that who may be messaged never tells of a hidden involvement."""
    users = list(users)
    if not users:
        return set()
    access = ChildAccess(reader or users[0], child)
    allowed = access.full_record_users(users)
    if reader is None:
        return allowed
    return {
        user.pk
        for user in users
        if user.pk in allowed and (user.pk == reader.pk or access.see_agency(user.agency))
    }


HOME_THREADS = 5


class _SumOverAll(Func):
    """``SUM(x) OVER ()``: a total over every row of the result, before its LIMIT."""

    function = "SUM"
    window_compatible = True
    output_field = IntegerField()


def _unread_threads(user: User):
    unread = inbox(user).filter(unread__gt=0)
    total = Window(_SumOverAll(unread.query.annotations["unread"]))
    return unread.annotate(total_unread=total)[:HOME_THREADS]


def home_summary(request: HttpRequest) -> dict:
    """For the home page: the number of unread messages and up to five conversations with
    unread messages, newest first, in one query: the count (shared with the header) is the
    total of every unread conversation's count."""
    user = request.user
    if not uses_messaging(user):
        return {"count": unread_count(request), "threads": []}
    threads = compiled.rows("home_threads", _unread_threads, user=user)
    count = threads[0].total_unread if threads else 0
    request._lisa_unread_messages = count
    return {"count": count, "threads": threads}
