"""Signing in and out in a real browser, for every role, and a designated officer's first job:
adding a colleague who may sign in only once their training is recorded."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lisa.models import User
from tests.conftest import PASSWORD
from tests.e2e.conftest import follow, sign_in, sign_out, submit, visit

pytestmark = pytest.mark.e2e

UNTRAINED = "You cannot sign in until your LISA training has been recorded"

# What each role's home page shows and must not show, and which menu items it must and must
# not offer.
HOMES = {
    "amara": {
        "shows": ["Welcome, Amara", "Practitioner at Health Visiting", "Priya Shah"],
        "hides": ["Your agency's users", "Across LISA", "System status"],
        "menu": ["Home", "Your account"],
        "no_menu": ["Users", "Figures", "Audit", "Agencies"],
    },
    "priya": {
        "shows": [
            "Welcome, Priya",
            "Practitioner, Designated officer at Health Visiting",
            "Your agency's users",
            "Add a user",
        ],
        "hides": ["Across LISA", "System status"],
        "menu": ["Home", "Users", "Figures", "Audit", "Your account"],
        "no_menu": ["Agencies"],
    },
    "morgan": {
        "shows": ["Welcome, Morgan", "Central team at LISA Central Team", "Across LISA"],
        "hides": ["Your agency's users", "System status"],
        "menu": ["Home", "Users", "Figures", "Audit", "Agencies", "Your account"],
        "no_menu": [],
    },
    "sam": {
        "shows": ["Welcome, Sam", "Directory editor at Deptford Family Support"],
        "hides": ["Your agency's users", "Across LISA", "System status"],
        "menu": ["Home", "Your account"],
        "no_menu": ["Users", "Figures", "Audit", "Agencies"],
    },
    "alex": {
        "shows": ["Welcome, Alex", "System administrator", "System status", "Migrations applied"],
        "hides": ["Your agency's users", "Across LISA"],
        "menu": ["Home", "Your account"],
        "no_menu": ["Users", "Figures", "Audit", "Agencies"],
    },
}


def nav_labels(page) -> list[str]:
    links = page.get_by_role("navigation", name="Menu").get_by_role("link")
    return [text.strip() for text in links.all_inner_texts()]


def choose_role(page, label: str) -> None:
    """Tick a role on the user form: GOV.UK checkboxes in a "Roles" fieldset, or, while the
    form still renders the roles as a multiple select, that select's option."""
    checkboxes = page.get_by_role("group", name="Roles").get_by_role("checkbox", name=label)
    if checkboxes.count():
        checkboxes.check()
    else:
        page.get_by_label("Roles", exact=True).select_option(label=label)


@pytest.mark.parametrize("name", list(HOMES))
def test_each_role_signs_in_sees_its_home_and_signs_out(page, personas, name):
    user = personas[name]
    expected = HOMES[name]

    sign_in(page, user.username)

    expect(page).to_have_url("/")
    main = page.locator("main")
    for text in expected["shows"]:
        expect(main).to_contain_text(text)
    for text in expected["hides"]:
        expect(main).not_to_contain_text(text)
    labels = nav_labels(page)
    assert set(expected["menu"]) <= set(labels), labels
    assert not set(expected["no_menu"]) & set(labels), labels
    expect(page.get_by_text("Signed in as")).to_contain_text(user.get_full_name())

    sign_out(page)

    expect(page).to_have_url("/sign-in/")
    expect(page.locator("main")).to_contain_text("You have signed out")
    expect(page.get_by_test_id("sign-out")).to_have_count(0)
    # Signed out means signed out: home sends the browser back to the sign-in page.
    visit(page, "/")
    expect(page).to_have_url("/sign-in/?next=/")


def test_wrong_password_is_refused_and_the_username_kept(page, personas):
    sign_in(page, "amara.okafor", "not-the-password")

    expect(page).to_have_url("/sign-in/")
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a correct username and password")
    expect(page.get_by_label("Username", exact=True)).to_have_value("amara.okafor")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(page.get_by_test_id("sign-out")).to_have_count(0)


