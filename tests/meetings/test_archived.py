"""A meeting or support plan shared with a child whose record is archived is read only.

An archived record is one "only the central team may open (read only, to restore it or answer a
request)". A meeting, its support plan, the plan's actions and the record of decisions are about
every child in them, so while one of those children is archived nobody changes them — not the
chair, not the lead professional, not the central team — and each refusal says why. Reading
stays as it was. Once the central team restores the record they may change again.

The household: Ottoline (``child``) and her elder brother Marmaduke, who is over 18 and so due
for archiving. amara (a practitioner) chairs the meeting about both; priya (a designated officer
of amara's agency) is appointed their lead professional and owns the plan; ivy owns an action;
morgan is the central team.
"""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import Action
from children import actions as child_actions
from children.models import Family
from children.retention import Schedule
from meetings import actions
from meetings.access import ARCHIVED_REFUSAL
from meetings.models import (
    ActionStatus,
    ClosureReason,
    CopyGiven,
    LeadAppointment,
    Meeting,
    MeetingKind,
    PlanAction,
    ProgressNote,
    SupportPlan,
)
from tests.helpers import assert_audited
from tests.meetings.conftest import (
    add_action,
    arrange,
    as_request,
    hold,
    involve,
    make_child,
    send,
    start_plan,
)

pytestmark = pytest.mark.django_db

REFUSAL = html.escape(ARCHIVED_REFUSAL)
WRITERS = ("amara", "priya", "morgan")


@pytest.fixture
def elder(child):
    family = Family.objects.create()
    child.family = family
    child.save()
    return make_child(
        forenames="Marmaduke",
        surname="Brackenbury",
        date_of_birth=dt.date(2006, 5, 1),
        family=family,
    )


@pytest.fixture
def household(child, elder, amara, ivy, priya, mother, concern):
    """The meeting about both children held, priya appointed lead, a plan with ivy's action, and
    a review meeting about Ottoline alone on the same plan; nothing archived yet."""
    involve(amara, elder)
    meeting = arrange(
        amara,
        child,
        children=[child, elder],
        practitioners=[ivy, priya],
        parents=[mother],
        concerns=[concern],
    )
    held = hold(meeting, amara, attended=[amara, ivy, priya])
    actions.appoint_lead(
        request=as_request(amara),
        by=amara,
        meeting=held,
        version=Meeting.objects.get(pk=held.pk).version,
        practitioner=priya,
    )
    plan = start_plan(held, amara)
    action = add_action(plan, amara, ivy)
    review = arrange(amara, child, kind=MeetingKind.REVIEW, plan=plan, date=timezone.localdate())
    return {
        "meeting": Meeting.objects.get(pk=held.pk),
        "plan": SupportPlan.objects.get(pk=plan.pk),
        "action": PlanAction.objects.get(pk=action.pk),
        "review": Meeting.objects.get(pk=review.pk),
    }


def archive(elder):
    archived = child_actions.archive_records(
        ids=[elder.pk], schedule=Schedule.from_settings(), today=timezone.localdate()
    )
    assert archived == [elder.lisa_ref]
    elder.refresh_from_db()


def restore(elder, morgan):
    child_actions.restore_record(
        request=as_request(morgan), by=morgan, child=elder, reason="Returned to the area"
    )
    elder.refresh_from_db()


def _meeting(pk):
    return Meeting.objects.select_related("plan").get(pk=pk)


def _plan(pk):
    return SupportPlan.objects.get(pk=pk)


def _action(pk):
    return PlanAction.objects.select_related("plan").get(pk=pk)


def _invitee(meeting):
    return meeting.invitees.filter(practitioner__isnull=False).first().pk


