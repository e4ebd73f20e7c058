"""Keeping records no longer than necessary: the retention schedule, and what applying it does.

The schedule (settings, from the environment; see the README):

- a record is **archived** when the child turns ``LISA_RETENTION_ARCHIVE_AGE`` (18), or
  ``LISA_RETENTION_AFTER_CLOSING_YEARS`` (2) after it was closed or the family moved out of the
  area, whichever is later; a record the central team restored is not archived again until
  ``LISA_RETENTION_AFTER_RESTORE_YEARS`` (1) after the restore;
- an archived record is **removed** ``LISA_RETENTION_REMOVE_AFTER_YEARS`` (6) after archiving;
- a **legal hold** stops both until it is lifted.

Archiving ends the involvements and break-glass grants, so the record leaves the search and
every home page; only the central team may open it (``ChildAccess``). Removal deletes the
child's records and files in one transaction per child and leaves a :class:`RemovedRecord`
(the tombstone) so the audit trail, which keeps the child's number and is never touched by the
application, still says "removed record L…".
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from children.models import Child, ChildStatus, LegalHold

log = logging.getLogger(__name__)

# Statuses whose retention clock runs from the day the status last changed.
ENDED = (ChildStatus.CLOSED, ChildStatus.MOVED_OUT)


@dataclass(frozen=True)
class Schedule:
    archive_age: int
    after_closing_years: int
    after_restore_years: int
    remove_after_years: int

    @classmethod
    def from_settings(cls) -> Schedule:
        return cls(
            archive_age=settings.LISA_RETENTION_ARCHIVE_AGE,
            after_closing_years=settings.LISA_RETENTION_AFTER_CLOSING_YEARS,
            after_restore_years=settings.LISA_RETENTION_AFTER_RESTORE_YEARS,
            remove_after_years=settings.LISA_RETENTION_REMOVE_AFTER_YEARS,
        )

    # --- one record ----------------------------------------------------------------------------

    def archive_on(self, child: Child) -> tuple[dt.date, str]:
        """The day ``child``'s record is due to be archived, and the rule that sets it. A child
        born on 29 February comes of age on 1 March in a common year."""
        day = _add_years(child.date_of_birth, self.archive_age)
        rule = f"turned {self.archive_age}"
        if child.status in ENDED and child.status_changed_at is not None:
            after = _add_years(
                timezone.localdate(child.status_changed_at), self.after_closing_years
            )
            if after > day:
                day = after
                rule = (
                    f"{_years(self.after_closing_years)} after the record was "
                    f"{'closed' if child.status == ChildStatus.CLOSED else 'moved out of the area'}"
                )
        if child.restored_at is not None:
            after = _add_years(timezone.localdate(child.restored_at), self.after_restore_years)
            if after > day:
                day = after
                rule = f"{_years(self.after_restore_years)} after it was restored"
        return day, rule

    def remove_on(self, child: Child) -> dt.date | None:
        if child.archived_at is None:
            return None
        return _add_years(timezone.localdate(child.archived_at), self.remove_after_years)

    # --- every record, in SQL --------------------------------------------------------------------

    def due_for_archive(self, today: dt.date) -> QuerySet[Child]:
        """Records not yet archived whose archive day is ``today`` or earlier (held or not)."""
        came_of_age = _years_before(today, self.archive_age)
        closed_before = _start_of(_years_before(today, self.after_closing_years) + dt.timedelta(1))
        restored_before = _start_of(
            _years_before(today, self.after_restore_years) + dt.timedelta(1)
        )
        return Child.objects.filter(
            Q(archived_at__isnull=True, merged_into__isnull=True)
            & Q(date_of_birth__lte=came_of_age)
            & (
                ~Q(status__in=ENDED)
                | Q(status_changed_at__isnull=True)
                | Q(status_changed_at__lt=closed_before)
            )
            & (Q(restored_at__isnull=True) | Q(restored_at__lt=restored_before))
        )

    def due_for_removal(self, today: dt.date) -> QuerySet[Child]:
        """Archived records whose removal day is ``today`` or earlier (held or not)."""
        archived_before = _start_of(_years_before(today, self.remove_after_years) + dt.timedelta(1))
        return Child.objects.filter(
            archived_at__isnull=False, archived_at__lt=archived_before, merged_into__isnull=True
        )


def held_q() -> Q:
    return Q(Exists(LegalHold.objects.filter(child_id=OuterRef("pk"), lifted_at__isnull=True)))


def _add_years(day: dt.date, years: int) -> dt.date:
    """``years`` after ``day``; from 29 February, 1 March of a common year (when a person born
    that day comes of age), not 28 February."""
    moved = day + relativedelta(years=years)
    if (day.month, day.day) == (2, 29) and moved.day == 28:
        moved += dt.timedelta(days=1)
    return moved


def _years_before(today: dt.date, years: int) -> dt.date:
    """The latest day whose ``years``-th anniversary (as :func:`_add_years` counts it) is
    ``today`` or earlier: plain calendar arithmetic, so that on 29 February a birthday of
    1 March is not yet due."""
    return today - relativedelta(years=years)


def _years(n: int) -> str:
    return f"{n} year" if n == 1 else f"{n} years"


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- applying it -------------------------------------------------------------------------------


@dataclass
class Report:
    """What a run did, or would do with ``--dry-run``."""

    dry_run: bool = False
    archived: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    files_removed: int = 0

    def lines(self) -> list[str]:
        would = "would be " if self.dry_run else ""
        lines = [
            f"Records {would}archived: {len(self.archived)}",
            f"Records {would}removed: {len(self.removed)}",
            f"Records held back by a legal hold: {len(self.held)}",
            f"Files {would}removed: {self.files_removed}",
        ]
        if self.failed:
            lines.append(f"Records that could not be removed (see the log): {len(self.failed)}")
        return lines


def apply_retention(
    today: dt.date | None = None,
    *,
    dry_run: bool = False,
    schedule: Schedule | None = None,
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
    batch_size: int = 500,
) -> Report:
    """Archive and remove what the schedule says is due on ``today``; with ``dry_run``, only say
    what would be done. ``progress(label, total)`` returns a function called with the number
    of records done after each step (a progress bar)."""
    from children import actions

    today = today or timezone.localdate()
    schedule = schedule or Schedule.from_settings()
    start = progress or (lambda label, total: lambda done: None)
    report = Report(dry_run=dry_run)

    held = schedule.due_for_archive(today).filter(held_q())
    held_removal = schedule.due_for_removal(today).filter(held_q())
    report.held = sorted(
        set(held.values_list("lisa_ref", flat=True))
        | set(held_removal.values_list("lisa_ref", flat=True))
    )

    # Removal first: a record archived today is not removed today.
    removal = _ids(schedule.due_for_removal(today).exclude(held_q()))
    advance = start("Removing", len(removal))
    for pk in removal:
        advance(1)
        child = Child.objects.filter(pk=pk).first()
        if child is None:
            continue
        if dry_run:
            report.removed.append(child.lisa_ref)
            report.files_removed += actions.files_of(child)
            continue
        try:
            tombstone = actions.remove_record(child=child, schedule=schedule, today=today)
        except Exception:  # noqa: BLE001 - one record's failure must not stop the run
            log.exception("Could not remove the record %s", child.lisa_ref)
            report.failed.append(child.lisa_ref)
            continue
        report.removed.append(tombstone.lisa_ref)
        report.files_removed += tombstone.files_removed

    archive = _ids(schedule.due_for_archive(today).exclude(held_q()))
    advance = start("Archiving", len(archive))
    for first in range(0, len(archive), batch_size):
        batch = archive[first : first + batch_size]
        advance(len(batch))
        if dry_run:
            report.archived += list(
                Child.objects.filter(pk__in=batch).order_by("pk").values_list("lisa_ref", flat=True)
            )
            continue
        report.archived += actions.archive_records(ids=batch, schedule=schedule, today=today)
    return report


def _ids(children: QuerySet[Child]) -> list[int]:
    return list(children.order_by("pk").values_list("pk", flat=True))
