"""Paths into decoded JSON: the small JMESPath subset SageMaker's attributes are written in.

One evaluator serves every attribute driftline follows into a JSON document: the prediction
and score in a capture output (``inference_attribute``, ``probability_attribute``), SHAP
values, Kafka keys, A2I answers and inference ids, and the label in a JSON-encoded
ground-truth record (a Clarify analysis config's ``label``, ``ground_truth_attribute``).

A path is segments joined by dots, after an optional ``$`` / ``$.`` prefix (JSONPath style,
as SageMaker's examples write it). A segment is a key, and may be followed by brackets:

- a key is written as it stands (``label``, ``predicted-label``) or as JMESPath's quoted
  identifier, a JSON string (``"Target"``, ``"a.b"``: a dot inside the quotes is the key's);
  spaces around a key or a bracket are not part of it, as in JMESPath (``label `` is
  ``label``);
- ``[N]`` indexes a list (a negative ``N`` counts from the end, as in JMESPath);
- ``[*]`` is a projection: the rest of the path is followed into every element of the
  list, and the result is the list of what was found, leaving out elements where nothing
  (or ``null``) is found, as JMESPath does;
- a segment of ASCII digits alone is a key in an object, or an index into a list
  (``predictions.0.label``, driftline's dotted form);
- a JMESPath multiselect list of keys may end the path, after a dot or right after a
  ``[*]`` (``[*]["Age", "Sex"]``, ``instances[*].[age, sex]``, as AWS's Clarify JSON
  examples name a dataset's features): it gives the list of each key's value, ``null``
  where the object lacks the key, as JMESPath does (``null`` for a ``null`` value).

A segment that is not a key followed by well-formed brackets is taken as a key, as it
stands. :func:`check_path` says whether a configured path is well formed: it also refuses
the JMESPath expressions this subset does not evaluate (``*``, ``@``, pipes, literals,
functions, comparisons), which would otherwise be looked up as keys and find nothing.

Empty behaviour: the empty path is the whole document; a path that finds nothing gives
:data:`MISSING` (a JSON ``null`` found is ``None``).

Examples
--------
>>> doc = {"instances": [{"label": 1}, {"label": 0}], "predictions": [{"label": "cat"}]}
>>> find(doc, "instances[*].label"), find(doc, "instances[-1].label")
([1, 0], 0)
>>> find(doc, "$.predictions[0].label"), find(doc, "predictions.0.label")
('cat', 'cat')
>>> find(doc, "instances[*].score"), find(doc, "label") is MISSING
([], True)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

__all__ = ["MISSING", "check_path", "find", "find_each", "has_projection", "parse_path"]


class _Missing:
    """What :func:`find` gives when the path finds nothing (a found ``null`` is ``None``)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

KEY, INDEX, PROJECT, SELECT = "key", "index", "project", "select"
Step = tuple[str, Any]  # (KEY, name) | (INDEX, int) | (PROJECT, None) | (SELECT, tuple of names)

_SEGMENT = re.compile(
    r'\s*(?:(?P<quoted>"(?:[^"\\]|\\.)*")|(?P<raw>[^\[\]"]*?))'
    r"(?P<brackets>(?:\s*\[\s*(?:\*|-?\d+)\s*\])*)\s*"
)
_BRACKET = re.compile(r"\[\s*(\*|-?\d+)\s*\]")
_SELECT_KEY = r'"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*'  # JMESPath's quoted or raw identifier
# A multiselect list of keys ending a segment: after nothing (the segment after a dot) or [*]
_SELECT = re.compile(
    rf"(?P<before>(?:\s*\[\s*\*\s*\])?)\s*\[\s*(?P<keys>(?:{_SELECT_KEY})"
    rf"(?:\s*,\s*(?:{_SELECT_KEY}))*)\s*\]\s*$"
)
_SELECT_ITEM = re.compile(rf"\s*({_SELECT_KEY})\s*(?:,|$)")
# Raw keys JMESPath would read as another expression: wildcards, the current node, pipes,
# literals, functions, comparisons, expression references and multiselect hashes.
_NOT_A_KEY = re.compile(r"""^\s*[*@]\s*$|[|&()!=<>'`{}]""")