# Every change to a meeting, a plan or an action, called as ``by`` (the records reloaded).
WRITES = {
    "attendance": lambda by, s: actions.record_attendance(
        request=as_request(by),
        by=by,
        meeting=(m := _meeting(s["meeting"].pk)),
        version=m.version,
        attendance={_invitee(m): ("apologies", "")},
    ),
    "record the meeting": lambda by, s: actions.record_meeting(
        request=as_request(by),
        by=by,
        meeting=(m := _meeting(s["meeting"].pk)),
        version=m.version,
        summary="Changed",
        strengths="",
        family_views="",
        decisions=["A new decision"],
        next_review_on=timezone.localdate() + dt.timedelta(weeks=6),
    ),
    "appoint the lead": lambda by, s: actions.appoint_lead(
        request=as_request(by),
        by=by,
        meeting=(m := _meeting(s["meeting"].pk)),
        version=m.version,
        practitioner=s["ivy"],
    ),
    "start a plan": lambda by, s: actions.create_plan(
        request=as_request(by),
        by=by,
        meeting=(m := _meeting(s["second"].pk)),
        version=m.version,
        outcomes=[("education", "At school every day")],
    ),
    "send the record": lambda by, s: actions.send_record(
        request=as_request(by),
        by=by,
        meeting=(m := _meeting(s["meeting"].pk)),
        version=m.version,
        venue="Room 2",
    ),
    "correct the record": lambda by, s: actions.start_correction(
        request=as_request(by),
        by=by,
        meeting=(m := _meeting(s["meeting"].pk)),
        version=m.version,
        reason="A decision was wrong",
    ),
    "copy given": lambda by, s: actions.record_copy_given(
        request=as_request(by),
        by=by,
        meeting=_meeting(s["meeting"].pk),
        given_to="Rosalind Brackenbury",
        given_on=timezone.localdate(),
    ),
    "meeting in error": lambda by, s: actions.meeting_entered_in_error(
        request=as_request(by),
        by=by,
        meeting=(m := _meeting(s["meeting"].pk)),
        version=m.version,
        reason="Wrong family",
    ),
    "review meeting": lambda by, s: actions.record_attendance(
        request=as_request(by),
        by=by,
        meeting=(m := _meeting(s["review"].pk)),
        version=m.version,
        attendance={_invitee(m): ("attended", "")},
    ),
    "add an outcome": lambda by, s: actions.add_outcome(
        request=as_request(by),
        by=by,
        plan=(p := _plan(s["plan"].pk)),
        version=p.version,
        headline="health",
        description="Sleeping well",
    ),
    "add an action": lambda by, s: actions.add_action(
        request=as_request(by),
        by=by,
        plan=(p := _plan(s["plan"].pk)),
        version=p.version,
        what="Parenting course",
        outcome=None,
        children=[s["child"]],
        owner=actions.Owner(kind="other", name="Aunt Philippa"),
        due_on=timezone.localdate() + dt.timedelta(days=7),
    ),
    "close the plan": lambda by, s: actions.close_plan(
        request=as_request(by),
        by=by,
        plan=(p := _plan(s["plan"].pk)),
        version=p.version,
        reason=ClosureReason.OTHER,
        text="Support no longer needed",
        agreed_by=s["morgan"],
    ),
    "plan in error": lambda by, s: actions.plan_entered_in_error(
        request=as_request(by),
        by=by,
        plan=(p := _plan(s["plan"].pk)),
        version=p.version,
        reason="Wrong family",
    ),
    "update an action": lambda by, s: actions.update_action(
        request=as_request(by),
        by=by,
        action=(a := _action(s["action"].pk)),
        version=a.version,
        status=ActionStatus.IN_PROGRESS,
        note="Started",
    ),
    "progress note": lambda by, s: actions.add_progress_note(
        request=as_request(by), by=by, action=_action(s["action"].pk), text="Phoned mum"
    ),
    "action in error": lambda by, s: actions.action_entered_in_error(
        request=as_request(by),
        by=by,
        action=(a := _action(s["action"].pk)),
        version=a.version,
        reason="Duplicate",
    ),
}


@pytest.fixture
def world(household, child, elder, personas, ivy, amara):
    # A first meeting about both children with no plan yet (for starting one).
    second = arrange(amara, child, children=[child, elder], date=timezone.localdate())
    return {
        **household,
        **personas,
        "second": second,
        "child": child,
        "elder": elder,
        "ivy": ivy,
    }


def _updated(world) -> list:
    """When each record last changed, and how many notes, copies and appointments there are."""
    return [
        *(
            model.objects.get(pk=world[name].pk).updated_at
            for model, name in (
                (Meeting, "meeting"),
                (Meeting, "review"),
                (Meeting, "second"),
                (SupportPlan, "plan"),
                (PlanAction, "action"),
            )
        ),
        ProgressNote.objects.count(),
        CopyGiven.objects.count(),
        LeadAppointment.objects.count(),
    ]


@pytest.mark.parametrize("who", WRITERS)
@pytest.mark.parametrize("write", list(WRITES))
def test_each_change_is_refused_while_a_child_is_archived_and_allowed_once_restored(
    world, write, who
):
    by = world[who]
    if write == "correct the record":
        send(world["meeting"], world["amara"])
    archive(world["elder"])
    before = _updated(world)
    with pytest.raises(PermissionDenied) as refused:
        WRITES[write](by, world)
    assert str(refused.value) == ARCHIVED_REFUSAL
    assert _updated(world) == before

    restore(world["elder"], world["morgan"])
    if write == "appoint the lead" and who != "morgan":
        # The lead becomes involved with both children, and nobody works with the restored
        # record until someone is added: only the central team may, and the others are told.
        with pytest.raises(PermissionDenied, match="working with each of the children"):
            WRITES[write](by, world)
    elif write == "close the plan" and who == "amara":
        # Not the archive: the chair closes a plan only at a closing meeting.
        with pytest.raises(ValidationError):
            WRITES[write](by, world)
    else:
        WRITES[write](by, world)
        assert _updated(world) != before


