"""Recording, changing and releasing a request: the rules, the version token, and the audit
event each writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import Action
from children.models import ParentalResponsibility
from lisa.actions import ConcurrentEditError
from subject_access import actions, review
from subject_access.deadlines import reply_due_by
from subject_access.models import RequesterKind, RequestStatus, WithheldItem
from tests.children.conftest import make_child
from tests.helpers import assert_audited
from tests.subject_access.conftest import as_request, record, request_values

pytestmark = pytest.mark.django_db


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_recording_a_request_sets_the_deadline_and_is_audited(morgan):
    child = make_child()
    mother = ParentalResponsibility.objects.create(
        child=child, name="Iris Vane", relationship="mother"
    )
    received = timezone.localdate() - dt.timedelta(days=2)
    sar = record(morgan, child, parent=mother, received_on=received)
    assert sar.requester_parent == mother and sar.recorded_by == morgan
    assert sar.status == RequestStatus.OPEN
    assert sar.due_on == reply_due_by(received)
    [event] = assert_audited(user=morgan, action=Action.CREATE, child=child)
    assert event.object_type == "subject_access.subjectaccessrequest"
    assert event.detail["due_on"] == sar.due_on.isoformat()
    assert "Rosalind" not in str(event.detail)  # the requester's name stays out of the trail


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"requester_name": "  "}, "requester_name", "Enter the name of the person asking"),
        ({"requester_kind": "friend"}, "requester_kind", "Select in what capacity"),
        ({}, "requester_parent", "Choose which person with parental responsibility is asking"),
        ({"relationship": ""}, "relationship", "Enter their relationship to the child"),
        ({"received_on": None}, "received_on", "Enter the date the request was received"),
        ({"identity_how": " "}, "identity_how", "Say how their identity was checked"),
    ],
)
def test_what_a_request_needs_is_said_beside_each_field(morgan, overrides, field, message):
    child = make_child()
    with pytest.raises(ValidationError) as excinfo:
        record(morgan, child, **overrides)
    assert message in errors_of(excinfo)[field][0]
    assert not child.subject_access_requests.exists()


def test_a_future_date_and_another_childs_parent_are_refused(morgan):
    child, other = make_child(), make_child()
    stranger = ParentalResponsibility.objects.create(
        child=other, name="Ned Lowe", relationship="father"
    )
    with pytest.raises(ValidationError) as excinfo:
        record(morgan, child, parent=stranger,
               received_on=timezone.localdate() + dt.timedelta(days=1))  # fmt: skip
    errors = errors_of(excinfo)
    assert "must be today or in the past" in errors["received_on"][0]
    assert "this child's people with parental responsibility" in errors["requester_parent"][0]


@pytest.mark.parametrize("who", ["amara", "priya", "alex"])
def test_only_the_central_team_records_requests(personas, who):
    with pytest.raises(PermissionDenied):
        record(personas[who], make_child(), requester_kind="child", relationship="Herself")


def test_a_change_moves_the_deadline_and_a_stale_version_is_refused(morgan):
    sar = record(morgan, make_child(), requester_kind="child", relationship="Herself",
                 identity_checked=False, identity_how="")  # fmt: skip
    stale = sar.version
    changed = actions.update_request(
        request=as_request(morgan), by=morgan, sar=sar, version=sar.version,
        values=request_values(requester_kind=RequesterKind.CHILD, relationship="Herself",
                              received_on=dt.date(2026, 1, 31), identity_checked=True,
                              identity_how="School photo ID"),
    )  # fmt: skip
    # 28 February 2026 is a Saturday: the reply is due on the Monday
    assert changed.due_on == dt.date(2026, 3, 2) and changed.identity_checked
    [event] = assert_audited(user=morgan, action=Action.UPDATE, child=sar.child_id)
    assert event.detail["changed"] == [
        "due_on", "identity_checked", "identity_how", "received_on"
    ]  # fmt: skip
    with pytest.raises(ConcurrentEditError):
        actions.update_request(request=as_request(morgan), by=morgan, sar=sar, version=stale,
                               values=request_values(requester_kind="child"))  # fmt: skip


def test_releasing_keeps_the_answer_and_what_was_withheld(scene, morgan):
    sar = scene.sar
    key = f"parent-{scene.father.pk}-contact"
    released = actions.release(
        request=as_request(morgan), by=morgan, sar=sar, version=sar.version,
        withheld={key: "  The father's own contact details  "},
    )  # fmt: skip
    assert released.status == RequestStatus.RELEASED and released.released_by == morgan
    assert review.validate(released.content) == []
    assert released.content["withheld"] == [
        {"key": key, "reason": "The father's own contact details"}
    ]
    [item] = WithheldItem.objects.filter(request=sar)
    assert item.item_key == key and item.reason == "The father's own contact details"
    assert item.section == "People with parental responsibility"
    assert "Edmund Brackenbury" in item.description
    [event] = assert_audited(
        user=morgan, action=Action.UPDATE, child=scene.child, subject_access="released"
    )
    assert event.detail["withheld"] == [key] and event.object_id == str(sar.pk)
    with pytest.raises(ValidationError, match="already been released"):
        actions.release(request=as_request(morgan), by=morgan, sar=released,
                        version=released.version, withheld={})  # fmt: skip
    with pytest.raises(ValidationError, match="no longer be changed"):
        actions.update_request(request=as_request(morgan), by=morgan, sar=released,
                               version=released.version, values=request_values())  # fmt: skip


def test_a_release_is_refused_without_an_identity_check_a_reason_or_a_known_item(scene, morgan):
    sar = scene.sar
    sibling = f"sibling-{scene.sibling.pk}"
    cases = [
        ({sibling: " "}, "Say why each item ticked is withheld"),
        ({"sibling-999999": "Gone"}, "The record has changed since this page was opened"),
    ]
    for withheld, message in cases:
        with pytest.raises(ValidationError, match=message):
            actions.release(request=as_request(morgan), by=morgan, sar=sar,
                            version=sar.version, withheld=withheld)  # fmt: skip
    unchecked = record(morgan, scene.child, parent=scene.mother, identity_checked=False,
                       identity_how="")  # fmt: skip
    with pytest.raises(ValidationError, match="identity of the person asking was checked"):
        actions.release(request=as_request(morgan), by=morgan, sar=unchecked,
                        version=unchecked.version, withheld={})  # fmt: skip
    with pytest.raises(ConcurrentEditError):
        actions.release(request=as_request(morgan), by=morgan, sar=sar, version="stale",
                        withheld={})  # fmt: skip
    sar.refresh_from_db()
    assert sar.status == RequestStatus.OPEN and sar.content is None
    assert not WithheldItem.objects.exists()


def test_only_the_central_team_releases(scene, amara):
    with pytest.raises(PermissionDenied):
        actions.release(request=as_request(amara), by=amara, sar=scene.sar,
                        version=scene.sar.version, withheld={})  # fmt: skip
