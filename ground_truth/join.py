"""The label join: predictions meet their ground truth by key, within a TTL and a memory bound.

Join rule (spec ``sagemaker-formats.md`` §2.3): a prediction's key is the capture's
``inferenceId`` when present, else its ``eventId``; a label's key is its ``eventId``.
:class:`LabelJoiner` is pure — no I/O, time comes from the injected ``now`` — and
order-independent: whichever side arrives first waits for the other.

Bounds and counts (nothing is dropped silently, nothing raises on data):

- An entry waits at most ``ttl_seconds`` (by arrival time on the ``now`` clock). A prediction
  that expires unlabelled is counted in ``expired_predictions``, an orphan label in
  ``expired_labels``. Expiry happens on every call, so a late arrival never joins an expired
  entry, whenever :meth:`LabelJoiner.expire` is called; ``expire`` reports what went since
  its last call.
- Each side holds at most ``max_pending`` waiting entries; adding to a full side evicts its
  oldest entry (``evicted_predictions`` / ``evicted_labels``).
- A second label for a key that is still waiting replaces the first (last written wins,
  ``superseded_labels``). Once joined, a key is remembered for ``ttl_seconds`` (at most
  ``max_pending`` keys): a label for it then is a ``duplicate_labels``, a prediction a
  ``duplicate_predictions``, and neither is emitted again. A second prediction for a key still
  waiting is also a ``duplicate_predictions`` (the first is kept).

Memory is therefore bounded by ``3 * max_pending`` entries. The clock never runs backwards
inside the joiner (an earlier ``now()`` is treated as the latest time seen).

See :class:`LabelJoiner` for an example.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Self

from detectors.base import make_state, open_state
from ground_truth.records import GroundTruth

__all__ = ["ExpiredCounts", "JoinCounts", "LabelJoiner", "LabeledInference", "Prediction"]

STATE_KIND = "label_joiner"
STATE_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Prediction:
    """The capture side of the join; ``payload`` is opaque to the joiner.

    For :meth:`LabelJoiner.to_state` the payload must be JSON-safe plain data.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> t = datetime(2024, 3, 5, 14, 7, 31, tzinfo=UTC)
    >>> Prediction(inference_id="order-1", event_id="6f1d", inference_time=t).key
    'order-1'
    >>> Prediction(event_id="6f1d", inference_time=t).key
    '6f1d'
    """

    inference_id: str | None = None
    event_id: str
    inference_time: datetime
    payload: Any = None

    @property
    def key(self) -> str:
        """The join key: ``inferenceId`` if present, else ``eventId``."""
        return self.inference_id if self.inference_id else self.event_id


@dataclass(frozen=True, slots=True)
class LabeledInference:
    """A prediction with its label."""

    prediction: Prediction
    label: GroundTruth

    @property
    def key(self) -> str:
        """The key they were joined on."""
        return self.prediction.key


class ExpiredCounts(NamedTuple):
    """Entries dropped since the last :meth:`LabelJoiner.expire` call."""

    predictions: int
    labels: int
    evicted_predictions: int
    evicted_labels: int


class JoinCounts(NamedTuple):
    """Cumulative counters and current sizes, for metrics."""

    predictions_seen: int
    labels_seen: int
    joined: int
    duplicate_predictions: int
    duplicate_labels: int
    superseded_labels: int
    expired_predictions: int
    expired_labels: int
    evicted_predictions: int
    evicted_labels: int
    pending_predictions: int
    pending_labels: int


_COUNTERS = JoinCounts._fields[:-2]
_DROPS = ("expired_predictions", "expired_labels", "evicted_predictions", "evicted_labels")


class LabelJoiner:
    """Join predictions and labels by key, bounded by a TTL and ``max_pending`` per side.

    Parameters
    ----------
    ttl_seconds
        How long a prediction waits for its label, or a label for its prediction.
    max_pending
        Most entries waiting on each side; the oldest is evicted first.
    now
        Clock returning timezone-aware UTC datetimes.

    See the module docstring for the exact rules.

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> from ground_truth.records import GroundTruth
    >>> clock = [datetime(2024, 3, 5, 14, 0, tzinfo=UTC)]
    >>> joiner = LabelJoiner(ttl_seconds=3600, max_pending=1000, now=lambda: clock[0])
    >>> t = datetime(2024, 3, 5, 14, 7, 31, tzinfo=UTC)
    >>> joiner.add_label(GroundTruth(event_id="order-1", values=(1.0,)))  # label first: it waits
    []
    >>> joined = joiner.add_prediction(
    ...     Prediction(inference_id="order-1", event_id="6f1d", inference_time=t, payload=0.87))
    >>> [(j.key, j.prediction.payload, j.label.values) for j in joined]
    [('order-1', 0.87, (1.0,))]
    >>> joiner.add_label(GroundTruth(event_id="order-1", values=(0.0,)))  # a duplicate now
    []
    >>> joiner.counts().duplicate_labels
    1
    >>> joiner.add_prediction(Prediction(event_id="0b8e", inference_time=t, payload=0.12))
    []
    >>> clock[0] += timedelta(hours=2)
    >>> joiner.expire()
    ExpiredCounts(predictions=1, labels=0, evicted_predictions=0, evicted_labels=0)
    >>> joiner.label_coverage
    0.5
    >>> restored = LabelJoiner.from_state(joiner.to_state(), now=lambda: clock[0])
    >>> restored.counts() == joiner.counts()
    True
    """

    def __init__(
        self, *, ttl_seconds: float, max_pending: int, now: Callable[[], datetime]
    ) -> None:
        if not (math.isfinite(ttl_seconds) and ttl_seconds > 0):
            msg = f"ttl_seconds must be a positive finite number, got {ttl_seconds}"
            raise ValueError(msg)
        if isinstance(max_pending, bool) or not isinstance(max_pending, int) or max_pending < 1:
            msg = f"max_pending must be an int >= 1, got {max_pending!r}"
            raise ValueError(msg)
        self.ttl_seconds = ttl_seconds
        self.max_pending = max_pending
        self.now = now
        self._ttl = timedelta(seconds=ttl_seconds)
        # Insertion order is arrival order, so expiry and eviction pop from the front.
        self._predictions: OrderedDict[str, tuple[Prediction, datetime]] = OrderedDict()
        self._labels: OrderedDict[str, tuple[GroundTruth, datetime]] = OrderedDict()
        self._joined: OrderedDict[str, datetime] = OrderedDict()
        self._counts = dict.fromkeys(_COUNTERS, 0)
        self._since_expire = dict.fromkeys(_DROPS, 0)
        self._latest: datetime | None = None

    def __repr__(self) -> str:
        return f"LabelJoiner(ttl_seconds={self.ttl_seconds!r}, max_pending={self.max_pending!r})"

    def add_prediction(self, event: Prediction) -> list[LabeledInference]:
        """Take a prediction; return it joined if its label is waiting, else keep it."""
        t = self._tick()
        key = event.key
        if key in self._joined or key in self._predictions:
            self._count("duplicate_predictions")
            return []
        self._count("predictions_seen")
        if key in self._labels:
            label, _ = self._labels.pop(key)
            return [self._join(key, event, label, t)]
        self._keep(self._predictions, key, (event, t), "evicted_predictions")
        return []

    def add_label(self, label: GroundTruth) -> list[LabeledInference]:
        """Take a label; return it joined if its prediction is waiting, else keep it."""
        t = self._tick()
        key = label.event_id
        self._count("labels_seen")
        if key in self._joined:
            self._count("duplicate_labels")
            return []
        if key in self._predictions:
            prediction, _ = self._predictions.pop(key)
            return [self._join(key, prediction, label, t)]
        if self._labels.pop(key, None) is not None:
            self._count("superseded_labels")
        self._keep(self._labels, key, (label, t), "evicted_labels")
        return []

    def expire(self) -> ExpiredCounts:
        """Drop entries older than the TTL; return what was dropped since the last call."""
        self._tick()
        dropped = ExpiredCounts(
            predictions=self._since_expire["expired_predictions"],
            labels=self._since_expire["expired_labels"],
            evicted_predictions=self._since_expire["evicted_predictions"],
            evicted_labels=self._since_expire["evicted_labels"],
        )
        self._since_expire = dict.fromkeys(_DROPS, 0)
        return dropped

    def counts(self) -> JoinCounts:
        """Return the cumulative counters and the current number of waiting entries."""
        return JoinCounts(
            **self._counts,
            pending_predictions=len(self._predictions),
            pending_labels=len(self._labels),
        )

    @property
    def label_coverage(self) -> float | None:
        """Joined predictions / predictions seen, or ``None`` before the first prediction."""
        seen = self._counts["predictions_seen"]
        return self._counts["joined"] / seen if seen else None

    def _tick(self) -> datetime:
        t = self.now()
        if t.tzinfo is None or t.utcoffset() is None:
            msg = f"now() must return a timezone-aware datetime, got {t!r}"
            raise ValueError(msg)
        if self._latest is not None and t < self._latest:
            t = self._latest
        self._latest = t
        cutoff = t - self._ttl
        self._drop_older(self._predictions, cutoff, "expired_predictions")
        self._drop_older(self._labels, cutoff, "expired_labels")
        while self._joined and next(iter(self._joined.values())) <= cutoff:
            self._joined.popitem(last=False)
        return t

    def _drop_older(self, pending: OrderedDict[str, Any], cutoff: datetime, counter: str) -> None:
        while pending and next(iter(pending.values()))[1] <= cutoff:
            pending.popitem(last=False)
            self._count(counter)

    def _keep(self, pending: OrderedDict[str, Any], key: str, entry: Any, counter: str) -> None:
        if len(pending) >= self.max_pending:
            pending.popitem(last=False)
            self._count(counter)
        pending[key] = entry

    def _join(
        self, key: str, prediction: Prediction, label: GroundTruth, t: datetime
    ) -> LabeledInference:
        self._count("joined")
        self._joined[key] = t
        if len(self._joined) > self.max_pending:
            self._joined.popitem(last=False)
        return LabeledInference(prediction=prediction, label=label)

    def _count(self, counter: str) -> None:
        self._counts[counter] += 1
        if counter in self._since_expire:
            self._since_expire[counter] += 1

    def to_state(self) -> dict[str, Any]:
        """Return versioned, JSON-safe state (payloads must be JSON-safe themselves)."""
        return make_state(
            STATE_KIND,
            STATE_VERSION,
            {"ttl_seconds": self.ttl_seconds, "max_pending": self.max_pending},
            {
                "predictions": [
                    [_prediction_to_dict(p), t.isoformat()] for p, t in self._predictions.values()
                ],
                "labels": [[g.to_dict(), t.isoformat()] for g, t in self._labels.values()],
                "joined": [[key, t.isoformat()] for key, t in self._joined.items()],
                "counts": dict(self._counts),
                "since_expire": dict(self._since_expire),
                "latest": None if self._latest is None else self._latest.isoformat(),
            },
        )

    @classmethod
    def from_state(cls, state: Mapping[str, Any], *, now: Callable[[], datetime]) -> Self:
        """Rebuild a joiner from :meth:`to_state` output, with a fresh clock."""
        params, body = open_state(state, kind=STATE_KIND, version=STATE_VERSION)
        joiner = cls(ttl_seconds=params["ttl_seconds"], max_pending=params["max_pending"], now=now)
        for raw, t in body["predictions"]:
            prediction = _prediction_from_dict(raw)
            joiner._predictions[prediction.key] = (prediction, datetime.fromisoformat(t))
        for raw, t in body["labels"]:
            label = GroundTruth.from_dict(raw)
            joiner._labels[label.event_id] = (label, datetime.fromisoformat(t))
        for key, t in body["joined"]:
            joiner._joined[key] = datetime.fromisoformat(t)
        joiner._counts.update(body["counts"])
        joiner._since_expire.update(body["since_expire"])
        latest = body["latest"]
        joiner._latest = None if latest is None else datetime.fromisoformat(latest)
        return joiner


def _prediction_to_dict(p: Prediction) -> dict[str, Any]:
    return {
        "inference_id": p.inference_id,
        "event_id": p.event_id,
        "inference_time": p.inference_time.isoformat(),
        "payload": p.payload,
    }


def _prediction_from_dict(raw: Mapping[str, Any]) -> Prediction:
    return Prediction(
        inference_id=raw["inference_id"],
        event_id=raw["event_id"],
        inference_time=datetime.fromisoformat(raw["inference_time"]),
        payload=raw["payload"],
    )
