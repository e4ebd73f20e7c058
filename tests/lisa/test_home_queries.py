"""The home page's query count, for each role that works with children, with plenty on it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import Action, Outcome
from audit.services import record
from lisa.models import Role
from meetings.models import Meeting, PlanAction, SupportPlan
from messaging.actions import start_thread
from subject_access.actions import record_request
from tests.concerns.conftest import make_concern
from tests.conftest import make_user
from tests.meetings.conftest import (
    add_action,
    arrange,
    as_request,
    hold,
    involve,
    make_child,
    start_plan,
)
from tests.meetings.conftest import send as send_record

pytestmark = pytest.mark.django_db

# Every signed-in page costs 2 before it shows anything: the session with the person and their
# agency (one query), and the unread message count in the header, which on the home page comes
# with the unread conversations listed. Then each section of the home page is one query, whatever
# it lists, with no request-wide transaction around them:
PRACTITIONER_HOME = 10  # designated officers, your activity, unread conversations (and the
# count), your children, your open concerns and their audit event, and three for meetings
# (invitations, records of decisions sent, and what is overdue: reviews and actions together)
DESIGNATED_OFFICER_HOME = 10  # the same: the agency's numbers and the people awaiting training
# come with its designated officers
CENTRAL_TEAM_HOME = 10  # your activity, the unread count, three for meetings, numbers across
# LISA, latest refusals, subject access requests and their audit event (no designated officers:
# the central team manages access itself)


@pytest.fixture
def busy(agencies, amara, priya, morgan):
    """Amara works with 30 children (each with an open concern of hers), is invited to 25
    meetings, has been sent records of decisions, leads plans overdue for review, owns overdue
    actions and has unread conversations; Priya, her agency's designated officer, works with some
    of them and has 12 people awaiting training and colleagues who are officers too; the central
    team has 25 open subject access requests and a day of refusals."""
    ivy = make_user("ivy.moss", agencies["voluntary"], [Role.PRACTITIONER])
    for n in range(3):
        make_user(f"officer.hv{n}", agencies["health"], [Role.DESIGNATED_OFFICER])
    for n in range(12):
        make_user(f"new.hv{n}", agencies["health"], [Role.PRACTITIONER], training_date=None)
    children = []
    for n in range(30):
        child = make_child()
        children.append(child)
        involve(amara, child, lead_professional=True)
        involve(ivy, child, role="Family support worker")
        if n % 3 == 0:
            involve(priya, child, role="Health visitor")
        make_concern(child, amara)
    soon = timezone.localdate() + dt.timedelta(days=5)
    for child in children[:25]:
        arrange(ivy, child, practitioners=[amara, priya], date=soon)
    past = timezone.localdate() - dt.timedelta(days=3)
    for child in children[25:]:
        meeting = hold(arrange(amara, child, practitioners=[ivy, priya]), amara, attended=[ivy])
        plan = start_plan(meeting, amara)
        action = add_action(plan, amara, amara)
        send_record(meeting, amara)
        SupportPlan.objects.filter(pk=plan.pk).update(lead=amara)
        Meeting.objects.filter(pk=meeting.pk).update(next_review_on=past)
        PlanAction.objects.filter(pk=action.pk).update(due_on=past)
    for n in range(6):
        start_thread(
            request=as_request(ivy),
            by=ivy,
            recipients=[amara, priya],
            subject=f"About the family {n}",
            body="Can we talk?",
            child=children[n],
        )
    for n in range(25):
        record_request(
            request=as_request(morgan),
            by=morgan,
            child=children[n],
            values={
                "requester_kind": "representative",
                "requester_name": f"Solicitor {n}",
                "relationship": "solicitor for the mother",
                "received_on": timezone.localdate() - dt.timedelta(days=n * 3),
            },
        )
    for n in range(12):
        record(
            None,
            Action.DENIED,
            outcome=Outcome.DENIED,
            user=ivy,
            detail={"reason": f"refused {n}"},
        )
    return {"amara": amara, "priya": priya, "morgan": morgan}


@pytest.mark.parametrize(
    "who, budget, shows",
    [
        ("amara", PRACTITIONER_HOME, ["my-children", "meeting-invitations", "records-received"]),
        ("priya", DESIGNATED_OFFICER_HOME, ["my-children", "meeting-invitations", "New Hv0"]),
        ("morgan", CENTRAL_TEAM_HOME, ["subject-access-open", "refused 11", "reply due by"]),
    ],
)
def test_the_home_page_costs_a_query_per_section(
    client_for, busy, who, budget, shows, django_assert_max_num_queries
):
    client = client_for(busy[who])
    client.get("/")  # the session's first write after signing in is not what is measured
    with django_assert_max_num_queries(budget):
        response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in shows:
        assert text in page, text
    if who == "amara":
        assert page.count("/meetings/") >= 25
        assert "meetings-overdue" in page
        assert page.count("a review was due") == 5 and page.count("an action was due") == 5
        assert page.count("/concerns/") >= 30
        assert "You have 6 unread messages" in page
    if who == "priya":
        assert page.count('href="/users/') >= 10  # awaiting training, up to ten
        assert "Health Visiting" in page  # the agency named, with no query of its own
        officers = page.split("Your agency's designated officers")[1].split("</ul>")[0]
        assert officers.count("Officer Hv") == 3 and "Priya" in officers
        assert "New Hv" not in officers
        shown = [n for n in range(12) if f"New Hv{n}</a>" in page]
        assert shown == [0, 1, 2, 3, 4, 5, 6, 7, 10, 11]  # the first ten by name: Hv0, Hv1, Hv10…
    if who == "morgan":
        assert "Your agency's designated officers" not in page


def test_a_central_team_member_who_is_a_designated_officer_sees_their_agency(client_for, agencies):
    both = make_user("chris.both", agencies["health"], [Role.CENTRAL_TEAM, Role.DESIGNATED_OFFICER])
    make_user("nia.waiting", agencies["health"], [Role.PRACTITIONER], training_date=None)
    page = client_for(both).get("/").content.decode()
    assert "Your agency's users" in page
    assert "Nia Waiting" in page
    assert "Across LISA" in page
