"""Property-based fuzzing of every form and query string LISA serves.

The URLconf is walked as tests/lisa/test_urls.py walks it. For each view that reads query
parameters, and each that accepts a POST, a person who may use the page is signed in (a
directory editor first for directory pages, else the practitioner involved with a demo child,
the central team, a designated officer; nobody for public pages), the page's own forms are read
from its HTML (field names, hidden values, the options of radios, checkboxes and selects) and
its view's source gives the query parameters it reads. Hypothesis then sends junk in some
fields and valid values in the rest: random text, NUL bytes, 5,000-character strings, the
right-to-left override, spreadsheet formula prefixes, template syntax, huge numbers, impossible
dates and unpaired surrogates (sent percent-encoded, as a browser or an attacker can).

Properties: no input gets a 5xx; a POST that is refused (anything but a redirect) changes
nothing already stored (every row of the domain apps is compared before and after).
"""

from __future__ import annotations

import inspect
import os
import re
import traceback
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lisa.access import ACCESS_ATTR
from lisa.demo.people import DEMO_PASSWORD

from .conftest import EXAMPLES, TALLY

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# --- the pages ---------------------------------------------------------------------------------


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}", entry.callback


def _source(view) -> str:
    """The view's source and that of the module-level helpers it calls (one level down)."""
    view = inspect.unwrap(view)
    try:
        text = inspect.getsource(view)
        module = inspect.getmodule(view)
    except (OSError, TypeError):
        return ""
    parts = [text]
    for name in set(re.findall(r"\b(_?[a-z]\w*)\(", text)):
        helper = getattr(module, name, None)
        if (
            inspect.isfunction(helper)
            and helper.__module__ == module.__name__
            and helper is not view
        ):
            parts.append(inspect.getsource(helper))
    return "\n".join(parts)


_GET_NAMES = re.compile(
    r"""(?:GET|get|source|query|params)\s*(?:\.get|\.getlist|\.pop)?\s*[\(\[]\s*["'](\w+)["']"""
    r"""|["'](\w+)["']\s+in\s+request\.GET"""
)
_POST_NAMES = re.compile(r"""POST\s*(?:\.get|\.getlist)?\s*[\(\[]\s*["'](\w+)["']""")

ALL = [
    (route, name, view, _source(view)) for route, name, view in walk(get_resolver().url_patterns)
]
# What each view may be sent: query parameters if it reads any, a POST if it takes one.
READS_QUERY = [t for t in ALL if "GET" in t[3] or "get.get(" in t[3]]
TAKES_POST = [
    t for t in ALL if "POST" in t[3] or "require_POST" in t[3] or 'method == "POST"' in t[3]
]
# PDFs take a second or so each to draw: a few inputs are enough for their query strings.
SLOW = {"concerns:chronology-pdf", "consent:print-agreement", "consent:print-form",
        "consent:print-blank", "children:transfer-summary-pdf"}  # fmt: skip


def concrete_path(name: str, route: str, world) -> str:
    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    values = dict(world.kwargs.get(name, {}))
    for prefix, defaults in world.kwargs["_prefix"].items():
        if name.startswith(prefix):
            for key, value in defaults.items():
                values.setdefault(key, value)
    missing = [key for key in params if key not in values]
    if missing:
        pytest.fail(f"no record in the fuzzing world to fill {missing} of {name}: add one")
    return reverse(name, kwargs={key: values[key] for key in params})


