"""The static files are listed once per process, and still served to every client."""

from django.test import Client, RequestFactory, override_settings

from lisa.staticfiles import StaticFilesMiddleware


def test_a_second_handler_reuses_the_listing_and_still_serves_the_files():
    first = StaticFilesMiddleware(lambda request: None)
    second = StaticFilesMiddleware(lambda request: "next")

    assert second.files is first.files
    assert "/static/build/lisa.css" in second.files
    assert second(_request("/not-static/")) == "next"

    response = Client().get("/static/build/lisa.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert b"".join(response.streaming_content)


def test_other_settings_are_listed_anew():
    first = StaticFilesMiddleware(lambda request: None)
    with override_settings(STATIC_URL="/assets/"):
        other = StaticFilesMiddleware(lambda request: None)

    assert other.files is not first.files
    assert "/assets/build/lisa.css" in other.files
    assert "/assets/build/lisa.css" not in first.files


def _request(path):
    return RequestFactory().get(path)
