"""The Lewisham flowchart: allowed and refused transitions, closing, reopening, entered in
error, concurrent changes — through the views and the rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.models import Action, Alert, AlertKind, AuditEvent, Outcome
from children.models import BreakGlass
from concerns import rules
from concerns.models import Concern, ConcernOutcome, ConcernStatus
from tests.concerns.conftest import involve, make_concern

pytestmark = pytest.mark.django_db

Out = ConcernOutcome


def _change(client, concern, outcome, level=None, note="", version=None):
    return client.post(
        f"/concerns/{concern.pk}/change/",
        {
            "outcome": outcome,
            "level": str(level or concern.level),
            "note": note,
            "version": version if version is not None else concern.version,
        },
    )


@pytest.fixture
def open_concern(amara, child):
    involve(amara, child)
    return make_concern(child, amara, outcome=Out.MULTI_AGENCY, level=3)


class TestRules:
    @pytest.mark.parametrize(
        ("start", "status", "target", "allowed"),
        [
            (Out.MULTI_AGENCY, "open", Out.MEETING_REQUESTED, True),
            (Out.MULTI_AGENCY, "open", Out.RESOLVED_IN_AGENCY, True),
            (Out.MULTI_AGENCY, "open", Out.SOCIAL_CARE, True),
            (Out.MEETING_REQUESTED, "open", Out.CHILD_PROTECTION, True),
            (Out.MEETING_REQUESTED, "open", Out.MULTI_AGENCY, False),
            (Out.MEETING_REQUESTED, "open", Out.RESOLVED_IN_AGENCY, False),
            (Out.SOCIAL_CARE, "open", Out.MEETING_REQUESTED, False),
            (Out.CHILD_PROTECTION, "open", Out.SOCIAL_CARE, False),
            # "A resolved concern can be reopened"
            (Out.RESOLVED_IN_AGENCY, "closed", Out.MULTI_AGENCY, True),
            (Out.RESOLVED_IN_AGENCY, "closed", Out.CHILD_PROTECTION, True),
            (Out.RESOLVED_IN_AGENCY, "closed", Out.RESOLVED_IN_AGENCY, False),
            (Out.MEETING_REQUESTED, "closed", Out.MEETING_REQUESTED, True),
            (Out.MEETING_REQUESTED, "closed", Out.MULTI_AGENCY, False),
        ],
    )
    def test_transitions(self, amara, child, start, status, target, allowed):
        concern = make_concern(child, amara, outcome=start, status=status)
        if allowed:
            assert target in rules.allowed_outcomes(concern)
            rules.check_transition(concern, outcome=target, level=concern.level)
        else:
            assert target not in rules.allowed_outcomes(concern)
            with pytest.raises(ValidationError):
                rules.check_transition(concern, outcome=target, level=concern.level)

    def test_level_4_needs_a_referral(self, amara, child):
        concern = make_concern(child, amara, outcome=Out.MULTI_AGENCY)
        with pytest.raises(ValidationError, match="level 4"):
            rules.check_transition(concern, outcome=Out.MEETING_REQUESTED, level=4)
        rules.check_transition(concern, outcome=Out.SOCIAL_CARE, level=4)

    def test_nothing_changed_is_refused(self, amara, child):
        concern = make_concern(child, amara, outcome=Out.MULTI_AGENCY, level=2)
        with pytest.raises(ValidationError, match="Nothing has changed"):
            rules.check_transition(concern, outcome=Out.MULTI_AGENCY, level=2)

    def test_the_database_enforces_the_invariants(self, amara, child):
        concern = make_concern(child, amara)
        for changes in (
            {"level": 4, "outcome": Out.MULTI_AGENCY},
            {"discussed_with_parent": False, "not_discussed_reason": ""},
            {"outcome": Out.RESOLVED_IN_AGENCY, "status": ConcernStatus.OPEN},
            {"entered_in_error": True, "error_reason": ""},
            {"status": ConcernStatus.CLOSED, "closed_at": None},
            {"level": 7},
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                Concern.objects.filter(pk=concern.pk).update(**changes)


class TestChangeView:
    def test_anonymous(self, client, open_concern):
        assert client.get(f"/concerns/{open_concern.pk}/change/").status_code == 302

    @pytest.mark.parametrize("persona", ["daniel", "helen", "sam", "alex"])
    def test_wrong_people_are_refused(self, client_for, personas, persona, open_concern):
        client = client_for(personas[persona])
        assert client.get(f"/concerns/{open_concern.pk}/change/").status_code == 403
        assert _change(client, open_concern, Out.MEETING_REQUESTED).status_code == 403
        open_concern.refresh_from_db()
        assert open_concern.outcome == Out.MULTI_AGENCY

    def test_break_glass_reads_but_does_not_change(self, client_for, daniel, open_concern):
        import datetime as dt

        from django.utils import timezone

        now = timezone.now()
        BreakGlass.objects.create(
            child=open_concern.child,
            user=daniel,
            category="cover",
            reason="Covering",
            created_at=now,
            expires_at=now + dt.timedelta(hours=24),
        )
        client = client_for(daniel)
        assert client.get(f"/concerns/{open_concern.pk}/").status_code == 200
        assert client.get(f"/concerns/{open_concern.pk}/change/").status_code == 403

    @pytest.mark.parametrize("persona", ["amara", "priya", "morgan"])
    def test_right_people_move_it_forward(self, client_for, personas, persona, open_concern):
        client = client_for(personas[persona])
        page = client.get(f"/concerns/{open_concern.pk}/change/")
        assert page.status_code == 200
        response = _change(client, open_concern, Out.MEETING_REQUESTED, note="Agreed with school")
        assert response.status_code == 302
        open_concern.refresh_from_db()
        assert open_concern.outcome == Out.MEETING_REQUESTED
        change = open_concern.changes.last()
        assert change.kind == "changed" and change.note == "Agreed with school"
        assert change.from_outcome == Out.MULTI_AGENCY
        event = AuditEvent.objects.get(action=Action.UPDATE, object_type="concerns.concern")
        assert event.child_id == open_concern.child_id
        assert event.detail["outcome"] == [Out.MULTI_AGENCY, Out.MEETING_REQUESTED]

    def test_a_backward_step_is_refused_with_the_reason(self, client_for, amara, child):
        involve(amara, child)
        concern = make_concern(child, amara, outcome=Out.SOCIAL_CARE, level=3)
        response = _change(client_for(amara), concern, Out.MULTI_AGENCY)
        assert response.status_code == 200
        assert "cannot go back" in response.content.decode()
        concern.refresh_from_db()
        assert concern.outcome == Out.SOCIAL_CARE

    def test_raising_to_level_4_without_a_referral_is_refused(
        self, client_for, amara, open_concern
    ):
        response = _change(client_for(amara), open_concern, Out.MEETING_REQUESTED, level=4)
        assert "must record the referral to Social Care" in response.content.decode()
        assert not Alert.objects.exists()

    def test_raising_to_level_4_alerts_the_central_team_once(self, client_for, amara, open_concern):
        client = client_for(amara)
        assert _change(client, open_concern, Out.SOCIAL_CARE, level=4).status_code == 302
        open_concern.refresh_from_db()
        assert open_concern.level == 4
        assert Alert.objects.filter(kind=AlertKind.ACUTE_CONCERN).count() == 1
        assert _change(client, open_concern, Out.CHILD_PROTECTION, level=4).status_code == 302
        assert Alert.objects.filter(kind=AlertKind.ACUTE_CONCERN).count() == 1

    def test_resolving_after_a_discussion_closes_it(self, client_for, amara, open_concern):
        _change(client_for(amara), open_concern, Out.RESOLVED_IN_AGENCY)
        open_concern.refresh_from_db()
        assert open_concern.status == ConcernStatus.CLOSED
        assert open_concern.changes.last().kind == "resolved"

    def test_a_resolved_concern_is_reopened(self, client_for, amara, child):
        involve(amara, child)
        concern = make_concern(child, amara, outcome=Out.RESOLVED_IN_AGENCY)
        client = client_for(amara)
        assert (
            "Reopen the concern" in client.get(f"/concerns/{concern.pk}/change/").content.decode()
        )
        response = _change(client, concern, Out.MULTI_AGENCY, note="It has happened again")
        assert response.status_code == 302
        concern.refresh_from_db()
        assert concern.status == ConcernStatus.OPEN and concern.closed_at is None
        assert concern.changes.last().kind == "reopened"

    def test_a_concurrent_change_is_refused_and_the_current_state_shown(
        self, client_for, amara, priya, open_concern
    ):
        stale = open_concern.version
        assert _change(client_for(priya), open_concern, Out.SOCIAL_CARE).status_code == 302
        response = _change(client_for(amara), open_concern, Out.MEETING_REQUESTED, version=stale)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Someone else changed this concern" in body
        assert "Referred to Social Care &amp; Health" in body
        open_concern.refresh_from_db()
        assert open_concern.outcome == Out.SOCIAL_CARE


class TestClose:
    def test_right_person_closes_with_a_note(self, client_for, amara, open_concern):
        client = client_for(amara)
        assert client.get(f"/concerns/{open_concern.pk}/close/").status_code == 200
        response = client.post(
            f"/concerns/{open_concern.pk}/close/", {"note": "", "version": open_concern.version}
        )
        assert "Say why the concern can be closed" in response.content.decode()
        response = client.post(
            f"/concerns/{open_concern.pk}/close/",
            {"note": "Support no longer needed", "version": open_concern.version},
        )
        assert response.status_code == 302
        open_concern.refresh_from_db()
        assert open_concern.status == ConcernStatus.CLOSED
        assert open_concern.outcome == Out.MULTI_AGENCY

    def test_closing_a_closed_concern_is_refused(self, client_for, amara, child):
        involve(amara, child)
        concern = make_concern(child, amara, outcome=Out.RESOLVED_IN_AGENCY)
        response = client_for(amara).post(
            f"/concerns/{concern.pk}/close/", {"note": "x", "version": concern.version}
        )
        assert "already closed" in response.content.decode()

    def test_wrong_person_and_anonymous(self, client, client_for, daniel, open_concern):
        assert client.get(f"/concerns/{open_concern.pk}/close/").status_code == 302
        assert client_for(daniel).get(f"/concerns/{open_concern.pk}/close/").status_code == 403


class TestEnteredInError:
    def test_anonymous(self, client, open_concern):
        assert client.get(f"/concerns/{open_concern.pk}/entered-in-error/").status_code == 302

    @pytest.mark.parametrize("persona", ["daniel", "helen"])
    def test_wrong_people_are_refused(self, client_for, personas, persona, open_concern):
        client = client_for(personas[persona])
        url = f"/concerns/{open_concern.pk}/entered-in-error/"
        assert client.get(url).status_code == 403
        assert client.post(url, {"reason": "wrong"}).status_code == 403
        open_concern.refresh_from_db()
        assert not open_concern.entered_in_error
        assert AuditEvent.objects.filter(
            outcome=Outcome.DENIED, user=personas[persona], child_id=open_concern.child_id
        ).exists()

    @pytest.mark.parametrize("persona", ["amara", "priya", "morgan"])
    def test_right_people_mark_it_and_it_stays_in_the_history(
        self, client_for, personas, persona, open_concern
    ):
        client = client_for(personas[persona])
        url = f"/concerns/{open_concern.pk}/entered-in-error/"
        response = client.post(url, {"reason": ""})
        assert "Why is this concern wrong" in response.content.decode()
        response = client.post(url, {"reason": "Logged on the wrong child"})
        assert response.status_code == 302
        open_concern.refresh_from_db()
        assert open_concern.entered_in_error
        assert open_concern.error_reason == "Logged on the wrong child"
        assert Concern.objects.filter(pk=open_concern.pk).exists()
        assert AuditEvent.objects.filter(
            action=Action.ENTERED_IN_ERROR, child_id=open_concern.child_id
        ).exists()
        # The history keeps it, marked (read as the central team: an author whose only tie to
        # the child was this concern is no longer involved once it is entered in error).
        detail = client_for(personas["morgan"]).get(f"/concerns/{open_concern.pk}/")
        text = detail.content.decode()
        assert "Entered in error" in text and "Logged on the wrong child" in text
        # No further steps once entered in error.
        client = client_for(personas[persona])
        assert client.get(f"/concerns/{open_concern.pk}/change/").status_code == 403
        if persona != "morgan":
            assert client.get(f"/concerns/{open_concern.pk}/").status_code == 403


class TestDetail:
    def test_anonymous(self, client, open_concern):
        assert client.get(f"/concerns/{open_concern.pk}/").status_code == 302

    @pytest.mark.parametrize(
        ("persona", "status"),
        [("amara", 200), ("priya", 200), ("morgan", 200), ("daniel", 403), ("sam", 403)],
    )
    def test_who_sees_a_concern(self, client_for, personas, persona, status, open_concern):
        response = client_for(personas[persona]).get(f"/concerns/{open_concern.pk}/")
        assert response.status_code == status
        if status == 200:
            assert "Arrived hungry three days running" in response.content.decode()
            assert AuditEvent.objects.filter(
                action=Action.VIEW, user=personas[persona], child_id=open_concern.child_id
            ).exists()

    def test_no_such_concern(self, client_for, amara):
        assert client_for(amara).get("/concerns/999999/").status_code == 404


def test_detail_queries_are_bounded_with_a_long_history(
    client_for, amara, open_concern, django_assert_max_num_queries
):
    from concerns.models import ConcernChange

    for n in range(60):
        ConcernChange.objects.create(
            concern=open_concern, by=amara, kind="changed", note=f"Note {n}"
        )
    client = client_for(amara)
    with django_assert_max_num_queries(25):
        response = client.get(f"/concerns/{open_concern.pk}/")
    body = response.content.decode()
    assert body.count("Concern changed") == 60 and "Concern logged" in body
