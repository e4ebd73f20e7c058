""" "Who has seen this child?": the central team's table of every view, print, download and
export of one child's data (lists that showed the child too, and the records merged into it),
with who, agency, role, when, what, and why they could."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import RequestFactory

from audit.models import Action, AuditEvent, Outcome
from audit.services import record
from children.actions import merge_children
from tests.children.conftest import involve, make_child
from tests.concerns.conftest import make_concern

pytestmark = pytest.mark.django_db

BREAK_GLASS = {"category": "safeguarding", "reason": "Disclosed harm at school this morning"}


@pytest.fixture
def ivy(db):
    return make_child(forenames="Ivy", surname="Smith", address_line_1="12 Quiet Lane")


def seen_page(client, child, query: str = "") -> str:
    response = client.get(f"/audit/child/{child.pk}/{query}")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def rows(page: str) -> list[str]:
    """The table's rows, as text."""
    body = page.split('data-testid="seen"', 1)[1].split("</table>", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in body.split("<tbody", 1)[1].split("</tr>")[:-1]
    ]


def row_of(page: str, *words: str) -> str:
    found = [row for row in rows(page) if all(word in row for word in words)]
    assert found, f"no row with {words} in:\n" + "\n".join(rows(page))
    return found[0]


def stored_view(user, child, *, at, **detail) -> AuditEvent:
    """A view of ``child`` by ``user`` at ``at``, as audit_view writes it."""
    return AuditEvent.objects.create(
        at=at,
        user=user,
        username=user.username,
        role=user.primary_role,
        agency=user.agency,
        action=Action.VIEW,
        object_type="children.child",
        object_id=str(child.pk),
        child_id=child.pk,
        detail={"view": "full", **detail},
    )


class TestWhoMayAsk:
    def test_anonymous_is_sent_to_sign_in(self, client, ivy):
        response = client.get(f"/audit/child/{ivy.pk}/")
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/?next=")

    @pytest.mark.parametrize("who", ["amara", "priya", "sam", "alex"])
    def test_only_the_central_team(self, client_for, personas, who, ivy):
        # A practitioner, a designated officer, a directory editor, a system administrator.
        involve(personas["amara"], ivy)
        response = client_for(personas[who]).get(f"/audit/child/{ivy.pk}/")
        assert response.status_code == 403
        assert not AuditEvent.objects.filter(
            action=Action.VIEW, user=personas[who], child_id=ivy.pk
        ).exists()

    def test_a_missing_child_is_not_found_and_the_refusal_audited(self, client_for, morgan):
        response = client_for(morgan).get("/audit/child/987654/")
        assert response.status_code == 404
        refused = AuditEvent.objects.get(action=Action.DENIED, user=morgan)
        assert refused.object_type == "children.child" and refused.object_id == "987654"


