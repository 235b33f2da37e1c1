"""SageMaker's preprocess_handler contract (spec §9.6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stream.capture.postprocess import load_postprocessor
from stream.capture.preprocess import ScriptError, load_preprocessor
from stream.capture.records import CaptureError, decode_capture

RECORD = json.dumps(
    {
        "eventVersion": "0",
        "eventMetadata": {
            "eventId": "e1",
            "inferenceId": "i1",
            "inferenceTime": "2024-03-05T14:07:31Z",
            "customAttributes": "c=1",
        },
        "captureData": {
            "endpointOutput": {
                "observedContentType": "text/csv",
                "mode": "OUTPUT",
                "data": "0.9",
                "encoding": "CSV",
            },
            "endpointInput": {
                "observedContentType": "text/csv",
                "mode": "INPUT",
                "data": "41,basic",
                "encoding": "CSV",
            },
        },
    }
).encode()


def _script(tmp_path: Path, body: str, name: str = "pre.py") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def _rows(tmp_path: Path, body: str, raw: bytes = RECORD) -> list[dict[str, Any]]:
    return load_preprocessor(_script(tmp_path, body)).rows(decode_capture(raw))


def test_dict_is_one_row_with_sagemaker_attribute_names(tmp_path: Path) -> None:
    body = (
        "def preprocess_handler(inference_record):\n"
        "    i = inference_record.endpoint_input\n"
        "    o = inference_record.endpoint_output\n"
        "    m = inference_record.event_metadata\n"
        "    age, plan = i.data.split(',')\n"
        "    return {'prob': float(o.data), 'age': int(age), 'plan': plan,\n"
        "            'enc': i.encoding, 'ct': i.observedContentType, 'mode': o.mode,\n"
        "            'id': m.event_id, 'time': m.event_time, 'attr': m.custom_attribute,\n"
        "            'version': inference_record.event_version,\n"
        "            'inference_id': inference_record.event_dict['eventMetadata']['inferenceId'],\n"
        "            'same': inference_record.as_dict() is inference_record.event_dict,\n"
        "            'bt': inference_record.batch_transform_output,\n"
        "            'gt': inference_record.ground_truth}\n"
    )
    assert _rows(tmp_path, body) == [
        {
            "prob": 0.9,
            "age": 41,
            "plan": "basic",
            "enc": "CSV",
            "ct": "text/csv",
            "mode": "OUTPUT",
            "id": "e1",
            "time": "2024-03-05T14:07:31Z",
            "attr": "c=1",
            "version": "0",
            "inference_id": "i1",
            "same": True,
            "bt": None,
            "gt": None,
        }
    ]


def test_list_of_dicts_is_several_rows(tmp_path: Path) -> None:
    body = "def preprocess_handler(inference_record):\n    return [{'a': 1}, {'a': 2}]\n"
    assert _rows(tmp_path, body) == [{"a": 1}, {"a": 2}]


def test_empty_list_drops_the_record(tmp_path: Path) -> None:
    body = "def preprocess_handler(inference_record):\n    return []\n"
    assert _rows(tmp_path, body) == []


def test_logger_parameter_gets_a_logger(tmp_path: Path) -> None:
    body = (
        "import logging\n"
        "def preprocess_handler(inference_record, logger):\n"
        "    assert isinstance(logger, logging.Logger)\n"
        "    logger.info('seen %s', inference_record.event_metadata.event_id)\n"
        "    return {'ok': 1}\n"
    )
    assert _rows(tmp_path, body) == [{"ok": 1}]


def test_shadow_experiment_records_are_skipped_before_the_handler(tmp_path: Path) -> None:
    obj = json.loads(RECORD)
    obj["eventMetadata"]["invocationSource"] = "ShadowExperiment"
    body = "def preprocess_handler(inference_record):\n    raise RuntimeError('called')\n"
    assert _rows(tmp_path, body, json.dumps(obj).encode()) == []


@pytest.mark.parametrize(
    "body",
    [
        "def preprocess_handler(inference_record):\n    raise KeyError('age')\n",
        "def preprocess_handler(inference_record):\n    return 'a,b'\n",
        "def preprocess_handler(inference_record):\n    return [{'a': 1}, 2]\n",
        "def preprocess_handler(inference_record):\n    return None\n",
        "import sys\ndef preprocess_handler(inference_record):\n    sys.exit(3)\n",
        "def preprocess_handler(inference_record):\n    raise SystemExit('bad input')\n",
    ],
)
def test_errors_and_bad_returns_are_preprocessor_errors(tmp_path: Path, body: str) -> None:
    with pytest.raises(CaptureError) as info:
        _rows(tmp_path, body)
    assert info.value.reason == "preprocessor_error"


def test_missing_handler_fails_with_sagemakers_message(tmp_path: Path) -> None:
    path = _script(tmp_path, "def handler(inference_record):\n    return {}\n")
    with pytest.raises(
        ScriptError, match=r"^Preprocess Handler not implemented correctly in customer script\.$"
    ):
        load_preprocessor(path)


def test_unloadable_scripts(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="script not found"):
        load_preprocessor(tmp_path / "nope.py")
    with pytest.raises(ScriptError, match="failed to import"):
        load_preprocessor(_script(tmp_path, "def broken(:\n"))
    with pytest.raises(ScriptError, match="failed to import"):
        load_preprocessor(_script(tmp_path, "raise ImportError('no numpy here')\n"))
    with pytest.raises(ScriptError, match="failed to import: SystemExit: 4"):
        load_preprocessor(_script(tmp_path, "import sys\nsys.exit(4)\n"))  # ran as a program


def test_postprocess_handler(tmp_path: Path) -> None:
    path = _script(tmp_path, "def postprocess_handler():\n    return 'done'\n", "post.py")
    assert load_postprocessor(path)() == "done"
    with pytest.raises(ScriptError, match="postprocess_handler"):
        load_postprocessor(_script(tmp_path, "x = 1\n", "post2.py"))
