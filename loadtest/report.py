"""The load test's report: for each page, requests, requests per second, p50/p95/p99 response
times, failures, and its speed relative to ``/health/``; as a text table and in Markdown.

The issue that asked for the load test compared each page's requests per second, measured
alone, with ``/health/``'s. In a mixed run every page shares the same servers, so throughput
per page says how often the workload asks for it, not how fast it is. The ratio here is
therefore of median response times in the same run: ``health p50 / page p50`` (1 for
``/health/`` itself; 0.05 means the page takes twenty times as long as the health check).
With ``--alone`` each page is measured on its own, as the issue did, and the ratio is of
requests per second (:func:`alone_rows`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HEALTH = "health"
RATIO_NOTE = (
    "ratio = /health/ p50 ÷ the page's p50, measured in the same run (the page's speed "
    "relative to the health check; 1 = as fast)"
)
# The order of the table: the way through the service, then the public's pages, then the probe.
ORDER = [
    "sign in: form",
    "sign in: password",
    "sign in: to the code",
    "sign in: code form",
    "sign in: code",
    "home",
    "child search: form",
    "child search: submit",
    "child search: results",
    "child card",
    "child record",
    "concern: form",
    "concern: submit",
    "concern: logged",
    "messages",
    "directory search",
    "public directory search",
    "open-data API",
    HEALTH,
]


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    rank = min(len(ordered), max(1, math.ceil(len(ordered) * fraction)))
    return ordered[rank - 1]


@dataclass
class Row:
    name: str
    requests: int
    per_second: float
    p50: float
    p95: float
    p99: float
    failures: int
    ratio: float | None


@dataclass
class Summary:
    rows: list[Row]
    total: Row
    seconds: float
    hosts: list[str]
    errors: list[dict]

    @property
    def failures(self) -> int:
        return self.total.failures

    def row(self, name: str) -> Row | None:
        return next((row for row in self.rows if row.name == name), None)


def summarise(results: dict) -> Summary:
    """The table from the results the workload wrote (every response time, in ms)."""
    seconds = max(results["stopped"] - results["started"], 1e-9)
    pages = results["pages"]
    names = [name for name in ORDER if name in pages]
    names += sorted(name for name in pages if name not in ORDER)
    health = sorted(pages.get(HEALTH, {}).get("times", []))
    health_p50 = percentile(health, 0.5) if health else None

    def row(name: str, times: list[float], failures: int) -> Row:
        ordered = sorted(times)
        p50 = percentile(ordered, 0.5)
        ratio = health_p50 / p50 if health_p50 and p50 else None
        return Row(
            name=name,
            requests=len(ordered),
            per_second=len(ordered) / seconds,
            p50=p50,
            p95=percentile(ordered, 0.95),
            p99=percentile(ordered, 0.99),
            failures=failures,
            ratio=ratio,
        )

    rows = [row(name, pages[name]["times"], pages[name]["failures"]) for name in names]
    everything = [t for name in names for t in pages[name]["times"]]
    total = row("all", everything, sum(pages[name]["failures"] for name in names))
    total.ratio = None
    return Summary(rows, total, seconds, results["hosts"], results["errors"])


def _cells(row: Row) -> list[str]:
    return [
        row.name,
        f"{row.requests:,}",
        f"{row.per_second:.2f}",
        f"{row.p50:.0f}",
        f"{row.p95:.0f}",
        f"{row.p99:.0f}",
        f"{row.failures:,}",
        "" if row.ratio is None else f"{row.ratio:.2f}",
    ]


HEADINGS = ["page", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "failures", "ratio"]


def text_table(summary: Summary) -> str:
    lines = [_cells(row) for row in [*summary.rows, summary.total]]
    widths = [max(len(cells[i]) for cells in [HEADINGS, *lines]) for i in range(len(HEADINGS))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    out = [line(HEADINGS), line(["-" * w for w in widths])]
    out += [line(cells) for cells in lines[:-1]]
    out += [line(["-" * w for w in widths]), line(lines[-1])]
    return "\n".join(out)


def markdown_table(summary: Summary) -> str:
    out = [
        "| " + " | ".join(HEADINGS) + " |",
        "| --- |" + " ---: |" * (len(HEADINGS) - 1),
    ]
    for row in summary.rows:
        out.append("| " + " | ".join(_cells(row)) + " |")
    total = _cells(summary.total)
    out.append("| " + " | ".join(f"**{cell}**" if cell else "" for cell in total) + " |")
    return "\n".join(out)


# --- pages alone (``--alone``) ------------------------------------------------------------------

# Each page on its own, and what the issue that asked for the load test set as its target: the
# page's requests a second at least this share of /health/'s, measured the same way.
ALONE_TARGETS = {
    HEALTH: None,
    "child card": 0.3,
    "child record": 0.3,
    "home": 0.4,
    "child search: form": 0.4,
    "child search: results": 0.4,
    "directory search": 0.4,
    "public directory search": 0.4,
}
ALONE = list(ALONE_TARGETS)
SIGNED_OUT = {HEALTH, "public directory search", "open-data API"}
ALONE_NOTE = (
    "ratio = the page's requests a second ÷ /health/'s, each measured alone against the same "
    "servers in the same run, one after the other; CPU ms = milliseconds of CPU a request "
    "while the page was asked for: the web servers', the database's, and all (the whole "
    "machine's: the load generator and any other work included)"
)


@dataclass
class AloneRow:
    name: str
    requests: int
    per_second: float
    p50: float
    failures: int
    ratio: float | None
    target: float | None
    # Milliseconds of CPU a request: the web servers', the database's and the whole machine's
    # (the load generator included), while the page was asked for; None if not measured.
    cpu: dict[str, float] | None = None


def alone_rows(results: dict[str, dict], cpu: dict | None = None) -> list[AloneRow]:
    """A row a page: answers a second from its first answer to its last (the sign-in before
    it not counted), its median time, its rate over /health/'s and, from ``cpu`` (each page's
    ``CpuSampler.window``: wall seconds and CPU seconds of each part), the CPU a request."""

    def rate(page: dict) -> float:
        first, last = page.get("answered") or (0.0, 0.0)
        return (len(page["times"]) - 1) / (last - first) if last > first else 0.0

    measured = {name: results[name]["pages"].get(name) for name in ALONE if name in results}
    health = measured.get(HEALTH)
    health_rate = rate(health) if health else 0.0
    rows = []
    for name, page in measured.items():
        page = page or {"times": [], "failures": 0}
        per_second = rate(page) if page["times"] else 0.0
        rows.append(
            AloneRow(
                name=name,
                requests=len(page["times"]),
                per_second=per_second,
                p50=percentile(sorted(page["times"]), 0.5),
                failures=page["failures"],
                ratio=per_second / health_rate if health_rate else None,
                target=ALONE_TARGETS.get(name),
                cpu=_cpu_per_request((cpu or {}).get(name), per_second),
            )
        )
    return rows


def _cpu_per_request(window, per_second: float) -> dict[str, float] | None:
    if not window or not per_second:
        return None
    wall, used = window
    answered = per_second * wall
    parts = {"web": "web servers", "database": "database", "all": "machine"}
    return {key: used[part] / answered * 1000 for key, part in parts.items() if part in used}


ALONE_HEADINGS = [
    "page", "requests", "req/s", "p50 ms", "failures", "ratio", "target",
    "CPU ms: web", "database", "all",
]  # fmt: skip


def _alone_cells(row: AloneRow) -> list[str]:
    target = ""
    if row.target is not None and row.ratio is not None:
        target = f"{row.target:.1f} ({'met' if row.ratio >= row.target else 'not met'})"
    cpu = row.cpu or {}
    return [
        row.name,
        f"{row.requests:,}",
        f"{row.per_second:.1f}",
        f"{row.p50:.0f}",
        f"{row.failures:,}",
        "" if row.ratio is None else f"{row.ratio:.2f}",
        target,
        *(f"{cpu[key]:.1f}" if key in cpu else "" for key in ("web", "database", "all")),
    ]


def alone_text(rows: list[AloneRow]) -> str:
    lines = [ALONE_HEADINGS, *(_alone_cells(row) for row in rows)]
    widths = [max(len(cells[i]) for cells in lines) for i in range(len(ALONE_HEADINGS))]
    return "\n".join(
        "  ".join(
            [
                cells[0].ljust(widths[0]),
                *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)),
            ]
        )
        for cells in lines
    )


def alone_markdown(rows: list[AloneRow]) -> str:
    out = [
        "| " + " | ".join(ALONE_HEADINGS) + " |",
        "| --- |" + " ---: |" * (len(ALONE_HEADINGS) - 1),
    ]
    out += ["| " + " | ".join(_alone_cells(row)) + " |" for row in rows]
    return "\n".join(out)
