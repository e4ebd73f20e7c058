"""Break glass: a stated reason, 24 hours of audited access, and an alert the central team
reviews. Self-claimed involvement raises an alert too."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from audit.models import Action, Alert, AlertKind, AuditEvent
from children.models import BreakGlass, HowBegan, Involvement
from tests.children.conftest import involve, make_child

pytestmark = pytest.mark.django_db

REASON = {"category": "safeguarding", "reason": "Child disclosed harm at school today"}


class TestBreakGlass:
    def test_the_whole_journey(self, client_for, daniel, morgan, child):
        client = client_for(daniel)
        assert client.get(f"/children/{child.pk}/record/").status_code == 403
        assert client.get(f"/children/{child.pk}/break-glass/").status_code == 200
        response = client.post(f"/children/{child.pk}/break-glass/", REASON)
        assert response.status_code == 302
        assert response["Location"] == f"/children/{child.pk}/record/"
        grant = BreakGlass.objects.get(user=daniel, child=child)
        assert grant.expires_at - grant.created_at == dt.timedelta(hours=24)
        assert AuditEvent.objects.filter(
            action=Action.BREAK_GLASS, child_id=child.pk, user=daniel
        ).exists()
        page = client.get(f"/children/{child.pk}/record/").content.decode()
        assert "break-glass access" in page
        view = AuditEvent.objects.filter(action=Action.VIEW, user=daniel).latest("id")
        assert view.child_id == child.pk
        assert view.detail["break_glass"]["reason"] == REASON["reason"]
        assert view.detail["break_glass"]["category"] == "safeguarding"
        # The central team has an alert to review.
        alert = Alert.objects.get(kind=AlertKind.BREAK_GLASS)
        assert alert.child == child and alert.user == daniel
        assert alert.reason == REASON["reason"]
        central = client_for(morgan)
        page = central.get("/audit/alerts/").content.decode()
        # The kind is a filter option on every alerts page: look for this alert's own row.
        row = page.split(f'href="/audit/alerts/{alert.pk}/"')[1].split("</tr>")[0]
        assert row.startswith(">Break-glass access</a>")
        assert daniel.get_full_name() in row and child.lisa_ref in row
        assert 'govuk-tag--red">Open</strong>' in row
        # And it is in the child's audit trail.
        page = central.get(f"/audit/?child={child.pk}").content.decode()
        assert "Broke glass" in page

    def test_a_view_under_break_glass_names_its_own_grant(self, client_for, daniel, child):
        # Grants for other children first, so the grant's id differs from the child's and the
        # user's: the view's audit event must name the grant itself.
        for _ in range(3):
            BreakGlass.objects.create(
                user=daniel,
                child=make_child(),
                category="safeguarding",
                reason="Another child",
                expires_at=timezone.now() + dt.timedelta(hours=1),
            )
        client = client_for(daniel)
        client.post(f"/children/{child.pk}/break-glass/", REASON)
        grant = BreakGlass.objects.get(user=daniel, child=child)
        assert grant.pk not in (child.pk, daniel.pk)
        assert client.get(f"/children/{child.pk}/record/").status_code == 200
        view = AuditEvent.objects.filter(action=Action.VIEW, user=daniel).latest("id")
        assert view.detail["break_glass"]["grant"] == grant.pk

    def test_a_reason_is_required(self, client_for, daniel, child):
        response = client_for(daniel).post(
            f"/children/{child.pk}/break-glass/", {"category": "other", "reason": ""}
        )
        assert response.status_code == 200
        assert "govuk-error-summary" in response.content.decode()
        assert not BreakGlass.objects.exists()

    def test_access_expires_after_24_hours(self, client_for, daniel, child):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            client = client_for(daniel)
            client.post(f"/children/{child.pk}/break-glass/", REASON)
            assert client.get(f"/children/{child.pk}/record/").status_code == 200
        with time_machine.travel(start + dt.timedelta(hours=23, minutes=50), tick=False):
            client = client_for(daniel)
            assert client.get(f"/children/{child.pk}/record/").status_code == 200
        with time_machine.travel(start + dt.timedelta(hours=24, minutes=1), tick=False):
            client = client_for(daniel)
            response = client.get(f"/children/{child.pk}/record/")
            assert response.status_code == 403
            assert "break-glass" in response.content.decode()

    def test_not_offered_to_those_who_already_have_access(self, client_for, amara, child):
        involve(amara, child)
        response = client_for(amara).get(f"/children/{child.pk}/break-glass/")
        assert response.status_code == 302
        assert response["Location"] == f"/children/{child.pk}/record/"

    def test_not_available_to_directory_editors_or_system_administrators(
        self, client_for, sam, alex, child
    ):
        for who in (sam, alex):
            response = client_for(who).post(f"/children/{child.pk}/break-glass/", REASON)
            assert response.status_code == 403
        assert not BreakGlass.objects.exists()

    def test_many_in_a_day_raise_an_unusual_volume_alert(self, client_for, daniel):
        client = client_for(daniel)
        for n in range(3):
            child = make_child(forenames=f"Volume{n}")
            client.post(f"/children/{child.pk}/break-glass/", REASON)
        alert = Alert.objects.get(kind=AlertKind.UNUSUAL_VOLUME)
        assert alert.user == daniel and alert.detail["count"] == 3


class TestSelfClaim:
    def test_i_work_with_this_child_needs_a_reason_and_raises_an_alert(
        self, client_for, daniel, child
    ):
        client = client_for(daniel)
        response = client.post(
            f"/children/{child.pk}/involvement/claim/", {"role": "Class teacher", "reason": ""}
        )
        assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
        response = client.post(
            f"/children/{child.pk}/involvement/claim/",
            {"role": "Class teacher", "reason": "She is in my Year 4 class"},
        )
        assert response.status_code == 302
        involvement = Involvement.objects.get(child=child, practitioner=daniel)
        assert involvement.how_began == HowBegan.SELF_CLAIM
        assert involvement.agency == daniel.agency
        alert = Alert.objects.get(kind=AlertKind.SELF_CLAIM)
        assert alert.user == daniel and alert.reason == "She is in my Year 4 class"
        assert client.get(f"/children/{child.pk}/record/").status_code == 200
        page = client.get(f"/children/{child.pk}/").content.decode()
        assert "Class teacher" in page

    def test_the_card_offers_it(self, client_for, daniel, child):
        page = client_for(daniel).get(f"/children/{child.pk}/").content.decode()
        assert "I work with this child" in page


class TestAlertQueue:
    def test_the_central_team_marks_an_alert_reviewed_with_a_note(
        self, client_for, daniel, morgan, child
    ):
        client_for(daniel).post(f"/children/{child.pk}/break-glass/", REASON)
        alert = Alert.objects.get()
        client = client_for(morgan)
        page = client.get(f"/audit/alerts/{alert.pk}/").content.decode()
        assert REASON["reason"] in page
        response = client.post(f"/audit/alerts/{alert.pk}/", {"note": ""})
        assert "govuk-error-summary" in response.content.decode()
        response = client.post(
            f"/audit/alerts/{alert.pk}/", {"note": "Spoke to the head teacher: justified."}
        )
        assert response.status_code == 302
        alert.refresh_from_db()
        assert alert.reviewed_by == morgan and alert.reviewed_at is not None
        assert alert.review_note == "Spoke to the head teacher: justified."
        assert "No alerts match" in client.get("/audit/alerts/").content.decode()
        page = client.get("/audit/alerts/?status=reviewed").content.decode()
        # "Reviewed" is also the filter's option: look for this alert's row and its status tag.
        row = page.split(f'href="/audit/alerts/{alert.pk}/"')[1].split("</tr>")[0]
        assert child.lisa_ref in row
        assert '<strong class="govuk-tag govuk-tag--green">Reviewed</strong>' in row
        assert AuditEvent.objects.filter(
            action=Action.UPDATE, object_type="audit.alert", user=morgan
        ).exists()

    @pytest.mark.parametrize("who", ["amara", "priya", "daniel", "sam", "alex"])
    def test_only_the_central_team_sees_alerts(self, client_for, personas, who):
        client = client_for(personas[who])
        assert client.get("/audit/alerts/").status_code == 403

    def test_alert_list_queries_are_bounded(
        self, client_for, daniel, morgan, django_assert_max_num_queries
    ):
        for n in range(30):
            child = make_child(forenames=f"Alerted{n}")
            Alert.objects.create(kind=AlertKind.SELF_CLAIM, child=child, user=daniel, reason="r")
        client = client_for(morgan)
        with django_assert_max_num_queries(12):
            response = client.get("/audit/alerts/")
        assert response.status_code == 200


def test_opening_many_index_cards_raises_an_unusual_volume_alert(client_for, daniel, monkeypatch):
    from children import actions

    monkeypatch.setattr(actions, "UNUSUAL_CARDS_PER_HOUR", 5)
    children = [make_child(forenames=f"Trawled{n}") for n in range(6)]
    involve(daniel, children[0])
    client = client_for(daniel)
    for child in children[:5]:
        client.get(f"/children/{child.pk}/")
    assert not Alert.objects.exists()  # one of the five is a child daniel works with
    client.get(f"/children/{children[5].pk}/")
    alert = Alert.objects.get(kind=AlertKind.UNUSUAL_VOLUME)
    assert alert.user == daniel and alert.detail["count"] == 5
    client.get(f"/children/{children[1].pk}/")
    assert Alert.objects.count() == 1


def test_the_central_teams_cards_raise_no_volume_alert(client_for, morgan, monkeypatch):
    """Looking across the index is the central team's work: their cards are not counted."""
    from children import actions

    monkeypatch.setattr(actions, "UNUSUAL_CARDS_PER_HOUR", 2)
    client = client_for(morgan)
    for n in range(4):
        assert client.get(f"/children/{make_child(forenames=f'Looked{n}').pk}/").status_code == 200
    assert not Alert.objects.exists()


