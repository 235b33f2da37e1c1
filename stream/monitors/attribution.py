"""Attribution baselines and runs: global SHAP ``analysis.json`` and the nDCG drift check.

Local SHAP values come as JSON Lines of ``{"inferenceId": ..., "shap": {feature: value}}``
(``shap`` may also map label → {feature: value} for several model outputs), as a CSV of
local SHAP values with the feature names as header (Clarify's ``explanations_shap/out.csv``,
its ``<feature>_label<k>`` columns read by :mod:`stream.monitors.shap_csv`),
or inside the capture output: under a ``shap`` key (``shap_path``, one record's or one
entry per instance: :func:`~stream.labels.attributions.output_shap_records`), or as each record's
``explanations.kernel_shap`` of a SageMaker Clarify online explainability response
(:mod:`stream.capture.explainer_response`). Every record in the input is one explained
record of the window; they are aggregated with the baseline's
``agg_method`` (stored in ``attribution/analysis_config.json``, Clarify's
``methods.shap.agg_method``) and ranked against the baseline by nDCG, threshold 0.9.

Examples
--------
>>> per_label({"age": 0.2, "plan": -0.1}, "label0")
{'label0': {'age': 0.2, 'plan': -0.1}}
>>> per_label({"label1": {"age": 0.2}}, "label0")
{'label1': {'age': 0.2}}
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from detectors.attribution import (
    AGG_METHODS,
    AttributionDriftResult,
    GlobalShap,
    LabelExplanation,
    analysis_document,
    baseline_from_local_shap,
    feature_attribution_drift_check,
    read_explanations,
)
from stream.capture.files import open_lines
from stream.capture.records import is_mapping
from stream.labels.attributions import DEFAULT_LABEL
from stream.monitors.bias_indices import is_index
from stream.monitors.files import BaselineError, read_json, write_json
from stream.monitors.shap_csv import clarify_columns, clarify_row

ANALYSIS = "analysis.json"
ANALYSIS_CONFIG = "analysis_config.json"

LocalShap = dict[str, dict[str, float]]  # label → feature → local SHAP value


def per_label(shap: Mapping[str, Any], default_label: str) -> LocalShap:
    """Normalise one record's ``shap`` value to label → feature → value."""
    if shap and all(is_mapping(v) for v in shap.values()):
        return {str(k): _numbers(v) for k, v in shap.items()}
    return {default_label: _numbers(shap)}


def _numbers(values: Mapping[str, Any]) -> dict[str, float]:
    out = {}
    for feature, value in values.items():
        try:
            out[str(feature)] = float(value)
        except (TypeError, ValueError):
            out[str(feature)] = math.nan  # counted as non-finite by the aggregate
    return out


def iter_local_shap(
    path: Path, label: str, errors: Counter[str]
) -> Iterator[tuple[str | None, LocalShap]]:
    """(inference id, local SHAP per label) per record of a JSON Lines or CSV file."""
    if not path.is_file():
        msg = f"no such SHAP file: {path}"
        raise FileNotFoundError(msg)
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            try:
                columns = clarify_columns(reader.fieldnames)
                for row in reader:
                    yield None, per_label(clarify_row(row, columns), label)
            except csv.Error as exc:  # the file is refused with one line, not a traceback
                msg = f"{path.name} is not readable CSV near line {reader.line_num + 1}: {exc}"
                raise ValueError(msg) from exc
            except UnicodeDecodeError as exc:
                msg = f"{path.name} is not UTF-8 text: {exc}"
                raise ValueError(msg) from exc
        return
    with open_lines(path) as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                errors["invalid_json"] += 1
                continue
            shap = obj.get("shap") if isinstance(obj, dict) else None
            if not isinstance(shap, Mapping) or not shap:
                errors["missing_shap"] += 1
                continue
            key = obj.get("inferenceId") or obj.get("eventId")
            yield (None if key is None else str(key)), per_label(shap, label)


