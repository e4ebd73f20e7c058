"""Training for the roles: recorded per user by designated officers and the central team;
LISA warns, and does not block, when a chair or a proposed lead has none recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import Action
from lisa.models import User
from meetings.models import Meeting
from tests.helpers import assert_audited
from tests.meetings.conftest import hold

pytestmark = pytest.mark.django_db

UNTRAINED_CHAIR = "no training in chairing meetings recorded"
UNTRAINED_LEAD = "no lead professional training recorded"


def _dates(prefix: str, day: dt.date) -> dict:
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def test_an_officer_records_role_training_and_it_shows(client_for, priya, amara):
    day = timezone.localdate() - dt.timedelta(days=30)
    client = client_for(priya)
    url = f"/users/{amara.pk}/training/"
    future = timezone.localdate() + dt.timedelta(days=5)
    refused = client.post(
        url,
        {
            **_dates("training_date", amara.training_date),
            **_dates("chair_trained_on", future),
            "version": User.objects.get(pk=amara.pk).updated_at.isoformat(),
        },
    )
    assert refused.status_code == 200
    assert User.objects.get(pk=amara.pk).chair_trained_on is None
    response = client.post(
        url,
        {
            **_dates("training_date", amara.training_date),
            **_dates("lead_professional_trained_on", day),
            **_dates("chair_trained_on", day),
            "version": User.objects.get(pk=amara.pk).updated_at.isoformat(),
        },
    )
    assert response.status_code == 302
    amara.refresh_from_db()
    assert amara.lead_professional_trained_on == day and amara.chair_trained_on == day
    assert_audited(user=priya, action=Action.UPDATE, chair_trained_on=day.isoformat())
    detail = client.get(f"/users/{amara.pk}/").content.decode()
    assert day.strftime("%-d %B %Y") in detail.split('data-testid="chair-training"')[1]


def test_the_chair_is_warned_of_not_stopped(client_for, amara, ivy, meeting, child):
    page = client_for(amara).get(f"/meetings/{meeting.pk}/").content.decode()
    assert UNTRAINED_CHAIR in page
    arrange_page = client_for(amara).get(f"/meetings/children/{child.pk}/arrange/")
    assert f"Ivy Moss, Deptford Family Support, Family support worker ({UNTRAINED_CHAIR})" in (
        arrange_page.content.decode()
    )
    User.objects.filter(pk=amara.pk).update(chair_trained_on=timezone.localdate())
    page = client_for(amara).get(f"/meetings/{meeting.pk}/").content.decode()
    assert UNTRAINED_CHAIR not in page


def test_a_lead_without_training_is_marked_but_may_be_appointed(client_for, amara, ivy, meeting):
    User.objects.filter(pk=amara.pk).update(lead_professional_trained_on=timezone.localdate())
    held = hold(meeting, amara, attended=[amara, ivy])
    client = client_for(amara)
    form = client.get(f"/meetings/{held.pk}/lead/").content.decode()
    ivy_option = form.split(f'value="{ivy.pk}"')[1].split("</")[0]
    amara_option = form.split(f'value="{amara.pk}"')[1].split("</")[0]
    assert UNTRAINED_LEAD in ivy_option and UNTRAINED_LEAD not in amara_option
    held = Meeting.objects.get(pk=held.pk)
    response = client.post(
        f"/meetings/{held.pk}/lead/", {"practitioner": ivy.pk, "version": held.version}
    )
    assert response.status_code == 302
    page = client.get(f"/meetings/{held.pk}/").content.decode()
    assert 'data-testid="lead-training-warning"' in page