def test_the_volume_check_is_skipped_for_a_child_the_person_works_with(
    client_for, daniel, monkeypatch
):
    """Only cards of children the person does not work with count towards the alert, so the
    check (two queries) is not made when they open one of their own children's cards."""
    from children import actions

    counted = []
    real = actions.cards_opened_in_the_last_hour
    monkeypatch.setattr(
        actions,
        "cards_opened_in_the_last_hour",
        lambda *args, **kwargs: counted.append(1) or real(*args, **kwargs),
    )
    theirs, other = make_child(forenames="Known"), make_child(forenames="Unknown")
    involve(daniel, theirs)
    client = client_for(daniel)
    assert client.get(f"/children/{theirs.pk}/").status_code == 200
    assert counted == []
    assert client.get(f"/children/{other.pk}/").status_code == 200
    assert counted == [1]


def _card_views(user, children, times=1):
    AuditEvent.objects.bulk_create(
        AuditEvent(
            user=user,
            action=Action.VIEW,
            object_type="children.child",
            object_id=str(child.pk),
            child_id=child.pk,
            detail={"view": "card"},
        )
        for _ in range(times)
        for child in children
    )


def test_the_cards_opened_are_counted_however_often_each_was_opened(daniel):
    """Each card looks at the newest views first; a person who opened a few cards many times
    still has every child of the hour counted, and one they work with none."""
    from children import actions

    looked_at = actions._CARD_VIEWS_LOOKED_AT
    early = [make_child(forenames=f"Early{n}") for n in range(3)]
    few = [make_child(forenames=f"Often{n}") for n in range(2)]
    theirs = make_child(forenames="Theirs")
    involve(daniel, theirs)
    _card_views(daniel, early)
    _card_views(daniel, [theirs], times=5)
    # More views of two children than are looked at first: the three before them still count.
    _card_views(daniel, few, times=looked_at)
    assert actions.cards_opened_in_the_last_hour(daniel.pk, at_least=30) == 5
    assert actions.cards_opened_in_the_last_hour(daniel.pk) == 5