class TestTheTable:
    def test_who_saw_the_child_and_why(self, client_for, morgan, amara, priya, daniel, helen, ivy):
        involve(amara, ivy)
        make_concern(ivy, amara)
        assert client_for(amara).get(f"/children/{ivy.pk}/record/").status_code == 200
        assert client_for(priya).get(f"/children/{ivy.pk}/record/").status_code == 200
        glass = client_for(daniel)
        assert glass.post(f"/children/{ivy.pk}/break-glass/", BREAK_GLASS).status_code == 302
        assert glass.get(f"/children/{ivy.pk}/record/").status_code == 200
        assert client_for(helen).get(f"/children/{ivy.pk}/").status_code == 200  # the index card
        # Someone else's child, seen by someone else: not in Ivy's table.
        other = make_child(forenames="Otto", surname="Unrelated")
        involve(helen, other, role="Teacher")
        assert client_for(helen).get(f"/children/{other.pk}/record/").status_code == 200

        page = seen_page(client_for(morgan), ivy)
        row = row_of(page, "Amara Okafor", "amara.okafor")
        assert "Health Visiting" in row and "Practitioner" in row
        assert f"Viewed: the full record of {ivy.lisa_ref} Ivy Smith" in row
        assert "Involved with the child" in row
        row = row_of(page, "priya.shah")
        assert "Designated officer of an agency involved with the child" in row
        row = row_of(page, "Daniel Price", "daniel.price")
        assert "Cedar Rise Primary" in row
        assert "Broke glass: immediate safeguarding concern" in row
        assert "“Disclosed harm at school this morning”" in row
        row = row_of(page, "helen.wright")
        assert f"Viewed: the index card of {ivy.lisa_ref} Ivy Smith" in row
        assert "Index card details, which every practitioner may see" in row
        assert "Otto" not in page and other.lisa_ref not in page
        assert "Quiet Lane" not in page  # the table never needs the address
        # Only what was seen: logging the concern and breaking glass were not.
        seeing = re.compile(r"(Viewed|Printed|Downloaded|Exported|Searched): ")
        assert all(seeing.search(row) for row in rows(page)), rows(page)
        assert len(rows(page)) == 5  # Amara, Priya, Daniel, Helen, and Morgan just now

    def test_lists_and_prints_count_as_seeing_refusals_do_not(
        self, client_for, morgan, amara, daniel, ivy
    ):
        record(
            None,
            Action.SEARCH,
            user=daniel,
            object_type="children.child",
            detail={"q": "Smith", "shown": [ivy.lisa_ref]},
        )
        record(None, Action.PRINT, user=amara, obj=ivy, child=ivy, detail={"basis": "involved"})
        record(
            None,
            Action.DENIED,
            user=daniel,
            object_type="children.child",
            object_id=ivy.pk,
            child=ivy,
            outcome=Outcome.DENIED,
        )
        page = seen_page(client_for(morgan), ivy)
        row = row_of(page, "daniel.price")
        assert "Searched: a list of 1 child (search results)" in row
        assert "Index card details" in row
        assert "Printed:" in row_of(page, "amara.okafor")
        assert not any("Refused" in row for row in rows(page))

    def test_the_records_merged_into_it_are_included(self, client_for, morgan, helen, ivy):
        duplicate = make_child(forenames="Ivy", surname="Smyth")
        assert client_for(helen).get(f"/children/{duplicate.pk}/").status_code == 200
        request = RequestFactory().post("/")
        request.user = morgan
        merge_children(request=request, by=morgan, keep=ivy, other=duplicate, reason="One child")
        client = client_for(morgan)
        page = seen_page(client, ivy)
        assert duplicate.lisa_ref in page  # named among the records merged into this one
        row = row_of(page, "helen.wright")
        assert f"{duplicate.lisa_ref} Ivy Smyth" in row
        # The merged record's own page offers the record it was merged into.
        merged = seen_page(client, duplicate)
        assert f'href="/audit/child/{ivy.pk}/"' in merged
        assert "helen.wright" in merged

    def test_times_are_uk_time(self, client_for, morgan, amara, ivy):
        stored_view(amara, ivy, at=dt.datetime(2026, 7, 1, 11, 5, tzinfo=dt.UTC), basis="involved")
        row = row_of(seen_page(client_for(morgan), ivy), "amara.okafor")
        assert "1 Jul 2026 12:05" in row  # British Summer Time

    def test_filtered_by_dates(self, client_for, morgan, amara, daniel, ivy):
        stored_view(amara, ivy, at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
        stored_view(daniel, ivy, at=dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC))
        client = client_for(morgan)
        page = seen_page(client, ivy, "?date_from=15/3/2026&date_to=30/4/2026")
        assert "daniel.price" in page and "amara.okafor" not in page
        wrong = seen_page(client, ivy, "?date_from=30/4/2026&date_to=15/3/2026")
        assert "There is a problem" in wrong
        assert "must be the same as or after" in wrong
        assert "daniel.price" not in wrong

    def test_paged_fifty_at_a_time(self, client_for, morgan, amara, ivy):
        for minute in range(55):
            stored_view(amara, ivy, at=dt.datetime(2026, 3, 1, 12, minute, tzinfo=dt.UTC))
        client = client_for(morgan)
        first = seen_page(client, ivy)
        assert len(rows(first)) == 50
        assert "56 times" in first  # and Morgan's own look at the page
        assert 'rel="next"' in first
        # Morgan has looked twice by now.
        assert len(rows(seen_page(client, ivy, "?page=2"))) == 7

    def test_the_page_is_itself_audited(self, client_for, morgan, ivy):
        client = client_for(morgan)
        page = seen_page(client, ivy, "?date_from=1/1/2026")
        event = AuditEvent.objects.get(action=Action.VIEW, user=morgan, child_id=ivy.pk)
        assert event.object_type == "children.child" and event.object_id == str(ivy.pk)
        assert event.detail["view"] == "who has seen this child"
        assert event.detail["basis"] == "central_team"
        assert event.detail["date_from"] == "2026-01-01"
        # Which the page shows: the central team's looking is seen too.
        assert "Central team" in row_of(page, "morgan.ellis")

    def test_queries_are_bounded(
        self, client_for, morgan, amara, priya, daniel, ivy, django_assert_max_num_queries
    ):
        involve(amara, ivy)
        concern = make_concern(ivy, amara)
        at = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
        for n in range(15):
            for who in (amara, priya, daniel):
                stored_view(who, ivy, at=at + dt.timedelta(minutes=n))
            record(None, Action.VIEW, user=amara, obj=concern, child=ivy)
            record(None, Action.PRINT, user=priya, obj=concern, child=ivy)
        client = client_for(morgan)
        with django_assert_max_num_queries(16):
            page = seen_page(client, ivy)
        assert len(rows(page)) == 50
        assert f"the concern of 2 November 2026 about {ivy.lisa_ref} Ivy Smith" in page


