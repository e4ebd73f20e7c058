"""Helpers every test folder shares: the text and font sizes of a PDF, and "this was audited"."""

from __future__ import annotations

import io
from collections import Counter

from pypdf import PdfReader

from audit.models import AuditEvent


def pdf_text(content: bytes) -> str:
    """Every page's text, joined by newlines (PDFs are checked by their text)."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def font_sizes(content: bytes) -> Counter:
    """How many characters a PDF prints at each font size (in points)."""
    sizes: Counter = Counter()

    def visit(chunk, cm, tm, font_dict, font_size):
        if chunk.strip():
            sizes[round(font_size * abs(tm[0]) * abs(cm[0]), 1)] += len(chunk.strip())

    for page in PdfReader(io.BytesIO(content)).pages:
        page.extract_text(visitor_text=visit)
    return sizes


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
