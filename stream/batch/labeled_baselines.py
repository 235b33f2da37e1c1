"""``driftline baseline suggest``'s model-quality, bias and attribution baselines.

Written next to the data-quality baseline (``OUT/statistics.json``, ``OUT/constraints.json``,
which keeps every column of the file, label and prediction included, as SageMaker does):

- ``OUT/model_quality/statistics.json`` + ``constraints.json`` (``--problem-type``);
- ``OUT/bias/analysis.json`` + ``analysis_config.json`` (``--bias-config``);
- ``OUT/attribution/analysis.json`` + ``analysis_config.json`` (``--shap``).

Every problem a user can fix raises :class:`LabeledBaselineError` with a one-line message.

A JSON Lines file whose bias config is Clarify's JSON Lines shape (``dataset_type``
``application/jsonlines`` with ``features``) is read as Clarify reads it, each line's
features at that path named by ``headers`` (:func:`clarify_format`,
:mod:`stream.batch.clarify_json_lines`), for every baseline of the run; so is a JSON file
whose config is Clarify's JSON shape (``application/json``: one document, the paths over
the whole of it, :mod:`stream.batch.clarify_json_document`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detectors.model_quality.statistics import BINARY, MULTICLASS, REGRESSION
from stream.batch.clarify_json_lines import ClarifyJsonLines
from stream.batch.data_files import DataFileError, DataFormat
from stream.batch.validation_columns import data_file_header, iter_row_values, read_selected_columns
from stream.capture.predictions import LocatedPrediction, score_value
from stream.monitors.attribution import (
    save_attribution_baseline,
    suggest_attribution,
)
from stream.monitors.bias import BIAS, BiasRun, left_out_reasons_text, save_bias_baseline
from stream.monitors.bias_indices import pin_indexed_columns
from stream.monitors.bias_settings import (
    BiasSettings,
    column_names,
    flip_test_features,
    names_no_column,
    pin_data_types,
    pin_headers_end,
    read_bias_config,
)
from stream.monitors.files import ATTRIBUTION, MODEL_QUALITY, BaselineError, read_json
from stream.monitors.model_quality import (
    non_numeric_scores,
    save_model_quality_baseline,
    suggest_model_quality,
)


class LabeledBaselineError(Exception):
    """A labelled-baseline request that cannot be served (one line for the user)."""


@dataclass(frozen=True)
class LabeledBaselineRequest:
    """What ``baseline suggest`` was asked for beyond data quality."""

    problem_type: str | None = None
    label_column: str | None = None
    prediction_column: str | None = None
    probability_column: str | None = None
    probability_threshold: float | None = None
    bias_config: Path | None = None
    shap: Path | None = None
    shap_label: str = "label0"
    shap_agg: str = "mean_abs"


_CONFIG_KEYS_OF_OPTIONS = (
    ("label_column", "label", "--label-column"),
    ("prediction_column", "predicted_label", "--prediction-column"),
    ("probability_column", "probability", "--probability-column"),
    ("probability_threshold", "probability_threshold", "--probability-threshold"),
)


def _replaced_config_values(request: LabeledBaselineRequest, doc: dict[str, Any]) -> list[str]:
    """A warning line for each option that replaces another value the bias config gives."""
    lines = []
    for attribute, key, option in _CONFIG_KEYS_OF_OPTIONS:
        given = getattr(request, attribute)
        if given is not None and doc.get(key) is not None and doc[key] != given:
            lines.append(
                f"  warning: {option} {given} replaces the bias config's {key} {doc[key]!r}"
            )
    return lines


def _bias_document(request: LabeledBaselineRequest) -> tuple[dict[str, Any] | None, list[str]]:
    """The bias config with the options' columns in it, and a warning per value replaced."""
    if request.bias_config is None:
        return None, []
    try:
        doc = read_json(request.bias_config)
    except BaselineError as exc:
        raise LabeledBaselineError(str(exc)) from exc
    if not isinstance(doc, dict):
        msg = f"{request.bias_config} must hold a JSON object (Clarify's analysis config)"
        raise LabeledBaselineError(msg)
    doc = pin_headers_end(doc)  # which outputs the headers name: the config's, not the options'
    warnings = _replaced_config_values(request, doc)
    if request.label_column:
        doc["label"] = request.label_column
    if request.prediction_column:
        doc["predicted_label"] = request.prediction_column
    if request.probability_column:
        doc["probability"] = request.probability_column
    if request.probability_threshold is not None:
        doc["probability_threshold"] = request.probability_threshold
    if names_no_column(doc.get("label")):
        msg = "the bias baseline needs a label column: --label-column or the config's 'label'"
        raise LabeledBaselineError(msg)
    if names_no_column(doc.get("predicted_label")) and names_no_column(doc.get("probability")):
        msg = (
            "the bias baseline needs predictions: --prediction-column/--probability-column "
            "or the config's 'predicted_label'"
        )
        raise LabeledBaselineError(msg)
    return doc, warnings


