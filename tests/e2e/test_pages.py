"""Every page reachable from each role's menu, and the public and error pages, pass the checks
(axe WCAG 2.2 AA, no CSP violation, no JavaScript error)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import allow_console_error, follow, sign_in, submit, visit

pytestmark = pytest.mark.e2e


def menu(page):
    return page.get_by_role("navigation", name="Menu")


def heading(page):
    return page.get_by_role("heading", level=1)


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/accessibility/", "Accessibility statement"),
        ("/forgotten-password/", "Reset your password"),
    ],
)
def test_public_pages(page, path, title):
    visit(page, path)

    expect(heading(page)).to_contain_text(title)


def test_forgotten_password_request(page, personas):
    visit(page, "/forgotten-password/")
    page.get_by_label("Email", exact=True).fill(personas["amara"].email)
    submit(page, page.get_by_role("button", name="Continue"))

    expect(heading(page)).to_have_text("Check your email")


def test_central_team_pages(page, personas):
    sign_in(page, personas["morgan"].username)

    follow(page, menu(page).get_by_role("link", name="Users"))
    expect(heading(page)).to_have_text("Users")
    follow(page, page.get_by_role("link", name="Amara Okafor"))
    expect(heading(page)).to_have_text("Amara Okafor")
    follow(page, page.get_by_role("button", name="Change details"))
    expect(heading(page)).to_have_text("Change Amara Okafor's details")
    follow(page, menu(page).get_by_role("link", name="Users"))
    follow(page, page.get_by_role("button", name="Add a user"))
    expect(heading(page)).to_have_text("Add a user")

    follow(page, menu(page).get_by_role("link", name="Audit"))
    expect(heading(page)).to_have_text("Audit trail")
    submit(page, page.get_by_role("button", name="Show events"))

    follow(page, menu(page).get_by_role("link", name="Agencies"))
    expect(heading(page)).to_have_text("Agencies")
    follow(page, page.get_by_role("button", name="Add an agency"))
    follow(page, menu(page).get_by_role("link", name="Agencies"))
    follow(page, page.get_by_role("link", name="Health Visiting"))

    follow(page, menu(page).get_by_role("link", name="Your account"))
    expect(heading(page)).to_have_text("Your account")


def test_designated_officer_pages(page, personas):
    sign_in(page, personas["priya"].username)

    follow(page, menu(page).get_by_role("link", name="Audit"))
    expect(heading(page)).to_have_text("Audit trail: Health Visiting")
    follow(page, menu(page).get_by_role("link", name="Users"))
    follow(page, page.get_by_role("link", name="Amara Okafor"))
    follow(page, page.get_by_role("button", name="Deactivate"))
    expect(heading(page)).to_contain_text("Deactivate")


def test_practitioner_account_pages(page, personas):
    sign_in(page, personas["amara"].username)

    follow(page, menu(page).get_by_role("link", name="Your account"))
    expect(heading(page)).to_have_text("Your account")
    follow(page, page.get_by_role("link", name="Change your password"))
    expect(heading(page)).to_contain_text("password")


def test_refused_and_missing_pages(page, personas):
    sign_in(page, personas["amara"].username)
    allow_console_error(page, r"status of 40[34]")

    response = visit(page, "/users/")
    assert response.status == 403
    expect(heading(page)).to_have_text("You do not have access to this page")

    response = visit(page, "/no-such-page/")
    assert response.status == 404
    expect(heading(page)).to_have_text("Page not found")
