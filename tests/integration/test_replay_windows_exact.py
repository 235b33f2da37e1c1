"""``driftline replay`` and ``labels push`` of three hours of capture files, 60 s windows.

The files are laid out as SageMaker writes them for an endpoint with two instances: each
hour folder holds both instances' ten-minute files, so records come up to ten minutes out of
order across files (inside the revision horizon); they are gzip'd, or start with a BOM, use
CRLF, or end without a newline. The first hour's labels are pushed before the captures, the
others after the worker has profiled every capture record; the last hour captures 100 of the
first hour's ids again, and labels them all, including the 20 whose first capture never got a
label. Those reused ids are why the test waits between steps: a label pairs with the capture
of its key that the worker holds when the label arrives, so read in another order they would
pair otherwise (and the test, not the worker, would be wrong).

Reference, by hand from the generated records: every window's record count, labelled count
and accuracy (scikit-learn's) — each record in its own minute, each label with the capture
of its own hour.
"""

from __future__ import annotations

import gzip
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import pytest
from sklearn.metrics import accuracy_score

from stream.capture.records import iso_utc
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.test_worker_agrees_with_analyze import (  # noqa: F401 (a fixture)
    _answer,
    _label,
    _row,
    baseline,
)
from tests.integration.workers import WorkerProcess, read_json, wait_for

pytestmark = pytest.mark.kafka

T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z
PER_HOUR = 600
REUSED = 100  # the last hour's first ids are the first hour's


def _traffic() -> list[list[tuple[str, dict[str, Any], int, int, float]]]:
    """Per hour, in time order: (key, capture record, true label, predicted, event time)."""
    rng = random.Random(5)
    hours = []
    for hour in range(3):
        items = []
        for i in range(PER_HOUR):
            key = f"h0-{i}" if hour == 2 and i < REUSED else f"h{hour}-{i}"
            row = _row(rng, live=True)
            score, predicted, label, _ = _answer(rng, row)
            seconds = T0 + hour * 3600 + rng.uniform(0, 3599)
            output = {"score": score, "label": predicted}
            record = {
                "captureData": {
                    "endpointInput": {"observedContentType": "application/json", "mode": "INPUT",
                                      "data": orjson.dumps(row).decode(), "encoding": "JSON"},
                    "endpointOutput": {"observedContentType": "application/json",
                                       "mode": "OUTPUT", "data": orjson.dumps(output).decode(),
                                       "encoding": "JSON"},
                },
                "eventMetadata": {"eventId": f"e{hour}-{i}", "inferenceId": key,
                                  "inferenceTime": iso_utc(seconds)},
                "eventVersion": "0",
            }  # fmt: skip
            items.append((key, record, label, predicted, seconds))
        hours.append(sorted(items, key=lambda item: item[4]))
    return hours


def _labelled(hour: int, key: str) -> bool:
    """Four in five keys get a label; the last hour labels every reused key."""
    return int(key.split("-")[1]) % 5 != 4 or (hour == 2 and key.startswith("h0-"))


def _write(folder: Path, hours: list) -> tuple[Path, Path]:
    captures, truth = folder / "capture", folder / "groundtruth"
    for hour, items in enumerate(hours):
        day = f"2024/03/05/{14 + hour}"
        where = captures / "ep" / "AllTraffic" / day
        where.mkdir(parents=True)
        for block in range(6):  # two instances' ten-minute files, sent a after b
            for instance in (0, 1):
                lines = [
                    orjson.dumps(item[1])
                    for k, item in enumerate(items)
                    if (item[4] - T0) % 3600 // 600 == block and k % 2 == instance
                ]
                name = f"{block * 10:02d}-00-000-{'ab'[instance]}.jsonl"
                if hour == 0:
                    (where / (name + ".gz")).write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
                elif hour == 1:
                    (where / name).write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(lines))  # no last EOL
                else:
                    (where / name).write_bytes(b"\n".join(lines) + b"\n")
        labels = [orjson.dumps(_label(key, label)) for key, _, label, _, _ in items
                  if _labelled(hour, key)]  # fmt: skip
        (truth / day).mkdir(parents=True)
        (truth / day / "labels.jsonl").write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(labels))
    return captures, truth


