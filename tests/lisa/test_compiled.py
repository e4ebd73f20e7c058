"""The header's unread count is compiled once per process and run with the person's values:
it answers as the access policy's query does, for every role, and "now" is the time of each run."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from children.models import BreakGlass
from lisa import compiled
from lisa.models import Role
from messaging.access import unread_messages
from messaging.models import Participant
from tests.children.conftest import make_child
from tests.conftest import make_user
from tests.messaging.conftest import involve, send, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def child():
    return make_child()


@pytest.fixture(autouse=True)
def _compiled_afresh():
    compiled.forget()
    yield
    compiled.forget()


def _unread(user) -> int:
    return compiled.count("unread", unread_messages, user)


def test_the_count_is_the_access_policys_for_every_role(personas, child, agencies):
    amara = personas["amara"]
    involve(amara, child)
    involve(personas["daniel"], child, role="Class teacher")
    about = start(amara, [personas["daniel"]], child=child, subject="About a pupil")
    plain = start(amara, [personas["helen"]], subject="No child here")
    other = make_user("olu.other", agencies["voluntary"], [Role.PRACTITIONER])
    for person in [*personas.values(), other]:
        for thread in (about, plain):
            Participant.objects.get_or_create(thread=thread, user=person)
    send(amara, about, "Update")
    send(amara, plain, "Another")
    BreakGlass.objects.create(
        child=child,
        user=personas["helen"],
        category="safeguarding",
        reason="Urgent",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    counted = {}
    for person in [*personas.values(), other]:
        if not person.has_role(Role.PRACTITIONER, Role.DESIGNATED_OFFICER, Role.CENTRAL_TEAM):
            continue
        expected = unread_messages(person).count()
        assert _unread(person) == expected, person.username
        assert _unread(person) == expected, person.username  # and compiled, the second time
        counted[person.username] = expected
    # Two messages in each thread: the child's counts only for those who may read it.
    assert counted["olu.other"] == 2  # not involved: the thread about no child alone
    assert counted["morgan.ellis"] == 4  # the central team: both
    assert counted["amara.okafor"] == 0  # her own messages


def test_a_break_glass_grant_counts_until_it_expires_at_each_runs_own_time(
    personas, child, agencies
):
    amara, daniel = personas["amara"], personas["daniel"]
    involve(amara, child)
    his = involve(daniel, child, role="Class teacher")
    thread = start(amara, [daniel], child=child, subject="About a pupil")
    send(amara, thread, "Update")
    his.ended_at = timezone.now()
    his.save()
    BreakGlass.objects.create(
        child=child,
        user=daniel,
        category="safeguarding",
        reason="Urgent",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert _unread(daniel) == 2  # compiled now, with the grant current
    later = timezone.now() + dt.timedelta(hours=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert _unread(daniel) == 0


def test_the_persons_and_agencys_values_are_put_in_each_time(personas, child, agencies):
    """Two designated officers of different agencies share one compiled query."""
    amara = personas["amara"]
    involve(amara, child)
    thread = start(amara, [personas["priya"]], child=child, subject="About a pupil")
    priya = personas["priya"]
    officer = make_user("dee.officer", agencies["school"], list(priya.roles))
    Participant.objects.create(thread=thread, user=officer)
    send(amara, thread, "Update")
    assert priya.agency_id == amara.agency_id
    assert _unread(priya) == 2  # her agency works with the child
    assert _unread(officer) == 0  # his does not
    assert len(compiled._compiled) == 1


def test_a_query_that_can_match_nothing_counts_nothing_without_asking(personas):
    editor = personas["sam"]
    assert not editor.has_role(Role.PRACTITIONER, Role.DESIGNATED_OFFICER, Role.CENTRAL_TEAM)
    assert compiled.count("unread", unread_messages, editor) == 0


def test_a_name_that_is_not_an_identifier_is_refused(personas):
    with pytest.raises(ValueError):
        compiled.count("un read; --", unread_messages, personas["amara"])


def test_a_time_that_is_not_plainly_now_is_never_kept(personas, child):
    """A clock stepped back while the query was built: the grant's cut-off is not "now", so the
    query is not kept, and each count is asked afresh with the time of its own run."""
    amara, daniel = personas["amara"], personas["daniel"]
    involve(amara, child)
    his = involve(daniel, child, role="Class teacher")
    thread = start(amara, [daniel], child=child, subject="About a pupil")
    his.ended_at = timezone.now()
    his.save()
    start_of = timezone.now()
    BreakGlass.objects.create(
        child=child,
        user=daniel,
        category="safeguarding",
        reason="Urgent",
        expires_at=start_of + dt.timedelta(hours=1),
    )
    assert thread.messages.count() == 1
    stepped_back = [start_of, start_of - dt.timedelta(seconds=1), start_of, start_of]
    with mock.patch("django.utils.timezone.now", side_effect=stepped_back):
        assert _unread(daniel) == 1
    assert compiled._compiled == {}
    with mock.patch("django.utils.timezone.now", return_value=start_of + dt.timedelta(hours=3)):
        assert _unread(daniel) == 0
