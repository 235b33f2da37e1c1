"""The labelled gauges show the newest window that has figures.

Labels come after their window closes, so a window's first result has no figure ("no
labelled prediction yet"). The gauges followed whichever result was published last: they
went empty at every window's close and jumped back to an older window at each revision.
The expected figures are sklearn's, on the labelled pairs of the window shown.
"""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from stream.demo.labelled import ground_truth_record, write_labelled_baselines
from stream.worker.metrics import register_worker_metrics
from stream.worker.state import PARTIALS
from tests.stream.worker.saved_sources import saved_sources
from tests.stream.worker.test_labelled import MODEL, T0, Pipe, lines, sk_binary, state, traffic


@pytest.fixture(scope="module")
def baseline_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("labelled_gauges") / "baseline"
    write_labelled_baselines(folder, MODEL, n=4000)
    return folder


def accuracy_gauge(ws) -> float | None:
    registry = CollectorRegistry()
    register_worker_metrics(registry, saved_sources(ws))
    return registry.get_sample_value(
        "driftline_model_quality_metric", {"monitor": "m", "metric": "accuracy"}
    )


def labels_of(records) -> bytes:
    return lines(ground_truth_record(k, a.label) for k, _, a in records)


def accuracy_of(records) -> float:
    return sk_binary([(a.label, a) for _, _, a in records])["accuracy"]


def test_a_window_closing_without_labels_leaves_the_last_figures_shown(
    fake_clock, baseline_folder
) -> None:
    ws = state(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    ws.assign([0], [0])
    first, second = traffic(21, 400, T0), traffic(22, 400, T0 + 10)
    pipe.send("capture", lines(r for _, r, _ in first))
    pipe.send("labels", labels_of(first[:300]))
    pipe.send("capture", lines(r for _, r, _ in second))  # closes the first window
    pipe.tick()
    assert accuracy_gauge(ws) == pytest.approx(accuracy_of(first[:300]))

    pipe.send("capture", lines(r for _, r, _ in traffic(23, 1, T0 + 25)))  # closes the second
    pipe.tick()
    second_result = pipe.latest("model_quality", T0 + 10)
    assert second_result is not None and second_result.outcome.status == "Failed"  # no label
    assert accuracy_gauge(ws) == pytest.approx(accuracy_of(first[:300]))  # it was empty

    pipe.send("labels", labels_of(second[:200]))  # the second window's labels come
    fake_clock.advance(2.0)  # past label_flush_seconds: the window is revised
    pipe.tick()
    assert accuracy_gauge(ws) == pytest.approx(accuracy_of(second[:200]))

    pipe.send("labels", labels_of(first[300:]))  # late labels revise the older window
    fake_clock.advance(2.0)
    pipe.tick()
    assert pipe.latest("model_quality", T0).revision >= 1  # the first window was revised
    assert accuracy_gauge(ws) == pytest.approx(accuracy_of(second[:200]))  # still the newest


def test_a_monitor_taken_back_forgets_its_labelled_figures(fake_clock, baseline_folder) -> None:
    """As the data-quality gauges do: figures from before a hand-over are not shown again."""
    ws = state(fake_clock, baseline_folder)
    pipe = Pipe(ws)
    ws.assign([0], [0])
    first = traffic(24, 400, T0)
    pipe.send("capture", lines(r for _, r, _ in first))
    pipe.send("labels", labels_of(first))
    pipe.send("capture", lines(r for _, r, _ in traffic(25, 1, T0 + 15)))
    pipe.tick()
    assert accuracy_gauge(ws) == pytest.approx(accuracy_of(first))
    ws.assign([0], [])
    ws.drop(PARTIALS, {0})  # what the checkpointer does with a lost partition
    ws.assign([0], [0])
    assert accuracy_gauge(ws) is None