def test_untrained_person_is_refused_with_the_reason(page, personas):
    sign_in(page, personas["jordan"].username)

    expect(page).to_have_url("/sign-in/")
    expect(page.locator(".govuk-error-summary")).to_contain_text(UNTRAINED)
    expect(page.get_by_test_id("sign-out")).to_have_count(0)


def test_designated_officer_adds_a_user_who_signs_in_once_trained(page, personas):
    sign_in(page, personas["priya"].username)
    follow(page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="Users"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Users of Health Visiting")

    follow(page, page.get_by_role("button", name="Add a user"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a user")
    page.get_by_label("First name").fill("Kofi")
    page.get_by_label("Last name").fill("Mensah")
    page.get_by_label("Username").fill("kofi.mensah")
    page.get_by_label("Work email address").fill("kofi.mensah@example.org")
    page.get_by_label("Job title or role").fill("Health visitor")
    page.get_by_label("Work phone number").fill("020 3049 1199")
    expect(page.get_by_label("Agency")).to_have_value(str(personas["priya"].agency_id))
    choose_role(page, "Practitioner")
    submit(page, page.get_by_role("button", name="Save"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Kofi Mensah")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Kofi Mensah has been added")
    expect(page.locator("main .govuk-tag")).to_have_text("Awaiting training")
    detail_path = page.url

    # The person chooses a password from the emailed link; set it directly here.
    kofi = User.objects.get(username="kofi.mensah")
    assert kofi.agency_id == personas["priya"].agency_id
    assert kofi.roles == ["practitioner"]
    assert kofi.training_date is None
    kofi.set_password(PASSWORD)
    kofi.save()

    sign_out(page)
    sign_in(page, "kofi.mensah")
    expect(page).to_have_url("/sign-in/")
    expect(page.locator(".govuk-error-summary")).to_contain_text(UNTRAINED)

    sign_in(page, personas["priya"].username)
    follow(page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="Users"))
    row = page.get_by_role("row").filter(has_text="Kofi Mensah")
    expect(row.locator(".govuk-tag")).to_have_text("Awaiting training")
    follow(page, row.get_by_role("link", name="Kofi Mensah"))
    assert page.url == detail_path

    follow(page, page.get_by_role("link", name="Record training date"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Record LISA training")
    trained_on = timezone.localdate() - dt.timedelta(days=3)
    date_input = page.get_by_role("group", name="Date LISA training was completed")
    date_input.get_by_label("Day").fill(str(trained_on.day))
    date_input.get_by_label("Month").fill(str(trained_on.month))
    date_input.get_by_label("Year").fill(str(trained_on.year))
    submit(page, page.get_by_role("button", name="Record training"))

    assert page.url == detail_path
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Training recorded. Kofi Mensah can now sign in."
    )
    expect(page.locator("main .govuk-tag")).to_have_text("Can sign in")
    training_row = page.locator(".govuk-summary-list__row").filter(has_text="Training completed")
    expect(training_row).to_contain_text(f"{trained_on.day} {trained_on:%B %Y}")

    sign_out(page)
    sign_in(page, "kofi.mensah")
    expect(page).to_have_url("/")
    expect(page.locator("main")).to_contain_text("Welcome, Kofi")
    expect(page.locator("main")).to_contain_text("Practitioner at Health Visiting")
    kofi.refresh_from_db()
    assert kofi.training_date == trained_on


def test_roles_are_offered_as_checkboxes(page, personas):
    sign_in(page, personas["priya"].username)
    visit(page, "/users/new/")

    roles = page.get_by_role("group", name="Roles")
    expect(roles.get_by_role("checkbox")).to_have_count(3, timeout=1_000)


@pytest.mark.parametrize("path", ["/sign-in/", "/accessibility/"])
def test_first_tab_reaches_the_skip_link(page, path):
    visit(page, path)

    page.keyboard.press("Tab")

    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused(timeout=1_000)
    expect(skip_link).to_be_visible()  # it appears when focused
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