def suggest_attribution(
    path: Path, *, label: str, agg_method: str, left_out: Counter[str] | None = None
) -> list[LabelExplanation]:
    """Baseline global SHAP values per label from a file of local SHAP values.

    What the aggregate leaves out is counted in ``left_out`` by reason: lines that are not
    JSON (``invalid_json``) or hold no ``shap`` object (``missing_shap``), and values that
    are not a finite number (``not_a_number``, an empty CSV cell included). A feature with
    no number at all is refused (ValueError naming it): its global value would be null,
    which no attribution baseline may hold — a SHAP file of feature values, say.
    """
    if agg_method not in AGG_METHODS:
        msg = f"--shap-agg must be one of {AGG_METHODS}, got {agg_method!r}"
        raise ValueError(msg)
    rows: dict[str, list[dict[str, float]]] = {}
    errors: Counter[str] = Counter() if left_out is None else left_out
    for _, local in iter_local_shap(path, label, errors):
        for name, values in local.items():
            not_numbers = sum(not math.isfinite(v) for v in values.values())
            if not_numbers:
                errors["not_a_number"] += not_numbers
            rows.setdefault(name, []).append(values)
    if not rows:
        reasons = ", ".join(f"{reason}={n}" for reason, n in sorted(errors.items()))
        msg = f"{path} holds no SHAP values" + (f" (left out: {reasons})" if reasons else "")
        raise ValueError(msg)
    explanations = [
        baseline_from_local_shap(values, label=name, agg_method=agg_method)
        for name, values in rows.items()
    ]
    for explanation in explanations:
        empty = [f for f, v in explanation.global_shap_values if not math.isfinite(v)]
        if empty:
            msg = (
                f"{path.name} holds no numeric SHAP value for {', '.join(map(repr, empty))}"
                f" (label {explanation.label}); local SHAP values must be numbers"
            )
            raise ValueError(msg)
    return explanations


def save_attribution_baseline(
    folder: Path, explanations: list[LabelExplanation], agg_method: str
) -> None:
    """Write ``analysis.json`` and the SHAP settings the runs reuse."""
    write_json(folder / ANALYSIS, analysis_document(explanations))
    headers = list(dict.fromkeys(f for e in explanations for f in e.features))
    write_json(
        folder / ANALYSIS_CONFIG,
        {"headers": headers, "methods": {"shap": {"agg_method": agg_method}}},
    )


class AttributionBaseline(NamedTuple):
    """Baseline global SHAP values per label, the aggregation they used, the feature names.

    ``headers`` are ``analysis_config.json``'s feature names in the model's input order
    (without the label column): the names of SHAP values given by position, as a Clarify
    online explainability response gives them without ``FeatureHeaders``.
    """

    explanations: dict[str, LabelExplanation]
    agg_method: str
    headers: tuple[str, ...] = ()

    @property
    def plain_label(self) -> str:
        """The label a plain ``{feature: value}`` SHAP map (one naming no label) is for.

        A baseline of one model output takes them whatever its key: Clarify names a single
        output ``label0``, after its ``label_headers`` entry, or (AWS's JSON batch-transform
        explainability example) after a score such as ``"0.7956783771514893"``. With several
        outputs a plain map is ``label0``'s, Clarify's name for the first.
        """
        labels = list(self.explanations)
        return labels[0] if len(labels) == 1 else DEFAULT_LABEL


def load_attribution_baseline(folder: Path) -> AttributionBaseline:
    """Read ``attribution/analysis.json`` (and ``analysis_config.json`` when present)."""
    headers: tuple[str, ...] = ()
    try:
        explanations = read_explanations(read_json(folder / ANALYSIS))
        agg_method = "mean_abs"
        if (folder / ANALYSIS_CONFIG).is_file():
            config = read_json(folder / ANALYSIS_CONFIG)
            agg_method = str(
                config.get("methods", {}).get("shap", {}).get("agg_method", agg_method)
            )
            headers = _feature_headers(config)
    except (AttributeError, TypeError, ValueError) as exc:
        msg = f"attribution baseline in {folder} is not usable: {exc}"
        raise BaselineError(msg) from exc
    if agg_method not in AGG_METHODS:
        msg = f"attribution baseline in {folder}: agg_method must be one of {AGG_METHODS}"
        raise BaselineError(msg)
    return AttributionBaseline(explanations, agg_method, headers)


