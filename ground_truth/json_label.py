"""The label of a JSON-encoded ground-truth record: ``groundTruthData.data`` read at a path.

AWS's bias-monitor examples write ground truth with ``"encoding": "JSON"``: ``data`` is a
JSON document in the shape of the dataset's records (``{"label": 1}`` for JSON Lines,
``{"instances": [{"label": 1}]}`` for JSON), and the label is what the Clarify analysis
config's ``label`` (a JMESPath such as ``label`` or ``instances[*].label``) finds in it.
driftline takes the path from configuration (:mod:`ground_truth.json_path` follows it).

A record labels one inference, so a path without ``[*]`` must find one value. A ``[*]``
projection over the instances of a request (``instances[*].label``) gives one label per
instance, in instance order: a list of one value is that value, as for a request of one
instance; a list of several is the labels of a request of several instances, which join the
capture's predictions instance by instance (:mod:`stream.monitors.label_join`). Every
instance must then have its label — JMESPath leaves out an element where nothing is found,
which would shift every later label onto the wrong instance — so when several are found an
instance without one is refused (``missing_label``, ``empty_value``); one value found is
that one label, as JMESPath gives it. Nothing found is ``missing_label``; several
values from a path of several projections are ``multiple_labels``. The value is typed as a CSV
field is (:func:`~ground_truth.label_data.parse_label_value`): a finite number becomes a
``float``, text that reads as one too, other text stays text, and ``true`` / ``false``
become the text ``"true"`` / ``"false"`` (as A2I answers do). ``null`` or blank text is an
``empty_value``, an object or a list a ``wrong_type``; ``data`` that is not JSON is
``bad_json_data``.

Examples
--------
>>> parse_json_label('{"label": 1}', "label"), parse_json_label('{"y": "yes"}', "y")
((1.0,), ('yes',))
>>> parse_json_label('{"instances": [{"label": 0}]}', "instances[*].label")
(0.0,)
>>> parse_json_label('{"instances": [{"label": 0}, {"label": 1}]}', "instances[*].label")
(0.0, 1.0)
>>> parse_json_label('{"instances": [{"label": 0}, {"y": 1}, {"label": 1}]}', "instances[*].label")
Traceback (most recent call last):
...
ground_truth.label_errors.LabelRecordError: missing_label: instance 1 of 3 has no label at ...
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from ground_truth.json_path import MISSING, find, find_each, has_projection
from ground_truth.label_data import LabelValue, parse_label_value
from ground_truth.label_errors import (
    BAD_JSON_DATA,
    EMPTY_VALUE,
    MISSING_LABEL,
    MULTIPLE_LABELS,
    WRONG_TYPE,
    LabelRecordError,
)

__all__ = ["parse_json_label"]


def _refuse_constant(name: str) -> NoReturn:
    msg = f"{name} is not JSON"
    raise ValueError(msg)


def parse_json_label(data: str, path: str) -> tuple[LabelValue, ...]:
    """The label ``path`` finds in the JSON text ``data``: one value, or one per instance.

    Raises
    ------
    LabelRecordError
        ``bad_json_data``, ``missing_label``, ``multiple_labels``, ``empty_value`` or
        ``wrong_type`` (see the module docstring).
    """
    try:
        document = json.loads(
            data,
            parse_float=parse_label_value,
            parse_int=parse_label_value,
            parse_constant=_refuse_constant,
        )
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        msg = f"groundTruthData.data is not JSON: {exc}"
        raise LabelRecordError(BAD_JSON_DATA, msg) from exc
    found = find(document, path)
    if type(found) is list and has_projection(path):
        if len(found) > 1:
            each = find_each(document, path)  # None: the path projects more than once
            if each is None:
                msg = f"{path!r} gives {len(found)} labels, not one per instance of a request"
                raise LabelRecordError(MULTIPLE_LABELS, msg)
            return tuple(_instance_label(v, i, len(each), path) for i, v in enumerate(each))
        found = found[0] if found else MISSING
    if found is MISSING:
        msg = f"groundTruthData.data holds no label at {path!r}"
        raise LabelRecordError(MISSING_LABEL, msg)
    return (_label_value(found, path),)


def _instance_label(value: Any, index: int, count: int, path: str) -> LabelValue:
    """Instance ``index``'s label: every instance of a labelled request needs one."""
    if value is MISSING:
        msg = f"instance {index} of {count} has no label at {path!r}"
        raise LabelRecordError(MISSING_LABEL, msg)
    if value is None:
        msg = f"instance {index} of {count} has a null label at {path!r}"
        raise LabelRecordError(EMPTY_VALUE, msg)
    return _label_value(value, path)


def _label_value(value: Any, path: str) -> LabelValue:
    if value is None:
        msg = f"the label at {path!r} is null"
        raise LabelRecordError(EMPTY_VALUE, msg)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        if not value.strip():
            msg = f"the label at {path!r} is blank"
            raise LabelRecordError(EMPTY_VALUE, msg)
        return parse_label_value(value)
    msg = f"the label at {path!r} is a JSON {_json_kind(value)}, not a value"
    raise LabelRecordError(WRONG_TYPE, msg)


def _json_kind(value: Any) -> str:
    return "list" if isinstance(value, list) else "object"
