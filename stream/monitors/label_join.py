"""The label join: predictions meet their labels (and SHAP values) by join key, either first.

One rule for the worker and for ``driftline analyze``: the worker keeps the waiting entries
in a durable store per partition (:mod:`stream.worker.pending_store`), ``analyze`` in a
plain dict (:class:`MemoryEntries`); both go through :class:`LabelJoin`.

A prediction is kept as a :class:`PendingPrediction` — only what the monitors need: the key,
its window (by inference time), the predicted label and score, the facet, group and flip-test
values, and SHAP values read from the capture. The rules, per key:

- a prediction joins a waiting label (and a waiting SHAP record); otherwise it waits while a
  label (or SHAP record) is still needed; a second prediction for a key that waits, or that
  joined, in the same window or an earlier one is a *duplicate* (the first one stands); a
  key that joined in an earlier window and comes again in a later one is a new prediction,
  and so is a key whose prediction of an earlier window still waits for its label (that one
  is dropped, counted in ``expired_predictions``: the labels to come are the new one's).
  SageMaker asks for unique ids, but its hourly merge joins each hour's captures on their
  own, and AWS's model-quality example sends the same ids every few minutes and their labels
  every hour: remembered for good, such a key would join once in ``ttl_seconds``;
- a label joins a waiting prediction; otherwise it waits; a second label for a waiting label
  *supersedes* it (the last label wins, as SageMaker's merge keeps the last); a label for a
  key already joined is a *duplicate*;
- every entry waits at most ``ttl_seconds`` (wall clock); what expires unjoined is counted
  (``expired_predictions``, ``expired_labels``); a key that joined is remembered for the same
  time, so that late duplicates are recognised;
- at most ``max_pending`` predictions wait; a prediction that finds the store full is counted
  as ``evicted_predictions`` and not kept.

A request of several instances gives several predictions under one key
(:class:`PendingInstances`, one entry), and its label may give one label per instance
(:attr:`GroundTruth.per_instance <ground_truth.records.GroundTruth.per_instance>`): they join
instance by instance, instance ``i`` with label ``i``, as SageMaker's merge pairs AWS's JSON
examples. When the two counts differ (a request of 3 instances and a label of 2 values, or
of 1), nothing is paired by position: the meeting is counted as an unusable prediction
``instance_count_mismatch`` (its first message kept in ``LabelJoin.unusable_first``), and
both are used up as a join would use them. A one-prediction capture and a one-value label
join as they always did; their stored entries are unchanged.

Examples
--------
>>> from ground_truth.records import GroundTruth
>>> entries = MemoryEntries()
>>> join = LabelJoin(ttl_seconds=3600.0, max_pending=10, needs_labels=True)
>>> p = PendingPrediction(key="i1", seconds=61.0, window=60.0, predicted=1.0, score=0.9)
>>> join.label(entries, GroundTruth(event_id="i1", values=(1.0,)), now=0.0).joined
[]
>>> [(j.key, label.values) for j, label in join.prediction(entries, p, now=1.0).joined]
[('i1', (1.0,))]
>>> join.label(entries, GroundTruth(event_id="i1", values=(0.0,)), now=2.0).joined
[]
>>> join.counts.joined, join.counts.duplicate_labels
(1, 1)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import orjson

from ground_truth.records import GroundTruth

LocalShap = dict[str, dict[str, float]]  # label → feature → local SHAP value
PREDICTION, LABEL, JOINED, SHAP = "prediction", "label", "joined", "shap"
INSTANCE_COUNT_MISMATCH = "instance_count_mismatch"  # N predictions met M != N labels
_JOINED_MARK = b"1"  # a joined key's mark, as written before marks held the window
_JOINED_IN = b"@"  # a joined key's mark: this, then the start of the window it joined in


class PendingEntries(Protocol):
    """Where waiting entries live: a namespace, a key, bytes, and when each expires."""

    def get(self, namespace: str, key: str) -> bytes | None:
        """The entry, or None."""
        ...

    def put(self, namespace: str, key: str, value: bytes, expires_at: float) -> None:
        """Keep (or replace) an entry until ``expires_at`` (POSIX seconds)."""
        ...

    def delete(self, namespace: str, key: str) -> None:
        """Forget an entry."""
        ...

    def expire(self, now: float, limit: int) -> list[tuple[str, str, bytes]]:
        """Remove and return up to ``limit`` entries due at ``now``, oldest first."""
        ...

    def count(self, namespace: str) -> int:
        """How many entries of ``namespace`` wait."""
        ...


@dataclass(slots=True)
class PendingPrediction:
    """One prediction while it waits; never changed once made (:meth:`marked` copies).

    Not frozen: a frozen dataclass costs ~0.8 µs more a construction, three a record.
    """

    key: str
    seconds: float  # inference time, POSIX seconds
    window: float  # start of its tumbling window
    predicted: Any = None  # the predicted label, when located
    score: float | None = None  # the positive-class score, when located
    row: dict[str, Any] = field(default_factory=dict)  # facet, group and flip-test values
    shap: LocalShap | None = None  # local SHAP values read from the capture output
    labelled: bool = False
    explained: bool = False

    def marked(self, *, labelled: bool = False, explained: bool = False) -> PendingPrediction:
        """A copy also marked labelled and/or explained (faster than ``dataclasses.replace``)."""
        return PendingPrediction(self.key, self.seconds, self.window, self.predicted, self.score,
                                 self.row, self.shap, self.labelled or labelled,
                                 self.explained or explained)  # fmt: skip

    @property
    def instance_count(self) -> int:
        """How many instances' predictions this entry holds: one."""
        return 1

    def to_bytes(self) -> bytes:
        """JSON bytes, for the store (orjson writes dataclasses as objects).

        SHAP values read from the capture are left out: they were counted in the window
        when the prediction came, and a request's could make its entry many times larger.
        """
        if self.shap is None:
            return orjson.dumps(self)
        return orjson.dumps(self.without_shap())

    def without_shap(self) -> PendingPrediction:
        """A copy without the SHAP values read from the capture."""
        return PendingPrediction(self.key, self.seconds, self.window, self.predicted,
                                 self.score, self.row, None, self.labelled,
                                 self.explained)  # fmt: skip

    @classmethod
    def from_bytes(cls, raw: bytes) -> PendingPrediction:
        """Rebuild from :meth:`to_bytes` output (a :class:`PendingInstances` when it is one)."""
        fields = orjson.loads(raw)
        instances = fields.pop("instances", None)
        if instances is None:
            return PendingPrediction(**fields)
        return PendingInstances(**fields, instances=[PendingPrediction(**one) for one in instances])


