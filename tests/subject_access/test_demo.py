"""The demo's subject access requests load once: one open and ready for review, one overdue,
each recorded (and audited) as the central team would record it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from audit.models import Action, AuditEvent
from subject_access.models import RequesterKind, RequestStatus, SubjectAccessRequest

pytestmark = pytest.mark.django_db


def test_demo_requests_load_once_one_ready_and_one_overdue(client):
    call_command("load_demo", stdout=io.StringIO())
    ready = SubjectAccessRequest.objects.get(requester_kind=RequesterKind.PARENT)
    overdue = SubjectAccessRequest.objects.get(requester_kind=RequesterKind.CHILD)
    assert ready.status == overdue.status == RequestStatus.OPEN
    assert ready.identity_checked and not ready.is_overdue
    assert ready.requester_parent.child_id == ready.child_id
    assert not overdue.identity_checked and overdue.is_overdue
    assert overdue.requester_name == f"{overdue.child.forenames} {overdue.child.surname}"
    for sar in (ready, overdue):
        assert AuditEvent.objects.filter(
            action=Action.CREATE, child_id=sar.child_id, user__username="morgan.ellis"
        ).exists()
    call_command("load_demo", stdout=io.StringIO())
    assert SubjectAccessRequest.objects.count() == 2
