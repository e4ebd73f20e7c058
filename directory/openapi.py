"""The open-data API's description: one complete, self-contained OpenAPI 3.1 document.

Built from the files kept in ``directory/oruk/`` (see its README for their source and licence):

- ``hsds-openapi.json``, the HSDS 3.0 base description, and ``uk-profile-openapi.json``, the
  Open Referral UK profile's overlay on it. The overlay is a JSON merge patch (RFC 7386), as the
  profile's own tooling applies it: the profile's values replace the base's, and a ``null``
  removes what the base had.
- ``schema/``, the profile's compiled JSON Schemas. The descriptions point at them by their
  published addresses; here each is copied into ``components/schemas`` and every ``$ref`` points
  inside the document, so that standard OpenAPI tools can load it without the network.

The paths are exactly the endpoints ``directory/api_urls.py`` serves (the profile drops the base's
``/organizations`` endpoints as optional; LISA serves them, so they come from the base), with the
query parameters each view in ``directory/api.py`` reads, and its error answers: 400 for a bad
parameter, 404 for an unknown id, 429 with ``Retry-After`` when an address has made too many
requests. The document is static, so it is built once per process.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path

from django.urls import reverse

from directory.models import RRULE_DAYS, WEEKDAYS

ORUK_DIR = Path(__file__).resolve().parent / "oruk"
BASE_FILE = ORUK_DIR / "hsds-openapi.json"
PROFILE_FILE = ORUK_DIR / "uk-profile-openapi.json"
SCHEMA_DIR = ORUK_DIR / "schema"

# Where the descriptions say their schemas are published: the compiled ones ("compiled/…") are in
# schema/ here, the per-table ones in schema/parts/.
_PUBLISHED = re.compile(
    r"^https://raw\.githubusercontent\.com/openreferral/(?:specification/3\.0|uk-profile/main)"
    r"/schema/(?P<compiled>compiled/)?(?P<name>[a-z_]+)\.json$"
)
UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def merge_patch(target, patch):
    """``patch`` applied to ``target`` as a JSON merge patch (RFC 7386); neither is changed."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def profile_description() -> dict:
    """The HSDS 3.0 base description with the UK profile's overlay applied."""
    return merge_patch(_load(BASE_FILE), _load(PROFILE_FILE))


def schema_file(ref: str, referrer: Path | None = None) -> Path:
    """The file in the project holding the schema that ``ref`` names."""
    published = _PUBLISHED.match(ref)
    if published:
        folder = SCHEMA_DIR if published["compiled"] else SCHEMA_DIR / "parts"
        path = folder / f"{published['name']}.json"
    elif referrer is not None and re.fullmatch(r"[a-z_]+\.json", ref):
        path = referrer.parent / ref  # a sibling, as the per-table schemas name each other
    else:
        raise ValueError(f"No schema in the project for the reference {ref!r}.")
    if not path.is_file():
        raise ValueError(f"The reference {ref!r} names {path}, which is missing.")
    return path


def _component_name(path: Path) -> str:
    # service_at_location_list.json -> ServiceAtLocationList
    return "".join(part.capitalize() for part in path.stem.split("_"))


