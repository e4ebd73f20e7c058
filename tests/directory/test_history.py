"""The directory's bulk writes keep the field history: every ``bulk_create`` and queryset
``update`` in directory/ writes the django-auditlog rows a save would have written."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
import time_machine
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse

from directory import actions, demo, history, schemas
from directory.management.commands.benchmark_directory import _invent
from directory.models import Category, OpeningSession, Organisation, Service

from .test_editing import confirm, edit_url, form_data

pytestmark = pytest.mark.django_db

CREATE, UPDATE = LogEntry.Action.CREATE, LogEntry.Action.UPDATE


def entries_for(model, **filters):
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), **filters)


def session_entries(service):
    """The "created" history of the service's current opening sessions, by session."""
    pks = list(service.sessions.values_list("pk", flat=True))
    return {
        entry.object_id: entry
        for entry in entries_for(OpeningSession, action=CREATE, object_id__in=pks)
    }


def test_new_opening_times_saved_through_the_edit_page_have_history_by_the_editor(
    client_for, sam, services
):
    service = services["parenting"]
    client = client_for(sam)
    data = form_data(client, service)
    data["day_5"] = "10am to 1pm"
    saved = confirm(client, edit_url(service), client.post(edit_url(service), data))
    assert saved.status_code == 302
    # The sessions are replaced: every one now has its "created" row, written by Sam.
    created = session_entries(service)
    assert set(created) == set(service.sessions.values_list("pk", flat=True))
    assert {entry.actor for entry in created.values()} == {sam}
    entry = created[service.sessions.get(weekday=5).pk]
    assert entry.actor == sam
    assert entry.remote_addr == "127.0.0.1"
    assert entry.object_repr == "Saturday 10:00 to 13:00"
    assert entry.changes_dict["opens_at"] == ["None", "10:00:00"]
    assert entry.changes_dict["service"] == ["None", str(service.pk)]


def test_opening_times_saved_by_an_action_have_history(morgan, services):
    service = services["speech"]
    with set_actor(morgan):
        actions.save_service(
            request=None,
            by=morgan,
            service=service,
            fields={},
            sessions=[(3, dt.time(9), dt.time(12))],
            version=service.updated_at.isoformat(),
        )
    (entry,) = session_entries(service).values()
    assert entry.actor == morgan
    assert entry.changes_dict["weekday"] == ["None", "3"]
    assert entry.changes_dict["closes_at"] == ["None", "12:00:00"]


def test_renaming_a_category_records_the_new_search_text_of_each_service(
    client_for, morgan, services, categories
):
    speech = categories["speech"]
    client = client_for(morgan)
    response = client.post(
        reverse("directory:category-edit", args=[speech.pk]),
        {
            "name": "Speech, language and communication",
            "description": speech.description,
            "version": speech.updated_at.isoformat(),
        },
    )
    assert response.status_code == 302
    # Two services are in the category (one closed); the third service is untouched.
    for key in ("speech", "closed"):
        service = services[key]
        service.refresh_from_db()
        (entry,) = LogEntry.objects.get_for_object(service).filter(
            action=UPDATE, changes__has_key="category_names"
        )
        old, new = entry.changes_dict["category_names"]
        assert "Speech and language" in old and "Speech and language" not in new
        assert new == service.category_names
        assert "Speech, language and communication" in new
        assert entry.actor == morgan
    assert not LogEntry.objects.get_for_object(services["parenting"]).filter(
        changes__has_key="category_names"
    )
    # The history page of the entry shows it.
    page = client.get(reverse("directory:service-history", args=[services["speech"].pk]))
    assert "category names: " in page.content.decode()
    assert "Speech, language and communication" in page.content.decode()


def test_a_rename_that_leaves_the_text_as_it_was_writes_no_history(services, categories):
    count = LogEntry.objects.count()
    changed = actions.refresh_category_names(Service.objects.filter(pk=services["parenting"].pk))
    assert changed == 1
    assert LogEntry.objects.count() == count