def _feature_headers(config: Mapping[str, Any]) -> tuple[str, ...]:
    """``headers`` of an analysis config without its ``label`` column (Clarify lists it)."""
    headers = config.get("headers")
    if not isinstance(headers, list):
        return ()
    label = config.get("label")  # a column name, or a 0-based index
    return tuple(
        str(h)
        for i, h in enumerate(headers)
        if not (i == label if is_index(label) else isinstance(label, str) and h == label)
    )


class AttributionRun:
    """Live global SHAP values per baseline label, and the drift check against the baseline."""

    def __init__(self, baseline: AttributionBaseline) -> None:
        self.baseline = baseline
        self.aggregates = {
            label: GlobalShap(
                name=f"shap.{label}",
                features=explanation.features,
                label=label,
                agg_method=baseline.agg_method,
                min_samples=1,
            )
            for label, explanation in baseline.explanations.items()
        }
        self.records = 0
        self.unknown_labels: Counter[str] = Counter()

    def update(self, local: LocalShap) -> None:
        """Take one explained record."""
        self.records += 1
        for label, values in local.items():
            aggregate = self.aggregates.get(label)
            if aggregate is None:
                self.unknown_labels[label] += 1
            else:
                aggregate.update(values)

    def merge(self, other: AttributionRun) -> None:
        """Absorb a run over other records (another partition, a later delta)."""
        self.records += other.records
        self.unknown_labels.update(other.unknown_labels)
        for label, aggregate in self.aggregates.items():
            aggregate.merge(other.aggregates[label])

    def to_state(self) -> dict[str, Any]:
        """JSON-safe state: records, unknown labels, one aggregate state per label."""
        return {
            "records": self.records,
            "unknown_labels": dict(self.unknown_labels),
            "aggregates": {label: a.to_state() for label, a in self.aggregates.items()},
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take a :meth:`to_state` of a run against the same baseline."""
        self.records = int(state["records"])
        self.unknown_labels = Counter(state["unknown_labels"])
        self.aggregates = {
            label: GlobalShap.from_state(s) for label, s in state["aggregates"].items()
        }

    def results(self, threshold: float = 0.9) -> list[AttributionDriftResult]:
        """The nDCG check per label.

        Labels without a value of any baseline feature are left out: records whose SHAP maps
        name other features only would rank ties, an nDCG (0.99) that compares nothing.
        """
        out = []
        for label, aggregate in self.aggregates.items():
            live = aggregate.global_shap_values()
            if aggregate.n == 0 or all(math.isnan(v) for v in live.values()):
                continue
            out.append(
                feature_attribution_drift_check(
                    label,
                    self.baseline.explanations[label].shap_values(),
                    live,
                    threshold=threshold,
                    sample_count=aggregate.n,
                )
            )
        return out

    def analysis(self) -> dict[str, Any]:
        """The window's ``analysis.json``: global SHAP values and expected value per label.

        ``expected_value`` is the baseline's, when its ``analysis.json`` has one (a
        Clarify-written baseline does): Kernel SHAP's ``φ_0`` is the model's mean output
        over the SHAP baseline dataset, which does not depend on the records explained, so
        Clarify's monitoring job, explaining with the baselining job's SHAP baseline and
        model, writes the same number. A baseline without one (built from local SHAP
        values, which do not carry ``φ_0``) leaves it out: no window can supply it.
        """
        return analysis_document(
            LabelExplanation(
                label,
                tuple(a.global_shap_values().items()),
                self.baseline.explanations[label].expected_value,
            )
            for label, a in self.aggregates.items()
            if a.n
        )

    def unknown_labels_note(self) -> str:
        """Which records' labels the baseline does not explain (their values went unused)."""
        if not self.unknown_labels:
            return ""
        seen = ", ".join(f"{label!r} ({n})" for label, n in self.unknown_labels.most_common(5))
        explained = ", ".join(repr(label) for label in self.aggregates)
        return (
            f"SHAP values of labels the baseline does not explain: {seen}; it explains {explained}"
        )

    def features(self) -> list[str]:
        """The baseline's features, over every label."""
        explanations = self.baseline.explanations.values()
        return list(dict.fromkeys(f for e in explanations for f in e.features))