def clarify_format(fmt: DataFormat, request: LabeledBaselineRequest) -> DataFormat:
    """``fmt`` reading a JSON Lines file as its Clarify bias config says, if it says so.

    Only a JSON Lines (or ``.json``) file with a ``--bias-config`` of ``dataset_type``
    ``application/jsonlines`` (or ``application/json``) that gives ``features`` is read so
    (the options' label and prediction paths applied); any other comes back as it is.
    LabeledBaselineError (one line) for such a config that cannot name the values.
    """
    if fmt.kind != "jsonl" or fmt.clarify is not None or request.bias_config is None:
        return fmt
    doc, _ = _bias_document(request)
    assert doc is not None
    try:
        layout = ClarifyJsonLines.from_config(doc)
    except ValueError as exc:
        msg = f"{request.bias_config}: {exc}"
        raise LabeledBaselineError(msg) from exc
    return fmt if layout is None else DataFormat(fmt.kind, fmt.header, layout)


def _check_model_quality_request(request: LabeledBaselineRequest) -> None:
    if request.problem_type is None:
        return
    if not request.label_column:
        msg = "--problem-type needs --label-column"
        raise LabeledBaselineError(msg)
    if not request.prediction_column and not request.probability_column:
        msg = "--problem-type needs --prediction-column or --probability-column"
        raise LabeledBaselineError(msg)
    if request.problem_type != BINARY and not request.prediction_column:
        msg = (
            f"--problem-type {request.problem_type} needs --prediction-column: "
            "--probability-column is a binary model's positive-class score"
        )
        raise LabeledBaselineError(msg)


def _bias_settings(
    request: LabeledBaselineRequest, doc: dict[str, Any], header: Sequence[str] | None
) -> BiasSettings:
    """The bias config read, each column index named by its headers or the file's ``header``.

    With ``header`` None, only checks the config (before the data file is read).
    """
    try:
        bias = read_bias_config(doc)
        return BiasSettings(doc if header is None else pin_indexed_columns(doc, header), bias)
    except ValueError as exc:
        msg = f"{request.bias_config}: {exc}"
        raise LabeledBaselineError(msg) from exc


def _needed_columns(request: LabeledBaselineRequest, bias: BiasSettings | None) -> list[str]:
    names: list[str] = []
    if request.problem_type is not None:
        names += [c for c in (request.label_column, request.prediction_column) if c]
        names += [request.probability_column] if request.probability_column else []
    if bias is not None:
        outputs = ("label", "predicted_label", "probability")
        names += [c for k in outputs if (c := bias.output_column(k)) is not None]
        names += column_names(bias)
    return names


