"""No address LISA serves or links to carries a child's personal data or a token.

Addresses end up in browser history, server and proxy logs and Referer headers. This test signs
in as the central team and as a practitioner, starts at the home page and, breadth first, follows
every link and submits every form of every page (with a child's name, date of birth, postcode
and NHS number wherever a form asks for such things), and fails on any address requested, linked
(``href``, ``src``, ``action``, ``formaction``) or redirected to (``Location``) that contains the
child's names, date of birth, postcode or NHS number, or a CSRF token.

A few GET forms exist for things that are not a child's personal data (the service directory's
search, the list of users by staff name, the audit trail's filters by username, LISA reference
and dates, the chronology's and the figures' filters by dates): :data:`GET_FORM_VALUES` fills
them with what they are for. Any other field of a GET form gets the child's data, so a new GET
form asking for it fails here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, unquote_plus, urlencode, urljoin, urlsplit

import pytest

from children.models import Family, HowBegan, ParentalResponsibility
from tests.children.conftest import involve, make_child
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

MAX_REQUESTS = 300

CHILD = {
    "forenames": "Ximena",
    "surname": "Ferreira-Quist",
    "date_of_birth": dt.date(2018, 11, 23),
    "postcode": "SE6 4RT",
    "nhs_number": "9434765919",
}
SIBLING = {
    "forenames": "Leopold",
    "surname": "Ferreira-Quist",
    "date_of_birth": dt.date(2016, 2, 7),
    "postcode": "SE6 4RT",
    "nhs_number": "4010232137",
}

# Forms that must not be submitted by the crawl: they would end the session it runs in.
NOT_SUBMITTED = re.compile(
    r"/sign-out/|/deactivate/|/reset-two-step/|/two-step-verification/|/change-password/"
)
# Not fetched (their addresses are still checked): downloads that link nowhere and are slow.
NOT_FETCHED = re.compile(r"/print/|/print-|\.csv$|/download/|^/static/|^/media/|^/api/")

# GET forms for things that are not a child's personal data, and what a person types in them.
GET_FORM_VALUES = [
    (re.compile(r"^/directory/"), {"q": "parenting", "postcode": "SE10 9GB", "age": "7"}),
    (re.compile(r"^/users/"), {"q": "Okafor"}),
    (re.compile(r"^/figures/"), {"date_from": "1/4/2026", "date_to": "30/6/2026"}),
    (
        re.compile(r"^/audit/"),
        {"user": "amara.okafor", "child": "{lisa_ref}", "date_from": "1/1/2026", "date_to": ""},
    ),
    (
        re.compile(r"^/concerns/children/\d+/chronology/"),
        {
            "start_0": "1",
            "start_1": "1",
            "start_2": "2026",
            "end_0": "31",
            "end_1": "12",
            "end_2": "2026",
        },
    ),
]


# --- what must never be in an address -------------------------------------------------------


def forbidden_terms(child: dict) -> list[str]:
    born = child["date_of_birth"]
    nhs = child["nhs_number"]
    surname = child["surname"].lower()
    postcode = child["postcode"].lower()
    terms = [
        child["forenames"].lower(),
        surname,
        *(part for part in re.split(r"[- ]", surname) if len(part) > 3),
        born.isoformat(),
        born.strftime("%d/%m/%Y"),
        f"{born.day}/{born.month}/{born.year}",
        born.strftime("%d-%m-%Y"),
        born.strftime("%d.%m.%Y"),
        born.strftime("%d%m%Y"),
        postcode,
        postcode.replace(" ", ""),
        nhs,
        f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}",
        "csrfmiddlewaretoken",
    ]
    return list(dict.fromkeys(terms))


def leaks_in(url: str, children: list[dict]) -> list[str]:
    """What of ``children``'s personal data (or a token) ``url`` carries."""
    plain = unquote_plus(url).lower()
    found = [term for child in children for term in forbidden_terms(child) if term in plain]
    # A date typed into a day, month and year field: name_0, name_1, name_2.
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    for key, day in query.items():
        if not key.endswith("_0"):
            continue
        stem = key[:-2]
        parts = (day, query.get(f"{stem}_1", ""), query.get(f"{stem}_2", ""))
        for child in children:
            born = child["date_of_birth"]
            if tuple(p.lstrip("0") for p in parts) == (
                str(born.day),
                str(born.month),
                str(born.year),
            ):
                found.append(f"date of birth in {stem}_0/1/2")
    return list(dict.fromkeys(found))


