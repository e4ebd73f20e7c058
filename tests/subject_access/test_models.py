"""The legal deadline (one calendar month, clamped to the end of a shorter month), overdue
requests, and the invariants the database keeps."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from subject_access.models import (
    RequestStatus,
    SubjectAccessRequest,
    WithheldItem,
    one_calendar_month_after,
)
from tests.children.conftest import make_child
from tests.subject_access.conftest import record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),  # a leap year
        (dt.date(2026, 1, 29), dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 31), dt.date(2026, 4, 30)),
        (dt.date(2026, 5, 3), dt.date(2026, 6, 3)),
        (dt.date(2026, 12, 15), dt.date(2027, 1, 15)),
        (dt.date(2026, 12, 31), dt.date(2027, 1, 31)),
        (dt.date(2026, 2, 28), dt.date(2026, 3, 28)),
    ],
)
def test_the_reply_is_due_one_calendar_month_after_receipt(received, due):
    assert one_calendar_month_after(received) == due


def test_a_request_received_on_31_january_is_due_after_the_last_day_of_february(morgan):
    child = make_child()
    with time_machine.travel(dt.datetime(2026, 2, 2, 9, tzinfo=dt.UTC), tick=False):
        sar = record(morgan, child, requester_kind="child", relationship="The young person",
                     received_on=dt.date(2026, 1, 31))  # fmt: skip
    # 28 February 2026 is a Saturday: the reply is due on Monday 2 March
    assert sar.due_on == dt.date(2026, 3, 2) and sar.first_due_on == sar.due_on
    assert sar.reference == f"SAR-{sar.pk:06d}"


def test_overdue_once_the_deadline_has_passed_and_not_once_released(morgan):
    child = make_child()
    sar = record(morgan, child, requester_kind="child", relationship="The young person",
                 received_on=timezone.localdate())  # fmt: skip
    assert sar.is_open and not sar.is_overdue
    assert not SubjectAccessRequest.objects.overdue().exists()
    after = timezone.now() + dt.timedelta(days=40)
    with time_machine.travel(after, tick=False):
        assert sar.is_overdue and sar.days_left < 0
        assert list(SubjectAccessRequest.objects.overdue()) == [sar]
        SubjectAccessRequest.objects.filter(pk=sar.pk).update(status=RequestStatus.RELEASED,
            released_at=after, released_by=morgan, content={})  # fmt: skip
        sar.refresh_from_db()
        assert not sar.is_overdue
        assert not SubjectAccessRequest.objects.overdue().exists()


def test_the_database_refuses_a_release_without_its_answer_or_an_identity_check(morgan):
    sar = record(morgan, make_child(), requester_kind="child", relationship="Herself",
                 identity_checked=False, identity_how="")  # fmt: skip
    released = {"status": RequestStatus.RELEASED, "released_at": timezone.now(),
                "released_by": morgan}  # fmt: skip
    for changes in ({**released}, {**released, "content": {"schema_version": 1}}):
        with pytest.raises(IntegrityError), transaction.atomic():
            SubjectAccessRequest.objects.filter(pk=sar.pk).update(**changes)
    with pytest.raises(IntegrityError), transaction.atomic():
        SubjectAccessRequest.objects.filter(pk=sar.pk).update(identity_checked=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        SubjectAccessRequest.objects.filter(pk=sar.pk).update(due_on=sar.received_on)


def test_a_withheld_item_needs_a_reason_and_is_kept_once(morgan):
    sar = record(morgan, make_child(), requester_kind="child", relationship="Herself")
    WithheldItem.objects.create(request=sar, item_key="sibling-1", description="A brother",
                                reason="Another child's information")  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        WithheldItem.objects.create(request=sar, item_key="sibling-2", description="x", reason="")
    with pytest.raises(IntegrityError), transaction.atomic():
        WithheldItem.objects.create(request=sar, item_key="sibling-1", description="x",
                                    reason="Again")  # fmt: skip
