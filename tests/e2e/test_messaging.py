import pytest
from playwright.sync_api import expect

from messaging.models import Message
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
    # The search lists Daniel's colleagues at Cedar Rise and keeps Amara, already chosen, ticked.
    expect(page.get_by_label(str(personas["helen"]))).not_to_be_checked()
    expect(page.get_by_label(str(amara))).to_be_checked()
    page.get_by_label("Subject").fill("Tiredness in class")
    page.get_by_label("Message").fill("Could we talk on Thursday?")
    submit(page, page.get_by_role("button", name="Send message"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiredness in class")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your message has been sent."
    )
    message = Message.objects.get()
    assert message.author == daniel and message.body == "Could we talk on Thursday?"
    assert set(message.thread.participants.values_list("pk", flat=True)) == {daniel.pk, amara.pk}
    follow(page, page.get_by_role("link", name="Mark as entered in error"))
    submit(page, page.get_by_role("button", name="Mark as entered in error"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why this message is wrong")
    message.refresh_from_db()
    assert not message.entered_in_error
    page.get_by_label("Why is this message wrong?").fill("Wrong day")
    submit(page, page.get_by_role("button", name="Mark as entered in error"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your message has been marked as entered in error."
    )
    messages = page.get_by_test_id("messages")
    expect(messages).to_contain_text("Entered in error Wrong day")
    expect(page.get_by_test_id("entered-in-error")).to_have_text("Could we talk on Thursday?")
    expect(messages.get_by_role("link", name="Mark as entered in error")).to_have_count(0)
    message.refresh_from_db()
    assert message.entered_in_error and message.error_reason == "Wrong day"
    visit(page, "/messages/")
    expect(page.get_by_role("link", name="Tiredness in class")).to_be_visible()
    sign_out(page)
    sign_in(page, amara.username)
    expect(page.get_by_role("navigation", name="Menu")).to_contain_text("Messages (1)")
    follow(page, page.get_by_role("link", name="Messages (1)"))
    follow(page, page.get_by_role("link", name="Tiredness in class"))
    page.get_by_label("Your reply").fill("Yes, 3.30pm")
    submit(page, page.get_by_role("button", name="Send reply"))
    expect(page.get_by_test_id("messages")).to_contain_text("Yes, 3.30pm")
