"""Journey 4: the parent/carer agreement is printed, signed and recorded; the young person's
agreement too; a refusal followed by a decision to share without consent is recorded."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfWriter

from children.models import ParentalResponsibility
from consent.models import Agreement, SharingDecision
from tests.children.conftest import involve, make_child
from tests.e2e.conftest import follow, sign_in, submit, visit

pytestmark = pytest.mark.e2e


def fill_date(page, legend: str, day: dt.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_consent_journey(page, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the live server runs in this process
    amara = personas["amara"]
    child = make_child(
        forenames="Ottoline", surname="Brackenbury", date_of_birth=dt.date(2012, 6, 1)
    )
    involve(amara, child)
    ParentalResponsibility.objects.create(
        child=child, name="Henrietta Brackenbury", relationship="mother"
    )
    sign_in(page, amara.username)
    visit(page, f"/children/{child.pk}/record/")
    follow(
        page,
        page.get_by_role(
            "link", name="Agreements, decisions to share without consent and forms to print"
        ),
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Parent/carer agreement (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    follow(page, page.get_by_role("button", name="Record a parent/carer agreement"))
    page.get_by_label("Henrietta Brackenbury (mother)").check()
    page.get_by_label("Does not agree").check()
    fill_date(page, "Date signatures obtained", dt.date(2026, 5, 3))
    submit(page, page.get_by_role("button", name="Record the agreement"))
    expect(banner(page)).to_contain_text("The parent/carer agreement has been recorded.")
    expect(page.get_by_test_id("agreements")).to_contain_text("Henrietta Brackenbury")
    expect(page.get_by_test_id("agreements")).to_contain_text("Does not agree")
    expect(page.get_by_test_id("consent-position")).to_have_text(
        "Parent/carer did not agree on 3 May 2026; young person not asked"
    )
    refusal = Agreement.objects.get()
    assert refusal.kind == "parent_carer" and refusal.decision == "do_not_agree"
    assert refusal.parent.name == "Henrietta Brackenbury"

    follow(page, page.get_by_role("button", name="Record a young person's agreement"))
    page.get_by_label("Agrees").check()
    fill_date(page, "Date signatures obtained", dt.date(2026, 5, 3))
    submit(page, page.get_by_role("button", name="Record the agreement"))
    # errors shown, nothing saved, then fixed
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(
        "Select whether the young person has sufficient understanding to consent"
    )
    expect(summary).to_contain_text("Enter who assessed the young person's understanding")
    assert Agreement.objects.count() == 1
    page.get_by_role(
        "group", name="Does the young person have sufficient understanding to consent?"
    ).get_by_label("Yes").check()
    page.get_by_label("Who assessed their understanding?").fill("Amara Okafor, health visitor")
    submit(page, page.get_by_role("button", name="Record the agreement"))
    expect(banner(page)).to_contain_text("The young person's agreement has been recorded.")
    expect(page.get_by_test_id("agreements")).to_contain_text(
        "Sufficient understanding: yes (assessed by Amara Okafor, health visitor)"
    )
    expect(page.get_by_test_id("consent-position")).to_have_text(
        "Parent/carer did not agree on 3 May 2026; young person agreed on 3 May 2026"
    )
    young = Agreement.objects.get(kind="young_person")
    assert young.decision == "agree" and young.sufficient_understanding is True

    follow(page, page.get_by_role("button", name="Record a decision to share without consent"))
    page.get_by_label("To safeguard the child").check()
    page.get_by_label("What information is shared?").fill("The concern")
    page.get_by_label("Who is it shared with?").fill("Social care")
    page.get_by_label("Who decided?").fill("Priya Shah")
    page.get_by_label("Why?").fill("Risk of harm")
    fill_date(page, "When was it decided?", dt.date(2026, 5, 5))
    page.get_by_label("Parent/carer agreement, 3 May 2026").check()
    submit(page, page.get_by_role("button", name="Record the decision"))
    assert "decision to share without consent on 5 May 2026" in page.content()
    assert Agreement.objects.count() == 2 and SharingDecision.objects.count() == 1
    decision = SharingDecision.objects.get()
    assert decision.refusal == refusal and decision.decided_by == "Priya Shah"
    expect(page.get_by_test_id("sharing-decisions")).to_contain_text(
        "Follows the refusal of 3 May 2026"
    )

    # The young person withdraws their agreement (the newest row, so listed first).
    follow(
        page,
        page.get_by_role("link", name="Record withdrawal of the agreement signed 3 May 2026").first,
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Young person's agreement")
    fill_date(page, "Date the agreement was withdrawn", dt.date(2026, 6, 1))
    page.get_by_label("Who withdrew it?").fill("Ottoline Brackenbury")
    page.get_by_label("In writing").check()
    submit(page, page.get_by_role("button", name="Record the withdrawal"))
    expect(banner(page)).to_contain_text("The withdrawal has been recorded.")
    expect(page.get_by_test_id("agreements")).to_contain_text(
        "1 Jun 2026 by Ottoline Brackenbury, in writing"
    )
    young.refresh_from_db()
    assert young.withdrawn_on == dt.date(2026, 6, 1) and young.withdrawal_how == "in_writing"

    # The signed parent/carer form is scanned and attached, and its copies recorded.
    visit(page, f"/consent/child/{child.pk}/agreements/{refusal.pk}/scan/")
    page.get_by_label("Scanned signed form").set_input_files(
        {"name": "signed.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    submit(page, page.get_by_role("button", name="Attach the scan"))
    expect(banner(page)).to_contain_text("The scanned form has been attached.")
    refusal.refresh_from_db()
    assert refusal.scan_name.endswith(".pdf")
    expect(page.get_by_role("link", name="Download the signed scan")).to_have_count(1)

    visit(page, f"/consent/child/{child.pk}/agreements/{refusal.pk}/copies/")
    page.get_by_label("A copy was sent to the LISA co-ordinator").check()
    fill_date(page, "Date the copy was sent to the LISA co-ordinator", dt.date(2026, 5, 4))
    submit(page, page.get_by_role("button", name="Save the copies"))
    expect(banner(page)).to_contain_text("The copies have been recorded.")
    expect(page.get_by_test_id("agreements")).to_contain_text("LISA Co-ordinator: 4 May 2026")
    refusal.refresh_from_db()
    assert refusal.copy_to_coordinator and refusal.copy_to_coordinator_on == dt.date(2026, 5, 4)

    # The young person's agreement was recorded against the wrong form: entered in error.
    visit(page, f"/consent/child/{child.pk}/agreements/{young.pk}/entered-in-error/")
    page.get_by_label("Why is this entry wrong?").fill("Recorded on the wrong form")
    submit(page, page.get_by_role("button", name="Mark as entered in error"))
    expect(banner(page)).to_contain_text("The agreement has been marked as entered in error.")
    expect(page.get_by_test_id("agreements")).to_contain_text("Recorded on the wrong form")
    young.refresh_from_db()
    assert young.entered_in_error and young.error_reason == "Recorded on the wrong form"

    # The full record shows the position at a glance, without the entry made in error; the
    # index card says only that consent is recorded (refusals are full-record data).
    visit(page, f"/children/{child.pk}/record/")
    expect(page.get_by_test_id("consent-position")).to_have_text(
        "Parent/carer did not agree on 3 May 2026; young person not asked; decision to share "
        "without consent on 5 May 2026 (to safeguard the child)"
    )
    visit(page, f"/children/{child.pk}/")
    expect(page.get_by_test_id("consent-position")).to_have_text("Recorded: see the full record")


def banner(page):
    return page.locator(".govuk-notification-banner")


def pdf_bytes() -> bytes:
    """A one-page PDF, as a scanner would send."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
