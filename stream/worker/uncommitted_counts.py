"""Counters that advance only for what a checkpoint saved: each record is counted once.

A worker's per-record counters (events consumed, dead letters, labels joined …) are plain
numbers in its live state, and they move as records are processed. A record processed after
the partition's last saved snapshot is processed again by whichever worker restores that
snapshot next — after a kill -9, or when the partition moves — so exported as they are, the
counters summed over workers count it twice. :class:`UncommittedCounts` holds those
increments back until the snapshot that covers them is saved:

- partition-scoped work runs inside :meth:`~UncommittedCounts.scope`; the counters' change
  across it (read before and after by ``read``) is that partition's *pending* increments;
- :meth:`~UncommittedCounts.take` hands a partition's pending increments to its checkpoint
  (with the snapshot taken at the same moment);
  :meth:`~UncommittedCounts.commit` releases them once the snapshot is saved, and
  :meth:`~UncommittedCounts.put_back` returns them to the partition when it was not;
- :meth:`~UncommittedCounts.drop` keeps a revoked partition's increments back for good:
  its new owner replays the records and counts them.

The metrics export ``live - withheld``: it only goes up (an increment is withheld when it
happens and released at most once), and summed over the workers that ever owned a partition
it counts each record once. A change outside any scope (nothing partition-scoped) is
exported at once.

Scopes nest: an inner scope of another partition (a window closed for partition 3 while the
clock ticks) keeps its own increments, and the outer scope records only the rest.

Examples
--------
>>> live = {("driftline_events_consumed", ("credit",)): 0}
>>> counts = UncommittedCounts(lambda kind: dict(live))
>>> with counts.scope("capture", 0):
...     live[("driftline_events_consumed", ("credit",))] += 5
>>> counts.withheld
Counter({('driftline_events_consumed', ('credit',)): 5})
>>> taken = counts.take("capture", 0)
>>> counts.commit(taken)
>>> counts.withheld
Counter()
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

CounterKey = tuple[str, tuple[str, ...]]  # (family name, label values in the family's order)
Increments = Counter[CounterKey]
PartitionKey = tuple[str, int]  # (kind, partition)


class UncommittedCounts:
    """Per partition, counter increments that no saved snapshot covers yet.

    Parameters
    ----------
    read
        The live per-record counters of one kind of partition (``capture``, ``partials``),
        by (family name, label values); read before and after each scope.
    """

    def __init__(self, read: Callable[[str], Mapping[CounterKey, float]]) -> None:
        self.read = read
        self.pending: dict[PartitionKey, Increments] = {}
        self.withheld: Increments = Counter()  # pending + taken-not-committed + dropped
        self._inner: list[Increments] = []  # per open scope: what its inner scopes recorded

    @contextmanager
    def scope(self, kind: str, partition: int) -> Iterator[None]:
        """Attribute the counters' change while the block runs to ``partition``."""
        before = self.read(kind)
        self._inner.append(Counter())
        try:
            yield
        finally:
            inner = self._inner.pop()
            delta = _increase(before, self.read(kind))
            if inner:
                delta.subtract(inner)
                delta = +delta  # what the inner scopes did not record
            if delta:
                self.pending.setdefault((kind, partition), Counter()).update(delta)
                self.withheld.update(delta)
            if self._inner:
                self._inner[-1].update(delta)
                self._inner[-1].update(inner)

    def take(self, kind: str, partition: int) -> Increments:
        """The partition's pending increments, for the checkpoint being taken (still withheld)."""
        return self.pending.pop((kind, partition), Counter())

    def commit(self, taken: Increments) -> None:
        """The snapshot that covers ``taken`` is saved: export them."""
        self.withheld.subtract(taken)
        self.withheld = +self.withheld

    def put_back(self, kind: str, partition: int, taken: Increments) -> None:
        """The checkpoint that took ``taken`` was not saved: the next one carries them."""
        if taken:
            self.pending.setdefault((kind, partition), Counter()).update(taken)

    def drop(self, kind: str, partition: int) -> None:
        """The partition moved away: its pending increments are never exported here."""
        self.pending.pop((kind, partition), None)

    def exported(self, key: CounterKey, live: float) -> float:
        """A counter's exported value: its live value less what is withheld of it."""
        return live - self.withheld.get(key, 0)


def _increase(before: Mapping[CounterKey, float], after: Mapping[CounterKey, float]) -> Increments:
    """How much each counter went up from ``before`` to ``after``."""
    return Counter({key: value - before.get(key, 0) for key, value in after.items()
                    if value != before.get(key, 0)})  # fmt: skip