def signed_in_client(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        response = client.post("/sign-in/", {"username": user.username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.content[:500]
    return client


def who_may_use(name: str, view, path: str, world):
    """A signed-in client of the first person who may use the page, and its GET response."""
    people = world.people
    if getattr(view, ACCESS_ATTR, None) == "public":
        order = [None, people["morgan"]]
    elif name.startswith("directory:"):
        order = [people["sam"], people["morgan"], people["amara"]]
    else:
        order = [people["amara"], people["morgan"], people["priya"], people["daniel"]]
    fallback = None
    for user in order:
        client = signed_in_client(user)
        response = client.get(path)
        if response.status_code in (200, 405):
            return client, response
        if fallback is None and response.status_code != 403:
            fallback = (client, response)  # e.g. a page that redirects when nothing is pending
    assert fallback is not None, f"nobody among the personas may use {path}"
    return fallback


# --- the forms on a page -----------------------------------------------------------------------


class FormReader(HTMLParser):
    """Every <form> on a page: method, action and fields, each field with the values it offers
    (the value a browser would send first)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name, value, *, chosen=True, kind="text"):
        if not self.forms or not name:
            return
        fields = self.forms[-1]["fields"]
        entry = fields.setdefault(name, {"values": [], "sent": None, "kind": kind})
        if value not in entry["values"]:
            entry["values"].append(value)
        if chosen and entry["sent"] is None:
            entry["sent"] = value

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            method = (a.get("method") or "get").lower()
            self.forms.append({"method": method, "action": a.get("action") or "", "fields": {}})
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                self._add(a.get("name"), a.get("value") or "on", chosen="checked" in a, kind=kind)
            elif kind == "file":
                self._add(a.get("name"), "", kind="file")
            elif kind not in ("submit", "button", "image", "reset"):
                self._add(a.get("name"), a.get("value") or "")
        elif tag == "button" and a.get("name"):
            self._add(a.get("name"), a.get("value") or "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            self._add(self._select, a.get("value") or "", chosen="selected" in a)
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._add(self._textarea, "")

    def handle_data(self, data):
        if self._textarea and self.forms:
            entry = self.forms[-1]["fields"][self._textarea]
            entry["sent"] = (entry["sent"] or "") + data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(response, path: str, method: str) -> dict[str, dict]:
    """The fields of the page's forms that send ``method`` to ``path`` itself."""
    if "html" not in response.get("Content-Type", ""):
        return {}
    reader = FormReader()
    reader.feed(response.content.decode("utf-8", "replace"))
    fields: dict[str, dict] = {}
    for form in reader.forms:
        action = urlsplit(form["action"]).path or path
        if form["method"] == method and action == path:
            for name, entry in form["fields"].items():
                fields.setdefault(name, entry)
    return fields


# --- junk --------------------------------------------------------------------------------------

SPECIAL = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "x" * 5000,
    "é" * 5000,
    "\u202egnp.exe",
    "Amara\u202eokafor",
    "=1+1",
    '=HYPERLINK("http://example.com","x")',
    "+44 20 7946 0000",
    "-2+3",
    "@SUM(A1:A9)",
    "{{ request.user.password }}",
    "{% debug %}",
    "{{ 7|add:7 }}",
    "{% load static %}{% static 'x' %}",
    "9" * 40,
    "-" + "9" * 40,
    "18446744073709551616",
    "-2147483649",
    "1e308",
    "NaN",
    "Infinity",
    "0x7fffffff",
    "2026-02-30",
    "0000-00-00",
    "99999-01-01",
    "2026-13-01",
    "31/02/2026",
    "\ud800",
    "a\udfffb",
    "\udbff\ud800",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../../../etc/passwd",
    "\r\nSet-Cookie: x=1",
    "١٢٣",
    "Ⅻ",
    "０１",
    "null",
    "None",
    "[]",
    "{}",
    "true",
    "SE13 6LH" * 50,
]
IMPOSSIBLE_DATES = [
    ("30", "2", "2026"),
    ("0", "0", "0000"),
    ("1", "1", "99999"),
    ("31", "4", "2026"),
    ("29", "2", "2025"),
    ("-1", "-1", "-1"),
    ("99999999999", "1", "2020"),
    ("1", "99999999999", "2020"),
    ("\x00", "\ud800", "２０２６"),
]

any_character = st.characters(exclude_categories=())  # surrogates included
junk = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(any_character, max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.tuples(st.sampled_from(SPECIAL), st.text(any_character, max_size=8)).map("".join),
    st.dates().map(str),
)


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def urlencoded(pairs) -> str:
    return "&".join(f"{quote(_bytes(k))}={quote(_bytes(v))}" for k, v in pairs)


def draw_pairs(data, fields: dict[str, dict]) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """What to send: each field's own value, except some fields, which get junk (or another of
    their options); sometimes an impossible date across a day/month/year group, sometimes a
    field the form does not have."""
    names = sorted(fields)
    junked: dict[str, str] = {}
    if names:
        chosen = data.draw(st.sets(st.sampled_from(names), min_size=1, max_size=min(4, len(names))))
        for name in sorted(chosen):
            options = [v for v in fields[name]["values"] if v]
            strategy = st.one_of(st.sampled_from(options), junk) if options else junk
            junked[name] = data.draw(strategy, label=name)
        groups = sorted({n[:-2] for n in names if n.endswith("_0") and f"{n[:-2]}_2" in fields})
        if groups and data.draw(st.booleans(), label="impossible date"):
            group = data.draw(st.sampled_from(groups))
            for index, part in enumerate(data.draw(st.sampled_from(IMPOSSIBLE_DATES))):
                junked[f"{group}_{index}"] = part
    if data.draw(st.booleans(), label="extra field"):
        junked[
            data.draw(st.sampled_from(["id", "pk", "user", "child", "__proto__", "version"]))
        ] = data.draw(junk)
    pairs = []
    for name in names:
        if name in junked:
            pairs.append((name, junked[name]))
        elif fields[name]["sent"] is not None:
            pairs.append((name, fields[name]["sent"]))
    pairs += [(name, value) for name, value in junked.items() if name not in fields]
    return pairs, junked


# --- what is stored ----------------------------------------------------------------------------

SNAPSHOT_APPS = ("lisa", "children", "concerns", "meetings", "consent", "directory", "messaging")
# Bookkeeping that may change on a refused request: who last signed in, when a thread was read,
# and the sign-in guards' own counters.
VOLATILE = {"last_login", "last_read_at", "updated_at", "failed_sign_ins", "last_failed_sign_in"}
# The browser's session is its bookkeeping too: a form refused may still note a step in it.
UNSNAPSHOTTED = {"lisa.session"}


def _snapshot_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in SNAPSHOT_APPS
        and model._meta.managed
        and not model._meta.proxy
        and "attempt" not in model._meta.model_name
        and model._meta.label_lower not in UNSNAPSHOTTED
    ]


def _snapshot_sql() -> str:
    """One query: a checksum of every row of every domain table, volatile columns left out."""

    quote_name = connection.ops.quote_name
    drop = " - ".join(f"'{column}'" for column in sorted(VOLATILE))
    parts = []
    for model in _snapshot_models():
        table = quote_name(model._meta.db_table)
        pk = quote_name(model._meta.pk.column)
        parts.append(
            f"SELECT '{model._meta.label}' AS label, md5(coalesce(string_agg("
            f"(to_jsonb(t) - {drop})::text, ',' ORDER BY t.{pk}), '')) AS digest "
            f"FROM {table} AS t"
        )
    return " UNION ALL ".join(parts)


def snapshot() -> dict[str, str]:
    """A digest of each domain table's rows."""

    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql())
        return dict(cursor.fetchall())


