"""The central team's retention pages: a record's schedule and legal holds, the archived records,
and restoring one, with errors beside the field and every step audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from children import actions
from children.models import Child, LegalHold
from children.retention import Schedule
from tests.children.conftest import involve, make_child
from tests.helpers import assert_audited

pytestmark = pytest.mark.django_db


def archived(**fields) -> Child:
    child = make_child(date_of_birth=dt.date(2008, 3, 10), **fields)
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False):
        actions.archive_records(
            ids=[child.pk], schedule=Schedule.from_settings(), today=timezone.localdate()
        )
    child.refresh_from_db()
    return child


def test_the_retention_page_shows_the_schedule_and_the_hold(morgan, client_for):
    child = make_child(date_of_birth=dt.date(2015, 7, 4))
    page = client_for(morgan).get(f"/children/{child.pk}/retention/").content.decode()
    assert "On or after 4 July 2033: turned 18" in page
    assert "Place a legal hold" in page and "Restore the record" not in page
    assert_audited(user=morgan, action="view", child=child)


def test_placing_and_lifting_a_hold_through_the_pages(morgan, client_for):
    child = make_child()
    client = client_for(morgan)
    refused = client.post(f"/children/{child.pk}/retention/hold/", {"reason": ""})
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "Enter why the record must be kept" in text and "govuk-error-summary" in text
    assert not LegalHold.objects.exists()

    done = client.post(
        f"/children/{child.pk}/retention/hold/", {"reason": "Section 47 enquiry 2291"}
    )
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    assert "Section 47 enquiry 2291" in page and "Not while the legal hold stands" in page
    assert_audited(user=morgan, action="create", child=child, legal_hold=True)

    client.post(f"/children/{child.pk}/retention/lift-hold/", {"reason": "Enquiry closed"})
    hold = LegalHold.objects.get(child=child)
    assert hold.lifted_at is not None and hold.lift_reason == "Enquiry closed"


def test_a_practitioner_may_not_place_a_hold(amara, client_for):
    child = make_child()
    involve(amara, child)
    response = client_for(amara).post(f"/children/{child.pk}/retention/hold/", {"reason": "x"})
    assert response.status_code == 403
    assert not LegalHold.objects.exists()


def test_the_archived_list_names_each_record_with_its_removal_day(
    morgan, client_for, django_assert_max_num_queries
):
    children = [archived(forenames=f"Archivee{n}") for n in range(12)]
    actions.place_legal_hold(
        request=None, by=morgan, child=children[0], reason="Litigation"
    )  # fmt: skip
    client = client_for(morgan)
    with django_assert_max_num_queries(12):
        page = client.get("/children/archived/").content.decode()
    assert "12 archived records" in page
    assert "Archivee5" in page and "10 Mar 2032" in page
    assert page.count("Legal hold</strong>") == 1
    listed = AuditEvent.objects.filter(action="view", detail__list="archived records")
    assert {event.child_id for event in listed} == {child.pk for child in children}


def test_restoring_from_the_page_needs_a_reason_and_brings_it_back(morgan, daniel, client_for):
    child = archived()
    assert client_for(daniel).get(f"/children/{child.pk}/").status_code == 403
    client = client_for(morgan)
    page = client.get(f"/children/{child.pk}/retention/").content.decode()
    assert "archived on 10 March 2026 (turned 18)" in page and "Restore the record" in page
    refused = client.post(f"/children/{child.pk}/retention/restore/", {"reason": ""})
    assert "Enter why the record must come back" in refused.content.decode()
    done = client.post(
        f"/children/{child.pk}/retention/restore/", {"reason": "Returned to the borough"}
    )
    assert done["Location"] == f"/children/{child.pk}/record/"
    child.refresh_from_db()
    assert child.archived_at is None and child.restored_at is not None
    assert client_for(daniel).get(f"/children/{child.pk}/").status_code == 200


def test_a_record_not_archived_cannot_be_restored(morgan, client_for):
    child = make_child()
    response = client_for(morgan).post(f"/children/{child.pk}/retention/restore/", {"reason": "x"})
    assert response.status_code == 403


def test_the_archived_list_is_the_central_teams_alone(client, amara, priya, client_for):
    archived(forenames="Hiddenarchivee")
    assert client.get("/children/archived/")["Location"].startswith("/sign-in/")
    for user in (amara, priya):
        response = client_for(user).get("/children/archived/")
        assert response.status_code == 403
        assert "Hiddenarchivee" not in response.content.decode()
