"""Change of school: at once or from a later date; the new school's practitioner becomes
involved, the old school's involvements end (and with them the full record), both schools and
the lead professional are told; who may record it; bad input; the daily command."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from audit.models import Action, AuditEvent
from children.models import HowBegan, Involvement, SchoolChange, SchoolChangeStatus
from lisa.models import Agency, AgencyType, Role
from tests.children.conftest import involve, make_child
from tests.conftest import make_user


@pytest.fixture
def riverside(agencies):
    return Agency.objects.create(name="Riverside Secondary", agency_type=AgencyType.EDUCATION)


@pytest.fixture
def rowan(riverside):
    return make_user("rowan.hale", riverside, [Role.PRACTITIONER], job_title="Head of year 7")


@pytest.fixture
def ruth(riverside):
    return make_user("ruth.oyelaran", riverside, [Role.PRACTITIONER, Role.DESIGNATED_OFFICER])


@pytest.fixture
def pupil(amara, daniel):
    child = make_child(forenames="Saffron", surname="Merriweather", school="Cedar Rise Primary")
    involve(amara, child)
    involve(daniel, child, role="Class teacher")
    return child


def form(school, *, nominated=None, on=None, name="", version=""):
    on = on or timezone.localdate()
    return {
        "to_agency": str(school.pk) if school else "",
        "to_school_name": name,
        "nominated": str(nominated.pk) if nominated else "",
        "effective_on_0": str(on.day),
        "effective_on_1": str(on.month),
        "effective_on_2": str(on.year),
        "version": version,
    }


def test_a_change_today_moves_the_child_at_once(
    pupil,
    amara,
    daniel,
    helen,
    riverside,
    rowan,
    ruth,
    client_for,
    django_capture_on_commit_callbacks,
):
    client = client_for(amara)
    url = f"/children/{pupil.pk}/change-school/"
    page = client.get(url).content.decode()
    assert "Now at: <strong>Cedar Rise Primary</strong>" in page
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, form(riverside, nominated=rowan, version=pupil.version))
    assert response.status_code == 302
    assert (
        "The child&#x27;s school is now Riverside Secondary."
        in client.get(response["Location"]).content.decode()
    )
    pupil.refresh_from_db()
    assert pupil.school == "Riverside Secondary"
    joined = Involvement.objects.get(child=pupil, practitioner=rowan)
    assert joined.how_began == HowBegan.TRANSFER and joined.ended_at is None
    assert joined.role == "Head of year 7"
    left = Involvement.objects.get(child=pupil, practitioner=daniel)
    assert left.ended_at is not None and left.end_reason == "Changed school"
    assert Involvement.objects.get(child=pupil, practitioner=amara).ended_at is None
    change = SchoolChange.objects.get(child=pupil)
    assert (
        change.status == SchoolChangeStatus.APPLIED and change.from_school == "Cedar Rise Primary"
    )
    assert len(callbacks) == 1  # the notifications, queued once the change commits
    # The old school's teacher loses the full record; the new school's practitioner has it.
    assert client_for(daniel).get(f"/children/{pupil.pk}/record/").status_code == 403
    assert client_for(rowan).get(f"/children/{pupil.pk}/record/").status_code == 200
    assert AuditEvent.objects.filter(
        action=Action.CREATE, object_type="children.schoolchange", child_id=pupil.pk
    ).exists()
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, object_type="children.involvement", detail__reason="Changed school"
    ).exists()


def test_the_schools_and_the_lead_are_told_without_personal_data(
    pupil, amara, daniel, helen, riverside, rowan, ruth
):
    from django.test import RequestFactory

    from children import actions

    Involvement.objects.filter(child=pupil, practitioner=amara).update(lead_professional=True)
    request = RequestFactory().post("/")
    request.user = amara
    with pytest.MonkeyPatch.context() as patch:
        sent = []
        patch.setattr(
            "messaging.notifications.notify",
            lambda users, *, kind, path: sent.append(({u.username for u in users}, kind, path)),
        )
        actions.change_school(
            request=request,
            by=amara,
            child=pupil,
            version=pupil.version,
            to_agency=riverside,
            effective_on=timezone.localdate(),
        )
    (told, kind, path) = sent[0]
    # Old school's officer and teacher, new school's officer (who joins, none being named);
    # amara is the lead professional but made the change herself.
    assert told == {"helen.wright", "daniel.price", "ruth.oyelaran"}
    assert kind == "school_change" and path == f"/children/{pupil.pk}/"
    assert Involvement.objects.get(child=pupil, practitioner=ruth).how_began == "transfer"


def test_a_later_change_waits_for_its_date(pupil, amara, daniel, riverside, rowan, client_for):
    on = timezone.localdate() + dt.timedelta(days=30)
    client = client_for(amara)
    url = f"/children/{pupil.pk}/change-school/"
    client.post(url, form(riverside, nominated=rowan, on=on, version=pupil.version))
    pupil.refresh_from_db()
    assert pupil.school == "Cedar Rise Primary"
    assert SchoolChange.objects.get(child=pupil).status == SchoolChangeStatus.SCHEDULED
    assert "takes effect on" in client.get(url).content.decode()
    out = io.StringIO()
    call_command("apply_scheduled_transitions", stdout=out)
    assert "made: 0" in out.getvalue()
    with time_machine.travel(dt.datetime.combine(on, dt.time(6, 0)), tick=False):
        call_command("apply_scheduled_transitions", stdout=out)
    assert "made: 1" in out.getvalue()
    pupil.refresh_from_db()
    assert pupil.school == "Riverside Secondary"
    assert Involvement.objects.get(child=pupil, practitioner=daniel).end_reason == "Changed school"
    chronology = client.get(f"/concerns/children/{pupil.pk}/chronology/").content.decode()
    assert "Changed school" in chronology
    assert "From Cedar Rise Primary to Riverside Secondary" in chronology


@pytest.mark.parametrize(
    "who, status",
    [
        ("amara", 200),  # involved
        ("priya", 200),  # her agency is involved
        ("helen", 200),  # a school's designated officer
        ("morgan", 200),  # central team
        ("sam", 403),
        ("alex", 403),
    ],
)
def test_who_may_open_the_page(personas, client_for, who, status):
    child = make_child()
    involve(personas["amara"], child)
    assert client_for(personas[who]).get(f"/children/{child.pk}/change-school/").status_code == (
        status
    )


def test_an_unrelated_practitioner_is_refused(pupil, client_for, agencies):
    outsider = make_user("otto.finch", agencies["voluntary"], [Role.PRACTITIONER])
    assert client_for(outsider).get(f"/children/{pupil.pk}/change-school/").status_code == 403


def test_a_new_schools_officer_may_only_name_their_own_school(
    pupil, ruth, riverside, agencies, client_for
):
    elsewhere = Agency.objects.create(name="Hilltop Academy", agency_type=AgencyType.EDUCATION)
    client = client_for(ruth)
    url = f"/children/{pupil.pk}/change-school/"
    page = client.post(url, form(elsewhere, version=pupil.version)).content.decode()
    assert "You may only record a move to your own school" in page
    assert client.post(url, form(riverside, version=pupil.version)).status_code == 302
    assert Involvement.objects.get(child=pupil, practitioner=ruth).how_began == "transfer"


@pytest.mark.parametrize(
    "values, message",
    [
        ({"school": None}, "Choose the new school, or type the name of a school not on LISA"),
        ({"name": "Hilltop Academy"}, "Choose a school on LISA or type one, not both"),
        ({"on": dt.date(2020, 1, 1)}, "The date must be within the last year"),
        ({"on": dt.date(2030, 1, 1)}, "The date must be within a year from today"),
    ],
)
def test_bad_input_is_explained_beside_the_field(
    pupil, amara, riverside, client_for, values, message
):
    data = form(
        values.get("school", riverside),
        on=values.get("on"),
        name=values.get("name", ""),
        version=pupil.version,
    )
    response = client_for(amara).post(f"/children/{pupil.pk}/change-school/", data)
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert "There is a problem" in page
    assert not SchoolChange.objects.exists()


def test_a_school_outside_lisa_ends_the_old_involvements(pupil, amara, daniel, client_for):
    client_for(amara).post(
        f"/children/{pupil.pk}/change-school/",
        form(None, name="St Olave's, Kent", version=pupil.version),
    )
    pupil.refresh_from_db()
    assert pupil.school == "St Olave's, Kent"
    assert Involvement.objects.get(child=pupil, practitioner=daniel).ended_at is not None


def test_a_stale_form_is_refused_not_saved(pupil, amara, riverside, client_for):
    stale = pupil.version
    pupil.other_names = "Saffy"
    pupil.save()
    response = client_for(amara).post(
        f"/children/{pupil.pk}/change-school/", form(riverside, version=stale)
    )
    assert response.status_code == 200
    assert "changed" in response.content.decode().lower()
    assert not SchoolChange.objects.exists()


def test_a_lead_professional_leaving_with_the_old_school_ends_the_appointment(
    pupil, amara, daniel, riverside
):
    from django.test import RequestFactory

    from children import actions
    from meetings.models import LeadAppointment

    Involvement.objects.filter(child=pupil, practitioner=daniel).update(lead_professional=True)
    appointment = LeadAppointment.objects.create(
        child=pupil, practitioner=daniel, agency=daniel.agency, appointed_by=amara
    )
    request = RequestFactory().post("/")
    request.user = amara
    actions.change_school(
        request=request,
        by=amara,
        child=pupil,
        version=pupil.version,
        to_agency=riverside,
        effective_on=timezone.localdate(),
    )
    appointment.refresh_from_db()
    assert appointment.ended_at is not None and appointment.ended_by == amara
    ended = Involvement.objects.get(child=pupil, practitioner=daniel)
    assert ended.lead_professional and ended.ended_at is not None  # the history keeps who led


def test_moving_away_cancels_a_waiting_change_and_closes_the_page(
    pupil, amara, riverside, rowan, client_for
):
    """A family that moves out of the area before a change of school takes effect: the change
    is cancelled, so the new school's practitioner never becomes involved with a child no longer
    here, and no new change can be recorded."""
    from children import actions
    from tests.meetings.conftest import as_request

    on = timezone.localdate() + dt.timedelta(days=40)
    client = client_for(amara)
    url = f"/children/{pupil.pk}/change-school/"
    client.post(url, form(riverside, nominated=rowan, on=on, version=pupil.version))
    pupil.refresh_from_db()
    actions.move_out(
        request=as_request(amara), by=amara, child=pupil, version=pupil.version,
        moved_on=timezone.localdate(), authority="Kent County Council",
    )  # fmt: skip
    change = SchoolChange.objects.get(child=pupil)
    assert change.status == SchoolChangeStatus.CANCELLED
    assert AuditEvent.objects.filter(
        child_id=pupil.pk, detail__school_change_cancelled=True
    ).exists()
    with time_machine.travel(dt.datetime.combine(on, dt.time(6, 0)), tick=False):
        out = io.StringIO()
        call_command("apply_scheduled_transitions", stdout=out)
    assert "made: 0" in out.getvalue()
    assert not Involvement.objects.filter(child=pupil, practitioner=rowan).exists()
    assert client.get(url).status_code == 403
