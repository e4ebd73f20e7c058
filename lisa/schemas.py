"""JSON Schemas kept in the project (a transfer summary, a subject access answer): loaded once,
and their complaints about a document said as "where: what" lines."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker


@functools.cache
def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def problems(path: Path, document: dict) -> list[str]:
    """The schema's complaints about ``document``, as "where: what" lines (none when valid)."""
    validator = Draft202012Validator(load(path), format_checker=FormatChecker())
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=str)
    ]
