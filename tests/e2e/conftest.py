"""Browser journeys: Chromium, driven by Playwright, against a live LISA server.

One browser is started for all the journeys; each test gets its own browser context (no shared
cookies) whose base URL is pytest-django's live server, so ``page.goto("/sign-in/")`` works.

Every page a journey reaches is checked by ``check(page)``:

* the browser console has reported no JavaScript error and no Content-Security-Policy
  violation since the last check;
* GOV.UK Frontend has initialised every component on the page;
* axe-core finds no serious or critical WCAG 2.2 AA violation.

The ``page`` fixture records every document the browser loads. A journey that reaches a page
without checking it fails at the end, naming the page, so a page cannot be missed by accident.
Use ``visit`` (go to a path), ``follow`` (click something that loads a new page) and
``submit`` (alias of ``follow`` for buttons): each checks the page it lands on.

Chromium is Debian's (``/usr/bin/chromium``, or ``LISA_CHROMIUM``). Without it the journeys are
skipped with a warning in the summary; with ``LISA_REQUIRE_BROWSER=1`` (as in CI) they fail.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD

E2E_DIR = Path(__file__).resolve().parent
PROJECT_DIR = E2E_DIR.parents[1]
CHROMIUM = os.environ.get("LISA_CHROMIUM") or "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("LISA_REQUIRE_BROWSER", "") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_PATH = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 10_000

AXE_RUN = """
async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(' '), html: n.html})),
  }));
}
"""

# GOV.UK Frontend marks each component it has initialised with data-<module>-init; one without
# it means initAll() did not run (the module script was blocked or failed) or the component threw.
UNINITIALISED_COMPONENTS = """
() => Array.from(document.querySelectorAll('[data-module^="govuk-"]'))
  .filter((el) => !el.hasAttribute(`data-${el.dataset.module}-init`))
  .map((el) => el.outerHTML.slice(0, 160))
"""

# Reported to the console as an error, so that CSP violations are caught even where Chromium's
# own "Refused to ..." message would be worded differently.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  const where = e.sourceFile ? ` in ${e.sourceFile}:${e.lineNumber}` : '';
  const blocked = e.blockedURI || 'inline';
  console.error(`CSP violation: ${e.violatedDirective} blocked ${blocked}${where}`);
});
"""


