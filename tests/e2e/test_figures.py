"""Journey 7: the central team's figures. Morgan opens Figures from the menu and reads the
concerns as charts and tables; filters them to the school's concerns in one quarter; downloads a
figure as CSV and finds the rows on screen; and, from a child's record, sees who has seen the
child (a health visitor who broke glass, with her reason). A designated officer sees the same
pages counting her own agency's work only; a practitioner is refused them."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import Action, AuditEvent
from figures.scope import add_months, month_start
from tests.children.conftest import involve, make_child
from tests.concerns.conftest import make_concern
from tests.e2e.conftest import allow_console_error, follow, sign_in, sign_out, submit, visit

pytestmark = pytest.mark.e2e

BREAK_GLASS = {"category": "safeguarding", "reason": "Disclosed harm at clinic this morning"}
LEVELS = ["Level 1: Universal", "Level 2: Vulnerable", "Level 3: Complex", "Level 4: Acute"]


def menu(page):
    return page.get_by_role("navigation", name="Menu")


def heading(page):
    return page.get_by_role("heading", level=1)


def typed(day: dt.date) -> str:
    """A date as it is typed into the filters: 1/4/2026."""
    return f"{day.day}/{day.month}/{day.year}"


def table_rows(page, key: str) -> list[list[str]]:
    """The rows of a figure's table on screen, its heading row first."""
    table = page.get_by_test_id(f"table-{key}")
    return [
        [cell.strip() for cell in row.locator("th, td").all_text_contents()]
        for row in table.locator("tr").all()
    ]


@pytest.fixture
def known(personas):
    """Concerns dated from today. The quarter is the three whole months before this one.

    School (Cedar Rise Primary, Daniel), about Bramble:
      the quarter's first month, level 2; last month, level 2 and level 3;
      this month, level 1; six months ago, level 1; thirteen months ago (outside the
      default twelve months), level 2.
    Health (Health Visiting, Amara), about Tamsin:
      the quarter's second month, level 2; last month, level 3;
      this month, level 2; five months ago, level 1.
    """
    amara, daniel = personas["amara"], personas["daniel"]
    this_month = month_start(timezone.localdate())
    month = {offset: add_months(this_month, offset) for offset in range(-13, 1)}
    bramble = make_child(forenames="Bramble", surname="Ashcombe")
    tamsin = make_child(forenames="Tamsin", surname="Oakbridge")
    involve(daniel, bramble, role="Class teacher")
    involve(amara, tamsin)
    for day, level in [
        (month[-3] + dt.timedelta(days=4), 2),
        (month[-1] + dt.timedelta(days=9), 2),
        (month[-1] + dt.timedelta(days=20), 3),
        (month[0], 1),
        (month[-6] + dt.timedelta(days=2), 1),
        (month[-13] + dt.timedelta(days=5), 2),
    ]:
        make_concern(bramble, daniel, level=level, date=day)
    for day, level in [
        (month[-2] + dt.timedelta(days=10), 2),
        (month[-1] + dt.timedelta(days=2), 3),
        (month[0], 2),
        (month[-5] + dt.timedelta(days=1), 1),
    ]:
        make_concern(tamsin, amara, level=level, date=day)
    return {
        "bramble": bramble,
        "tamsin": tamsin,
        "month": month,
        "quarter": (month[-3], this_month - dt.timedelta(days=1)),
    }


