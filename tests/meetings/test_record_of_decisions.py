"""Sending the record of decisions, who has opened it, corrections as new versions, the family
copy and the invitation letter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit.models import Action, AuditEvent
from lisa.actions import ConcurrentEditError
from meetings import actions
from meetings.models import CopyGiven, Meeting, RecordOfDecisions
from tests.conftest import make_user
from tests.helpers import assert_audited, font_sizes, pdf_text
from tests.meetings.conftest import as_request, hold, send

pytestmark = pytest.mark.django_db


class TestSending:
    def test_it_goes_to_every_practitioner_invited_and_the_central_team_and_is_listed(
        self, client_for, amara, ivy, morgan, daniel, meeting, django_capture_on_commit_callbacks
    ):
        held = hold(meeting, amara, attended=[amara, ivy])
        client = client_for(amara)
        page = client.get(f"/meetings/{held.pk}/send/").content.decode()
        assert "Ivy Moss" in page and "Morgan Ellis" in page and "Daniel Price" not in page
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/meetings/{held.pk}/send/", {"version": held.version})
        assert response.status_code == 302
        sent = RecordOfDecisions.objects.get(meeting=held)
        assert sent.version == 1 and sent.sent_by == amara
        assert {r.user for r in sent.recipients.all()} == {amara, ivy, morgan}
        assert sent.content["decisions"] == ["Breakfast club place"]
        told = sorted(task.args_kwargs["args"][0] for task in DBTaskResult.objects.all())
        assert told == sorted([ivy.pk, morgan.pk])
        assert all(
            task.args_kwargs["args"][2] == f"/meetings/records/{sent.pk}/"
            for task in DBTaskResult.objects.all()
        )
        assert_audited(user=amara, action=Action.CREATE, version=1)
        # Listed on the home pages of those it went to.
        home = client_for(ivy).get("/").content.decode()
        assert f"/meetings/records/{sent.pk}/" in home
        assert f"/meetings/records/{sent.pk}/" not in client_for(daniel).get("/").content.decode()

    def test_a_meeting_not_yet_recorded_cannot_be_sent(self, amara, meeting):
        with pytest.raises(Exception, match="Record the meeting"):
            send(meeting, amara)

    def test_once_sent_the_meeting_cannot_change_and_cannot_be_sent_again(
        self, amara, ivy, meeting
    ):
        held = hold(meeting, amara, attended=[amara, ivy])
        send(held, amara)
        held = Meeting.objects.get(pk=held.pk)
        with pytest.raises(Exception, match="has been sent"):
            hold(held, amara, attended=[amara])
        with pytest.raises(Exception, match="has been sent"):
            send(held, amara)

    def test_a_stale_version_is_refused(self, amara, ivy, meeting):
        held = hold(meeting, amara, attended=[amara, ivy])
        stale = held.version
        actions.record_attendance(
            request=as_request(amara),
            by=amara,
            meeting=held,
            version=held.version,
            attendance={},
        )
        with pytest.raises(ConcurrentEditError):
            actions.send_record(
                request=as_request(amara), by=amara, meeting=held, version=stale, venue=""
            )

    def test_an_invitee_who_may_only_read_cannot_send(self, client_for, amara, ivy, meeting):
        held = hold(meeting, amara, attended=[amara, ivy])
        response = client_for(ivy).post(f"/meetings/{held.pk}/send/", {"version": held.version})
        assert response.status_code == 403
        assert not RecordOfDecisions.objects.exists()


class TestWhoHasOpenedIt:
    def test_the_chair_sees_who_has_opened_it_and_who_has_not(
        self, client_for, amara, ivy, morgan, meeting
    ):
        held = hold(meeting, amara, attended=[amara, ivy])
        sent = send(held, amara)
        page = client_for(ivy).get(f"/meetings/records/{sent.pk}/")
        assert page.status_code == 200
        assert "Breakfast club place" in page.content.decode()
        assert AuditEvent.objects.filter(
            user=ivy, action=Action.VIEW, object_type="meetings.recordofdecisions"
        ).exists()
        chair_page = client_for(amara).get(f"/meetings/{held.pk}/").content.decode()
        table = chair_page.split('data-testid="opened-1"')[1].split("</table>")[0]
        ivy_row = table.split("Ivy Moss")[1].split("</tr>")[0]
        morgan_row = table.split("Morgan Ellis")[1].split("</tr>")[0]
        assert "Not yet opened" not in ivy_row
        assert "Not yet opened" in morgan_row
        # Someone who only reads the meeting does not get the table.
        assert (
            'data-testid="opened-1"'
            not in client_for(ivy).get(f"/meetings/{held.pk}/").content.decode()
        )

    def test_an_outsider_cannot_open_a_sent_record(self, client_for, amara, ivy, daniel, meeting):
        held = hold(meeting, amara, attended=[amara, ivy])
        sent = send(held, amara)
        assert client_for(daniel).get(f"/meetings/records/{sent.pk}/").status_code == 403
        assert client_for(daniel).get(f"/meetings/records/{sent.pk}/pdf/").status_code == 403
        assert client_for(daniel).get("/meetings/records/999999/").status_code == 404


class TestCorrections:
    def test_a_correction_is_a_new_version_with_a_reason_and_the_first_stays_readable(
        self, client_for, amara, ivy, meeting
    ):
        held = hold(meeting, amara, attended=[amara, ivy], decisions=["Breakfast club plce"])
        first = send(held, amara)
        client = client_for(amara)
        held = Meeting.objects.get(pk=held.pk)
        refused = client.post(f"/meetings/{held.pk}/correct/", {"version": held.version})
        assert refused.status_code == 200
        assert "Say what needs correcting and why" in refused.content.decode()
        response = client.post(
            f"/meetings/{held.pk}/correct/",
            {"version": held.version, "reason": "Spelling of the first decision"},
        )
        assert response.status_code == 302
        held = hold(
            Meeting.objects.get(pk=held.pk), amara, attended=[amara, ivy],
            decisions=["Breakfast club place"],
        )  # fmt: skip
        second = send(held, amara)
        assert second.version == 2
        assert second.correction_reason == "Spelling of the first decision"
        first.refresh_from_db()
        assert first.content["decisions"] == ["Breakfast club plce"]
        assert second.content["decisions"] == ["Breakfast club place"]
        old = client.get(f"/meetings/records/{first.pk}/").content.decode()
        assert "Breakfast club plce" in old and "Read version 2" in old
        new = client.get(f"/meetings/records/{second.pk}/").content.decode()
        assert "Corrected: Spelling of the first decision" in new

    def test_a_record_not_sent_needs_no_correction(self, amara, ivy, meeting):
        held = hold(meeting, amara, attended=[amara, ivy])
        with pytest.raises(Exception, match="has not been sent"):
            actions.start_correction(
                request=as_request(amara), by=amara, meeting=held, version=held.version,
                reason="x",
            )  # fmt: skip


class TestThePapers:
    def test_the_sent_version_prints_with_its_version(self, client_for, amara, ivy, meeting):
        held = hold(meeting, amara, attended=[amara, ivy])
        sent = send(held, amara)
        response = client_for(ivy).get(f"/meetings/records/{sent.pk}/pdf/")
        text = pdf_text(response.content)
        assert "Version 1, sent" in text and "Breakfast club place" in text
        assert_audited(user=ivy, action=Action.PRINT, printed=1)

    def test_the_family_copy_is_in_plain_words_in_two_sizes(self, client_for, amara, ivy, meeting):
        held = hold(meeting, amara, attended=[amara, ivy], decisions=["Mum to try the rota"])
        client = client_for(amara)
        standard = client.get(f"/meetings/{held.pk}/family-copy/")
        large = client.get(f"/meetings/{held.pk}/family-copy/?size=large")
        text = pdf_text(standard.content)
        assert "What we agreed at the meeting on" in text
        assert "Mum to try the rota" in text
        assert "For other formats" in text
        assert font_sizes(large.content).most_common(1)[0][0] == 16
        assert font_sizes(standard.content).most_common(1)[0][0] == 11
        assert "Mum to try the rota" in pdf_text(large.content)
        assert_audited(user=amara, action=Action.PRINT, printed="family copy", large_print=True)

    def test_copies_given_are_recorded_with_dates(self, client_for, amara, ivy, meeting):
        held = hold(meeting, amara, attended=[amara, ivy])
        client = client_for(amara)
        today = timezone.localdate()
        future = today + dt.timedelta(days=3)
        refused = client.post(
            f"/meetings/{held.pk}/copies/",
            {
                "given_to": "Rosalind (mother)",
                "given_on_0": future.day,
                "given_on_1": future.month,
                "given_on_2": future.year,
            },
        )
        assert "must be today or in the past" in refused.content.decode()
        client.post(
            f"/meetings/{held.pk}/copies/",
            {
                "given_to": "Rosalind (mother)",
                "given_on_0": today.day,
                "given_on_1": today.month,
                "given_on_2": today.year,
                "large_print": "on",
            },
        )
        copy = CopyGiven.objects.get()
        assert copy.given_to == "Rosalind (mother)" and copy.large_print
        page = client.get(f"/meetings/{held.pk}/").content.decode()
        assert "Rosalind (mother)" in page.split('data-testid="copies-given"')[1]
        assert client_for(ivy).post(f"/meetings/{held.pk}/copies/", {}).status_code == 403

    def test_the_invitation_letter_is_addressed_to_the_parent(
        self, client_for, amara, meeting, mother
    ):
        invitee = meeting.invitees.get(parent=mother)
        response = client_for(amara).get(f"/meetings/{meeting.pk}/invitation/{invitee.pk}/")
        text = pdf_text(response.content)
        assert "Dear Rosalind Brackenbury" in text
        assert "about Ottoline" in text
        assert "Room 2, Kaleidoscope Centre" in text
        assert "For other formats" in text
        practitioner = meeting.invitees.exclude(parent=mother).first()
        missing = client_for(amara).get(f"/meetings/{meeting.pk}/invitation/{practitioner.pk}/")
        assert missing.status_code == 404
        assert_audited(user=amara, action=Action.PRINT, printed="invitation letter")

    def test_a_sensitive_service_invitee_is_not_named_on_the_record_to_others(
        self, client_for, agencies, amara, ivy, child, meeting
    ):
        nurse = make_user(
            "casey.nurse", agencies["camhs"], ["practitioner"], job_title="CAMHS nurse"
        )
        meeting.invitees.create(kind="practitioner", practitioner=nurse)
        held = hold(meeting, amara, attended=[amara, ivy])
        sent = send(held, amara)
        for path in (f"/meetings/records/{sent.pk}/", f"/meetings/{held.pk}/"):
            body = client_for(ivy).get(path).content.decode()
            assert "Casey" not in body and "CAMHS" not in body
        text = pdf_text(client_for(ivy).get(f"/meetings/records/{sent.pk}/pdf/").content)
        assert "Casey" not in text and "CAMHS" not in text


def test_the_chairs_page_costs_the_same_with_thirty_recipients(
    client_for, amara, agencies, meeting, django_assert_max_num_queries
):
    from meetings.models import Invitee, InviteeKind

    people = [
        make_user(f"reader{n}.many", agencies["voluntary"], ["practitioner"]) for n in range(30)
    ]
    Invitee.objects.bulk_create(
        [Invitee(meeting=meeting, kind=InviteeKind.PRACTITIONER, practitioner=p) for p in people]
    )
    held = hold(meeting, amara, attended=[amara])
    send(held, amara)
    client = client_for(amara)
    with django_assert_max_num_queries(36):
        response = client.get(f"/meetings/{held.pk}/")
    assert response.content.decode().count("Not yet opened") >= 30
