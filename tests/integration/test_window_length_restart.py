"""A worker restarted with another ``window_seconds`` never mixes windows of the two lengths.

A crash audit found it: a worker with all four monitors and 10 s windows took window 0 and
the first half of window 1, got SIGTERM, and was restarted with 20 s windows. The published
``[14:00:00, 14:00:10)`` ended with 450 records — its own 300 and 150 of the 20 s window
``[14:00:00, 14:00:20)`` of the same start — and the labelled results did the same.

Now each window is published with its own records: the 10 s windows of the first part as a
10 s run over those records publishes them (``[0, 10)`` whole, ``[10, 20)`` with the records
read before the restart), and each 20 s window after the change holds the records of its span
read after it. Reference: the traffic itself — per window the records sent, the exact sum
(math.fsum) of a numeric feature, and every prediction labelled.
"""

from __future__ import annotations

import math
import random
import time

import pytest

from stream.demo.labelled import labelled_capture_record
from stream.kafka.topics import TopicNames, ensure_topics_sync
from tests.integration.test_labelled_worker import MODEL, config, send, send_labels
from tests.integration.workers import WorkerProcess, read_json, wait_for

pytestmark = pytest.mark.kafka

T0 = 1_709_647_200.0  # 2024-03-05T14:00:00Z
FEATURE = "income"
INDEX = MODEL.schema.features.index(FEATURE)


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _part(rng: random.Random, name: str, start: float, n: int, step: float) -> list[tuple]:
    """``n`` labelled captures from ``start``, ``step`` seconds apart: (part, key, doc, answer)."""
    out = []
    for k, row in enumerate(MODEL.schema.rows(rng, n)):
        answer = MODEL.answer(rng, row, ())
        key = f"{name}-{k}"
        out.append((name, key, labelled_capture_record(key, start + k * step, row, answer), answer))
    return out


def _reference(items) -> tuple[int, float]:
    values = [float(doc["captureData"]["endpointInput"]["data"].split(",")[INDEX])
              for _, _, doc, _ in items]  # fmt: skip
    return len(values), math.fsum(values)


def _latest(bootstrap: str, names: TopicNames, monitor_type: str) -> dict[tuple, dict]:
    """The latest revision of each window, by (start, end) relative to T0 in seconds."""
    best: dict[tuple, dict] = {}
    for doc in read_json(bootstrap, names.statistics):
        if doc.get("monitor_type", "data_quality") != monitor_type:
            continue
        key = (doc["window_start"], doc["window_end"])
        if key not in best or doc["revision"] > best[key]["revision"]:
            best[key] = doc
    return best


def _span(start: float, end: float) -> tuple[str, str]:
    return _iso(T0 + start), _iso(T0 + end)


def test_a_restart_with_longer_windows_publishes_each_window_with_its_own_records(
    tmp_path, kafka_bootstrap
):
    from stream.demo.labelled import write_labelled_baselines

    baseline = tmp_path / "baseline"
    write_labelled_baselines(baseline, MODEL, n=3000)
    prefix = f"winlen{random.randrange(10**6)}"
    names = TopicNames.from_prefix(prefix)
    ensure_topics_sync(kafka_bootstrap, names, 4, 1, configs=names.configs)
    ten = config(tmp_path, kafka_bootstrap, prefix, baseline, drift_check="point")
    twenty = tmp_path / "twenty.toml"
    text = ten.read_text()
    assert "window_seconds = 10.0" in text
    twenty.write_text(text.replace("window_seconds = 10.0", "window_seconds = 20.0"))

    rng = random.Random(29)
    parts = {
        "w0": _part(rng, "w0", T0, 300, 10 / 300),  # [0, 10)
        "w1a": _part(rng, "w1a", T0 + 10, 150, 0.03),  # 10 .. 14.47: before the restart
        "w1b": _part(rng, "w1b", T0 + 15, 150, 5 / 150),  # 15 .. 19.97: after it
        "w2": _part(rng, "w2", T0 + 20, 200, 0.1),  # [20, 40)
        "w3": _part(rng, "w3", T0 + 40, 200, 0.1),  # [40, 60)
    }
    before = parts["w0"] + parts["w1a"]
    after = parts["w1b"] + parts["w2"] + parts["w3"]
    first = WorkerProcess(ten, tmp_path / "first.log")
    second = None
    try:
        wait_for(lambda: first.assigned() == 4, 90, "4 partitions owned")
        send(kafka_bootstrap, names.capture, [doc for _, _, doc, _ in before])
        send_labels(kafka_bootstrap, names, before)
        joined = lambda: first.sample("driftline_labels_joined_total", monitor="m")  # noqa: E731
        wait_for(lambda: joined() == 450, 60, "450 labels joined and checkpointed")
        wait_for(lambda: _latest(kafka_bootstrap, names, "data_quality").get(_span(0, 10)),
                 60, "window [0, 10) published")  # fmt: skip
        first.stop()  # SIGTERM: every partition checkpointed, [10, 20) open in the snapshot
        second = WorkerProcess(twenty, tmp_path / "second.log", log_level="info")
        wait_for(lambda: second.assigned() == 4, 90, "the restarted worker owning 4 partitions")
        send(kafka_bootstrap, names.capture, [doc for _, _, doc, _ in after])
        send_labels(kafka_bootstrap, names, after)
        expected = {
            _span(0, 10): parts["w0"],
            _span(10, 20): parts["w1a"],
            _span(0, 20): parts["w1b"],
            _span(20, 40): parts["w2"],
            _span(40, 60): parts["w3"],
        }

        def settled():
            quality = _latest(kafka_bootstrap, names, "data_quality")
            labelled = _latest(kafka_bootstrap, names, "model_quality")
            done = all(
                span in quality
                and quality[span]["dataset"]["item_count"] >= len(items)
                and labelled.get(span, {}).get("labelled_count", 0) >= len(items)
                for span, items in expected.items()
            )
            return (quality, labelled) if done else None

        try:
            wait_for(settled, 90, "every window with its records and labels")
            time.sleep(2)  # a revision merging windows would come now
        except AssertionError:
            pass  # the assertions below say what is wrong
        quality = _latest(kafka_bootstrap, names, "data_quality")
        labelled = _latest(kafka_bootstrap, names, "model_quality")
    finally:
        for worker in (first, second):
            if worker is not None:
                worker.stop()
    assert sorted(quality) == sorted(expected)  # no other window (nothing merged elsewhere)
    for span, items in expected.items():
        n, total = _reference(items)
        doc = quality[span]
        assert doc["dataset"]["item_count"] == n, span
        (feature,) = [f for f in doc["features"] if f["name"] == FEATURE]
        assert math.isclose(feature["numerical_statistics"]["sum"], total, rel_tol=1e-9), span
        assert (labelled[span]["prediction_count"], labelled[span]["labelled_count"]) == (n, n)
    log = (tmp_path / "second.log").read_text(errors="replace")
    assert "monitor m: window length changed from 10 s to 20 s" in log
