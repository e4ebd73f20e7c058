"""Journey 6: a service's editor updates its opening times; practitioners and the public see
the change."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from directory.models import Category, Organisation
from tests.directory.conftest import make_service
from tests.e2e.conftest import follow, sign_in, sign_out, submit, visit

pytestmark = pytest.mark.e2e


@pytest.fixture
def parenting_group(sam, amara):
    category = Category.objects.create(name="Parenting support", description="Being a parent")
    organisation = Organisation.objects.create(name="Deptford Family Support Network")
    return make_service(
        organisation,
        "Bumps and Babies Parenting Group",
        description="A weekly group for parents and carers of babies and toddlers.",
        categories=[category],
        minimum_age=0,
        maximum_age=4,
        sessions=[(0, "09:30", "11:30")],
        editors=[sam],
        location={"name": "Deptford Lounge", "address_1": "9 Giffin Street", "postcode": "SE8 4RJ"},
    )


def opening_row(page, day: str):
    table = page.get_by_test_id("opening-times")
    return table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=day))


def test_an_editor_updates_opening_times_and_everyone_sees_them(page, parenting_group):
    # The editor finds their entry through the directory menu item.
    sign_in(page, "sam.taylor")
    follow(page, page.get_by_role("link", name="Service directory"))
    follow(page, page.get_by_role("link", name="Your directory entries"))
    follow(page, page.get_by_role("link", name="Bumps and Babies Parenting Group"))
    expect(opening_row(page, "Monday")).to_contain_text("09:30 to 11:30")

    # A mistake first: closing before opening is refused beside the field.
    follow(page, page.get_by_role("button", name="Change this entry"))
    page.get_by_label("Monday").fill("17:00 to 09:00")
    page.get_by_label("Saturday").fill("10:00 to 12:30")
    submit(page, page.get_by_role("button", name="Preview changes"))
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.locator(".govuk-error-message")).to_contain_text(
        "Monday: the closing time (09:00) must be after the opening time (17:00)"
    )
    expect(page.get_by_label("Saturday")).to_have_value("10:00 to 12:30")  # nothing lost

    # Corrected, previewed, saved.
    page.get_by_label("Monday").fill("9:30 to 11:30, 13:00 to 15:00")
    submit(page, page.get_by_role("button", name="Preview changes"))
    changes = page.get_by_test_id("changes")
    expect(changes).to_contain_text("09:30 to 11:30, 13:00 to 15:00")
    expect(changes).to_contain_text("10:00 to 12:30")
    submit(page, page.get_by_role("button", name="Save changes"))
    expect(page.get_by_text("has been saved")).to_be_visible()
    expect(opening_row(page, "Monday")).to_contain_text("09:30 to 11:30, 13:00 to 15:00")
    expect(opening_row(page, "Saturday")).to_contain_text("10:00 to 12:30")
    sign_out(page)

    # A practitioner finds the service and sees the new times.
    sign_in(page, "amara.okafor")
    follow(page, page.get_by_role("link", name="Service directory"))
    page.get_by_label("What are you looking for?").fill("parents babies")
    submit(page, page.get_by_role("button", name="Search"))
    follow(page, page.get_by_role("link", name="Bumps and Babies Parenting Group"))
    expect(opening_row(page, "Saturday")).to_contain_text("10:00 to 12:30")
    expect(page.get_by_test_id("last-reviewed")).to_contain_text("last reviewed on")
    sign_out(page)

    # So does a member of the public, without signing in, filtering by a day.
    visit(page, "/directory/public/")
    page.get_by_label("Open on").select_option(label="Saturday")
    submit(page, page.get_by_role("button", name="Search"))
    follow(page, page.get_by_role("link", name="Bumps and Babies Parenting Group"))
    expect(opening_row(page, "Saturday")).to_contain_text("10:00 to 12:30")
    expect(page.get_by_role("link", name="See SE8 4RJ on a map")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm still correct")).to_have_count(0)


def test_the_central_team_adds_a_category_an_organisation_and_a_service(
    page, parenting_group, morgan
):
    sign_in(page, "morgan.ellis")
    follow(page, page.get_by_role("link", name="Service directory"))
    follow(page, page.get_by_role("link", name="Manage directory entries"))

    follow(page, page.get_by_role("link", name="Categories"))
    follow(page, page.get_by_role("button", name="Add a category"))
    page.get_by_label("Name").fill("Homework clubs")
    submit(page, page.get_by_role("button", name="Save category"))
    expect(page.get_by_role("link", name="Homework clubs")).to_be_visible()

    visit(page, "/directory/organisations/")
    follow(page, page.get_by_role("button", name="Add an organisation"))
    page.get_by_label("Name").fill("Sydenham Learning Hub")
    page.get_by_label("Website").fill("learninghub.example.org")
    submit(page, page.get_by_role("button", name="Save organisation"))
    expect(page.get_by_role("link", name="Sydenham Learning Hub")).to_be_visible()

    visit(page, "/directory/manage/")
    follow(page, page.get_by_role("button", name="Add a service"))
    page.get_by_label("Organisation").select_option(label="Sydenham Learning Hub")
    page.get_by_label("Name of the service").fill("Sydenham Homework Club")
    page.get_by_label("What the service does").fill("A quiet place to do homework after school.")
    page.get_by_label("Homework clubs").check()
    page.get_by_label("Youngest age served").fill("-1")
    page.get_by_label("Yes, it is free").check()
    page.get_by_label("The service is for the whole borough").check()
    page.get_by_label("Thursday").fill("15:30 to 17:30")
    page.get_by_label("Postcode", exact=True).fill("SE26 4BG")
    page.get_by_label("Address line 1").fill("44 Kirkdale")
    page.get_by_label("Sam Taylor").check()
    submit(page, page.get_by_role("button", name="Preview changes"))
    expect(page.locator(".govuk-error-message")).to_contain_text(
        "The youngest age must be 0 or more"
    )
    page.get_by_label("Youngest age served").fill("7")
    page.get_by_label("Oldest age served").fill("16")
    submit(page, page.get_by_role("button", name="Preview changes"))
    expect(page.get_by_test_id("changes")).to_contain_text("Sydenham Homework Club")
    submit(page, page.get_by_role("button", name="Save changes"))
    expect(page.get_by_text("has been added to the directory")).to_be_visible()
    expect(page.get_by_text("Not published")).to_be_visible()
    follow(page, page.get_by_role("link", name="History of changes"))
    expect(page.get_by_text("Added the entry")).to_be_visible()
