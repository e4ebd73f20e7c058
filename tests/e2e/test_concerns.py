"""Concerns in a real browser: a health visitor logs a level-2 concern resolved within her
agency; a teacher who does not yet work with the child logs a level-3 concern, becomes
involved, sees the health visitor with her contact details and a way to message her, moves the
concern on to a Family Support Meeting request, and reads and prints the chronology."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from concerns.models import Concern, ConcernOutcome, ConcernStatus
from tests.children.conftest import involve, make_child
from tests.e2e.conftest import follow, sign_in, sign_out, submit, visit

pytestmark = pytest.mark.e2e


def test_two_practitioners_log_concerns_and_follow_the_flowchart(page, personas):
    amara, daniel = personas["amara"], personas["daniel"]
    child = make_child(forenames="Tobias", surname="Penhaligon")
    involve(amara, child)

    # 1. The health visitor logs a level-2 concern resolved within her agency.
    sign_in(page, amara.username)
    visit(page, f"/children/{child.pk}/record/")
    follow(page, page.get_by_role("button", name="Log a concern"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log a concern")
    submit(page, page.get_by_role("button", name="Log the concern"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the level of need")
    page.get_by_role("radio", name="Level 2: Vulnerable").check()
    page.get_by_role("checkbox", name="Health or development").check()
    page.get_by_label("What was seen or heard").fill("Weight below the expected centile twice")
    page.get_by_role(
        "group", name="Was the concern discussed with the parent or carer?"
    ).get_by_role("radio", name="Yes").check()
    page.get_by_label("Action agreed").fill("Weekly weigh-ins and feeding advice")
    page.get_by_role("radio", name="Resolved within the agency").check()
    submit(page, page.get_by_role("button", name="Log the concern"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Concern logged")
    first = Concern.objects.get()
    assert first.status == ConcernStatus.CLOSED and first.level == 2
    sign_out(page)

    # 2. A teacher not yet involved logs a level-3 concern from the index card.
    sign_in(page, daniel.username)
    visit(page, f"/children/{child.pk}/")
    follow(page, page.get_by_role("button", name="Log a concern"))
    page.get_by_role("radio", name="Level 3: Complex").check()
    page.get_by_role("checkbox", name="Attendance").check()
    page.get_by_label("What was seen or heard").fill("Attendance down to 82%; often tired")
    page.get_by_role(
        "group", name="Was the concern discussed with the parent or carer?"
    ).get_by_role("radio", name="Yes").check()
    page.get_by_label("Action agreed").fill("Talk to the health visitor")
    page.get_by_role("radio", name="Multi-agency discussion").check()
    page.get_by_label("Your role with the child").fill("Class teacher")
    submit(page, page.get_by_role("button", name="Log the concern"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Concern logged")
    others = page.get_by_test_id("others")
    expect(others).to_contain_text("Amara Okafor")
    expect(others).to_contain_text("020 3049 1101")
    expect(others.get_by_role("button", name="Message Amara Okafor")).to_have_attribute(
        "href", f"/messages/new/?to={amara.pk}&child={child.pk}"
    )

    # 3. The concern moves on: a Family Support Meeting is requested.
    follow(page, page.get_by_role("link", name="See the concern"))
    follow(page, page.get_by_role("button", name="Change outcome or level"))
    page.get_by_role("radio", name="Family Support Meeting requested").check()
    page.get_by_label("Note").fill("Agreed with the health visitor")
    submit(page, page.get_by_role("button", name="Save"))
    expect(page.get_by_test_id("changes")).to_contain_text("Family Support Meeting requested")
    second = Concern.objects.get(raised_by=daniel)
    assert second.outcome == ConcernOutcome.MEETING_REQUESTED

    # 4. The chronology shows both concerns and the teacher's new involvement.
    follow(page, page.get_by_role("link", name="Tobias's chronology"))
    chronology = page.get_by_test_id("chronology")
    expect(chronology).to_contain_text("Concern changed")
    expect(chronology).to_contain_text("Weight below the expected centile twice")
    expect(chronology).to_contain_text("Involvement began")
    with page.expect_download() as download:
        page.get_by_test_id("print").click()
    assert download.value.suggested_filename == f"chronology-{child.lisa_ref}.pdf"
