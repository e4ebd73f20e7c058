"""Tamper evidence for the audit trail: a hash chain over its events, sealed in blocks.

Writing an event takes no lock and computes no hash: requests never wait for one another.
Every minute or so the background worker (``seal_audit_trail`` in audit/tasks.py) or
``manage.py seal_audit`` takes the events written since the last block, in id order, and seals
them into new blocks. Each event is serialised canonically (every column, as JSON with sorted
keys, times in UTC) and hashed with SHA-256; a block's hash covers its number, the previous
block's hash, the columns and every event's id and digest. Blocks are append-only like the
events, so rewriting history means rewriting every later block as well, and the head hash each
verification records (and prints) no longer matches.

``manage.py verify_audit`` (:func:`verify`) recomputes everything and names the first event or
block that does not match: an event changed or deleted after it was sealed, an event slipped in
among sealed ones, a block altered, missing or out of line.

Ids are handed out when an event is inserted, but transactions commit in their own order: an
event with a lower id can become visible after one with a higher id was sealed. So the sealer
first notes the highest id handed out so far and waits until every transaction that was open
at that moment has finished (:func:`_settled_up_to`); only then are the ids up to that point
final, and they are sealed in order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from audit.models import AuditEvent, ChainVerification, SealBlock

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
BLOCK_SIZE = 1000
SHORT_DIGEST = 16
# Key of the PostgreSQL advisory lock that lets one sealer run at a time (requests never take it).
SEAL_LOCK = 7_305_001
# How long a sealer waits for transactions that may still add events with lower ids.
SETTLE_SECONDS = 10.0
MAX_PROBLEMS = 100


def event_columns() -> list[str]:
    """Every column of the audit event table, as sealed today."""
    return [f.attname for f in AuditEvent._meta.concrete_fields]


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def event_digest(row: dict[str, Any], columns: list[str]) -> str:
    """SHA-256 of one event's canonical serialisation: the named columns as JSON."""
    payload = {column: _canonical(row.get(column)) for column in columns}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def block_hash(
    *, number: int, previous_hash: str, columns: list[str], digests: list[tuple[int, str]]
) -> str:
    header = {"number": number, "previous_hash": previous_hash, "columns": columns}
    digest = hashlib.sha256(json.dumps(header, sort_keys=True, separators=(",", ":")).encode())
    for event_id, event_hash in digests:
        digest.update(f"\n{event_id}:{event_hash}".encode())
    return digest.hexdigest()


# --- sealing ------------------------------------------------------------------------------------


@dataclass
class SealResult:
    blocks: list[SealBlock] = field(default_factory=list)
    events: int = 0
    locked_out: bool = False  # another sealer was running
    waiting: bool = False  # older transactions were still open: try again later

    @property
    def head(self) -> SealBlock | None:
        return self.blocks[-1] if self.blocks else SealBlock.objects.order_by("number").last()


def _settled_up_to(cursor, wait_seconds: float) -> int | None:
    """The highest event id that is final: every transaction that could still commit an event
    with an id up to it has finished. None if some were still open after ``wait_seconds``.

    Any event id handed out so far belongs to a transaction that had begun by now; once every
    transaction that began before now has ended, no event with that id or a lower one can
    still appear. (Other roles' sessions are hidden from the application's role; only the
    application writes events.)"""
    cursor.execute("SELECT pg_get_serial_sequence('audit_auditevent', 'id')")
    (sequence,) = cursor.fetchone()
    # The sequence's name comes from pg_get_serial_sequence, already quoted.
    query = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END, clock_timestamp() FROM "
    cursor.execute(query + sequence)
    highest, now = cursor.fetchone()
    deadline = time.monotonic() + wait_seconds
    while True:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            """
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND backend_type = 'client backend'
                  AND pid <> pg_backend_pid() AND xact_start < %s
            """,
            [now],
        )
        (still_open,) = cursor.fetchone()
        if not still_open:
            return highest
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.2)


def seal(*, block_size: int = BLOCK_SIZE, wait_seconds: float = SETTLE_SECONDS) -> SealResult:
    """Seal every final event not yet in a block into new blocks of at most ``block_size``."""
    result = SealResult()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEAL_LOCK])
        if not cursor.fetchone()[0]:
            result.locked_out = True
            return result
        up_to = _settled_up_to(cursor, wait_seconds)
        if up_to is None:
            logger.warning("Audit seal postponed: transactions older than a seal are still open.")
            result.waiting = True
            return result
        last = SealBlock.objects.order_by("-number").first()
        after = last.last_event_id if last else 0
        previous = last.hash if last else GENESIS_HASH
        number = last.number if last else 0
        columns = event_columns()
        while after < up_to:
            rows = list(
                AuditEvent.objects.filter(id__gt=after, id__lte=up_to)
                .order_by("id")
                .values(*columns)[:block_size]
            )
            if not rows:
                break
            digests = [(row["id"], event_digest(row, columns)) for row in rows]
            number += 1
            block = SealBlock.objects.create(
                number=number,
                first_event_id=digests[0][0],
                last_event_id=digests[-1][0],
                event_count=len(digests),
                columns=columns,
                events=[[event_id, digest[:SHORT_DIGEST]] for event_id, digest in digests],
                previous_hash=previous,
                hash=block_hash(
                    number=number, previous_hash=previous, columns=columns, digests=digests
                ),
            )
            result.blocks.append(block)
            result.events += len(digests)
            previous, after = block.hash, block.last_event_id
    return result