class _Components:
    """The schemas copied into the document, each once, under a name from its file."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict] = {}
        self._files: dict[str, Path] = {}

    def ref(self, path: Path) -> dict:
        name = _component_name(path)
        known = self._files.get(name)
        if known is None:
            self._files[name] = path
            self.schemas[name] = {}  # reserved first: a schema may refer to itself
            self.schemas[name] = self.inline(_load(path), referrer=path)
        elif known != path:
            raise ValueError(f"{known} and {path} would share the component name {name}.")
        return {"$ref": f"#/components/schemas/{name}"}

    def inline(self, node, *, referrer: Path | None = None):
        """``node`` with every reference to a file turned into one to a component."""
        if isinstance(node, list):
            return [self.inline(item, referrer=referrer) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            rest = {key: value for key, value in node.items() if key != "$ref"}
            return {**self.ref(schema_file(ref, referrer)), **self.inline(rest, referrer=referrer)}
        return {key: self.inline(value, referrer=referrer) for key, value in node.items()}


# --- what LISA serves ---------------------------------------------------------------------------

_SEARCH = ["search", "text"]
_PAGING = ["page", "per_page"]
_SERVICE_FILTERS = [
    *_SEARCH,
    *_PAGING,
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "minimum_age",
    "maximum_age",
    "modified_after",
    "day",
    "start_time",
    "end_time",
    "postcode",
]

# path: (query parameters the view reads, what 200 answers with, whether an id can be unknown).
# The answer is the standard's own (None), a schema file in schema/ (the compiled ones, or a
# per-table one in parts/), for lists ("[…]") the file for each item in a page's "contents", or
# a schema.
_ENDPOINTS = {
    "/": ([], None, False),
    "/openapi.json": ([], {"type": "object", "required": ["openapi", "info", "paths"]}, False),
    "/services": (_SERVICE_FILTERS, "[service_list.json]", False),
    "/services/{id}": ([], "service.json", True),
    "/service_at_locations": (_SERVICE_FILTERS, "[service_at_location_list.json]", False),
    # The base names service.json here, a slip: the answer is a service at a location.
    "/service_at_locations/{id}": ([], "service_at_location.json", True),
    "/taxonomies": (_PAGING, "[parts/taxonomy.json]", False),
    "/taxonomies/{id}": ([], "parts/taxonomy.json", True),
    "/taxonomy_terms": ([*_PAGING, "taxonomy_id"], "[parts/taxonomy_term.json]", False),
    "/taxonomy_terms/{id}": ([], "parts/taxonomy_term.json", True),
    "/organizations": ([*_SEARCH, *_PAGING], "[organization_list.json]", False),
    "/organizations/{id}": ([], "organization.json", True),
}

# Where the base's wording does not fit the operation it describes.
_OPERATION_FIXES = {
    "/openapi.json": {  # not in the standard
        "summary": "This description of the API.",
        "description": "This description of the API: OpenAPI 3.1, complete and self-contained.",
        "operationId": "getOpenAPIDescription",
        "responses": {"200": {"description": "This description of the API."}},
    },
    "/services": {"description": "Paginated listing of services with their one-to-one fields."},
    # The base gives these two each other's operationId.
    "/taxonomy_terms": {"operationId": "getPaginatedListOfTaxonomyTerms"},
    "/taxonomy_terms/{id}": {"operationId": "getTaxonomyTermById"},
}

_TIME = {"type": "string", "pattern": "^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"}

# Each parameter as LISA reads it: (description, schema). The description is the standard's
# where it fits, with what LISA adds.
_TEXT = {"type": "string", "pattern": "^[^\\u0000]*$"}  # no NUL: it cannot be stored
_PARAMETERS = {
    "search": (None, _TEXT),
    "text": (
        "Full text search, as `search` (which it takes the place of when both are given).",
        _TEXT,
    ),
    # As directory/api.py reads them (tests/directory/test_openapi_document.py compares).
    "page": (None, {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}),
    "per_page": (None, {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
    "taxonomy_term_id": (
        "Services with any of these taxonomy terms: one id, or several separated by commas.",
        {"type": "string", "pattern": f"^{UUID_PATTERN}(,{UUID_PATTERN})*$"},
    ),
    "taxonomy_id": (None, {"type": "string", "format": "uuid"}),
    "organization_id": (
        "Services that this organization provides.",
        {"type": "string", "format": "uuid"},
    ),
    "minimum_age": (None, {"type": "number", "minimum": 0}),
    "maximum_age": (None, {"type": "number", "minimum": 0}),
    "modified_after": (
        "Return results modified on or after this date-time, or this date (from its start).",
        {"type": "string", "anyOf": [{"format": "date-time"}, {"format": "date"}]},
    ),
    "day": (
        "Services open on this day: its two-letter iCalendar code (MO to SU) or its English name.",
        {"type": "string", "enum": [*RRULE_DAYS, *WEEKDAYS]},
    ),
    "start_time": ("Services with a session opening at or after this time (HH:MM).", _TIME),
    "end_time": ("Services with a session closing at or before this time (HH:MM).", _TIME),
    "postcode": (
        "Services covering this full UK postcode (any case and spacing), by postcode district "
        "or ward.",
        {
            "type": "string",
            "pattern": "^([A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}"
            "|GIR ?0AA)$",
        },
    ),
}

_ERROR = {
    "type": "object",
    "description": "Why the request was not answered, in a sentence.",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
    "additionalProperties": False,
}
_CORS = {"$ref": "#/components/headers/Access-Control-Allow-Origin"}
_CORS_HEADER = {
    "description": "Every answer may be read by a page from any origin.",
    "required": True,
    "schema": {"type": "string", "const": "*"},
}
_RESPONSES = {
    "BadRequest": {
        "description": "A query parameter is not valid, or the request carries characters "
        "that are not accepted (such as NUL): the JSON body says which and why.",
        "headers": {"Access-Control-Allow-Origin": _CORS},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "NotFound": {
        "description": "Nothing published has that id (or the id is not a UUID).",
        "headers": {"Access-Control-Allow-Origin": _CORS},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "TooManyRequests": {
        "description": "This client address has made too many requests for now: try again "
        "after the number of seconds in Retry-After.",
        "headers": {
            "Retry-After": {"$ref": "#/components/headers/Retry-After"},
            "Access-Control-Allow-Origin": _CORS,
        },
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
}
_HEADERS = {
    "Retry-After": {
        "description": "Seconds to wait before the next request.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    },
    "Access-Control-Allow-Origin": _CORS_HEADER,
}

_INFO_DESCRIPTION = """\
The open data of this service directory, following the Open Referral UK profile of the Human \
Services Data Specification (HSDS) 3.0: public and read-only, with no key. Every answer is JSON \
and may be read from any origin. Each client address may make a limited number of requests in a \
given time; beyond that the answer is 429, with Retry-After.

