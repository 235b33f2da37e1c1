"""The path evaluator against JMESPath: where both accept a path, both find the same value.

The expected values are what the reference ``jmespath`` library (1.1.0) gives for the same
path and document, written out by hand: ``jmespath.search('"a.b"', DOC) == 7`` and so on.
"""

from __future__ import annotations

import pytest

from ground_truth.json_label import parse_json_label
from ground_truth.json_path import MISSING, check_path, find, has_projection
from stream.capture.predictions import PredictionLocator
from stream.capture.records import EventData

DOC = {
    "a": {"b": 1},
    "a.b": 7,
    "Target": 3,
    "my-col": 4,
    "Geschlecht_ä": 5,
    "instances": [{"label": 1}, {"label": 0}],
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ('"a.b"', 7),  # a quoted identifier: the dot is the key's
        ('"Target"', 3),
        ('"my-col"', 4),
        ('"Geschlecht_ä"', 5),
        ('a."b"', 1),
        ('"a".b', 1),
        ("Target ", 3),  # spaces around a key are not part of it
        (" Target", 3),
        ("a . b", 1),
        ("instances[ 0 ].label", 1),
        ("instances[-1 ].label", 0),
        ("instances[ * ].label", [1, 0]),
    ],
)
def test_paths_jmespath_accepts_find_what_jmespath_finds(path: str, expected: object) -> None:
    assert check_path(path) is None
    assert find(DOC, path) == expected


@pytest.mark.parametrize(
    "path",
    ["*", "a.*", "@", "a || b", "`1`", "length(a)", "a.[0]", "instances.[*]", "'a'", '"a'],
)
def test_jmespath_expressions_the_subset_does_not_evaluate_are_refused(path: str) -> None:
    # jmespath reads each of these as a wildcard, the current node, a pipe, a literal, a
    # function or a multiselect list; looked up as a key, it would find nothing, silently.
    assert check_path(path) is not None


def test_a_quoted_key_holding_brackets_is_no_projection() -> None:
    assert has_projection("instances[ * ].label")
    assert not has_projection('"a[*]".label')
    assert find({"a[*]": {"label": 2}}, '"a[*]".label') == 2


def test_a_spaced_projection_gives_one_label_per_instance() -> None:
    data = '{"instances": [{"label": 1}, {"label": 0}, {"label": 1}]}'
    assert parse_json_label(data, "instances[ * ].label") == (1.0, 0.0, 1.0)
    assert parse_json_label('{"my-label": "yes"}', '"my-label"') == ("yes",)


def test_a_digit_that_is_not_ascii_is_a_key_not_a_crash() -> None:
    # '²'.isdigit() is True but int('²') raises: such a segment is a key (found nowhere).
    assert find([1, 2, 3], "²") is MISSING
    assert find([1, 2, 3], "1") == 2
    locator = PredictionLocator(inference_attribute="²")
    out = EventData("application/json", "OUTPUT", "[1, 2, 3]", "JSON")
    assert locator.locate(out)[0].predicted is None


ROWS = [{"Age": 41, "Sex": 0, "a.b": 7}, {"Age": 35}, None]


@pytest.mark.parametrize(
    ("path", "document", "expected"),
    [  # jmespath.search(path, document), written out by hand
        ('[*]["Age", "Sex"]', ROWS, [[41, 0], [35, None]]),  # AWS's Clarify JSON example's form
        ("[*].[Age, Sex]", ROWS, [[41, 0], [35, None]]),
        ('[ * ][ "a.b" , Age ]', ROWS, [[7, 41], [None, 35]]),
        ("rows[*].[Age]", {"rows": ROWS}, [[41], [35]]),
        ("x.[Age, Sex]", {"x": {"Age": 1}}, [1, None]),
        ('["Age"]', ROWS, [None]),  # a list has no keys
    ],
)
def test_a_last_multiselect_list_of_keys_finds_what_jmespath_finds(
    path: str, document: object, expected: object
) -> None:
    assert check_path(path) is None
    assert find(document, path) == expected


@pytest.mark.parametrize("path", ['a["x"]', '[*]["Age"].x', "[*].[Age, `1`]", "[*].[Age, *]"])
def test_a_multiselect_list_elsewhere_or_of_other_expressions_is_refused(path: str) -> None:
    assert check_path(path) is not None