def test_reminding_editors_records_the_reminder_date(services, sam):
    Service.objects.update(last_reviewed_on=dt.date(2026, 1, 15))
    with time_machine.travel(dt.datetime(2026, 7, 20, 7, 0, tzinfo=dt.UTC)):
        call_command("remind_directory_editors", stdout=io.StringIO())
    reminded = Service.objects.filter(last_reminded_on=dt.date(2026, 7, 20))
    assert reminded.count() >= 2
    for service in reminded:
        (entry,) = LogEntry.objects.get_for_object(service).filter(
            action=UPDATE, changes__has_key="last_reminded_on"
        )
        assert entry.changes_dict == {"last_reminded_on": ["None", "2026-07-20"]}
    for service in Service.objects.filter(last_reminded_on__isnull=True):
        assert not LogEntry.objects.get_for_object(service).filter(
            changes__has_key="last_reminded_on"
        )


def test_update_with_history_logs_only_what_changed(services, morgan):
    parenting, speech = services["parenting"], services["speech"]
    Service.objects.filter(pk=speech.pk).update(last_reminded_on=dt.date(2026, 3, 1))
    count = LogEntry.objects.count()
    with set_actor(morgan):
        updated = history.update_with_history(
            Service.objects.filter(pk__in=[parenting.pk, speech.pk]),
            last_reminded_on=dt.date(2026, 3, 1),
        )
    assert updated == 2
    assert LogEntry.objects.count() == count + 1
    entry = LogEntry.objects.latest("pk")
    assert (entry.object_id, entry.actor) == (parenting.pk, morgan)
    assert entry.object_repr == parenting.name


def test_imported_opening_times_have_history():
    example = schemas.SCHEMA_DIR.parent / "examples" / "service_full.json"
    call_command("import_oruk", str(example), stdout=io.StringIO(), stderr=io.StringIO())
    service = Service.objects.get()
    created = session_entries(service)
    assert sorted(entry.object_repr for entry in created.values()) == [
        "Friday 10:00 to 18:00",
        "Thursday 10:00 to 18:00",
    ]
    assert set(created) == set(service.sessions.values_list("pk", flat=True))
    # Imported again: the sessions are replaced, and the new ones have their history too.
    call_command("import_oruk", str(example), stdout=io.StringIO(), stderr=io.StringIO())
    again = session_entries(service)
    assert len(again) == 2 and not set(again) & set(created)


def test_demo_directory_has_history_for_its_opening_times_and_the_draft(sam):
    demo.load(io.StringIO())
    for service in Service.objects.all():
        assert set(session_entries(service)) == set(service.sessions.values_list("pk", flat=True))
    draft = Service.objects.get(is_published=False)
    (entry,) = LogEntry.objects.get_for_object(draft).filter(
        action=UPDATE, changes__has_key="is_published"
    )
    assert entry.changes_dict["is_published"] == ["True", "False"]


def test_the_benchmarks_invented_directory_has_history():
    added = _invent(12, random.Random(7))
    services = list(Service.objects.filter(name__regex=r" \d+$"))
    assert added == len(services) == 12
    for service in services:
        assert entries_for(Service, action=CREATE, object_id=service.pk).count() == 1
        (link,) = entries_for(Service, action=UPDATE, object_id=service.pk)
        assert link.changes_dict["categories"]["operation"] == "add"
        assert sorted(link.changes_dict["categories"]["objects"]) == sorted(
            service.categories.values_list("name", flat=True)
        )
        assert set(session_entries(service)) == set(service.sessions.values_list("pk", flat=True))
    organisations = Organisation.objects.filter(name__startswith="Benchmark organisation")
    assert organisations.exists()
    for organisation in organisations:
        assert entries_for(Organisation, action=CREATE, object_id=organisation.pk).count() == 1
    assert Category.objects.exists()
