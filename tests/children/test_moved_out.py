"""Moved out of the area: the status, the receiving authority, the new address (shielded when
it must be), the people told, and involvements ending after the grace period."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from audit.models import Action, AuditEvent
from children.models import ChildStatus, Involvement, MoveOut
from tests.children.conftest import involve, make_child


@pytest.fixture
def family_child(amara, daniel):
    child = make_child(forenames="Juniper", surname="Ashdown", postcode="SE6 4RU")
    involve(amara, child)
    involve(daniel, child, role="Class teacher")
    return child


def data(child, **overrides):
    on = overrides.pop("on", timezone.localdate() - dt.timedelta(days=2))
    values = {
        "moved_on_0": str(on.day),
        "moved_on_1": str(on.month),
        "moved_on_2": str(on.year),
        "authority": "Kent County Council",
        "contact_team": "Children's Front Door",
        "contact_email": "frontdoor@kent.example.org",
        "contact_phone": "03000 411111",
        "address_line_1": "",
        "address_line_2": "",
        "town": "",
        "postcode": "",
        "version": child.version,
    }
    values.update(overrides)
    return values


def test_recording_the_move(
    family_child, amara, daniel, client_for, django_capture_on_commit_callbacks
):
    client = client_for(amara)
    url = f"/children/{family_child.pk}/moved-out/"
    assert "their involvement ends 28 days after the move" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, data(family_child))
    assert response.status_code == 302
    family_child.refresh_from_db()
    assert family_child.status == ChildStatus.MOVED_OUT
    move = MoveOut.objects.get(child=family_child)
    assert move.authority == "Kent County Council"
    assert move.involvements_end_on == move.moved_on + dt.timedelta(days=28)
    assert len(callbacks) == 1  # the lead and the practitioners involved are told
    record = client.get(f"/children/{family_child.pk}/record/").content.decode()
    assert "to Kent County Council, Children&#x27;s Front Door" in record
    # Still involved during the grace period: the hand-over.
    assert Involvement.objects.active().filter(child=family_child).count() == 2
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, child_id=family_child.pk, detail__moved_out=True
    ).exists()


def test_involvements_end_after_the_grace_period(family_child, amara, client_for):
    client_for(amara).post(f"/children/{family_child.pk}/moved-out/", data(family_child))
    move = MoveOut.objects.get(child=family_child)
    out = io.StringIO()
    call_command("apply_scheduled_transitions", stdout=out)
    assert "involvements ended: 0" in out.getvalue()
    with time_machine.travel(
        dt.datetime.combine(move.involvements_end_on, dt.time(6, 0)), tick=False
    ):
        call_command("apply_scheduled_transitions", stdout=out)
    assert "involvements ended: 1" in out.getvalue()
    assert not Involvement.objects.active().filter(child=family_child).exists()
    reasons = set(
        Involvement.objects.filter(child=family_child).values_list("end_reason", flat=True)
    )
    assert reasons == {"Moved out of the area"}
    move.refresh_from_db()
    assert move.involvements_ended_at is not None


def test_a_new_shielded_address_is_kept_hidden(family_child, amara, daniel, client_for):
    client_for(amara).post(
        f"/children/{family_child.pk}/moved-out/",
        data(
            family_child,
            address_line_1="4 Quiet Lane",
            town="Maidstone",
            postcode="me14 1xx",
            shielded="on",
        ),
    )
    family_child.refresh_from_db()
    assert family_child.shielded and family_child.postcode == "ME14 1XX"
    # An outsider sees the index card without it.
    from tests.conftest import make_user

    outsider = make_user(
        "otto.finch",
        daniel.agency.__class__.objects.get(name="Deptford Family Support"),
        ["practitioner"],
    )
    card = client_for(outsider).get(f"/children/{family_child.pk}/").content.decode()
    assert "Quiet Lane" not in card and "ME14" not in card


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"authority": ""}, "authority", "Enter the receiving authority"),
        ({"on": dt.date(2099, 1, 1)}, "moved_on", "must be today or in the past"),
        ({"address_line_1": "4 Quiet Lane"}, "postcode", "Enter the postcode of the new address"),
        ({"postcode": "NOT A CODE"}, "postcode", "Enter a real UK postcode"),
    ],
)
def test_bad_input_is_explained(family_child, amara, client_for, overrides, field, message):
    response = client_for(amara).post(
        f"/children/{family_child.pk}/moved-out/", data(family_child, **overrides)
    )
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert message.lower() in page.lower()
    family_child.refresh_from_db()
    assert family_child.status == ChildStatus.ACTIVE and not MoveOut.objects.exists()


def test_a_second_move_is_refused(family_child, amara, client_for):
    client = client_for(amara)
    client.post(f"/children/{family_child.pk}/moved-out/", data(family_child))
    family_child.refresh_from_db()
    page = client.post(f"/children/{family_child.pk}/moved-out/", data(family_child)).content
    assert "already moved out of area" in page.decode()
    assert MoveOut.objects.count() == 1


@pytest.mark.parametrize(
    "who, status", [("amara", 200), ("priya", 200), ("morgan", 200), ("helen", 403), ("sam", 403)]
)
def test_who_may_record_a_move(personas, client_for, who, status):
    child = make_child()
    involve(personas["amara"], child)
    assert client_for(personas[who]).get(f"/children/{child.pk}/moved-out/").status_code == status