def test_the_check_catches_what_it_must():
    for url in (
        "/children/?q=Ximena",
        "/children/?q=ferreira-quist",
        "/children/?q=FERREIRA%2BQUIST",
        "/children/?postcode=se6+4rt",
        "/children/?postcode=SE64RT",
        "/children/?date_of_birth_0=23&date_of_birth_1=11&date_of_birth_2=2018",
        "/children/?q=23%2F11%2F2018",
        "/children/?q=943+476+5919",
        "/x/?csrfmiddlewaretoken=abc",
    ):
        assert leaks_in(url, [CHILD]), url
    for url in ("/children/?s=Zk3q9xYb2mPq7rTn1wVc", "/children/12/", "/audit/?child=L1234567K"):
        assert not leaks_in(url, [CHILD]), url


# --- reading pages ----------------------------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    # name, type, value, checked
    fields: list[tuple[str, str, str, bool]] = field(default_factory=list)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # name, value, formaction
    selects: dict[str, list[str]] = field(default_factory=dict)


class Page(HTMLParser):
    """The addresses a page mentions, its links and its forms."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.addresses: list[str] = []
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src", "action", "formaction"):
            if attrs.get(name):
                self.addresses.append(attrs[name])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = Form((attrs.get("method") or "get").lower(), attrs.get("action") or "")
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "image"):
                self._form.buttons.append(
                    (attrs.get("name") or "", attrs.get("value") or "", attrs.get("formaction"))
                )
            elif attrs.get("name"):
                self._form.fields.append(
                    (attrs["name"], kind, attrs.get("value") or "", "checked" in attrs)
                )
        elif tag == "button" and (attrs.get("type") or "submit").lower() == "submit":
            self._form.buttons.append(
                (attrs.get("name") or "", attrs.get("value") or "", attrs.get("formaction"))
            )
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
            self._form.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self._form.selects[self._select].append(attrs.get("value") or "")
        elif tag == "textarea" and attrs.get("name"):
            self._form.fields.append((attrs["name"], "textarea", "", False))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


# --- filling forms ----------------------------------------------------------------------------


def child_value(name: str, kind: str, child: dict) -> str | None:
    """What a person would type into field ``name`` about ``child``."""
    born = child["date_of_birth"]
    full_name = f"{child['forenames']} {child['surname']}"
    if kind == "password":
        return "not-the-password"
    if kind == "email" or "email" in name:
        return "crawler@example.org"
    if "phone" in name:
        return "020 7946 0000"
    if re.search(r"_0$", name):
        return str(born.day)
    if re.search(r"_1$", name):
        return str(born.month)
    if re.search(r"_2$", name):
        return str(born.year)
    if "date" in name or name in ("start", "end", "signed_on"):
        return born.strftime("%d/%m/%Y")
    if "postcode" in name:
        return child["postcode"]
    if "nhs" in name:
        return child["nhs_number"]
    if name in ("surname", "last_name"):
        return child["surname"]
    if name in ("forenames", "first_name"):
        return child["forenames"]
    if kind == "number" or name in ("position", "age", "minimum_age", "maximum_age"):
        return "7"
    if name in ("q", "name", "find", "search", "other_names"):
        return full_name
    return f"About {full_name}, born {born:%d/%m/%Y}, of {child['postcode']}"


def fill(form: Form, path: str, child: dict, lisa_ref: str) -> list[tuple[str, str]]:
    """The data a person would submit with ``form`` (on the page at ``path``)."""
    special = {}
    if form.method == "get":
        for pattern, values in GET_FORM_VALUES:
            if pattern.search(path):
                special = {k: v.format(lisa_ref=lisa_ref) for k, v in values.items()}
    data: list[tuple[str, str]] = []
    chosen: set[str] = set()
    for name, kind, value, _checked in form.fields:
        if kind == "hidden":
            data.append((name, value))
        elif kind in ("radio", "checkbox"):
            if name not in chosen:  # the first choice of each group
                data.append((name, value or "on"))
                chosen.add(name)
        elif kind == "file":
            continue
        elif name in special:
            data.append((name, special[name]))
        else:
            data.append((name, child_value(name, kind, child)))
    for name, options in form.selects.items():
        choice = next((o for o in options if o), "")
        data.append((name, special.get(name, choice)))
    return data


# --- the crawl --------------------------------------------------------------------------------


@pytest.fixture
def family(agencies, amara):
    household = Family.objects.create()
    child = make_child(
        **CHILD, family=household, address_line_1="41 Invented Terrace", school="Cedar Rise"
    )
    sibling = make_child(**SIBLING, family=household, address_line_1="41 Invented Terrace")
    ParentalResponsibility.objects.create(
        child=child, name="Rosalind Ferreira-Quist", relationship="mother", phone="020 1"
    )
    involve(amara, child, how_began=HowBegan.LEAD_PROFESSIONAL, lead_professional=True)
    return child, sibling


def crawl(client, user, lisa_ref: str) -> tuple[list[tuple[str, str, list[str]]], int]:
    """Every leak found as (where, address, terms), and how many requests were made."""
    children = [CHILD, SIBLING]
    leaks: list[tuple[str, str, list[str]]] = []

    def check(where: str, address: str) -> None:
        found = leaks_in(address, children)
        if found:
            leaks.append((where, address, found))

    def sign_in() -> None:
        client.logout()
        response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302

    sign_in()
    queue: deque[tuple[str, str, list[tuple[str, str]] | None, str]] = deque(
        [("get", "/", None, "start")]
    )
    seen: set[str] = {"get /"}
    requests = 0
    while queue and requests < MAX_REQUESTS:
        method, url, data, came_from = queue.popleft()
        check(f"requested from {came_from}", url)
        requests += 1
        if method == "post":
            body: dict[str, list[str]] = {}
            for name, value in data or []:
                body.setdefault(name, []).append(value)
            response = client.post(url, body)
        else:
            response = client.get(url)
        location = response.headers.get("Location")
        path = urlsplit(url).path
        if location:
            check(f"Location of {method.upper()} {path}", location)
            if location.startswith("/sign-in/"):
                sign_in()
            target = urljoin(url, location)
            key = f"get {target}"
            if key not in seen and not NOT_FETCHED.search(urlsplit(target).path):
                seen.add(key)
                queue.append(("get", target, None, f"redirect from {path}"))
            continue
        if "text/html" not in response.headers.get("Content-Type", ""):
            continue
        page = Page()
        page.feed(response.content.decode())
        for address in page.addresses:
            check(f"linked on {path}", address)
        for href in page.links:
            target = urljoin(url, href.split("#")[0])
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            key = f"get {target}"
            if key in seen or NOT_FETCHED.search(parts.path) or "sign-out" in parts.path:
                continue
            seen.add(key)
            queue.append(("get", target, None, path))
        for form in page.forms:
            actions = [form.action] + [b[2] for b in form.buttons if b[2]]
            for action in dict.fromkeys(actions):
                target = urljoin(url, action or url)
                target_path = urlsplit(target).path
                if NOT_SUBMITTED.search(target_path) or NOT_FETCHED.search(target_path):
                    continue
                values = fill(form, path, CHILD, lisa_ref)
                named = [b for b in form.buttons if b[0] and (b[2] or "") == (action or "")]
                if named:
                    values.append((named[0][0], named[0][1]))
                key = f"{form.method} {target_path} {sorted({k for k, _ in values})}"
                if key in seen:
                    continue
                seen.add(key)
                if form.method == "get":
                    query = urlencode(values)
                    queue.append(("get", f"{target.split('?')[0]}?{query}", None, f"form {path}"))
                else:
                    queue.append(("post", target, values, f"form on {path}"))
    return leaks, requests


@pytest.mark.parametrize("who", ["morgan", "amara"])
def test_no_address_carries_a_childs_personal_data_or_a_token(client, personas, family, who):
    child, _ = family
    client.raise_request_exception = False
    leaks, requests = crawl(client, personas[who], child.lisa_ref)
    assert requests > 40, "the crawl reached too few pages to mean anything"
    assert not leaks, "\n".join(
        f"{where}: {address} ({', '.join(terms)})" for where, address, terms in leaks
    )


def test_the_child_search_is_reached_and_made_by_the_crawl(client, personas, family):
    """The crawl does post the search: its results page (an opaque address) links to the
    child, so a search by GET would have been caught above."""
    from audit.models import Action, AuditEvent

    client.raise_request_exception = False
    crawl(client, personas["amara"], family[0].lisa_ref)
    searches = AuditEvent.objects.filter(action=Action.SEARCH, user=personas["amara"])
    assert any(
        event.detail.get("q") == f"{CHILD['forenames']} {CHILD['surname']}" for event in searches
    )
