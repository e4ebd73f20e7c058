"""Requests for information and the decision on each: shared (what, with whom) or not shared,
with the reason either way; on the consent page, in the chronology and in the transfer
summary; recorded only by those with a relationship to the child; audited."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.models import Action, AuditEvent
from consent.models import InformationRequest, RequestOutcome


def post_data(on: dt.date, **overrides) -> dict:
    values = {
        "requested_by": "Kent Children's Services, Duty Team",
        "received_on_0": str(on.day),
        "received_on_1": str(on.month),
        "received_on_2": str(on.year),
        "what_requested": "Any safeguarding concerns since September",
        "outcome": RequestOutcome.NOT_SHARED,
        "what_shared": "",
        "shared_with": "",
        "reason": "Sharing the address would be more detrimental: the family fled abuse there",
        "decided_by": "Amara Okafor, health visitor",
        "decided_on_0": str(on.day),
        "decided_on_1": str(on.month),
        "decided_on_2": str(on.year),
    }
    values.update(overrides)
    return values


def test_a_decision_not_to_share_is_recorded_with_its_reason(child, amara, client_for, today):
    client = client_for(amara)
    response = client.post(f"/consent/child/{child.pk}/requests/new/", post_data(today))
    assert response.status_code == 302
    item = InformationRequest.objects.get(child=child)
    assert item.outcome == RequestOutcome.NOT_SHARED and item.created_by == amara
    page = client.get(f"/consent/child/{child.pk}/").content.decode()
    assert "Not shared" in page and "more detrimental: the family fled abuse" in page
    assert AuditEvent.objects.filter(
        action=Action.CREATE, object_type="consent.informationrequest", child_id=child.pk
    ).exists()
    chronology = client.get(f"/concerns/children/{child.pk}/chronology/").content.decode()
    assert "Request for information from Kent Children&#x27;s Services, Duty Team" in chronology


def test_a_shared_request_says_what_and_with_whom(child, amara, client_for, today):
    client = client_for(amara)
    response = client.post(
        f"/consent/child/{child.pk}/requests/new/",
        post_data(today, outcome=RequestOutcome.SHARED),
    )
    page = response.content.decode()
    assert "Enter what was shared" in page and "Enter who it was shared with" in page
    assert not InformationRequest.objects.exists()
    client.post(
        f"/consent/child/{child.pk}/requests/new/",
        post_data(
            today,
            outcome=RequestOutcome.SHARED,
            what_shared="The concerns since September",
            shared_with="Kent duty team",
            reason="They are now the authority responsible",
        ),
    )
    assert InformationRequest.objects.get().what_shared == "The concerns since September"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"reason": ""}, "Enter why"),
        ({"requested_by": ""}, "Enter who asked"),
        ({"outcome": ""}, "Select whether the information was shared"),
        ({"decided_on_2": "2099"}, "must be today or in the past"),
    ],
)
def test_bad_input_is_explained(child, amara, client_for, today, overrides, message):
    response = client_for(amara).post(
        f"/consent/child/{child.pk}/requests/new/", post_data(today, **overrides)
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not InformationRequest.objects.exists()


def test_a_decision_before_the_request_is_refused(child, amara, client_for, today):
    data = post_data(today)
    earlier = today - dt.timedelta(days=5)
    data.update(
        {
            "decided_on_0": str(earlier.day),
            "decided_on_1": str(earlier.month),
            "decided_on_2": str(earlier.year),
        }
    )
    page = client_for(amara).post(f"/consent/child/{child.pk}/requests/new/", data).content
    assert "cannot come before the request was received" in page.decode()


def test_the_transfer_summary_carries_the_requests(child, amara, today):
    from children import transfer
    from children.rules import access
    from consent import actions
    from tests.meetings.conftest import as_request

    actions.record_information_request(
        request=as_request(amara),
        by=amara,
        child=child,
        values={
            "requested_by": "Kent",
            "received_on": today,
            "what_requested": "Everything",
            "outcome": RequestOutcome.NOT_SHARED,
            "reason": "More detrimental to the child",
            "decided_by": "Amara",
            "decided_on": today,
        },
    )
    basis = {"kind": "agreement", "description": "Parent/carer agreement", "date": "2026-05-03"}
    document = transfer.build(child, access(amara, child), for_authority="Kent", basis=basis)
    assert transfer.validate(document) == []
    assert document["consent"]["requests_for_information"][0]["outcome"] == "not_shared"


@pytest.mark.parametrize("who, status", [("amara", 200), ("daniel", 403), ("sam", 403)])
def test_who_may_record_one(child, personas, client_for, who, status):
    response = client_for(personas[who]).get(f"/consent/child/{child.pk}/requests/new/")
    assert response.status_code == status