This description is the HSDS 3.0 base merged with the UK profile, with the profile's schemas \
included, restricted to the endpoints served here. It is adapted from "Human Services Data \
Specification: an Open Referral resource (https://openreferral.org/)", licensed under CC BY-SA \
4.0, and shares that licence."""


def _parameter(name: str, standard: dict) -> dict:
    description, schema = _PARAMETERS[name]
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description or standard[name]["description"],
        "schema": schema,
    }


def _page_of(item: dict) -> dict:
    return {
        "allOf": [{"$ref": "#/components/schemas/Page"}],
        "type": "object",
        "required": ["contents"],
        "properties": {"contents": {"type": "array", "items": item}},
    }


def _answer(spec: str | dict, components: _Components) -> dict:
    if isinstance(spec, dict):
        return spec
    schema = components.ref(SCHEMA_DIR / spec.strip("[]"))
    return _page_of(schema) if spec.startswith("[") else schema


def build() -> dict:
    """The complete description of the open-data API, as a new dict."""
    base = _load(BASE_FILE)
    merged = profile_description()
    components = _Components()
    standard_parameters = merged["components"]["parameters"]

    paths = {}
    for path, (parameters, answer, by_id) in _ENDPOINTS.items():
        item = copy.deepcopy(merged["paths"].get(path) or base["paths"].get(path) or {})
        operation = item.get("get", {})
        for parameter in item.get("parameters", []):  # the path's id: LISA's ids are UUIDs
            parameter["schema"] = {"type": "string", "format": "uuid"}
        operation.update(_OPERATION_FIXES.get(path, {}))
        ok = operation["responses"]["200"]
        ok.setdefault("content", {}).setdefault("application/json", {})
        if answer is not None:
            ok["content"]["application/json"]["schema"] = _answer(answer, components)
        ok["headers"] = {"Access-Control-Allow-Origin": _CORS}
        responses = {"200": ok, "400": {"$ref": "#/components/responses/BadRequest"}}
        if parameters:
            operation["parameters"] = [_parameter(name, standard_parameters) for name in parameters]
        else:
            operation.pop("parameters", None)
        if by_id:
            responses["404"] = {"$ref": "#/components/responses/NotFound"}
        responses["429"] = {"$ref": "#/components/responses/TooManyRequests"}
        operation["responses"] = responses
        item["get"] = operation
        paths[path] = item

    index = paths["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    index["required"] = ["version", "profile", "openapi_url"]

    page = copy.deepcopy(merged["components"]["schemas"]["Page"])
    page["required"] = list(page["properties"])  # LISA always gives every paging field
    info = merged["info"]
    info["description"] = _INFO_DESCRIPTION
    info["license"] = {
        "name": "Creative Commons Attribution-ShareAlike 4.0",
        "url": "https://creativecommons.org/licenses/by-sa/4.0/",
    }
    document = {
        # The profile says 3.0.0, but its schemas are JSON Schema 2020-12 (jsonSchemaDialect),
        # which is OpenAPI 3.1.
        "openapi": "3.1.0",
        "info": info,
        "jsonSchemaDialect": merged["jsonSchemaDialect"],
        "servers": [
            {"url": reverse("oruk:index").rstrip("/"), "description": "This directory's API."}
        ],
        "paths": paths,
        "components": {
            "schemas": {"Page": page, "Error": _ERROR, **dict(sorted(components.schemas.items()))},
            "responses": _RESPONSES,
            "headers": _HEADERS,
        },
    }
    return copy.deepcopy(document)  # nothing shared with this module's constants


@cache
def document() -> dict:
    """The description, built once. Callers must not change it."""
    return build()


@cache
def document_json() -> bytes:
    return json.dumps(document(), ensure_ascii=False).encode()
