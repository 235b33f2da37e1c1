"""Output messages of the worker, as plain dicts; every one carries ``schema_version``.

- violations topic: one message per violation — SageMaker's violation object plus value,
  threshold and sample count (:meth:`Violation.to_dict`), the monitor and the window;
- statistics topic: ``statistics.json`` of the window plus the monitor and the window;
- executions topic: one status per window (Completed / CompletedWithViolations / Failed)
  with every check taken (``decisions``: figure, threshold, verdict, sample count);
- dead-letter topic: the raw record (base64), where it came from and why it was refused
  (:func:`~stream.kafka.dead_letters.dead_letter_message`, one shape for every writer).

Window bounds are ISO-8601 UTC strings. Every window message carries ``monitor_type``,
``revision`` (a later revision of a window replaces an earlier one) and ``complete`` (every
capture partition's progress passed the window's end when it was evaluated).
"""

from __future__ import annotations

from typing import Any

import orjson

from detectors.quality.checks import CheckDecision
from detectors.quality.statistics_json import statistics_to_json
from stream.capture.partitioning import partition_for_key
from stream.capture.records import iso_utc
from stream.kafka.dead_letters import DeadLetter, dead_letter_message
from stream.kafka.topics import TopicNames
from stream.worker.labelled_outputs import (
    labelled_execution_message,
    labelled_statistics_message,
    labelled_violation_messages,
)
from stream.worker.online import OnlineViolation
from stream.worker.outbox import Outbound
from stream.worker.results import LabelledResult, Result, WindowResult
from stream.worker.windows import SCHEMA_VERSION

DATA_QUALITY = "data_quality"


def _window_fields(result: WindowResult) -> dict[str, Any]:
    return {
        "monitor": result.monitor,
        "monitor_type": DATA_QUALITY,
        "window_start": iso_utc(result.window_start),
        "window_end": iso_utc(result.window_end),
        "complete": result.complete,
    }


def violation_messages(result: WindowResult) -> list[dict[str, Any]]:
    """One message per violation of the window's evaluation."""
    return [
        {
            **v.to_dict(),
            **_window_fields(result),
            "evaluated_windows": result.evaluated_windows,
            "revision": result.revision,
            "schema_version": SCHEMA_VERSION,
        }
        for v in result.evaluation.violations
    ]


def statistics_message(result: WindowResult) -> dict[str, Any]:
    """The window's ``statistics.json`` with the monitor and window added."""
    doc = statistics_to_json(result.statistics)
    fields = {
        "revision": result.revision,
        "partitions_reported": list(result.partitions_reported),
        "schema_version": SCHEMA_VERSION,
    }
    return {**_window_fields(result), **doc, **fields}


def execution_message(result: WindowResult) -> dict[str, Any]:
    """The window's execution status with its counts."""
    return {
        **_window_fields(result),
        "status": result.status,
        "failure_reason": result.failure_reason,
        "record_count": result.record_count,
        "row_count": result.row_count,
        "violation_count": len(result.evaluation.violations),
        "partitions_reported": list(result.partitions_reported),
        "evaluated_windows": result.evaluated_windows,
        "finalised_by": result.finalised_by,
        "revision": result.revision,
        "schema_version": SCHEMA_VERSION,
        "decisions": [decision_message(d) for d in result.evaluation.decisions],
    }


def decision_message(decision: CheckDecision) -> dict[str, Any]:
    """One check taken: its figure, threshold, verdict (null: skipped) and sample count."""
    return {
        "check_type": decision.check_type,
        "feature_name": decision.feature_name,
        "value": decision.value,
        "threshold": decision.threshold,
        "violated": decision.violated,
        "sample_count": decision.sample_count,
    }


def online_violation_message(monitor: str, alarm: OnlineViolation) -> dict[str, Any]:
    """An ``online_drift_check`` violation: no window, but when and where it was raised."""
    return {
        **alarm.violation.to_dict(),
        "monitor": monitor,
        "monitor_type": DATA_QUALITY,
        "window_start": None,
        "window_end": None,
        "detector": alarm.detector,
        "partition": alarm.partition,
        "detected_at": alarm.detected_at.isoformat().replace("+00:00", "Z"),
        "schema_version": SCHEMA_VERSION,
    }


class OutputMessages:
    """Output documents as :class:`Outbound` messages on driftline's topics, keyed by monitor.

    A message's partition is the one Kafka's default partitioner gives its key, so that all
    messages of a monitor stay in order on one partition.
    """

    def __init__(self, names: TopicNames, partitions: int) -> None:
        self.names = names
        self.partitions = partitions

    def _keyed(self, topic: str, monitor: str, doc: Any) -> Outbound:
        key = monitor.encode()
        return Outbound(topic, partition_for_key(key, self.partitions), key, orjson.dumps(doc))

    def dead_letter(self, letter: DeadLetter) -> Outbound:
        """A refused record, on the dead-letter topic."""
        source = getattr(self.names, letter.topic_role)
        return self._keyed(self.names.deadletter, letter.monitor,
                           dead_letter_message(letter, source))  # fmt: skip

    def online(self, monitor: str, alarm: OnlineViolation) -> Outbound:
        """An online alarm, on the violations topic."""
        return self._keyed(self.names.violations, monitor, online_violation_message(monitor, alarm))

    def results(self, result: Result) -> list[Outbound]:
        """A window's violations, statistics and execution (data quality or labelled)."""
        if isinstance(result, LabelledResult):
            return self._labelled(result)
        out = [self._keyed(self.names.violations, result.monitor, doc)
               for doc in violation_messages(result)]  # fmt: skip
        out.append(self._keyed(self.names.statistics, result.monitor, statistics_message(result)))
        out.append(self._keyed(self.names.executions, result.monitor, execution_message(result)))
        return out

    def _labelled(self, result: LabelledResult) -> list[Outbound]:
        names, monitor = self.names, result.monitor
        out = [self._keyed(names.violations, monitor, doc)
               for doc in labelled_violation_messages(result)]  # fmt: skip
        out.append(self._keyed(names.statistics, monitor, labelled_statistics_message(result)))
        out.append(self._keyed(names.executions, monitor, labelled_execution_message(result)))
        return out
