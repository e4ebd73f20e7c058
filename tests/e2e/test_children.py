"""The child index in a real browser: a health visitor searches for a child, finds nobody, and
adds the child past the duplicate check; a teacher who does not work with the child breaks glass
to open the full record; the central team reviews the alert that raised."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import Alert, AlertKind
from children.models import BreakGlass, Child, Involvement
from tests.children.conftest import make_child
from tests.e2e.conftest import allow_console_error, follow, sign_in, sign_out, submit

pytestmark = pytest.mark.e2e

LISA_REF = re.compile(r"^L[0-9]{7,8}[A-Z]$")
NEW_CHILD = "Kemi Adebayo-Rowe"
LOOKALIKE = "Kemmy Adebayo Rowe"
VALID_NHS_NUMBER = "943 476 5919"
INVALID_NHS_NUMBER = "943 476 5918"  # the last digit fails the modulus 11 check
NHS_ERROR = "This is not a valid NHS number: check the digits, the last one does not match"
BREAK_GLASS_REASON = "Kemi's brother is in my class and disclosed an injury at home today."
REVIEW_NOTE = "Spoke to Daniel Price and the school's designated officer: access was justified."


def born_on() -> dt.date:
    """A five-year-old's date of birth, whatever year the journey runs in."""
    return dt.date(timezone.localdate().year - 5, 3, 14)


def open_menu_item(page, label: str) -> None:
    follow(page, page.get_by_role("navigation", name="Menu").get_by_role("link", name=label))


