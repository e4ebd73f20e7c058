"""Tamper evidence: the audit events are sealed into a hash chain, and verify_audit names what
has been changed, deleted or slipped in since.

Tampering here is done as the test run's superuser with the triggers switched off
(session_replication_role = replica), which is exactly what the application's role cannot do."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit import chain
from audit.models import Action, ChainVerification, SealBlock
from audit.services import record
from audit.tasks import seal_audit_trail

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(amara):
    return [
        record(None, Action.VIEW, user=amara, object_type="children.child", object_id=n, child=n)
        for n in range(1, 6)
    ]


def tamper(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def verify_fails() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    return str(failure.value)


def test_an_untouched_chain_verifies_and_the_result_is_recorded(events, capsys):
    result = chain.seal(wait_seconds=0)
    assert result.events == len(events)
    [block] = result.blocks
    assert (block.number, block.first_event_id, block.last_event_id) == (
        1,
        events[0].pk,
        events[-1].pk,
    )
    assert block.previous_hash == chain.GENESIS_HASH
    call_command("verify_audit")
    assert "The audit chain verifies" in capsys.readouterr().out
    recorded = ChainVerification.objects.get()
    assert recorded.passed
    assert recorded.events_checked == len(events)
    assert (recorded.head_number, recorded.head_hash) == (1, block.hash)


def test_later_events_go_into_a_new_block_linked_to_the_last(events, amara):
    first = chain.seal(wait_seconds=0).blocks[0]
    assert chain.seal(wait_seconds=0).events == 0  # nothing new: no empty block
    later = record(None, Action.SEARCH, user=amara, detail={"terms": "Ottoline"})
    [second] = chain.seal(wait_seconds=0).blocks
    assert (second.number, second.previous_hash) == (2, first.hash)
    assert second.events[0][0] == later.pk
    assert chain.verify().passed


def test_blocks_are_split_at_the_block_size(events):
    result = chain.seal(block_size=2, wait_seconds=0)
    assert [b.event_count for b in result.blocks] == [2, 2, 1]
    assert chain.verify().passed


def test_an_edited_event_is_named(events):
    chain.seal(wait_seconds=0)
    call_command("verify_audit")
    tamper("UPDATE audit_auditevent SET username = 'someone.else' WHERE id = %s", [events[2].pk])
    message = verify_fails()
    assert f"Event {events[2].pk} has changed since block 1 sealed it" in message
    recorded = ChainVerification.objects.first()
    assert not recorded.passed
    assert recorded.first_problem == f"Event {events[2].pk} has changed since block 1 sealed it."


def test_a_change_to_the_detail_alone_is_caught(events):
    chain.seal(wait_seconds=0)
    tamper('UPDATE audit_auditevent SET detail = \'{"reason": "x"}\' WHERE id = %s', [events[0].pk])
    assert f"Event {events[0].pk} has changed" in verify_fails()


def test_a_deleted_event_is_named(events):
    chain.seal(wait_seconds=0)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    assert f"Event {events[1].pk}, sealed in block 1, is missing: deleted" in verify_fails()


def test_an_event_slipped_in_among_sealed_ones_is_named(events, amara):
    chain.seal(wait_seconds=0)
    tamper(
        "INSERT INTO audit_auditevent (id, username, role, action, outcome, object_type, "
        "object_id, user_agent, request_id, path, detail) "
        "VALUES (%s, 'amara.okafor', '', 'view', 'allowed', '', '', '', '', '', '{}')",
        [events[0].pk - 1],
    )
    assert f"Event {events[0].pk - 1} is in no block" in verify_fails()


def test_an_altered_block_is_named(events, amara):
    chain.seal(wait_seconds=0)
    record(None, Action.SEARCH, user=amara)
    chain.seal(wait_seconds=0)
    tamper("UPDATE audit_sealblock SET previous_hash = %s WHERE number = 2", ["f" * 64])
    assert "Block 2 does not follow block 1" in verify_fails()


def test_a_chain_cut_back_since_the_last_verification_is_caught(events, amara):
    chain.seal(wait_seconds=0)
    record(None, Action.SEARCH, user=amara)
    chain.seal(wait_seconds=0)
    call_command("verify_audit")
    # Remove the newest block and its events: what is left is a consistent, shorter chain.
    newest = SealBlock.objects.get(number=2)
    tamper("DELETE FROM audit_auditevent WHERE id >= %s", [newest.first_event_id])
    tamper("DELETE FROM audit_sealblock WHERE number = 2")
    assert "Block 2, the head of the chain when it was verified on" in verify_fails()


def test_seal_blocks_are_append_only(events):
    chain.seal(wait_seconds=0)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        SealBlock.objects.update(hash="0" * 64)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ChainVerification.objects.create(passed=True)
        ChainVerification.objects.all().delete()


def test_the_seal_waits_for_older_open_transactions(events):
    """An open transaction may still commit an event with a lower id than those visible: the
    seal must not close the chain over that id until it has finished."""
    from django.conf import settings

    from lisa import embedded_db

    if not settings.EMBEDDED_DATABASE:
        pytest.skip("needs the embedded cluster")
    with psycopg.connect(
        host=embedded_db.HOST,
        port=embedded_db.PORT,
        user=embedded_db.USER,
        password=embedded_db.password(),
        dbname=connection.settings_dict["NAME"],
    ) as other:
        other.execute("SELECT 1")  # a transaction is now open, idle
        result = chain.seal(wait_seconds=0.3)
        assert result.waiting and not result.blocks
        other.rollback()
        assert chain.seal(wait_seconds=0.3).events == len(events)


def test_the_worker_task_seals_and_queues_the_next_seal_once(events, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    before = timezone.now()
    seal_audit_trail.call()
    assert SealBlock.objects.count() == 1
    [queued] = DBTaskResult.objects.filter(task_path="audit.tasks.seal_audit_trail")
    assert queued.run_after >= before + dt.timedelta(seconds=59)
    seal_audit_trail.call()
    call_command("seal_audit")
    assert DBTaskResult.objects.filter(task_path="audit.tasks.seal_audit_trail").count() == 1


class TestTheAuditPage:
    def test_the_central_team_sees_when_the_chain_was_sealed_and_verified(
        self, client_for, morgan, events
    ):
        client = client_for(morgan)
        page = client.get("/audit/").content.decode()
        assert "Not yet sealed" in page and "Never verified" in page
        chain.seal(wait_seconds=0)
        call_command("verify_audit")
        page = client.get("/audit/").content.decode()
        assert "(block 1)" in page
        assert 'govuk-tag--green">Passed</strong>' in page
        tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])
        with pytest.raises(CommandError):
            call_command("verify_audit")
        page = client.get("/audit/").content.decode()
        assert "Failed" in page and f"Event {events[0].pk}, sealed in block 1" in page

    def test_designated_officers_do_not_see_it(self, client_for, priya, events):
        page = client_for(priya).get("/audit/").content.decode()
        assert 'id="audit-chain"' not in page
