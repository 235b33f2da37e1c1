"""A capture request's bias columns named by the config's headers, as SageMaker names them."""

from __future__ import annotations

import base64
import json

import pytest

from stream.capture.records import CaptureError, EventData
from stream.monitors.bias import load_bias_baseline
from stream.monitors.bias_columns import BiasInputColumns, check_features_path
from stream.monitors.files import BaselineError
from tests.stream.monitors.jsonl_bias_files import CONFIG, write_bias_folder

HEADERS = ("Age", "Sex", "Hours", "Target")


def _json(doc: object, content_type: str = "application/jsonlines") -> EventData:
    return EventData(content_type, "INPUT", json.dumps(doc), "JSON")


def _columns(**keys: object) -> BiasInputColumns:
    return BiasInputColumns(headers=HEADERS, label="label", wanted=("Sex", "Age"), **keys)


@pytest.mark.parametrize(
    ("path", "doc"),
    [
        ("features", {"features": [41, 1, 38]}),
        ("data.features.values", {"data": {"features": {"values": [41, 1, 38]}}}),
        ("instances[*].features", {"instances": [{"features": [41, 1, 38]}]}),
        ("instances[0].features", {"instances": [{"features": [41, 1, 38]}, {"features": []}]}),
    ],
)
def test_the_features_path_finds_the_values_the_headers_name(path: str, doc: object) -> None:
    """AWS's examples: ``features``, ``data.features.values``, ``instances[*].features``."""
    assert _columns(features=path).values(_json(doc)) == {"Sex": 1, "Age": 41}


def test_without_a_path_the_request_is_read_as_any_json_payload() -> None:
    columns = _columns()
    assert columns.values(_json({"features": [41, 1, 38]})) == {"Sex": 1, "Age": 41}
    assert columns.values(_json([41, 1, 38])) == {"Sex": 1, "Age": 41}
    assert columns.values(_json({"Age": 41, "Sex": 1})) == {"Sex": 1, "Age": 41}  # named
    b64 = base64.b64encode(b'{"features": [41, 1, 38]}').decode()
    assert columns.values(EventData(None, "INPUT", b64, "BASE64")) == {"Sex": 1, "Age": 41}


def test_a_json_request_takes_the_headers_less_the_label_and_predicted_labels_last() -> None:
    """Clarify's order for a JSON Lines dataset's headers: features, label, predicted label.

    The same rule ``baseline suggest`` reads the dataset by: a config with ``predicted_label``
    names the request's three values Age, Sex, Hours, and refuses four (the label's header
    is no feature) with the rule said.
    """
    columns = BiasInputColumns(
        headers=(*HEADERS, "Prediction"),
        label="label",
        predicted_label="predicted_label",
        features="features",
        wanted=("Sex", "Hours"),
    )
    assert columns.values(_json({"features": [41, 1, 38]})) == {"Sex": 1, "Hours": 38}
    with pytest.raises(CaptureError) as refused:
        columns.values(_json({"features": [41, 1, 38, 0]}))
    assert refused.value.reason == "headers_mismatch"
    assert "the last headers, Target and Prediction, name the label and the predicted label" in (
        refused.value.message
    )


def test_a_prediction_given_outside_the_configs_headers_names_no_header() -> None:
    """AWS's monitor examples: features and ``Target``; ``baseline suggest`` took the
    prediction from ``--prediction-column`` and pinned that the headers end with the label's
    alone, so the pinned config's ``predicted_label`` takes no header from the request."""
    from stream.monitors.bias_settings import BiasSettings, pin_headers_end, read_bias_config

    config = pin_headers_end({**CONFIG, "features": "features"})
    config["predicted_label"] = "prediction"  # what --prediction-column adds after pinning
    columns = BiasInputColumns.from_settings(BiasSettings(config, read_bias_config(config)))
    assert columns is not None
    assert columns.json_headers == tuple(CONFIG["headers"][:-1])


def test_a_csv_request_takes_the_headers_less_label_and_prediction() -> None:
    columns = BiasInputColumns(
        headers=("Target", "Age", "Sex", "Hours", "Prediction"),
        label="Target",
        predicted_label="Prediction",
        wanted=("Sex",),
    )
    assert columns.values(EventData("text/csv", "INPUT", "41,1,38", "CSV")) == {"Sex": "1"}
    b64 = base64.b64encode(b"41,0,38").decode()
    assert columns.values(EventData("text/csv", "INPUT", b64, "BASE64")) == {"Sex": "0"}


