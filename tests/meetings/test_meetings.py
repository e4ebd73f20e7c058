"""Arranging, holding and recording a meeting; the lead professional; the plan; the chronology;
and the meeting page's cost with many invitees."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit.models import Action
from children.models import HowBegan, Involvement
from concerns.models import ConcernOutcome
from consent import actions as consent_actions
from consent.models import Decision, Kind
from meetings import actions
from meetings.models import ActionStatus, Invitee, InviteeKind, LeadAppointment, Meeting
from messaging.notifications import send_notification
from tests.concerns.conftest import make_concern
from tests.conftest import make_user
from tests.helpers import assert_audited
from tests.meetings.conftest import arrange, as_request, hold, involve

pytestmark = pytest.mark.django_db


def _date(prefix: str, day: dt.date) -> dict:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


class TestArranging:
    def test_from_the_concern_the_chair_defaults_to_its_author(
        self, client_for, amara, daniel, concern
    ):
        involve(daniel, concern.child, role="Teacher")
        body = client_for(daniel).get(f"/meetings/concerns/{concern.pk}/arrange/").content.decode()
        assert f'<option value="{amara.pk}" selected>' in body
        compact = re.sub(r"\s+", " ", body)
        assert re.search(rf'name="concerns" [^>]*value="{concern.pk}" checked', compact)

    def test_the_concern_and_the_record_offer_the_button(self, client_for, amara, concern, child):
        client = client_for(amara)
        assert f"/meetings/concerns/{concern.pk}/arrange/" in (
            client.get(f"/concerns/{concern.pk}/").content.decode()
        )
        assert f"/meetings/children/{child.pk}/arrange/" in (
            client.get(f"/children/{child.pk}/record/").content.decode()
        )
        other = make_concern(child, amara, outcome=ConcernOutcome.MULTI_AGENCY)
        assert "/arrange/" not in client.get(f"/concerns/{other.pk}/").content.decode()
        response = client.get(f"/meetings/concerns/{other.pk}/arrange/")
        assert response.status_code == 302 and response["Location"] == f"/concerns/{other.pk}/"

    def test_invited_practitioners_become_involved_and_are_told_without_personal_data(
        self,
        client_for,
        amara,
        ivy,
        mother,
        concern,
        child,
        settings,
        django_capture_on_commit_callbacks,
    ):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        data = {
            "children": [str(child.pk)],
            "kind": "initial",
            **_date("date", timezone.localdate() + dt.timedelta(days=7)),
            "start_time": "10:00",
            "end_time": "11:30",
            "venue": "Kaleidoscope Centre, Room 2",
            "location": "",
            "joining": "video",
            "joining_details": "Teams link in the invitation",
            "chair": str(amara.pk),
            "other_practitioners": [str(ivy.pk)],
            "parents": [str(mother.pk)],
            "young_person_not_invited_reason": "Too young to take part",
            "other_name": "Pat Jones",
            "other_role": "Aunt",
            "concerns": [str(concern.pk)],
            **_date("prepared_on", timezone.localdate()),
            "prepared_by": "Amara Okafor",
            "parent_told_of_sharing": "on",
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(amara).post(f"/meetings/concerns/{concern.pk}/arrange/", data)
        meeting = Meeting.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
        assert list(meeting.concerns.all()) == [concern]
        kinds = sorted(meeting.invitees.values_list("kind", flat=True))
        assert kinds == ["other", "parent", "practitioner", "practitioner"]
        involvement = Involvement.objects.get(child=child, practitioner=ivy)
        assert involvement.how_began == HowBegan.MEETING
        queued = [task.args_kwargs["args"] for task in DBTaskResult.objects.all()]
        assert queued == [[ivy.pk, "meeting", f"/meetings/{meeting.pk}/"]]
        send_notification.call(*queued[0])
        message = mail.outbox[0]
        text = message.subject + message.body
        assert f"/meetings/{meeting.pk}/" in message.body
        for personal in (child.forenames, child.surname, child.lisa_ref, "Kaleidoscope"):
            assert personal not in text
        assert_audited(user=amara, action=Action.CREATE, child=child, kind="initial")

    def test_the_meeting_page_warns_when_no_consent_is_recorded(
        self, client_for, amara, meeting, mother, child
    ):
        client = client_for(amara)
        assert (
            'data-testid="consent-warning"'
            in client.get(f"/meetings/{meeting.pk}/").content.decode()
        )
        consent_actions.record_agreement(
            request=as_request(amara),
            by=amara,
            child=child,
            kind=Kind.PARENT_CARER,
            values={
                "decision": Decision.AGREE,
                "parent": mother,
                "signed_on": timezone.localdate(),
            },
        )
        body = client.get(f"/meetings/{meeting.pk}/").content.decode()
        assert 'data-testid="consent-warning"' not in body
        assert "Parent/carer agreed on" in body

    def test_the_page_never_shows_the_childs_address(self, client_for, amara, meeting, child):
        body = client_for(amara).get(f"/meetings/{meeting.pk}/").content.decode()
        assert child.forenames in body
        assert child.address_line_1 not in body and child.postcode not in body

    def test_a_sensitive_service_practitioner_is_not_named(
        self, client_for, amara, daniel, agencies, concern, child
    ):
        counsellor = make_user("cara.camhs", agencies["camhs"], ["practitioner"])
        meeting = arrange(amara, child, practitioners=[counsellor])
        involve(daniel, child, role="Teacher")
        body = client_for(daniel).get(f"/meetings/{meeting.pk}/").content.decode()
        assert "Cara" not in body and "CAMHS" not in body
        assert "A practitioner of a partner agency" in body


class TestHoldingIt:
    def test_attendance_and_the_record(self, client_for, amara, ivy, meeting):
        held = hold(meeting, amara, attended=[amara], apologies=[ivy], decisions=["One", "Two"])
        body = client_for(amara).get(f"/meetings/{held.pk}/").content.decode()
        assert "Sent apologies" in body
        assert body.index("One") < body.index("Two")
        assert list(held.decisions.values_list("position", "text")) == [(1, "One"), (2, "Two")]

    def test_someone_sent_in_their_place_must_be_named(self, client_for, amara, ivy, meeting):
        invitee = Invitee.objects.get(meeting=meeting, practitioner=ivy)
        response = client_for(amara).post(
            f"/meetings/{meeting.pk}/attendance/",
            {"version": meeting.version, f"attendance_{invitee.pk}": "sent_someone"},
        )
        assert "Say who came in their place" in response.content.decode()
        response = client_for(amara).post(
            f"/meetings/{meeting.pk}/attendance/",
            {
                "version": meeting.version,
                f"attendance_{invitee.pk}": "sent_someone",
                f"substitute_{invitee.pk}": "Sam Lee, family support worker",
            },
        )
        assert response.status_code == 302
        invitee.refresh_from_db()
        assert invitee.substitute == "Sam Lee, family support worker"


class TestLeadProfessional:
    def test_appointing_sets_the_lead_flag_and_ends_the_previous_appointment(
        self, client_for, amara, ivy, meeting, child
    ):
        held = hold(meeting, amara, attended=[amara, ivy])
        actions.appoint_lead(
            request=as_request(amara),
            by=amara,
            meeting=held,
            version=held.version,
            practitioner=amara,
        )
        held.refresh_from_db()
        assert Involvement.objects.get(child=child, practitioner=amara).lead_professional
        response = client_for(amara).post(
            f"/meetings/{held.pk}/lead/",
            {"version": held.version, "practitioner": str(ivy.pk), "family_view": "Mum agrees"},
        )
        assert response.status_code == 302
        assert not Involvement.objects.get(child=child, practitioner=amara).lead_professional
        assert Involvement.objects.get(child=child, practitioner=ivy).lead_professional
        history = list(LeadAppointment.objects.filter(child=child).order_by("started_at", "pk"))
        assert [a.practitioner for a in history] == [amara, ivy]
        assert history[0].ended_at is not None and history[1].ended_at is None
        assert history[1].family_view == "Mum agrees"
        assert_audited(
            user=amara, action=Action.CREATE, child=child, lead_professional=ivy.username
        )

    def test_the_lead_may_then_change_the_meeting(self, client_for, amara, ivy, meeting):
        held = hold(meeting, amara, attended=[amara, ivy])
        client = client_for(ivy)
        assert client.get(f"/meetings/{held.pk}/attendance/").status_code == 403
        actions.appoint_lead(
            request=as_request(amara),
            by=amara,
            meeting=held,
            version=held.version,
            practitioner=ivy,
        )
        assert client.get(f"/meetings/{held.pk}/attendance/").status_code == 200


class TestPlan:
    def test_the_owner_updates_their_action_with_a_dated_note(self, client_for, ivy, scene):
        action = scene["action"]
        response = client_for(ivy).post(
            f"/meetings/actions/{action.pk}/",
            {"version": action.version, "status": "in_progress", "note": "First session went well"},
        )
        assert response.status_code == 302
        action.refresh_from_db()
        assert action.status == ActionStatus.IN_PROGRESS
        note = action.notes.get()
        assert note.by == ivy and note.text == "First session went well"
        body = client_for(ivy).get(f"/meetings/plans/{scene['plan'].pk}/").content.decode()
        assert "In progress" in body and "Getting a good education" in body

    def test_an_action_for_a_parent_with_a_directory_service(
        self, client_for, amara, mother, scene, child
    ):
        from directory.models import Organisation
        from tests.directory.conftest import make_service

        service = make_service(Organisation.objects.create(name="Deptford Lounge"), "Parent Café")
        plan = scene["plan"]
        plan.refresh_from_db()
        response = client_for(amara).post(
            f"/meetings/plans/{plan.pk}/actions/new/",
            {
                "version": plan.version,
                "what": "Go to the parenting café",
                "children": [str(child.pk)],
                "owner_kind": "parent",
                "owner_parent": str(mother.pk),
                "service": str(service.pk),
                **_date("due_on", timezone.localdate() + dt.timedelta(days=30)),
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        body = client_for(amara).get(f"/meetings/plans/{plan.pk}/").content.decode()
        assert "Rosalind Brackenbury (mother)" in body
        assert f"/directory/services/{service.pk}/" in body


class TestChronology:
    def test_meetings_held_and_lead_appointments_are_in_the_chronology(
        self, client_for, amara, ivy, meeting, child
    ):
        held = hold(meeting, amara, attended=[amara, ivy], decisions=["Breakfast club place"])
        actions.appoint_lead(
            request=as_request(amara),
            by=amara,
            meeting=held,
            version=held.version,
            practitioner=ivy,
        )
        body = client_for(amara).get(f"/concerns/children/{child.pk}/chronology/").content.decode()
        assert "Family Support Meeting held (initial meeting)" in body
        assert "Decision: Breakfast club place" in body
        assert "Lead professional appointed" in body
        assert f"/meetings/{held.pk}/" in body

    def test_an_arranged_meeting_is_not_yet_in_it(self, client_for, amara, meeting, child):
        body = client_for(amara).get(f"/concerns/children/{child.pk}/chronology/").content.decode()
        assert "Family Support Meeting held" not in body


def test_the_meeting_page_costs_the_same_with_thirty_invitees(
    client_for, amara, agencies, meeting, django_assert_max_num_queries
):
    people = [
        make_user(f"invitee{n}.many", agencies["voluntary"], ["practitioner"]) for n in range(30)
    ]
    Invitee.objects.bulk_create(
        [Invitee(meeting=meeting, kind=InviteeKind.PRACTITIONER, practitioner=p) for p in people]
    )
    hold(meeting, amara, attended=[amara])
    client = client_for(amara)
    with django_assert_max_num_queries(30):
        response = client.get(f"/meetings/{meeting.pk}/")
    assert response.content.decode().count("Invitee") >= 30
