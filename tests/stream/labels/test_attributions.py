"""decode_attribution and capture_shap: local SHAP values from their topic or the capture."""

from __future__ import annotations

import base64
import json
from types import MappingProxyType

import pytest

from stream.capture.records import decode_capture
from stream.labels import AttributionError, capture_shap, decode_attribution
from stream.labels.attributions import ATTRIBUTION_DEAD_LETTER_REASONS, local_shap
from tests.stream.explainer_captures import FEATURES, explainer_output


def capture(output: dict | None) -> bytes:
    record: dict = {
        "captureData": {
            "endpointInput": {
                "observedContentType": "text/csv",
                "mode": "INPUT",
                "data": "41,basic",
                "encoding": "CSV",
            }
        },
        "eventMetadata": {"eventId": "e-1", "inferenceId": "order-1"},
        "eventVersion": "0",
    }
    if output is not None:
        record["captureData"]["endpointOutput"] = {"mode": "OUTPUT", **output}
    return json.dumps(record).encode()


def json_output(document: object, encoding: str = "JSON") -> dict:
    text = json.dumps(document)
    if encoding == "BASE64":
        text = base64.b64encode(text.encode()).decode()
    return {"observedContentType": "application/json", "data": text, "encoding": encoding}


def test_topic_records_per_label_or_plain() -> None:
    assert decode_attribution(
        b'{"inferenceId": "a", "eventId": "e", "shap": {"x": 1, "y": -2.5}}'
    ) == (
        "a",
        {"label0": {"x": 1.0, "y": -2.5}},
    )
    assert decode_attribution(b'{"eventId": "e", "shap": {"x": 0.5}}', "score") == (
        "e",
        {"score": {"x": 0.5}},
    )
    # a number id is its text, as capture's join key (stream.capture.records.join_key)
    assert decode_attribution(b'{"inferenceId": 7, "shap": {"x": 1}}')[0] == "7"
    per_label = b'{"inferenceId": "a", "shap": {"cat": {"x": 0.1}, "dog": {"x": -0.1}}}'
    assert decode_attribution(per_label)[1] == {"cat": {"x": 0.1}, "dog": {"x": -0.1}}


def test_any_mapping_is_a_label_object() -> None:
    """Labels' values are told from plain ones by type for JSON's own types, by Mapping else."""
    nested = {"cat": MappingProxyType({"x": 0.1}), "dog": {"x": -0.1}}
    assert local_shap(nested) == {"cat": {"x": 0.1}, "dog": {"x": -0.1}}
    assert local_shap({"x": 1, "y": 0.5}) == {"label0": {"x": 1.0, "y": 0.5}}
    for mixed in ({"cat": MappingProxyType({"x": 0.1}), "y": 0.5}, {"cat": {"x": 1}, "y": None}):
        with pytest.raises(AttributionError, match="missing_shap"):
            local_shap(mixed)
    for not_numbers in ({"x": [1.0]}, {"x": True}, {"x": "0.5"}):
        with pytest.raises(AttributionError, match="not_a_number"):
            local_shap(not_numbers)


# a record refused for each reason, built by hand (the reference for the reasons' list)
REFUSED = [
        (b"{oops", "invalid_json"),
        (b'"text"', "not_an_object"),
        (b'{"inferenceId": true, "shap": {"x": 1}}', "missing_id"),
        (b'{"inferenceId": "", "shap": {"x": 1}}', "missing_id"),
        (b'{"inferenceId": "a"}', "missing_shap"),
        (b'{"inferenceId": "a", "shap": {}}', "missing_shap"),
        (b'{"inferenceId": "a", "shap": [0.1, 0.2]}', "missing_shap"),
        (b'{"inferenceId": "a", "shap": {"cat": {"x": 1}, "y": 2}}', "missing_shap"),
        (b'{"inferenceId": "a", "shap": {"cat": {}}}', "missing_shap"),
        (b'{"inferenceId": "a", "shap": {"x": "0.1"}}', "not_a_number"),
        (b'{"inferenceId": "a", "shap": {"x": true}}', "not_a_number"),
        (b'{"inferenceId": "a", "shap": {"x": null}}', "not_a_number"),
        (b'{"inferenceId": "a", "shap": {"x": 1e400}}', "invalid_json"),  # orjson: no infinity
        (b'{"inferenceId": "a", "shap": {"x": "%s"}}' % (b"1" * 1_048_576), "oversized"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "reason"), REFUSED)
def test_unusable_attribution_records_say_why(raw: bytes, reason: str) -> None:
    with pytest.raises(AttributionError) as caught:
        decode_attribution(raw)
    assert caught.value.reason == reason


def test_the_reasons_the_metrics_count_from_zero_are_every_reason_a_record_is_refused_for():
    assert sorted(ATTRIBUTION_DEAD_LETTER_REASONS) == sorted({reason for _, reason in REFUSED})


