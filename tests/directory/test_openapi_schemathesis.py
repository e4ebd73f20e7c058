"""Schemathesis drives the open-data API from the description it serves. For every operation,
generated requests (valid and invalid parameters) must get only what the description documents:
its status codes, content types, headers and body schemas, never a server error, and no valid
request refused."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from directory import opendata
from directory.models import Location

pytestmark = pytest.mark.django_db

DESCRIPTION = "/api/directory/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
]
# Schemathesis leaves out the operation serving the description; it is tested all the same.
LABELS = [
    "GET /",
    "GET /openapi.json",
    "GET /services",
    "GET /services/{id}",
    "GET /service_at_locations",
    "GET /service_at_locations/{id}",
    "GET /taxonomies",
    "GET /taxonomies/{id}",
    "GET /taxonomy_terms",
    "GET /taxonomy_terms/{id}",
    "GET /organizations",
    "GET /organizations/{id}",
]
EXAMPLES = 50  # per operation, valid and invalid parameters together


def _application():
    """LISA's WSGI application, whole (every middleware), answering inside the test's
    transaction: like Django's test client, it leaves the database connection open after each
    request instead of closing it as it would under a server."""
    handler = get_wsgi_application()

    def application(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            answer = handler(environ, start_response)
            try:
                content = b"".join(answer)
            finally:
                answer.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [content]

    return application


@pytest.fixture
def api(services, settings):
    """The description as the API serves it, with published services (and an unpublished and a
    closed one) in the database. The rate limit is raised so that it never answers in place of
    the endpoint; the 429 answer is checked on its own."""
    settings.LISA_DIRECTORY_API_RATE = 1_000_000
    return schemathesis.openapi.from_wsgi(DESCRIPTION, _application())


@pytest.mark.parametrize("label", LABELS)
def test_every_operation_answers_as_described(api, label):
    method, path = label.split(" ")
    operation = api[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def property_(case):
        case.call_and_validate(checks=CHECKS)

    property_()


def test_the_served_description_is_valid_openapi_with_every_endpoint(api):
    api.validate()  # against the OpenAPI 3.1 meta-schema
    assert sorted(f"GET {path}" for path in api.raw_schema["paths"]) == sorted(LABELS)
    tested = sorted(result.ok().label for result in api.get_all_operations())
    assert tested == sorted(set(LABELS) - {"GET /openapi.json"})


def test_real_records_by_id_answer_as_described(api, services, categories, organisations):
    place = Location.objects.get(service=services["parenting"])
    found = {
        "/services/{id}": services["speech"].uuid,
        "/service_at_locations/{id}": place.service_at_location_uuid,
        "/taxonomies/{id}": opendata.TAXONOMY_ID,
        "/taxonomy_terms/{id}": categories["send"].uuid,
        "/organizations/{id}": organisations["dfs"].uuid,
    }
    for path, uuid in found.items():
        case = api[path]["GET"].Case(path_parameters={"id": str(uuid)})
        response = case.call_and_validate(checks=CHECKS)
        assert response.status_code == 200, path
        assert response.json()["id"] == str(uuid)
    for unpublished in (services["hidden"], services["closed"]):
        case = api["/services/{id}"]["GET"].Case(path_parameters={"id": str(unpublished.uuid)})
        response = case.call_and_validate(checks=CHECKS)
        assert response.status_code == 404
        assert response.json() == {"error": "No published service has that id."}


def test_lists_with_filters_answer_as_described(api, categories, organisations):
    queries = {
        "/services": [
            {"taxonomy_term_id": f"{categories['send'].uuid},{categories['youth'].uuid}"},
            {"organization_id": str(organisations["dfs"].uuid), "per_page": 1, "page": 2},
            {"postcode": "se8 4rj", "day": "MO", "start_time": "09:00", "end_time": "12:00"},
            {"minimum_age": 2, "maximum_age": 5, "modified_after": "2020-01-01"},
            {"taxonomy_id": str(opendata.TAXONOMY_ID), "text": "speech"},
        ],
        "/service_at_locations": [{"search": "parents"}, {"postcode": "SE6 4JF"}],
        "/taxonomies": [{"per_page": 1}],
        "/taxonomy_terms": [{"taxonomy_id": str(opendata.TAXONOMY_ID), "per_page": 2}],
        "/organizations": [{"text": "Deptford"}],
    }
    for path, cases in queries.items():
        for query in cases:
            response = api[path]["GET"].Case(query=query).call_and_validate(checks=CHECKS)
            assert response.status_code == 200, (path, query)
            assert response.json()["contents"], (path, query)
    refused = api["/services"]["GET"].Case(query={"per_page": 500})
    response = refused.call_and_validate(checks=CHECKS)
    assert response.status_code == 400
    assert response.json() == {"error": "per_page must be between 1 and 200."}
    late = api["/services"]["GET"].Case(query={"modified_after": "9999-12-31T23:00:00-05:00"})
    assert late.call_and_validate(checks=CHECKS).status_code == 400


def test_too_many_requests_answer_as_described(api, settings):
    settings.LISA_DIRECTORY_API_RATE = 1  # loading the description used up the first
    case = api["/services"]["GET"].Case()
    answers = [case.call_and_validate(checks=CHECKS) for _ in range(3)]
    limited = [answer for answer in answers if answer.status_code == 429]
    assert limited, [answer.status_code for answer in answers]
    assert int(limited[0].headers["retry-after"][0]) >= 1
    assert limited[0].json()["error"].startswith("Too many requests.")
