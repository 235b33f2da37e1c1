"""``baseline suggest --bias-config/--shap`` and ``analyze``: bias drift and attribution drift."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import ndcg_score

from tests.stream.cli.bias_files import (
    CONFIG,
    bias_baseline,
    bias_rows,
    flip_test_reference,
    mean_abs,
    post_training,
    shap_lines,
)
from tests.stream.cli.labeled_files import (
    capture_line,
    label_line,
    read_json,
    run,
    write_csv,
    write_lines,
)


def test_bias_baseline_pins_types_and_holds_hand_computed_metrics(tmp_path: Path) -> None:
    out = bias_baseline(tmp_path)
    config = read_json(out / "bias/analysis_config.json")
    assert config["facet"][0]["data_type"] == "categorical"
    assert config["label_data_type"] == "categorical"  # 2 values in 200 rows: uniqueness 0.01
    metrics = post_training(read_json(out / "bias/analysis.json"))
    assert metrics["DPPL"] == pytest.approx(55 / 100 - 45 / 100, abs=1e-12)  # q̂_a − q̂_d
    assert metrics["DI"] == pytest.approx((45 / 100) / (55 / 100), abs=1e-12)  # q̂_d / q̂_a
    # FT on every column but facet, label and prediction: here age
    assert config["flip_test_features"] == ["sex", "age"]
    assert metrics["FT"] == pytest.approx(flip_test_reference(bias_rows(45, 55)), abs=1e-12)


def test_a_json_lines_config_names_its_label_by_the_last_header(tmp_path: Path) -> None:
    """AWS's model bias monitor examples (JSON Lines and JSON) list the feature names and then
    the label's header (``"Target"``) beside ``"label": "label"``: "the last header becomes the
    header of the label column". It is no feature, so no FT column is missing."""
    data = write_csv(tmp_path / "v.csv", ("prediction", "sex", "age", "label"), bias_rows(45, 55))
    for dataset_type in ("application/jsonlines", "application/json"):
        config = {
            **CONFIG, "dataset_type": dataset_type, "headers": ["sex", "age", "Target"],
            "label": "label", "features": "features",
        }  # fmt: skip
        path = tmp_path / "jsonl_bias.json"
        path.write_text(json.dumps(config))
        out = tmp_path / dataset_type.replace("/", "_")
        result = run(
            "baseline", "suggest", "--data", data, "--out", out, "--bias-config", path,
            "--label-column", "label", "--prediction-column", "prediction",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert read_json(out / "bias/analysis_config.json")["flip_test_features"] == [
            "sex", "age",
        ]  # fmt: skip
        metrics = post_training(read_json(out / "bias/analysis.json"))
        assert metrics["FT"] == pytest.approx(flip_test_reference(bias_rows(45, 55)), abs=1e-12)


def test_types_the_bias_config_gives_stand(tmp_path: Path) -> None:
    """Clarify's rule would make age (floats) continuous and the 0/1 label categorical."""
    data = write_csv(tmp_path / "v.csv", ("prediction", "sex", "age", "label"), bias_rows(45, 55))
    facets = [{"name_or_index": "age", "value_or_threshold": [40]}]
    pinned = {
        "label_values_or_threshold": [0],
        "facet": [{**facets[0], "data_type": "categorical"}],
        "label_data_type": "continuous",  # y > 0: label 1 is positive
    }
    for name, config in (("auto", {**pinned, "facet": facets}), ("pinned", pinned)):
        if name == "auto":
            del config["label_data_type"]
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(config))
        result = run(
            "baseline", "suggest", "--data", data, "--out", tmp_path / name, "--bias-config", path,
            "--label-column", "label", "--prediction-column", "prediction",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    auto = read_json(tmp_path / "auto/bias/analysis_config.json")
    assert (auto["facet"][0]["data_type"], auto["label_data_type"]) == ("continuous", "categorical")
    kept = read_json(tmp_path / "pinned/bias/analysis_config.json")
    assert (kept["facet"][0]["data_type"], kept["label_data_type"]) == ("categorical", "continuous")


def test_flip_test_follows_clarify_headers_and_refuses_text_columns(tmp_path: Path) -> None:
    rows = [
        (p, sex, "gold" if age > 40 else "basic", age, y) for p, sex, age, y in bias_rows(45, 55)
    ]
    data = write_csv(tmp_path / "v.csv", ("prediction", "sex", "plan", "age", "label"), rows)
    results = {}
    for name, extra in (("all", {}), ("headers", {"headers": ["sex", "age", "label"]})):
        config = tmp_path / f"{name}.json"
        config.write_text(json.dumps({**CONFIG, **extra}))
        result = run(
            "baseline", "suggest", "--data", data, "--out", tmp_path / name, "--bias-config",
            config, "--label-column", "label", "--prediction-column", "prediction",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        entry = read_json(tmp_path / name / "bias/analysis.json")["post_training_bias_metrics"]
        results[name] = next(m for m in entry["facets"]["sex"][0]["metrics"] if m["name"] == "FT")
    # plan is text: Clarify's FT refuses the whole table
    assert results["all"]["value"] is None
    assert results["all"]["error"] == "FlipTest does not support non-numeric columns"
    # with headers naming only numeric features, FT runs on age alone
    assert results["headers"]["value"] == pytest.approx(flip_test_reference(bias_rows(45, 55)))


def test_flip_test_leaves_out_the_joinsource_identifier_column(tmp_path: Path) -> None:
    """Clarify's joinsource column "is only used as an identifier, and not used for any
    other computations" (SDK DataConfig); a text id among FT's features made FT an error."""
    rows = [(f"id-{i}", *row) for i, row in enumerate(bias_rows(45, 55))]
    data = write_csv(tmp_path / "v.csv", ("id", "prediction", "sex", "age", "label"), rows)
    config = tmp_path / "bias.json"
    config.write_text(json.dumps({**CONFIG, "joinsource_name_or_index": "id"}))
    result = run(
        "baseline", "suggest", "--data", data, "--out", tmp_path / "out", "--bias-config",
        config, "--label-column", "label", "--prediction-column", "prediction",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    metrics = post_training(read_json(tmp_path / "out/bias/analysis.json"))
    assert metrics["FT"] == pytest.approx(flip_test_reference(bias_rows(45, 55)), abs=1e-12)


def test_more_biased_window_raises_bias_drift_check(tmp_path: Path) -> None:
    out = bias_baseline(tmp_path)
    window = bias_rows(30, 60)
    lines = [
        capture_line(f"b{i}", f"{sex},{age}", str(p)) for i, (p, sex, age, _) in enumerate(window)
    ]
    captures = write_lines(tmp_path / "c.jsonl", lines)
    truth = write_lines(
        tmp_path / "t.jsonl", [label_line(f"b{i}", r[3]) for i, r in enumerate(window)]
    )
    result = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--ground-truth", truth, "--inference-attribute", "0", "--fail-on-violation",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    metrics = post_training(read_json(tmp_path / "run/bias/analysis.json"))
    assert metrics["DPPL"] == pytest.approx(0.60 - 0.30, abs=1e-12)
    assert metrics["DI"] == pytest.approx(0.30 / 0.60, abs=1e-12)
    assert metrics["FT"] == pytest.approx(flip_test_reference(window), abs=1e-12)
    baseline_dppl = post_training(read_json(out / "bias/analysis.json"))["DPPL"]
    doc = read_json(tmp_path / "run/bias/constraint_violations.json")
    assert doc["version"] == "1.0"
    by_metric = {v["metric_name"]: v for v in doc["violations"]}
    assert by_metric["DPPL"] == {
        "facet": "sex",
        "facet_value": "F",
        "metric_name": "DPPL",
        "constraint_check_type": "bias_drift_check",
        "description": f"Metric value {metrics['DPPL']} doesn't meet the baseline constraint "
        f"requirement {baseline_dppl}",
    }
    assert "DI" in by_metric
    assert "ModelBias: CompletedWithViolations" in result.output
    assert not (tmp_path / "run/model_quality").exists()  # no model-quality baseline or type


def test_equally_biased_window_is_completed(tmp_path: Path) -> None:
    out = bias_baseline(tmp_path)
    window = bias_rows(45, 55)
    lines = [
        capture_line(f"b{i}", f"{sex},{age}", str(p)) for i, (p, sex, age, _) in enumerate(window)
    ]
    truth = write_lines(
        tmp_path / "t.jsonl", [label_line(f"b{i}", r[3]) for i, r in enumerate(window)]
    )
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", lines), "--baseline", out,
        "--out", tmp_path / "run", "--ground-truth", truth, "--inference-attribute", "0",
    )  # fmt: skip
    assert "ModelBias: Completed: 200 labelled rows" in result.output
    assert read_json(tmp_path / "run/bias/constraint_violations.json")["violations"] == []


def test_bad_bias_config_is_one_line(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "v.csv", ("prediction", "sex", "label"), [(1, "F", 1)])
    config = tmp_path / "bias.json"
    shap_config = {"label": "label", "methods": {"shap": {"baseline": [[30]], "num_samples": 5}}}
    cases = [
        ({"facet": [{"name_or_index": "sex"}]}, "label_values_or_threshold"),
        (shap_config, "(this one is an explainability config: its methods hold 'shap')"),
        # a text or an object was read item by item: "10" as the labels "1" and "0"
        (
            {"label_values_or_threshold": "10", "facet": [{"name_or_index": "sex"}]},
            "label_values_or_threshold must be a JSON array of values (or one threshold), got '10'",
        ),
        (
            {
                "label_values_or_threshold": [1],
                "facet": [{"name_or_index": "sex", "value_or_threshold": {"F": 1}}],
            },
            "value_or_threshold must be a JSON array",
        ),  # fmt: skip
        ({"label_values_or_threshold": [1], "facet": "sex"}, "facet must be a list of"),
        (
            {**CONFIG, "probability_threshold": "high"},
            "probability_threshold must be a number, got 'high'",
        ),
    ]
    for doc, message in cases:
        config.write_text(json.dumps(doc))
        result = run(
            "baseline", "suggest", "--data", data, "--out", tmp_path / "b", "--bias-config",
            config, "--label-column", "label", "--prediction-column", "prediction",
        )  # fmt: skip
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1
        assert message in result.stderr


def _analyze_one_labelled_capture(tmp_path: Path, baseline: Path):  # type: ignore[no-untyped-def]
    """``analyze`` of one capture and its label against ``baseline``, into ``tmp_path/r``."""
    captures = write_lines(tmp_path / "c.jsonl", [capture_line("k", "1", "0.5")])
    truth = write_lines(tmp_path / "t.jsonl", [label_line("k", "1")])
    return run(
        "analyze", "--capture", captures, "--baseline", baseline, "--out", tmp_path / "r",
        "--ground-truth", truth, "--inference-attribute", "0",
    )  # fmt: skip


def _suggest_with_facet(tmp_path: Path, facet: dict):  # type: ignore[no-untyped-def]
    """``baseline suggest`` into ``tmp_path/b`` with the bias config's facet replaced."""
    data = write_csv(tmp_path / "v.csv", ("prediction", "sex", "age", "label"), bias_rows(45, 55))
    config = tmp_path / "bias.json"
    config.write_text(json.dumps({**CONFIG, "facet": [facet]}))
    return run(
        "baseline", "suggest", "--data", data, "--out", tmp_path / "b", "--bias-config", config,
        "--label-column", "label", "--prediction-column", "prediction",
    )  # fmt: skip


def test_a_text_threshold_on_a_continuous_facet_is_one_line(tmp_path: Path) -> None:
    """Clarify needs one number for a continuous facet: 'old' on age is the config's mistake.

    ``baseline suggest`` said "unexpected ValueError … a bug in driftline"; ``analyze`` on a
    baseline config pinned so said which threshold, but not which column or file.
    """
    facet = {"name_or_index": "age", "value_or_threshold": ["old"]}
    result = _suggest_with_facet(tmp_path, facet)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("driftline: error: ")
    assert "unexpected" not in result.stderr
    assert "facet 'age' is continuous" in result.stderr and "['old']" in result.stderr

    out = bias_baseline(tmp_path)
    pinned = read_json(out / "bias/analysis_config.json")
    pinned["facet"] = [{**facet, "data_type": "continuous"}]
    (out / "bias/analysis_config.json").write_text(json.dumps(pinned))
    result = _analyze_one_labelled_capture(tmp_path, out)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"driftline: error: bias baseline in {out / 'bias'}")
    assert "facet 'age' is continuous" in result.stderr


def test_a_baseline_facet_value_no_row_has_is_a_warning(tmp_path: Path) -> None:
    """sex = X: facet d is empty and every baseline metric null; suggest said nothing of it."""
    result = _suggest_with_facet(tmp_path, {"name_or_index": "sex", "value_or_threshold": ["X"]})
    assert result.exit_code == 0, result.output
    assert (
        "  warning: facet sex value X (categorical) matched none of 200 rows: facet d is empty"
    ) in result.output
    analysis = read_json(tmp_path / "b/bias/analysis.json")
    entry = analysis["post_training_bias_metrics"]["facets"]["sex"][0]
    assert entry["value_or_threshold"] == "X"
    # GE is over every row, not a facet comparison (Clarify's definition)
    assert all(m["value"] is None for m in entry["metrics"] if m["name"] != "GE")


def test_an_explainability_analysis_in_bias_is_one_line(tmp_path: Path) -> None:
    out = bias_baseline(tmp_path)
    explanations = {"version": "1.0", "explanations": {"kernel_shap": {"label0": {
        "global_shap_values": {"age": 0.3, "sex": 0.1}, "expected_value": 0.4}}}}  # fmt: skip
    (out / "bias/analysis.json").write_text(json.dumps(explanations))
    result = _analyze_one_labelled_capture(tmp_path, out)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("driftline: error: ")
    assert "holds no pre_training_bias_metrics or post_training_bias_metrics" in result.stderr


def test_swapped_shap_ranking_raises_attribution_drift(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    base_rows = shap_lines(rng, (0.5, 0.3, 0.1), 80)
    live_rows = shap_lines(rng, (0.1, 0.3, 0.5), 60)
    base_file = write_lines(
        tmp_path / "base_shap.jsonl",
        [json.dumps({"inferenceId": f"x{i}", "shap": r}) for i, r in enumerate(base_rows)],
    )
    # joined by key, as the worker joins <prefix>.attributions: 5 records explain no capture,
    # one has no key at all
    strays = [json.dumps({"inferenceId": f"z{i}", "shap": live_rows[i]}) for i in range(5)]
    live_file = write_lines(
        tmp_path / "live_shap.jsonl",
        [json.dumps({"inferenceId": f"y{i}", "shap": r}) for i, r in enumerate(live_rows)]
        + strays
        + [json.dumps({"shap": live_rows[0]})],
    )
    data = write_csv(tmp_path / "v.csv", ("score", "x"), [(0.5, 1), (0.7, 2)])
    out = tmp_path / "baseline"
    result = run("baseline", "suggest", "--data", data, "--out", out, "--shap", base_file)
    assert result.exit_code == 0, result.output
    base_doc = read_json(out / "attribution/analysis.json")
    baseline = base_doc["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert baseline == pytest.approx(mean_abs(base_rows), abs=1e-12)
    captures = write_lines(
        tmp_path / "c.jsonl", [capture_line(f"y{i}", "1", "0.5") for i in range(60)]
    )
    result = run(
        "analyze", "--capture", captures, "--baseline", out, "--out", tmp_path / "run",
        "--shap", live_file,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "60 explained records" in result.output
    assert "5 SHAP records without a capture, 1 bad SHAP records (missing_id=1)" in result.output
    live = read_json(tmp_path / "run/attribution/analysis.json")
    live_values = live["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    assert live_values == pytest.approx(mean_abs(live_rows), abs=1e-12)
    features = list(baseline)
    expected = ndcg_score([[baseline[f] for f in features]], [[live_values[f] for f in features]])
    (violation,) = read_json(tmp_path / "run/attribution/constraint_violations.json")["violations"]
    assert violation["label"] == "label0"
    assert violation["metric_name"] == "shap"
    assert violation["constraint_check_type"] == "feature_attribution_drift_check"
    drift = float(violation["description"].split()[3])
    assert drift == pytest.approx(expected, abs=1e-12)
    assert drift < 0.9
    assert "ModelExplainability: CompletedWithViolations" in result.output


def test_shap_inside_capture_output_and_csv_baseline(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    base_rows = shap_lines(rng, (0.5, 0.3, 0.1), 40)
    shap_csv = write_csv(
        tmp_path / "out.csv", ("a", "b", "c"), [(r["a"], r["b"], r["c"]) for r in base_rows]
    )
    data = write_csv(tmp_path / "v.csv", ("score", "x"), [(0.5, 1), (0.7, 2)])
    out = tmp_path / "baseline"
    result = run(
        "baseline", "suggest", "--data", data, "--out", out, "--shap", shap_csv,
        "--shap-agg", "mean_sq",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    config = read_json(out / "attribution/analysis_config.json")
    assert config["methods"]["shap"]["agg_method"] == "mean_sq"
    live_rows = shap_lines(rng, (0.5, 0.3, 0.1), 30)
    lines = [
        capture_line(f"k{i}", "1", json.dumps({"score": 0.5, "shap": r}), json_output=True)
        for i, r in enumerate(live_rows)
    ]
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", lines), "--baseline", out,
        "--out", tmp_path / "run",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    live = read_json(tmp_path / "run/attribution/analysis.json")
    values = live["explanations"]["kernel_shap"]["label0"]["global_shap_values"]
    expected = {f: float(np.mean([r[f] ** 2 for r in live_rows])) for f in ("a", "b", "c")}
    assert values == pytest.approx(expected, abs=1e-12)
    assert "ModelExplainability: Completed: 30 explained records" in result.output


def test_bad_paths_are_one_line_errors(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "v.csv", ("score", "x"), [(0.5, 1), (0.7, 2)])
    base = tmp_path / "b"
    assert run("baseline", "suggest", "--data", data, "--out", base).exit_code == 0
    captures = write_lines(tmp_path / "c.jsonl", [capture_line("k", "1", "0.5")])
    cases = [
        (
            ("baseline", "suggest", "--data", data, "--out", tmp_path / "x", "--shap",
             tmp_path / "nope.jsonl"),
            f"no such SHAP file: {tmp_path / 'nope.jsonl'}",
        ),
        (
            ("baseline", "suggest", "--data", data, "--out", tmp_path / "x", "--bias-config",
             tmp_path / "nope.json", "--label-column", "x", "--prediction-column", "score"),
            f"no such file: {tmp_path / 'nope.json'}",
        ),
        (
            ("analyze", "--capture", captures, "--baseline", base, "--out", tmp_path / "r",
             "--shap", tmp_path / "nope.jsonl"),
            "--shap needs an attribution baseline",
        ),
        (
            ("analyze", "--capture", captures, "--baseline", base, "--out", tmp_path / "r",
             "--ground-truth", captures, "--inference-attribute", "0"),
            "--ground-truth needs --problem-type or a baseline with model_quality/ or bias/",
        ),
    ]  # fmt: skip
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("driftline: error: ")
        assert result.stderr.count("\n") == 1
        assert message in result.stderr
    assert not (tmp_path / "x").exists()


def test_an_option_replacing_the_bias_configs_label_says_so(tmp_path: Path) -> None:
    """``--label-column label`` over a config naming ``Target``: the option wins, aloud."""
    data = write_csv(tmp_path / "v.csv", ("prediction", "sex", "age", "label"), bias_rows(45, 55))
    config = tmp_path / "bias.json"
    config.write_text(json.dumps({**CONFIG, "label": "Target"}))
    result = run(
        "baseline", "suggest", "--data", data, "--out", tmp_path / "b", "--bias-config", config,
        "--label-column", "label", "--prediction-column", "prediction",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "  warning: --label-column label replaces the bias config's label 'Target'" in (
        result.output
    )
    assert read_json(tmp_path / "b/bias/analysis_config.json")["label"] == "label"
    same = run(
        "baseline", "suggest", "--data", data, "--out", tmp_path / "c", "--bias-config", config,
        "--label-column", "Target", "--prediction-column", "prediction",
    )  # fmt: skip
    assert "replaces" not in same.output  # no column Target: refused, and no warning


def test_a_shap_folder_is_refused_as_a_folder_by_both_commands(tmp_path: Path) -> None:
    """``--shap`` takes one file in ``analyze`` as in ``baseline suggest``: a folder is named so.

    ``analyze --shap FOLDER`` said "no such SHAP file: FOLDER" of a folder that exists.
    """
    data = write_csv(tmp_path / "v.csv", ("score", "x"), [(0.5, 1), (0.7, 2)])
    base = tmp_path / "b"
    assert run("baseline", "suggest", "--data", data, "--out", base).exit_code == 0
    captures = write_lines(tmp_path / "c.jsonl", [capture_line("k", "1", "0.5")])
    folder = tmp_path / "shap"
    folder.mkdir()
    for command in (
        ("baseline", "suggest", "--data", data, "--out", tmp_path / "x"),
        ("analyze", "--capture", captures, "--baseline", base, "--out", tmp_path / "r"),
    ):
        result = run(*command, "--shap", folder)
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1, result.stderr
        assert f"Invalid value for '--shap': File '{folder}' is a directory." in result.stderr


def test_a_bias_window_without_a_verdict_does_not_read_as_a_clean_pass(tmp_path: Path) -> None:
    """The baseline's analysis.json has entries for sex = X and Y only; the window's facet
    value is F: no metric has a baseline value to be checked against, so no check decides.
    SageMaker's status stays Completed (files, exit code); the printed line says so."""
    out = bias_baseline(tmp_path)
    doc = read_json(out / "bias/analysis.json")
    entry = doc["post_training_bias_metrics"]["facets"]["sex"][0]
    doc["post_training_bias_metrics"]["facets"]["sex"] = [
        {**entry, "value_or_threshold": value} for value in ("X", "Y")
    ]
    (out / "bias/analysis.json").write_text(json.dumps(doc))
    window = bias_rows(45, 55)
    lines = [
        capture_line(f"b{i}", f"{sex},{age}", str(p)) for i, (p, sex, age, _) in enumerate(window)
    ]
    truth = [label_line(f"b{i}", r[3]) for i, r in enumerate(window)]
    result = run(
        "analyze", "--capture", write_lines(tmp_path / "c.jsonl", lines), "--baseline", out,
        "--out", tmp_path / "run", "--ground-truth", write_lines(tmp_path / "t.jsonl", truth),
        "--inference-attribute", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "ModelBias: Completed (no verdict): 200 labelled rows" in result.output
    assert read_json(tmp_path / "run/bias/constraint_violations.json") == {
        "version": "1.0", "violations": [],
    }  # fmt: skip
