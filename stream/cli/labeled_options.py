"""``analyze``'s labelled options: ground truth, where the prediction is, A2I, SHAP, rules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from detectors.model_quality.statistics import PROBLEM_TYPES
from stream.cli.output import InputPath

LABELED_OPTIONS = [
    click.option(
        "--ground-truth",
        type=InputPath(expected="a ground-truth file or folder", path_type=Path),
        default=None,
        help="Ground-truth JSONL file (or gzip-compressed), or a folder searched recursively.",
    ),
    click.option(
        "--ground-truth-attribute",
        default=None,
        help="Where the label sits in JSON-encoded ground truth (groundTruthData.encoding "
        "JSON), e.g. label or instances[*].label [default: the bias baseline's label].",
    ),
    click.option(
        "--problem-type",
        type=click.Choice(PROBLEM_TYPES),
        default=None,
        help="Model-quality problem type [default: the baseline's].",
    ),
    click.option(
        "--inference-attribute",
        default=None,
        help='Predicted label in the output: column index ("0") or JSON key/path '
        "[default: the bias baseline's predictor.label; with no --probability-attribute "
        "either: the output's one value].",
    ),
    click.option(
        "--probability-attribute",
        default=None,
        help='Positive-class score in the output, for AUC: column index ("0") or JSON key/path '
        "[default: the bias baseline's predictor.probability; with no --inference-attribute "
        "either: the output's one value, a number "
        "being the score for binary classification, and for bias unless its label is "
        "continuous and no probability threshold is given].",
    ),
    click.option(
        "--probability-threshold",
        type=click.FloatRange(0.0, 1.0),
        default=None,
        help="Without a predicted label, score > threshold is positive "
        "[default: 0.5, bias: the baseline config's].",
    ),
    click.option(
        "--bias-drift-check",
        type=click.Choice(("point", "bootstrap")),
        default="point",
        show_default=True,
        help="How a bias metric breaks the baseline's range: its value (point, SageMaker's "
        "documented rule) or its whole bootstrap interval (bootstrap, fewer alarms on few rows).",
    ),
    click.option(
        "--a2i-answer-path",
        default=None,
        help="Read *.json A2I outputs too; dotted path of the answer in answerContent.",
    ),
    click.option(
        "--a2i-inference-id-path",
        default="inferenceId",
        show_default=True,
        help="Dotted path of the inference id in inputContent.",
    ),
    click.option("--a2i-value-map", default=None, help="Answer to label, e.g. yes=1,no=0."),
    click.option(
        "--a2i-consolidation",
        type=click.Choice(("majority", "mean", "median")),
        default="majority",
        show_default=True,
        help="How several workers' answers become one label.",
    ),
    click.option(
        "--shap",
        type=InputPath(dir_okay=False, path_type=Path),
        default=None,
        help="Local SHAP values: JSON Lines of {inferenceId, shap: {...}} joined to the "
        "captures by key, or a CSV whose rows are taken as they are.",
    ),
]


def labeled_analysis_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--ground-truth``, the prediction attributes, A2I and SHAP options."""
    for option in reversed(LABELED_OPTIONS):
        command = option(command)
    return command
