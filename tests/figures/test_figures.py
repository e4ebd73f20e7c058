"""The figures count exactly what they say: known data, exact numbers, edges of months,
entered-in-error concerns left out, shielded addresses withheld, and a designated officer's
restriction to their own agency's work."""

from __future__ import annotations

import datetime as dt

import pytest

from concerns.models import Category
from figures import access_figures, child_figures, concern_figures, meeting_figures
from figures.base import FEWER_THAN_FIVE, WITHHELD
from figures.scope import Scope, add_months, default_range
from tests.conftest import make_user


def central(**filters) -> Scope:
    start, end = default_range()
    return Scope(start=start, end=end, trend_start=start, **filters)


def table(figure) -> dict[str, list[str]]:
    return {cells[0]: cells[1:] for cells in figure.table()}


def test_concerns_per_month_counts_by_the_date_of_the_concern(world, this_month, last_month):
    rows = table(concern_figures.concerns_per_month(central()))
    assert len(rows) == 12
    assert rows[this_month.strftime("%b %Y")] == ["2"]  # k2 on the 1st, k5
    assert rows[last_month.strftime("%b %Y")] == ["2"]  # k1 on the last day, k3; not k4
    assert sum(int(cells[0]) for cells in rows.values()) == 4  # k6 is before the range


def test_concerns_by_level_agency_and_type(world):
    assert table(concern_figures.concerns_by_level(central())) == {
        "Level 1: Universal": ["1"],
        "Level 2: Vulnerable": ["2"],
        "Level 3: Complex": ["1"],
        "Level 4: Acute": ["0"],
    }
    assert table(concern_figures.concerns_by_agency(central())) == {
        "Health Visiting": ["3"],
        "Cedar Rise Primary": ["1"],
    }
    assert table(concern_figures.concerns_by_agency_type(central())) == {
        "Health": ["3"],
        "Education": ["1"],
    }


def test_concerns_by_category_count_each_category(world):
    rows = table(concern_figures.concerns_by_category(central()))
    assert rows == {"Neglect": ["4"], "Housing": ["1"]}


def test_concerns_by_outcome_in_flowchart_order(world):
    figure = concern_figures.concerns_by_outcome(central())
    assert [row.label for row in figure.rows][:2] == [
        "Resolved within the agency",
        "Multi-agency discussion",
    ]
    assert table(figure)["Multi-agency discussion"] == ["4"]


def test_area_is_the_ward_never_a_shielded_address(world):
    rows = table(concern_figures.concerns_by_area(central()))
    assert rows == {"Rushey Green": ["2"], WITHHELD: ["1"], "SE1": ["1"]}
    assert "SE4" not in str(rows) and "Brockley" not in str(rows)


def test_area_filter_never_matches_a_shielded_address(world):
    assert table(concern_figures.concerns_by_level(central(area="Rushey Green")))[
        "Level 2: Vulnerable"
    ] == ["1"]
    brockley = concern_figures.concerns_by_level(central(area="Brockley"))
    assert brockley.empty  # the shielded child lives in SE4 1 (Brockley): still not counted
    assert concern_figures.concerns_by_level(central(area="SE4")).empty


def test_reopened_and_entered_in_error(world):
    assert table(concern_figures.reopened_and_in_error(central())) == {
        "Re-opened": ["1"],
        "Entered in error": ["1"],
    }


def test_agency_and_level_filters(world, agencies, this_month, last_month):
    scope = central(agency=agencies["health"], level=2)
    rows = table(concern_figures.concerns_per_month(scope))
    assert rows[last_month.strftime("%b %Y")] == ["1"]  # k1 only
    assert rows[this_month.strftime("%b %Y")] == ["0"]


