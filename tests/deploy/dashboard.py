"""Reading deploy/grafana/dashboards/driftline.json's queries, as Grafana would run them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "driftline.json"
# what Grafana puts in for its variables: every monitor, the compose job, typical ranges
GRAFANA_VARIABLES = (
    ("$__rate_interval", "1m"),
    ("$__range", "1h"),
    ("$monitor", ".*"),
    ("$job", "driftline"),
)


def dashboard() -> dict[str, Any]:
    """The dashboard JSON."""
    return json.loads(DASHBOARD.read_text())


def panels() -> list[dict[str, Any]]:
    """Every panel that queries (rows left out)."""
    return [p for p in dashboard()["panels"] if p["type"] != "row"]


def grafana_to_promql(query: str) -> str:
    """A dashboard query with Grafana's variables replaced by what they stand for."""
    for variable, value in GRAFANA_VARIABLES:
        query = query.replace(variable, value)
    return query


def panel_queries() -> Iterator[tuple[str, str, str]]:
    """``(row title, panel title, query)`` of every panel target, in dashboard order."""
    row = ""
    for panel in dashboard()["panels"]:
        if panel["type"] == "row":
            row = panel["title"]
            continue
        for target in panel["targets"]:
            yield row, panel["title"], target["expr"]


def dashboard_queries() -> Iterator[str]:
    """Every PromQL expression of the dashboard: panels, annotations, variables."""
    yield from (query for _, _, query in panel_queries())
    yield from (a["expr"] for a in dashboard()["annotations"]["list"] if "expr" in a)
    for variable in dashboard()["templating"]["list"]:
        if variable["type"] == "query":
            yield variable["query"]["query"]


def variable_selector(query: str) -> str:
    """The series selector inside ``label_values(selector, label)``.

    Examples
    --------
    >>> variable_selector('label_values(driftline_window_length_seconds{job=~"$job"}, monitor)')
    'driftline_window_length_seconds{job=~"$job"}'
    """
    inner = query.removeprefix("label_values(").removesuffix(")")
    return inner.rsplit(",", 1)[0].strip()
