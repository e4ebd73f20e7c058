"""The concerns on the child's record, the practitioner's home page, categories and demo data."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from audit.models import Action, Alert, AlertKind, AuditEvent
from concerns.models import (
    Category,
    Concern,
    ConcernOutcome,
    Level,
    level_label,
    outcome_label,
)
from tests.concerns.conftest import form_data, involve, make_child, make_concern

pytestmark = pytest.mark.django_db


class TestRecordPage:
    def test_lists_concerns_with_level_tags_and_a_log_button(
        self, client_for, amara, daniel, child
    ):
        involve(amara, child)
        make_concern(child, amara, level=2, outcome=ConcernOutcome.RESOLVED_IN_AGENCY)
        make_concern(child, daniel, level=4, outcome=ConcernOutcome.SOCIAL_CARE)
        body = client_for(amara).get(f"/children/{child.pk}/record/").content.decode()
        assert 'data-testid="concerns"' in body
        assert "Level 2: Vulnerable" in body and "Level 4: Acute" in body
        assert "govuk-tag--red" in body
        assert "Referred to Social Care &amp; Health" in body
        assert f"/concerns/children/{child.pk}/new/" in body
        assert f"/concerns/children/{child.pk}/chronology/" in body

    def test_the_index_card_offers_log_a_concern_to_practitioners(
        self, client_for, daniel, morgan, child
    ):
        assert f"/concerns/children/{child.pk}/new/" in (
            client_for(daniel).get(f"/children/{child.pk}/").content.decode()
        )
        assert f"/concerns/children/{child.pk}/new/" not in (
            client_for(morgan).get(f"/children/{child.pk}/").content.decode()
        )

    def test_record_queries_are_bounded_with_many_concerns(
        self, client_for, amara, child, django_assert_max_num_queries
    ):
        involve(amara, child)
        for _ in range(40):
            make_concern(child, amara)
        client = client_for(amara)
        with django_assert_max_num_queries(30):
            response = client.get(f"/children/{child.pk}/record/")
        assert response.content.decode().count("/concerns/") >= 40


class TestHome:
    def test_a_practitioner_sees_their_children_and_open_concerns(
        self, client_for, amara, child, django_assert_max_num_queries
    ):
        involve(amara, child)
        others = [make_child(forenames=f"Homechild{n}") for n in range(25)]
        for other in others:
            involve(amara, other)
            make_concern(other, amara, what_was_seen="x")
        make_concern(child, amara, outcome=ConcernOutcome.RESOLVED_IN_AGENCY)
        client = client_for(amara)
        with django_assert_max_num_queries(25):
            body = client.get("/").content.decode()
        assert "Your children" in body and "Your open concerns" in body
        assert "Ottoline Brackenbury" in body and "Homechild24" in body
        assert body.count("/concerns/") >= 25
        # The closed concern is not listed as open.
        closed = Concern.objects.get(child=child)
        assert f"/concerns/{closed.pk}/" not in body

    def test_each_line_links_to_its_own_child_and_concern(self, client_for, amara):
        first = make_child(forenames="Zebedee", surname="Aardvark")
        second = make_child(forenames="Yolanda", surname="Brackley")
        involve(amara, first, role="School nurse", lead_professional=True)
        involve(amara, second, role="Health visitor")
        concern = make_concern(second, amara, level=Level.COMPLEX)
        body = client_for(amara).get("/").content.decode()
        children = body.split('data-testid="my-children"')[1].split("</ul>")[0].split("<li>")[1:]
        assert [line.split("</a>")[0].split(">")[-1] for line in children] == [
            "Zebedee Aardvark",
            "Yolanda Brackley",
        ]
        assert f'href="/children/{first.pk}/record/"' in children[0]
        assert f"({first.lisa_ref}), School nurse <strong" in children[0]
        assert f'href="/children/{second.pk}/record/"' in children[1]
        assert f"({second.lisa_ref}), Health visitor</li>" in children[1]
        concerns = body.split('data-testid="my-open-concerns"')[1].split("</ul>")[0]
        assert f'href="/concerns/{concern.pk}/">Yolanda Brackley, seen' in concerns
        assert "govuk-tag--orange" in concerns

    def test_each_open_concern_shows_its_level_and_outcome(self, client_for, amara):
        """Every level and every outcome an open concern can have, labelled as Django labels
        them (``get_level_display``, ``get_outcome_display``)."""
        outcomes = [o for o in ConcernOutcome if o != ConcernOutcome.RESOLVED_IN_AGENCY]
        for n, level in enumerate(Level):
            kid = make_child(forenames=f"Levelled{n}")
            involve(amara, kid)
            concern = make_concern(kid, amara, level=level, outcome=outcomes[n % len(outcomes)])
            assert level_label(concern.level) == concern.get_level_display()
            assert outcome_label(concern.outcome) == concern.get_outcome_display()
        for outcome in ConcernOutcome:
            assert outcome_label(outcome) == Concern(outcome=outcome).get_outcome_display()
        body = client_for(amara).get("/").content.decode()
        listed = body.split('data-testid="my-open-concerns"')[1].split("</ul>")[0]
        for n, level in enumerate(Level):
            row = listed.split(f"Levelled{n} ")[1].split("</li>")[0]
            outcome = escape(outcomes[n % len(outcomes)].label)
            assert f">{level.label}</strong> {outcome}" in row

    def test_nothing_yet(self, client_for, daniel):
        body = client_for(daniel).get("/").content.decode()
        assert "You are not recorded as working with any children." in body
        assert "You have no open concerns." in body

    def test_not_shown_to_roles_without_children(self, client_for, sam):
        assert "Your open concerns" not in client_for(sam).get("/").content.decode()


class TestCategories:
    def test_seeded_from_the_specification(self):
        names = set(Category.objects.values_list("name", flat=True))
        assert {"Underachievement", "Domestic abuse", "Substance misuse", "Attendance"} <= names
        assert len(names) == 11

    def test_anonymous(self, client):
        assert client.get("/concerns/categories/").status_code == 302

    @pytest.mark.parametrize("persona", ["amara", "priya", "sam", "alex"])
    def test_only_the_central_team(self, client_for, personas, persona):
        client = client_for(personas[persona])
        assert client.get("/concerns/categories/").status_code == 403
        assert client.post("/concerns/categories/new/", {"name": "Bullying"}).status_code == 403

    def test_the_central_team_adds_and_retires(self, client_for, morgan, amara, child):
        client = client_for(morgan)
        assert "Neglect" in client.get("/concerns/categories/").content.decode()
        response = client.post(
            "/concerns/categories/new/", {"name": "Neglect", "position": "1", "is_active": "on"}
        )
        assert "already a category" in response.content.decode()
        response = client.post(
            "/concerns/categories/new/", {"name": "Bullying", "position": "12", "is_active": "on"}
        )
        assert response.status_code == 302
        bullying = Category.objects.get(name="Bullying")
        assert AuditEvent.objects.filter(action=Action.CREATE, object_type="concerns.category")
        client.post(
            f"/concerns/categories/{bullying.pk}/",
            {"name": "Bullying", "position": "12", "version": bullying.version},
        )
        bullying.refresh_from_db()
        assert not bullying.is_active
        # A retired category is not offered, and is refused if posted.
        form = client_for(amara).get(f"/concerns/children/{child.pk}/new/").content.decode()
        assert "Bullying" not in form
        response = client_for(amara).post(
            f"/concerns/children/{child.pk}/new/", form_data(categories=[str(bullying.pk)])
        )
        assert response.status_code == 200 and not Concern.objects.exists()


def test_demo_concerns_cover_every_level_and_outcome_and_load_once(db):
    import io

    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
    concerns = Concern.objects.all()
    assert {c.level for c in concerns} == {1, 2, 3, 4}
    outcomes = {c.outcome for c in concerns}
    assert outcomes == set(ConcernOutcome.values)
    count = concerns.count()
    alerts = Alert.objects.filter(kind=AlertKind.ACUTE_CONCERN).count()
    assert alerts == concerns.filter(level=4).count() >= 1
    call_command("load_demo", stdout=io.StringIO())
    assert Concern.objects.count() == count
    assert Alert.objects.filter(kind=AlertKind.ACUTE_CONCERN).count() == alerts