def test_a_count_reaching_the_alert_stops_at_the_newest_views(daniel, monkeypatch):
    from children import actions
    from lisa import compiled

    asked = []
    monkeypatch.setattr(compiled, "count", lambda name, *a, **k: asked.append(name) or -1)
    many = [make_child(forenames=f"Trawled{n}") for n in range(8)]
    _card_views(daniel, many)
    # Fewer views than are looked at first: they are the whole hour.
    assert actions.cards_opened_in_the_last_hour(daniel.pk, at_least=9) == 8
    # More, of enough children: the newest reach the count, and nothing more is asked.
    _card_views(daniel, many, times=20)
    assert actions.cards_opened_in_the_last_hour(daniel.pk, at_least=5) == 8
    assert asked == []
    # Not enough children among the newest: the whole hour is counted.
    assert actions.cards_opened_in_the_last_hour(daniel.pk, at_least=9) == -1
    assert actions.cards_opened_in_the_last_hour(daniel.pk) == -1
    assert asked == ["cards_opened", "cards_opened"]


def _a_busy_audit_trail(daniel, amara):
    """200 card views of one child by daniel among 3,000 other events of the two of them."""
    child = make_child(forenames="Viewed")
    _card_views(daniel, [child], times=200)
    AuditEvent.objects.bulk_create(
        AuditEvent(user=who, action=action, child_id=child.pk, detail={"view": "record"})
        for who in (daniel, amara)
        for action in (Action.VIEW, Action.SEARCH, Action.UPDATE)
        for _ in range(500)
    )


def test_the_newest_card_views_are_read_from_their_own_index(daniel, amara):
    """The query each card of an unknown child asks matches the partial index of card views
    (audit_card_views), so it reads that index alone however busy the audit trail is."""
    from django.db import connection

    from children import actions

    _a_busy_audit_trail(daniel, amara)
    sql, params = actions._newest_card_views(daniel.pk).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "using audit_card_views" in plan


def test_the_prepared_card_views_statement_reads_their_index_on_its_one_plan(daniel, amara):
    """Kept and prepared (lisa/compiled.py), the statement carries its constants (a view, of a
    card), so the plan PostgreSQL makes once for every reader still reads the index made for
    them."""
    from django.db import connection

    from children import actions

    _a_busy_audit_trail(daniel, amara)
    for _ in range(3):  # sent whole, then prepared, then asked by name
        assert actions.cards_opened_in_the_last_hour(daniel.pk, at_least=30) == 1
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")
        cursor.execute(
            "SELECT name, parameter_types::text[] FROM pg_prepared_statements "
            "WHERE name LIKE 'lisa%%' AND statement LIKE '%%''\"card\"''::jsonb%%' "
            "AND statement LIKE '%%LIMIT%%'"
        )
        ((name, types),) = cursor.fetchall()
        values = {"bigint": str(daniel.pk), "timestamp with time zone": "now() - interval '1h'"}
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"EXPLAIN EXECUTE {name}({', '.join(values[kind] for kind in types)})")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "using audit_card_views" in plan
