"""The one protocol every detector implements, and the helpers its state format shares.

A detector is updated with one observation at a time (or a batch through the optional
``update_many``), read with :meth:`Detector.reading`, merged with a detector of the same kind
that saw another part of the stream, and saved as plain JSON-safe data.

Examples
--------
>>> r = Reading(detector="psi.age", value=None, alarm=False, n=0)
>>> r.is_warmed_up
False
>>> envelope = make_state("demo", 1, {"k": 3}, {"n": 2})
>>> open_state(envelope, kind="demo", version=1)
({'k': 3}, {'n': 2})
>>> open_state(envelope, kind="other", version=1)
Traceback (most recent call last):
...
ValueError: state is for kind 'demo' version 1, expected kind 'other' version 1
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol, Self, TypeVar, runtime_checkable

X_contra = TypeVar("X_contra", contravariant=True)

__all__ = [
    "Detector",
    "NotMergeable",
    "Reading",
    "bytes_from_text",
    "bytes_to_text",
    "check_same_params",
    "make_state",
    "open_state",
]


class Reading(NamedTuple):
    """What a detector says after its last update.

    ``value`` is ``None`` until the detector has seen enough data (its ``min_samples``);
    ``alarm`` is a level — the state after the last update — never an edge.
    """

    detector: str
    value: float | None
    alarm: bool
    n: int

    @property
    def is_warmed_up(self) -> bool:
        """Whether the detector has produced a value yet."""
        return self.value is not None


class NotMergeable(TypeError):
    """Raised by ``merge`` of a detector whose state cannot be combined (sequential tests)."""


@runtime_checkable
class Detector(Protocol[X_contra]):
    """update → reading → merge → to_state/from_state, for every detector."""

    name: str

    def update(self, x: X_contra) -> None:
        """Take one observation; O(1) or O(log n), never raises on valid data."""

    def reading(self) -> Reading:
        """Return the reading after the last update."""

    def merge(self, other: Self) -> None:
        """Absorb ``other`` as if this detector had seen both streams."""

    def to_state(self) -> dict[str, Any]:
        """Return versioned, JSON-safe state (see :func:`make_state`)."""

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Self:
        """Rebuild a detector from :meth:`to_state` output."""


def make_state(
    kind: str, version: int, params: Mapping[str, Any], state: Mapping[str, Any]
) -> dict[str, Any]:
    """Build the state envelope ``{"kind", "version", "params", "state"}``."""
    return {"kind": kind, "version": version, "params": dict(params), "state": dict(state)}


def open_state(
    envelope: Mapping[str, Any], *, kind: str, version: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check an envelope's kind and version and return its ``(params, state)``.

    Raises
    ------
    ValueError
        When the kind or version differ, naming both.
    """
    got_kind, got_version = envelope.get("kind"), envelope.get("version")
    if got_kind != kind or got_version != version:
        msg = (
            f"state is for kind {got_kind!r} version {got_version}, "
            f"expected kind {kind!r} version {version}"
        )
        raise ValueError(msg)
    return dict(envelope["params"]), dict(envelope["state"])


def check_same_params(a: Any, b: Any, *names: str) -> None:
    """Raise ``ValueError`` unless two detectors agree on the named parameters."""
    if type(a) is not type(b):
        msg = f"cannot merge {type(b).__name__} into {type(a).__name__}"
        raise TypeError(msg)
    for name in names:
        if getattr(a, name) != getattr(b, name):
            msg = (
                f"cannot merge detectors with different {name}: "
                f"{getattr(a, name)!r} != {getattr(b, name)!r}"
            )
            raise ValueError(msg)


def bytes_to_text(raw: bytes) -> str:
    """Encode sketch bytes as base64 text for JSON state."""
    return base64.b64encode(raw).decode("ascii")


def bytes_from_text(text: str) -> bytes:
    """Decode base64 text written by :func:`bytes_to_text`."""
    return base64.b64decode(text.encode("ascii"))
