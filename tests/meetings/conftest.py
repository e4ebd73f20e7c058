"""Meetings for the tests: a household's meeting arranged through the real action.

amara     health visitor, involved with the child; chairs the meeting
ivy       family support worker, invited to the meeting (so involved with the child)
daniel    teacher, not involved: an outsider
helen     designated officer of the school: another agency's officer, not involved
morgan    central team
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from children.models import ParentalResponsibility
from concerns.models import ConcernOutcome
from lisa.models import Role
from meetings import actions
from meetings.models import Meeting, MeetingKind
from tests.children.conftest import involve, make_child
from tests.concerns.conftest import make_concern
from tests.conftest import make_user

__all__ = ["add_action", "arrange", "as_request", "hold", "involve", "make_child", "send"]


def as_request(user, path: str = "/meetings/test/"):
    request = RequestFactory().post(path)
    request.user = user
    request.request_id = "meetings-test"
    return request


def arrange(by, the_child, *, chair=None, practitioners=(), **overrides) -> Meeting:
    values = {
        "children": [the_child],
        "kind": MeetingKind.INITIAL,
        "date": timezone.localdate(),
        "start_time": dt.time(10, 0),
        "end_time": dt.time(11, 30),
        "venue": "Room 2, Kaleidoscope Centre",
        "joining": "in_person",
        "chair": chair or by,
        "practitioners": list(practitioners),
        "young_person_not_invited_reason": "Too young to take part",
    }
    values.update(overrides)
    return actions.arrange_meeting(request=as_request(by), by=by, **values)


@pytest.fixture
def child(db):
    return make_child(forenames="Ottoline", surname="Brackenbury")


@pytest.fixture
def shielded_child(db):
    return make_child(
        forenames="Perpetua",
        surname="Windlesham",
        shielded=True,
        address_line_1="7 Hidden Mews",
        postcode="SE4 1AA",
    )


@pytest.fixture
def ivy(agencies):
    return make_user(
        "ivy.moss", agencies["voluntary"], [Role.PRACTITIONER], job_title="Family support worker"
    )


@pytest.fixture
def mother(child):
    return ParentalResponsibility.objects.create(
        child=child, name="Rosalind Brackenbury", relationship="mother", phone="07700 900123"
    )


@pytest.fixture
def concern(child, amara):
    involve(amara, child)
    return make_concern(child, amara, level=3, outcome=ConcernOutcome.MEETING_REQUESTED)


@pytest.fixture
def meeting(child, amara, ivy, mother, concern):
    return arrange(amara, child, practitioners=[ivy], parents=[mother], concerns=[concern])


def hold(meeting, by, *, attended=(), apologies=(), decisions=("Breakfast club place",), **extra):
    """Record attendance (``attended`` and ``apologies`` are users) and the meeting itself."""
    invitees = {i.practitioner_id: i for i in meeting.invitees.all() if i.practitioner_id}
    attendance = {invitees[u.pk].pk: ("attended", "") for u in attended}
    attendance.update({invitees[u.pk].pk: ("apologies", "") for u in apologies})
    meeting = actions.record_attendance(
        request=as_request(by),
        by=by,
        meeting=meeting,
        version=meeting.version,
        attendance=attendance,
    )
    values = {
        "summary": "Attendance has dropped since September.",
        "strengths": "A loving, close family.",
        "family_views": "Mum wants help with mornings.",
        "decisions": list(decisions),
        "next_review_on": timezone.localdate() + dt.timedelta(weeks=6),
    }
    values.update(extra)
    return actions.record_meeting(
        request=as_request(by), by=by, meeting=meeting, version=meeting.version, **values
    )


def start_plan(meeting, by, outcomes=(("education", "Ottoline is at school every day"),)):
    return actions.create_plan(
        request=as_request(by),
        by=by,
        meeting=meeting,
        version=Meeting.objects.get(pk=meeting.pk).version,
        outcomes=list(outcomes),
    )


def send(meeting, by):
    """Send the meeting's record of decisions."""
    meeting = Meeting.objects.get(pk=meeting.pk)
    return actions.send_record(
        request=as_request(by), by=by, meeting=meeting, version=meeting.version, venue="Room 2"
    )


def add_action(plan, by, owner_user, *, what="Breakfast club place", **extra):
    from meetings.models import SupportPlan

    plan = SupportPlan.objects.get(pk=plan.pk)
    values = {
        "what": what,
        "outcome": plan.outcomes.first(),
        "children": list(plan.children.all()),
        "owner": actions.Owner(kind="practitioner", practitioner=owner_user),
        "due_on": timezone.localdate() + dt.timedelta(days=21),
    }
    values.update(extra)
    return actions.add_action(
        request=as_request(by), by=by, plan=plan, version=plan.version, **values
    )


@pytest.fixture
def scene(meeting, amara, ivy):
    """The meeting held (both practitioners attended), with a plan and an action for ivy."""
    held = hold(meeting, amara, attended=[amara, ivy])
    plan = start_plan(held, amara)
    action = add_action(plan, amara, ivy)
    return {"meeting": Meeting.objects.get(pk=held.pk), "plan": plan, "action": action}
