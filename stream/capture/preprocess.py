r"""SageMaker's ``preprocess_handler`` script contract (``record_preprocessor_script``).

A record preprocessor is a Python file defining ``preprocess_handler(inference_record)`` or
``preprocess_handler(inference_record, logger)``. It receives a
:class:`~stream.capture.captured_data.CapturedData` with SageMaker's attribute names (with
``ground_truth`` set when a label was joined to the record) and returns a dict (one row), a
list of dicts (several rows) or ``[]`` (drop the record). A row's keys are read as SageMaker
reads them, as ``json.dumps`` writes them (``{0: ..}`` is the column ``"0"``).
Shadow-experiment records are skipped before the handler runs. Post-processors (SageMaker's
``postprocess_handler()``) are loaded by :mod:`stream.capture.postprocess`.

SageMaker runs scripts in a container whose ``/opt/ml/processing/output/`` exists, and AWS's
samples write their own logs there. Here an output folder stands in for it: it is created,
``open()`` calls in the script for paths under ``/opt/ml/processing/output`` land in it, and
the ``logger`` handed to the script writes both into driftline's log (logger
``driftline.preprocess``, at driftline's log level) and, from ``INFO`` up, into
``preprocessing.log`` in that folder, as SageMaker's ``PREPROCESSING_LOG``.

A handler that raises (or calls ``sys.exit()``) never stops a run: the record fails with reason
``preprocessor_error`` and a message naming the exception, its text and the script line
(also on the dead-letter record); the first failure of each exception type is logged as a
warning and kept in :attr:`Preprocessor.first_errors` for the run's summary.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> script = folder / "pre.py"
>>> _ = script.write_text(
...     "def preprocess_handler(inference_record):\n"
...     "    values = inference_record.endpoint_input.data.split(',')\n"
...     "    with open('/opt/ml/processing/output/seen.log', 'a') as f:\n"
...     "        f.write(inference_record.event_metadata.event_id + '\\n')\n"
...     "    return {'age': values[0], 'plan': values[1]}\n")
>>> from stream.capture.records import decode_capture
>>> record = decode_capture(b'{"captureData":{"endpointInput":{"data":"41,basic",'
...     b'"encoding":"CSV","mode":"INPUT","observedContentType":"text/csv"}},'
...     b'"eventMetadata":{"eventId":"e1"},"eventVersion":"0"}')
>>> load_preprocessor(script, output_dir=folder / "out").rows(record)
[{'age': '41', 'plan': 'basic'}]
>>> (folder / "out" / "seen.log").read_text()
'e1\n'
"""

from __future__ import annotations

import builtins
import importlib.machinery
import importlib.util
import inspect
import json
import logging
import os
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn, overload

from ground_truth.records import GroundTruth, to_merged_record
from stream.capture.captured_data import CapturedData
from stream.capture.file_kinds import not_a_file
from stream.capture.records import CaptureError, CaptureRecord

log = logging.getLogger("driftline.preprocess")

SAGEMAKER_OUTPUT = "/opt/ml/processing/output"
PREPROCESSING_LOG = "preprocessing.log"
PREPROCESSOR_ERROR = "preprocessor_error"


class ScriptError(Exception):
    """A pre- or post-processor script that cannot be loaded."""


def output_opener(output_dir: Path) -> Callable[..., Any]:
    """``open`` with paths under ``/opt/ml/processing/output`` moved into ``output_dir``."""

    def open_in_output(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | os.PathLike):
            path = os.fspath(file)
            if isinstance(path, str) and (
                path == SAGEMAKER_OUTPUT or path.startswith(SAGEMAKER_OUTPUT + "/")
            ):
                file = output_dir / path[len(SAGEMAKER_OUTPUT) :].lstrip("/")
                file.parent.mkdir(parents=True, exist_ok=True)
        return builtins.open(file, *args, **kwargs)

    return open_in_output


