"""Helpers every test folder shares: the text of a PDF, and "this was audited"."""

from __future__ import annotations

import io

from pypdf import PdfReader

from audit.models import AuditEvent


def pdf_text(content: bytes) -> str:
    """Every page's text, joined by newlines (PDFs are checked by their text)."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def assert_audited(*, user=None, action: str, child=None, count: int | None = None, **detail):
    """Assert that audit events exist for ``user`` doing ``action`` (about ``child``), whose
    detail holds each ``detail`` key with that value; return them."""
    events = AuditEvent.objects.filter(action=action)
    if user is not None:
        events = events.filter(user=user)
    if child is not None:
        events = events.filter(child_id=getattr(child, "pk", child))
    for key, value in detail.items():
        events = events.filter(**{f"detail__{key}": value})
    found = list(events)
    if count is None:
        assert found, f"no {action} event for {user} about {child} with {detail}"
    else:
        assert len(found) == count, f"{len(found)} {action} events, expected {count}"
    return found
