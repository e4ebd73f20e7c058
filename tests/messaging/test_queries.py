"""Query counts stay flat however many conversations and messages there are."""

from __future__ import annotations

import pytest
from django.utils import timezone

from messaging.models import Message, Participant, Thread
from tests.messaging.conftest import involve, make_child

pytestmark = pytest.mark.django_db


def many_threads(sender, recipient, count, *, children=0):
    """``count`` threads of three messages each, the first ``children`` about a child both work
    with."""
    now = timezone.now()
    for n in range(count):
        child = None
        if n < children:
            child = make_child()
            involve(sender, child)
            involve(recipient, child)
        thread = Thread.objects.create(
            subject=f"Thread {n}", child=child, created_by=sender, last_message_at=now
        )
        Participant.objects.create(thread=thread, user=sender, last_read_at=now)
        Participant.objects.create(thread=thread, user=recipient)
        Message.objects.bulk_create(
            Message(thread=thread, author=sender, body=f"Message {m}", sent_at=now)
            for m in range(3)
        )


def test_the_inbox_with_many_threads(client_for, amara, daniel, django_assert_max_num_queries):
    many_threads(amara, daniel, 3, children=1)
    client = client_for(daniel)
    with django_assert_max_num_queries(14) as few:
        assert client.get("/messages/").status_code == 200
    many_threads(amara, daniel, 60, children=20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/messages/")
    assert response.status_code == 200
    assert b"Messages (189)" in response.content
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/messages/?page=2").status_code == 200


def test_a_thread_with_many_messages(client_for, amara, daniel, django_assert_max_num_queries):
    child = make_child()
    involve(amara, child)
    involve(daniel, child)
    thread = Thread.objects.create(subject="Long", child=child, created_by=amara)
    for user in (amara, daniel):
        Participant.objects.create(thread=thread, user=user)
    Message.objects.bulk_create(
        Message(thread=thread, author=(amara, daniel)[m % 2], body=f"Note {m}") for m in range(300)
    )
    client = client_for(daniel)
    with django_assert_max_num_queries(20):
        response = client.get(f"/messages/{thread.pk}/")
    assert response.status_code == 200
    assert response.content.count(b"Note ") == 300


def test_the_home_page_with_many_unread_threads(
    client_for, amara, daniel, django_assert_max_num_queries
):
    many_threads(amara, daniel, 3, children=1)  # a child listed: the list is audited
    client = client_for(daniel)
    with django_assert_max_num_queries(21) as few:
        assert client.get("/").status_code == 200
    many_threads(amara, daniel, 40, children=10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/")
    assert b"You have 129 unread messages." in response.content