def load_script_module(path: Path, name: str, output_dir: Path | None = None) -> ModuleType:
    """Import a customer's script; with ``output_dir``, its ``open()`` of SageMaker's output.

    Paths under ``/opt/ml/processing/output`` opened by the script land in ``output_dir``.

    Raises
    ------
    ScriptError
        When the script is missing, not a file, or raises while it is imported.
    """
    problem = not_a_file(path, "a Python script")
    if problem is not None:
        msg = problem if path.exists() else f"script not found: {path}"
        raise ScriptError(msg)
    # read as Python source whatever the file's name ends in, as `python script` runs it:
    # by its name alone, a script not ending in .py had no loader and no reason given
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    if spec is None:
        msg = f"cannot load script {path}"
        raise ScriptError(msg)
    module = importlib.util.module_from_spec(spec)
    if output_dir is not None:
        module.open = output_opener(output_dir)  # type: ignore[attr-defined]
    try:
        spec.loader.exec_module(module)
    except SCRIPT_FAILURES as exc:
        msg = f"script {path} failed to import: {type(exc).__name__}: {exc}"
        raise ScriptError(msg) from exc
    return module


# What a customer's script may raise: any error, and SystemExit (a script written to run on its
# own may call sys.exit()), which would otherwise end the worker or the command.
# KeyboardInterrupt is the user's, and goes through.
SCRIPT_FAILURES = (Exception, SystemExit)


def script_line(exc: BaseException, script: Path) -> str:
    """``(pre.py, line 9, in preprocess_handler)`` for the script's deepest frame, else ""."""
    target = script.resolve()
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == target
    ]
    if not frames:
        return ""
    frame = frames[-1]
    return f" ({script.name}, line {frame.lineno}, in {frame.name})"


def json_keyed(row: dict[Any, Any]) -> dict[str, Any]:
    """A returned row with the keys ``json.dumps`` writes: SageMaker reads the row as JSON text.

    SageMaker's container prints ``json.dumps(result)`` and reads the line back, so an ``int``
    key ``0`` is the column ``"0"``, ``True`` is ``"true"``, ``None`` is ``"null"`` and a float
    key its ``repr``; ``{0: .., "plan": ..}`` mixes them freely. Any other key type makes
    ``json.dumps`` raise, as here (TypeError), and so does an ``int`` key of more digits than
    Python writes (ValueError, ``sys.get_int_max_str_digits``). Two keys that write alike keep
    the later value.

    >>> json_keyed({1: "a", "plan": "b", True: "c"})
    {'1': 'c', 'plan': 'b'}
    >>> json_keyed({None: 1, 2.5: 2, float("nan"): 3})
    {'null': 1, '2.5': 2, 'NaN': 3}
    >>> json_keyed({("a", 1): 0})
    Traceback (most recent call last):
    ...
    TypeError: key ('a', 1) is a tuple: JSON keys are str, int, float, bool or None
    """
    if _STR_ONLY.issuperset(map(type, row)):  # one C pass over the keys: the usual row
        return row
    return {_json_key(key): value for key, value in row.items()}


_STR_ONLY = frozenset({str})


def _json_key(key: Any) -> str:
    """``key`` as ``json.dumps`` writes a dict key (the order of its own checks)."""
    if isinstance(key, str):
        return str.__str__(key)  # a str subclass's own text, as json writes it
    if isinstance(key, float):
        return json.dumps(key)  # repr, or NaN / Infinity / -Infinity
    if key is True or key is False or key is None:
        return json.dumps(key)
    if isinstance(key, int):
        return int.__repr__(key)
    msg = f"key {key!r} is a {type(key).__name__}: JSON keys are str, int, float, bool or None"
    raise TypeError(msg)