def _browser_problem() -> str | None:
    """Why the journeys cannot run here, or None when they can."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (
            f"no Chromium at {CHROMIUM}; install Debian's chromium "
            "(apt-get install chromium) or set LISA_CHROMIUM"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -e '.[dev]')"
    if not AXE_PATH.is_file():
        return f"axe-core is missing at {AXE_PATH} (npm ci)"
    return None


BROWSER_PROBLEM = _browser_problem()
_skipped: list[str] = []
_axe_findings: dict[tuple[str, str, str], set[str]] = defaultdict(set)


# --- collection and the summary --------------------------------------------------------------


def _is_journey(item: pytest.Item) -> bool:
    return E2E_DIR in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not _is_journey(item):
            continue
        item.add_marker(pytest.mark.e2e)
        if BROWSER_PROBLEM and not REQUIRE_BROWSER:
            item.add_marker(pytest.mark.skip(reason=f"BROWSER TESTS SKIPPED: {BROWSER_PROBLEM}"))
            _skipped.append(item.nodeid)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _skipped:
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(_skipped)} browser journeys did not run: {BROWSER_PROBLEM}.", red=True
        )
        terminalreporter.write_line(
            "Accessibility, CSP and JavaScript checks were NOT made. "
            "Set LISA_REQUIRE_BROWSER=1 to make this an error.",
            red=True,
        )
    advisory = {k: v for k, v in _axe_findings.items() if k[1] not in FAILING_IMPACTS}
    if advisory:
        terminalreporter.write_sep("-", "axe: moderate and minor findings (not failures)")
        for (rule, impact, help_text), where in sorted(advisory.items()):
            terminalreporter.write_line(f"{rule} ({impact}): {help_text}")
            for entry in sorted(where):
                terminalreporter.write_line(f"    {entry}")


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="package", autouse=True)
def async_unsafe_allowed():
    """While Playwright's sync API is running, its event loop is "running" in this thread, and
    Django would refuse the test code's own database queries as async-unsafe.

    Set for the journeys only, and unset after them: the variable must not leak into the rest
    of the suite (``manage.py check --deploy`` run by another test reports it as an error)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(async_unsafe_allowed):
    """One Chromium for all the journeys (they all live in this package). It is closed after
    the last journey so that Playwright's event loop is gone before any other test runs."""
    if BROWSER_PROBLEM:
        pytest.fail(
            f"BROWSER TESTS CANNOT RUN: {BROWSER_PROBLEM} (LISA_REQUIRE_BROWSER=1)", pytrace=False
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


class PageWatch:
    """What happened in one page: the documents loaded, which were checked, and any console
    errors, uncaught exceptions or CSP violations not yet reported."""

    def __init__(self, page, axe_source: str):
        self.axe_source = axe_source
        self.documents: list[str] = []
        self.checked: set[int] = set()
        self.problems: list[str] = []
        self.allowed: list[re.Pattern] = []
        page.on("domcontentloaded", self._loaded)
        page.on("console", self._console)
        page.on("pageerror", self._page_error)

    def _loaded(self, page) -> None:
        if not page.url.startswith("about:"):
            self.documents.append(page.url)

    def _console(self, message) -> None:
        text = message.text
        is_csp = "Content Security Policy" in text or text.startswith("CSP violation")
        if message.type != "error" and not is_csp:
            return
        if not is_csp and any(pattern.search(text) for pattern in self.allowed):
            return
        where = message.location.get("url", "") if message.location else ""
        kind = "CSP violation" if is_csp else "console error"
        if not text.startswith(kind):
            text = f"{kind}: {text}"
        self.problems.append(f"{text} ({where})" if where else text)

    def _page_error(self, error) -> None:
        self.problems.append(f"uncaught JavaScript error: {error}")

    def take_problems(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems

    def unchecked(self) -> list[str]:
        return [url for i, url in enumerate(self.documents) if i not in self.checked]


_watches: dict[object, PageWatch] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.lisa_call_passed = report.passed
    return report


@pytest.fixture
def page(request, browser, live_server, axe_source):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        timezone_id="Europe/London",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CSP_LISTENER)
    new_page = context.new_page()
    watch = PageWatch(new_page, axe_source)
    _watches[new_page] = watch
    try:
        yield new_page
        problems = watch.take_problems()
        missed = watch.unchecked()
    finally:
        _watches.pop(new_page, None)
        context.close()
    if not getattr(request.node, "lisa_call_passed", False):
        return  # the test's own failure says what went wrong
    if problems:
        pytest.fail("The browser reported:\n  " + "\n  ".join(problems), pytrace=False)
    if missed:
        pytest.fail(
            "These pages were reached but never checked (call check(page)):\n  "
            + "\n  ".join(missed),
            pytrace=False,
        )


# --- helpers for journeys ----------------------------------------------------------------------


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def allow_console_error(page, pattern: str) -> None:
    """Let a console error matching ``pattern`` through (for example the browser's own note of
    a 403 response, in a journey that expects one). CSP violations are never allowed."""
    _watches[page].allowed.append(re.compile(pattern))


# Pages whose markup is identical (the sign-in page, reached again and again) are run through
# axe once: the results are kept by a digest of the markup, less the per-response tokens.
_TOKENS = re.compile(r'(\snonce="|name="csrfmiddlewaretoken" value=")[^"]*"')
_axe_results: dict[str, list[dict]] = {}


def _axe_violations(page, axe_source: str) -> list[dict]:
    markup = _TOKENS.sub(r'\1"', page.evaluate("document.documentElement.outerHTML"))
    key = hashlib.sha256(markup.encode()).hexdigest()
    if key not in _axe_results:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)
        _axe_results[key] = page.evaluate(AXE_RUN, AXE_TAGS)
    return _axe_results[key]


def check(page) -> None:
    """Check the page the browser is showing: no console errors or CSP violations so far,
    every GOV.UK Frontend component initialised, and no serious or critical axe violations."""
    watch = _watches[page]
    page.wait_for_load_state("load")
    violations = _axe_violations(page, watch.axe_source)
    # Let events the page queued (CSP violation reports, errors in timers) reach us.
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")
    here = _path(page.url)
    problems = watch.take_problems()
    if problems:
        pytest.fail(f"On {here} the browser reported:\n  " + "\n  ".join(problems), pytrace=False)
    uninitialised = page.evaluate(UNINITIALISED_COMPONENTS)
    if uninitialised:
        pytest.fail(
            f"On {here} GOV.UK Frontend did not initialise:\n  " + "\n  ".join(uninitialised),
            pytrace=False,
        )
    failing = []
    for violation in violations:
        for node in violation["nodes"]:
            _axe_findings[(violation["id"], violation["impact"], violation["help"])].add(
                f"{here}  {node['target']}"
            )
        if violation["impact"] in FAILING_IMPACTS:
            nodes = "\n".join(
                f"      {node['target']}\n        {node['html'][:200]}"
                for node in violation["nodes"]
            )
            failing.append(
                f"  {violation['id']} ({violation['impact']}): {violation['help']}\n"
                f"    {violation['helpUrl']}\n{nodes}"
            )
    if failing:
        pytest.fail(f"Accessibility violations on {here}:\n" + "\n".join(failing), pytrace=False)
    if watch.documents:
        watch.checked.add(len(watch.documents) - 1)


def visit(page, path: str):
    """Go to ``path`` and check the page. Returns the response."""
    response = page.goto(path)
    check(page)
    return response


def follow(page, locator) -> None:
    """Click ``locator`` (a link or a submit button), wait for the new page, and check it."""
    with page.expect_navigation():
        locator.click()
    check(page)


submit = follow


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form; the caller asserts where that led."""
    visit(page, "/sign-in/")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    submit(page, page.get_by_role("button", name="Sign in"))


def sign_out(page) -> None:
    """Sign out with the header button; lands on the sign-in page."""
    submit(page, page.get_by_test_id("sign-out"))
