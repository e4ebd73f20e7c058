"""A thread about a child is visible only to its participants who may also see the child's
full record; the per-object rule and the SQL used for lists and counts agree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from audit.models import Action, AuditEvent, Outcome
from children.models import BreakGlass
from messaging.access import can_see_thread, unread_count, visible_participations
from messaging.models import Participant
from tests.messaging.conftest import involve, send, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def about_child(amara, daniel, child):
    amara_involvement = involve(amara, child)
    daniel_involvement = involve(daniel, child, role="Class teacher")
    thread = start(amara, [daniel], child=child, subject="About a pupil", body="Sleep is poor")
    return thread, amara_involvement, daniel_involvement


def _count(user):
    request = RequestFactory().get("/")
    request.user = user
    return unread_count(request)


def test_involved_participants_read_it_and_the_view_is_audited(client_for, about_child, daniel):
    thread, *_ = about_child
    response = client_for(daniel).get(f"/messages/{thread.pk}/")
    assert response.status_code == 200
    assert b"Sleep is poor" in response.content
    event = AuditEvent.objects.filter(user=daniel, action=Action.VIEW).latest("pk")
    assert event.child_id == thread.child_id
    assert event.detail["view"] == "message thread"
    assert event.detail["thread"] == thread.pk


def test_a_participant_who_lost_involvement_cannot_read_it(client_for, about_child, daniel, child):
    thread, _, daniel_involvement = about_child
    daniel_involvement.ended_at = timezone.now()
    daniel_involvement.save()
    client = client_for(daniel)
    response = client.get(f"/messages/{thread.pk}/")
    assert response.status_code == 403
    assert b"Sleep is poor" not in response.content
    assert b"Break glass" in response.content  # offered, as for the record itself
    assert client.post(f"/messages/{thread.pk}/", {"body": "Still here"}).status_code == 403
    assert thread.messages.count() == 1
    refusal = AuditEvent.objects.filter(user=daniel, outcome=Outcome.DENIED).latest("pk")
    assert refusal.child_id == child.pk
    inbox = client.get("/messages/").content
    assert b"About a pupil" not in inbox
    assert b"Messages (" not in inbox
    assert _count(daniel) == 0


def test_a_non_participant_cannot_read_it_even_with_access_to_the_child(
    client_for, about_child, priya, morgan, child
):
    thread, *_ = about_child
    for person in (priya, morgan):  # Amara's designated officer; the central team
        assert client_for(person).get(f"/messages/{thread.pk}/").status_code == 404
        assert not visible_participations(person).exists()


def test_the_designated_officer_of_an_involved_agency_may_read_it_as_a_participant(
    client_for, about_child, priya, amara
):
    thread, amara_involvement, _ = about_child
    Participant.objects.create(thread=thread, user=priya)
    assert client_for(priya).get(f"/messages/{thread.pk}/").status_code == 200
    amara_involvement.ended_at = timezone.now()
    amara_involvement.save()
    # No one of her agency is involved any more.
    assert client_for(priya).get(f"/messages/{thread.pk}/").status_code == 403


def test_break_glass_opens_it_for_24_hours_and_the_view_records_the_reason(
    client_for, about_child, daniel, child
):
    thread, _, daniel_involvement = about_child
    daniel_involvement.ended_at = timezone.now()
    daniel_involvement.save()
    grant = BreakGlass.objects.create(
        child=child,
        user=daniel,
        category="safeguarding",
        reason="Child disclosed at school",
        expires_at=timezone.now() + dt.timedelta(hours=24),
    )
    client = client_for(daniel)
    assert client.get(f"/messages/{thread.pk}/").status_code == 200
    event = AuditEvent.objects.filter(user=daniel, action=Action.VIEW).latest("pk")
    assert event.detail["break_glass"]["grant"] == grant.pk
    grant.created_at = timezone.now() - dt.timedelta(days=2)
    grant.expires_at = timezone.now() - dt.timedelta(minutes=1)
    grant.save()
    assert client.get(f"/messages/{thread.pk}/").status_code == 403


def test_the_sql_rule_agrees_with_the_object_rule(about_child, personas, child):
    thread, _, daniel_involvement = about_child
    plain = start(personas["amara"], [personas["helen"]], subject="No child here")
    for person in personas.values():
        for t in (thread, plain):
            Participant.objects.get_or_create(thread=t, user=person)
    send(personas["amara"], thread, "Update")
    daniel_involvement.entered_in_error = True
    daniel_involvement.error_reason = "Wrong child"
    daniel_involvement.save()
    BreakGlass.objects.create(
        child=child,
        user=personas["helen"],
        category="safeguarding",
        reason="Urgent",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    for person in personas.values():
        visible = set(visible_participations(person).values_list("thread_id", flat=True))
        for t in (thread, plain):
            expected = can_see_thread(person, t, participant=True)
            assert (t.pk in visible) == expected, (person.username, t.subject)
    expected = {"amara", "priya", "helen", "morgan"}
    assert {
        name for name, p in personas.items() if can_see_thread(p, thread, participant=True)
    } == expected