def changed_tables(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after.get(label)]


# --- sending -----------------------------------------------------------------------------------


@contextmanager
def send(client: Client, method: str, path: str, pairs, files: dict[str, bytes] | None = None):
    """Send one input, in a savepoint rolled back straight after; count it, and describe any
    server error."""
    TALLY.inputs += 1
    if path.startswith("/api/"):
        cache.clear()  # the open-data throttle would otherwise answer 429 after a while
    savepoint = transaction.savepoint()
    try:
        if method == "get":
            response = client.get(f"{path}?{urlencoded(pairs)}" if pairs else path)
        elif files:
            fields = {k: _bytes(v).decode("utf-8", "replace") for k, v in pairs}
            for name, content in files.items():
                fields[name] = SimpleUploadedFile("scan.pdf", content)
            response = client.post(path, fields)
        else:
            response = client.post(
                path, urlencoded(pairs), content_type="application/x-www-form-urlencoded"
            )
        yield response
    finally:
        transaction.savepoint_rollback(savepoint)


def describe(response, method: str, path: str, junked: dict) -> str:
    return "{} {} fields {}: {}".format(*server_error(response, method, path, junked))


def server_error(response, method: str, path: str, junked: dict) -> tuple[str, str, str, str]:
    where = ""
    first = f"HTTP {response.status_code}"
    if getattr(response, "exc_info", None):
        kind, value, tb = response.exc_info
        first = traceback.format_exception_only(kind, value)[-1].strip()
        frames = traceback.extract_tb(tb)
        # The deepest frame in LISA's own code says where to look.
        ours = [f for f in frames if "site-packages" not in f.filename] or frames
        frame = ours[-1]
        where = f" at {os.path.relpath(frame.filename, ROOT)}:{frame.lineno}"
    return method.upper(), path, repr(junked), f"{first}{where}"