def _segments(text: str) -> list[str]:
    """``text`` split at its dots, a dot inside a quoted key left in its segment."""
    if not text:
        return []
    segments, start, quoted, escaped = [], 0, False, False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "." and not quoted:
            segments.append(text[start:i])
            start = i + 1
    return [*segments, text[start:]]


def _key(match: re.Match[str]) -> str | None:
    """The key a segment match names (quoted keys decoded), or None for none/a bad quote."""
    quoted = match.group("quoted")
    if quoted is None:
        return match.group("raw").strip()
    try:
        key = json.loads(quoted)
    except ValueError:
        return None
    return key if isinstance(key, str) else None


def _selection(segment: str) -> tuple[str, tuple[str, ...]] | None:
    """(the segment before it, its keys) when ``segment`` ends with a multiselect list of keys.

    Only where JMESPath reads one: the whole segment (after a dot, or the path's start), or
    right after a ``[*]``. None otherwise, or when a quoted key is not a JSON string.

    >>> _selection('[*]["Age", Sex]'), _selection('["a.b"]'), _selection('a["x"]')
    (('[*]', ('Age', 'Sex')), ('', ('a.b',)), None)
    """
    match = _SELECT.search(segment)
    if match is None:
        return None
    before = segment[: match.start()]
    if not match.group("before") and before.strip():
        return None
    keys = []
    for item in _SELECT_ITEM.findall(match.group("keys")):
        try:
            key = json.loads(item) if item.startswith('"') else item
        except ValueError:
            return None
        if not isinstance(key, str):
            return None
        keys.append(key)
    return before + match.group("before"), tuple(keys)


def _segment_steps(segment: str) -> list[Step]:
    """The steps of one dotted segment: a key and its brackets (a bad one: a key as it stands)."""
    match = _SEGMENT.fullmatch(segment)
    key = None if match is None else _key(match)
    if (
        match is None
        or key is None
        or (match.group("quoted") is None and not key and not match.group("brackets"))
    ):
        return [(KEY, segment)]
    steps: list[Step] = []
    if key or match.group("quoted") is not None:
        steps.append((KEY, key))
    for bracket in _BRACKET.findall(match.group("brackets")):
        steps.append((PROJECT, None) if bracket == "*" else (INDEX, int(bracket)))
    return steps


@lru_cache(maxsize=512)
def parse_path(path: str) -> tuple[Step, ...]:
    """The steps of ``path``: keys, list indices, projections, a last multiselect list of keys.

    >>> parse_path("$.instances[*].label")
    (('key', 'instances'), ('project', None), ('key', 'label'))
    >>> parse_path("a[0][1]"), parse_path("odd[key")
    ((('key', 'a'), ('index', 0), ('index', 1)), (('key', 'odd[key'),))
    >>> parse_path('"a.b"[ 0 ]. label')
    (('key', 'a.b'), ('index', 0), ('key', 'label'))
    >>> parse_path('[*]["Age", "Sex"]')
    (('project', None), ('select', ('Age', 'Sex')))
    """
    text = path.removeprefix("$").removeprefix(".")
    steps: list[Step] = []
    segments = _segments(text)
    for position, segment in enumerate(segments):
        selection = _selection(segment) if position == len(segments) - 1 else None
        if selection is None:
            steps.extend(_segment_steps(segment))
            continue
        before, keys = selection
        if before.strip():
            steps.extend(_segment_steps(before))
        steps.append((SELECT, keys))
    return tuple(steps)