@dataclass(slots=True)
class PendingInstances(PendingPrediction):
    """The predictions of a request of several instances, waiting as one entry of its key.

    ``instances[i]`` is instance ``i``'s prediction (its predicted label, score and facet
    values; the key, time and window are the request's). The entry's own ``predicted``,
    ``score`` and ``row`` are unused. Stored, it is a :class:`PendingPrediction` object with
    an ``instances`` list, which is how :meth:`PendingPrediction.from_bytes` tells them apart.
    """

    instances: list[PendingPrediction] = field(default_factory=list)

    @property
    def instance_count(self) -> int:
        """How many instances' predictions this entry holds."""
        return len(self.instances)

    def marked(self, *, labelled: bool = False, explained: bool = False) -> PendingInstances:
        """A copy also marked labelled and/or explained."""
        return PendingInstances(self.key, self.seconds, self.window, self.predicted, self.score,
                                self.row, self.shap, self.labelled or labelled,
                                self.explained or explained, self.instances)  # fmt: skip

    def to_bytes(self) -> bytes:
        """JSON bytes, for the store, without the instances' SHAP values (as one's)."""
        if all(instance.shap is None for instance in self.instances):
            return orjson.dumps(self)
        instances = [instance.without_shap() for instance in self.instances]
        return orjson.dumps(PendingInstances(self.key, self.seconds, self.window,
                                             self.predicted, self.score, self.row, None,
                                             self.labelled, self.explained, instances))  # fmt: skip


class JoinOutcome(NamedTuple):
    """What one item joined: (prediction, label) pairs and (prediction, SHAP) pairs."""

    joined: list[tuple[PendingPrediction, GroundTruth]]
    explained: list[tuple[PendingPrediction, LocalShap]]


@dataclass
class JoinCounts:
    """Running counts of one monitor's join (the Prometheus counters read these)."""

    predictions: int = 0
    labels: int = 0
    joined: int = 0
    explained: int = 0
    duplicate_predictions: int = 0
    duplicate_labels: int = 0
    superseded_labels: int = 0
    expired_predictions: int = 0
    expired_labels: int = 0
    expired_shap: int = 0
    evicted_predictions: int = 0
    unusable: Counter[str] = field(default_factory=Counter)  # predictions not locatable


