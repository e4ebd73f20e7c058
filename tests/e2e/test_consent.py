"""Journey 4: the parent/carer agreement is printed, signed and recorded; the young person's
agreement too; a refusal followed by a decision to share without consent is recorded."""

from __future__ import annotations

import datetime as dt

import pytest

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


def test_consent_journey(page, personas):
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
    follow(page, page.get_by_role("button", name="Record a young person's agreement"))
    page.get_by_label("Agrees").check()
    fill_date(page, "Date signatures obtained", dt.date(2026, 5, 3))
    submit(page, page.get_by_role("button", name="Record the agreement"))
    # errors shown, then fixed
    page.get_by_role(
        "group", name="Does the young person have sufficient understanding to consent?"
    ).get_by_label("Yes").check()
    page.get_by_label("Who assessed their understanding?").fill("Amara Okafor, health visitor")
    submit(page, page.get_by_role("button", name="Record the agreement"))
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
    row = Agreement.objects.get(kind="parent_carer")
    follow(
        page,
        page.get_by_role("link", name="Record withdrawal of the agreement signed 3 May 2026").first,
    )
    visit(page, f"/consent/child/{child.pk}/agreements/{row.pk}/scan/")
    visit(page, f"/consent/child/{child.pk}/agreements/{row.pk}/copies/")
    visit(page, f"/consent/child/{child.pk}/agreements/{row.pk}/entered-in-error/")
    visit(page, f"/children/{child.pk}/")
