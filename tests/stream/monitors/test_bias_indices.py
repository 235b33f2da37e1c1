"""Clarify's 0-based column indices in a bias config resolve to column names, or are refused.

The meaning is Clarify's (SageMaker SDK ``BiasConfig``/``DataConfig`` docstrings, AWS's
tabular data guide): index ``i`` is the dataset's column ``i``, the label's column counted;
``headers``, when given, name those columns in order, else the data file's columns do.
"""

from __future__ import annotations

import pytest

from stream.monitors.bias_columns import BiasInputColumns
from stream.monitors.bias_indices import INDEXED_COLUMNS, column_of, pin_indexed_columns
from stream.monitors.bias_settings import (
    BiasSettings,
    flip_test_features,
    read_bias_config,
    row_columns,
)

FILE_COLUMNS = ("prediction", "sex", "zip", "age", "label")
BY_INDEX = {
    "label": 4,
    "predicted_label": 0,
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": 1, "value_or_threshold": ["F"]}],
    "group_variable": 2,
}
BY_NAME = {
    "label": "label",
    "predicted_label": "prediction",
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "sex", "value_or_threshold": ["F"]}],
    "group_variable": "zip",
}


def _settings(config: dict) -> BiasSettings:
    return BiasSettings(config, read_bias_config(config))


def test_indices_name_the_file_columns_without_headers() -> None:
    pinned = pin_indexed_columns(BY_INDEX, FILE_COLUMNS)
    assert pinned[INDEXED_COLUMNS] == {"4": "label", "0": "prediction", "2": "zip", "1": "sex"}
    by_index, by_name = _settings(pinned), _settings(BY_NAME)
    assert row_columns(by_index) == row_columns(by_name) == ["sex", "zip"]
    assert by_index.output_column("label") == "label"
    assert by_index.output_column("predicted_label") == "prediction"
    assert by_index.output_column("probability") is None
    # the label and prediction are no flip-test features, by index as by name
    assert flip_test_features(pinned, FILE_COLUMNS) == ["sex", "zip", "age"]
    assert pinned["facet"] == BY_INDEX["facet"]  # the configured index stays the facet's key


def test_headers_name_the_columns_when_the_config_has_them() -> None:
    """CSV headers hold the label's column where the dataset has it (here first)."""
    config = {**BY_INDEX, "headers": ["label", "sex", "zip", "age"], "label": 0}
    config.pop("predicted_label")
    pinned = pin_indexed_columns(config, FILE_COLUMNS)  # the headers win over the file
    assert [column_of(pinned, i) for i in (0, 1, 2)] == ["label", "sex", "zip"]
    # a monitor resolves the same indices by the headers alone
    assert pin_indexed_columns(config)[INDEXED_COLUMNS] == pinned[INDEXED_COLUMNS]
    columns = BiasInputColumns.from_settings(_settings(pinned))
    assert columns is not None
    assert columns.wanted == ("sex", "zip")
    assert columns.csv_headers == ("sex", "zip", "age")  # the label (index 0) is no request value


def test_a_monitor_reuses_the_names_a_baseline_pinned() -> None:
    pinned = pin_indexed_columns(BY_INDEX, FILE_COLUMNS)
    assert pin_indexed_columns(pinned) == pinned


def test_names_and_digit_names_are_no_indices() -> None:
    config = {**BY_NAME, "facet": [{"name_or_index": "1"}], "group_variable": None}
    assert pin_indexed_columns(config, FILE_COLUMNS) == config
    assert column_of(config, "1") == "1"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"facet": [{"name_or_index": 5}]},
         "facet 5 is a column index out of range: the baseline file's columns are prediction, "
         "sex, zip, age, label (0 to 4)"),
        ({"facet": [{"name_or_index": -1}]}, "facet -1 is a column index out of range"),
        ({"group_variable": 9}, "group_variable 9 is a column index out of range"),
        ({"label": 7}, "label 7 is a column index out of range"),
        ({"headers": ["sex", "label"]},
         "label 4 is a column index out of range: the bias config's headers are sex, label "
         "(0 to 1)"),
    ],
)  # fmt: skip
def test_an_index_out_of_range_is_refused(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        pin_indexed_columns({**BY_INDEX, **change}, FILE_COLUMNS)


def test_a_facet_or_group_index_nothing_names_is_refused() -> None:
    """A Clarify-written config without headers: which column a run's row would put there
    depends on the capture (output columns first, no label), so driftline does not guess."""
    with pytest.raises(ValueError, match="^group_variable 2 is a column index, but the bias"):
        pin_indexed_columns(BY_INDEX)
    with pytest.raises(ValueError, match="^facet 1 is a column index, but"):
        pin_indexed_columns({**BY_NAME, "facet": [{"name_or_index": 1}]})
    with pytest.raises(ValueError, match="^column index 1 was not resolved"):
        row_columns(_settings({**BY_NAME, "facet": [{"name_or_index": 1}]}))


def test_a_monitor_reads_no_label_or_prediction_column_so_their_index_may_stay() -> None:
    """Clarify's CSV monitor config may give ``"label": 0`` without headers (AWS's tabular
    guide): the label comes from ground truth, the prediction from the capture."""
    config = {**BY_NAME, "label": 0, "predicted_label": 1, "probability": 2}
    pinned = pin_indexed_columns(config)
    assert pinned[INDEXED_COLUMNS] == {}
    settings = _settings(pinned)
    assert [settings.output_column(k) for k in ("label", "predicted_label", "probability")] == [
        "0", "1", "2",
    ]  # fmt: skip
    assert row_columns(settings) == ["sex", "zip"]


def test_a_bool_is_no_index() -> None:
    config = {**BY_NAME, "group_variable": True}
    assert pin_indexed_columns(config) == config
