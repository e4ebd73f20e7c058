"""The Figures pages: who may see them, what they show, the CSV and the monthly report, bad
filters, the audit trail and a fixed number of queries whatever the data."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from audit.models import Action, AuditEvent
from figures.base import SECTIONS
from figures.scope import Scope, add_months, default_range, month_start
from lisa.models import Agency, AgencyType
from tests.children.conftest import make_child
from tests.concerns.conftest import make_concern
from tests.helpers import pdf_text

SECTION_URLS = [f"/figures/{name}/" for name in SECTIONS] + ["/figures/", "/figures/report/"]
CSV_URLS = [f"/figures/{name}/{key}.csv" for name, figures in SECTIONS.items() for key in figures]


@pytest.mark.parametrize("url", SECTION_URLS + CSV_URLS[:3])
def test_anonymous_is_sent_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize("who", ["amara", "daniel", "sam", "alex"])
def test_practitioners_editors_and_administrators_are_refused(personas, client_for, who):
    client = client_for(personas[who])
    for url in SECTION_URLS + CSV_URLS:
        assert client.get(url).status_code == 403, url
    refusals = AuditEvent.objects.filter(action=Action.DENIED, user=personas[who])
    assert refusals.count() == len(SECTION_URLS + CSV_URLS)


@pytest.mark.parametrize("url", SECTION_URLS)
def test_central_team_and_designated_officers_may_see_the_figures(personas, client_for, url):
    for who in ("morgan", "helen"):
        assert client_for(personas[who]).get(url).status_code == 200


def test_the_page_shows_charts_tables_and_csv_links_and_is_audited(world, client_for, morgan):
    response = client_for(morgan).get("/figures/concerns/", {"level": "2"})
    page = response.content.decode()
    assert page.count('role="img"') >= 5  # a chart per figure with something to draw
    assert '<title id="chart-concerns-by-level-title">Concerns by level</title>' in page
    assert "Concerns by level: the numbers" in page
    assert "/figures/concerns/concerns-by-area.csv?level=2" in page
    start, end = default_range()
    assert f"Counting {start.day} {start:%B %Y} to {end.day} {end:%B %Y}, level 2." in page
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0].replace(
        "<script nonce", ""
    )
    event = AuditEvent.objects.filter(action=Action.VIEW, object_type="figures").latest("id")
    assert event.object_id == "concerns" and event.detail["level"] == "2"
    assert event.user == morgan


def test_a_designated_officer_is_told_the_figures_are_their_agencys(world, client_for, helen):
    page = client_for(helen).get("/figures/concerns/").content.decode()
    assert "These figures count your agency" in page
    assert 'name="agency"' not in page  # the agency is fixed
    assert "Health Visiting" not in page  # another agency's concerns are not counted


def test_the_csv_carries_the_tables_rows_and_is_audited(world, client_for, morgan, agencies):
    response = client_for(morgan).get(
        "/figures/concerns/concerns-by-agency.csv", {"agency": agencies["health"].pk}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["Agency", "Concerns"], ["Health Visiting", "3"]]
    event = AuditEvent.objects.filter(action=Action.EXPORT, object_type="figures").latest("id")
    assert event.object_id == "concerns-by-agency"
    assert event.detail["agency"] == "Health Visiting"


def test_an_unknown_section_or_figure_is_not_found(client_for, morgan):
    client = client_for(morgan)
    assert client.get("/figures/nothing/").status_code == 404
    assert client.get("/figures/concerns/nothing.csv").status_code == 404
    assert client.get("/figures/access/concerns-by-level.csv").status_code == 404


@pytest.mark.parametrize(
    "filters, field, message",
    [
        ({"date_from": "31/02/2026"}, "date_from", "Enter a valid date"),
        ({"date_from": "1/6/2026", "date_to": "1/5/2026"}, "date_to", "on or after the start"),
        ({"date_from": "1/1/0026"}, "date_from", "on or after"),
        ({"date_from": "1/1/2001", "date_to": "1/1/2026"}, "date_from", "at most 10 years"),
        ({"area": "Nowhere"}, "area", "Select a valid choice"),
        ({"level": "9"}, "level", "Select a valid choice"),
        ({"date_to": "x" * 5000}, "date_to", "Enter a valid date"),
    ],
)
def test_bad_filters_are_explained_beside_the_field(client_for, morgan, filters, field, message):
    response = client_for(morgan).get("/figures/concerns/", filters)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{field}-error"' in page
    assert message in page
    assert "There is a problem" in page
    csv_response = client_for(morgan).get("/figures/concerns/concerns-by-level.csv", filters)
    assert csv_response.status_code == 400


def test_a_nul_byte_is_refused_not_a_server_error(client_for, morgan):
    assert client_for(morgan).get("/figures/concerns/", {"area": "SE4\x00"}).status_code == 400


def test_the_monthly_report_prints_every_figure(world, client_for, morgan):
    last = add_months(month_start(timezone.localdate()), -1)
    response = client_for(morgan).get("/figures/report/", {"month": last.strftime("%Y-%m")})
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert f"LISA figures for {last:%B %Y}" in text
    words = " ".join(text.split())  # titles may wrap across lines
    scope = Scope(start=last, end=last, trend_start=last).for_month(last)
    for section in SECTIONS.values():
        for make in section.values():
            assert make(scope).title in words
    assert "Concerns by area" in text and "Withheld (shielded address)" in text
    assert "Attendance at meetings by agency" in text
    assert "Alerts reviewed and waiting for review" in text
    assert AuditEvent.objects.filter(action=Action.PRINT, object_id="monthly-report").exists()


def test_the_report_month_must_be_offered(client_for, morgan):
    response = client_for(morgan).get("/figures/report/", {"month": "1999-01"})
    assert response.status_code == 400
    assert "Choose a month from the list" in response.content.decode()


def test_agency_names_are_escaped_in_charts(db, client_for, morgan):
    from tests.conftest import make_user

    odd = Agency.objects.create(
        name="<script>alert(1)</script> Clinic", agency_type=AgencyType.HEALTH
    )
    worker = make_user("odd.worker", odd, ["practitioner"])
    make_concern(make_child(), worker, date=timezone.localdate())
    page = client_for(morgan).get("/figures/concerns/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Clinic" in page


@pytest.mark.parametrize("section", list(SECTIONS))
def test_each_section_makes_a_fixed_number_of_queries(
    world, client_for, morgan, helen, section, django_assert_max_num_queries
):
    client = client_for(morgan)
    for n in range(12):  # more rows of every kind: the count must not grow
        child = make_child(postcode=f"SE{[6, 13, 4, 8][n % 4]} {n % 9 + 1}AB")
        make_concern(child, morgan.__class__.objects.get(username="amara.okafor"), level=n % 3 + 1)
    budget = {"concerns": 22, "children": 18, "meetings": 26, "access": 18}[section]
    with django_assert_max_num_queries(budget):
        assert client.get(f"/figures/{section}/").status_code == 200
    client = client_for(helen)
    with django_assert_max_num_queries(budget):
        assert client.get(f"/figures/{section}/").status_code == 200


def test_the_audit_trail_names_the_figures_seen(world, client_for, morgan):
    client = client_for(morgan)
    client.get("/figures/meetings/")
    client.get("/figures/concerns/concerns-by-area.csv")
    page = client.get("/audit/", {"user": "morgan.ellis"}).content.decode()
    assert "the figures: meetings and plans" in page
    assert "the figure \u201cconcerns by area\u201d" in page