@pytest.mark.parametrize("write", ["update an action", "progress note"])
def test_the_action_owner_may_not_update_it_either(world, write):
    archive(world["elder"])
    with pytest.raises(PermissionDenied, match="archived record"):
        WRITES[write](world["ivy"], world)
    assert not PlanAction.objects.get(pk=world["action"].pk).notes.exists()
    restore(world["elder"], world["morgan"])
    WRITES[write](world["ivy"], world)
    assert PlanAction.objects.get(pk=world["action"].pk).notes.exists()


def test_arranging_is_refused_for_an_archived_child_and_its_plan(world, client_for):
    morgan, amara, child, elder = world["morgan"], world["amara"], world["child"], world["elder"]
    arrange_form = f"/meetings/children/{child.pk}/arrange/"
    assert "Support plan opened" in client_for(amara).get(arrange_form).content.decode()
    archive(elder)
    with pytest.raises(PermissionDenied) as refused:
        arrange(morgan, child, children=[child, elder], chair=amara)
    assert "archived record" in str(refused.value)
    with pytest.raises(ValidationError) as invalid:
        arrange(amara, child, kind=MeetingKind.REVIEW, plan=world["plan"])
    assert "archived record" in invalid.value.message_dict["plan"][0]
    # The form does not offer the plan; arranging about Ottoline alone stays possible.
    form = client_for(amara).get(arrange_form).content.decode()
    assert "Support plan opened" not in form and "Marmaduke" not in form
    page = client_for(morgan).get(f"/meetings/children/{elder.pk}/arrange/")
    assert page.status_code == 403
    assert "record is archived" in page.content.decode()
    assert arrange(amara, child).children.get() == child


# The pages that change a meeting, a plan or an action, and whether their GET is a change page.
def _change_pages(world) -> dict[str, bool]:
    meeting, plan, action = world["meeting"].pk, world["plan"].pk, world["action"].pk
    return {
        f"/meetings/{meeting}/attendance/": True,
        f"/meetings/{meeting}/record/": True,
        f"/meetings/{meeting}/lead/": True,
        f"/meetings/{meeting}/plan/new/": True,
        f"/meetings/{meeting}/send/": True,
        f"/meetings/{meeting}/correct/": True,
        f"/meetings/{meeting}/copies/": True,
        f"/meetings/{meeting}/entered-in-error/": True,
        f"/meetings/{world['review'].pk}/attendance/": True,
        f"/meetings/plans/{plan}/outcomes/new/": True,
        f"/meetings/plans/{plan}/actions/new/": True,
        f"/meetings/plans/{plan}/close/": True,
        f"/meetings/plans/{plan}/entered-in-error/": True,
        f"/meetings/actions/{action}/entered-in-error/": True,
        f"/meetings/actions/{action}/": False,  # the action's page: read, but no update
    }


@pytest.mark.parametrize("who", (*WRITERS, "ivy"))
def test_every_change_page_refuses_with_the_reason_and_audits_it(world, client_for, who):
    archive(world["elder"])
    client = client_for(world[who])
    meeting = world["meeting"]
    for path, change_page in _change_pages(world).items():
        if change_page:
            response = client.get(path)
            assert response.status_code == 403, path
            assert REFUSAL in response.content.decode(), path
        response = client.post(path, {"version": meeting.version, "reason": "x"})
        assert response.status_code == 403, path
        assert REFUSAL in response.content.decode(), path
    assert_audited(user=world[who], action=Action.DENIED, reason=ARCHIVED_REFUSAL)


def test_appointing_the_lead_is_a_clear_refusal_not_an_error(world, client_for):
    """Appointing a lead involves them with every child discussed, which an archived record
    refuses: the page says why, for the central team too."""
    archive(world["elder"])
    meeting = _meeting(world["meeting"].pk)
    response = client_for(world["morgan"]).post(
        f"/meetings/{meeting.pk}/lead/",
        {"version": meeting.version, "practitioner": str(world["ivy"].pk)},
    )
    assert response.status_code == 403
    assert REFUSAL in response.content.decode()
    assert not LeadAppointment.objects.filter(practitioner=world["ivy"]).exists()


CHANGE_LINKS = {
    "detail": ("attendance/", "record/", "lead/", "entered-in-error/", "send/", "copies/"),
    "plan": ("outcomes/new/", "actions/new/", "close/", "entered-in-error/"),
}


