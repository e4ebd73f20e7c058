"""The inbox, starting a conversation, reading, replying and entered in error: anonymous, the
wrong person and the right person for every view."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from audit.models import Action, AuditEvent, Outcome
from messaging.models import Message, Participant, Thread
from tests.messaging.conftest import involve, send, start

pytestmark = pytest.mark.django_db


def urls(thread, message):
    return [
        "/messages/",
        "/messages/new/",
        f"/messages/{thread.pk}/",
        f"/messages/{thread.pk}/messages/{message.pk}/entered-in-error/",
    ]


@pytest.fixture
def conversation(amara, daniel):
    thread = start(amara, [daniel], subject="Attendance", body="Can we talk on Thursday?")
    return thread, thread.messages.get()


def test_anonymous_users_are_sent_to_sign_in(client, conversation):
    for url in urls(*conversation):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/sign-in/?next=")


@pytest.mark.parametrize("persona", ["sam", "alex"])
def test_people_without_child_roles_are_refused_every_view(
    client_for, conversation, personas, persona
):
    client = client_for(personas[persona])
    for url in urls(*conversation):
        assert client.get(url).status_code == 403, url
    assert Message.objects.count() == 1


def test_a_non_participant_cannot_read_or_write_in_a_thread(client_for, conversation, helen):
    thread, message = conversation
    client = client_for(helen)
    assert client.get(f"/messages/{thread.pk}/").status_code == 404
    assert client.post(f"/messages/{thread.pk}/", {"body": "Let me in"}).status_code == 404
    response = client.post(
        f"/messages/{thread.pk}/messages/{message.pk}/entered-in-error/", {"reason": "x"}
    )
    assert response.status_code == 404
    assert Message.objects.count() == 1
    assert not Message.objects.filter(entered_in_error=True).exists()
    refusal = AuditEvent.objects.filter(user=helen, outcome=Outcome.DENIED).first()
    assert refusal.object_type == "messaging.thread"
    assert refusal.object_id == str(thread.pk)


def test_a_non_participant_does_not_see_the_thread_in_their_inbox(client_for, conversation, helen):
    response = client_for(helen).get("/messages/")
    assert response.status_code == 200
    assert b"Attendance" not in response.content
    assert b"You have no conversations yet" in response.content


def test_starting_a_conversation(client_for, amara, daniel, django_capture_on_commit_callbacks):
    client = client_for(amara)
    response = client.get(f"/messages/new/?to={daniel.pk}")
    assert response.status_code == 200
    assert f'value="{daniel.pk}" checked'.encode() in response.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/messages/new/",
            {
                "recipients": [daniel.pk],
                "subject": "Attendance",
                "body": "Can we talk on Thursday?",
                "action": "send",
            },
        )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{thread.pk}/"
    assert set(thread.participants.values_list("username", flat=True)) == {
        "amara.okafor",
        "daniel.price",
    }
    assert thread.messages.get().body == "Can we talk on Thursday?"
    assert AuditEvent.objects.filter(
        user=amara, action=Action.CREATE, object_type="messaging.thread"
    ).exists()
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["args"] == [daniel.pk, "message", f"/messages/{thread.pk}/"]


def test_bad_input_is_explained_beside_the_field_and_nothing_typed_is_lost(client_for, amara):
    response = client_for(amara).post(
        "/messages/new/",
        {"subject": "", "body": "Something I typed carefully", "action": "send"},
    )
    assert response.status_code == 200
    assert b"Choose at least one person to message" in response.content
    assert b"Enter a subject" in response.content
    assert b"Something I typed carefully" in response.content
    assert not Thread.objects.exists()


def test_finding_people_keeps_what_was_typed(client_for, amara, daniel, helen, sam, jordan):
    response = client_for(amara).post(
        "/messages/new/",
        {"find": "cedar", "subject": "My subject", "body": "My words", "action": "find"},
    )
    content = response.content.decode()
    assert f'id="recipient-{daniel.pk}"' in content
    assert f'id="recipient-{helen.pk}"' in content
    assert f'id="recipient-{jordan.pk}"' not in content  # untrained
    assert f'id="recipient-{sam.pk}"' not in content  # a directory editor only
    assert "My subject" in content and "My words" in content
    assert "There is a problem" not in content
    assert not Thread.objects.exists()


def test_recipients_outside_the_offered_people_are_refused(client_for, amara, sam):
    response = client_for(amara).post(
        "/messages/new/",
        {"recipients": [sam.pk], "subject": "Hi", "body": "Hello", "action": "send"},
    )
    assert response.status_code == 200
    assert b"Choose people from the list" in response.content
    assert not Thread.objects.exists()


def test_a_conversation_about_a_child_prefills_and_lists_the_involved(
    client_for, amara, daniel, child
):
    involve(amara, child)
    involve(daniel, child, role="Class teacher")
    response = client_for(amara).get(f"/messages/new/?to={daniel.pk}&child={child.pk}")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Ottoline Brackenbury" in content
    assert f'value="{daniel.pk}" checked' in content
    assert AuditEvent.objects.filter(user=amara, action=Action.VIEW, child_id=child.pk).exists()


def test_only_people_who_may_see_the_child_can_be_chosen(client_for, amara, daniel, child):
    involve(amara, child)
    client = client_for(amara)
    response = client.post(
        "/messages/new/",
        {
            "find": "Price",
            "subject": "About her",
            "body": "Worried",
            "action": "find",
            "child": child.pk,
        },
    )
    assert b"Cannot see Ottoline's full record" in response.content
    response = client.post(
        "/messages/new/",
        {
            "recipients": [daniel.pk],
            "find": "Price",
            "subject": "About her",
            "body": "Worried about her",
            "action": "send",
            "child": child.pk,
        },
    )
    assert response.status_code == 200
    assert b"Daniel Price cannot be sent a message about Ottoline Brackenbury" in response.content
    assert b"Worried about her" in response.content
    assert not Thread.objects.exists()


def test_a_sender_who_may_not_see_the_child_is_refused(client_for, amara, daniel, child):
    involve(daniel, child)
    client = client_for(amara)
    assert client.get(f"/messages/new/?child={child.pk}").status_code == 403
    response = client.post(
        "/messages/new/",
        {
            "recipients": [daniel.pk],
            "subject": "S",
            "body": "B",
            "action": "send",
            "child": child.pk,
        },
    )
    assert response.status_code == 403
    assert not Thread.objects.exists()


def test_reading_marks_read_and_the_header_counts_unread(client_for, conversation, daniel):
    thread, _ = conversation
    client = client_for(daniel)
    assert b"Messages (1)" in client.get("/messages/").content
    response = client.get(f"/messages/{thread.pk}/")
    assert response.status_code == 200
    assert b"Can we talk on Thursday?" in response.content
    assert b"Messages (1)" not in response.content
    assert Participant.objects.get(thread=thread, user=daniel).last_read_at is not None
    assert b"Messages (1)" not in client.get("/messages/").content


def test_the_inbox_lists_threads_newest_first_with_unread_counts(client_for, amara, daniel, priya):
    older = start(amara, [daniel], subject="Older subject")
    newer = start(priya, [daniel], subject="Newer subject")
    send(amara, older, "Another")
    send(priya, newer, "And another")
    send(priya, newer, "And one more")
    content = client_for(daniel).get("/messages/").content.decode()
    assert content.index("Newer subject") < content.index("Older subject")
    assert "3 new" in content and "2 new" in content
    assert "Messages (5)" in content


def test_replying(client_for, conversation, amara, daniel, django_capture_on_commit_callbacks):
    thread, _ = conversation
    client = client_for(daniel)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/messages/{thread.pk}/", {"body": "Yes, Thursday at 3"})
    assert response.status_code == 302
    assert thread.messages.count() == 2
    thread.refresh_from_db()
    assert thread.last_message_at == thread.messages.last().sent_at
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["args"][0] == amara.pk


def test_an_empty_reply_is_refused_beside_the_field(client_for, conversation, daniel):
    thread, _ = conversation
    response = client_for(daniel).post(f"/messages/{thread.pk}/", {"body": "  "})
    assert response.status_code == 200
    assert b"Enter your reply" in response.content
    assert thread.messages.count() == 1


def test_the_author_marks_their_message_entered_in_error(client_for, conversation, amara):
    thread, message = conversation
    client = client_for(amara)
    url = f"/messages/{thread.pk}/messages/{message.pk}/entered-in-error/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert b"Enter why this message is wrong" in response.content
    response = client.post(url, {"reason": "Sent to the wrong person"})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.entered_in_error and message.error_reason == "Sent to the wrong person"
    assert Message.objects.filter(pk=message.pk).exists()
    page = client.get(f"/messages/{thread.pk}/").content.decode()
    assert "<del" in page and "Sent to the wrong person" in page
    assert AuditEvent.objects.filter(
        user=amara, action=Action.ENTERED_IN_ERROR, object_id=str(message.pk)
    ).exists()
    assert client.post(url, {"reason": "again"}).status_code == 302


def test_only_the_author_may_mark_a_message_entered_in_error(client_for, conversation, daniel):
    thread, message = conversation
    client = client_for(daniel)
    url = f"/messages/{thread.pk}/messages/{message.pk}/entered-in-error/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "Not mine"}).status_code == 403
    message.refresh_from_db()
    assert not message.entered_in_error


def test_the_home_page_shows_unread_messages(client_for, conversation, daniel, amara):
    content = client_for(daniel).get("/").content.decode()
    assert "Unread messages" in content
    assert "You have 1 unread message." in content
    assert "Attendance" in content
    content = client_for(amara).get("/").content.decode()
    assert "You have no unread messages." in content


def test_unread_counts_ignore_own_messages(client_for, conversation, amara, daniel):
    # The author's own message is never unread for her, in the header or in the inbox...
    content = client_for(amara).get("/messages/").content.decode()
    assert "Attendance" in content
    assert "Messages (" not in content
    assert " new</strong>" not in content
    # ...while the same message is unread for the person it was sent to.
    content = client_for(daniel).get("/messages/").content.decode()
    assert "Messages (1)" in content
    assert "1 new</strong>" in content


def test_unread_counts_only_messages_from_others_since_last_read(client_for, amara, daniel):
    thread = start(amara, [daniel], subject="Back and forth")
    send(daniel, thread, "My reply")  # replying reads the thread
    send(amara, thread, "Thanks")
    content = client_for(daniel).get("/messages/").content.decode()
    assert "Messages (1)" in content
    assert "1 new" in content


def test_the_messages_menu_item_is_only_for_people_who_work_with_children(
    client_for, conversation, sam, morgan
):
    assert b'href="/messages/"' not in client_for(sam).get("/").content
    assert b'href="/messages/"' in client_for(morgan).get("/").content


def test_a_child_that_is_not_a_number_is_not_found(client_for, amara):
    assert client_for(amara).get("/messages/new/?child=abc").status_code == 404
