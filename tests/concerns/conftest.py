"""Concerns for the tests: ``make_concern(child, by, **fields)`` and a form's POST data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from concerns.models import Category, Concern, ConcernChange, ConcernOutcome, ConcernStatus
from tests.children.conftest import child, involve, make_child  # noqa: F401


def make_concern(the_child, by, **fields) -> Concern:
    outcome = fields.pop("outcome", ConcernOutcome.MULTI_AGENCY)
    resolved = outcome == ConcernOutcome.RESOLVED_IN_AGENCY
    status = fields.pop("status", ConcernStatus.CLOSED if resolved else ConcernStatus.OPEN)
    concern = Concern.objects.create(
        child=the_child,
        raised_by=by,
        agency=by.agency,
        date=fields.pop("date", dt.date(2026, 11, 2)),
        level=fields.pop("level", 2),
        what_was_seen=fields.pop("what_was_seen", "Arrived hungry three days running"),
        discussed_with_parent=fields.pop("discussed_with_parent", True),
        action_agreed=fields.pop("action_agreed", "Breakfast club place offered"),
        outcome=outcome,
        status=status,
        closed_at=timezone.now() if status == ConcernStatus.CLOSED else None,
        **fields,
    )
    concern.categories.set([Category.objects.get(name="Neglect")])
    ConcernChange.objects.create(
        concern=concern, by=by, kind="logged", to_level=concern.level, to_outcome=outcome
    )
    return concern


def form_data(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "date_0": str(today.day),
        "date_1": str(today.month),
        "date_2": str(today.year),
        "level": "2",
        "categories": [str(Category.objects.get(name="Neglect").pk)],
        "what_was_seen": "Came to clinic with an untreated burn on the hand",
        "discussed_with_parent": "yes",
        "not_discussed_reason": "",
        "action_agreed": "Mother to take her to the GP today; follow-up visit on Friday",
        "outcome": ConcernOutcome.RESOLVED_IN_AGENCY,
        "role": "Health visitor",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def mail_outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core import mail

    mail.outbox = []
    return mail.outbox
