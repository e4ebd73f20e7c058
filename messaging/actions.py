"""Every change to messages goes through these functions.

Each is one transaction that checks the rule, saves and writes its audit event. Other
participants are told by email after the transaction commits, with no personal data.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.models import Action
from audit.services import record
from children.models import Child
from lisa.models import User
from messaging.access import can_see_thread, full_record_viewers, uses_messaging
from messaging.models import Message, Participant, Thread
from messaging.notifications import notify

MAX_RECIPIENTS = 20


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Enter your message"})
    if len(body) > 5000:
        raise ValidationError({"body": "Your message must be 5,000 characters or fewer"})
    return body


def _notify_others(thread: Thread, sender: User) -> None:
    """Tell the other participants who may still read the thread ("ended means ended
    everywhere": someone who lost access to the thread's child is not emailed about it)."""
    others = list(
        User.objects.filter(message_participations__thread=thread, is_active=True)
        .exclude(pk=sender.pk)
        .select_related("agency")
    )
    if thread.child_id is not None:
        allowed = full_record_viewers(thread.child, others)
        others = [user for user in others if user.pk in allowed]
    notify(others, kind="message", path=thread.get_absolute_url())


@transaction.atomic
def start_thread(
    *,
    request: HttpRequest,
    by: User,
    recipients: Sequence[User],
    subject: str,
    body: str,
    child: Child | None = None,
) -> Thread:
    """Start a conversation with ``recipients``, optionally about ``child``: then the sender and
    every recipient must be allowed to see the child's full record."""
    if not uses_messaging(by):
        raise PermissionDenied("You may not send messages.")
    errors: dict[str, list[str]] = {}
    subject = " ".join((subject or "").split())
    if not subject:
        errors.setdefault("subject", []).append("Enter a subject")
    elif len(subject) > 150:
        errors.setdefault("subject", []).append("The subject must be 150 characters or fewer")
    try:
        body = _clean_body(body)
    except ValidationError as error:
        errors.update(error.message_dict)
    people = [user for user in {u.pk: u for u in recipients}.values() if user.pk != by.pk]
    if not people:
        errors.setdefault("recipients", []).append("Choose at least one person to message")
    elif len(people) > MAX_RECIPIENTS:
        errors.setdefault("recipients", []).append(
            f"You can message up to {MAX_RECIPIENTS} people at once"
        )
    for person in people:
        if not (person.is_active and person.is_trained and uses_messaging(person)):
            errors.setdefault("recipients", []).append(f"{person} cannot receive messages in LISA")
    if child is not None:
        allowed = full_record_viewers(child, [by, *people], reader=by)
        if by.pk not in allowed:
            raise PermissionDenied("You may not open this child's full record.")
        for person in people:
            if person.pk not in allowed:
                errors.setdefault("recipients", []).append(
                    f"{person} cannot be sent a message about {child.full_name}: only "
                    "practitioners involved with the child, their agency's designated officer "
                    "and the central team may see it"
                )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    thread = Thread.objects.create(
        subject=subject, child=child, created_by=by, created_at=now, last_message_at=now
    )
    Participant.objects.create(thread=thread, user=by, joined_at=now, last_read_at=now)
    for person in people:
        Participant.objects.create(thread=thread, user=person, joined_at=now)
    message = Message.objects.create(thread=thread, author=by, body=body, sent_at=now)
    record(
        request,
        Action.CREATE,
        obj=thread,
        child=child,
        detail={"message": message.pk, "participants": sorted([by.pk, *[p.pk for p in people]])},
    )
    _notify_others(thread, by)
    return thread


@transaction.atomic
def reply(*, request: HttpRequest, by: User, thread: Thread, body: str) -> Message:
    """Add a message to a thread the sender takes part in and may still read."""
    participation = Participant.objects.filter(thread=thread, user=by).first()
    if not can_see_thread(by, thread, participant=participation is not None):
        raise PermissionDenied("You may not write in this conversation.")
    body = _clean_body(body)
    now = timezone.now()
    message = Message.objects.create(thread=thread, author=by, body=body, sent_at=now)
    Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
    Participant.objects.filter(pk=participation.pk).update(last_read_at=now)
    record(request, Action.CREATE, obj=message, child=thread.child_id, detail={"thread": thread.pk})
    _notify_others(thread, by)
    return message


def mark_read(*, participation: Participant) -> None:
    """The person has seen every message in the thread up to now."""
    now = timezone.now()
    Participant.objects.filter(pk=participation.pk).update(last_read_at=now)
    participation.last_read_at = now


@transaction.atomic
def message_entered_in_error(
    *, request: HttpRequest, by: User, message: Message, reason: str
) -> Message:
    """The author marks their own message as entered in error, with a reason. It stays in the
    thread, struck through, with the reason."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.author_id != by.pk:
        raise PermissionDenied("Only the person who wrote a message may mark it entered in error.")
    if message.entered_in_error:
        raise ValidationError({"reason": "This message has already been marked entered in error"})
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Enter why this message is wrong"})
    message.entered_in_error = True
    message.error_reason = reason[:500]
    message.error_at = timezone.now()
    message.save(update_fields=["entered_in_error", "error_reason", "error_at"])
    thread = message.thread
    record(
        request,
        Action.ENTERED_IN_ERROR,
        obj=message,
        child=thread.child_id,
        detail={"thread": thread.pk, "reason": message.error_reason},
    )
    return message
