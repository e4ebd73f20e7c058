"""The task worker's heartbeat, which tells the readiness check that a worker is running.

django-tasks keeps no record of its workers, only of the tasks they run. So the worker runs a
small heartbeat every minute, in the way the audit seal keeps its schedule (audit/tasks.py):
each heartbeat queues the next one a minute ahead, and that waiting task carries the time the
worker last ran one (``seen_at``). The readiness check (lisa/health.py) reads it from the few
tasks that are waiting, which the task table's partial index on waiting tasks finds at once,
however many finished tasks the table holds.

Why a heartbeat of its own rather than "the last task any worker started": that question has no
index to answer it cheaply, and a worker with nothing to do starts nothing. Why not the seal
itself: a seal that fails (or is held up by another) stops its own schedule, and readiness would
then blame the worker for a problem of the audit trail, which ``verify_audit`` reports.

The schedule starts wherever the seal's does (``audit.tasks.schedule_next_seal``, called by
``manage.py seal_audit`` and by every seal), so a deployment that seals its audit trail has a
heartbeat too, and one lost (say, a database restored from a backup) is queued again within a
minute of the next seal.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

HEARTBEAT_INTERVAL = dt.timedelta(minutes=1)
DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"


def uses_database_worker() -> bool:
    """True when tasks are queued for ``manage.py db_worker`` (not run in the web process)."""
    return settings.TASKS["default"]["BACKEND"] == DATABASE_BACKEND


@task()
def worker_heartbeat(seen_at: str | None = None) -> None:
    """Queue the next heartbeat a minute ahead, carrying the time now. Any other heartbeat still
    waiting is replaced, so that the one left carries the latest time (``seen_at`` is what this
    heartbeat's predecessor carried; only the waiting one's matters)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    with transaction.atomic():
        DBTaskResult.objects.filter(
            task_path=worker_heartbeat.module_path, status=TaskResultStatus.READY
        ).delete()
        worker_heartbeat.using(run_after=now + HEARTBEAT_INTERVAL).enqueue(seen_at=now.isoformat())
    clear_expired_sessions()


def clear_expired_sessions() -> int:
    """Delete the sessions that have expired (a session may hold a search's terms: a child's
    name, date of birth or postcode), each minute with the heartbeat. How many went."""
    from lisa.models import Session

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


def schedule_heartbeat() -> bool:
    """Queue a heartbeat to run at once unless one is already waiting. Only with the database
    backend: an immediate backend would run it at once, and again, for ever."""
    if not uses_database_worker():
        return False
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=worker_heartbeat.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    worker_heartbeat.enqueue()
    return True


def worker_last_seen() -> dt.datetime | None:
    """When a task worker last ran the heartbeat, or None if none ever has (or the record of it
    is gone).

    Read from the waiting heartbeat. While a worker is running one there is briefly no waiting
    heartbeat; then (and when the schedule has stopped) the newest heartbeat a worker started
    answers instead, a slower look that is needed only then.
    """
    from django.db.models import Max
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    heartbeats = DBTaskResult.objects.filter(task_path=worker_heartbeat.module_path)
    seen = [
        _parse(args_kwargs.get("kwargs", {}).get("seen_at"))
        for args_kwargs in heartbeats.filter(status=TaskResultStatus.READY).values_list(
            "args_kwargs", flat=True
        )
    ]
    seen = [moment for moment in seen if moment is not None]
    if seen:
        return max(seen)
    return heartbeats.aggregate(latest=Max("started_at"))["latest"]


def _parse(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None
