"""The ``groundTruthData.data`` row against Python's CSV reader and hand-written rows."""

from __future__ import annotations

import csv
import io
import random

import pytest

from ground_truth.label_data import (
    format_label_value,
    parse_label_row,
    parse_label_value,
    write_label_row,
)
from ground_truth.label_errors import LabelRecordError


@pytest.mark.parametrize(
    ("data", "values"),
    [
        ("1", (1.0,)),
        ("37.5", (37.5,)),
        ("1\n", (1.0,)),  # trailing newline, as capture CSV keeps
        ("yes", ("yes",)),
        ("0,1,1", (0.0, 1.0, 1.0)),
        ('"a,b",2', ("a,b", 2.0)),
        ("nan", ("nan",)),
        ("-1e3", (-1000.0,)),
        (" 37.5 ", (37.5,)),
        (".5", (0.5,)),  # Java's parseDouble takes these two as well
        ("5.", (5.0,)),
        ("\u0661", ("\u0661",)),  # ARABIC-INDIC DIGIT ONE: Python's float() reads 1.0
        ("\uff11", ("\uff11",)),  # FULLWIDTH DIGIT ONE, likewise
        ("1_0", ("1_0",)),  # float() reads 10.0; Java refuses digit-group underscores
    ],
)
def test_csv_values(data: str, values: tuple[object, ...]) -> None:
    assert parse_label_row(data) == values


@pytest.mark.parametrize(
    ("values", "data"),
    [
        ((1.0,), "1"),
        ((37.5,), "37.5"),
        (("a,b", 2.0), '"a,b",2'),
        ((-0.25, "no"), "-0.25,no"),
        ((2.0**53,), "9007199254740992.0"),  # beyond exact integers a float keeps its repr
    ],
)
def test_written_rows_read_back(values: tuple[str | float, ...], data: str) -> None:
    assert write_label_row(values) == data
    assert parse_label_row(data) == values


def test_format_label_value_drops_an_integral_floats_point() -> None:
    assert [format_label_value(v) for v in (1.0, -3.0, 0.5, "x")] == ["1", "-3", "0.5", "x"]


@pytest.mark.parametrize("data", ["1\r", "1\r\n", '"1"\r\n', "1\n\n"])
def test_a_row_ending_in_a_line_break_is_one_row(data: str) -> None:
    assert parse_label_row(data) == (1.0,)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("", "empty_data"),
        ("\n", "empty_data"),
        ("1\n0", "multiple_rows"),
        ("1\r0", "multiple_rows"),
        ("1,,0", "empty_value"),
        (" ", "empty_value"),
        ('"' + "x" * 200_000 + '"', "bad_csv"),
    ],
)
def test_unusable_rows_name_their_reason(data: str, reason: str) -> None:
    with pytest.raises(LabelRecordError) as info:
        parse_label_row(data)
    assert info.value.reason == reason


def test_plain_labels_read_as_python_csv_reads_them() -> None:
    rng = random.Random(11)
    alphabet = "01 .,-+eaxyéN\t"
    for _ in range(3000):
        data = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
        rows = [row for row in csv.reader(io.StringIO(data, newline="")) if row]
        if len(rows) == 1 and all(field.strip() for field in rows[0]):
            assert parse_label_row(data) == tuple(map(parse_label_value, rows[0])), data
        else:
            with pytest.raises(LabelRecordError):
                parse_label_row(data)
