"""The open data: Open Referral UK (HSDS 3.0) responses, checked against the standard's own
JSON Schemas (copied into directory/oruk/schema)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from django.test import override_settings

from directory import opendata, schemas
from directory.models import Service

from .conftest import make_service

API = "/api/directory"
EXAMPLES = Path(schemas.SCHEMA_DIR).parent / "examples"


def get(client, path, **params):
    response = client.get(API + path, params)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"] == "application/json"
    return response


def valid(kind, data):
    problems = schemas.errors(kind, data)
    assert problems == [], "\n".join(problems)
    return data


def ids(response) -> list[str]:
    return [item["name"] for item in response.json()["contents"]]


def test_the_schemas_accept_the_standards_own_examples_and_reject_nonsense():
    # The validator itself must be able to fail, or the tests below prove nothing.
    for kind, example in [
        ("service", "service_full.json"),
        ("services", "service_list.json"),
        ("service_at_locations", "service_at_location_list.json"),
        ("organizations", "organization_list.json"),
        ("taxonomies", "taxonomy_list.json"),
        ("taxonomy_terms", "taxonomy_term_list.json"),
        ("taxonomy", "taxonomy.json"),
        ("taxonomy_term", "taxonomy_term.json"),
    ]:
        valid(kind, json.loads((EXAMPLES / example).read_text()))
    assert schemas.errors("service", {"id": "not-a-uuid", "name": "x", "status": "open"})
    broken = json.loads((EXAMPLES / "service_list.json").read_text())
    del broken["total_pages"]
    assert schemas.errors("services", broken)


@pytest.mark.django_db
class TestResponsesFollowTheStandard:
    def test_index_gives_the_version_and_the_api_description(self, client):
        data = get(client, "/").json()
        assert data["version"] == "3.0"
        assert data["profile"].startswith("https://")
        assert data["openapi_url"] == "http://testserver/api/directory/openapi.json"
        described = get(client, "/openapi.json").json()
        assert described["info"]["title"] == "Open Referral UK Profile"
        assert "/services" in described["paths"]

    def test_services_list(self, client, services):
        response = get(client, "/services")
        data = valid("services", response.json())
        assert data["total_items"] == 3
        assert {item["name"] for item in data["contents"]} == {
            "Bumps and Babies Parenting Group",
            "Chatterbox Speech and Language Drop-in",
            "Forest Hill Youth Club",
        }

    def test_one_service_fully_nested(self, client, services):
        service = services["parenting"]
        data = valid("service", get(client, f"/services/{service.uuid}").json())
        assert data["id"] == str(service.uuid)
        assert data["organization"]["name"] == "Deptford Family Support Network"
        assert [(s["byday"], s["opens_at"], s["closes_at"]) for s in data["schedules"]] == [
            ("MO", "09:30:00", "11:30:00"),
            ("WE", "09:30:00", "11:30:00"),
            ("WE", "13:00:00", "15:00:00"),
        ]
        address = data["service_at_locations"][0]["location"]["addresses"][0]
        assert address["postal_code"] == "SE8 4RJ"
        assert [a["taxonomy_term"]["name"] for a in data["attributes"]] == ["Parenting support"]
        assert {area["name"] for area in data["service_areas"]} == {
            "Ward: Deptford",
            "Ward: Evelyn",
        }
        assert [lang["name"] for lang in data["languages"]] == ["English", "Yoruba"]
        # Identifiers are stable from one request to the next.
        again = get(client, f"/services/{service.uuid}").json()
        assert again["schedules"][0]["id"] == data["schedules"][0]["id"]

    def test_a_charged_service_gives_its_cost(self, client, services):
        data = valid("service", get(client, f"/services/{services['youth_club'].uuid}").json())
        assert data["fees"] == "£1 a session"
        assert data["cost_options"][0]["amount_description"] == "£1 a session"

    def test_unpublished_and_closed_services_are_not_published(self, client, services):
        for key in ("hidden", "closed"):
            response = get(client, f"/services/{services[key].uuid}")
            assert response.status_code == 404
        assert get(client, f"/services/{uuid.uuid4()}").status_code == 404
        assert get(client, "/services/not-a-uuid").status_code == 404

    def test_service_at_locations(self, client, services):
        data = valid("service_at_locations", get(client, "/service_at_locations").json())
        assert data["total_items"] == 2
        first = data["contents"][0]
        assert first["service"]["name"] == "Bumps and Babies Parenting Group"
        one = get(client, f"/service_at_locations/{first['id']}").json()
        valid("service_at_location", one)
        assert one["location"]["addresses"][0]["postal_code"] == "SE8 4RJ"

    def test_taxonomies_and_terms(self, client, categories):
        data = valid("taxonomies", get(client, "/taxonomies").json())
        assert data["contents"][0]["id"] == str(opendata.TAXONOMY_ID)
        full = valid("taxonomy", get(client, f"/taxonomies/{opendata.TAXONOMY_ID}").json())
        assert len(full["taxonomy_terms"]) == 5
        terms = valid("taxonomy_terms", get(client, "/taxonomy_terms").json())
        assert [t["name"] for t in terms["contents"]][:2] == ["Food banks", "Parenting support"]
        term = categories["speech"]
        valid("taxonomy_term", get(client, f"/taxonomy_terms/{term.uuid}").json())

    def test_organizations(self, client, services, organisations):
        data = valid("organizations", get(client, "/organizations").json())
        assert data["total_items"] == 2
        org = organisations["dfs"]
        full = valid("organization", get(client, f"/organizations/{org.uuid}").json())
        # Only its published, active services.
        assert [s["name"] for s in full["services"]] == [
            "Bumps and Babies Parenting Group",
            "Forest Hill Youth Club",
        ]


@pytest.mark.django_db
class TestPaging:
    @pytest.fixture
    def many(self, organisations):
        for number in range(23):
            make_service(organisations["dfs"], f"Service {number:02}")

    def test_paging_fields(self, client, many):
        first = valid("services", get(client, "/services", per_page=10).json())
        assert first["total_items"] == 23
        assert first["total_pages"] == 3
        assert first["page_number"] == 1
        assert first["size"] == 10
        assert first["first_page"] is True
        assert first["last_page"] is False
        assert first["empty"] is False
        last = valid("services", get(client, "/services", per_page=10, page=3).json())
        assert last["size"] == 3
        assert last["last_page"] is True
        assert last["first_page"] is False
        assert [c["name"] for c in last["contents"]] == ["Service 20", "Service 21", "Service 22"]

    def test_an_empty_result(self, client, many):
        data = valid("services", get(client, "/services", text="zebra").json())
        assert data["empty"] is True
        assert data["total_items"] == 0
        assert data["total_pages"] == 1
        assert data["contents"] == []

    @pytest.mark.parametrize(
        "params",
        [{"page": "0"}, {"page": "x"}, {"per_page": "1000"}, {"minimum_age": "-3"}],
    )
    def test_bad_paging_and_filter_values_are_refused(self, client, many, params):
        response = get(client, "/services", **params)
        assert response.status_code == 400
        assert response.json()["error"]

    def test_list_queries_are_bounded(self, client, many, django_assert_max_num_queries):
        with django_assert_max_num_queries(4):
            assert len(get(client, "/services", per_page=20).json()["contents"]) == 20
        with django_assert_max_num_queries(4):
            get(client, "/service_at_locations")


@pytest.mark.django_db
class TestFilters:
    def test_text(self, client, services):
        assert ids(get(client, "/services", text="talking")) == [
            "Chatterbox Speech and Language Drop-in"
        ]
        assert ids(get(client, "/services", search="youth")) == ["Forest Hill Youth Club"]

    def test_taxonomy_term_id(self, client, services, categories):
        found = get(client, "/services", taxonomy_term_id=str(categories["send"].uuid))
        assert ids(found) == ["Chatterbox Speech and Language Drop-in"]
        assert get(client, "/services", taxonomy_term_id="nonsense").status_code == 400

    def test_taxonomy_id(self, client, services):
        assert len(ids(get(client, "/services", taxonomy_id=str(opendata.TAXONOMY_ID)))) == 3
        assert ids(get(client, "/services", taxonomy_id=str(uuid.uuid4()))) == []

    def test_minimum_and_maximum_age(self, client, services):
        # "a minimum age of at least" and "a maximum age at or below".
        assert ids(get(client, "/services", minimum_age=2)) == [
            "Chatterbox Speech and Language Drop-in",
            "Forest Hill Youth Club",
        ]
        assert ids(get(client, "/services", maximum_age=5)) == [
            "Bumps and Babies Parenting Group",
            "Chatterbox Speech and Language Drop-in",
        ]

    def test_postcode(self, client, services):
        assert ids(get(client, "/services")) != ids(get(client, "/services", postcode="SE26 4AA"))
        assert ids(get(client, "/services", postcode="SE26 6AA")) == [
            "Chatterbox Speech and Language Drop-in",
            "Forest Hill Youth Club",
        ]
        assert get(client, "/services", postcode="nowhere").status_code == 400
        located = get(client, "/service_at_locations", postcode="SE8 4AA").json()
        assert [c["service"]["name"] for c in located["contents"]] == [
            "Bumps and Babies Parenting Group",
            "Chatterbox Speech and Language Drop-in",
        ]

    def test_modified_after(self, client, services):
        Service.objects.filter(pk=services["speech"].pk).update(updated_at="2020-01-01T00:00:00Z")
        found = ids(get(client, "/services", modified_after="2024-01-01T00:00:00Z"))
        assert "Chatterbox Speech and Language Drop-in" not in found
        assert len(found) == 2
        assert get(client, "/services", modified_after="yesterday").status_code == 400

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("modified_after", "2026-02-30"),
            ("modified_after", "0000-00-00"),
            ("modified_after", "2026-13-01T10:00:00Z"),
            ("start_time", "25:99"),
            ("end_time", "23:61"),
        ],
    )
    def test_impossible_dates_and_times_are_refused_not_a_server_error(
        self, client, services, name, value
    ):
        response = get(client, "/services", **{name: value})
        assert response.status_code == 400
        assert name in response.json()["error"]

    def test_day_and_times(self, client, services):
        assert ids(get(client, "/services", day="FR")) == ["Forest Hill Youth Club"]
        assert ids(get(client, "/services", day="Tuesday")) == [
            "Chatterbox Speech and Language Drop-in"
        ]
        assert ids(get(client, "/services", start_time="17:00")) == ["Forest Hill Youth Club"]
        assert get(client, "/services", day="Funday").status_code == 400

    def test_organization_id(self, client, services, organisations):
        found = ids(get(client, "/services", organization_id=str(organisations["nhs"].uuid)))
        assert found == ["Chatterbox Speech and Language Drop-in"]


@pytest.mark.django_db
class TestProtocol:
    def test_writes_are_refused(self, client, services):
        response = client.post(API + "/services", {})
        assert response.status_code == 405
        assert response["Access-Control-Allow-Origin"] == "*"

    def test_preflight_is_answered(self, client):
        response = client.options(API + "/services")
        assert response.status_code == 204
        assert response["Access-Control-Allow-Origin"] == "*"

    @override_settings(LISA_DIRECTORY_API_RATE=3)
    def test_requests_are_throttled_per_address(self, client):
        for _ in range(3):
            assert client.get(API + "/taxonomies").status_code == 200
        refused = client.get(API + "/taxonomies")
        assert refused.status_code == 429
        assert 1 <= int(refused["Retry-After"]) <= 60
        assert refused["Access-Control-Allow-Origin"] == "*"
        # Another address is not held back.
        other = client.get(API + "/taxonomies", REMOTE_ADDR="192.0.2.44")
        assert other.status_code == 200
