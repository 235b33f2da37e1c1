"""Write the labelled worked example's files: training data, Clarify config, captures, labels.

The model is the demo's synthetic credit model (``stream.demo.labelled.SyntheticModel``):
a logistic score of income, tenure and age with a penalty for ``region = north``, whose
answers carry the score, the predicted label and the local SHAP values. Written here:

- ``features.csv`` — 5,000 training rows of the six features, with a header: the
  data-quality baseline's dataset (what the capture's input holds);
- ``training.csv`` — the same rows, then ``label`` (the truth), ``prediction`` and
  ``probability`` (the model's answer): the model-quality, bias and attribution baselines'
  dataset, as SageMaker's model-quality and Clarify jobs take one of their own;
- ``training_shap.jsonl`` — ``{"inferenceId", "shap": {feature: value}}`` per training row;
- ``bias_config.json`` — Clarify's analysis-config keys (label, facet, label values);
- ``captures/credit-endpoint/AllTraffic/yyyy/mm/dd/hh/*.jsonl`` — two hours of SageMaker
  capture records (CSV input, JSON output ``{"score", "label", "shap"}``), the second hour
  with the model gone wrong: its labels stop following the score and ``region = north``
  is scored much lower;
- ``groundtruth/yyyy/mm/dd/hh/labels.jsonl`` — SageMaker ground-truth records for 80 % of
  the captured predictions, keyed by their inferenceId.

Run ``python examples/labelled/make_files.py [FOLDER]`` (default: this folder).
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson

from stream.demo.labelled import (
    ACCURACY,
    FACET,
    FACET_NAME,
    FACET_VALUE,
    SyntheticModel,
    ground_truth_record,
    labelled_capture_record,
)

MODEL = SyntheticModel()
START = datetime(2024, 3, 5, 14, tzinfo=UTC).timestamp()
PER_HOUR = 3_000
LABELLED_SHARE = 0.8


def write_training(folder: Path, rng: random.Random, n: int = 5_000) -> None:
    schema = MODEL.schema
    with (folder / "training.csv").open("w", newline="") as out, \
            (folder / "features.csv").open("w", newline="") as inputs, \
            (folder / "training_shap.jsonl").open("wb") as shap:  # fmt: skip
        writer, features = csv.writer(out), csv.writer(inputs)
        writer.writerow([*schema.features, "label", "prediction", "probability"])
        features.writerow(schema.features)
        for k, row in enumerate(schema.rows(rng, n)):
            answer = MODEL.answer(rng, row)
            writer.writerow([*row, answer.label, answer.predicted, answer.score])
            features.writerow(row)
            shap.write(orjson.dumps({"inferenceId": f"train-{k}", "shap": answer.shap}) + b"\n")
    config = {
        "label": "label",
        "predicted_label": "prediction",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": FACET_NAME, "value_or_threshold": [FACET_VALUE]}],
    }
    (folder / "bias_config.json").write_bytes(orjson.dumps(config, option=orjson.OPT_INDENT_2))


def hour_path(root: Path, seconds: float, name: str) -> Path:
    path = root / datetime.fromtimestamp(seconds, UTC).strftime("%Y/%m/%d/%H") / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def write_traffic(folder: Path, rng: random.Random) -> None:
    captures = folder / "captures" / "credit-endpoint" / "AllTraffic"
    for hour, drifted in enumerate([(), (ACCURACY, FACET)]):
        start = START + hour * 3600
        rows = MODEL.schema.rows(rng, PER_HOUR)
        capture_lines, label_lines = [], []
        for k, row in enumerate(rows):
            key = f"h{hour}-{k:05d}"
            answer = MODEL.answer(rng, row, drifted)
            seconds = start + k * 3600 / PER_HOUR
            capture_lines.append(orjson.dumps(labelled_capture_record(key, seconds, row, answer)))
            if rng.random() < LABELLED_SHARE:
                label_lines.append(orjson.dumps(ground_truth_record(key, answer.label)))
        hour_path(captures, start, f"00-00-000-credit-{hour:02d}.jsonl").write_bytes(
            b"\n".join(capture_lines) + b"\n"
        )
        hour_path(folder / "groundtruth", start, "labels.jsonl").write_bytes(
            b"\n".join(label_lines) + b"\n"
        )


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2024)
    write_training(folder, rng)
    write_traffic(folder, rng)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
