"""Subject access: the central team records a request from the child's record (the deadline is one
calendar month on), sees it on the home page, reviews what the answer carries about other
people — a tick without a reason is refused beside the item — withholds the father's contact
details with a reason, previews the answer as a draft PDF, releases the answer and downloads it
as a PDF and as JSON: the JSON is valid against the schema, and neither holds what was
withheld, which says "Withheld" and why in its place."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator
from playwright.sync_api import expect

from audit.models import Action, AuditEvent
from subject_access.models import RequestStatus, SubjectAccessRequest, WithheldItem
from tests.e2e.conftest import follow, sign_in, submit, visit
from tests.helpers import pdf_text
from tests.subject_access.conftest import FATHER_EMAIL, FATHER_PHONE, REPLY, build_scene

pytestmark = pytest.mark.e2e

SCHEMA = json.loads(
    (
        Path(__file__).resolve().parents[2] / "subject_access" / "schemas" / "subject-access-1.json"
    ).read_text()
)
WHY = "Edmund's own contact details; he has not agreed to share them"


def banner(page):
    return page.locator(".govuk-notification-banner")


def fill_date(page, legend: str, day) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def reason_for(page, checkbox):
    """The reason field the checkbox reveals."""
    return page.locator(f"#{checkbox.get_attribute('aria-controls')}").get_by_label(
        "Why is it withheld?"
    )


def download(page, link_name: str) -> tuple[str, bytes]:
    with page.expect_download() as started:
        page.get_by_role("link", name=link_name).click()
    done = started.value
    return done.suggested_filename, Path(done.path()).read_bytes()


def test_record_review_release_and_download_an_answer(
    page, agencies, amara, priya, morgan, client_for
):
    scene = build_scene(agencies, amara, priya, morgan, client_for, with_request=False)
    child = scene.child
    today = timezone.localdate()

    # 1. The central team opens the child's record and its subject access requests.
    sign_in(page, morgan.username)
    expect(page.get_by_test_id("subject-access-open")).to_have_text(
        "No subject access requests are open."
    )
    visit(page, f"/children/{child.pk}/record/")
    follow(page, page.get_by_role("link", name="Subject access requests", exact=True))
    expect(page).to_have_url(f"/subject-access/children/{child.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Subject access requests")

    # 2. The mother's request, received today, her passport seen.
    page.get_by_label("Who is asking?").fill("Rosalind Brackenbury")
    page.get_by_label("A person with parental responsibility").check()
    page.get_by_label("Which person with parental responsibility").select_option(
        label="Rosalind Brackenbury (mother)"
    )
    page.get_by_label("Relationship to the child").fill("Mother")
    fill_date(page, "Date the request was received", today)
    page.get_by_label("Their identity (and any authority to act) has been checked").check()
    page.get_by_label("How was it checked?").fill("Passport seen at the front desk")
    submit(page, page.get_by_role("button", name="Record the request"))
    sar = SubjectAccessRequest.objects.get(child=child)
    expect(page).to_have_url(f"/subject-access/{sar.pk}/")
    due = f"{sar.due_on.day} {sar.due_on:%B %Y}"
    expect(banner(page)).to_contain_text(f"{sar.reference} recorded. The reply is due by {due}.")
    expect(page.get_by_test_id("due-on")).to_contain_text(due)

    # 3. The home page lists it with its deadline.
    visit(page, "/")
    listed = page.get_by_test_id("subject-access-open")
    expect(listed).to_contain_text(f"{sar.reference}: Ottoline Brackenbury ({child.lisa_ref})")
    expect(listed).to_contain_text(f"reply due by {sar.due_on.day} {sar.due_on:%b %Y}")
    follow(page, listed.get_by_role("link", name=re.compile(sar.reference)))
    expect(page).to_have_url(f"/subject-access/{sar.pk}/")

    # 4. The review: the father's contact details and the brother are about other people.
    father = page.get_by_label(re.compile(r"^Contact details of Edmund Brackenbury \(father\)"))
    brother = page.get_by_label(re.compile(r"^Peregrine Brackenbury"))
    expect(father).to_have_count(1)
    expect(brother).to_have_count(1)
    expect(page.get_by_role("group", name="Messages")).to_contain_text(REPLY)
    # Ticked without a reason: refused beside the item, nothing released.
    father.check()
    expect(reason_for(page, father)).to_be_visible()
    submit(page, page.get_by_role("button", name="Release the answer as PDF and JSON"))
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link", name="Say why this item is withheld")).to_be_visible()
    expect(page.locator(".govuk-error-message")).to_have_count(1)
    assert SubjectAccessRequest.objects.get(pk=sar.pk).status == RequestStatus.OPEN
    father = page.get_by_label(re.compile(r"^Contact details of Edmund Brackenbury \(father\)"))
    expect(father).to_be_checked()
    reason_for(page, father).fill(WHY)
    # A preview first: the answer as it would go, marked as a draft; nothing is released.
    with page.expect_download() as started:
        page.get_by_role("button", name="Preview the answer as a PDF").click()
    draft = started.value
    assert draft.suggested_filename == f"draft-subject-access-{child.lisa_ref}-{sar.reference}.pdf"
    text = " ".join(pdf_text(Path(draft.path()).read_bytes()).split())
    assert "Draft for review: this answer has not been released" in text
    assert f"Contact details withheld: {WHY}" in text and FATHER_PHONE not in text
    assert SubjectAccessRequest.objects.get(pk=sar.pk).status == RequestStatus.OPEN
    expect(page.get_by_label(re.compile(r"^Contact details of Edmund"))).to_be_checked()
    submit(page, page.get_by_role("button", name="Release the answer as PDF and JSON"))

    # 5. Released: what was withheld, and why, is kept with the request.
    expect(banner(page)).to_contain_text(f"The answer to {sar.reference} has been released.")
    withheld = page.get_by_test_id("withheld-items")
    expect(withheld).to_contain_text("Contact details of Edmund Brackenbury (father)")
    expect(withheld).to_contain_text(WHY)
    expect(page.get_by_role("button", name="Release the answer as PDF and JSON")).to_have_count(0)
    [item] = WithheldItem.objects.filter(request=sar)
    assert item.item_key == f"parent-{scene.father.pk}-contact" and item.reason == WHY

    # 6. The downloads: the answer as released, the father's details withheld in both.
    name, raw = download(page, "Download the answer as JSON")
    assert name == f"subject-access-{child.lisa_ref}-{sar.reference}.json"
    document = json.loads(raw)
    assert list(Draft202012Validator(SCHEMA).iter_errors(document)) == []
    assert document["request"]["reference"] == sar.reference
    assert document["child"]["lisa_ref"] == child.lisa_ref
    assert document["parents"][1]["contact"] == {
        "key": f"parent-{scene.father.pk}-contact",
        "withheld": WHY,
    }
    assert document["family"][0]["forenames"] == "Peregrine"  # released: not ticked
    assert FATHER_PHONE not in raw.decode() and FATHER_EMAIL not in raw.decode()
    name, raw = download(page, "Download the answer as a PDF")
    assert name.endswith(".pdf")
    text = " ".join(pdf_text(raw).split())
    assert "What LISA holds about Ottoline Brackenbury" in text
    assert f"Contact details withheld: {WHY}" in text
    assert FATHER_PHONE not in text and "Peregrine Brackenbury" in text and REPLY in text
    downloads = AuditEvent.objects.filter(user=morgan, action=Action.DOWNLOAD, child_id=child.pk)
    assert sorted(
        (event.detail["format"], event.detail.get("draft", False)) for event in downloads
    ) == [("json", False), ("pdf", False), ("pdf", True)]

    # 7. Nothing is open on the home page any more.
    visit(page, "/")
    expect(page.get_by_test_id("subject-access-open")).to_have_text(
        "No subject access requests are open."
    )
