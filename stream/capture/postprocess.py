r"""SageMaker's ``post_analytics_processor_script``: ``postprocess_handler()`` after a run.

The script defines ``postprocess_handler()`` with no arguments. SageMaker imports it when a
monitoring job starts (a script without the handler fails the job before any analysis) and
calls it once the analysis has written its results, "after a successful monitoring run"
(AWS, *Preprocessing and Postprocessing*); a handler that raises fails the job. The worker
calls it after each evaluation; ``driftline analyze`` once its files are written, with the
script's ``open()`` of paths under ``/opt/ml/processing/output`` landing in the run's output
folder: ``statistics.json`` and ``constraint_violations.json`` of data quality there, as in
a SageMaker data-quality job's output; the labelled monitors' files in its
``model_quality/``, ``bias/`` and ``attribution/`` folders (a SageMaker job of one of those
types has its own at the top).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "constraint_violations.json").write_text('{"violations": []}')
>>> script = folder / "post.py"
>>> _ = script.write_text(
...     "import json\n"
...     "def postprocess_handler():\n"
...     "    with open('/opt/ml/processing/output/constraint_violations.json') as f:\n"
...     "        print(len(json.load(f)['violations']), 'violations')\n")
>>> run_postprocessor(load_postprocessor(script, output_dir=folder), script)
0 violations
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from stream.capture.preprocess import (
    SCRIPT_FAILURES,
    ScriptError,
    load_script_module,
    script_line,
)

__all__ = ["load_postprocessor", "run_postprocessor"]


def load_postprocessor(path: Path | str, output_dir: Path | None = None) -> Callable[[], Any]:
    """Load a post-analytics script's ``postprocess_handler()``.

    ``output_dir`` stands in for SageMaker's ``/opt/ml/processing/output``.

    Raises
    ------
    ScriptError
        When the script is missing, fails to import, or defines no ``postprocess_handler``.
    """
    module = load_script_module(Path(path), "driftline_user_postprocessor", output_dir)
    handler = getattr(module, "postprocess_handler", None)
    if not callable(handler):
        msg = f"{path} defines no postprocess_handler()"
        raise ScriptError(msg)
    return handler  # type: ignore[no-any-return]


def run_postprocessor(handler: Callable[[], Any], path: Path | str) -> None:
    """Call ``handler`` once; ScriptError naming the exception and script line if it raises.

    ``sys.exit()`` in the script is a failure too, never the end of the command.
    """
    try:
        handler()
    except SCRIPT_FAILURES as exc:
        where = script_line(exc, Path(path))
        msg = f"postprocess_handler failed: {type(exc).__name__}: {exc}{where}"
        raise ScriptError(msg) from exc