@pytest.mark.parametrize("who", WRITERS)
def test_the_pages_still_read_but_hide_every_change(world, client_for, who):
    client = client_for(world[who])
    meeting, plan, action = world["meeting"], world["plan"], world["action"]
    paths = {"detail": f"/meetings/{meeting.pk}/", "plan": f"/meetings/plans/{plan.pk}/"}

    def change_links(name: str, page: str) -> list[str]:
        found = [link for link in CHANGE_LINKS[name] if f'"{paths[name]}{link}"' in page]
        return found + (["?plan="] if "?plan=" in page else [])

    for name, path in paths.items():
        page = client.get(path).content.decode()
        assert len(change_links(name, page)) == len(CHANGE_LINKS[name]) + (name == "plan")
        assert 'data-testid="read-only"' not in page
        assert f"/meetings/actions/{action.pk}/entered-in-error/" in page or name == "detail"
    archive(world["elder"])
    for name, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200
        page = response.content.decode()
        assert REFUSAL in page and 'data-testid="read-only"' in page
        assert change_links(name, page) == [], name
        assert "entered-in-error/" not in page
        assert "Marmaduke" in page and "Breakfast club place" in page
    action_page = client.get(f"/meetings/actions/{action.pk}/").content.decode()
    assert 'name="status"' not in action_page and REFUSAL in action_page
    for path in ("record-of-decisions/", "calendar/", "family-copy/"):
        assert client.get(f"/meetings/{meeting.pk}/{path}").status_code == 200


def test_the_action_owner_no_longer_sees_the_update_form(world, client_for):
    path = f"/meetings/actions/{world['action'].pk}/"
    client = client_for(world["ivy"])
    assert 'name="status"' in client.get(path).content.decode()
    archive(world["elder"])
    page = client.get(path)
    assert page.status_code == 200 and 'name="status"' not in page.content.decode()


def test_the_chair_still_sees_who_has_opened_the_record(world, client_for):
    send(world["meeting"], world["amara"])
    archive(world["elder"])
    page = client_for(world["amara"]).get(f"/meetings/{world['meeting'].pk}/").content.decode()
    assert 'data-testid="opened-1"' in page
    assert "/correct/" not in page


def test_a_meeting_without_the_archived_child_still_changes(world, client_for, child, amara):
    alone = arrange(amara, child)
    archive(world["elder"])
    page = client_for(amara).get(f"/meetings/{alone.pk}/").content.decode()
    assert f"/meetings/{alone.pk}/attendance/" in page and 'data-testid="read-only"' not in page
    WRITES["attendance"](amara, {**world, "meeting": alone})


def test_once_restored_the_meeting_and_plan_change_again(world, client_for):
    amara, morgan, ivy, elder = world["amara"], world["morgan"], world["ivy"], world["elder"]
    meeting = world["meeting"]
    archive(elder)
    restore(elder, morgan)
    # The chair: the meeting's pages and changes again.
    client = client_for(amara)
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert f"/meetings/{meeting.pk}/attendance/" in page
    assert 'data-testid="read-only"' not in page
    for write in ("attendance", "record the meeting", "add an outcome", "progress note"):
        WRITES[write](amara, world)
    # Nobody works with the restored record yet, so appointing a lead (which involves them with
    # both children) is the central team's until someone is added: the chair is told why.
    assert f"/meetings/{meeting.pk}/lead/" not in page
    refused = client.get(f"/meetings/{meeting.pk}/lead/")
    assert refused.status_code == 403
    assert "working with each of the children" in refused.content.decode()
    meeting = _meeting(meeting.pk)
    response = client_for(morgan).post(
        f"/meetings/{meeting.pk}/lead/",
        {"version": meeting.version, "practitioner": str(ivy.pk)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert elder.lead_appointments.get(ended_at__isnull=True).practitioner == ivy
    plan = _plan(world["plan"].pk)
    response = client_for(morgan).post(
        f"/meetings/plans/{plan.pk}/close/",
        {"version": plan.version, "reason": ClosureReason.OTHER, "text": "No longer needed"},
    )
    assert response.status_code == 302
    assert not _plan(plan.pk).is_open


def test_an_action_for_a_child_one_does_not_work_with_is_refused_beside_the_field(world):
    """After the restore nobody works with Marmaduke: the chair may not give a practitioner an
    action for him (that would involve them with him), and is told so beside the children."""
    archive(world["elder"])
    restore(world["elder"], world["morgan"])
    plan = _plan(world["plan"].pk)
    with pytest.raises(ValidationError) as invalid:
        actions.add_action(
            request=as_request(world["amara"]),
            by=world["amara"],
            plan=plan,
            version=plan.version,
            what="Youth club",
            outcome=None,
            children=[world["elder"]],
            owner=actions.Owner(kind="practitioner", practitioner=world["ivy"]),
            due_on=timezone.localdate() + dt.timedelta(days=7),
        )
    assert "only for children you work with" in invalid.value.message_dict["children"][0]
