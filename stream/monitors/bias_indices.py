"""Column indices in a bias config, resolved to column names once, when the columns are known.

Clarify lets a config name a column by its 0-based **index** instead of its name: a facet's
``name_or_index``, ``group_variable``, and (for CSV) ``label`` and ``predicted_label``. An
index counts the dataset's columns, label included: the SageMaker SDK documents
``facet_name`` as the column "name (or index in the input data)" and ``label`` as the
"column name or index for CSV dataset"; AWS's tabular data guide says a dataset without a
header row sets ``label`` to index ``0`` when "the first column is the ground truth label",
and that with ``headers`` the label is named by its header. So index ``i`` is the column
``headers[i]`` when the config has ``headers`` (they name the dataset's columns in order,
the label's among them), else the ``i``-th column of the data file.

driftline reads every column by name, so :func:`pin_indexed_columns` resolves each index
**once**, when the columns are known: ``baseline suggest`` against the config's
``headers`` or the baseline file's columns, and pins the names in the config it writes
(``indexed_columns``, a key Clarify does not define, as ``data_type`` is not); a monitor
(``analyze``, the worker) against ``headers`` or those pinned names. An index out of range,
or a facet or group index nothing can name (a Clarify-written config without ``headers``:
a capture row's positions are not the dataset's), is refused with one line; a run never
reads a column by its position in a row. A monitor reads the label from ground truth and
the prediction from the capture, so an index it cannot name there (``label``,
``predicted_label``, ``probability``) is no error: it keeps its number as its name (the
``label`` shown in ``analysis.json``). The configured ``name_or_index`` stays the facet's key
in ``analysis.json`` and violations.

Examples
--------
>>> config = {"label": 3, "facet": [{"name_or_index": 1}], "group_variable": "zip"}
>>> pinned = pin_indexed_columns(config, ["prediction", "sex", "zip", "label"])
>>> pinned[INDEXED_COLUMNS]
{'3': 'label', '1': 'sex'}
>>> column_of(pinned, 1), column_of(pinned, "zip"), column_of(pinned, 3)
('sex', 'zip', 'label')
>>> pin_indexed_columns(pinned) == pinned  # a monitor finds the names the baseline pinned
True
>>> try:
...     pin_indexed_columns({**config, "facet": [{"name_or_index": 4}]}, ["a", "b"])
... except ValueError as error:
...     print(error)
label 3 is a column index out of range: the baseline file's columns are a, b (0 to 1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

INDEXED_COLUMNS = "indexed_columns"  # driftline's key: {"<index>": "<column name>"}

# the top-level keys that may name a column by index (a facet's is name_or_index)
_INDEX_KEYS = ("label", "predicted_label", "probability", "group_variable")
_MODEL_OUTPUT_KEYS = ("label", "predicted_label", "probability")  # a monitor reads no column


def is_index(value: Any) -> bool:
    """Whether a config value names a column by index (an integer; a bool is no index)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _indices(config: Mapping[str, Any]) -> list[tuple[str, int]]:
    """Each index the config gives, with its key (``facet`` for a facet's ``name_or_index``)."""
    found = [(key, config[key]) for key in _INDEX_KEYS if is_index(config.get(key))]
    facets = config.get("facet")
    for entry in facets if isinstance(facets, list) else ():
        value = entry.get("name_or_index") if isinstance(entry, Mapping) else None
        if is_index(value):
            found.append(("facet", value))
    return found


def pin_indexed_columns(
    config: Mapping[str, Any], file_columns: Sequence[str] | None = None
) -> dict[str, Any]:
    """The config with the column name of each index it gives pinned in ``indexed_columns``.

    Index ``i`` names ``headers[i]`` when the config has ``headers``, else
    ``file_columns[i]`` (the baseline file's columns, for ``baseline suggest``), else the
    name a baseline pinned. ValueError (one line) for an index out of range, or a facet or
    group index that nothing names. A config without indices comes back unchanged.
    """
    if not isinstance(config, Mapping):
        msg = "the bias config must be a JSON object"
        raise ValueError(msg)
    indices = _indices(config)
    if not indices:
        return dict(config)
    headers = config.get("headers")
    if isinstance(headers, list) and headers:
        columns: Sequence[str] | None = [str(h) for h in headers]
        source = "the bias config's headers"
    elif file_columns is not None:
        columns, source = [str(c) for c in file_columns], "the baseline file's columns"
    else:
        columns, source = None, ""
    pinned_before = config.get(INDEXED_COLUMNS)
    pinned_before = pinned_before if isinstance(pinned_before, Mapping) else {}
    resolved: dict[str, str] = {}
    for key, index in indices:
        what = f"{key} {index}"
        if columns is not None:
            if not 0 <= index < len(columns):
                msg = (
                    f"{what} is a column index out of range: {source} are "
                    f"{', '.join(columns)} (0 to {len(columns) - 1})"
                )
                raise ValueError(msg)
            resolved[str(index)] = columns[index]
        elif isinstance(pinned_before.get(str(index)), str):
            resolved[str(index)] = pinned_before[str(index)]
        elif key not in _MODEL_OUTPUT_KEYS:
            msg = (
                f"{what} is a column index, but the bias config has no headers to name its "
                "column (nor a name driftline's baseline suggest pinned); add headers or "
                "give the column's name"
            )
            raise ValueError(msg)
    return {**config, INDEXED_COLUMNS: resolved}


def column_of(config: Mapping[str, Any], name_or_index: Any, *, strict: bool = True) -> str:
    """The column a name, or an index :func:`pin_indexed_columns` resolved, refers to.

    An index it left unresolved is a ValueError (a facet or group column is never guessed),
    unless ``strict`` is False (a model output a monitor reads no column for): it keeps its
    number as its name.
    """
    if not is_index(name_or_index):
        return str(name_or_index)
    pinned = config.get(INDEXED_COLUMNS)
    if isinstance(pinned, Mapping) and str(name_or_index) in pinned:
        return str(pinned[str(name_or_index)])
    if not strict:
        return str(name_or_index)
    msg = f"column index {name_or_index} was not resolved (pin_indexed_columns first)"
    raise ValueError(msg)
