"""Deny by default: every URL declares who may use it, and anonymous users are sent to sign in."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from lisa.access import ACCESS_ATTR

# The only views anyone may use without signing in.
PUBLIC = {
    "sign-in",
    "sign-out",
    "forgotten-password",
    "forgotten-password-sent",
    "set-password",
    "set-password-done",
    "accessibility",
    "health",
    "health-live",
    "health-ready",
    "directory:public-search",
    "directory:public-service",
    "oruk:index",
    "oruk:openapi",
    "oruk:services",
    "oruk:service",
    "oruk:service-at-locations",
    "oruk:service-at-location",
    "oruk:taxonomies",
    "oruk:taxonomy",
    "oruk:taxonomy-terms",
    "oruk:taxonomy-term",
    "oruk:organizations",
    "oruk:organization",
}


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}", entry.callback


def sample_path(route: str) -> str:
    """A concrete path for a route: numbers for <int:…> parts, a word for the others."""
    path = re.sub(r"<int:[^>]+>", "1", route)
    path = re.sub(r"<uidb64>", "MQ", path)
    path = re.sub(r"<[^>]+>", "abc-123", path)
    return "/" + path.lstrip("^").rstrip("$")


ALL = list(walk(get_resolver().url_patterns))


def test_there_are_urls_to_walk():
    assert len(ALL) > 15


@pytest.mark.parametrize(("route", "name", "view"), ALL, ids=[name for _, name, _ in ALL])
def test_every_view_declares_an_access_rule(route, name, view):
    rule = getattr(view, ACCESS_ATTR, None)
    assert rule, f"{name} ({route}) has no access rule"
    if rule == "public":
        assert name in PUBLIC, f"{name} is public but not on the public allow-list"


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name", "view"), ALL, ids=[name for _, name, _ in ALL])
def test_anonymous_users_are_sent_to_sign_in(client, route, name, view):
    if name in PUBLIC:
        return
    path = sample_path(route)
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code == 302, f"{method.upper()} {path} gave {response.status_code}"
        assert response["Location"].startswith("/sign-in/?next="), path


def test_a_view_without_a_rule_is_refused(rf, db):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    from lisa.middleware import AccessRuleMiddleware

    def naked(request):  # pragma: no cover - must never run
        raise AssertionError("ran")

    request = rf.get("/x/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        AccessRuleMiddleware(lambda r: None).process_view(request, naked, (), {})


@pytest.mark.django_db
def test_public_pages_answer_anonymous_users(client):
    assert client.get("/health/").json() == {"status": "ok"}
    accessibility = client.get("/accessibility/")
    assert accessibility.status_code == 200
    # The heading and the enforcement section belong to this page alone (the footer only links).
    assert "Accessibility statement for LISA" in accessibility.content.decode()
    assert "Enforcement procedure" in accessibility.content.decode()
    assert client.get("/sign-in/").status_code == 200
    assert client.get("/forgotten-password/").status_code == 200
