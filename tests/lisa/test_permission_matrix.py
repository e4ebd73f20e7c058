"""The permission matrix: every URL that takes an object id, for every kind of person.

One row per URL name, one column per persona (see tests/permission_matrix_world.py):

    anon      not signed in
    outsider  a practitioner not involved with the child
    involved  the practitioner who logged the concern (so is involved with the child)
    do_same   the designated officer of the involved practitioner's agency
    do_other  the designated officer of another agency
    central   the central team
    editor    the directory editor of the service; editor2, the editor of another service
    admin     the system administrator

Each cell is what the specification's access rules say that person must get:

    200       the page
    login     302 to the sign-in page
    403       refused
    404       refused without telling whether the record exists
    done      (POST-only views) the change is accepted: no 5xx, no refusal, no sign-in
    >card     302 to the child's index card; >full, to the child's full record; >plan, to
              the meeting's support plan
    void      the set-password page saying the link is not valid (no password form)

A name ending in * is a POST-only view: it is sent an empty form; the others are fetched with
GET. A URL with parameters that is missing from the table fails
``test_every_url_with_ids_is_in_the_matrix``: add a row for every new one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import get_resolver, resolve, reverse

from tests.lisa.test_urls import walk
from tests.permission_matrix_world import PERSONAS, build_world

# Column headings, in the order of PERSONAS.
HEADINGS = "anon outsider involved do_same do_other central editor editor2 admin".split()
REDIRECTS = {">card": "children:card", ">full": "children:record", ">plan": "meetings:plan"}

MATRIX_TABLE = """
url                         anon  outsider involved do_same do_other central editor editor2 admin
users:detail                login 403      403      200     404      200     403    403     403
users:edit                  login 403      403      200     404      200     403    403     403
users:training              login 403      403      200     404      200     403    403     403
users:deactivate            login 403      403      200     404      200     403    403     403
users:reactivate*           login 403      403      done    404      done    403    403     403
users:send-link*            login 403      403      done    404      done    403    403     403
users:reset-second-factor*  login 403      403      done    404      done    403    403     403
agencies:edit               login 403      403      403     403      200     403    403     403
set-password                void  void     void     void    void     void    void   void    void
audit:alert                 login 403      403      403     403      200     403    403     403
audit:child                 login 403      403      403     403      200     403    403     403
children:by-ref             login >card    >card    >card   >card    >card   403    403     403
children:card               login 200      200      200     200      200     403    403     403
children:record             login 403      200      200     403      200     403    403     403
children:edit               login 403      200      200     403      200     403    403     403
children:break-glass        login 200      >full    >full   200      403     403    403     403
children:claim              login 200      >full    200     200      403     403    403     403
children:add-involvement    login 403      403      403     403      200     403    403     403
children:end-involvement    login 403      200      200     403      200     403    403     403
children:involvement-error  login 403      200      200     403      200     403    403     403
children:add-parent         login 403      200      200     403      200     403    403     403
children:edit-parent        login 403      200      200     403      200     403    403     403
children:parent-error       login 403      200      200     403      200     403    403     403
children:family             login 403      200      200     403      200     403    403     403
children:leave-family*      login 403      done     done    403      done    403    403     403
children:merge              login 403      403      403     403      200     403    403     403
children:change-school      login 403      200      200     200      200     403    403     403
children:moved-out          login 403      200      200     403      200     403    403     403
children:transfer-summary   login 403      200      403     403      200     403    403     403
children:transfer-summary-json login 403   200      403     403      200     403    403     403
children:transfer-summary-pdf login 403    200      403     403      200     403    403     403
children:import-review      login 404      200      404     404      404     403    403     403
children:import-new         login 404      200      404     404      404     403    403     403
children:import-into        login 404      200      404     404      404     403    403     403
children:received-summary   login 403      200      200     403      200     403    403     403
children:retention          login 403      403      403     403      200     403    403     403
children:place-hold         login 403      403      403     403      200     403    403     403
children:lift-hold          login 403      403      403     403      200     403    403     403
children:restore            login 403      403      403     403      403     403    403     403
concerns:log                login 200      200      200     200      403     403    403     403
concerns:chronology         login 403      200      200     403      200     403    403     403
concerns:chronology-pdf     login 403      200      200     403      200     403    403     403
concerns:category-edit      login 403      403      403     403      200     403    403     403
concerns:detail             login 403      200      200     403      200     403    403     403
concerns:logged             login 403      200      200     403      200     403    403     403
concerns:change             login 403      200      200     403      200     403    403     403
concerns:close              login 403      200      200     403      200     403    403     403
concerns:entered-in-error   login 403      200      200     403      200     403    403     403
consent:child               login 403      200      200     403      200     403    403     403
consent:record-agreement    login 403      200      200     403      200     403    403     403
consent:withdraw            login 403      200      200     403      200     403    403     403
consent:copies              login 403      200      200     403      200     403    403     403
consent:agreement-error     login 403      200      200     403      200     403    403     403
consent:print-agreement     login 403      200      200     403      200     403    403     403
consent:scan                login 403      200      200     403      200     403    403     403
consent:scan-download       login 403      200      200     403      200     403    403     403
consent:print-form          login 403      200      200     403      200     403    403     403
consent:print-blank         login 200      200      200     200      200     403    403     403
consent:record-sharing      login 403      200      200     403      200     403    403     403
consent:record-request      login 403      200      200     403      200     403    403     403
consent:sharing-error       login 403      200      200     403      200     403    403     403
directory:service           login 200      200      200     200      200     200    200     200
directory:public-service    200   200      200      200     200      200     200    200     200
directory:service-edit      login 403      403      403     403      200     200    404     403
directory:service-confirm*  login 403      403      403     403      done    done   404     403
directory:service-history   login 403      403      403     403      200     200    404     403
directory:organisation-edit login 403      403      403     403      200     403    403     403
directory:category-edit     login 403      403      403     403      200     403    403     403
meetings:arrange            login 403      200      200     403      200     403    403     403
meetings:arrange-concern    login 403      200      200     403      200     403    403     403
meetings:detail             login 403      200      200     403      200     403    403     403
meetings:attendance         login 403      200      403     403      200     403    403     403
meetings:record             login 403      200      403     403      200     403    403     403
meetings:lead               login 403      200      403     403      200     403    403     403
meetings:plan-create        login 403      >plan    403     403      >plan   403    403     403
meetings:print              login 403      200      200     403      200     403    403     403
meetings:calendar           login 403      200      200     403      200     403    403     403
meetings:plan               login 403      200      200     403      200     403    403     403
meetings:outcome-add        login 403      200      403     403      200     403    403     403
meetings:action-add         login 403      200      403     403      200     403    403     403
meetings:plan-close         login 403      200      403     403      200     403    403     403
meetings:action             login 403      200      200     403      200     403    403     403
meetings:send               login 403      200      403     403      200     403    403     403
meetings:correct            login 403      200      403     403      200     403    403     403
meetings:copies             login 403      200      403     403      200     403    403     403
meetings:family-copy        login 403      200      200     403      200     403    403     403
meetings:invitation         login 403      200      200     403      200     403    403     403
meetings:sent-record        login 403      200      200     403      200     403    403     403
meetings:sent-record-pdf    login 403      200      200     403      200     403    403     403
meetings:meeting-error      login 403      200      403     403      200     403    403     403
meetings:plan-error         login 403      200      403     403      200     403    403     403
meetings:action-error       login 403      200      403     403      200     403    403     403
figures:section             login 403      403      200     200      200     403    403     403
figures:csv                 login 403      403      200     200      200     403    403     403
messaging:thread            login 404      200      200     404      404     403    403     403
messaging:message-error     login 404      200      403     404      404     403    403     403
subject_access:child        login 403      403      403     403      200     403    403     403
subject_access:detail       login 403      403      403     403      200     403    403     403
subject_access:edit         login 403      403      403     403      200     403    403     403
subject_access:extend       login 403      403      403     403      200     403    403     403
subject_access:withdraw     login 403      403      403     403      200     403    403     403
subject_access:refuse       login 403      403      403     403      200     403    403     403
subject_access:pdf          login 403      403      403     403      200     403    403     403
subject_access:json         login 403      403      403     403      200     403    403     403
oruk:service                200   200      200      200     200      200     200    200     200
oruk:service-at-location    200   200      200      200     200      200     200    200     200
oruk:taxonomy               200   200      200      200     200      200     200    200     200
oruk:taxonomy-term          200   200      200      200     200      200     200    200     200
oruk:organization           200   200      200      200     200      200     200    200     200
"""

# Each URL parameter, filled from the world (tests/permission_matrix_world.py).
CHILD = {"pk": "child"}
KWARGS: dict[str, dict[str, str]] = {
    "users:detail": {"pk": "managed_user"},
    "users:edit": {"pk": "managed_user"},
    "users:training": {"pk": "managed_user"},
    "users:deactivate": {"pk": "managed_user"},
    "users:reactivate": {"pk": "deactivated_user"},
    "users:send-link": {"pk": "managed_user"},
    "users:reset-second-factor": {"pk": "managed_user"},
    "agencies:edit": {"pk": "agency"},
    "set-password": {"uidb64": "uidb64", "token": "others_token"},
    "audit:alert": {"pk": "alert"},
    "audit:child": CHILD,
    "children:by-ref": {"ref": "lisa_ref"},
    "children:card": CHILD,
    "children:record": CHILD,
    "children:edit": CHILD,
    "children:break-glass": CHILD,
    "children:claim": CHILD,
    "children:add-involvement": CHILD,
    "children:end-involvement": {**CHILD, "item_pk": "involvement"},
    "children:involvement-error": {**CHILD, "item_pk": "involvement"},
    "children:add-parent": CHILD,
    "children:edit-parent": {**CHILD, "item_pk": "parent"},
    "children:parent-error": {**CHILD, "item_pk": "parent"},
    "children:family": CHILD,
    "children:leave-family": CHILD,
    "children:merge": CHILD,
    "children:change-school": CHILD,
    "children:moved-out": CHILD,
    "children:transfer-summary": CHILD,
    "children:retention": CHILD,
    "children:place-hold": CHILD,
    "children:lift-hold": CHILD,
    "children:restore": CHILD,
    "children:transfer-summary-json": {**CHILD, "item_pk": "transfer_summary"},
    "children:transfer-summary-pdf": {**CHILD, "item_pk": "transfer_summary"},
    # An upload waiting to be imported, amara's own (nobody else may reach it).
    "children:import-review": {"token": "pending_import"},
    "children:import-new": {"token": "pending_import"},
    "children:import-into": {"token": "pending_import", **CHILD},
    "children:received-summary": {**CHILD, "item_pk": "received_summary"},
    "concerns:log": {"child_pk": "child"},
    "concerns:chronology": {"child_pk": "child"},
    "concerns:chronology-pdf": {"child_pk": "child"},
    "concerns:category-edit": {"pk": "concern_category"},
    "concerns:detail": {"pk": "concern"},
    "concerns:logged": {"pk": "concern"},
    "concerns:change": {"pk": "concern"},
    "concerns:close": {"pk": "concern"},
    "concerns:entered-in-error": {"pk": "concern"},
    "consent:child": CHILD,
    "consent:record-agreement": {**CHILD, "kind": "consent_kind"},
    "consent:withdraw": {**CHILD, "item_pk": "agreement"},
    "consent:copies": {**CHILD, "item_pk": "agreement"},
    "consent:agreement-error": {**CHILD, "item_pk": "agreement"},
    "consent:print-agreement": {**CHILD, "item_pk": "agreement"},
    "consent:scan": {**CHILD, "item_pk": "agreement"},
    "consent:scan-download": {**CHILD, "item_pk": "agreement"},
    "consent:print-form": {**CHILD, "kind": "consent_kind"},
    "consent:print-blank": {"kind": "consent_kind"},
    "consent:record-sharing": CHILD,
    "consent:record-request": CHILD,
    "consent:sharing-error": {**CHILD, "item_pk": "sharing"},
    "directory:service": {"pk": "service"},
    "directory:public-service": {"pk": "service"},
    "directory:service-edit": {"pk": "service"},
    "directory:service-confirm": {"pk": "service"},
    "directory:service-history": {"pk": "service"},
    "directory:organisation-edit": {"pk": "organisation"},
    "directory:category-edit": {"pk": "directory_category"},
    "figures:section": {"section": "figure_section"},
    "figures:csv": {"section": "figure_section", "key": "figure_key"},
    "meetings:arrange": {"child_pk": "child"},
    "meetings:arrange-concern": {"concern_pk": "concern"},
    "meetings:detail": {"pk": "meeting"},
    "meetings:attendance": {"pk": "meeting"},
    "meetings:record": {"pk": "meeting"},
    "meetings:lead": {"pk": "meeting"},
    "meetings:plan-create": {"pk": "meeting"},
    "meetings:print": {"pk": "meeting"},
    "meetings:calendar": {"pk": "meeting"},
    "meetings:plan": {"pk": "plan"},
    "meetings:outcome-add": {"pk": "plan"},
    "meetings:action-add": {"pk": "plan"},
    "meetings:plan-close": {"pk": "plan"},
    "meetings:action": {"pk": "plan_action"},
    "meetings:send": {"pk": "meeting"},
    "meetings:correct": {"pk": "held_meeting"},
    "meetings:copies": {"pk": "held_meeting"},
    "meetings:family-copy": {"pk": "held_meeting"},
    "meetings:invitation": {"pk": "meeting", "invitee_pk": "family_invitee"},
    "meetings:sent-record": {"pk": "sent_record"},
    "meetings:sent-record-pdf": {"pk": "sent_record"},
    "meetings:meeting-error": {"pk": "meeting"},
    "meetings:plan-error": {"pk": "plan"},
    "meetings:action-error": {"pk": "plan_action"},
    "messaging:thread": {"pk": "thread"},
    "messaging:message-error": {"pk": "thread", "message_pk": "message"},
    "subject_access:child": CHILD,
    "subject_access:detail": {"pk": "subject_access_request"},
    "subject_access:edit": {"pk": "subject_access_request"},
    "subject_access:extend": {"pk": "subject_access_request"},
    "subject_access:withdraw": {"pk": "subject_access_request"},
    "subject_access:refuse": {"pk": "subject_access_request"},
    "subject_access:pdf": {"pk": "released_subject_access_request"},
    "subject_access:json": {"pk": "released_subject_access_request"},
    "oruk:service": {"id": "oruk_service"},
    "oruk:service-at-location": {"id": "oruk_service_at_location"},
    "oruk:taxonomy": {"id": "oruk_taxonomy"},
    "oruk:taxonomy-term": {"id": "oruk_taxonomy_term"},
    "oruk:organization": {"id": "oruk_organization"},
}


def parse(table: str) -> dict[str, tuple[str, dict[str, str]]]:
    """{url name: (method, {persona: expected})} from the table above."""
    lines = [line.split() for line in table.strip().splitlines()]
    heading, rows = lines[0], lines[1:]
    assert heading == ["url", *HEADINGS], heading
    matrix = {}
    for row in rows:
        name, *cells = row
        method = "POST" if name.endswith("*") else "GET"
        name = name.removesuffix("*")
        assert len(cells) == len(PERSONAS), f"{name}: {len(cells)} cells"
        assert name not in matrix, f"{name} is in the table twice"
        matrix[name] = (method, dict(zip(PERSONAS, cells, strict=True)))
    return matrix


MATRIX = parse(MATRIX_TABLE)
CASES = [(name, persona) for name in MATRIX for persona in PERSONAS]
URLS_WITH_IDS = {name for route, name, _ in walk(get_resolver().url_patterns) if "<" in route}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world is built once, inside a transaction that every test nests in (so each test's
    changes roll back) and that is rolled back when the module is done."""
    overrides = override_settings(
        MEDIA_ROOT=str(tmp_path_factory.mktemp("matrix-media")),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    overrides.enable()
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            overrides.disable()
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
    overrides.disable()


@pytest.fixture(scope="module")
def browser():
    """One test client for the whole matrix: each new client loads the middleware again, and
    WhiteNoise then indexes every static file (seconds per client on a busy machine)."""
    return Client()


@pytest.fixture
def visitor(browser, db):
    """The shared client, signed out at the start and end of every test."""
    browser.logout()
    yield browser
    browser.logout()


def _path(name: str, world) -> str:
    return reverse(name, kwargs={param: world.ids[key] for param, key in KWARGS[name].items()})


def _check(expected: str, response, where: str) -> None:
    status = response.status_code
    location = response.get("Location", "")
    got = f"{status} {location}".strip()
    signing_in = status == 302 and location.startswith("/sign-in/?next=")
    if expected == "login":
        assert signing_in, f"{where}: expected a redirect to sign in, got {got}"
    elif expected == "done":
        assert status < 500 and status not in (403, 404, 405) and not signing_in, (
            f"{where}: expected the change to be accepted, got {got}"
        )
    elif expected in REDIRECTS:
        target = REDIRECTS[expected]
        assert status == 302, f"{where}: expected a redirect to {target}, got {got}"
        assert resolve(urlsplit(location).path).view_name == target, (
            f"{where}: expected a redirect to {target}, got {got}"
        )
    elif expected == "void":
        assert status == 200, f"{where}: expected the invalid-link page, got {got}"
        assert b"new_password1" not in response.content, (
            f"{where}: another user's token was accepted"
        )
    else:
        assert status == int(expected), f"{where}: expected {expected}, got {got}"


def test_every_url_with_ids_is_in_the_matrix():
    missing = sorted(URLS_WITH_IDS - set(MATRIX))
    assert not missing, f"add these URLs to the permission matrix: {missing}"
    stale = sorted(set(MATRIX) - URLS_WITH_IDS)
    assert not stale, f"these rows name no URL with parameters: {stale}"
    assert set(KWARGS) == set(MATRIX)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "persona"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_permission(visitor, world, name, persona):
    method, expected = MATRIX[name]
    user = world.people[persona]
    if user is not None:
        visitor.force_login(user, backend="lisa.auth.TrainedUserBackend")
    path = _path(name, world)
    response = visitor.post(path, {}) if method == "POST" else visitor.get(path)
    _check(expected[persona], response, f"{method} {name} as {persona} ({path})")


POST_ONLY = [name for name, (method, _) in MATRIX.items() if method == "POST"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", POST_ONLY)
def test_post_only_views_refuse_get(visitor, world, name):
    """Changes are never made by following a link: GET gives 405 to those who may POST."""
    _, expected = MATRIX[name]
    persona = next(p for p in PERSONAS if expected[p] == "done")
    visitor.force_login(world.people[persona], backend="lisa.auth.TrainedUserBackend")
    response = visitor.get(_path(name, world))
    assert response.status_code == 405, f"GET {name} as {persona}: {response.status_code}"
