"""Journey 9, second half: the family moves out of the borough. The class teacher records the
move from the full record (a date that cannot be, first: explained beside the field, nothing
typed lost); the record is marked moved out of area with the receiving authority and the new
address, and the lead professional is told. The practitioners keep working with the child
through the grace period; in it, the lead professional produces a transfer summary for the
receiving authority on the parent/carer agreement on file (no basis chosen, first: explained,
the authority typed kept) and downloads it as PDF and as JSON valid against the project's
schema. When the grace period has passed, the daily command ends the involvements: the
practitioner keeps the index card but is refused the full record."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from jsonschema import Draft202012Validator, FormatChecker
from playwright.sync_api import expect

from audit.models import Action
from children.models import ChildStatus, ParentalResponsibility
from messaging.notifications import send_notification
from tests.children.conftest import involve, make_child
from tests.consent.test_records import parent_agreement
from tests.e2e.conftest import allow_console_error, follow, sign_in, sign_out, submit, visit
from tests.helpers import assert_audited, pdf_text

pytestmark = pytest.mark.e2e

SCHEMA = Path(settings.BASE_DIR) / "children" / "schemas" / "transfer-summary-2.json"
NHS_NUMBER = "9434765919"
AUTHORITY = "Kent County Council"
TEAM = "Children's Front Door"
TEAM_EMAIL = "frontdoor@kent.example.org"
TEAM_PHONE = "03000 411111"
FOR_WHOM = f"{AUTHORITY}, {TEAM}"

MOVED_ON = "When did they move?"
NOT_A_DATE = "Enter a real date, for example 27 3 2024"
WHO_FOR = "Who is it for?"
BASIS = "The lawful basis for sharing"
NO_BASIS = "Choose the lawful basis for sharing"


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def heading(page):
    return page.get_by_role("heading", level=1)


def banner(page):
    return page.locator(".govuk-notification-banner")


def on_card(page, key: str):
    """The value of the index card's row ``key`` (the card is on the record page too)."""
    return (
        page.get_by_test_id("index-card")
        .locator(".govuk-summary-list__row")
        .filter(has=page.locator("dt", has_text=re.compile(rf"^{re.escape(key)}$")))
        .locator("dd")
    )


def fill_date(page, legend: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def error_group(page, inner):
    """The GOV.UK form group holding ``inner`` (a field or a fieldset)."""
    return page.locator(".govuk-form-group").filter(has=inner).last


def expect_one_error_beside(page, inner, message: str) -> None:
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name=message)).to_be_visible()
    group = error_group(page, inner)
    expect(group).to_have_class(re.compile(r"\bgovuk-form-group--error\b"))
    expect(group.locator(".govuk-error-message")).to_contain_text(message)
    expect(page.locator(".govuk-error-message")).to_have_count(1)


def download(page, link_name: str):
    """Click the download link ``link_name``; the file's name and bytes."""
    with page.expect_download() as started:
        page.get_by_role("link", name=link_name).click()
    done = started.value
    return done.suggested_filename, Path(done.path()).read_bytes()


def move_notifications() -> list[list]:
    return [
        task.args_kwargs["args"]
        for task in DBTaskResult.objects.all()
        if task.args_kwargs["args"][1:2] == ["moved_out"]
    ]


@pytest.fixture
def moving_family(personas):
    """A child the health visitor (lead professional) and the class teacher work with, the
    mother's agreement to share on file."""
    amara, daniel = personas["amara"], personas["daniel"]
    child = make_child(
        forenames="Marigold",
        surname="Featherstonehaugh",
        date_of_birth=dt.date(2015, 9, 14),
        nhs_number=NHS_NUMBER,
        address_line_1="41 Invented Terrace",
        postcode="SE13 6LH",
    )
    involve(amara, child, lead_professional=True)
    involve(daniel, child, role="Class teacher")
    mother = ParentalResponsibility.objects.create(
        child=child, name="Rosalind Featherstonehaugh", relationship="mother"
    )
    signed_on = timezone.localdate() - dt.timedelta(days=90)
    agreement = parent_agreement(amara, child, mother, signed_on=signed_on)
    return {"child": child, "mother": mother, "agreement": agreement}