def check_path(path: str) -> str | None:
    """Why ``path`` is not a well-formed path (a short phrase), or None when it is.

    >>> check_path("instances[*].label") is None, check_path("a..b"), check_path("a[x]")
    (True, 'an empty segment', "a bracket other than [N] or [*] in 'a[x]'")
    >>> check_path('"a.b".c') is None, check_path("a || b"), check_path("a.*")
    (True, "a JMESPath expression other than keys, [N] and [*] in 'a || b'", \
"a JMESPath expression other than keys, [N] and [*] in '*'")
    """
    text = path.removeprefix("$").removeprefix(".")
    if not text.strip():
        return "an empty path"
    segments = _segments(text)
    for position, segment in enumerate(segments):
        if not segment.strip():
            return "an empty segment"
        selection = _selection(segment)
        if selection is not None and position < len(segments) - 1:
            return f"a multiselect list other than at the end of the path in {path!r}"
        if selection is not None:
            segment = selection[0]
            if not segment.strip():
                continue
        if position and segment.lstrip().startswith("["):
            return f"a bracket right after a dot in {path!r} (JMESPath reads .[ as a list)"
        match = _SEGMENT.fullmatch(segment)
        if match is None and '"' not in segment:
            return f"a bracket other than [N] or [*] in {segment!r}"
        key = None if match is None else _key(match)
        if match is None or key is None:
            return f"a quoted key that is not a JSON string in {segment!r}"
        if match.group("quoted") is None and _NOT_A_KEY.search(key):
            return f"a JMESPath expression other than keys, [N] and [*] in {segment!r}"
        if match.group("quoted") is None and not key and not match.group("brackets"):
            return f"a bracket other than [N] or [*] in {segment!r}"
    return None


def has_projection(path: str) -> bool:
    """Whether ``path`` holds a ``[*]`` projection (``[ * ]`` too; not a quoted key's text).

    >>> has_projection("instances[ * ].label"), has_projection('"a[*]".label')
    (True, False)
    """
    return any(kind == PROJECT for kind, _ in parse_path(path))


def find(document: Any, path: str) -> Any:
    """What ``path`` finds in ``document`` (decoded JSON), or :data:`MISSING`."""
    return _follow(document, parse_path(path), 0)


def find_each(document: Any, path: str) -> list[Any] | None:
    """What ``path`` finds in each element of its one ``[*]`` projection, position by position.

    Unlike :func:`find`, nothing is left out: an element where nothing is found gives
    :data:`MISSING` (a ``null`` found, ``None``), so that element ``i`` of the answer belongs
    to element ``i`` of the projected list (instance ``i`` of a request). None when ``path``
    has no projection or more than one, or when what it projects is not a list.

    >>> doc = {"instances": [{"label": 1}, {}, {"label": None}]}
    >>> find_each(doc, "instances[*].label"), find(doc, "instances[*].label")
    ([1, MISSING, None], [1])
    >>> find_each(doc, "instances[0].label") is None, find_each({}, "instances[*].label")
    (True, None)
    """
    steps = parse_path(path)
    projections = [i for i, (kind, _) in enumerate(steps) if kind == PROJECT]
    if len(projections) != 1:
        return None
    at = projections[0]
    projected = _follow(document, steps[:at], 0)
    if type(projected) is not list:
        return None
    return [_follow(item, steps, at + 1) for item in projected]


def _follow(value: Any, steps: tuple[Step, ...], start: int) -> Any:
    for i in range(start, len(steps)):
        kind, arg = steps[i]
        if kind == KEY:
            if type(value) is dict or isinstance(value, Mapping):  # dict: no ABC check
                if arg not in value:
                    return MISSING
                value = value[arg]
            elif type(value) is list and arg.isascii() and arg.isdigit() and int(arg) < len(value):
                value = value[int(arg)]
            else:
                return MISSING
        elif kind == SELECT:  # JMESPath: null stays null, a missing key (or no object) null
            if value is None:
                return None
            return [value.get(key) if type(value) is dict else None for key in arg]
        elif type(value) is not list:
            return MISSING
        elif kind == INDEX:
            if not -len(value) <= arg < len(value):
                return MISSING
            value = value[arg]
        else:
            found = (_follow(item, steps, i + 1) for item in value)
            return [v for v in found if v is not MISSING and v is not None]
    return value