def test_the_central_team_reads_filters_and_downloads_the_figures(
    page, personas, known, client_for, agencies
):
    amara, morgan = personas["amara"], personas["morgan"]
    bramble, month = known["bramble"], known["month"]
    start, end = known["quarter"]

    # The health visitor breaks glass to read Bramble's record (she does not work with him).
    health_visitor = client_for(amara)
    broke_glass = health_visitor.post(f"/children/{bramble.pk}/break-glass/", BREAK_GLASS)
    assert broke_glass.status_code == 302
    assert health_visitor.get(f"/children/{bramble.pk}/record/").status_code == 200

    # 1. Morgan opens Figures from the menu: the concerns, as charts and tables.
    sign_in(page, morgan.username)
    follow(page, menu(page).get_by_role("link", name="Figures"))
    expect(page).to_have_url("/figures/")
    expect(heading(page)).to_have_text("Concerns")
    expect(page.locator(".govuk-inset-text")).to_have_count(0)
    for key, title in [
        ("concerns-per-month", "Concerns logged per month"),
        ("concerns-by-level", "Concerns by level"),
        ("concerns-by-agency", "Concerns by agency"),
    ]:
        section = page.get_by_test_id(f"figure-{key}")
        expect(section.locator("svg[role=img]")).to_have_count(1)
        expect(section.get_by_role("img", name=title)).to_be_visible()
        expect(section.get_by_role("table", name=f"{title}: the numbers")).to_be_visible()
    # The last twelve months: the concern of thirteen months ago is not counted.
    assert table_rows(page, "concerns-by-agency") == [
        ["Agency", "Concerns"],
        ["Cedar Rise Primary", "5"],
        ["Health Visiting", "4"],
    ]
    assert table_rows(page, "concerns-by-level")[1:] == [
        [LEVELS[0], "3"],
        [LEVELS[1], "4"],
        [LEVELS[2], "2"],
        [LEVELS[3], "0"],
    ]
    per_month = table_rows(page, "concerns-per-month")
    assert len(per_month) == 1 + 12
    assert [f"{month[-1]:%b %Y}", "3"] in per_month

    # 2. The school's concerns in the quarter.
    filters = page.get_by_test_id("figures-filters")
    filters.get_by_label("From", exact=True).fill(typed(start))
    filters.get_by_label("To", exact=True).fill(typed(end))
    filters.get_by_label("Agency").select_option(label="Cedar Rise Primary")
    submit(page, page.get_by_role("button", name="Show figures"))
    expect(filters.get_by_label("From", exact=True)).to_have_value(typed(start))
    expect(filters.get_by_label("Agency")).to_have_value(str(agencies["school"].pk))
    assert table_rows(page, "concerns-by-agency") == [
        ["Agency", "Concerns"],
        ["Cedar Rise Primary", "3"],
    ]
    on_screen = table_rows(page, "concerns-by-level")
    assert on_screen == [
        ["Level", "Concerns"],
        [LEVELS[0], "0"],
        [LEVELS[1], "2"],
        [LEVELS[2], "1"],
        [LEVELS[3], "0"],
    ]
    assert table_rows(page, "concerns-per-month") == [
        ["Month", "Concerns"],
        [f"{month[-3]:%b %Y}", "1"],
        [f"{month[-2]:%b %Y}", "0"],
        [f"{month[-1]:%b %Y}", "2"],
    ]

    # 3. One figure downloaded as CSV: the same rows as its table, under the same filters.
    link = page.get_by_role("link", name="Download “Concerns by level” as CSV")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == (
        f"lisa-concerns-by-level-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    )
    with open(download.value.path(), encoding="utf-8-sig", newline="") as downloaded:
        assert list(csv.reader(downloaded)) == on_screen
    exported = AuditEvent.objects.filter(
        user=morgan, action=Action.EXPORT, object_type="figures"
    ).get()
    assert exported.object_id == "concerns-by-level"
    assert exported.detail["agency"] == "Cedar Rise Primary"
    assert exported.detail["from"] == start.isoformat()
    assert exported.detail["to"] == end.isoformat()

    # 4. From Bramble's record: who has seen him, the health visitor among them, with her reason.
    visit(page, f"/children/{bramble.pk}/")
    follow(page, page.get_by_role("button", name="Open the full record"))
    follow(page, page.get_by_role("link", name="Who has seen this child?"))
    expect(page).to_have_url(f"/audit/child/{bramble.pk}/")
    expect(heading(page)).to_have_text("Who has seen this child?")
    seen = page.get_by_test_id("seen")
    health_visitor_row = seen.get_by_role("row").filter(has_text="amara.okafor")
    expect(health_visitor_row).to_have_count(1)
    expect(health_visitor_row).to_contain_text("Amara Okafor")
    expect(health_visitor_row).to_contain_text("Health Visiting")
    expect(health_visitor_row).to_contain_text("Practitioner")
    expect(health_visitor_row).to_contain_text(
        f"Viewed: the full record of {bramble.lisa_ref} Bramble Ashcombe"
    )
    expect(health_visitor_row).to_contain_text("Broke glass: immediate safeguarding concern")
    expect(health_visitor_row).to_contain_text(f"“{BREAK_GLASS['reason']}”")
    expect(seen.get_by_role("row").filter(has_text="morgan.ellis").first).to_contain_text(
        "Central team"
    )


def test_a_designated_officer_sees_her_agencys_figures_and_a_practitioner_none(
    page, personas, known
):
    priya, amara = personas["priya"], personas["amara"]

    # 5. The health designated officer: her agency's concerns only.
    sign_in(page, priya.username)
    follow(page, menu(page).get_by_role("link", name="Figures"))
    expect(heading(page)).to_have_text("Concerns")
    expect(page.locator(".govuk-inset-text")).to_contain_text(
        "These figures count your agency's work only"
    )
    expect(page.get_by_test_id("figures-filters").get_by_label("Agency")).to_have_count(0)
    by_agency = page.get_by_test_id("table-concerns-by-agency")
    expect(by_agency).not_to_contain_text("Cedar Rise Primary")
    assert table_rows(page, "concerns-by-agency") == [
        ["Agency", "Concerns"],
        ["Health Visiting", "4"],
    ]
    assert table_rows(page, "concerns-by-level")[1:] == [
        [LEVELS[0], "1"],
        [LEVELS[1], "2"],
        [LEVELS[2], "1"],
        [LEVELS[3], "0"],
    ]
    sign_out(page)

    # The health visitor has no Figures in her menu, and is refused the page.
    sign_in(page, amara.username)
    expect(menu(page).get_by_role("link", name="Figures")).to_have_count(0)
    allow_console_error(page, r"status of 403")
    response = visit(page, "/figures/")
    assert response.status == 403
    expect(heading(page)).to_have_text("You do not have access to this page")
    expect(page.get_by_test_id("table-concerns-by-agency")).to_have_count(0)