def _config(folder: Path, bootstrap: str, prefix: str, baseline_folder: Path) -> Path:
    path = folder / "worker.toml"
    path.write_text(f"""
[kafka]
bootstrap_servers = "{bootstrap}"
topic_prefix = "{prefix}"
partitions = 4
[worker]
label_flush_seconds = 0.5
[[monitor]]
name = "m"
baseline = "{baseline_folder}"
window_seconds = 60
allowed_lateness_seconds = 1
idle_close_seconds = 3
capture_index_names = ["endpointInput"]
[monitor.model_quality]
problem_type = "BinaryClassification"
inference_attribute = "label"
probability_attribute = "score"
""")
    return path


def _run(config: Path, *args: Any) -> str:
    command = [sys.executable, "-m", "stream.cli", *map(str, args), "--config", str(config)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_window_of_replayed_hours_is_exact(tmp_path, kafka_bootstrap, baseline):  # noqa: F811
    hours = _traffic()
    captures, truth = _write(tmp_path, hours)
    records: dict[str, int] = defaultdict(int)
    pairs: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for hour, items in enumerate(hours):
        for key, _, label, predicted, seconds in items:
            window = iso_utc(seconds // 60 * 60)
            records[window] += 1
            if _labelled(hour, key):
                pairs[window].append((label, predicted))

    prefix = f"replayed{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    config = _config(tmp_path, kafka_bootstrap, prefix, baseline)
    worker = WorkerProcess(config, tmp_path / "w.log")
    try:
        wait_for(lambda: worker.assigned() == 4, 90, "4 partitions owned")
        # Each step waits for the worker to have read the one before (see the docstring).
        _run(config, "labels", "push", truth / "2024/03/05/14")
        first = sum(_labelled(0, key) for key, *_ in hours[0])
        wait_for(lambda: worker.sample("driftline_pending_labels", monitor="m") == first, 60,
                 "the first hour's labels waiting")  # fmt: skip
        assert _run(config, "replay", captures).startswith("replayed 1800 records (0 malformed)")
        wait_for(lambda: worker.sample("driftline_events_processed_total", monitor="m") == 1800,
                 60, "every capture record profiled")  # fmt: skip
        for hour in (15, 16):
            _run(config, "labels", "push", truth / f"2024/03/05/{hour}")

        seen: dict[str, Any] = {}

        def latest() -> dict[tuple[str, str], dict[str, Any]] | None:
            docs = read_json(kafka_bootstrap, names.statistics)
            best: dict[tuple[str, str], dict[str, Any]] = {}
            for doc in docs:
                key = (doc["monitor_type"], doc["window_start"])
                if key not in best or doc["revision"] > best[key]["revision"]:
                    best[key] = doc
            labelled = {
                w: best.get(("model_quality", w), {}).get("labelled_count") for w in records
            }
            short = {w: (n, len(pairs[w])) for w, n in labelled.items() if n != len(pairs[w])}
            seen.update(messages=len(docs), windows=len(best), short=short)
            return best if not short and len(best) == 2 * len(records) else None

        try:
            best = wait_for(latest, 60, "every window with every label")
        except AssertionError as timed_out:
            labels = {
                name: worker.sample(f"driftline_{name}", monitor="m")
                for name in (
                    "pending_labels",
                    "labels_joined_total",
                    "labels_superseded_total",
                    "labels_expired_total",
                    "labels_duplicate_total",
                    "unusable_labels_total",
                )
            }
            tail = worker.log_path.read_text(errors="replace")[-3000:]
            raise AssertionError(
                f"{timed_out}; last read {seen} of {2 * len(records)} "
                f"windows; worker {labels}; log tail:\n{tail}"
            ) from None
        assert worker.sample("driftline_late_events_total", monitor="m") == 0
    finally:
        worker.stop()
    counted = {w: best[("data_quality", w)]["dataset"]["item_count"] for w in records}
    assert counted == records
    labelled = {w: best[("model_quality", w)]["labelled_count"] for w in records}
    assert labelled == {w: len(pairs[w]) for w in records}
    for window, joined in pairs.items():
        metrics = best[("model_quality", window)]["binary_classification_metrics"]
        assert metrics["accuracy"]["value"] == pytest.approx(
            accuracy_score(*zip(*joined, strict=True)), abs=1e-12
        ), window
