"""A Clarify dataset of ``dataset_type`` ``application/json``: one JSON document, paths over it.

Clarify reads such a dataset (AWS's "Analyze data in JSON format" and analysis configuration
docs) by evaluating the config's JMESPaths over the *whole* document: ``features`` must find
a two-dimensional array, one row of feature values per record (``instances[*].features``
over ``{"instances": [{"features": [...], "label": 1}, ...]}``), and ``label`` (and
``predicted_label``, driftline's ``probability``) one value per record
(``instances[*].label``); ``headers`` name the features, then the label and prediction, as
for JSON Lines. :func:`document_records` reads a document that way, once, with orjson, and
gives the records in order: :class:`~stream.batch.clarify_json_lines.ClarifyJsonLines` then
names and counts them exactly as it does the same records given one per JSON Lines line, so
statistics and bias figures are those of the JSON Lines form.

The paths are driftline's JMESPath subset (:mod:`ground_truth.json_path`); a ``[*]``
projection leaves out a record where nothing (or ``null``) is found, as JMESPath does, so a
record without its label makes the label array shorter than the features'. A document whose
records cannot be lined up is refused (:class:`~stream.batch.data_files.DataFileError`, one
line): not JSON, a path that finds nothing, a path that finds no list, arrays of different
lengths. A row that is not a flat list of one value per feature header is counted and
skipped as a JSON Lines line is (``features_not_a_list``, ``features_count``, ``no_features``
for a ``null`` row), its label and prediction with it.

Examples
--------
>>> import tempfile
>>> doc = {"instances": [{"features": [41, 0], "label": 1}, {"features": [7, 1], "label": 0}]}
>>> with tempfile.TemporaryDirectory() as folder:
...     part = Path(folder, "data.json")
...     _ = part.write_bytes(orjson.dumps(doc))
...     document_records(part, "instances[*].features", ("instances[*].label",))
[([41, 0], 1), ([7, 1], 0)]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from ground_truth.json_path import MISSING, find
from stream.batch.data_files import DataFileError
from stream.capture.files import BOM

JSON_DOCUMENT = "application/json"


def document_records(
    part: Path, features_path: str, output_paths: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Each record of the JSON document in ``part``: (its features row, *its outputs' values*).

    ``output_paths`` are the label's, prediction's and probability's paths, in the order of
    the values after the row. DataFileError (one line) when the records cannot be lined up
    (see the module doc).
    """
    try:
        document = orjson.loads(part.read_bytes().removeprefix(BOM))
    except orjson.JSONDecodeError as exc:
        msg = (
            f"{part.name} is not one JSON document ({exc}); a dataset_type application/json "
            "dataset is a single JSON value (one record a line is application/jsonlines)"
        )
        raise DataFileError(msg) from exc
    rows = _array(document, features_path, "features", part)
    columns = [_array(document, path, "path", part) for path in output_paths]
    for path, values in zip(output_paths, columns, strict=True):
        if len(values) != len(rows):
            msg = (
                f"{path!r} finds {len(values)} values in {part.name} but features "
                f"{features_path!r} finds {len(rows)} rows: Clarify needs one value per "
                "record (a record missing its value is left out of a [*] projection)"
            )
            raise DataFileError(msg)
    return list(zip(rows, *columns, strict=True))


def _array(document: Any, path: str, what: str, part: Path) -> list[Any]:
    """What ``path`` finds in the document, which must be a list (one entry per record)."""
    found = find(document, path)
    if found is MISSING or found is None:
        msg = f"{what} {path!r} finds nothing in {part.name}: no record to read"
        raise DataFileError(msg)
    if type(found) is not list:
        msg = (
            f"{what} {path!r} finds a {_json_kind(found)} in {part.name}, not an array of one "
            "entry per record, as a dataset_type application/json path over the whole "
            "document must (e.g. instances[*].features)"
        )
        raise DataFileError(msg)
    return found


def _json_kind(value: Any) -> str:
    """``object``, ``string``, ``number`` or ``boolean``: the JSON kind of a non-list value."""
    if isinstance(value, dict):
        return "JSON object"
    if isinstance(value, str):
        return "string"
    return "boolean" if isinstance(value, bool) else "number"