def test_a_designated_officer_counts_their_own_agencys_concerns(world, helen, this_month):
    scope = central(own_agency_id=helen.agency_id)
    assert table(concern_figures.concerns_by_agency(scope)) == {"Cedar Rise Primary": ["1"]}
    assert table(concern_figures.concerns_per_month(scope))[this_month.strftime("%b %Y")] == ["1"]
    assert table(concern_figures.concerns_by_area(scope)) == {"SE1": ["1"]}


def test_a_custom_range_includes_the_earlier_concern(world, this_month):
    start = add_months(this_month, -13)
    scope = Scope(start=start, end=this_month, trend_start=start)
    assert table(concern_figures.concerns_by_level(scope))["Level 4: Acute"] == ["1"]
    assert len(scope.months()) == 14


def test_children_figures(world, helen):
    rows = table(child_figures.children_known(central()))
    assert rows["Known to LISA (active)"] == ["4"]
    # k1, k2 (Rushey Green), k3 (shielded), k5: three children; k4's child only in error.
    assert rows["With an open concern"] == ["3"]
    assert rows["With a lead professional"] == ["0"]
    ages = table(child_figures.children_by_age(central()))
    assert sum(int(v[0]) for v in ages.values()) == 4
    assert table(child_figures.children_known(central(own_agency_id=helen.agency_id)))[
        "Known to LISA (active)"
    ] == ["1"]


def test_new_children_per_month(world, this_month):
    rows = table(child_figures.new_children_per_month(central()))
    assert rows[this_month.strftime("%b %Y")] == ["4"]


def test_moved_out_and_closed_come_from_the_field_history(world, this_month):
    from children.models import ChildStatus

    away = world["children"]["away"]
    away.status = ChildStatus.MOVED_OUT
    away.save()
    rows = table(child_figures.moved_out_and_closed(central()))
    assert rows[this_month.strftime("%b %Y")] == ["1", "0"]


def test_csv_cells_cannot_run_as_formulas(world, client_for, morgan):
    category = Category.objects.create(name='=HYPERLINK("http://x")')
    world["concerns"][0].categories.add(category)
    response = client_for(morgan).get("/figures/concerns/concerns-by-category.csv")
    assert response.status_code == 200
    body = response.content.decode()
    assert "'=HYPERLINK" in body
    assert "\n=HYPERLINK" not in body


@pytest.fixture
def meeting_world(world, amara, ivy, agencies):
    """A meeting about k1 (meeting requested), with amara and ivy attending and a CAMHS
    practitioner (a sensitive service) invited; a plan with one overdue action for ivy."""
    from concerns.models import ConcernChange, ConcernOutcome
    from meetings.models import PlanAction
    from tests.meetings.conftest import add_action, arrange, hold, start_plan

    k1 = world["concerns"][0]
    ConcernChange.objects.create(
        concern=k1,
        by=amara,
        kind="changed",
        from_outcome="multi_agency",
        to_outcome=ConcernOutcome.MEETING_REQUESTED,
    )
    k1.outcome = ConcernOutcome.MEETING_REQUESTED
    k1.save()
    camhs = make_user("cass.vale", agencies["camhs"], ["practitioner"])
    child = world["children"]["rushey"]
    meeting = arrange(amara, child, practitioners=[ivy, camhs], concerns=[k1])
    held = hold(meeting, amara, attended=[amara, ivy], apologies=[camhs])
    plan = start_plan(held, amara)
    action = add_action(plan, amara, ivy)
    PlanAction.objects.filter(pk=action.pk).update(due_on=dt.date.today() - dt.timedelta(days=3))
    return {"meeting": held, "plan": plan, "camhs": camhs}


def test_meetings_held_attendance_and_wait(meeting_world, this_month):
    held = table(meeting_figures.meetings_held(central()))
    assert held[this_month.strftime("%b %Y")] == ["1", "0", "0"]
    attendance = table(meeting_figures.attendance(central()))
    assert attendance["Health Visiting"] == ["1", "1", "100%"]
    assert attendance["Deptford Family Support"] == ["1", "1", "100%"]
    assert attendance["CAMHS"] == ["1", "0", "0%"]
    wait = table(meeting_figures.time_to_first_meeting(central()))
    assert wait["Concerns with a meeting held"] == ["1"]
    assert wait["Concerns still waiting for a meeting"] == ["0"]
    assert wait["Median wait"] == ["0 days"]


