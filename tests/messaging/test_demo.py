"""The demo conversations load once, between the demo practitioners, some about a child whose
full record every participant may see."""

from __future__ import annotations

import io

import pytest

from lisa.models import Role
from messaging import demo
from messaging.access import can_see_thread
from messaging.models import Message, Thread
from tests.conftest import make_user
from tests.messaging.conftest import involve, make_child

pytestmark = pytest.mark.django_db


@pytest.fixture
def sofia(agencies):
    return make_user("sofia.romano", agencies["health"], [Role.PRACTITIONER])


def test_demo_conversations_load_once(amara, daniel, priya, helen, sofia):
    for _ in range(3):
        child = make_child()
        involve(amara, child)
        involve(daniel, child, role="Class teacher")
        involve(sofia, child, role="General practitioner")
    demo.load(io.StringIO())
    threads = list(Thread.objects.all())
    assert len(threads) == len(demo.CONVERSATIONS)
    about_children = [t for t in threads if t.child_id]
    assert len(about_children) == 3
    first = Thread.objects.get(subject="Attendance and tiredness in class")
    assert first.child.involvements.filter(practitioner=amara).exists()
    assert first.child.involvements.filter(practitioner=daniel).exists()
    for thread in threads:
        for participation in thread.participations.select_related("user"):
            assert can_see_thread(participation.user, thread, participant=True)
    messages = Message.objects.count()
    demo.load(io.StringIO())
    assert Thread.objects.count() == len(threads)
    assert Message.objects.count() == messages


def test_without_a_child_they_all_may_see_a_conversation_is_left_out_or_has_no_child(
    amara, daniel, priya, helen
):
    demo.load(io.StringIO())
    assert not Thread.objects.filter(child__isnull=False).exists()
    assert Thread.objects.filter(subject="Attendance and tiredness in class").exists()
    assert not Thread.objects.filter(subject="Lunchtime worries").exists()
