"""The open-data API's description is one complete document: every reference inside it resolves,
none points outside, its schemas are valid JSON Schema, and it describes what LISA serves."""

from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator

from directory import api, api_urls, openapi, schemas

API = "/api/directory"


def references(node, where="#"):
    """Every ``$ref`` in ``node``, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield where, value
            else:
                yield from references(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from references(value, f"{where}/{index}")


def resolve(document, pointer: str):
    node = document
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@pytest.fixture
def served(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


@pytest.mark.django_db
def test_the_served_document_is_the_built_one(served):
    assert served == openapi.build()
    assert served["openapi"] == "3.1.0"
    assert served["servers"] == [{"url": API, "description": "This directory's API."}]
    assert openapi.document_json() is openapi.document_json()  # built once


@pytest.mark.django_db
def test_every_reference_is_inside_the_document_and_resolves(served):
    found = list(references(served))
    assert len(found) > 40
    outside = [(where, ref) for where, ref in found if not ref.startswith("#/")]
    assert outside == []
    for where, ref in found:
        try:
            resolve(served, ref)
        except (KeyError, IndexError, TypeError):
            pytest.fail(f"{where}: {ref} does not resolve")
    # Every component schema is used, and is valid JSON Schema (2020-12, the dialect declared).
    assert served["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
    used = {ref for _, ref in found}
    for name, schema in served["components"]["schemas"].items():
        assert f"#/components/schemas/{name}" in used, name
        Draft202012Validator.check_schema(schema)


def test_the_merge_is_the_profiles_own():
    # The UK profile publishes its merge of the base with its overlay (oruk/openapi.json), with
    # its own addresses for the schemas: the merge here gives the same document.
    merged = json.dumps(openapi.profile_description(), sort_keys=True)
    merged = merged.replace("openreferral/specification/3.0/", "openreferral/uk-profile/main/")
    published = json.loads((openapi.ORUK_DIR / "openapi.json").read_text())
    assert json.loads(merged) == published
    assert openapi.merge_patch({"a": 1, "b": {"c": 2}}, {"a": None, "b": {"d": 3}}) == {
        "b": {"c": 2, "d": 3}
    }
    with pytest.raises(ValueError, match="No schema in the project"):
        openapi.schema_file("https://example.org/schema/service.json")


def test_the_paths_are_exactly_what_lisa_serves():
    document = openapi.build()
    served = {
        "/" + re.sub(r"<str:(\w+)>", r"{\1}", str(pattern.pattern))
        for pattern in api_urls.urlpatterns
    }
    assert set(document["paths"]) == served
    for path, item in document["paths"].items():
        assert set(item) <= {"get", "parameters"}, path
        responses = item["get"]["responses"]
        expected = {"200", "400", "429"} | ({"404"} if "{id}" in path else set())
        assert set(responses) == expected, path
    operation_ids = [item["get"]["operationId"] for item in document["paths"].values()]
    assert len(set(operation_ids)) == len(operation_ids)


def test_the_parameters_are_those_the_views_read():
    document = openapi.build()

    def names(path):
        return [p["name"] for p in document["paths"][path]["get"].get("parameters", [])]

    filters = {
        "search",
        "text",
        "page",
        "per_page",
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
    }
    assert set(names("/services")) == filters
    assert set(names("/service_at_locations")) == filters
    assert names("/taxonomies") == ["page", "per_page"]
    assert names("/taxonomy_terms") == ["page", "per_page", "taxonomy_id"]
    assert names("/organizations") == ["search", "text", "page", "per_page"]
    for path in document["paths"]:
        if "{id}" in path:
            assert names(path) == []
            [id_parameter] = document["paths"][path]["parameters"]
            assert id_parameter["in"] == "path"
            assert id_parameter["schema"] == {"type": "string", "format": "uuid"}
    per_page = next(
        p for p in document["paths"]["/services"]["get"]["parameters"] if p["name"] == "per_page"
    )
    assert per_page["schema"]["maximum"] == api.MAX_PER_PAGE
    assert per_page["schema"]["default"] == api.DEFAULT_PER_PAGE


def test_the_standards_examples_fit_the_documents_schemas():
    document = openapi.build()
    examples = schemas.SCHEMA_DIR.parent / "examples"

    def check(schema, example):
        validator = Draft202012Validator({**schema, "components": document["components"]})
        data = json.loads((examples / example).read_text())
        assert list(validator.iter_errors(data)) == [], example

    def answer(path):
        return document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]

    check(answer("/services/{id}"), "service_full.json")
    check(answer("/services"), "service_list.json")
    check(answer("/service_at_locations/{id}"), "service_at_location_full.json")
    check(answer("/service_at_locations"), "service_at_location_list.json")
    check(answer("/organizations/{id}"), "organization_full.json")
    check(answer("/organizations"), "organization_list.json")
    check(answer("/taxonomies/{id}"), "taxonomy.json")
    check(answer("/taxonomies"), "taxonomy_list.json")
    check(answer("/taxonomy_terms/{id}"), "taxonomy_term.json")
    check(answer("/taxonomy_terms"), "taxonomy_term_list.json")
    broken = json.loads((examples / "service_list.json").read_text())
    del broken["contents"][0]["id"]
    validator = Draft202012Validator({**answer("/services"), "components": document["components"]})
    assert list(validator.iter_errors(broken))