def fill_date(page, legend: str, day: dt.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def form_group(page, label: str):
    """The GOV.UK form group holding the field labelled ``label``."""
    return page.locator(".govuk-form-group").filter(has=page.get_by_label(label, exact=True)).last


def search_for(page, name: str, day: dt.date | None = None) -> None:
    """Search by the form: it is posted, and the results page's address carries only an opaque
    id, never the name or date of birth searched for."""
    page.get_by_label("Name, LISA reference, NHS number, UPN or postcode").fill(name)
    if day:
        fill_date(page, "Date of birth", day)
    submit(page, page.get_by_role("button", name="Search"))
    expect(page).to_have_url(re.compile(r"/children/\?s=[A-Za-z0-9_-]{20,}$"))
    expect(page.get_by_label("Name, LISA reference, NHS number, UPN or postcode")).to_have_value(
        name
    )


def test_a_child_is_added_a_teacher_breaks_glass_and_the_central_team_reviews_it(page, personas):
    born = born_on()

    # 1. The health visitor searches for the child first: nobody is found.
    sign_in(page, personas["amara"].username)
    open_menu_item(page, "Children")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a child")
    search_for(page, NEW_CHILD, born)
    expect(page.get_by_role("heading", level=2, name="No children found")).to_be_visible()
    expect(page.get_by_test_id("search-results")).to_have_count(0)
    follow(page, page.get_by_role("link", name="Add a child to LISA"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a child")

    # Meanwhile a colleague elsewhere has added a child who may well be the same one: the
    # check made when adding must catch what the earlier search could not.
    lookalike = make_child(
        forenames="Kemmy",
        surname="Adebayo Rowe",
        date_of_birth=born,
        address_line_1="12 Invented Road",
        postcode="SE13 6LH",
        school="Cedar Rise Primary",
    )

    # 2 and 3. The add form, with an NHS number mistyped: refused beside the field, and
    # nothing typed is lost.
    page.get_by_label("First names", exact=True).fill("Kemi")
    page.get_by_label("Last name", exact=True).fill("Adebayo-Rowe")
    fill_date(page, "Date of birth", born)
    page.get_by_role("group", name="Gender").get_by_role("radio", name="Female").check()
    address = page.get_by_role("group", name="Address")
    address.get_by_label("Address line 1 (optional)").fill("4 Invented Road")
    address.get_by_label("Town or city (optional)").fill("London")
    address.get_by_label("Postcode (optional)").fill("se4 1aa")
    page.get_by_label("NHS number (optional)").fill(INVALID_NHS_NUMBER)
    page.get_by_label("First language (optional)").fill("Yoruba")
    submit(page, page.get_by_role("button", name="Continue"))

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name=NHS_ERROR)).to_be_visible()
    nhs_group = form_group(page, "NHS number (optional)")
    expect(nhs_group).to_have_class(re.compile(r"\bgovuk-form-group--error\b"))
    expect(nhs_group.locator(".govuk-error-message")).to_contain_text(NHS_ERROR)
    nhs_input = page.get_by_label("NHS number (optional)")
    expect(nhs_input).to_have_value(INVALID_NHS_NUMBER)
    expect(nhs_input).to_have_accessible_description(re.compile(re.escape(NHS_ERROR)))
    expect(page.locator(".govuk-error-message")).to_have_count(1)  # nothing else is wrong
    expect(page.get_by_label("First names", exact=True)).to_have_value("Kemi")
    expect(page.get_by_label("Last name", exact=True)).to_have_value("Adebayo-Rowe")
    date_group = page.get_by_role("group", name="Date of birth")
    expect(date_group.get_by_label("Day")).to_have_value(str(born.day))
    expect(date_group.get_by_label("Month")).to_have_value(str(born.month))
    expect(date_group.get_by_label("Year")).to_have_value(str(born.year))
    expect(page.get_by_role("radio", name="Female")).to_be_checked()
    expect(page.get_by_label("Address line 1 (optional)")).to_have_value("4 Invented Road")
    expect(page.get_by_label("Postcode (optional)")).to_have_value("se4 1aa")
    expect(page.get_by_label("First language (optional)")).to_have_value("Yoruba")
    assert not Child.objects.filter(surname="Adebayo-Rowe").exists()

    # Corrected, the duplicate check shows the likely match and asks.
    page.get_by_label("NHS number (optional)").fill(VALID_NHS_NUMBER)
    submit(page, page.get_by_role("button", name="Continue"))
    likely = page.get_by_test_id("likely-matches")
    expect(likely).to_contain_text("1 child on LISA may be the same child")
    matches = page.get_by_role("table", name="Possible matches")
    row = matches.get_by_role("row").filter(has=page.get_by_role("link", name=LOOKALIKE))
    expect(row).to_contain_text(lookalike.lisa_ref)
    expect(row).to_contain_text("Same date of birth")
    assert not Child.objects.filter(surname="Adebayo-Rowe").exists()

    # Not the same child: add a new record.
    submit(
        page,
        page.get_by_role("button", name="None of these is the child: add a new record"),
    )
    kemi = Child.objects.get(surname="Adebayo-Rowe")
    assert LISA_REF.match(kemi.lisa_ref), kemi.lisa_ref
    assert kemi.nhs_number == VALID_NHS_NUMBER.replace(" ", "")
    assert kemi.postcode == "SE4 1AA"
    assert kemi.date_of_birth == born
    assert kemi.created_by == personas["amara"]

    expect(page).to_have_url(f"/children/{kemi.pk}/")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"{NEW_CHILD} has been added to LISA as {kemi.lisa_ref}."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_CHILD)
    card = page.get_by_test_id("index-card")
    expect(card.get_by_test_id("lisa-ref")).to_have_text(kemi.lisa_ref)
    expect(card).to_contain_text(f"{born.day} {born:%B %Y} (age 5)")
    expect(card.get_by_test_id("address")).to_contain_text("4 Invented Road")
    # Adding a child does not record the person who added it as working with the child: the
    # card says nobody is, and offers "I work with this child".
    expect(page.get_by_test_id("involvements")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(
        "No practitioners are recorded as working with this child."
    )
    expect(page.get_by_role("button", name="I work with this child")).to_be_visible()
    assert not Involvement.objects.filter(child=kemi).exists()
    sign_out(page)

    # 4. A teacher who does not work with the child finds the index card ...
    sign_in(page, personas["daniel"].username)
    open_menu_item(page, "Children")
    search_for(page, NEW_CHILD)
    results = page.get_by_test_id("search-results")
    expect(results.get_by_role("link", name=LOOKALIKE, exact=True)).to_be_visible()
    follow(page, results.get_by_role("link", name=NEW_CHILD, exact=True))
    expect(page).to_have_url(f"/children/{kemi.pk}/")
    expect(page.get_by_test_id("lisa-ref")).to_have_text(kemi.lisa_ref)

    # ... is refused the full record, with the offer to break glass ...
    allow_console_error(page, r"status of 403")
    follow(page, page.get_by_role("button", name="Open the full record"))
    expect(page).to_have_url(f"/children/{kemi.pk}/record/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this page")
    expect(page.locator("main")).to_contain_text(
        "Only practitioners involved with this child, their agency's designated officer and "
        "the central team may open this child's full record."
    )
    expect(page.locator("main")).not_to_contain_text(VALID_NHS_NUMBER)
    follow(page, page.get_by_role("button", name="Break glass: give a reason and open the record"))

    # ... and breaks glass, with a reason.
    expect(page).to_have_url(f"/children/{kemi.pk}/break-glass/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Open this record without an involvement"
    )
    page.get_by_role("group", name="Why do you need to see this record?").get_by_role(
        "radio", name="Immediate safeguarding concern"
    ).check()
    page.get_by_label("Explain the reason").fill(BREAK_GLASS_REASON)
    submit(page, page.get_by_role("button", name="Open the record"))

    expect(page).to_have_url(f"/children/{kemi.pk}/record/")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You have access to this record for 24 hours."
    )
    expect(page.get_by_test_id("break-glass-banner")).to_contain_text(
        "break-glass access (Immediate safeguarding concern)"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_CHILD)
    expect(page.locator("main")).to_contain_text(f"Full record · {kemi.lisa_ref}")
    nhs_row = page.locator(".govuk-summary-list__row").filter(has_text="NHS number")
    expect(nhs_row).to_contain_text(VALID_NHS_NUMBER)
    # Breaking glass lets a person read the record, not change it.
    expect(page.get_by_role("button", name="Change details")).to_have_count(0)
    grant = BreakGlass.objects.get(child=kemi, user=personas["daniel"])
    assert grant.category == "safeguarding"
    assert grant.reason == BREAK_GLASS_REASON
    sign_out(page)

    # 5. The central team sees the alert, naming the teacher and the child, and reviews it.
    sign_in(page, personas["morgan"].username)
    open_menu_item(page, "Alerts")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts to review")
    alerts = page.get_by_test_id("alerts")
    alert_row = alerts.get_by_role("row").filter(has_text="Daniel Price").filter(has_text=NEW_CHILD)
    expect(alert_row).to_have_count(1)
    expect(alert_row).to_contain_text("Cedar Rise Primary")
    expect(alert_row).to_contain_text(kemi.lisa_ref)
    expect(alert_row).to_contain_text("Immediate safeguarding concern")
    expect(alert_row).to_contain_text(BREAK_GLASS_REASON)
    expect(alert_row.locator(".govuk-tag")).to_have_text("Open")
    follow(page, alert_row.get_by_role("link", name="Break-glass access"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Break-glass access")
    details = page.locator(".govuk-summary-list")
    expect(details).to_contain_text("Daniel Price (daniel.price), Cedar Rise Primary")
    expect(details).to_contain_text(f"{NEW_CHILD} ({kemi.lisa_ref})")
    expect(details).to_contain_text(BREAK_GLASS_REASON)
    page.get_by_label("Review note").fill(REVIEW_NOTE)
    submit(page, page.get_by_role("button", name="Mark as reviewed"))

    expect(page).to_have_url("/audit/alerts/")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The alert has been marked as reviewed."
    )
    expect(page.get_by_text(NEW_CHILD)).to_have_count(0)  # no longer open
    alert = Alert.objects.get(kind=AlertKind.BREAK_GLASS, child=kemi)
    assert alert.user == personas["daniel"]
    assert alert.reviewed_by == personas["morgan"]
    assert alert.review_note == REVIEW_NOTE
    assert alert.reviewed_at is not None

    # Among the reviewed alerts, with the reviewer and note on the alert itself.
    page.get_by_label("Show").select_option(label="Reviewed")
    submit(page, page.get_by_role("button", name="Filter"))
    reviewed_row = page.get_by_test_id("alerts").get_by_role("row").filter(has_text=NEW_CHILD)
    expect(reviewed_row.locator(".govuk-tag")).to_have_text("Reviewed")
    follow(page, reviewed_row.get_by_role("link", name="Break-glass access"))
    expect(page.locator(".govuk-summary-list")).to_contain_text("Reviewed by Morgan Ellis")
    expect(page.locator(".govuk-summary-list")).to_contain_text(REVIEW_NOTE)
    expect(page.get_by_role("button", name="Mark as reviewed")).to_have_count(0)


def test_a_child_born_the_same_day_at_the_same_postcode_is_shown_before_adding(page, personas):
    """Twins, or one child entered under a different name: the duplicate check is meant to show
    a child with the same date of birth and postcode whatever the name."""
    born = born_on()
    existing = make_child(
        forenames="Ottoline",
        surname="Brackenbury",
        date_of_birth=born,
        address_line_1="9 Invented Road",
        postcode="SE13 6LH",
    )

    sign_in(page, personas["amara"].username)
    open_menu_item(page, "Children")
    follow(page, page.get_by_role("link", name="Add a child to LISA"))
    page.get_by_label("First names", exact=True).fill("Zainab")
    page.get_by_label("Last name", exact=True).fill("Okonkwo")
    fill_date(page, "Date of birth", born)
    page.get_by_role("group", name="Gender").get_by_role("radio", name="Female").check()
    page.get_by_label("Address line 1 (optional)").fill("9 Invented Road")
    page.get_by_label("Postcode (optional)").fill("SE13 6LH")
    submit(page, page.get_by_role("button", name="Continue"))

    expect(page.get_by_test_id("likely-matches")).to_be_visible()
    row = page.get_by_role("table", name="Possible matches").get_by_role("row")
    expect(row.filter(has_text=existing.lisa_ref)).to_contain_text("Same postcode")
    assert not Child.objects.filter(surname="Okonkwo").exists()
