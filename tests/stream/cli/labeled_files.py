"""Builders of capture, ground-truth, A2I and validation files for the labelled CLI tests."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from stream.cli import main


def capture_line(
    key: str,
    input_csv: str,
    output: str,
    *,
    with_inference_id: bool = True,
    json_output: bool = False,
) -> str:
    """One SageMaker capture record; ``key`` is the inferenceId (or the eventId without one)."""
    meta: dict[str, Any] = {"eventId": f"evt-{key}", "inferenceTime": "2024-03-05T14:07:31Z"}
    if with_inference_id:
        meta["inferenceId"] = key
    else:
        meta["eventId"] = key
    content_type = "application/json" if json_output else "text/csv"
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {
                    "observedContentType": "text/csv",
                    "mode": "INPUT",
                    "data": input_csv,
                    "encoding": "CSV",
                },
                "endpointOutput": {
                    "observedContentType": content_type,
                    "mode": "OUTPUT",
                    "data": output,
                    "encoding": "JSON" if json_output else "CSV",
                },
            },
            "eventMetadata": meta,
            "eventVersion": "0",
        }
    )


def label_line(key: str, value: Any) -> str:
    """One SageMaker ground-truth record."""
    return json.dumps(
        {
            "groundTruthData": {"data": str(value), "encoding": "CSV"},
            "eventMetadata": {"eventId": key},
            "eventVersion": "0",
        }
    )


def a2i_output(key: str, answers: Sequence[str]) -> str:
    """An A2I output.json with one worker per answer."""
    return json.dumps(
        {
            "flowDefinitionArn": "arn:aws:sagemaker:eu-west-1:111122223333:flow-definition/f",
            "humanLoopName": f"loop-{key}",
            "humanAnswers": [
                {"answerContent": {"churned": {"label": a}}, "workerId": f"w{i}"}
                for i, a in enumerate(answers)
            ],
            "inputContent": {"inferenceId": key},
        }
    )


def write_lines(path: Path, lines: Iterable[str]) -> Path:
    """Write lines to a file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))
    return path


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """A CSV with a header line."""
    return write_lines(path, [",".join(header), *(",".join(map(str, r)) for r in rows)])


def run(*args: Any) -> Result:
    """Invoke ``driftline`` in-process."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def read_json(path: Path) -> Any:
    """Parse a JSON file."""
    return json.loads(path.read_text())
