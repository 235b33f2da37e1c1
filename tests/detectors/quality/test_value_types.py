"""Value classification against Deequ's ``StatefulDataType`` regexes (spec §4.6)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.quality import value_types as vt

# Deequ's patterns, copied from the spec and applied independently of the module under test.
# Java's \d is [0-9], hence re.ASCII.
DEEQU = [
    (vt.FRACTIONAL, re.compile(r"^(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))$", re.ASCII)),
    (vt.INTEGRAL, re.compile(r"^(-|\+)? ?\d+$", re.ASCII)),
    (vt.BOOLEAN, re.compile(r"^(true|false)$")),
]


def deequ_type(text: str) -> str:
    for name, pattern in DEEQU:
        if pattern.match(text):
            return name
    return vt.STRING


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", vt.INTEGRAL),
        ("-3", vt.INTEGRAL),
        ("+ 7", vt.INTEGRAL),
        ("- 7", vt.INTEGRAL),
        ("007", vt.INTEGRAL),
        ("1.5", vt.FRACTIONAL),
        ("-0.25", vt.FRACTIONAL),
        ("1e5", vt.FRACTIONAL),
        ("1E-5", vt.FRACTIONAL),
        ("2.5e+3", vt.FRACTIONAL),
        ("1.", vt.STRING),
        (".5", vt.STRING),
        ("1e", vt.STRING),
        ("nan", vt.STRING),
        ("NaN", vt.STRING),
        ("inf", vt.STRING),
        (" 7", vt.INTEGRAL),  # the optional space needs no sign
        ("7 ", vt.STRING),
        ("+-7", vt.STRING),
        ("true", vt.BOOLEAN),
        ("false", vt.BOOLEAN),
        ("True", vt.STRING),
        ("FALSE", vt.STRING),
        ("12a", vt.STRING),
        ("basic", vt.STRING),
        ("\u0661\u0662", vt.STRING),  # Arabic-Indic digits: Java's \\d is ASCII only
        ("\uff11\uff12", vt.STRING),  # full-width digits
        ("1.\u0665", vt.STRING),
    ],
)
def test_deequ_regex_cases(text: str, expected: str) -> None:
    assert deequ_type(text) == expected  # the reference agrees with the spec's reading
    assert vt.classify(text) == expected


@given(st.text(alphabet="0123456789+-. eEtrufalsn\u0661\uff12", max_size=8))
@settings(max_examples=300, deadline=None)
def test_classify_matches_deequ_on_any_short_text(text: str) -> None:
    expected = vt.MISSING if text == "" else deequ_type(text)
    assert vt.classify(text) == expected


def test_json_values_keep_their_type_and_nulls_are_missing() -> None:
    assert [vt.classify(v) for v in (4, 2.0, True, False, None, "", float("nan"))] == [
        vt.INTEGRAL,
        vt.FRACTIONAL,
        vt.BOOLEAN,
        vt.BOOLEAN,
        vt.MISSING,
        vt.MISSING,
        vt.MISSING,
    ]


def test_to_number_and_to_text() -> None:
    assert vt.to_number("+ 7") == 7.0
    assert vt.to_number("- 2.5") == -2.5
    assert vt.to_number(" 7") == 7.0
    assert vt.to_number("1e5") == 100000.0
    assert vt.to_number(3) == 3.0
    assert vt.to_number("true") is None and vt.to_number(True) is None
    assert vt.to_number("x") is None and vt.to_number(None) is None
    assert vt.to_text(True) == "true" and vt.to_text(False) == "false"
    assert vt.to_text(3) == "3" and vt.to_text("a") == "a"


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (vt.TypeCounts(), vt.UNKNOWN),
        (vt.TypeCounts(integral=5), vt.INTEGRAL),
        (vt.TypeCounts(integral=5, fractional=1), vt.FRACTIONAL),
        (vt.TypeCounts(fractional=3), vt.FRACTIONAL),
        (vt.TypeCounts(integral=5, string=1), vt.STRING),
        (vt.TypeCounts(integral=5, boolean=1), vt.STRING),  # Boolean mixed with numbers
        (vt.TypeCounts(boolean=4), vt.STRING),  # no Boolean in SageMaker's schema
        (vt.TypeCounts(string=2), vt.STRING),
    ],
)
def test_column_type_inference(counts: vt.TypeCounts, expected: str) -> None:
    assert vt.infer_column_type(counts) == expected


def test_share_matching() -> None:
    counts = vt.TypeCounts(integral=6, fractional=2, boolean=1, string=1)
    assert counts.present == 10
    # Deequ's ratio: only values of exactly the expected type count (hand-counted)
    assert counts.share_matching(vt.INTEGRAL) == 0.6
    assert counts.share_matching(vt.FRACTIONAL) == 0.2  # whole numbers are Integral, not Fractional
    assert counts.share_matching(vt.BOOLEAN) == 0.1
    assert counts.share_matching(vt.STRING) == 0.2  # numbers are not String; Booleans are
    assert counts.share_matching(vt.UNKNOWN) == 1.0  # no expectation
    assert vt.TypeCounts().share_matching(vt.INTEGRAL) == 1.0


def test_every_inferred_type_fits_its_own_column() -> None:
    """A column not mixing numbers with text passes the check its own type asks for."""
    for counts in (
        vt.TypeCounts(integral=3),
        vt.TypeCounts(fractional=3),
        vt.TypeCounts(boolean=3),  # inferred String: SageMaker's schema has no Boolean
        vt.TypeCounts(boolean=1, string=2),
        vt.TypeCounts(string=3),
    ):
        assert counts.share_matching(vt.infer_column_type(counts)) == 1.0, counts
