"""The load test's workload, run by locust (``manage.py loadtest`` starts it; see loadtest/).

Three kinds of simulated people, in the numbers the plan gives:

- **Practitioners** sign in once through the real sign-in form, with the code of their
  authenticator app (the second factor is required, as in production), then work: search the
  child index (the search form, the search itself, its results) and open the card of a child
  found; open the full record of a child they work with; look at their home page, their
  messages and the Service Directory; now and then log a concern through the real form. Their
  first pass goes through every one of these once, as at the start of a day.
- **Members of the public** search the public Service Directory and read the open-data API.
- **A monitor** asks ``/health/`` at a fixed rate, so that its latency, measured in the same
  run on the same machine, is the baseline the other pages are compared with.

Every request is sent to the host locust is given, which must be the loopback address, and no
redirect is followed automatically: each is checked and followed by hand, so nothing can lead
the load elsewhere. Every answer is checked (status, where a redirect leads, what the page
must hold): anything else counts as a failure. Each person sends an ``X-Forwarded-For`` of
their own (documentation addresses), as a load balancer would, so that the per-address limits
(the open-data API's, the sign-in lockout) see many people rather than one.

With ``alone`` in the plan (``manage.py loadtest --alone``), none of those: the plan's people
ask for that one page again and again with no pause (signed in first where it needs it), so
that its requests per second can be set beside ``/health/``'s, measured the same way.

The plan (a JSON file named by ``LISA_LOADTEST_PLAN``) holds the people and what they search
for; at the end every response time is written to the results file the plan names. Only the
standard library, locust and :mod:`lisa.processes` (which needs nothing else) are used here:
this runs in locust's own process, without Django.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, between, constant, constant_throughput, events, task
from locust.exception import StopUser

# The checkout is on the path: locust runs from it, with ``python -m``.
from lisa.processes import Form, read_form, with_values

LOOPBACK = {"127.0.0.1", "::1"}
PLAN_VARIABLE = "LISA_LOADTEST_PLAN"
if not os.environ.get(PLAN_VARIABLE):
    raise SystemExit(f"Run the load test with `manage.py loadtest` ({PLAN_VARIABLE} is not set).")
PLAN = json.loads(Path(os.environ[PLAN_VARIABLE]).read_text())
USER_AGENT = "LISA load test"
ALONE = PLAN.get("alone")  # the one page asked for again and again, or None: the mixed workload

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CARD_LINK = re.compile(r'href="/children/(\d+)/"')
ERROR_LINKS = re.compile(r'<li>\s*<a href="#[^"]*">([^<]*)</a>')


# --- what is measured ---------------------------------------------------------------------------

_times: dict[str, list[float]] = {}
_failures: Counter[str] = Counter()
_errors: Counter[tuple[str, str]] = Counter()
_hosts: set[str] = set()
_window: dict[str, float] = {}
_answered: dict[str, list[float]] = {}  # per page: when the first and the last answer came


@events.test_start.add_listener
def _started(environment, **kwargs):
    host = urlsplit(environment.host or "").hostname
    if host not in LOOPBACK:
        _errors[("load test", f"refused to send traffic to {environment.host!r}")] += 1
        environment.runner.quit()
        return
    _window["start"] = time.time()


@events.request.add_listener
def _record(name, response_time, exception=None, url=None, **kwargs):
    _times.setdefault(name, []).append(response_time)
    now = time.time()
    _answered.setdefault(name, [now, now])[1] = now
    _hosts.add(urlsplit(url or "").hostname or "")
    if exception is not None:
        _failures[name] += 1
        _errors[(name, str(exception)[:300])] += 1


@events.user_error.add_listener
def _workload_error(user_instance, exception, tb, **kwargs):
    _errors[("workload", f"{type(exception).__name__}: {exception}"[:300])] += 1


@events.test_stop.add_listener
def _stopped(environment, **kwargs):
    _window["stop"] = time.time()
    results = {
        "started": _window.get("start", _window["stop"]),
        "stopped": _window["stop"],
        "hosts": sorted(_hosts),
        "pages": {
            name: {"times": times, "failures": _failures[name], "answered": _answered[name]}
            for name, times in _times.items()
        },
        "errors": [
            {"page": page, "error": error, "count": count}
            for (page, error), count in _errors.most_common()
        ],
    }
    Path(PLAN["results"]).write_text(json.dumps(results))


# --- what a browser does ------------------------------------------------------------------------


def totp(key_hex: str, at: float | None = None) -> str:
    """The six-digit code an authenticator app shows now for a TOTP key (RFC 6238: SHA-1,
    30-second steps from the epoch), as django-otp's default device expects."""
    counter = int((time.time() if at is None else at) // 30)
    mac = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class Browser(FastHttpUser):
    """A person's browser: its own cookies and address; redirects are followed by hand."""

    abstract = True
    _addresses = itertools.count(1)

    def on_start(self):
        number = next(Browser._addresses)
        # Documentation addresses (RFC 5737), one a person, as the load balancer would pass on.
        block = ("198.51.100", "203.0.113")[number // 250 % 2]
        self.headers = {"X-Forwarded-For": f"{block}.{number % 250 + 1}", "User-Agent": USER_AGENT}

    def think(self, times: float = 1.0) -> None:
        """Pause as a person does between the steps of one thing (reading, typing): ``times``
        the think time, give or take a half."""
        time.sleep(times * PLAN["think_seconds"] * random.uniform(0.5, 1.5))

    def get(self, path: str, name: str, expect: int = 200, must: str = "", leads_to: str = ""):
        """GET ``path``; a failure unless the status is ``expect`` and the page holds ``must``
        (or, for a redirect, it leads to a path starting with ``leads_to``)."""
        with self.client.get(
            path, name=name, headers=self.headers, allow_redirects=False, catch_response=True
        ) as response:
            self._check(response, expect, must, leads_to)
        return response

    def post(self, path: str, fields, name: str, leads_to: str, expect: int = 302):
        headers = {**self.headers, "Content-Type": "application/x-www-form-urlencoded"}
        body = urlencode(fields, doseq=True)
        with self.client.post(
            path,
            data=body,
            name=name,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self._check(response, expect, leads_to=leads_to)
        return response

    @staticmethod
    def _check(response, expect: int, must: str = "", leads_to: str = "") -> None:
        if response.status_code != expect:
            where = response.headers.get("Location", "") if response.headers else ""
            # A form sent back with errors: say which (the GOV.UK error summary's links).
            errors = ERROR_LINKS.findall(response.text or "") if response.status_code == 200 else []
            said = f" ({'; '.join(e.strip() for e in errors)})" if errors else ""
            response.failure(
                f"answered {response.status_code}{' to ' + where if where else ''}{said}"
            )
            return
        if expect in (301, 302, 303):
            target = urlsplit(response.headers.get("Location", ""))
            if target.netloc or target.scheme:
                response.failure(f"redirected off the site, to {target.geturl()!r}")
                return
            if not target.path.startswith(leads_to):
                response.failure(f"redirected to {target.path!r}, not {leads_to!r}")
                return
        if must and must not in (response.text or ""):
            response.failure(f"the page lacks {must!r}")
            return
        response.success()

    @staticmethod
    def location(response) -> str | None:
        """Where a redirect leads on this site, or None (a failure already recorded)."""
        if response.status_code not in (301, 302, 303):
            return None
        target = urlsplit(response.headers.get("Location", ""))
        if target.netloc or target.scheme:
            return None
        return target.path + (f"?{target.query}" if target.query else "")

    @staticmethod
    def token(response) -> str:
        found = CSRF.search(response.text or "")
        return found[1] if found else ""


# --- practitioners ------------------------------------------------------------------------------


class Practitioner(Browser):
    """A practitioner at work: signed in once, then searching, reading and now and then
    logging a concern."""

    fixed_count = PLAN["practitioner_count"]
    wait_time = between(PLAN["think_seconds"] * 0.5, PLAN["think_seconds"] * 1.5)
    _people = itertools.count()

    def on_start(self):
        super().on_start()
        people = PLAN["practitioners"]
        self.person = people[next(Practitioner._people) % len(people)]
        self.rng = random.Random(self.person["username"])
        if not self.sign_in():
            # The failure is recorded; pages without a session would only repeat it.
            raise StopUser()
        # The first pass goes through every page once.
        self.messages()
        self.search()
        self.record()
        self.directory()
        self.log_concern()

    def sign_in(self) -> bool:
        form = self.get("/sign-in/", "sign in: form", must="csrfmiddlewaretoken")
        self.think()
        fields = {
            "csrfmiddlewaretoken": self.token(form),
            "username": self.person["username"],
            "password": self.person["password"],
        }
        answer = self.post("/sign-in/", fields, "sign in: password", leads_to="/")
        target = self.location(answer)
        if target is None:
            return False
        # Signed in with the password alone the person may do nothing but enter the code.
        step = self.get(target, "sign in: to the code", expect=302, leads_to="/sign-in/code/")
        code_page = self.location(step)
        if code_page is None or not code_page.startswith("/sign-in/code/"):
            return False
        page = self.get(code_page, "sign in: code form", must="one-time-code")
        self.think()
        fields = {"csrfmiddlewaretoken": self.token(page), "code": totp(self.person["key"])}
        answer = self.post(code_page, fields, "sign in: code", leads_to="/")
        home = self.location(answer)
        if home is None:
            return False
        self.get(home, "home")
        return True

    @task(6)
    def search(self):
        form = self.get("/children/", "child search: form", must="csrfmiddlewaretoken")
        self.think()
        terms = self.rng.choice(PLAN["searches"])
        # The date of birth as typed into the GOV.UK date input: day, month, year.
        born = terms["date_of_birth"]
        year, month, day = born.split("-") if born else ("", "", "")
        fields = {
            "csrfmiddlewaretoken": self.token(form),
            "q": terms["q"],
            "date_of_birth_0": day.lstrip("0"),
            "date_of_birth_1": month.lstrip("0"),
            "date_of_birth_2": year,
            "postcode": terms["postcode"],
        }
        answer = self.post("/children/", fields, "child search: submit", leads_to="/children/")
        target = self.location(answer)
        if target is None or "?s=" not in target:
            return
        results = self.get(target, "child search: results", must="csrfmiddlewaretoken")
        found = CARD_LINK.findall(results.text or "")
        self.think()
        child = self.rng.choice(found[:5]) if found else self.rng.choice(PLAN["children"])
        self.get(f"/children/{child}/", "child card")

    @task(3)
    def record(self):
        child = self.rng.choice(self.person["involved"])
        self.get(f"/children/{child}/record/", "child record")

    @task(2)
    def home(self):
        self.get("/", "home")

    @task(2)
    def messages(self):
        self.get("/messages/", "messages")

    @task(2)
    def directory(self):
        query = urlencode({"q": self.rng.choice(PLAN["directory_terms"])})
        self.get(f"/directory/?{query}", "directory search")

    @task(1)
    def log_concern(self):
        child = self.rng.choice(self.person["involved"])
        path = f"/concerns/children/{child}/new/"
        page = self.get(path, "concern: form", must="csrfmiddlewaretoken")
        if page.status_code != 200:
            return
        self.think(4)  # a form to fill in
        form = read_form(page.text or "", "what_was_seen") or Form()
        categories = form.choices.get("categories") or []
        fields = with_values(
            form.fields,
            level=self.rng.choice(["1", "2", "2", "3"]),
            categories=self.rng.sample(categories, min(len(categories), self.rng.choice([1, 2]))),
            what_was_seen="Came to nursery hungry again and said there was no breakfast "
            "(invented, load test).",
            discussed_with_parent="yes",
            action_agreed="Breakfast club offered; check in with the family next week.",
            outcome=self.rng.choice(["resolved_in_agency", "multi_agency"]),
        )
        answer = self.post(path, fields, "concern: submit", leads_to="/concerns/")
        target = self.location(answer)
        if target is not None:
            self.get(target, "concern: logged")


# --- the public and the monitor -----------------------------------------------------------------


class Public(Browser):
    """Someone looking for a service, in the public directory or through the open-data API."""

    fixed_count = PLAN["public_count"]
    wait_time = between(PLAN["think_seconds"] * 0.5, PLAN["think_seconds"] * 1.5)

    def on_start(self):
        super().on_start()
        self.rng = random.Random(self.headers["X-Forwarded-For"])
        self.directory()
        self.api()

    @task(3)
    def directory(self):
        query = urlencode({"q": self.rng.choice(PLAN["directory_terms"])})
        self.get(f"/directory/public/?{query}", "public directory search")

    @task(2)
    def api(self):
        query = urlencode({"text": self.rng.choice(PLAN["directory_terms"]), "per_page": 20})
        self.get(f"/api/directory/services?{query}", "open-data API", must='"total_items"')


class Monitor(Browser):
    """A load balancer's probe: ``/health/`` at a fixed rate, the baseline."""

    fixed_count = 1
    wait_time = constant_throughput(PLAN["health_per_second"])

    @task
    def health(self):
        self.get("/health/", "health", must='"ok"')


# --- one page alone -----------------------------------------------------------------------------


class OnePage(Browser):
    """``--alone``: one page, asked for again and again as soon as it answers. A practitioner
    signs in first (not counted in the page's rate); the results shown again are those of a
    search made once at the start."""

    abstract = not ALONE
    fixed_count = PLAN.get("alone_users", 0)
    wait_time = constant(0)
    _people = itertools.count()
    SIGNED_OUT = {"health", "public directory search", "open-data API"}

    def on_start(self):
        super().on_start()
        self.rng = random.Random(self.headers["X-Forwarded-For"])
        if ALONE in self.SIGNED_OUT:
            return
        people = PLAN["practitioners"]
        self.person = people[next(OnePage._people) % len(people)]
        self.rng = random.Random(self.person["username"])
        if not Practitioner.sign_in(self):
            raise StopUser()
        self.results = None
        if ALONE == "child search: results":
            form = self.get("/children/", "before: search form", must="csrfmiddlewaretoken")
            terms = {"csrfmiddlewaretoken": self.token(form), "q": PLAN["searches"][0]["q"]}
            answer = self.post("/children/", terms, "before: search", leads_to="/children/")
            self.results = self.location(answer)
            if self.results is None:
                raise StopUser()

    @task
    def again(self):
        if ALONE == "health":
            self.get("/health/", "health", must='"ok"')
        elif ALONE == "child card":
            self.get(f"/children/{self.rng.choice(PLAN['children'])}/", "child card")
        elif ALONE == "child record":
            Practitioner.record(self)
        elif ALONE == "home":
            self.get("/", "home")
        elif ALONE == "child search: form":
            self.get("/children/", "child search: form", must="csrfmiddlewaretoken")
        elif ALONE == "child search: results":
            self.get(self.results, "child search: results", must="csrfmiddlewaretoken")
        elif ALONE == "directory search":
            Practitioner.directory(self)
        elif ALONE == "public directory search":
            Public.directory(self)
        elif ALONE == "open-data API":
            Public.api(self)
        else:
            _errors[("load test", f"no page called {ALONE!r}")] += 1
            raise StopUser()


if ALONE:
    Practitioner.abstract = Public.abstract = Monitor.abstract = True
