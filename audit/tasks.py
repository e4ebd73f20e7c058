"""Sealing the audit trail in the background, every minute.

django-tasks has no periodic schedule, so the seal task queues its own next run a minute
ahead (unless one is already waiting) before it finishes. `manage.py seal_audit`, which
`make run` calls before starting the worker, seals at once and starts that schedule; the queued
run is kept in the database, so the schedule survives a worker restart.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from audit import chain

SEAL_INTERVAL = dt.timedelta(minutes=1)
DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"


@task()
def seal_audit_trail() -> None:
    """Seal the new audit events into blocks, then queue the next seal."""
    with transaction.atomic():
        result = chain.seal()
        if not result.locked_out:
            schedule_next_seal()


def schedule_next_seal() -> bool:
    """Queue a seal a minute from now unless one is already waiting. Only with the database
    backend: an immediate backend would run it at once, and again, for ever. The task worker's
    heartbeat (lisa/tasks.py) keeps to the seal's schedule: it is queued here too if missing."""
    if settings.TASKS["default"]["BACKEND"] != DATABASE_BACKEND:
        return False
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from lisa.tasks import schedule_heartbeat

    schedule_heartbeat()
    waiting = DBTaskResult.objects.filter(
        task_path=seal_audit_trail.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    seal_audit_trail.using(run_after=timezone.now() + SEAL_INTERVAL).enqueue()
    return True
