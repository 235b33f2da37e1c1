"""Feature rows of a capture record, named from the baseline's feature order.

SageMaker's ``sagemakerCaptureJson`` rule: output columns first, then input columns, named
positionally from the baseline; values beyond the baseline become ``_c<i>`` columns.

Examples
--------
>>> from stream.capture.records import decode_capture
>>> record = decode_capture(
...     b'{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT",'
...     b'"data":"41,basic","encoding":"CSV"},"endpointOutput":{"observedContentType":'
...     b'"text/csv","mode":"OUTPUT","data":"0.87","encoding":"CSV"}},"eventMetadata":'
...     b'{"eventId":"e1","inferenceId":"i1","inferenceTime":"2024-03-05T14:07:31Z"},'
...     b'"eventVersion":"0"}')
>>> RowBuilder(features=("score", "age", "plan")).rows(record)
[{'score': '0.87', 'age': '41', 'plan': 'basic'}]
>>> RowBuilder(features=("age",), capture_index_names=("endpointInput",)).rows(record)
[{'age': '41', '_c1': 'basic'}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stream.capture.payloads import CONTAINERS, PayloadRows, parse_payload
from stream.capture.records import (
    CAPTURE_PARTS,
    CaptureError,
    CaptureRecord,
    capture_parts_problem,
    is_mapping,
)

MAX_NESTING = 32  # lists/objects inside a feature value (their text form recurses per level)


class RowBuilder:
    """Turn capture records into feature rows named from the baseline's feature order.

    ``capture_index_names`` picks the capture parts that become columns (SageMaker's knob,
    default both); the output's columns come first (``output_columns_position="START"``) or
    last (``"END"``).
    """

    def __init__(
        self,
        *,
        features: Sequence[str],
        capture_index_names: Sequence[str] = CAPTURE_PARTS,
        output_columns_position: str = "START",
    ) -> None:
        problem = capture_parts_problem(capture_index_names)
        if problem is not None:
            msg = f"capture_index_names {problem}"
            raise ValueError(msg)
        if output_columns_position not in ("START", "END"):
            msg = f"output_columns_position must be START or END, got {output_columns_position!r}"
            raise ValueError(msg)
        self.features = tuple(features)
        self._feature_set = frozenset(self.features)
        self.parts = tuple(
            p
            for p in (
                ("endpointOutput", "endpointInput")
                if output_columns_position == "START"
                else ("endpointInput", "endpointOutput")
            )
            if p in capture_index_names
        )

    def rows(self, record: CaptureRecord) -> list[dict[str, Any]]:
        """The record's rows: one per instance when the payloads carry a batch.

        Input rows and output rows are paired by index, as SageMaker's analyzer pairs
        ``instances`` with ``predictions``; parts whose row counts cannot be paired raise
        ``shape_mismatch`` (one instance's values are never repeated for several outputs).
        """
        pieces = [parse_payload(e) for e in record.parts_of(self.parts)]
        if not pieces:
            msg = "missing_field"
            raise CaptureError(msg, f"captureData holds none of {', '.join(self.parts)}")
        count = _paired_count(pieces)
        readings = [None if count is None else piece.reading(count) for piece in pieces]
        if count is None or any(reading is None for reading in readings):
            counts = " and ".join(str(len(p.flat or p.rows)) for p in pieces)
            msg = "shape_mismatch"
            raise CaptureError(msg, f"capture parts hold {counts} rows, which do not pair")
        return [self.named([r[i] for r in readings if r is not None]) for i in range(count)]

    def named(self, pieces: Sequence[list[Any] | dict[str, Any]]) -> dict[str, Any]:
        """Join row pieces (positional lists and named objects) into one named row."""
        row: dict[str, Any] = {}
        position = 0
        for piece in pieces:
            if isinstance(piece, dict):
                row.update(piece)
                position += len(piece)
                continue
            end = position + len(piece)
            row.update(zip(self.column_names(position, end), piece, strict=True))
            position = end
        return row

    def column_name(self, position: int) -> str:
        """The baseline's name for a position, else Spark's default ``_c<position>``."""
        return self.features[position] if position < len(self.features) else f"_c{position}"

    def column_names(self, start: int, end: int) -> Sequence[str]:
        """:meth:`column_name` of each position from ``start`` up to ``end``."""
        if end <= len(self.features):
            return self.features[start:end]
        return [self.column_name(position) for position in range(start, end)]

    def rows_from_mapping(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Name a preprocessor's output row.

        Keys that are all baseline feature names are kept; other keys are sorted and named
        positionally (SageMaker orders preprocessor columns by key).
        """
        if self._feature_set.issuperset(row):
            return dict(row)
        return {self.column_name(i): row[key] for i, key in enumerate(sorted(row))}


def _paired_count(pieces: Sequence[PayloadRows]) -> int | None:
    """How many rows the parts pair into, or None when they cannot pair.

    Parts whose rows are fixed (CSV lines, lists of rows, objects) must agree. Flat scalar
    lists adapt: a keyed one (``predictions``) sets the count to its length, a bare one is
    one row unless another part needs one row per value.
    """
    fixed = {len(p.rows) for p in pieces if p.flat is None}
    if len(fixed) > 1:
        return None
    if fixed:
        return fixed.pop()
    keyed = {len(p.rows) for p in pieces if p.per_instance}
    if len(keyed) > 1:
        return None
    return keyed.pop() if keyed else 1


def too_deep(row: Any) -> bool:
    """Whether a row holds a value nested deeper than ``MAX_NESTING`` (checked iteratively).

    >>> deep: list = []
    >>> for _ in range(MAX_NESTING + 1):
    ...     deep = [deep]
    >>> too_deep({"age": "41", "tags": deep}), too_deep({"age": "41", "tags": [[1]]})
    (True, False)
    """
    values = row.values() if type(row) is dict or is_mapping(row) else list(row)
    if _SCALARS.issuperset(map(type, values)):
        return False  # the usual row: no list or dict (nor a subclass of one) to walk
    level = [v for v in values if isinstance(v, CONTAINERS)]
    depth = 0
    while level:
        depth += 1
        if depth > MAX_NESTING:
            return True
        nxt: list[Any] = []
        for v in level:
            inner = v.values() if isinstance(v, dict) else v
            nxt.extend(x for x in inner if isinstance(x, CONTAINERS))
        level = nxt
    return False


_SCALARS = frozenset({str, int, float, bool, type(None)})
