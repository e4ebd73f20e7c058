"""NUL bytes and unpaired surrogates: PostgreSQL cannot store them, so LISA refuses them with a
clear page (or a message beside the field; or, for the open-data API, its own JSON error) and
never fails with a server error."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEvent
from lisa.middleware import has_unstorable_characters
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REFUSED = "The text you sent contains characters LISA cannot store"

# Pages that read their query string, and who may see them.
QUERY_PAGES = [
    ("priya", "/users/?q={}"),
    ("priya", "/users/?status={}&agency={}"),
    ("amara", "/children/?q={}"),
    ("amara", "/children/?s={}"),
    ("amara", "/messages/new/?find={}"),
    ("amara", "/messages/?page={}"),
    ("morgan", "/audit/?user={}&child={}"),
    ("morgan", "/audit/alerts/?status={}&kind={}"),
    ("amara", "/directory/?q={}"),
    (None, "/directory/public/?q={}"),
    (None, "/sign-in/?next={}"),
]
API = "/api/directory/services"


@pytest.fixture
def as_persona(personas):
    def make(name):
        client = Client(raise_request_exception=False)
        if name:
            response = client.post(
                "/sign-in/", {"username": personas[name].username, "password": PASSWORD}
            )
            assert response.status_code == 302
        return client

    return make


def assert_refused(response):
    assert response.status_code == 400, response.content[:300]
    page = response.content.decode()
    assert REFUSED in page
    assert 'class="govuk-heading-l"' in page  # the GOV.UK layout, not a bare error
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("nul", ["%00", "ab%00cd"], ids=["nul", "nul-in-a-word"])
@pytest.mark.parametrize(("who", "url"), QUERY_PAGES, ids=[u for _, u in QUERY_PAGES])
def test_a_nul_in_a_query_string_is_refused_with_a_clear_page(as_persona, who, url, nul):
    assert_refused(as_persona(who).get(url.format(nul, nul)))


@pytest.mark.parametrize(("who", "url"), QUERY_PAGES, ids=[u for _, u in QUERY_PAGES])
def test_an_encoded_surrogate_in_a_query_string_is_no_server_error(as_persona, who, url):
    # %ED%A0%80 would be U+D800 if decoded blindly; Django makes it U+FFFD, which is storable.
    response = as_persona(who).get(url.format("%ED%A0%80", "%ED%A0%80"))
    assert response.status_code < 500


def assert_refused_as_the_api_does(response, where: str):
    """The API's own answer to a bad request: JSON, readable from any origin."""
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {
        "error": "The request carries characters this API does not accept, such as NUL, in its "
        f"{where}: remove them and try again."
    }


@pytest.mark.parametrize("nul", ["%00", "ab%00cd"], ids=["nul", "nul-in-a-word"])
def test_a_nul_in_the_api_query_string_gets_the_api_error_with_cors(nul):
    response = Client().get(f"{API}?text={nul}&postcode={nul}")
    assert_refused_as_the_api_does(response, "query string")
    # The error as the API answers a bad parameter, in the same shape.
    assert Client().get(f"{API}?per_page=500").json() == {
        "error": "per_page must be between 1 and 200."
    }


def test_a_nul_in_the_api_path_header_or_cookie_gets_the_api_error_with_cors():
    assert_refused_as_the_api_does(Client().get(f"{API}/%00"), "path")
    assert_refused_as_the_api_does(Client().get(API, HTTP_USER_AGENT="curl\x00"), "headers")
    assert_refused_as_the_api_does(Client().get(API, HTTP_ACCEPT="\ud800"), "headers")
    client = Client()
    client.cookies["tracker"] = "abcdefgh\x00ijkl"
    assert_refused_as_the_api_does(client.get(API), "cookies")


def test_a_nul_in_a_query_parameter_name_is_refused(as_persona):
    assert_refused(as_persona("priya").get("/users/?q%00=x"))


def test_a_nul_in_the_path_is_refused(as_persona):
    assert_refused(as_persona("amara").get("/children/%00/"))


@pytest.mark.parametrize("value", ["Mozilla\x00", "Mozilla\ud800"], ids=["nul", "surrogate"])
def test_bad_characters_in_a_header_are_refused_and_nothing_is_recorded(as_persona, value):
    client = as_persona("amara")
    before = AuditEvent.objects.count()
    assert_refused(client.get("/", HTTP_USER_AGENT=value))
    assert_refused(client.get("/", HTTP_X_ANYTHING=value))
    assert AuditEvent.objects.count() == before


def test_a_nul_in_a_cookie_is_refused(as_persona):
    client = as_persona(None)
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert_refused(client.get("/"))


def test_the_check_knows_nul_and_lone_surrogates():
    assert has_unstorable_characters("a\x00b")
    assert has_unstorable_characters("\ud800")
    assert has_unstorable_characters("\udfff")
    assert not has_unstorable_characters("Zoë Ñúñez 李 😀 \ufffd")


# --- form data ----------------------------------------------------------------------------


def test_a_nul_in_the_sign_in_form_is_shown_beside_the_field(as_persona, amara):
    response = as_persona(None).post("/sign-in/", {"username": "amara\x00", "password": "x"})
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()


def test_a_nul_in_a_form_field_is_shown_beside_the_field(as_persona, personas):
    amara = personas["amara"]
    response = as_persona("priya").post(
        f"/users/{amara.pk}/edit/",
        {
            "first_name": "Am\x00ara",
            "last_name": amara.last_name,
            "email": amara.email,
            "job_title": "",
            "phone": "",
            "agency": amara.agency_id,
            "roles": amara.roles,
            "version": amara.updated_at.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.context["form"].errors["first_name"][0]


def test_form_data_read_straight_from_the_request_gets_the_clear_page(as_persona):
    # The new-message "find" box is read without a form: the database refuses the NUL, and the
    # person sees the same page instead of a server error.
    response = as_persona("amara").post("/messages/new/", {"find": "Pri\x00ya", "action": "find"})
    assert_refused(response)


def test_a_nul_in_a_search_form_post_is_no_server_error(as_persona):
    for url, data in [
        ("/children/add/", {"forenames": "K\x00emi", "surname": "Ade"}),
        ("/forgotten-password/", {"email": "a\x00@example.org"}),
        ("/account/change-password/", {"old_password": "\x00", "new_password1": "\x00"}),
    ]:
        assert as_persona("amara").post(url, data).status_code < 500
