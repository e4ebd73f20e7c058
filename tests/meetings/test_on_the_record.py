"""Meetings, sent records, lead appointments and closed plans on the child's record and in the
chronology."""

from __future__ import annotations

import pytest

from meetings import actions
from meetings.models import SupportPlan
from tests.meetings.conftest import arrange, as_request, hold, send

pytestmark = pytest.mark.django_db


def test_the_record_lists_the_meetings_and_their_plan(client_for, amara, scene, child):
    actions.appoint_lead(
        request=as_request(amara), by=amara, meeting=scene["meeting"],
        version=scene["meeting"].version, practitioner=amara,
    )  # fmt: skip
    body = client_for(amara).get(f"/children/{child.pk}/record/").content.decode()
    listed = body.split('data-testid="child-meetings"')[1].split("</table>")[0]
    assert f"/meetings/{scene['meeting'].pk}/" in listed
    assert f"/meetings/plans/{scene['plan'].pk}/" in listed
    assert "lead: Amara Okafor, Health Visiting" in listed


def test_the_chronology_shows_the_record_sent_and_the_plan_closed(client_for, amara, scene, child):
    send(scene["meeting"], amara)
    closing = arrange(amara, child, kind="closing", plan=scene["plan"])
    hold(closing, amara, attended=[amara], next_review_on=None)
    plan = SupportPlan.objects.get(pk=scene["plan"].pk)
    actions.close_plan(
        request=as_request(amara), by=amara, plan=plan, version=plan.version,
        reason="outcomes_met",
    )  # fmt: skip
    body = client_for(amara).get(f"/concerns/children/{child.pk}/chronology/").content.decode()
    assert "Record of decisions sent (version 1)" in body
    assert "Support plan closed" in body and "Outcomes met" in body
