"""``analyze`` says why it found no SHAP values when the captures' explanations were refused.

AWS's NLP online explainability example answers with Clarify's response for a text feature:
one ``attributions`` entry per sentence (``description.partial_text``), a shape driftline
does not read (``bad_explanations``: text units are not read). Without ``--ground-truth``
the run printed only "ModelExplainability: skipped, no SHAP values", as for captures that
hold no explanation at all; the refusal, counted, was shown nowhere.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.stream.cli.labeled_files import run, write_csv, write_lines
from tests.stream.explainer_captures import explainer_capture


def _text_response() -> str:
    """Two records: the first explained sentence by sentence, the second not explained."""
    sentences = [
        {"attribution": [0.06], "description": {"partial_text": "I am tall. ", "start_idx": 0}},
        {"attribution": [0.10], "description": {"partial_text": "It fits.", "start_idx": 11}},
    ]
    return json.dumps({
        "version": "1.0",
        "predictions": {"content_type": "text/csv", "data": "0.9\n0.8\n"},
        "explanations": {
            "kernel_shap": [[{"feature_header": "review", "attributions": sentences}], None]
        },
    })  # fmt: skip


def test_refused_explanations_are_named_when_attribution_is_skipped(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "train.csv", ("review",), [(f"text {i}",) for i in range(40)])
    shap = write_lines(tmp_path / "shap.jsonl", [json.dumps({"shap": {"review": 0.2}})])
    out = tmp_path / "baseline"
    result = run("baseline", "suggest", "--data", data, "--out", out, "--shap", shap)
    assert result.exit_code == 0, result.output
    capture = explainer_capture("k1", [("I am tall. It fits.",), ("Bad.",)], _text_response())
    captures = write_lines(tmp_path / "c.jsonl", [json.dumps(capture)])
    result = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--capture-index-names", "endpointInput",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("ModelExplainability"))
    assert line.startswith(
        "ModelExplainability: skipped, no SHAP values, unusable outputs: bad_explanations=1 "
    )
    assert "feature 'review' has 2 attributions" in line
