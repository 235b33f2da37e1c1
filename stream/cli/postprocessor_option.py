"""``--postprocessor``: SageMaker's ``post_analytics_processor_script`` on a command's run.

``analyze`` and ``baseline suggest`` take it, as SageMaker's monitoring and baselining jobs
take ``post_analytics_processor_script`` (``DefaultModelMonitor.suggest_baseline`` and
``ModelQualityMonitor.suggest_baseline`` in the SDK, and monitoring schedules). The script is
imported before the run, a failure to load it being one error line, and its
``postprocess_handler()`` is called once the run's files are written, unless the run Failed
(:mod:`stream.capture.postprocess`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from stream.cli.output import InputPath, fail

Handler = Callable[[], Any]


def postprocessor_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--postprocessor FILE`` option (parameter ``postprocessor``)."""
    return click.option(
        "--postprocessor",
        type=InputPath(dir_okay=False, path_type=Path),
        default=None,
        help="A script defining SageMaker's postprocess_handler(), called once the run's "
        "files are written, unless it Failed (the script's /opt/ml/processing/output is OUT; "
        "the labelled monitors' files are in its model_quality/, bias/ and attribution/).",
    )(command)


def load_postprocessor_option(script: Path | None, out: Path) -> Handler | None:
    """The script's ``postprocess_handler``, imported before the run as SageMaker does."""
    if script is None:
        return None
    from stream.capture.postprocess import load_postprocessor
    from stream.capture.preprocess import ScriptError

    try:
        return load_postprocessor(script, output_dir=out)
    except ScriptError as exc:
        fail(str(exc))


def run_postprocessor_option(
    handler: Handler | None, script: Path | None, *, failed: bool = False
) -> None:
    """Call the postprocessor unless the run ``failed``; one error line if it raises."""
    if handler is None or script is None or failed:
        return
    from stream.capture.postprocess import run_postprocessor
    from stream.capture.preprocess import ScriptError

    try:
        run_postprocessor(handler, script)
    except ScriptError as exc:
        fail(str(exc))
