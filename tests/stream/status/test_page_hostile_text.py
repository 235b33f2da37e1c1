"""Text from data and config reaches the status page as text, never as markup, in Chromium.

Feature names (a baseline's header, a JSON capture's keys), categorical values, monitor,
metric, facet and label names, descriptions, warnings, failure reasons and online alarms
all carry an ``<img onerror>`` and a ``</script><script>`` here, plus quotes and a
right-to-left override. Every row of every monitor is clicked (its detail drawn). No
element may be injected and no script may run. Data-quality windows are made by the
worker's own output code; the page is rendered by Debian's headless chromium.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from stream.demo.synthetic import CategoricalFeature, NumericFeature, SyntheticSchema
from stream.status.board import StatusBoard
from tests.chromium import HeadlessChromium
from tests.stream.status.served import served
from tests.stream.status.windows import (
    attribution_window,
    bias_window,
    data_quality_windows,
    messages,
    model_quality_window,
)

IMG = '<img src=x onerror="window.pwned=(window.pwned||0)+1">'
SCRIPT = "</script><script>window.pwned=(window.pwned||0)+1</script>"
QUOTES = "q\"'`&amp;\u202eRTL"
MONITOR = "mon" + IMG
TEXT_FIELDS = ("metric_name", "facet", "facet_value", "label", "description", "failure_reason",
               "constraint_check_type", "check_type")  # fmt: skip
READ = """(() => ({pwned: window.pwned || 0, imgs: document.querySelectorAll("img").length,
  scripts: document.querySelectorAll("script").length,
  sections: document.querySelectorAll("section.monitor").length,
  text: document.body.textContent}))()"""


def hostile(doc: Any) -> Any:
    """``doc`` with IMG after every text field the page shows, and hostile warnings."""
    if isinstance(doc, list):
        return [hostile(x) for x in doc]
    if not isinstance(doc, dict):
        return doc
    out = {k: hostile(v) + IMG if k in TEXT_FIELDS and isinstance(v, str) else hostile(v)
           for k, v in doc.items()}  # fmt: skip
    if "monitor" in doc:
        out["monitor"] = MONITOR
    if "status" in doc:
        out["warnings"] = [SCRIPT, IMG]
    return out


def _board() -> StatusBoard:
    schema = SyntheticSchema(
        numeric=(NumericFeature("age" + IMG, "integer", 41.0, 11.0),
                 NumericFeature(QUOTES, "normal", 5.0, 1.0)),
        categorical=(CategoricalFeature("plan" + SCRIPT, (IMG, SCRIPT, QUOTES), (6, 3, 1)),),
    )  # fmt: skip
    baseline = schema.baseline(n=3000)
    board = StatusBoard({MONITOR: baseline.statistics})
    drifted = [(), (schema.features[0], schema.features[2])]
    for result in data_quality_windows(schema, baseline, drifted, 400):
        for kind, doc in messages(result):
            board.apply(kind, {**doc, "monitor": MONITOR})
    for i in range(2):
        for kind, doc in model_quality_window(i, 0.5) + bias_window(i, 0.4):
            board.apply(kind, hostile(doc))
        for kind, doc in attribution_window(i, 0.5):
            doc = hostile(doc)
            if kind == "statistics":
                shap = {IMG: 0.3, SCRIPT: 0.2}
                doc["explanations"]["kernel_shap"] = {"lab" + IMG: {"global_shap_values": shap}}
            board.apply(kind, doc)
    board.apply("violations", {"monitor": MONITOR, "feature_name": IMG, "description": SCRIPT,
                               "constraint_check_type": "online_drift_check" + IMG,
                               "detector": IMG, "detected_at": IMG, "partition": IMG})  # fmt: skip
    return board


async def _read(port: int, profile: Path) -> dict[str, Any]:
    async with HeadlessChromium(profile) as browser:
        await browser.navigate(f"http://127.0.0.1:{port}/")
        await browser.wait_for("document.querySelectorAll('section.monitor').length === 4")
        rows = await browser.evaluate("document.querySelectorAll('tr.window').length")
        for i in range(rows):  # each window's detail: violations, decisions, SHAP
            await browser.evaluate(f"document.querySelectorAll('tr.window')[{i}].click()")
            await browser.wait_for("![...document.querySelectorAll('.window-detail')]"
                                   ".some((d) => d.textContent.includes('loading'))")  # fmt: skip
        page = await browser.evaluate(READ)
        page["console"] = browser.console
        return dict(page)


def test_no_text_becomes_markup(tmp_path: Path) -> None:
    with served(_board()) as server:
        page = asyncio.run(_read(server.port, tmp_path / "profile"))
    assert page["console"] == []
    assert (page["pwned"], page["imgs"], page["scripts"]) == (0, 0, 2)  # the page's own two
    assert page["sections"] == 4
    assert MONITOR in page["text"] and IMG + " [" in page["text"]  # shown, as text