class TestTheChildsRecordLinksToIt:
    def test_the_central_team_is_offered_the_page(self, client_for, morgan, ivy):
        duplicate = make_child(forenames="Ivy", surname="Smyth")
        request = RequestFactory().post("/")
        request.user = morgan
        merge_children(request=request, by=morgan, keep=ivy, other=duplicate, reason="One child")
        page = client_for(morgan).get(f"/children/{ivy.pk}/record/").content.decode()
        assert f'href="/audit/child/{ivy.pk}/">Who has seen this child?' in page
        assert f'href="/audit/child/{duplicate.pk}/">Who saw merged record' in page
        assert "/audit/?child=" not in page

    def test_others_are_not(self, client_for, amara, ivy):
        involve(amara, ivy)
        page = client_for(amara).get(f"/children/{ivy.pk}/record/").content.decode()
        assert "/audit/child/" not in page


class TestWhyIsRecordedWithEachView:
    """The reason shown is the one recorded when the person looked: it still reads true after
    an involvement has ended."""

    def test_the_relationship_is_kept_with_views_and_prints(self, client_for, amara, priya, ivy):
        involve(amara, ivy)
        client_for(amara).get(f"/children/{ivy.pk}/record/")
        client_for(priya).get(f"/children/{ivy.pk}/record/")
        assert AuditEvent.objects.get(action=Action.VIEW, user=amara).detail["basis"] == "involved"
        assert AuditEvent.objects.get(action=Action.VIEW, user=priya).detail["basis"] == (
            "designated_officer"
        )
        client_for(amara).get(f"/concerns/children/{ivy.pk}/chronology/print/")
        printed = AuditEvent.objects.filter(action=Action.PRINT, user=amara).first()
        assert printed is not None and printed.detail["basis"] == "involved"

    def test_an_index_card_view_claims_no_relationship(self, client_for, daniel, ivy):
        client_for(daniel).get(f"/children/{ivy.pk}/")
        view = AuditEvent.objects.get(action=Action.VIEW, user=daniel, child_id=ivy.pk)
        assert view.detail["view"] == "card" and "basis" not in view.detail

    def test_changes_carry_no_reason(self, client_for, amara, ivy):
        involvement = involve(amara, ivy)
        created = AuditEvent.objects.get(action=Action.CREATE, object_id=str(involvement.pk))
        assert "basis" not in created.detail