class LabelJoin:
    """The join rules of one monitor over a :class:`PendingEntries` store.

    Parameters
    ----------
    ttl_seconds
        How long an entry waits (``label_ttl_seconds``).
    max_pending
        Most predictions waiting at once.
    needs_labels
        Whether a label is wanted (model quality or bias is on).
    needs_shap
        Whether SHAP values come on their own topic and must be joined too.
    """

    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_pending: int,
        needs_labels: bool,
        needs_shap: bool = False,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_pending = max_pending
        self.needs_labels = needs_labels
        self.needs_shap = needs_shap
        self.counts = JoinCounts()
        self.unusable_first: dict[str, str] = {}  # the first message of a reason it counted

    def prediction(
        self, entries: PendingEntries, pending: PendingPrediction, *, now: float
    ) -> JoinOutcome:
        """Take a prediction: join what waits for it, or keep it waiting.

        A waiting label means no prediction of its key came yet (it would have joined it, or
        been a duplicate), so with one waiting the duplicate checks are not needed.
        """
        out = JoinOutcome([], [])
        key = pending.key
        label = entries.get(LABEL, key) if self.needs_labels else None
        waiting = entries.get(PREDICTION, key) if label is None else None
        if waiting is not None and self._outdated(PendingPrediction.from_bytes(waiting), pending):
            entries.delete(PREDICTION, key)
            waiting = None
        if label is None and (
            waiting is not None or not _new_in(entries.get(JOINED, key), pending.window)
        ):
            self.counts.duplicate_predictions += 1
            return out
        self.counts.predictions += 1
        if label is not None:
            entries.delete(LABEL, key)
            pending = pending.marked(labelled=True)
            out.joined.extend(self._pairs(pending, GroundTruth.from_dict(orjson.loads(label))))
        if self.needs_shap:
            raw = entries.get(SHAP, key)
            if raw is not None:
                entries.delete(SHAP, key)
                pending = pending.marked(explained=True)
                out.explained.append((pending, orjson.loads(raw)))
                self.counts.explained += 1
        self._keep_or_close(entries, pending, now, new=True)
        return out

    def _outdated(self, waiting: PendingPrediction, pending: PendingPrediction) -> bool:
        """Whether ``pending`` replaces ``waiting``: unlabelled, of an earlier window.

        The replaced prediction will never meet a label: counted as expired, as it would
        have been at its TTL.
        """
        if not self.needs_labels or waiting.labelled or waiting.window >= pending.window:
            return False
        self.counts.expired_predictions += waiting.instance_count
        return True

    def label(self, entries: PendingEntries, label: GroundTruth, *, now: float) -> JoinOutcome:
        """Take a label: join its waiting prediction, or keep it waiting."""
        out = JoinOutcome([], [])
        key = label.event_id
        self.counts.labels += 1
        raw = entries.get(PREDICTION, key)
        waiting = None if raw is None else PendingPrediction.from_bytes(raw)
        if waiting is not None and not waiting.labelled:
            pending = waiting.marked(labelled=True)
            out.joined.extend(self._pairs(pending, label))
            self._keep_or_close(entries, pending, now, new=False)
        elif waiting is not None or entries.get(JOINED, key) is not None:
            self.counts.duplicate_labels += 1
        else:
            if entries.get(LABEL, key) is not None:
                self.counts.superseded_labels += 1
            entries.put(LABEL, key, orjson.dumps(label.to_dict()), now + self.ttl_seconds)
        return out

    def unusable(self, reason: str, message: str) -> None:
        """Count a capture that gives no prediction to join; keep each reason's first message."""
        self.counts.unusable[reason] += 1
        self.unusable_first.setdefault(reason, message)

    def _pairs(
        self, pending: PendingPrediction, label: GroundTruth
    ) -> list[tuple[PendingPrediction, GroundTruth]]:
        """A prediction (marked labelled) and its label, instance by instance, and counted.

        One prediction and a one-value label are one pair; N of each, N pairs (instance
        ``i`` with value ``i``); other counts none, counted ``instance_count_mismatch``.
        """
        predictions, labels = pending.instance_count, label.instance_count
        if predictions != labels:
            self.unusable(
                INSTANCE_COUNT_MISMATCH,
                f"inference {pending.key!r} has {predictions} predictions but its label has "
                f"{labels} values; none is paired by position",
            )
            return []
        if not isinstance(pending, PendingInstances):
            self.counts.joined += 1
            return [(pending, label)]
        self.counts.joined += predictions
        return [
            (instance.marked(labelled=True), label.instance(i))
            for i, instance in enumerate(pending.instances)
        ]

    def shap(
        self, entries: PendingEntries, key: str, values: LocalShap, *, now: float
    ) -> JoinOutcome:
        """Take a record's SHAP values from the attributions topic."""
        out = JoinOutcome([], [])
        raw = entries.get(PREDICTION, key)
        waiting = None if raw is None else PendingPrediction.from_bytes(raw)
        if waiting is not None and not waiting.explained:
            pending = waiting.marked(explained=True)
            out.explained.append((pending, values))
            self.counts.explained += 1
            self._keep_or_close(entries, pending, now, new=False)
        else:
            entries.put(SHAP, key, orjson.dumps(values), now + self.ttl_seconds)
        return out

    def _keep_or_close(
        self, entries: PendingEntries, pending: PendingPrediction, now: float, *, new: bool
    ) -> None:
        waits = (self.needs_labels and not pending.labelled) or (
            self.needs_shap and not pending.explained
        )
        if waits:
            if new and entries.count(PREDICTION) >= self.max_pending:
                self.counts.evicted_predictions += 1
                return
            entries.put(PREDICTION, pending.key, pending.to_bytes(), now + self.ttl_seconds)
            return
        if not new:
            entries.delete(PREDICTION, pending.key)
        entries.put(JOINED, pending.key, _joined_mark(pending.window), now + self.ttl_seconds)

    def expire(self, entries: PendingEntries, *, now: float, limit: int = 10_000) -> int:
        """Drop entries past their time; count what expired unjoined; return how many went."""
        gone = entries.expire(now, limit)
        for namespace, _, raw in gone:
            if namespace == PREDICTION:
                pending = PendingPrediction.from_bytes(raw)
                if not pending.labelled and self.needs_labels:
                    self.counts.expired_predictions += pending.instance_count
            elif namespace == LABEL:
                self.counts.expired_labels += 1
            elif namespace == SHAP:
                self.counts.expired_shap += 1
        return len(gone)


