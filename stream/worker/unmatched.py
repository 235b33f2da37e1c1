r"""Capture messages whose Kafka headers match no monitor: counted, and named in the log.

When every configured monitor has a ``match`` (:mod:`stream.worker.routing`), a capture
message whose routing headers match none of them belongs to no monitor here. It is not bad
input — it may be traffic of another endpoint, meant for another deployment reading the same
topic — so it is not dead-lettered; but it is not lost silently either:

- its records are counted in ``driftline_unmatched_events_total`` the way
  ``driftline_events_consumed_total`` counts a monitor's (one per JSON-Lines record; a
  tombstone or an empty message is one), so that a misspelt ``match`` or a producer sending
  the wrong headers shows as a rate beside the monitors' throughput;
- the first message of each distinct combination of routing headers is logged once with
  those headers and what the monitors ask for, up to :data:`LOGGED_COMBINATIONS`
  combinations (then one line says that further ones are only counted), so a stream of
  unmatched traffic costs a handful of log lines, not one per message.

A message that matches at least one monitor is that monitor's and is not counted here.

Examples
--------
>>> from stream.config import MonitorConfig, MonitorMatch
>>> unmatched = UnmatchedCaptures([MonitorConfig(name="credit",
...                                              match=MonitorMatch(endpoint="credit-ep"))])
>>> batch = b'{"a": 1}\n{"a": 2}\n'
>>> unmatched.take(0, [(7, batch, [("endpoint", b"other-ep")]), (8, None, None)])
>>> unmatched.events
3
>>> [dict(combination)["endpoint"] for combination in unmatched.logged]  # each logged once
['other-ep', None]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from stream.capture.records import split_records
from stream.config import MonitorConfig
from stream.worker.routing import ROUTING_HEADERS, Message, headers, wanted

log = logging.getLogger("driftline.worker")

LOGGED_COMBINATIONS = 16  # distinct header combinations logged, per process
_SHOWN_CHARACTERS = 64  # of a header value in the log line

HeaderCombination = tuple[tuple[str, str | None], ...]


def records_in(value: bytes | None) -> int:
    r"""How many capture records a message holds, counted as the capture path counts them.

    One per non-blank JSON-Lines line; a tombstone or an empty message is one record (the
    capture path would dead-letter it as a whole).

    >>> records_in(b'{"a": 1}\n\n{"a": 2}'), records_in(None), records_in(b"  ")
    (2, 1, 1)
    """
    if not value:
        return 1
    return len(split_records(value)) or 1


class UnmatchedCaptures:
    """The records of capture messages no monitor's ``match`` takes, and their log lines.

    Parameters
    ----------
    monitors
        The configured monitors (their ``match`` is named in the log line).
    """

    def __init__(self, monitors: Iterable[MonitorConfig]) -> None:
        self.events = 0  # records; read by the metrics (driftline_unmatched_events_total)
        self.logged: dict[HeaderCombination, None] = {}  # in the order they were logged
        self._asked = "; ".join(
            f"{m.name}: " + ", ".join(f"{k}={v!r}" for k, v in wanted(m)) for m in monitors
        )
        self._told_limit = False

    def take(self, partition: int, messages: Sequence[Message]) -> None:
        """Count consecutive messages of ``partition`` that no monitor takes; log new headers."""
        for offset, value, message_headers in messages:
            count = records_in(value)
            self.events += count
            combination = _combination(headers(message_headers))
            if combination not in self.logged:
                self._log(partition, offset, count, combination)

    def _log(self, partition: int, offset: int, count: int, combo: HeaderCombination) -> None:
        if len(self.logged) >= LOGGED_COMBINATIONS:
            if not self._told_limit:
                self._told_limit = True
                log.warning(
                    "more capture messages match no monitor under other headers; "
                    "only counted from now on (driftline_unmatched_events_total)"
                )
            return
        self.logged[combo] = None
        shown = ", ".join(f"{k}={_shown(v)}" for k, v in combo)
        log.warning(
            "capture message %d:%d matches no monitor (records: %d; headers %s); counted in "
            "driftline_unmatched_events_total, not monitored (monitors match %s); further "
            "messages with these headers are only counted",
            partition, offset, count, shown, self._asked,
        )  # fmt: skip


def _combination(found: dict[str, str]) -> HeaderCombination:
    """The message's routing header values (None: absent), in a fixed order."""
    return tuple((name, found.get(name)) for name in ROUTING_HEADERS)


def _shown(value: str | None) -> str:
    if value is None:
        return "(absent)"
    return repr(value[:_SHOWN_CHARACTERS] + ("…" if len(value) > _SHOWN_CHARACTERS else ""))