def test_plans_and_actions(meeting_world, this_month):
    assert table(meeting_figures.plans_opened_and_closed(central()))[
        this_month.strftime("%b %Y")
    ] == ["1", "0"]
    attention = table(meeting_figures.plans_needing_attention(central()))
    assert list(attention.values())[0] == ["1"]
    assert table(meeting_figures.actions_overdue(central())) == {"Deptford Family Support": ["1"]}
    assert table(meeting_figures.outcomes_sought(central()))["Getting a good education"] == ["1"]


def test_a_designated_officer_sees_small_counts_of_others_withheld_and_no_sensitive_service(
    meeting_world, priya, helen
):
    scope = central(own_agency_id=priya.agency_id)
    attendance = table(meeting_figures.attendance(scope))
    assert attendance["Health Visiting"] == ["1", "1", "100%"]
    assert attendance["Deptford Family Support"] == [FEWER_THAN_FIVE] * 3
    assert "CAMHS" not in attendance
    # The school was not invited: its officer counts no meeting at all.
    school = central(own_agency_id=helen.agency_id)
    assert meeting_figures.meetings_held(school).empty
    # Actions: only those the officer's agency owns.
    assert meeting_figures.actions_overdue(scope).rows == []


def test_access_figures(world, amara, morgan, priya, this_month, client_for):
    from audit.models import Alert, AlertKind

    child = world["children"]["rushey"]
    Alert.objects.create(kind=AlertKind.BREAK_GLASS, child=child, user=amara, reason="x")
    Alert.objects.create(kind=AlertKind.SELF_CLAIM, child=child, user=amara, reason="y")
    client = client_for(amara)
    assert client.get("/figures/").status_code == 403  # a refusal, audited
    client.get(f"/children/{child.pk}/")  # a record opened
    month = this_month.strftime("%b %Y")
    assert table(access_figures.alerts_per_month(central()))[month] == ["1", "1", "0"]
    assert table(access_figures.alert_reviews(central()))["Break glass"] == ["0", "1"]
    assert int(table(access_figures.refusals_per_month(central()))[month][0]) >= 1
    opened = table(access_figures.records_opened(central()))
    assert opened["Health Visiting"][1] == "1"
    # Priya (a health officer) counts her own agency's; a school officer's agency has none.
    assert table(access_figures.records_opened(central(own_agency_id=priya.agency_id)))
    assert not access_figures.records_opened(central(own_agency_id=morgan.agency_id)).rows


def test_level_and_area_narrow_the_access_figures_to_those_children(world, amara, client_for):
    from audit.models import Alert, AlertKind

    rushey, away = world["children"]["rushey"], world["children"]["away"]
    Alert.objects.create(kind=AlertKind.BREAK_GLASS, child=rushey, user=amara, reason="x")
    Alert.objects.create(kind=AlertKind.BREAK_GLASS, child=away, user=amara, reason="y")
    client = client_for(amara)
    client.get(f"/children/{rushey.pk}/")
    everyone = table(access_figures.alert_reviews(central()))
    assert everyone["Break glass"] == ["0", "2"]
    rushey_green = central(area="Rushey Green")
    assert table(access_figures.alert_reviews(rushey_green))["Break glass"] == ["0", "1"]
    assert table(access_figures.records_opened(rushey_green))["Health Visiting"][1] == "1"
    assert not access_figures.records_opened(central(area="Deptford")).rows
    # Level 4: none of these children had a level 4 concern in the period.
    assert table(access_figures.alert_reviews(central(level=4)))["Break glass"] == ["0", "0"]
