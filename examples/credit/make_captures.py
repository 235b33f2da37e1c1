"""Write the synthetic capture files of examples/credit/captures/ (deterministic: seeded).

SageMaker's data-capture layout, ``<endpoint>/<variant>/yyyy/mm/dd/hh/<mm-ss-sss>-<id>.jsonl``:
five hours of the credit model's traffic, RECORDS_PER_HOUR records each, CSV input (the
features of examples/credit/baseline/) and a CSV output (the model's score). The first three
hours are drawn from the baseline's law; in the last two ``income`` and ``plan`` drift.
docker-compose.yml's traffic service replays them in a loop as live traffic
(``driftline replay --live --loop``), one hour per minute: at least one whole one-minute
window of every five is drifted, however the windows fall.

    .venv/bin/python examples/credit/make_captures.py [OUT_FOLDER]
"""

from __future__ import annotations

import math
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson

from stream.demo.synthetic import SyntheticSchema, capture_record

ENDPOINT, VARIANT = "credit-endpoint", "AllTraffic"
FIRST_HOUR = datetime(2024, 3, 5, 14, tzinfo=UTC)
HOURS = 5
DRIFTED_HOURS = (3, 4)  # 0-based: the last two
DRIFTED = ("income", "plan")
RECORDS_PER_HOUR = 300
SEED = 11


def score(row: list[str]) -> float:
    """The example model's output: a logistic score of income, tenure and plan."""
    income, tenure, plan = float(row[1]), float(row[2]), row[4]
    z = (income - 52_000.0) / 9_000.0 + (tenure - 30.0) / 12.0 + (plan == "gold") - 0.5
    return 1.0 / (1.0 + math.exp(-z))


def scored_capture_record(inference_id: str, event_seconds: float, row: list[str]) -> dict:
    """The demo's capture record of ``row`` with the model's score as its CSV output."""
    record = capture_record(inference_id, event_seconds, row)
    record["captureData"]["endpointOutput"] = {
        "observedContentType": "text/csv; charset=utf-8",
        "mode": "OUTPUT",
        "data": f"{score(row):.4f}",
        "encoding": "CSV",
    }
    return record


def write_captures(out: Path) -> list[Path]:
    """Write the hourly files under ``out``; return their paths in order."""
    rng = random.Random(SEED)
    schema = SyntheticSchema.demo()
    spacing = 3600.0 / RECORDS_PER_HOUR
    files = []
    for hour in range(HOURS):
        start = FIRST_HOUR.timestamp() + 3600 * hour
        folder = out.joinpath(ENDPOINT, VARIANT, *datetime.fromtimestamp(start, UTC)
                              .strftime("%Y %m %d %H").split())  # fmt: skip
        folder.mkdir(parents=True, exist_ok=True)
        rows = schema.rows(rng, RECORDS_PER_HOUR, DRIFTED if hour in DRIFTED_HOURS else ())
        lines = [
            orjson.dumps(scored_capture_record(f"{hour:02d}-{i:04d}", start + i * spacing, row))
            for i, row in enumerate(rows)
        ]
        path = folder / f"00-00-000-credit-{hour:02d}.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        files.append(path)
    return files


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("captures")
    for written in write_captures(target):
        print(written)
