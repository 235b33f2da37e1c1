"""The worker's attribution drift against a Clarify baseline whose one label is not ``label0``.

Clarify names a single model output ``label0``, after its ``label_headers`` entry, or — in
AWS's JSON batch-transform explainability example (``fairness_and_explainability_json``),
whose baseline ``analysis.json`` the notebook prints — after a score:
``"kernel_shap": {"0.7956783771514893": {"global_shap_values": {...}}}``. Plain
``{feature: value}`` SHAP maps, from the capture output or the attributions topic, are that
one output's: the window is checked against it. They were taken for ``label0``, matched no
baseline label, and every window failed with "no SHAP value of the baseline's features".
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import ndcg_score

from stream.demo.labelled import write_labelled_baselines
from stream.monitors.data_quality import load_data_quality_baseline
from stream.worker.state import WorkerState
from tests.stream.worker.test_labelled import MODEL, T0, Pipe, lines, state, traffic

AWS_LABEL = "0.7956783771514893"  # the key of the example's published baseline


@pytest.fixture(scope="module")
def score_named_baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The labelled baseline with its one attribution label renamed as AWS's example names it."""
    folder = tmp_path_factory.mktemp("aws-label") / "baseline"
    write_labelled_baselines(folder, MODEL, n=4000)
    path = folder / "attribution" / "analysis.json"
    doc = json.loads(path.read_text())
    kernel_shap = doc["explanations"]["kernel_shap"]
    assert list(kernel_shap) == ["label0"]
    doc["explanations"]["kernel_shap"] = {AWS_LABEL: kernel_shap["label0"]}
    path.write_text(json.dumps(doc))
    return folder


def _topic_state(clock: Any, folder: Path) -> WorkerState:
    """The worker of ``state`` with SHAP values on the attributions topic."""
    config = state(clock, folder).config
    monitor = config.monitors[0]
    topic = replace(monitor.attribution, shap_source="topic")
    config = replace(config, monitors=(replace(monitor, attribution=topic),))
    return WorkerState(config, {"m": load_data_quality_baseline(folder)}, now=clock)


@pytest.mark.parametrize("shap_source", ["capture", "topic"])
def test_plain_shap_values_are_checked_against_the_baselines_only_label(
    fake_clock: Any, score_named_baseline: Path, shap_source: str
) -> None:
    folder = score_named_baseline
    ws = state(fake_clock, folder) if shap_source == "capture" else _topic_state(fake_clock, folder)
    pipe = Pipe(ws)
    records = traffic(7, 300, T0)
    pipe.send("capture", lines(r for _, r, _ in records))
    if shap_source == "topic":
        docs = [{"inferenceId": key, "shap": a.shap} for key, _, a in records]
        assert pipe.send("attributions", lines(docs)) == []
    pipe.send("capture", lines(r for _, r, _ in traffic(8, 1, T0 + 15)))  # closes the window
    pipe.tick()
    result = pipe.latest("feature_attribution_drift", T0)
    assert result is not None
    assert result.outcome.status != "Failed", result.outcome.failure_reason
    kernel_shap = result.outcome.statistics["explanations"]["kernel_shap"]
    assert list(kernel_shap) == [AWS_LABEL]
    # mean |φ| over the 300 records, computed here from the records themselves
    features = list(records[0][2].shap)
    expected = {f: float(np.mean([abs(a.shap[f]) for _, _, a in records])) for f in features}
    live = kernel_shap[AWS_LABEL]["global_shap_values"]
    assert live == pytest.approx(expected, rel=1e-9)
    baseline = json.loads((folder / "attribution" / "analysis.json").read_text())
    gains = baseline["explanations"]["kernel_shap"][AWS_LABEL]["global_shap_values"]
    reference = ndcg_score([[gains[f] for f in features]], [[expected[f] for f in features]])
    assert result.outcome.statistics["ndcg"][AWS_LABEL] == pytest.approx(reference, rel=1e-9)


def test_shap_values_of_a_label_the_baseline_lacks_say_so(
    fake_clock: Any, score_named_baseline: Path
) -> None:
    pipe = Pipe(_topic_state(fake_clock, score_named_baseline))
    records = traffic(9, 40, T0)
    pipe.send("capture", lines(r for _, r, _ in records))
    docs = [{"inferenceId": key, "shap": {"yes": a.shap}} for key, _, a in records]
    pipe.send("attributions", lines(docs))
    pipe.send("capture", lines(r for _, r, _ in traffic(10, 1, T0 + 15)))
    pipe.tick()
    outcome = pipe.latest("feature_attribution_drift", T0).outcome
    assert outcome.status == "Failed"
    assert "'yes' (40)" in outcome.failure_reason
    assert repr(AWS_LABEL) in outcome.failure_reason
