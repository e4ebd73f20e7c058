"""Who may open and change each meetings page: "access as the rest of the full record"; the
chair, the lead professional and the central team change; an action's owner updates it."""

from __future__ import annotations

import pytest

from audit.models import Action, AuditEvent, Outcome
from children import actions as child_actions
from tests.meetings.conftest import as_request

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "daniel", "helen", "priya", "ivy", "amara", "morgan")

# daniel: not involved · helen: another agency's designated officer · priya: designated officer
# of the chair's agency · ivy: invited (so involved) and owner of the action · amara: the chair
# · morgan: the central team.   ">plan": a redirect to the plan (the meeting already has one).
TABLE = """
url              anonymous daniel helen priya ivy  amara morgan
arrange          login     403    403   200   200  200   200
arrange-concern  login     403    403   200   200  200   200
detail           login     403    403   200   200  200   200
attendance       login     403    403   403   403  200   200
record           login     403    403   403   403  200   200
lead             login     403    403   403   403  200   200
plan-create      login     403    403   403   403  >plan >plan
print            login     403    403   200   200  200   200
calendar         login     403    403   200   200  200   200
plan             login     403    403   200   200  200   200
outcome-add      login     403    403   403   403  200   200
action-add       login     403    403   403   403  200   200
plan-close       login     403    403   403   403  200   200
action           login     403    403   200   200  200   200
"""
ROWS = {
    line.split()[0]: dict(zip(PERSONAS, line.split()[1:], strict=True))
    for line in TABLE.strip().splitlines()[1:]
}
CASES = [(name, who) for name in ROWS for who in PERSONAS]


def _path(name, scene, child, concern) -> str:
    meeting, plan, action = scene["meeting"], scene["plan"], scene["action"]
    return {
        "arrange": f"/meetings/children/{child.pk}/arrange/",
        "arrange-concern": f"/meetings/concerns/{concern.pk}/arrange/",
        "detail": f"/meetings/{meeting.pk}/",
        "attendance": f"/meetings/{meeting.pk}/attendance/",
        "record": f"/meetings/{meeting.pk}/record/",
        "lead": f"/meetings/{meeting.pk}/lead/",
        "plan-create": f"/meetings/{meeting.pk}/plan/new/",
        "print": f"/meetings/{meeting.pk}/record-of-decisions/",
        "calendar": f"/meetings/{meeting.pk}/calendar/",
        "plan": f"/meetings/plans/{plan.pk}/",
        "outcome-add": f"/meetings/plans/{plan.pk}/outcomes/new/",
        "action-add": f"/meetings/plans/{plan.pk}/actions/new/",
        "plan-close": f"/meetings/plans/{plan.pk}/close/",
        "action": f"/meetings/actions/{action.pk}/",
    }[name]


@pytest.mark.parametrize(("name", "who"), CASES, ids=[f"{n}-{w}" for n, w in CASES])
def test_who_may_open_each_page(
    client, client_for, personas, ivy, scene, child, concern, name, who
):
    if who != "anonymous":
        client = client_for(ivy if who == "ivy" else personas[who])
    path = _path(name, scene, child, concern)
    response = client.get(path)
    expected = ROWS[name][who]
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    elif expected == ">plan":
        assert response.status_code == 302
        assert response["Location"] == f"/meetings/plans/{scene['plan'].pk}/"
    else:
        assert response.status_code == int(expected), (path, response.status_code)


def test_refusals_are_audited(client_for, daniel, scene, child):
    client_for(daniel).get(f"/meetings/{scene['meeting'].pk}/")
    assert AuditEvent.objects.filter(
        user=daniel, action=Action.DENIED, outcome=Outcome.DENIED, child_id=child.pk
    ).exists()


def test_directory_editors_and_administrators_get_nothing(client_for, sam, alex, scene):
    for user in (sam, alex):
        assert client_for(user).get(f"/meetings/{scene['meeting'].pk}/").status_code == 403


def test_a_missing_meeting_is_not_found(client_for, amara, db):
    assert client_for(amara).get("/meetings/999999/").status_code == 404


def test_only_the_owner_sees_the_update_form_on_an_action(client_for, priya, ivy, scene):
    path = f"/meetings/actions/{scene['action'].pk}/"
    assert 'name="status"' in client_for(ivy).get(path).content.decode()
    assert 'name="status"' not in client_for(priya).get(path).content.decode()
    response = client_for(priya).post(path, {"status": "done", "version": "x"})
    assert response.status_code == 403


def test_a_meeting_about_two_children_opens_to_whoever_works_with_either(
    client_for, daniel, helen, amara, morgan, agencies, child, scene
):
    from children.models import Family
    from tests.conftest import make_user
    from tests.meetings.conftest import arrange, make_child

    family = Family.objects.create()
    child.family = family
    child.save()
    brother = make_child(forenames="Barnaby", family=family)
    child_actions.add_involvement(
        request=as_request(daniel),
        by=daniel,
        child=brother,
        practitioner=daniel,
        role="Teacher",
        how_began="concern",
    )
    both = arrange(morgan, child, chair=amara, children=[child, brother])
    assert client_for(daniel).get(f"/meetings/{both.pk}/").status_code == 200
    # ...but not the meeting about the child alone.
    assert client_for(daniel).get(f"/meetings/{scene['meeting'].pk}/").status_code == 403
    # helen's agency works with the brother (daniel), so she may see it too; a practitioner of
    # an agency that works with neither child may not.
    assert client_for(helen).get(f"/meetings/{both.pk}/").status_code == 200
    stranger = make_user("stella.stranger", agencies["camhs"], ["practitioner"])
    assert client_for(stranger).get(f"/meetings/{both.pk}/").status_code == 403
    # Both children shown are audited under their own records.
    for shown in (child, brother):
        assert AuditEvent.objects.filter(
            user=daniel, action=Action.VIEW, child_id=shown.pk, detail__meeting=both.pk
        ).exists()


def test_break_glass_reads_but_does_not_change_and_is_audited_with_the_reason(
    client_for, helen, child, scene
):
    child_actions.break_glass(
        request=as_request(helen),
        by=helen,
        child=child,
        category="safeguarding",
        reason="Police called overnight",
    )
    client = client_for(helen)
    meeting = scene["meeting"]
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert client.get(f"/meetings/{meeting.pk}/record/").status_code == 403
    view = AuditEvent.objects.filter(user=helen, action=Action.VIEW, child_id=child.pk).last()
    assert view.detail["break_glass"]["reason"] == "Police called overnight"
