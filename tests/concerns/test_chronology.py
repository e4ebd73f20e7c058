"""The chronology: everything about a child in time order, filtered, paged, printed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from audit.models import Action, AuditEvent
from audit.services import record
from children.models import BreakGlass, Child, HowBegan
from concerns import chronology
from concerns.models import ConcernChange, ConcernOutcome
from tests.concerns.conftest import involve, make_child, make_concern

pytestmark = pytest.mark.django_db


def _busy_child(amara, daniel, helen, n: int = 60) -> Child:
    """A child with hundreds of events: concerns and their steps, involvements, break glass,
    a merge."""
    child = make_child(forenames="Wilhelmina", surname="Fotheringay")
    involve(amara, child)
    ended = involve(helen, child, role="Head teacher")
    ended.ended_at = timezone.now()
    ended.end_reason = "Left the school"
    ended.save()
    for i in range(n):
        concern = make_concern(
            child, amara, level=(i % 3) + 1, what_was_seen=f"Observation number {i}"
        )
        ConcernChange.objects.create(
            concern=concern,
            by=amara,
            kind="changed",
            from_level=concern.level,
            to_level=concern.level,
            from_outcome=ConcernOutcome.MULTI_AGENCY,
            to_outcome=ConcernOutcome.MEETING_REQUESTED,
            note=f"Step note {i}",
        )
    now = timezone.now()
    for i in range(20):
        BreakGlass.objects.create(
            child=child,
            user=daniel,
            category="cover",
            reason=f"Covering {i}",
            created_at=now - dt.timedelta(days=i),
            expires_at=now - dt.timedelta(days=i) + dt.timedelta(hours=24),
        )
    record(
        None,
        Action.MERGE,
        obj=child,
        child=child,
        detail={"merged": "L1234567K", "reason": "Same child"},
    )
    return child


class TestAccess:
    def test_anonymous(self, client, child):
        assert client.get(f"/concerns/children/{child.pk}/chronology/").status_code == 302
        assert client.get(f"/concerns/children/{child.pk}/chronology/print/").status_code == 302

    @pytest.mark.parametrize("persona", ["daniel", "helen", "sam", "alex"])
    def test_wrong_people_are_refused(self, client_for, personas, persona, amara, child):
        involve(amara, child)
        client = client_for(personas[persona])
        assert client.get(f"/concerns/children/{child.pk}/chronology/").status_code == 403
        assert client.get(f"/concerns/children/{child.pk}/chronology/print/").status_code == 403
        assert not AuditEvent.objects.filter(action=Action.PRINT).exists()

    @pytest.mark.parametrize("persona", ["amara", "priya", "morgan"])
    def test_right_people_see_it_and_the_view_is_audited(
        self, client_for, personas, persona, amara, child
    ):
        involve(amara, child)
        make_concern(child, amara, what_was_seen="Bruise on the forearm")
        response = client_for(personas[persona]).get(f"/concerns/children/{child.pk}/chronology/")
        assert response.status_code == 200
        body = response.content.decode()
        assert "Concern logged" in body and "Bruise on the forearm" in body
        assert "Involvement began" in body
        assert AuditEvent.objects.filter(
            action=Action.VIEW, user=personas[persona], child_id=child.pk
        ).exists()


class TestEvents:
    def test_everything_is_gathered_newest_first(self, amara, daniel, helen, morgan):
        child = _busy_child(amara, daniel, helen, n=3)
        events = chronology.gather(child, morgan)
        kinds = {event.kind for event in events}
        assert kinds == {"concern", "involvement", "break_glass", "record"}
        assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)
        titles = [event.title for event in events]
        assert "Involvement ended" in titles
        assert "Duplicate record L1234567K merged into this one" in titles
        assert "Added to LISA" in titles
        # The central team sees break-glass reasons; others see the category only.
        assert any("Covering 0" in line for e in events for line in e.lines)
        assert not any(
            "Covering 0" in line for e in chronology.gather(child, amara) for line in e.lines
        )

    def test_sensitive_involvements_are_hidden(self, amara, agencies, child):
        from lisa.models import Role
        from tests.conftest import make_user

        nurse = make_user("grace.liu", agencies["camhs"], [Role.PRACTITIONER])
        involve(nurse, child, role="CAMHS nurse")
        assert not any("grace" in e.who.lower() for e in chronology.gather(child, amara))
        assert any("Grace" in e.who for e in chronology.gather(child, nurse))

    def test_filters_by_kind_and_date(self, client_for, amara, daniel, helen):
        child = _busy_child(amara, daniel, helen, n=3)
        client = client_for(amara)
        body = client.get(
            f"/concerns/children/{child.pk}/chronology/", {"kind": "break_glass"}
        ).content.decode()
        assert "break-glass access" in body and "Concern logged" not in body
        today = timezone.localdate()
        since = today - dt.timedelta(days=2)
        events = chronology.gather(child, amara, kinds=["break_glass"], start=since, end=today)
        assert len(events) == 3
        bad = client.get(
            f"/concerns/children/{child.pk}/chronology/",
            {
                "start_0": "5",
                "start_1": "5",
                "start_2": "2026",
                "end_0": "1",
                "end_1": "1",
                "end_2": "2026",
            },
        )
        assert "must be before" in bad.content.decode()

    def test_entered_in_error_shows_in_the_chronology(self, client_for, amara, child):
        # Added by the lead professional: the involvement does not hang on the concern.
        involve(amara, child, how_began=HowBegan.LEAD_PROFESSIONAL)
        concern = make_concern(child, amara)
        client = client_for(amara)
        client.post(f"/concerns/{concern.pk}/entered-in-error/", {"reason": "Wrong child"})
        body = client.get(f"/concerns/children/{child.pk}/chronology/").content.decode()
        assert "Concern marked entered in error" in body and "Wrong child" in body


class TestScale:
    def test_hundreds_of_events_in_a_bounded_number_of_queries_and_paged(
        self, client_for, amara, daniel, helen, django_assert_max_num_queries
    ):
        child = _busy_child(amara, daniel, helen, n=150)
        client = client_for(amara)
        with django_assert_max_num_queries(20):
            response = client.get(f"/concerns/children/{child.pk}/chronology/")
        assert response.status_code == 200
        body = response.content.decode()
        # 300 concern steps, 3 involvement events, 20 break glass, a merge, "added to LISA".
        assert "325 events" in body
        assert "1 of 7" in body
        with django_assert_max_num_queries(20):
            last = client.get(f"/concerns/children/{child.pk}/chronology/", {"page": "7"})
        assert "Added to LISA" in last.content.decode()

    def test_the_same_number_of_queries_whatever_the_number_of_events(
        self, amara, daniel, helen, django_assert_num_queries
    ):
        small = _busy_child(amara, daniel, helen, n=2)
        big = _busy_child(amara, daniel, helen, n=80)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        counts = []
        for child in (small, big):
            with CaptureQueriesContext(connection) as captured:
                chronology.gather(child, amara)
            counts.append(len(captured))
        assert counts[0] == counts[1] <= 2 * len(chronology.SOURCES)  # one or two per source


class TestPrint:
    def test_the_pdf_has_the_child_and_events_and_the_print_is_audited(
        self, client_for, amara, daniel, helen
    ):
        child = _busy_child(amara, daniel, helen, n=3)
        response = client_for(amara).get(
            f"/concerns/children/{child.pk}/chronology/print/", {"kind": "concern"}
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "no-store, private"
        text = " ".join(
            " ".join(page.extract_text().split())
            for page in PdfReader(io.BytesIO(response.content)).pages
        )
        assert "Wilhelmina Fotheringay" in text
        assert child.lisa_ref in text
        assert "Observation number 2" in text and "Step note 1" in text
        assert "break-glass" not in text.lower()  # filtered to concerns
        event = AuditEvent.objects.get(action=Action.PRINT)
        assert event.child_id == child.pk and event.user == amara
        assert event.detail["kind"] == "concern" and event.detail["events"] == 6


def test_a_merged_duplicates_concerns_join_the_kept_childs_chronology(amara, morgan, child):
    from children.actions import merge_children

    duplicate = make_child(forenames="Ottie", surname="Brackenbury")
    make_concern(duplicate, amara, what_was_seen="Logged on the duplicate")
    merge_children(request=None, by=morgan, keep=child, other=duplicate, reason="Same child")
    events = chronology.gather(child, morgan)
    assert any("Logged on the duplicate" in line for e in events for line in e.lines)
    assert any(e.title.startswith("Duplicate record") for e in events)
