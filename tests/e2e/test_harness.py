"""The journeys' own checks catch what they are there to catch: a harness that quietly passed
everything would be worse than none."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _watches, check, visit

pytestmark = pytest.mark.e2e


def test_check_fails_on_a_serious_accessibility_violation(page):
    visit(page, "/accessibility/")
    page.evaluate(
        """() => {
          const image = document.createElement('img');
          image.src = '/static/govuk/assets/images/favicon.ico';
          document.querySelector('main').append(image);
        }"""
    )

    with pytest.raises(pytest.fail.Exception, match=r"image-alt \(critical\)"):
        check(page)


def test_check_fails_on_a_content_security_policy_violation(page):
    visit(page, "/accessibility/")
    page.evaluate(
        """() => {
          const script = document.createElement('script');
          script.textContent = 'window.injected = true';
          document.body.append(script);
        }"""
    )

    with pytest.raises(pytest.fail.Exception, match="CSP violation"):
        check(page)
    assert page.evaluate("window.injected") is None


def test_check_fails_on_an_uncaught_javascript_error(page):
    visit(page, "/accessibility/")
    with page.expect_event("pageerror"):
        page.evaluate("setTimeout(() => { throw new Error('broken on purpose') }, 0)")

    with pytest.raises(pytest.fail.Exception, match="broken on purpose"):
        check(page)


def test_check_fails_when_gov_uk_frontend_did_not_start(page):
    visit(page, "/accessibility/")
    page.evaluate(
        """() => {
          const button = document.createElement('button');
          button.className = 'govuk-button';
          button.dataset.module = 'govuk-button';
          button.textContent = 'Never initialised';
          document.querySelector('main').append(button);
        }"""
    )

    with pytest.raises(pytest.fail.Exception, match="GOV.UK Frontend did not initialise"):
        check(page)


def test_a_page_reached_without_a_check_is_noticed(page, live_server):
    page.goto("/accessibility/")

    assert _watches[page].unchecked() == [f"{live_server.url}/accessibility/"]
    check(page)
    assert _watches[page].unchecked() == []
