"""Charts drawn on the server as SVG, from the same rows as the table beneath them.

Each chart is a Vega-Lite specification rendered to SVG by ``vl-convert`` (Vega's own renderer,
embedded: nothing is fetched and no JavaScript reaches the browser). The SVG uses presentation
attributes only, so it sits inline in a page under the content security policy as it is, prints
crisply and goes into the PDF report unchanged. Every bar carries its value as a direct label,
and series are drawn as separate labelled panels rather than told apart by colour.
"""

from __future__ import annotations

import functools
import html
import json
import re

import vl_convert

from figures.base import FEWER_THAN_FIVE, Figure, format_value

# GOV.UK Design System colours.
BLUE = "#1d70b8"
TEXT = "#0b0c0c"
SECONDARY_TEXT = "#505a5f"
BORDER = "#b1b4b6"
FONT = "Arial, Helvetica, sans-serif"


def whole(values: list[dict]) -> dict:
    """An axis for counts: whole numbers, and no more ticks than the largest count (so no
    tick at 0.5)."""
    largest = max((item["value"] for item in values), default=0)
    return {"format": "d", "tickCount": max(1, min(5, int(largest)))}


CONFIG = {
    "aria": False,
    "font": FONT,
    "background": "#ffffff",
    "view": {"stroke": None},
    "axis": {
        "labelColor": TEXT,
        "titleColor": TEXT,
        "labelFontSize": 12,
        "titleFontSize": 12,
        "domainColor": SECONDARY_TEXT,
        "tickColor": SECONDARY_TEXT,
        "gridColor": "#e6e6e6",
        "labelLimit": 260,
    },
    "header": {"labelColor": TEXT, "labelFontSize": 13, "labelFontWeight": "bold"},
}


def spec(figure: Figure) -> dict | None:
    """The Vega-Lite specification of ``figure``'s chart, or None if it has none."""
    if figure.chart == "none" or not figure.rows:
        return None
    if figure.chart == "months_by":
        return _small_multiples(figure)
    column = figure.chart_column
    fmt = figure.formats[column]
    values = [
        {
            "label": row.label,
            "value": 0 if row.suppressed or row.values[column] is None else row.values[column],
            "text": FEWER_THAN_FIVE
            if row.suppressed
            else format_value(row.values[column], row.fmt or fmt),
        }
        for row in figure.rows
    ]
    value_title = figure.columns[column + 1]
    if figure.chart == "months":
        return _columns(values, value_title)
    return _bars(values, value_title)


def _bars(values: list[dict], value_title: str) -> dict:
    label = {"field": "label", "type": "nominal", "sort": None, "title": None}
    value = {"field": "value", "type": "quantitative", "title": value_title, "axis": whole(values)}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 420,
        "height": {"step": 26},
        "data": {"values": values},
        "encoding": {"y": label, "x": value},
        "layer": [
            {"mark": {"type": "bar", "color": BLUE, "aria": False}},
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "color": TEXT, "aria": False},
                "encoding": {"text": {"field": "text"}},
            },
        ],
        "config": CONFIG,
    }


def _columns(values: list[dict], value_title: str) -> dict:
    month = {
        "field": "label",
        "type": "ordinal",
        "sort": None,
        "title": None,
        "axis": {"labelAngle": -45 if len(values) > 6 else 0},
    }
    value = {"field": "value", "type": "quantitative", "title": value_title, "axis": whole(values)}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": {"step": 44 if len(values) <= 24 else 22},
        "height": 200,
        "data": {"values": values},
        "encoding": {"x": month, "y": value},
        "layer": [
            {"mark": {"type": "bar", "color": BLUE, "aria": False}},
            {
                "mark": {"type": "text", "dy": -6, "color": TEXT, "fontSize": 11, "aria": False},
                "encoding": {"text": {"field": "text"}},
            },
        ],
        "config": CONFIG,
    }


def _small_multiples(figure: Figure) -> dict:
    series = figure.columns[1:]
    values = [
        {
            "label": row.label,
            "series": name,
            "value": row.values[index] or 0,
            "text": format_value(row.values[index]),
        }
        for row in figure.rows
        for index, name in enumerate(series)
    ]
    layer = _columns(values, "")
    inner = {key: layer[key] for key in ("width", "height", "encoding", "layer")}
    inner["height"] = 110
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "facet": {
            "row": {
                "field": "series",
                "type": "nominal",
                "sort": series,
                "title": None,
                "header": {
                    "labelAngle": 0,
                    "labelAlign": "left",
                    "labelAnchor": "start",
                    "labelOrient": "top",
                },
            }
        },
        "spec": inner,
        "resolve": {"scale": {"y": "independent"}},
        "config": CONFIG,
    }


@functools.lru_cache(maxsize=512)
def _render(specification: str) -> str:
    return vl_convert.vegalite_to_svg(json.loads(specification))


_OPENING = re.compile(r"<svg\b[^>]*>")


def svg(figure: Figure, *, id_prefix: str = "chart") -> str:
    """The chart as an SVG element with a title and a description, or "" if there is none."""
    specification = spec(figure)
    if specification is None:
        return ""
    # The whole chart is one image with a title and a description (the table follows), so
    # no part of it is announced on its own (the panels' headings would be, unnamed).
    drawn = _render(json.dumps(specification, sort_keys=True)).replace(
        ' role="graphics-symbol"', ""
    )
    ident = f"{id_prefix}-{figure.key}"
    opening = _OPENING.search(drawn)
    if opening is None:  # pragma: no cover - the renderer always writes one
        return ""
    root = opening.group(0)
    accessible = root[:-1].replace(' class="marks"', "") + (
        f' role="img" aria-labelledby="{ident}-title {ident}-desc" class="lisa-chart"'
        f' focusable="false">'
        f'<title id="{ident}-title">{html.escape(figure.title)}</title>'
        f'<desc id="{ident}-desc">{html.escape(describe(figure))}</desc>'
    )
    return drawn[: opening.start()] + accessible + drawn[opening.end() :]


def describe(figure: Figure) -> str:
    """A sentence a screen reader can read in place of the chart (the table follows)."""
    kind = {
        "months": "Column chart, one column a month",
        "months_by": "Column charts, one panel each for " + ", ".join(figure.columns[1:]),
        "bars": "Bar chart",
    }.get(figure.chart, "Chart")
    return f"{kind}. {figure.description} The table below gives every value."