# --- verifying ----------------------------------------------------------------------------------


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    blocks_checked: int = 0
    events_checked: int = 0
    unsealed: int = 0
    head: SealBlock | None = None

    @property
    def passed(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


def verify() -> Verification:
    """Recompute the whole chain against the events as they are now."""
    outcome = Verification()
    columns_now = event_columns()
    last = SealBlock.objects.order_by("-number").first()
    sealed_up_to = last.last_event_id if last else 0
    events = iter(
        AuditEvent.objects.filter(id__lte=sealed_up_to)
        .order_by("id")
        .values(*columns_now)
        .iterator(chunk_size=2000)
    )
    pending = next(events, None)

    def advance():
        nonlocal pending
        pending = next(events, None)

    expected_number, previous = 1, GENESIS_HASH
    for block in SealBlock.objects.order_by("number").iterator(chunk_size=100):
        outcome.blocks_checked += 1
        if block.number != expected_number:
            outcome.problem(
                f"Block {expected_number} is missing (the next block is {block.number}): "
                "blocks have been deleted."
            )
        elif block.previous_hash != previous:
            outcome.problem(
                f"Block {block.number} does not follow block {block.number - 1}: the previous "
                "hash it records does not match."
            )
        missing_columns = [c for c in block.columns if c not in columns_now]
        if missing_columns:
            outcome.problem(
                f"Block {block.number} sealed columns that no longer exist: "
                f"{', '.join(missing_columns)}."
            )
        digests, intact = [], not missing_columns
        for event_id, short in block.events:
            while pending is not None and pending["id"] < event_id:
                outcome.problem(
                    f"Event {pending['id']} is in no block: it was added among events that "
                    "were already sealed."
                )
                advance()
            if pending is not None and pending["id"] == event_id:
                digest = event_digest(pending, block.columns)
                outcome.events_checked += 1
                if digest[:SHORT_DIGEST] != short:
                    outcome.problem(
                        f"Event {event_id} has changed since block {block.number} sealed it."
                    )
                    intact = False
                digests.append((event_id, digest))
                advance()
            else:
                outcome.problem(
                    f"Event {event_id}, sealed in block {block.number}, is missing: deleted."
                )
                intact = False
        recomputed = block_hash(
            number=block.number,
            previous_hash=block.previous_hash,
            columns=block.columns,
            digests=digests,
        )
        listed = [event_id for event_id, _ in block.events]
        consistent = bool(listed) and (
            block.first_event_id,
            block.last_event_id,
            block.event_count,
        ) == (listed[0], listed[-1], len(listed))
        if intact and (recomputed != block.hash or not consistent):
            outcome.problem(f"Block {block.number} does not match its events: it has been altered.")
        expected_number, previous = block.number + 1, block.hash
    while pending is not None:
        outcome.problem(
            f"Event {pending['id']} is in no block: it was added among events that were "
            "already sealed."
        )
        advance()
    outcome.head = last
    _check_previous_head(outcome)
    outcome.unsealed = AuditEvent.objects.filter(id__gt=sealed_up_to).count()
    return outcome


def _check_previous_head(outcome: Verification) -> None:
    """The head of the chain at the last passed verification must still be there, unchanged:
    otherwise the newest blocks were cut off (with their events)."""
    earlier = ChainVerification.objects.filter(passed=True).exclude(head_number=None).first()
    if earlier is None:
        return
    block = SealBlock.objects.filter(number=earlier.head_number).first()
    if block is None or block.hash != earlier.head_hash:
        when = earlier.verified_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        outcome.problem(
            f"Block {earlier.head_number}, the head of the chain when it was verified on "
            f"{when}, is {'missing' if block is None else 'different'}: the chain has been cut "
            "back or rewritten."
        )


def verify_and_record() -> tuple[Verification, ChainVerification]:
    """Verify the chain and keep the result, so that the audit page can show it."""
    outcome = verify()
    recorded = ChainVerification.objects.create(
        passed=outcome.passed,
        blocks_checked=outcome.blocks_checked,
        events_checked=outcome.events_checked,
        head_number=outcome.head.number if outcome.head else None,
        head_hash=outcome.head.hash if outcome.head else "",
        first_problem=outcome.problems[0] if outcome.problems else "",
        problems=outcome.problems,
    )
    return outcome, recorded


@dataclass
class ChainStatus:
    sealed_at: dt.datetime | None = None
    block_number: int | None = None
    verified_at: dt.datetime | None = None
    passed: bool | None = None
    events_checked: int = 0
    blocks_checked: int = 0
    first_problem: str = ""
    unsealed: int = 0


_STATUS = """
WITH head AS (
    SELECT number, sealed_at, last_event_id FROM audit_sealblock ORDER BY number DESC LIMIT 1
), checked AS (
    SELECT verified_at, passed, events_checked, blocks_checked, first_problem
    FROM audit_chainverification ORDER BY verified_at DESC, id DESC LIMIT 1
)
SELECT head.sealed_at, head.number, checked.verified_at, checked.passed,
       checked.events_checked, checked.blocks_checked, checked.first_problem,
       (SELECT count(*) FROM audit_auditevent
        WHERE id > coalesce((SELECT last_event_id FROM head), 0))
FROM (SELECT 1) AS one LEFT JOIN head ON true LEFT JOIN checked ON true
"""


def chain_status() -> ChainStatus:
    """When the chain was last sealed and verified, and whether it passed (one query, for the
    audit page)."""
    with connection.cursor() as cursor:
        cursor.execute(_STATUS)
        row = cursor.fetchone()
    status = ChainStatus(*row)
    status.events_checked = status.events_checked or 0
    status.blocks_checked = status.blocks_checked or 0
    status.first_problem = status.first_problem or ""
    return status