def test_moving_out_of_the_area_a_transfer_summary_and_the_end_of_the_grace_period(
    page, personas, moving_family
):
    amara, daniel, morgan = personas["amara"], personas["daniel"], personas["morgan"]
    child, agreement = moving_family["child"], moving_family["agreement"]
    record_url = f"/children/{child.pk}/record/"
    today = timezone.localdate()
    moved_on = today - dt.timedelta(days=3)
    grace_days = settings.LISA_MOVE_OUT_GRACE_DAYS  # 28 unless configured otherwise
    grace_ends = moved_on + dt.timedelta(days=grace_days)

    # 1. The class teacher opens the full record: the child is active, and may be moved out.
    sign_in(page, daniel.username)
    visit(page, record_url)
    expect(on_card(page, "Status")).to_have_text("Active")
    expect(page.get_by_test_id("moved-out")).to_have_count(0)
    follow(page, page.get_by_role("button", name="Moved out of the area", exact=True))
    expect(page).to_have_url(f"/children/{child.pk}/moved-out/")
    expect(heading(page)).to_have_text("Moved out of the area")
    expect(page.locator("main")).to_contain_text(
        f"their involvement ends {grace_days} days after the move so that the work can be "
        "handed over"
    )

    # 3. A date that cannot be (30 February): explained beside the date, nothing typed lost.
    fill_date(page, MOVED_ON, "30", "2", str(moved_on.year))
    page.get_by_label("Receiving authority").fill(AUTHORITY)
    page.get_by_label("Team (optional)").fill(TEAM)
    page.get_by_label("Team email (optional)").fill(TEAM_EMAIL)
    page.get_by_label("Team phone (optional)").fill(TEAM_PHONE)
    page.get_by_label("New address line 1 (optional)").fill("12 Orchard Close")
    page.get_by_label("Town or city (optional)").fill("Maidstone")
    page.get_by_label("Postcode (optional)").fill("me14 1xx")
    submit(page, page.get_by_role("button", name="Record the move"))
    expect(page).to_have_url(f"/children/{child.pk}/moved-out/")
    when = page.get_by_role("group", name=MOVED_ON)
    expect_one_error_beside(page, when, NOT_A_DATE)
    expect(when.get_by_label("Day")).to_have_value("30")
    expect(when.get_by_label("Month")).to_have_value("2")
    expect(when.get_by_label("Year")).to_have_value(str(moved_on.year))
    for label, typed in (
        ("Receiving authority", AUTHORITY),
        ("Team (optional)", TEAM),
        ("Team email (optional)", TEAM_EMAIL),
        ("Team phone (optional)", TEAM_PHONE),
        ("New address line 1 (optional)", "12 Orchard Close"),
        ("Town or city (optional)", "Maidstone"),
        ("Postcode (optional)", "me14 1xx"),
    ):
        expect(page.get_by_label(label)).to_have_value(typed)
    child.refresh_from_db()
    assert child.status == ChildStatus.ACTIVE and not child.moves_out.exists()
    assert move_notifications() == []

    # Corrected: the move is recorded, with the receiving authority and the new address.
    fill_date(page, MOVED_ON, str(moved_on.day), str(moved_on.month), str(moved_on.year))
    submit(page, page.get_by_role("button", name="Record the move"))
    expect(page).to_have_url(record_url)
    expect(banner(page)).to_contain_text(
        f"Recorded as moved out of the area to {AUTHORITY}. The practitioners' involvement "
        f"ends on {long_date(grace_ends)}."
    )
    expect(on_card(page, "Status")).to_have_text("Moved out of area")
    expect(on_card(page, "Address")).to_have_text(re.compile(r"12 Orchard Close\s*Maidstone"))
    expect(on_card(page, "Address")).to_contain_text("ME14 1XX")
    expect(page.get_by_test_id("moved-out")).to_contain_text(
        f"On {long_date(moved_on)}, to {AUTHORITY}, {TEAM}, {TEAM_EMAIL}, {TEAM_PHONE}. "
        f"Involvements end on {long_date(grace_ends)}."
    )
    expect(page.get_by_role("button", name="Moved out of the area", exact=True)).to_have_count(0)
    child.refresh_from_db()
    assert child.status == ChildStatus.MOVED_OUT
    move = child.moves_out.get()
    assert (move.authority, move.moved_on, move.involvements_end_on) == (
        AUTHORITY,
        moved_on,
        grace_ends,
    )
    assert move.involvements_ended_at is None
    assert_audited(user=daniel, action=Action.UPDATE, child=child, moved_out=True)

    # The lead professional is told (the teacher recorded it himself): an email with a link and
    # no personal data.
    assert move_notifications() == [[amara.pk, "moved_out", f"/children/{child.pk}/"]]
    send_notification.call(amara.pk, "moved_out", f"/children/{child.pk}/")
    [email] = mail.outbox
    assert email.to == [amara.email]
    assert email.subject == "A child you work with has moved out of the area"
    assert f"/children/{child.pk}/" in email.body
    for personal in (child.forenames, child.surname, child.lisa_ref, AUTHORITY):
        assert personal not in email.subject + email.body
    sign_out(page)

    # 2. In the grace period the lead professional still works with the child: it is on her
    # home page, and she produces the transfer summary for the receiving authority.
    sign_in(page, amara.username)
    expect(page.get_by_test_id("my-children")).to_contain_text(
        f"Marigold Featherstonehaugh ({child.lisa_ref})"
    )
    visit(page, record_url)
    expect(page.get_by_test_id("moved-out")).to_contain_text(
        f"Involvements end on {long_date(grace_ends)}."
    )
    follow(page, page.get_by_role("button", name="Transfer summary", exact=True))
    expect(page).to_have_url(f"/children/{child.pk}/transfer-summary/")
    expect(heading(page)).to_have_text("Transfer summary")
    expect(page.get_by_test_id("transfer-summaries")).to_have_count(0)
    expect(page.get_by_label(WHO_FOR)).to_have_value(AUTHORITY)  # from the move
    basis = page.get_by_role("group", name=BASIS)
    agreement_label = f"Parent/carer agreement, signed {long_date(agreement.signed_on)}"
    expect(basis.get_by_role("radio")).to_have_count(1)
    expect(basis.get_by_role("radio", name=agreement_label)).not_to_be_checked()

    # 3. No lawful basis chosen: explained beside the choice, who it is for kept.
    page.get_by_label(WHO_FOR).fill(FOR_WHOM)
    submit(page, page.get_by_role("button", name="Produce the transfer summary"))
    expect(page).to_have_url(f"/children/{child.pk}/transfer-summary/")
    expect_one_error_beside(page, page.get_by_role("group", name=BASIS), NO_BASIS)
    expect(page.get_by_label(WHO_FOR)).to_have_value(FOR_WHOM)
    assert not child.transfer_summaries.exists()

    # On the agreement on file: produced, and listed for download.
    page.get_by_role("group", name=BASIS).get_by_role("radio", name=agreement_label).check()
    submit(page, page.get_by_role("button", name="Produce the transfer summary"))
    expect(page).to_have_url(f"/children/{child.pk}/transfer-summary/")
    expect(banner(page)).to_contain_text(f"The transfer summary for {FOR_WHOM} is ready.")
    produced = page.get_by_test_id("transfer-summaries")
    expect(produced.locator("caption")).to_have_text("Summaries produced")
    expect(produced.locator("tbody tr")).to_have_count(1)
    row = produced.locator("tbody tr")
    expect(row).to_contain_text(FOR_WHOM)
    expect(row).to_contain_text("by Amara Okafor")
    summary = child.transfer_summaries.get()
    assert summary.agreement == agreement and summary.produced_by == amara

    # The PDF carries the identifiers, the NHS number among them, and who it is for.
    name, pdf = download(page, f"PDF for {FOR_WHOM}")
    assert name == f"transfer-summary-{child.lisa_ref}-{summary.pk}.pdf"
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for expected in (
        "Transfer summary",
        "Marigold Featherstonehaugh",
        NHS_NUMBER,
        child.lisa_ref,
        f"For {FOR_WHOM}.",
        f"to {AUTHORITY}",
        "Parent/carer agreement",
        "Rosalind Featherstonehaugh",
        "12 Orchard Close",
    ):
        assert expected in text, f"{expected!r} is not in the PDF"
    assert_audited(user=amara, action=Action.PRINT, child=child, format="pdf", count=1)

    # The JSON is valid against the published schema and holds the child's data.
    name, raw = download(page, f"JSON for {FOR_WHOM}")
    assert name == f"transfer-summary-{child.lisa_ref}-{summary.pk}.json"
    document = json.loads(raw)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    problems = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(document)
    ]
    assert problems == []
    assert document["for_authority"] == FOR_WHOM
    assert document["lawful_basis"] == {
        "kind": "agreement",
        "description": "Parent/carer agreement",
        "date": agreement.signed_on.isoformat(),
    }
    about = document["child"]
    assert about["nhs_number"] == NHS_NUMBER
    assert about["lisa_ref"] == child.lisa_ref
    assert (about["forenames"], about["surname"]) == ("Marigold", "Featherstonehaugh")
    assert about["date_of_birth"] == "2015-09-14"
    assert about["status"] == "moved_out"
    assert about["address"] == {
        "lines": ["12 Orchard Close", "Maidstone"],
        "postcode": "ME14 1XX",
        "shielded": False,
    }
    assert about["moved_out"] == {
        "date": moved_on.isoformat(),
        "authority": AUTHORITY,
        "team": TEAM,
        "email": TEAM_EMAIL,
        "phone": TEAM_PHONE,
    }
    assert document["parents"][0]["name"] == "Rosalind Featherstonehaugh"
    assert {(p["name"], p["role"], p["lead_professional"]) for p in document["practitioners"]} == {
        ("Amara Okafor, Health Visiting", "Health visitor", True),
        ("Daniel Price, Cedar Rise Primary", "Class teacher", False),
    }
    assert document["consent"]["agreements"] == [
        {
            "kind": "parent_carer",
            "decision": "agree",
            "signed_on": agreement.signed_on.isoformat(),
            "withdrawn_on": None,
        }
    ]
    assert document["produced_by"]["name"] == "Amara Okafor, Health Visiting"
    assert document == summary.content  # downloaded exactly as it was produced
    assert_audited(user=amara, action=Action.DOWNLOAD, child=child, format="json", count=1)

    # Before the grace period ends the daily command leaves the involvements alone; once it has
    # passed, it ends them.
    out = io.StringIO()
    call_command("apply_scheduled_transitions", stdout=out)
    assert "Children moved away whose involvements ended: 0." in out.getvalue()
    assert child.involvements.active().count() == 2
    at_the_end = dt.datetime.combine(
        grace_ends, dt.time(6, 0), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(at_the_end, tick=False):
        call_command("apply_scheduled_transitions", stdout=out)
    assert "Children moved away whose involvements ended: 1." in out.getvalue()
    assert not child.involvements.active().exists()
    assert set(child.involvements.values_list("end_reason", flat=True)) == {"Moved out of the area"}
    move.refresh_from_db()
    assert move.involvements_ended_at is not None

    # The lead professional no longer lists the child, is refused the full record and the
    # transfer summary, and still finds the index card.
    visit(page, "/")
    expect(page.get_by_test_id("my-children")).to_have_text(
        "You are not recorded as working with any children."
    )
    allow_console_error(page, r"status of 403")
    response = visit(page, record_url)
    assert response.status == 403
    expect(heading(page)).to_have_text("You do not have access to this page")
    expect(page.locator("main")).not_to_contain_text(NHS_NUMBER)
    response = visit(page, f"/children/{child.pk}/transfer-summary/")
    assert response.status == 403
    expect(heading(page)).to_have_text("You do not have access to this page")
    response = visit(page, f"/children/{child.pk}/")
    assert response.status == 200
    expect(heading(page)).to_have_text("Marigold Featherstonehaugh")
    expect(page.get_by_test_id("lisa-ref")).to_have_text(child.lisa_ref)
    expect(on_card(page, "Status")).to_have_text("Moved out of area")
    expect(page.locator("main")).to_contain_text(
        "No practitioners are recorded as working with this child."
    )
    sign_out(page)

    # The central team's view of the record tells that the involvements ended with the move.
    sign_in(page, morgan.username)
    visit(page, record_url)
    expect(page.get_by_test_id("moved-out")).to_contain_text(
        f"to {AUTHORITY}, {TEAM}, {TEAM_EMAIL}, {TEAM_PHONE}. "
        f"Involvements ended {long_date(grace_ends)}."
    )
    involvements = page.get_by_test_id("involvements")
    for who in ("Amara Okafor", "Daniel Price"):
        expect(involvements.get_by_role("row").filter(has_text=who)).to_contain_text(
            f"Ended {grace_ends.day} {grace_ends:%b %Y}: Moved out of the area"
        )