def _joined_mark(window: float) -> bytes:
    """The mark of a key that joined in the window starting at ``window``."""
    return _JOINED_IN + repr(window).encode()


def _new_in(mark: bytes | None, window: float) -> bool:
    """Whether a key marked ``mark`` (None: never joined) is new again in ``window``.

    A key that never joined is new; one that joined in an earlier window is new again in a
    later one. A mark without its window (written before marks held it) is not: the key
    stays joined, as it was.

    >>> _new_in(None, 60.0), _new_in(_joined_mark(0.0), 60.0)
    (True, True)
    >>> _new_in(_joined_mark(60.0), 60.0), _new_in(_JOINED_MARK, 60.0)
    (False, False)
    """
    if mark is None:
        return True
    if not mark.startswith(_JOINED_IN):
        return False
    return float(mark[len(_JOINED_IN) :]) < window


class MemoryEntries:
    """:class:`PendingEntries` in a dict, for finite runs over files (``driftline analyze``)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[bytes, float]] = {}
        self._counts: Counter[str] = Counter()

    def get(self, namespace: str, key: str) -> bytes | None:
        """The entry, or None."""
        found = self._entries.get((namespace, key))
        return None if found is None else found[0]

    def put(self, namespace: str, key: str, value: bytes, expires_at: float) -> None:
        """Keep (or replace) an entry."""
        self._counts[namespace] += (namespace, key) not in self._entries
        # a copy: bytes made by orjson.dumps keep its ~4 KB write buffer for as long as they live
        self._entries[(namespace, key)] = (bytes(memoryview(value)), expires_at)

    def delete(self, namespace: str, key: str) -> None:
        """Forget an entry."""
        if self._entries.pop((namespace, key), None) is not None:
            self._counts[namespace] -= 1

    def expire(self, now: float, limit: int) -> list[tuple[str, str, bytes]]:
        """Remove and return up to ``limit`` entries due at ``now``, oldest first."""
        due = sorted((at, ns, key) for (ns, key), (_, at) in self._entries.items() if at <= now)
        out = []
        for _, namespace, key in due[:limit]:
            value, _ = self._entries.pop((namespace, key))
            self._counts[namespace] -= 1
            out.append((namespace, key, value))
        return out

    def count(self, namespace: str) -> int:
        """How many entries of ``namespace`` wait."""
        return self._counts[namespace]

    def waiting(self) -> Mapping[tuple[str, str], tuple[bytes, float]]:
        """Every entry, for a run's summary at the end."""
        return self._entries
