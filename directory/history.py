"""Field history (django-auditlog) for the directory's bulk writes.

auditlog writes its history rows from model signals, and ``bulk_create`` and queryset
``update`` send none. These helpers do the bulk write and then add the rows auditlog would have
added for each object changed, in one ``bulk_create`` of their own, so a large import stays a
handful of queries. The rows carry the same actor, address and correlation id as auditlog's own
(taken from its request context), and the same representation of each value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from auditlog import get_logentry_model
from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import get_field_value, model_instance_diff
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str

M = TypeVar("M", bound=models.Model)

__all__ = ["bulk_create_with_history", "log_created", "log_m2m_added", "update_with_history"]


def _enabled(model: type[models.Model]) -> bool:
    return auditlog.contains(model) and not auditlog_disabled.get()


def _entry(instance: models.Model, action: int, changes: dict) -> Any:
    """One history row for ``instance``, filled in as ``LogEntry.objects.log_create`` does."""
    LogEntry = get_logentry_model()
    pk = instance.pk
    entry = LogEntry(
        content_type=ContentType.objects.get_for_model(instance.__class__),
        object_pk=smart_str(pk),
        object_id=pk if isinstance(pk, int) else None,
        object_repr=smart_str(instance),
        action=action,
        changes=changes,
        serialized_data=LogEntry.objects._get_serialized_data_or_none(instance),
        cid=get_cid(),
    )
    get_additional_data = getattr(instance, "get_additional_data", None)
    if callable(get_additional_data):
        entry.additional_data = get_additional_data()
    return entry


def _save_entries(entries: list) -> int:
    """Insert the rows at once. auditlog sets the actor and address in a ``pre_save`` receiver
    while a request (or ``set_actor``) is in progress; send that signal ourselves, as
    ``bulk_create`` does not."""
    if not entries:
        return 0
    LogEntry = get_logentry_model()
    for entry in entries:
        pre_save.send(sender=LogEntry, instance=entry, raw=False, using="default")
    LogEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


def log_created(objects: Iterable[models.Model]) -> int:
    """Write the "created" history of objects just inserted with ``bulk_create``."""
    objects = list(objects)
    if not objects or not _enabled(type(objects[0])):
        return 0
    as_json = settings.AUDITLOG_STORE_JSON_CHANGES
    LogEntry = get_logentry_model()
    entries = []
    for instance in objects:
        changes = model_instance_diff(None, instance, use_json_for_changes=as_json)
        if changes:
            entries.append(_entry(instance, LogEntry.Action.CREATE, changes))
    return _save_entries(entries)


def bulk_create_with_history(model: type[M], objects: Iterable[M], **options) -> list[M]:
    """``model.objects.bulk_create(objects)``, with a "created" history row for each object."""
    created = model.objects.bulk_create(objects, **options)
    log_created(created)
    return created


def log_m2m_added(field_name: str, added: Iterable[tuple[models.Model, Sequence]]) -> int:
    """Write the history of many-to-many links added in bulk (through-table ``bulk_create``):
    ``added`` pairs each instance with the objects linked to it."""
    added = [(instance, objects) for instance, objects in added if objects]
    if not added or not _enabled(type(added[0][0])):
        return 0
    LogEntry = get_logentry_model()
    entries = [
        _entry(
            instance,
            LogEntry.Action.UPDATE,
            {
                field_name: {
                    "type": "m2m",
                    "operation": "add",
                    "objects": [smart_str(linked) for linked in objects],
                }
            },
        )
        for instance, objects in added
    ]
    return _save_entries(entries)


@transaction.atomic
def update_with_history(queryset: models.QuerySet, **values) -> int:
    """``queryset.update(**values)`` (values may be expressions), with a history row for each
    object whose stored value changed, listing the fields named in ``values``.

    The fields are logged even where the model's registration leaves them out of ordinary
    saves: a bulk update changes nothing else, so without them it would leave no trace."""
    model = queryset.model
    manager = model._default_manager
    # Lock the rows first, so the "before" read is what the update changes.
    locked = manager.filter(pk__in=queryset.values("pk")).select_for_update()
    before = {obj.pk: obj for obj in locked}
    if not before:
        return 0
    count = manager.filter(pk__in=list(before)).update(**values)
    if not _enabled(model):
        return count
    as_json = settings.AUDITLOG_STORE_JSON_CHANGES
    fields = [model._meta.get_field(name) for name in values]
    LogEntry = get_logentry_model()
    entries = []
    for obj in manager.filter(pk__in=list(before)).order_by("pk"):
        old = before[obj.pk]
        changes = {}
        for field in fields:
            was = get_field_value(old, field, as_json)
            now = get_field_value(obj, field, as_json)
            if was != now:
                changes[field.name] = [was, now]
        if changes:
            entries.append(_entry(obj, LogEntry.Action.UPDATE, changes))
    _save_entries(entries)
    return count