@pytest.mark.parametrize(
    ("event", "reason", "words"),
    [
        (None, "missing_input", "no endpointInput"),
        (_json({"features": [41, 1, 38, 0]}), "headers_mismatch", "holds 4 feature values"),
        (_json({"features": [41, 1]}), "headers_mismatch", "the last header, Target, names"),
        (_json({"values": [41, 1, 38]}), "no_features", "no list of feature values"),
        (_json({"instances": [{"features": [1, 2, 3]}] * 2}), "multi_row_output", "2 rows"),
        (EventData("application/json", "INPUT", '{"features": [4', "JSON"), "bad_payload", ""),
    ],
)
def test_a_request_the_headers_cannot_name_is_refused_with_its_reason(
    event: EventData | None, reason: str, words: str
) -> None:
    path = "instances[*].features" if reason == "multi_row_output" else "features"
    with pytest.raises(CaptureError) as caught:
        _columns(features=path).values(event)
    assert caught.value.reason == reason
    assert words in caught.value.message


def test_a_json_lines_config_without_a_label_names_every_header_a_feature() -> None:
    columns = BiasInputColumns(headers=("Age", "Sex"), wanted=("Sex",), features="features")
    assert columns.values(_json({"features": [41, 0]})) == {"Sex": 0}


@pytest.mark.parametrize("path", ["features[", "a..b", "a[x]", "a[*].b[*]", "a || b"])
def test_a_path_driftline_does_not_read_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="is not a JMESPath"):
        check_features_path(path)


def test_the_features_path_reads_as_the_label_paths_do() -> None:
    """One evaluator: quoted keys and a negative index, as JMESPath reads them."""
    columns = BiasInputColumns(headers=("Age", "Sex"), wanted=("Sex",), features='"the data"[-1]')
    assert columns.values(_json({"the data": [[9, 9], [41, 1]]})) == {"Sex": 1}


def test_the_baseline_refuses_columns_the_headers_do_not_name(tmp_path) -> None:
    folder = write_bias_folder(tmp_path / "bias", {**CONFIG, "group_variable": "Region"})
    with pytest.raises(BaselineError, match=r"do not name \['Region'\]"):
        load_bias_baseline(folder)
    folder = write_bias_folder(tmp_path / "path", {**CONFIG, "features": "features[x]"})
    with pytest.raises(BaselineError, match="is not a JMESPath"):
        load_bias_baseline(folder)


def test_a_config_without_headers_keeps_the_data_quality_row(tmp_path) -> None:
    config = {k: v for k, v in CONFIG.items() if k != "headers"}
    assert load_bias_baseline(write_bias_folder(tmp_path / "bias", config)).input_columns is None


def test_a_facet_two_headers_name_is_refused_not_read_at_one_of_them(tmp_path) -> None:
    """Headers ``Sex, Sex, …``: which value is the facet's? Neither is picked silently."""
    doubled = ["Married", "Sex", "Workclass", "Sex", "Hours", "Target"]
    folder = write_bias_folder(tmp_path / "bias", {**CONFIG, "headers": doubled})
    with pytest.raises(BaselineError, match="name Sex more than once"):
        load_bias_baseline(folder)
    with pytest.raises(ValueError, match="name Sex more than once"):
        BiasInputColumns(headers=("Sex", "Age", "Sex", "Target"), label="label", wanted=("Sex",))


def test_an_instance_without_features_is_refused_not_skipped() -> None:
    """Instance 1 has no features: instance 2's facets must not become instance 1's.

    By hand: the three instances' Sex values are 1, (none), 0; dropping the second row
    would give the request two rows, Sex 1 and 0, read as instances 0 and 1.
    """
    doc = {"instances": [{"features": [41, 1, 38]}, {"x": 1}, {"features": [30, 0, 40]}]}
    with pytest.raises(CaptureError) as caught:
        _columns(features="instances[*].features").values_each(_json(doc))
    assert caught.value.reason == "no_features"
    whole = {"instances": [{"features": [41, 1, 38]}, {"features": [30, 0, 40]}]}
    rows = _columns(features="instances[*].features").values_each(_json(whole))
    assert rows == [{"Sex": 1, "Age": 41}, {"Sex": 0, "Age": 30}]
