"""Journey 9, first half: the child changes school. The health visitor records the move from the
child's card: today, the new school's practitioner becomes involved and the old school's teacher
is no longer (he keeps the index card but loses the full record); from a later date, the change
waits and the daily command makes it, and the chronology tells of it. A change with no school is
explained beside the field and nothing typed is lost."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from children.models import HowBegan, Involvement, SchoolChange, SchoolChangeStatus
from lisa.models import Agency, AgencyType, Role
from tests.children.conftest import involve, make_child
from tests.conftest import make_user
from tests.e2e.conftest import allow_console_error, follow, sign_in, sign_out, submit, visit

pytestmark = pytest.mark.e2e

WHEN = "When does the change take effect?"
NEW_SCHOOL = "New school"
WHO = "Who at the new school will work with the child"
NO_SCHOOL = "Choose the new school, or type the name of a school not on LISA"


@pytest.fixture
def riverside(agencies):
    return Agency.objects.create(name="Riverside Secondary", agency_type=AgencyType.EDUCATION)


@pytest.fixture
def rowan(riverside):
    return make_user("rowan.hale", riverside, [Role.PRACTITIONER], job_title="Head of year 7")


@pytest.fixture
def ruth(riverside):
    return make_user("ruth.oyelaran", riverside, [Role.PRACTITIONER, Role.DESIGNATED_OFFICER])


def a_month_after(day: dt.date) -> dt.date:
    """The same day of the next month (or that month's last day, if it is shorter)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def heading(page):
    return page.get_by_role("heading", level=1)


def banner(page):
    return page.locator(".govuk-notification-banner")


def school_on_card(page):
    return (
        page.get_by_test_id("index-card")
        .locator(".govuk-summary-list__row")
        .filter(has=page.locator("dt", has_text="School"))
        .locator("dd")
    )


def working_with(page):
    return page.get_by_role("table", name="Practitioners working with this child")


def fill_date(page, legend: str, day: dt.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def form_group(page, label: str):
    """The GOV.UK form group holding the field labelled ``label``."""
    return page.locator(".govuk-form-group").filter(has=page.get_by_label(label, exact=True)).last


def open_change_of_school(page, child) -> None:
    visit(page, f"/children/{child.pk}/")
    follow(page, page.get_by_role("button", name="Change of school"))
    expect(page).to_have_url(f"/children/{child.pk}/change-school/")
    expect(heading(page)).to_have_text("Change of school")


def test_a_change_today_involves_the_new_school_and_ends_the_old(
    page, personas, riverside, rowan, ruth
):
    amara, daniel = personas["amara"], personas["daniel"]
    child = make_child(forenames="Saffron", surname="Merriweather", school="Cedar Rise Primary")
    involve(amara, child)
    involve(daniel, child, role="Class teacher")
    today = timezone.localdate()

    # 1. The health visitor opens the card: the old school's teacher works with the child.
    sign_in(page, amara.username)
    visit(page, f"/children/{child.pk}/")
    expect(school_on_card(page)).to_have_text("Cedar Rise Primary")
    expect(working_with(page).get_by_role("row").filter(has_text="Daniel Price")).to_have_count(1)
    follow(page, page.get_by_role("button", name="Change of school"))
    expect(page).to_have_url(f"/children/{child.pk}/change-school/")
    expect(heading(page)).to_have_text("Change of school")
    expect(page.locator("main")).to_contain_text("Now at: Cedar Rise Primary")
    expect(page.get_by_test_id("school-change-waiting")).to_have_count(0)

    # The new school and its practitioner, from today.
    page.get_by_label(NEW_SCHOOL, exact=True).select_option(label="Riverside Secondary")
    page.get_by_label(WHO).select_option(label="Rowan Hale — Riverside Secondary")
    fill_date(page, WHEN, today)
    submit(page, page.get_by_role("button", name="Record the change of school"))

    expect(page).to_have_url(f"/children/{child.pk}/")
    expect(banner(page)).to_contain_text("The child's school is now Riverside Secondary.")
    expect(school_on_card(page)).to_have_text("Riverside Secondary")
    rowan_row = working_with(page).get_by_role("row").filter(has_text="Rowan Hale")
    expect(rowan_row).to_have_count(1)
    expect(rowan_row).to_contain_text("Riverside Secondary")
    expect(rowan_row).to_contain_text("Head of year 7")
    expect(working_with(page)).not_to_contain_text("Daniel Price")
    expect(working_with(page).get_by_role("row").filter(has_text="Amara Okafor")).to_have_count(1)

    child.refresh_from_db()
    assert child.school == "Riverside Secondary"
    change = SchoolChange.objects.get(child=child)
    assert change.status == SchoolChangeStatus.APPLIED
    assert change.from_school == "Cedar Rise Primary" and change.effective_on == today
    joined = Involvement.objects.get(child=child, practitioner=rowan)
    assert joined.ended_at is None and joined.how_began == HowBegan.TRANSFER
    left = Involvement.objects.get(child=child, practitioner=daniel)
    assert left.ended_at is not None and left.end_reason == "Changed school"
    # Rowan was named, so the school's designated officer does not join.
    assert not Involvement.objects.filter(child=child, practitioner=ruth).exists()
    sign_out(page)

    # 2. The old school's teacher still finds the index card, but not the full record.
    sign_in(page, daniel.username)
    visit(page, f"/children/{child.pk}/")
    expect(heading(page)).to_have_text("Saffron Merriweather")
    expect(school_on_card(page)).to_have_text("Riverside Secondary")
    expect(page.get_by_role("button", name="Change of school")).to_have_count(0)
    allow_console_error(page, r"status of 403")
    follow(page, page.get_by_role("button", name="Open the full record"))
    expect(page).to_have_url(f"/children/{child.pk}/record/")
    expect(heading(page)).to_have_text("You do not have access to this page")
    response = visit(page, f"/children/{child.pk}/record/")
    assert response.status == 403


def test_a_later_change_waits_for_its_date_and_a_change_without_a_school_is_refused(
    page, personas, riverside, rowan, ruth
):
    amara, daniel = personas["amara"], personas["daniel"]
    child = make_child(forenames="Linnet", surname="Ashgrove", school="Cedar Rise Primary")
    involve(amara, child)
    involve(daniel, child, role="Class teacher")
    on = a_month_after(timezone.localdate())

    sign_in(page, amara.username)
    open_change_of_school(page, child)

    # 4. Neither a school chosen nor one named: explained beside the field, the date kept.
    fill_date(page, WHEN, on)
    submit(page, page.get_by_role("button", name="Record the change of school"))
    expect(page).to_have_url(f"/children/{child.pk}/change-school/")
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name=NO_SCHOOL)).to_be_visible()
    school_group = form_group(page, NEW_SCHOOL)
    expect(school_group).to_have_class(re.compile(r"\bgovuk-form-group--error\b"))
    expect(school_group.locator(".govuk-error-message")).to_contain_text(NO_SCHOOL)
    expect(page.locator(".govuk-error-message")).to_have_count(1)
    date_group = page.get_by_role("group", name=WHEN)
    expect(date_group.get_by_label("Day")).to_have_value(str(on.day))
    expect(date_group.get_by_label("Month")).to_have_value(str(on.month))
    expect(date_group.get_by_label("Year")).to_have_value(str(on.year))
    assert not SchoolChange.objects.filter(child=child).exists()

    # 3. Corrected: the move to Riverside Secondary from a month ahead, its designated officer
    # to join (nobody named). It waits; the school is unchanged.
    page.get_by_label(NEW_SCHOOL, exact=True).select_option(label="Riverside Secondary")
    submit(page, page.get_by_role("button", name="Record the change of school"))
    expect(page).to_have_url(f"/children/{child.pk}/")
    expect(banner(page)).to_contain_text(
        f"The move to Riverside Secondary is recorded: it takes effect on {on.day} {on:%B %Y}."
    )
    expect(school_on_card(page)).to_have_text("Cedar Rise Primary")
    expect(working_with(page).get_by_role("row").filter(has_text="Daniel Price")).to_have_count(1)
    expect(working_with(page)).not_to_contain_text("Ruth Oyelaran")
    open_change_of_school(page, child)
    expect(page.locator("main")).to_contain_text("Now at: Cedar Rise Primary")
    expect(page.get_by_test_id("school-change-waiting")).to_have_text(
        f"A move to Riverside Secondary takes effect on {on.day} {on:%B %Y}."
    )
    child.refresh_from_db()
    assert child.school == "Cedar Rise Primary"
    assert SchoolChange.objects.get(child=child).status == SchoolChangeStatus.SCHEDULED

    # Not yet due today; on the day, the daily command makes it.
    out = io.StringIO()
    call_command("apply_scheduled_transitions", stdout=out)
    assert "Changes of school made: 0." in out.getvalue()
    on_the_day = dt.datetime.combine(on, dt.time(6, 0), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(on_the_day, tick=False):
        call_command("apply_scheduled_transitions", stdout=out)
    assert "Changes of school made: 1." in out.getvalue()

    visit(page, f"/children/{child.pk}/")
    expect(school_on_card(page)).to_have_text("Riverside Secondary")
    expect(working_with(page).get_by_role("row").filter(has_text="Ruth Oyelaran")).to_have_count(1)
    expect(working_with(page)).not_to_contain_text("Daniel Price")
    child.refresh_from_db()
    assert child.school == "Riverside Secondary"
    assert SchoolChange.objects.get(child=child).status == SchoolChangeStatus.APPLIED
    assert Involvement.objects.get(child=child, practitioner=daniel).end_reason == (
        "Changed school"
    )
    assert not Involvement.objects.filter(child=child, practitioner=rowan).exists()

    # The chronology tells of the move.
    visit(page, f"/concerns/children/{child.pk}/chronology/")
    main = page.locator("main")
    expect(main).to_contain_text("Changed school")
    expect(main).to_contain_text("From Cedar Rise Primary to Riverside Secondary")