@pytest.mark.parametrize(
    ("output", "path", "expected"),
    [
        (json_output({"score": 0.8, "shap": {"age": 0.2}}), "shap", [{"label0": {"age": 0.2}}]),
        (
            json_output({"explanations": {"kernel_shap": {"age": -1, "plan": 2}}}),
            "$.explanations.kernel_shap",
            [{"label0": {"age": -1.0, "plan": 2.0}}],
        ),
        (
            json_output([{"score": 0.8, "shap": {"yes": {"age": 0.3}}}]),
            "0.shap",
            [{"yes": {"age": 0.3}}],
        ),
        (json_output({"shap": {"age": 0.5}}, "BASE64"), "shap", [{"label0": {"age": 0.5}}]),
        # not explained, as the attribution monitor counts them: no shap, null, {}, CSV, none
        (json_output({"score": 0.8}), "shap", [None]),
        (json_output({"score": 0.8, "shap": None}), "shap", [None]),
        (json_output({"score": 0.8, "shap": {}}), "shap", [None]),
        ({"observedContentType": "text/csv", "data": "0.8,0.2", "encoding": "CSV"}, "shap",
         [None]),
        (None, "shap", [None]),
    ],
)  # fmt: skip
def test_shap_values_in_the_capture_output(output: dict, path: str, expected: list) -> None:
    assert capture_shap(decode_capture(capture(output)), path) == expected


def test_a_clarify_response_gives_each_records_kernel_shap() -> None:
    """AWS's online explainability response: kernel_shap per request record, null unexplained.

    The ``shap`` path is not looked at; features without ``feature_header`` are named by
    position, a one-output model's values go to ``default_label``.
    """
    text = explainer_output("0.7\n0.2\n0.4\n", [(0.1, -0.2, 0.3), None, (0.0, 0.5, -0.4)],
                            features=None)  # fmt: skip
    output = {"observedContentType": "application/json", "data": text, "encoding": "JSON"}
    got = capture_shap(decode_capture(capture(output)), features=FEATURES, default_label="yes")
    assert got == [
        {"yes": {"age": 0.1, "income": -0.2, "tenure": 0.3}},
        None,
        {"yes": {"age": 0.0, "income": 0.5, "tenure": -0.4}},
    ]


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        ({"observedContentType": "application/json", "data": "{no", "encoding": "JSON"},
         "bad_payload"),
        (json_output({"shap": {"age": "n/a"}}), "bad_explanations"),
        (json_output({"shap": [0.1, 0.2]}), "bad_explanations"),
        (json_output({"shap": {"yes": {"age": 0.1}, "plan": 0.2}}), "bad_explanations"),
        (json_output(json.loads(explainer_output("0.9\n", [("high", 0.1, 0.2)]))),
         "bad_explanations"),
        (json_output(json.loads(explainer_output("0.9\n", [(0.1, 0.2)], features=None))),
         "unnamed_features"),
        ({"observedContentType": "application/json", "data": "@@@", "encoding": "BASE64"},
         "bad_encoding"),
    ],
)  # fmt: skip
def test_unusable_capture_shap_says_why(output: dict | None, reason: str) -> None:
    """The reasons the monitors count such a capture under (unusable predictions)."""
    with pytest.raises(AttributionError) as caught:
        capture_shap(decode_capture(capture(output)), "shap")
    assert caught.value.reason == reason


def _record(*values: float) -> list[dict]:
    """One record's entry of Clarify's kernel_shap, written by hand (AWS's response shape)."""
    return [
        {"feature_header": f, "attributions": [{"attribution": [v]}]}
        for f, v in zip(FEATURES, values, strict=False)
    ]


@pytest.mark.parametrize(
    ("document", "path"),
    [
        # one entry per instance, each a record of Clarify's kernel_shap (null: not explained)
        ({"predictions": [0.8, 0.3, 0.5], "shap": [_record(0.1, -0.2), None, _record(0.4)]},
         "shap"),
        # Clarify's explanations object in the model's own output
        ({"predictions": [0.8, 0.3, 0.5],
          "explanations": {"kernel_shap": [_record(0.1, -0.2), None, _record(0.4)]}},
         "explanations"),
        # plain maps per instance ({} is not explained, as a top-level {} is)
        ({"predictions": [0.8, 0.3, 0.5],
          "shap": [{"age": 0.1, "income": -0.2}, {}, {"age": 0.4}]}, "shap"),
        # each instance's object beside its prediction, by a [*] projection
        ({"predictions": [{"p": 0.8, "shap": {"age": 0.1, "income": -0.2}}, {"p": 0.3},
                          {"p": 0.5, "shap": {"age": 0.4}}]}, "predictions[*].shap"),
    ],
)  # fmt: skip
def test_an_output_of_several_instances_gives_each_ones_shap_values(
    document: dict, path: str
) -> None:
    got = capture_shap(decode_capture(capture(json_output(document))), path)
    assert got == [{"label0": {"age": 0.1, "income": -0.2}}, None, {"label0": {"age": 0.4}}]


def test_per_instance_records_name_features_by_position_and_outputs_by_default() -> None:
    """Without feature_header the baseline's headers name them; one output is default_label's."""
    record = [{"attributions": [{"attribution": [0.3]}]}, {"attributions": [{"attribution": [-1]}]}]
    output = json_output({"predictions": [0.9], "shap": [record]})
    got = capture_shap(decode_capture(capture(output)), features=FEATURES, default_label="yes")
    assert got == [{"yes": {"age": 0.3, "income": -1.0}}]
