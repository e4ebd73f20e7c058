import pytest
from playwright.sync_api import expect

from tests.children.conftest import involve, make_child
from tests.e2e.conftest import follow, sign_in, sign_out, submit, visit

pytestmark = pytest.mark.e2e


def test_messaging(page, personas):
    amara, daniel = personas["amara"], personas["daniel"]
    child = make_child(forenames="Ottoline", surname="Brackenbury")
    involve(amara, child)
    involve(daniel, child, role="Class teacher")
    sign_in(page, daniel.username)
    visit(page, f"/messages/new/?to={amara.pk}&child={child.pk}")
    submit(page, page.get_by_role("button", name="Send message"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a subject")
    page.get_by_label("Find a person").fill("Cedar")
    submit(page, page.get_by_role("button", name="Search"))
    page.get_by_label("Subject").fill("Tiredness in class")
    page.get_by_label("Message").fill("Could we talk on Thursday?")
    submit(page, page.get_by_role("button", name="Send message"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiredness in class")
    follow(page, page.get_by_role("link", name="Mark as entered in error"))
    submit(page, page.get_by_role("button", name="Mark as entered in error"))
    page.get_by_label("Why is this message wrong?").fill("Wrong day")
    submit(page, page.get_by_role("button", name="Mark as entered in error"))
    visit(page, "/messages/")
    sign_out(page)
    sign_in(page, amara.username)
    expect(page.get_by_role("navigation", name="Menu")).to_contain_text("Messages (1)")
    follow(page, page.get_by_role("link", name="Messages (1)"))
    follow(page, page.get_by_role("link", name="Tiredness in class"))
    page.get_by_label("Your reply").fill("Yes, 3.30pm")
    submit(page, page.get_by_role("button", name="Send reply"))
    expect(page.get_by_test_id("messages")).to_contain_text("Yes, 3.30pm")
