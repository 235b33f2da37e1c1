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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stream.config import MonitorConfig


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


def matches(monitor: MonitorConfig, headers: Mapping[str, str]) -> bool:
    """Whether a message with ``headers`` belongs to ``monitor``."""
    match = monitor.match
    wanted = {"endpoint": match.endpoint, "variant": match.variant, "model": match.model}
    return all(headers.get(k) == v for k, v in wanted.items() if v is not None)
