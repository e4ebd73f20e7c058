"""Invented demonstration data for this app, loaded by `manage.py load_demo`.

A few conversations between the demo practitioners, some about a demo child whose full record
each of them may see (one they are both involved with where there is one). A conversation
already present (same subject and starter) is left alone.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

# (starter, others, subject, about a child they all may see? (True; "if possible": without a
# child when there is none), messages as (author, text))
CONVERSATIONS = [
    (
        "daniel.price",
        ["amara.okafor"],
        "Attendance and tiredness in class",
        "if possible",
        [
            (
                "daniel.price",
                "Hello Amara, I see you are the health visitor for this family. Attendance has "
                "dropped over the last three weeks and the child seems very tired in class. Could "
                "we talk this week?",
            ),
            (
                "amara.okafor",
                "Thanks Daniel. I visited last Tuesday and mum mentioned sleep problems with the "
                "baby. I can call you on Thursday afternoon.",
            ),
            ("daniel.price", "Thursday at 3.30pm works. I will ring the health visiting office."),
        ],
    ),
    (
        "amara.okafor",
        ["sofia.romano"],
        "Speech and language referral",
        True,
        [
            (
                "amara.okafor",
                "Dr Romano, I have referred for a speech and language assessment after the "
                "two-year review. Has the surgery any concerns about hearing?",
            ),
            ("sofia.romano", "Nothing recorded. I will ask the practice nurse to check."),
        ],
    ),
    (
        "daniel.price",
        ["helen.wright"],
        "Lunchtime worries",
        True,
        [
            (
                "daniel.price",
                "Helen, the lunchtime staff say this pupil has often had no packed lunch this "
                "term. Should we log a concern?",
            ),
        ],
    ),
    (
        "amara.okafor",
        ["priya.shah"],
        "Supervision next week",
        False,
        [
            ("amara.okafor", "Priya, could we move supervision to Wednesday morning?"),
            ("priya.shah", "Yes, Wednesday at 10am in the Lewisham office."),
        ],
    ),
    (
        "helen.wright",
        ["daniel.price"],
        "LISA training for new staff",
        False,
        [
            (
                "helen.wright",
                "Daniel, the two new teaching assistants need their LISA training. Can you show "
                "them the child index on Friday?",
            ),
        ],
    ),
]


def _child_for_all(users, used: set[int]):
    """A child the starter works with whose full record every participant may see, preferring
    one they are all involved with."""
    from children.models import Child, Involvement
    from messaging.access import full_record_viewers

    starter = users[0]
    ids = list(
        Involvement.objects.active()
        .filter(practitioner=starter, child__merged_into__isnull=True)
        .exclude(child_id__in=used)
        .order_by("child__lisa_ref")
        .values_list("child_id", flat=True)
    )
    everyone = {u.pk for u in users}
    shared = set(
        Involvement.objects.active()
        .filter(child_id__in=ids, practitioner__in=users[1:])
        .values_list("child_id", flat=True)
    )
    for child_id in sorted(ids, key=lambda pk: pk not in shared)[:50]:
        child = Child.objects.get(pk=child_id)
        if full_record_viewers(child, users) == everyone:
            return child
    return None


def load(stdout) -> None:
    """Add this app's demo records; safe to run again (nothing is duplicated)."""
    from lisa.models import User
    from messaging.models import Message, Participant, Thread

    people = {u.username: u for u in User.objects.filter(is_active=True)}
    added = 0
    used_children: set[int] = set()
    start = timezone.now() - dt.timedelta(days=3)
    for index, (starter, others, subject, about_child, texts) in enumerate(CONVERSATIONS):
        names = [starter, *others]
        if any(name not in people for name in names):
            continue
        existing = Thread.objects.filter(subject=subject, created_by=people[starter]).first()
        if existing is not None:
            if existing.child_id:
                used_children.add(existing.child_id)
            continue
        child = None
        if about_child:
            child = _child_for_all([people[name] for name in names], used_children)
            if child is None and about_child is True:
                continue
            if child is not None:
                used_children.add(child.pk)
        at = start + dt.timedelta(hours=5 * index)
        thread = Thread.objects.create(
            subject=subject,
            child=child,
            created_by=people[starter],
            created_at=at,
            last_message_at=at,
        )
        for name in names:
            Participant.objects.create(thread=thread, user=people[name], joined_at=at)
        last_read: dict[str, dt.datetime] = {}
        for number, (author, text) in enumerate(texts):
            sent = at + dt.timedelta(minutes=40 * number)
            Message.objects.create(thread=thread, author=people[author], body=text, sent_at=sent)
            last_read[author] = sent
        Thread.objects.filter(pk=thread.pk).update(last_message_at=sent)
        for name, read_at in last_read.items():
            Participant.objects.filter(thread=thread, user=people[name]).update(
                last_read_at=read_at
            )
        added += 1
    stdout.write(f"Messages: {added} conversations added ({Thread.objects.count()} in all).")
