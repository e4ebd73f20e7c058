"""Conversations for the tests: ``start(by, [people], child=None, body=...)``."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from messaging import actions
from tests.children.conftest import child, involve, make_child, shielded_child  # noqa: F401


def _request(user):
    request = RequestFactory().post("/messages/new/")
    request.user = user
    return request


def start(by, people, *, child=None, subject="Checking in", body="Hello there"):
    """A conversation started through the real action (audit event and all)."""
    return actions.start_thread(
        request=_request(by),
        by=by,
        recipients=list(people),
        subject=subject,
        body=body,
        child=child,
    )


def send(by, thread, body="A reply"):
    return actions.reply(request=_request(by), by=by, thread=thread, body=body)


@pytest.fixture
def starter():
    return start


__all__ = ["child", "involve", "make_child", "send", "shielded_child", "start"]
