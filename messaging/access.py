"""Who may see which message thread.

A thread is visible only to its participants; a thread about a child only to those of its
participants who may also see that child's full record (an active involvement, their agency's
designated officer, the central team, or a current break-glass grant). The rule is written twice,
once per object (:func:`can_see_thread`, using :mod:`children.rules`) and once as SQL for lists
and counts (:func:`visible_participations`); tests hold the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse

from children import rules
from children.access import audit_view
from children.models import BreakGlass, Child, Involvement
from lisa.access import deny
from lisa.models import User
from messaging.models import Message, Participant, Thread

REFUSAL_CHILD = (
    "This conversation is about a child whose full record you cannot open. Only practitioners "
    "involved with the child, their agency's designated officer and the central team may read it."
)


def uses_messaging(user: User) -> bool:
    """Practitioners, designated officers and the central team send and receive messages."""
    return rules.works_with_children(user)


def can_see_thread(user: User, thread: Thread, *, participant: bool) -> bool:
    """A participant, and, for a thread about a child, one who may see its full record."""
    if not participant or not uses_messaging(user):
        return False
    if thread.child_id is None:
        return True
    return rules.can_see_full_record(user, thread.child)


def child_visible_q(user: User, prefix: str = "") -> Q:
    """SQL for "no child, or a child whose full record ``user`` may see", on a thread reached
    through ``prefix`` (e.g. ``"thread__"``)."""
    child_ref = OuterRef(f"{prefix}child_id")
    no_child = Q(**{f"{prefix}child__isnull": True})
    if user.is_central_team:
        return Q()
    allowed = no_child | Q(
        Exists(Involvement.objects.active().filter(child_id=child_ref, practitioner_id=user.pk))
    )
    if user.is_designated_officer and user.agency_id:
        allowed |= Q(
            Exists(
                Involvement.objects.active().filter(child_id=child_ref, agency_id=user.agency_id)
            )
        )
    allowed |= Q(Exists(BreakGlass.objects.current().filter(child_id=child_ref, user_id=user.pk)))
    return allowed


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
        unread_here = visible_participations(user).filter(
            Q(last_read_at__isnull=True) | Q(last_read_at__lt=OuterRef("sent_at")),
            thread_id=OuterRef("thread_id"),
        )
        count = Message.objects.filter(Exists(unread_here)).exclude(author_id=user.pk).count()
    request._lisa_unread_messages = count
    return count


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
        grant = None
        allowed = rules.has_relationship(user, child)
        if not allowed:
            grant = rules.current_break_glass(user, child)
            allowed = grant is not None
        if not allowed:
            if rules.can_break_glass(user, child):
                request.lisa_break_glass = reverse("children:break-glass", args=[child.pk])
            deny(
                request,
                REFUSAL_CHILD,
                object_type="messaging.thread",
                object_id=thread.pk,
                child=child.pk,
            )
        request.lisa_break_glass_grant = grant
        if request.method in ("GET", "HEAD"):
            audit_view(request, child, "message thread", thread=thread.pk)
    thread.my_participation = participation
    return thread


def full_record_viewers(child: Child, users: Iterable[User]) -> set[int]:
    """The ids of ``users`` who may see ``child``'s full record now, in three queries whatever
    the number of people (the same rule as :func:`children.rules.can_see_full_record`)."""
    users = list(users)
    if not users:
        return set()
    involved = set(
        Involvement.objects.active().filter(child=child).values_list("practitioner_id", "agency_id")
    )
    practitioners = {p for p, _ in involved}
    agencies = {a for _, a in involved}
    grants = set(
        BreakGlass.objects.current()
        .filter(child=child, user__in=[u.pk for u in users])
        .values_list("user_id", flat=True)
    )
    allowed = set()
    for user in users:
        if not rules.works_with_children(user):
            continue
        if (
            user.is_central_team
            or user.pk in practitioners
            or (user.is_designated_officer and user.agency_id in agencies)
            or user.pk in grants
        ):
            allowed.add(user.pk)
    return allowed


HOME_THREADS = 5


def home_summary(request: HttpRequest) -> dict:
    """For the home page: the number of unread messages and up to five conversations with
    unread messages, newest first (two queries; the count is shared with the header)."""
    user = request.user
    count = unread_count(request)
    threads = []
    if count:
        threads = list(inbox(user).filter(unread__gt=0)[:HOME_THREADS])
    return {"count": count, "threads": threads}
