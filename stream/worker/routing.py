"""Which monitors a capture message belongs to: its Kafka headers against each ``match``.

A capture message belongs to every monitor whose ``match`` fields (``endpoint``,
``variant``, ``model``) equal the message's Kafka headers of the same names; a monitor
without ``match`` takes every message.

Examples
--------
>>> from stream.config import MonitorConfig, MonitorMatch
>>> credit = MonitorConfig(name="credit", match=MonitorMatch(endpoint="credit-ep"))
>>> matches(credit, headers([("endpoint", b"credit-ep"), ("variant", b"A")]))
True
>>> matches(credit, headers(None))
False
>>> router = Router([credit, MonitorConfig(name="all")])
>>> router.select([("endpoint", b"credit-ep")]), router.select(None)
(['credit', 'all'], ['all'])
>>> [(names, [m[0] for m in run]) for names, run in router.runs(
...     [(7, b"", None), (8, b"", [("endpoint", b"credit-ep")]), (9, b"", None)])]
[(['all'], [7]), (['credit', 'all'], [8]), (['all'], [9])]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from stream.config import MonitorConfig

Message = tuple[int, bytes | None, Any]  # offset, value, Kafka headers
ROUTING_HEADERS = ("endpoint", "variant", "model")  # the Kafka headers a ``match`` compares


def headers(headers: Any) -> dict[str, str]:
    """Kafka message headers (pairs or a mapping, bytes values) as a text mapping."""
    if not headers:
        return {}
    items = headers.items() if isinstance(headers, Mapping) else headers
    out = {}
    for key, value in items:
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        out[str(key)] = text
    return out


def wanted(monitor: MonitorConfig) -> tuple[tuple[str, str], ...]:
    """The header values a monitor's ``match`` asks for (none: it takes every message)."""
    asked = ((name, getattr(monitor.match, name)) for name in ROUTING_HEADERS)
    return tuple((k, v) for k, v in asked if v is not None)


def matches(monitor: MonitorConfig, headers: Mapping[str, str]) -> bool:
    """Whether a message with ``headers`` belongs to ``monitor``."""
    return all(headers.get(k) == v for k, v in wanted(monitor))


class Router:
    """The monitors each capture message belongs to, in config order.

    Headers are decoded only when some monitor matches on them.
    """

    def __init__(self, monitors: Iterable[MonitorConfig]) -> None:
        self._wanted = [(m.name, wanted(m)) for m in monitors]
        self._everyone = [name for name, asked in self._wanted if not asked]
        self._needs_headers = len(self._everyone) < len(self._wanted)

    def select(self, message_headers: Any) -> list[str]:
        """The names of the monitors a message with these Kafka headers belongs to."""
        if not self._needs_headers:
            return self._everyone
        found = headers(message_headers)
        return [name for name, asked in self._wanted
                if all(found.get(k) == v for k, v in asked)]  # fmt: skip

    def runs(self, messages: Sequence[Message]) -> list[tuple[list[str], Sequence[Message]]]:
        """Consecutive messages (offset, value, headers) grouped by the monitors they go to."""
        if not self._needs_headers:
            return [(self._everyone, messages)]
        out: list[tuple[list[str], list[Message]]] = []
        for message in messages:
            names = self.select(message[2])
            if out and out[-1][0] == names:
                out[-1][1].append(message)
            else:
                out.append((names, [message]))
        return list(out)
