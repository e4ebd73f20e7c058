"""Logging a concern: who may, what is required, involvement, notification and alerts."""

from __future__ import annotations

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from audit.models import Action, Alert, AlertKind, AuditEvent, Outcome
from children.models import Family, HowBegan, Involvement
from concerns.models import Concern, ConcernOutcome, ConcernStatus
from messaging.notifications import send_notification
from tests.concerns.conftest import form_data, involve, make_child

pytestmark = pytest.mark.django_db


def _log(client, child, **overrides):
    return client.post(f"/concerns/children/{child.pk}/new/", form_data(**overrides))


class TestWhoMayLog:
    def test_anonymous_is_sent_to_sign_in(self, client, child):
        response = client.get(f"/concerns/children/{child.pk}/new/")
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")

    @pytest.mark.parametrize("persona", ["sam", "alex", "morgan"])
    def test_those_who_do_not_raise_concerns_are_refused(
        self, client_for, personas, persona, child
    ):
        client = client_for(personas[persona])
        assert client.get(f"/concerns/children/{child.pk}/new/").status_code == 403
        assert _log(client, child).status_code == 403
        assert not Concern.objects.exists()
        assert AuditEvent.objects.filter(
            action=Action.DENIED, outcome=Outcome.DENIED, user=personas[persona]
        ).exists()

    def test_a_practitioner_not_yet_involved_sees_the_form_and_the_view_is_audited(
        self, client_for, daniel, child
    ):
        response = client_for(daniel).get(f"/concerns/children/{child.pk}/new/")
        assert response.status_code == 200
        body = response.content.decode()
        assert "Log a concern" in body
        assert "Your role with the child" in body
        # The handbook's description of each level is the hint beside it.
        assert "significant harm" in body and "adequately met" in body
        assert AuditEvent.objects.filter(
            action=Action.VIEW, user=daniel, child_id=child.pk, detail__view="log concern form"
        ).exists()

    def test_an_involved_practitioner_is_not_asked_their_role(self, client_for, amara, child):
        involve(amara, child)
        body = client_for(amara).get(f"/concerns/children/{child.pk}/new/").content.decode()
        assert "Your role with the child" not in body

    def test_no_such_child_is_404(self, client_for, amara):
        assert client_for(amara).get("/concerns/children/999999/new/").status_code == 404


class TestLogging:
    def test_logging_makes_the_author_involved_and_audits(self, client_for, daniel, child):
        response = _log(client_for(daniel), child, level="3", outcome="multi_agency")
        concern = Concern.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/concerns/{concern.pk}/logged/"
        assert concern.raised_by == daniel and concern.agency == daniel.agency
        assert concern.level == 3 and concern.status == ConcernStatus.OPEN
        assert [c.name for c in concern.categories.all()] == ["Neglect"]
        involvement = Involvement.objects.active().get(child=child, practitioner=daniel)
        assert involvement.how_began == HowBegan.CONCERN
        assert involvement.role == "Health visitor"
        event = AuditEvent.objects.get(action=Action.CREATE, object_type="concerns.concern")
        assert event.child_id == child.pk and event.user == daniel
        assert concern.changes.get().kind == "logged"

    def test_an_already_involved_author_keeps_their_involvement(self, client_for, amara, child):
        existing = involve(amara, child, how_began=HowBegan.SELF_CLAIM, reason="r")
        _log(client_for(amara), child, role=None)
        assert list(Involvement.objects.filter(child=child, practitioner=amara)) == [existing]

    def test_resolved_within_the_agency_is_closed_at_once(self, client_for, amara, child):
        _log(client_for(amara), child)
        concern = Concern.objects.get()
        assert concern.outcome == ConcernOutcome.RESOLVED_IN_AGENCY
        assert concern.status == ConcernStatus.CLOSED and concern.closed_at

    def test_not_discussed_needs_a_reason_and_nothing_typed_is_lost(self, client_for, amara, child):
        response = _log(client_for(amara), child, discussed_with_parent="no")
        assert response.status_code == 200
        body = response.content.decode()
        assert "Say why the concern was not discussed with the parent or carer" in body
        assert "untreated burn on the hand" in body
        assert "follow-up visit on Friday" in body
        assert not Concern.objects.exists()
        _log(client_for(amara), child, discussed_with_parent="no", not_discussed_reason="Risk")
        assert Concern.objects.get().not_discussed_reason == "Risk"

    @pytest.mark.parametrize(
        ("field", "message"),
        [
            ("what_was_seen", "Enter what was seen or heard"),
            ("action_agreed", "Enter the action agreed"),
            ("categories", "Select at least one category"),
            ("level", "Choose the level of need"),
            ("outcome", "Choose the outcome"),
        ],
    )
    def test_missing_answers_are_refused_beside_the_field(
        self, client_for, amara, child, field, message
    ):
        response = _log(client_for(amara), child, **{field: None})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Concern.objects.exists()

    def test_a_future_date_is_refused(self, client_for, amara, child):
        response = _log(client_for(amara), child, date_2="2999")
        assert "must be today or in the past" in response.content.decode()
        assert not Concern.objects.exists()

    def test_level_4_must_record_the_referral(self, client_for, amara, child):
        response = _log(client_for(amara), child, level="4", outcome="multi_agency")
        assert response.status_code == 200
        assert "must record the referral to Social Care" in response.content.decode()
        assert not Concern.objects.exists()

    def test_level_4_alerts_the_central_team(self, client_for, amara, child):
        _log(client_for(amara), child, level="4", outcome="social_care")
        concern = Concern.objects.get()
        alert = Alert.objects.get(kind=AlertKind.ACUTE_CONCERN)
        assert alert.child == child and alert.user == amara
        assert alert.detail["concern"] == concern.pk

    def test_level_3_raises_no_alert(self, client_for, amara, child):
        _log(client_for(amara), child, level="3", outcome="meeting_requested")
        assert not Alert.objects.filter(kind=AlertKind.ACUTE_CONCERN).exists()