def suggest_labeled_baselines(
    data: Path,
    fmt: DataFormat,
    out: Path,
    request: LabeledBaselineRequest,
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    """Write the requested baselines; return one summary line per baseline written."""
    fmt = clarify_format(fmt, request)
    bias_doc, lines = _bias_document(request)
    _check_model_quality_request(request)
    if bias_doc is not None:
        _bias_settings(request, bias_doc, None)  # a bad config is said before the file is read
    columns: dict[str, list[Any]] = {}
    header: tuple[str, ...] = ()
    bias: BiasSettings | None = None
    if request.problem_type is not None or bias_doc is not None:
        try:
            header = data_file_header(data, fmt)  # read once: a JSON Lines key scan is a pass
            bias = None if bias_doc is None else _bias_settings(request, bias_doc, header)
            names = _needed_columns(request, bias)
            columns, _ = read_selected_columns(data, fmt, names, progress, header=header)
        except DataFileError as exc:
            raise LabeledBaselineError(str(exc)) from exc
        bias_doc = None if bias is None else bias.config
    if request.problem_type is not None:
        lines.append(_suggest_model_quality(request, columns, out))
    if bias_doc is not None:
        lines.extend(_suggest_bias(bias_doc, columns, data, fmt, header, out, request))
    if request.shap is not None:
        left_out: Counter[str] = Counter()
        try:
            explanations = suggest_attribution(
                request.shap,
                label=request.shap_label,
                agg_method=request.shap_agg,
                left_out=left_out,
            )
        except (OSError, ValueError) as exc:
            raise LabeledBaselineError(str(exc)) from exc
        save_attribution_baseline(out / ATTRIBUTION, explanations, request.shap_agg)
        labels = ", ".join(e.label for e in explanations)
        note = ""
        if left_out:
            reasons = ", ".join(f"{reason}={n}" for reason, n in sorted(left_out.items()))
            note = f", left out: {reasons}"
        lines.append(
            f"attribution: global SHAP ({request.shap_agg}) of {labels}{note}"
            f" -> {out / ATTRIBUTION}"
        )
    return lines


def _suggest_model_quality(
    request: LabeledBaselineRequest, columns: dict[str, list[Any]], out: Path
) -> str:
    assert request.problem_type is not None and request.label_column is not None
    scores = columns.get(request.probability_column or "")
    note = ""
    if scores is not None and request.problem_type != BINARY:
        # SageMaker takes a probability attribute for every problem type; only binary
        # classification has score metrics (AUC), so analyze and the worker read none here
        scores = None
        column, problem = request.probability_column, request.problem_type
        note = f", --probability-column {column!r} not used ({problem} has no AUC)"
    if scores is not None:
        given, not_numeric, first = non_numeric_scores(scores)
        if not_numeric and not_numeric == given:
            msg = (
                f"--probability-column {request.probability_column!r} holds no numeric score "
                f"(e.g. {first!r}); scores must be numbers, as AUC needs them"
            )
            raise LabeledBaselineError(msg)
        if not_numeric:
            note = f", {not_numeric} non-numeric scores left out (e.g. {first!r})"
    try:
        baseline = suggest_model_quality(
            request.problem_type,
            columns[request.label_column],
            columns.get(request.prediction_column or ""),
            scores,
            probability_threshold=(
                0.5 if request.probability_threshold is None else request.probability_threshold
            ),
        )
    except ValueError as exc:
        raise LabeledBaselineError(str(exc)) from exc
    if baseline.statistics.item_count == 0:
        raise LabeledBaselineError(_no_usable_row(request, columns))
    if baseline.invalid_count:
        left = baseline.invalid_count
        note += f", {left} row{'s' if left != 1 else ''} left out (label or prediction not usable)"
    save_model_quality_baseline(out / MODEL_QUALITY, baseline)
    return (
        f"model quality: {baseline.statistics.item_count} labelled rows "
        f"({request.problem_type}){note} -> {out / MODEL_QUALITY}"
    )


def _no_usable_row(request: LabeledBaselineRequest, columns: dict[str, list[Any]]) -> str:
    """Why a model-quality baseline has no row: what the first row held."""
    labels = columns[request.label_column or ""]
    predictions = columns.get(request.prediction_column or "")
    first = f"label {labels[0]!r}" if labels else "no rows"
    if labels and predictions is not None:
        first += f", prediction {predictions[0]!r}"
    need = {
        BINARY: "0/1 or true/false labels and predictions (or numeric scores)",
        MULTICLASS: "a label and a prediction in every row",
        REGRESSION: "finite numbers as labels and predictions",
    }.get(request.problem_type or "", "usable labels and predictions")
    return (
        f"no usable labelled row for {request.problem_type} in {len(labels)} rows "
        f"(first: {first}); {request.problem_type} needs {need}"
    )


def _suggest_bias(
    doc: dict[str, Any],
    columns: dict[str, list[Any]],
    data: Path,
    fmt: DataFormat,
    header: tuple[str, ...],
    out: Path,
    request: LabeledBaselineRequest,
) -> list[str]:
    model_outputs = (request.label_column, request.prediction_column, request.probability_column)
    try:
        features = flip_test_features(doc, header, [c for c in model_outputs if c])
        absent = [f for f in features if f not in header]
        if absent:
            msg = f"headers name columns {absent} that {data.name} does not have"
            raise ValueError(msg)
        settings = pin_data_types(doc, columns, features)
    except ValueError as exc:
        msg = f"{request.bias_config}: {exc}"
        raise LabeledBaselineError(msg) from exc
    run = BiasRun(settings)
    labels = columns[settings.output_column("label") or ""]
    predicted = columns.get(settings.output_column("predicted_label") or "")
    scores = columns.get(settings.output_column("probability") or "")
    # FT's feature columns are streamed beside the selected ones, one batch in memory
    vectors = iter_row_values(data, fmt, features, header=header) if features else None
    for i, label in enumerate(labels):
        prediction = LocatedPrediction(
            None if predicted is None else predicted[i],
            None if scores is None else score_value(scores[i]),
        )
        row = {name: column[i] for name, column in columns.items()}
        if vectors is not None:  # typed selected columns win over the raw text
            for name, value in zip(features, next(vectors), strict=True):
                row.setdefault(name, value)
        run.update(row, label, prediction)
    save_bias_baseline(out / BIAS, settings, run.analysis())
    left_out = f"{run.n_invalid} left out"
    if run.n_invalid:
        left_out += f" ({left_out_reasons_text(run.left_out_reasons())})"
    line = f"bias: {run.n} rows, {left_out} -> {out / BIAS}"
    # a facet value no row has (or every row has) leaves the baseline's metrics null: say so
    warnings = [w for rows in run.facet_rows() if (w := rows.warning()) is not None]
    return [line, *(f"  warning: {w}" for w in warnings)]
