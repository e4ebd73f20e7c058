"""Validating JSON against the Open Referral UK schemas kept in ``directory/oruk/``.

Used by the feed import (each record is checked before anything is saved) and by the tests of
the open-data API (each response is checked against the standard).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent / "oruk" / "schema"
BASE = "https://schemas.lisa.invalid/oruk/"

# The standard's paging fields (from the OpenAPI description's "Page" schema).
PAGE_FIELDS = ("total_items", "total_pages", "page_number", "size", "first_page", "last_page")


def _load(relative: str) -> dict:
    return json.loads((SCHEMA_DIR / relative).read_text(encoding="utf-8"))


@cache
def _page_schema() -> dict:
    openapi = json.loads((SCHEMA_DIR.parent / "openapi.json").read_text(encoding="utf-8"))
    page = dict(openapi["components"]["schemas"]["Page"])
    page["required"] = [*PAGE_FIELDS, "empty"]
    return page


@cache
def registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        relative = path.relative_to(SCHEMA_DIR).as_posix()
        resources.append((BASE + relative, DRAFT202012.create_resource(_load(relative))))
    return Registry().with_resources(resources)


def _format_checker() -> FormatChecker:
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def is_datetime(value) -> bool:
        if not isinstance(value, str):
            return True
        parsed = dt.datetime.fromisoformat(value)
        return parsed.tzinfo is not None

    return checker


# What each endpoint returns: a schema file for single records, and for lists the schema of
# each item in "contents".
SINGLE = {
    "service": "service.json",
    "service_at_location": "service_at_location.json",
    "organization": "organization.json",
    "taxonomy": "parts/taxonomy.json",
    "taxonomy_term": "parts/taxonomy_term.json",
}
LIST_ITEMS = {
    "services": "service_list.json",
    "service_at_locations": "service_at_location_list.json",
    "organizations": "organization_list.json",
    "taxonomies": "parts/taxonomy.json",
    "taxonomy_terms": "parts/taxonomy_term.json",
}


@cache
def validator(kind: str) -> Draft202012Validator:
    if kind in SINGLE:
        schema = {"$ref": BASE + SINGLE[kind]}
    elif kind in LIST_ITEMS:
        schema = {
            "allOf": [_page_schema()],
            "type": "object",
            "required": ["contents"],
            "properties": {
                "contents": {"type": "array", "items": {"$ref": BASE + LIST_ITEMS[kind]}}
            },
        }
    else:
        raise KeyError(kind)
    return Draft202012Validator(schema, registry=registry(), format_checker=_format_checker())


def errors(kind: str, data) -> list[str]:
    """Every way ``data`` breaks the standard's schema for ``kind``, as readable lines."""
    found = sorted(validator(kind).iter_errors(data), key=lambda e: list(e.absolute_path))
    return [
        f"{'.'.join(str(p) for p in error.absolute_path) or '(record)'}: {error.message}"
        for error in found
    ]