class TestNotification:
    def test_other_involved_practitioners_are_told_without_personal_data(
        self,
        client_for,
        amara,
        daniel,
        priya,
        child,
        mail_outbox,
        django_capture_on_commit_callbacks,
    ):
        involve(amara, child)
        involve(priya, child, ended_at="2026-01-01T00:00Z")  # ended: not told
        with django_capture_on_commit_callbacks(execute=True):
            _log(client_for(daniel), child, level="3", outcome="multi_agency")
        queued = [task.args_kwargs["args"] for task in DBTaskResult.objects.all()]
        assert queued == [[amara.pk, "concern", f"/children/{child.pk}/record/"]]
        send_notification.call(*queued[0])
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [amara.email]
        text = message.subject + message.body
        assert f"/children/{child.pk}/record/" in message.body
        for personal in (
            child.forenames,
            child.surname,
            child.lisa_ref,
            "untreated burn",
            "Neglect",
            daniel.last_name,
            "Level",
        ):
            assert personal not in text

    def test_nothing_is_queued_when_no_one_else_is_involved(
        self, client_for, amara, child, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            _log(client_for(amara), child)
        assert not DBTaskResult.objects.exists()


class TestConfirmationPage:
    def test_shows_the_others_involved_and_the_family_with_message_links(
        self, client_for, amara, daniel, helen, agencies
    ):
        family = Family.objects.create()
        child = make_child(family=family)
        brother = make_child(family=family, forenames="Barnaby")
        involve(amara, child)
        involve(helen, brother, role="Head teacher")
        client = client_for(daniel)
        _log(client, child, level="3", outcome="multi_agency")
        concern = Concern.objects.get()
        response = client.get(f"/concerns/{concern.pk}/logged/")
        assert response.status_code == 200
        body = response.content.decode()
        assert "Concern logged" in body
        assert "Amara Okafor" in body and "020 3049 1101" in body and amara.email in body
        assert f"/messages/new/?to={amara.pk}&amp;child={child.pk}" in body
        assert "Barnaby" in body and "Helen Wright" in body
        assert f"/messages/new/?to={helen.pk}&amp;child={child.pk}" in body
        # The author is not offered a message to themselves.
        assert f"to={daniel.pk}&amp;" not in body

    def test_someone_without_the_full_record_is_refused(self, client_for, amara, daniel, child):
        involve(amara, child)
        _log(client_for(amara), child)
        concern = Concern.objects.get()
        assert client_for(daniel).get(f"/concerns/{concern.pk}/logged/").status_code == 403

    def test_anonymous(self, client, amara, child):
        from tests.concerns.conftest import make_concern

        concern = make_concern(child, amara)
        assert client.get(f"/concerns/{concern.pk}/logged/").status_code == 302


def test_concerns_keep_a_field_history(client_for, amara, child):
    from auditlog.models import LogEntry

    involve(amara, child)
    _log(client_for(amara), child, level="3", outcome="multi_agency")
    concern = Concern.objects.get()
    client_for(amara).post(
        f"/concerns/{concern.pk}/change/",
        {"outcome": "social_care", "level": "3", "version": concern.version},
    )
    entries = LogEntry.objects.get_for_object(concern)
    assert entries.count() >= 2
    assert any("outcome" in (entry.changes_dict or {}) for entry in entries)


def test_confirmation_page_queries_are_bounded(
    client_for, amara, agencies, django_assert_max_num_queries
):
    from lisa.models import Role
    from tests.concerns.conftest import make_concern
    from tests.conftest import make_user

    family = Family.objects.create()
    child = make_child(family=family)
    involve(amara, child)
    for n in range(30):
        involve(make_user(f"worker.c{n}", agencies["school"], [Role.PRACTITIONER]), child)
    for n in range(4):
        sibling = make_child(family=family)
        for m in range(4):
            involve(make_user(f"sib.c{n}x{m}", agencies["voluntary"], [Role.PRACTITIONER]), sibling)
    concern = make_concern(child, amara)
    client = client_for(amara)
    with django_assert_max_num_queries(20):
        response = client.get(f"/concerns/{concern.pk}/logged/")
    assert response.content.decode().count("/messages/new/?to=") == 30 + 16


class TestTheAuthorsAuditEvent:
    def test_it_does_not_count_who_was_told_so_a_hidden_service_cannot_be_inferred(
        self, client_for, agencies, daniel, child, django_capture_on_commit_callbacks
    ):
        """The author's designated officer reads this event: a count of the people told that
        includes a sensitive service's practitioner would reveal that the service is involved."""
        from tests.conftest import make_user

        nurse = make_user("casey.nurse", agencies["camhs"], ["practitioner"])
        involve(nurse, child, role="Clinical psychologist")
        with django_capture_on_commit_callbacks(execute=True):
            _log(client_for(daniel), child, level="2", outcome="multi_agency")
        event = AuditEvent.objects.get(action=Action.CREATE, object_type="concerns.concern")
        assert event.user == daniel
        assert set(event.detail) == {"level", "outcome", "categories", "involvement"}
        # The sensitive service's practitioner was still told.
        told = [task.args_kwargs["args"][0] for task in DBTaskResult.objects.all()]
        assert nurse.pk in told