def run(test, examples: int):
    settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )(test)()


# --- the properties ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "name", "view", "source"), READS_QUERY, ids=[t[1] for t in READS_QUERY]
)
def test_no_query_string_gets_a_server_error(world, route, name, view, source):
    path = concrete_path(name, route, world)
    client, page = who_may_use(name, view, path, world)
    fields = {n: {"values": [], "sent": None} for g in _GET_NAMES.findall(source) for n in g if n}
    for field_name, entry in forms_on(page, path, "get").items():
        fields[field_name] = entry
    fields.setdefault("page", {"values": ["1", "2"], "sent": None})
    for entry in fields.values():
        entry["sent"] = None  # a query string carries only what the example chooses

    @given(data=st.data())
    def property_(data):
        pairs, junked = draw_pairs(data, fields)
        with send(client, "get", path, pairs) as response:
            if response.status_code >= 500:
                TALLY.server_errors.append(server_error(response, "get", path, junked))
            assert response.status_code < 500, describe(response, "get", path, junked)

    run(property_, max(3, EXAMPLES // 10) if name in SLOW else EXAMPLES)


@pytest.mark.parametrize(
    ("route", "name", "view", "source"), TAKES_POST, ids=[t[1] for t in TAKES_POST]
)
def test_no_form_input_gets_a_server_error_and_a_refusal_changes_nothing(
    world, route, name, view, source
):
    path = concrete_path(name, route, world)
    client, page = who_may_use(name, view, path, world)
    fields = forms_on(page, path, "post")
    if not fields:  # a button elsewhere posts here: the view's own names, or a reason
        names = set(_POST_NAMES.findall(source)) or {"reason"}
        fields = {n: {"values": [], "sent": "", "kind": "text"} for n in names}
    file_fields = [n for n, entry in fields.items() if entry.get("kind") == "file"]
    before = snapshot()

    @given(data=st.data())
    def property_(data):
        pairs, junked = draw_pairs(data, fields)
        files = {}
        for name_ in file_fields:
            pairs = [(k, v) for k, v in pairs if k != name_]
            files[name_] = data.draw(
                st.one_of(st.binary(max_size=300), st.sampled_from(SPECIAL).map(_bytes)),
                label=name_,
            )
        with send(client, "post", path, pairs, files) as response:
            if response.status_code >= 500:
                TALLY.server_errors.append(server_error(response, "post", path, junked))
            assert response.status_code < 500, describe(response, "post", path, junked)
            if response.status_code != 302:
                changed = changed_tables(before, snapshot())
                assert not changed, (
                    f"POST {path} was refused ({response.status_code}) but changed {changed}; "
                    f"fields {junked!r}"
                )

    run(property_, EXAMPLES)