class Preprocessor:
    """A loaded ``preprocess_handler``; :meth:`rows` applies it to one record.

    ``first_errors`` maps each kind of failure (the exception type, or ``bad return``) to
    the message of its first occurrence; ``error_counts`` counts each kind.
    """

    def __init__(
        self,
        handler: Callable[..., Any],
        *,
        path: Path,
        logger: logging.Logger | None = None,
        output_dir: Path | None = None,
    ) -> None:
        self.handler = handler
        self.path = path
        self.logger = logger or log
        self.output_dir = output_dir
        self.wants_logger = "logger" in inspect.signature(handler).parameters
        self.first_errors: dict[str, str] = {}
        self.error_counts: Counter[str] = Counter()

    def rows(self, record: CaptureRecord, label: GroundTruth | None = None) -> list[dict[str, Any]]:
        """The handler's rows for ``record``; [] for shadow traffic or a dropped record.

        With ``label``, the handler sees SageMaker's merged record: ``ground_truth`` holds
        the label's ``groundTruthData``.

        Raises
        ------
        CaptureError
            ``preprocessor_error`` when the handler raises or returns something else than a
            dict, a list of dicts or [], or a dict with a key JSON cannot write (a tuple).
        """
        if record.invocation_source == "ShadowExperiment":
            return []
        event = to_merged_record(record.raw, label) if label is not None else dict(record.raw)
        captured = CapturedData(event)
        try:
            if self.wants_logger:
                result = self.handler(captured, self.logger)
            else:
                result = self.handler(captured)
        except SCRIPT_FAILURES as exc:
            self._fail(
                type(exc).__name__, f"{type(exc).__name__}: {exc}{script_line(exc, self.path)}"
            )
        if isinstance(result, dict):
            rows = [result]
        elif isinstance(result, list) and all(isinstance(r, dict) for r in result):
            rows = result
        else:
            found = type(result).__name__
            message = f"preprocess_handler returned {found}, expected a dict or a list"
            self._fail("bad return", message)
        try:
            return list(map(json_keyed, rows))
        except TypeError as exc:
            self._fail("bad return", f"preprocess_handler returned a dict whose {exc}")
        except ValueError as exc:  # an int key past Python's digit limit: json.dumps's too
            self._fail(
                "bad return", f"preprocess_handler returned a dict key json cannot write: {exc}"
            )

    def _fail(self, kind: str, message: str) -> NoReturn:
        self.error_counts[kind] += 1
        if kind not in self.first_errors:
            self.first_errors[kind] = message
            log.warning("preprocess_handler in %s failed (first %s): %s", self.path, kind, message)
        raise CaptureError(PREPROCESSOR_ERROR, message)

    def error_summary(self) -> list[str]:
        """One line per kind of failure: how often, and the first message."""
        return [
            f"{self.error_counts[kind]} x {message}" for kind, message in self.first_errors.items()
        ]


def _script_logger(output_dir: Path | None) -> logging.Logger:
    """The script's ``logger``: ``driftline.preprocess`` (at driftline's log level).

    With an output folder, a logger of its own that writes every level, ``DEBUG`` and up, to
    ``OUTPUT/preprocessing.log`` — SageMaker's container opens that log with
    ``logging.basicConfig(filename=PREPROCESSING_LOG, level=logging.DEBUG)`` — and hands on to
    ``driftline.preprocess`` what driftline's log level lets through. It is not registered by
    name, so two monitors with their own folders never share a file.
    """
    if output_dir is None:
        return log
    logger = logging.Logger(log.name, logging.DEBUG)
    logger.propagate = False
    handler = logging.FileHandler(output_dir / PREPROCESSING_LOG, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.addHandler(_AtDriftlinesLevel())
    return logger


class _AtDriftlinesLevel(logging.Handler):
    """Hands a script's record to ``driftline.preprocess`` if driftline's log level takes it."""

    def emit(self, record: logging.LogRecord) -> None:
        if log.isEnabledFor(record.levelno):
            log.handle(record)


@overload
def load_preprocessor(path: Path | str, output_dir: Path | None = None) -> Preprocessor: ...


@overload
def load_preprocessor(path: None, output_dir: Path | None = None) -> None: ...


def load_preprocessor(
    path: Path | str | None, output_dir: Path | None = None
) -> Preprocessor | None:
    """Load a record preprocessor script (``None`` without one).

    ``output_dir`` stands in for SageMaker's ``/opt/ml/processing/output``.

    Raises
    ------
    ScriptError
        When the script is missing, fails to import, defines no ``preprocess_handler``, or
        the output folder cannot be created.
    """
    if path is None:
        return None
    module = load_script_module(Path(path), "driftline_user_preprocessor", output_dir)
    handler = getattr(module, "preprocess_handler", None)
    if not callable(handler):
        msg = "Preprocess Handler not implemented correctly in customer script."
        raise ScriptError(msg)
    if output_dir is not None:
        try:
            output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            msg = f"cannot create the preprocessor output folder {output_dir}: {exc}"
            raise ScriptError(msg) from exc
    logger = _script_logger(output_dir)
    return Preprocessor(handler, path=Path(path), logger=logger, output_dir=output_dir)
