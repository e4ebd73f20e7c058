"""One version-token mechanism for every record people edit.

A form carries the record's version (its last-saved time) in a hidden field; the action that
saves it locks the row and calls :func:`check_version`, which refuses a save made over someone
else's newer one (:class:`~lisa.actions.ConcurrentEditError`, holding the current values to show).
Views say so with :data:`CONFLICT_MESSAGE`.
"""

from __future__ import annotations

from typing import Any

CONFLICT_MESSAGE = (
    "Someone else changed this while you were editing. Their values are shown below; your "
    "changes have not been saved. Check them and save again."
)


def version_of(obj: Any) -> str:
    """The version token of a saved record: its ``updated_at``, to the microsecond."""
    updated = getattr(obj, "updated_at", None)
    return updated.isoformat() if updated else ""


def check_version(locked: Any, version: str | None) -> None:
    """Refuse the save if ``locked`` (the row, locked for update) changed since ``version``.
    ``None`` means the caller made no claim (a change that cannot clash, such as a new row)."""
    from lisa.actions import ConcurrentEditError

    if version is not None and version_of(locked) != version:
        raise ConcurrentEditError(locked)


class Versioned:
    """For models with ``updated_at``: ``obj.version`` is the token forms carry."""

    @property
    def version(self) -> str:
        return version_of(self)


def show_conflict(form, current: Any, message: str = CONFLICT_MESSAGE) -> None:
    """Refuse a save on ``form`` because someone else saved ``current`` since: say so above the
    form, keep everything typed, and carry the newer version so a deliberate second save is
    accepted."""
    form.add_error(None, message)
    form.data = form.data.copy()
    form.data["version"] = version_of(current)
