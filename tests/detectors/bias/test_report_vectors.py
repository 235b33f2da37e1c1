"""End-to-end windows: V5 (continuous facet, FT with k=5) and V9 display strings (spec §9)."""

from __future__ import annotations

import pytest

from detectors.bias.bias_row import BiasRow
from detectors.bias.post_training_bias import PostTrainingBias
from detectors.bias.selection import ValueSelector, series_data_type
from tests.detectors.bias.conftest import entries, fed

# smclarify tests/unit/bias/test_report.py::test_report_continuous_data, columns x,y,z,a,b,c,d,yhat
V5 = [
    [0, 0, 0, 0, 1, 1, 1, 1], [3, 0, 0, 0, 1, 0, 1, 1], [3, 0, 1, 0, 1, 0, 1, 1],
    [0, 0, 0, 0, 0, 1, 1, 0], [4, 0, 0, 1, 1, 0, 1, 1], [0, 0, 1, 0, 1, 1, 1, 1],
    [3, 0, 0, 0, 1, 1, 1, 1], [3, 1, 0, 0, 1, 1, 1, 1], [0, 0, 1, 0, 1, 1, 1, 1],
    [3, 0, 1, 1, 1, 1, 0, 1], [4, 0, 0, 0, 1, 1, 0, 1], [3, 0, 1, 0, 1, 1, 1, 1],
    [3, 0, 0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 0, 1, 0, 1, 1],
    [0, 0, 1, 0, 1, 1, 1, 1], [0, 1, 0, 1, 0, 0, 1, 0], [3, 0, 0, 0, 0, 1, 1, 0],
    [0, 0, 1, 0, 0, 1, 1, 1], [3, 0, 0, 0, 1, 1, 0, 1], [3, 0, 1, 0, 0, 1, 1, 0],
    [0, 1, 0, 0, 0, 1, 1, 0], [3, 0, 1, 0, 1, 0, 1, 1], [0, 0, 0, 1, 1, 1, 0, 1],
]  # fmt: skip
V5_PRE = {"CDDL": 0.385101, "CI": -0.083333, "DPL": 0.104895, "JS": 0.012524,
          "KL": 0.057705, "KS": 0.104895, "LP": 0.148344, "TVD": 0.104895}  # fmt: skip
V5_POST = {"AD": -0.216783, "CDDPL": 0.075926, "DAR": -0.1, "DCA": 0.15, "DCR": 1.0,
           "DI": 1.057692, "DPPL": -0.041958, "DRR": 0.666667, "FT": -0.230769,
           "GE": 0.0759369, "RD": -1.0, "SD": 0.138889, "TE": -0.25}  # fmt: skip


def v5_rows() -> list[BiasRow]:
    # FT's features are every column but facet, label and predicted label: z, a, b, c, d
    return [
        BiasRow(facet=r[0], label=r[1], predicted_label=r[7], group=r[2],
                features=tuple(float(v) for v in r[2:7]))
        for r in V5
    ]  # fmt: skip


def v5_detector():  # type: ignore[no-untyped-def]
    return fed(
        v5_rows(),
        facet_values=(2,),
        facet_data_type="continuous",
        label_values=(0,),
        label_data_type="continuous",
    )


def test_v5_continuous_facet_report() -> None:
    pre, post = entries(v5_detector())
    assert pre[0].value_or_threshold == "(2, 4]"
    assert pre[0].facet_value == "2"
    assert [m.code for m in pre[0].metrics] == sorted(V5_PRE)
    assert [m.code for m in post[0].metrics] == sorted(V5_POST)
    for code, want in V5_PRE.items():
        assert pre[0].value(code) == pytest.approx(want, abs=1e-6), code
    for code, want in V5_POST.items():
        assert post[0].value(code) == pytest.approx(want, abs=1e-6), code
    assert post[0].value("FT") == pytest.approx(-3 / 13, abs=1e-15)


def test_v5_same_post_training_numbers_from_scores() -> None:
    # test_report_continuous_data_regression: yhat as a score, threshold 0.5 → same report
    rows = [
        r._replace(predicted_label=None, score=0.9 if r.predicted_label else 0.1) for r in v5_rows()
    ]
    detector = fed(rows, facet_values=(2,), facet_data_type="continuous", label_values=(0,),
                   label_data_type="continuous")  # fmt: skip
    _, post = entries(detector)
    _, want = entries(v5_detector())
    assert post[0].metrics == want[0].metrics


def test_window_split_in_two_and_merged_gives_the_same_report() -> None:
    rows = v5_rows()
    a = fed(rows[:10], facet_values=(2,), facet_data_type="continuous", label_values=(0,),
            label_data_type="continuous")  # fmt: skip
    b = fed(rows[10:], facet_values=(2,), facet_data_type="continuous", label_values=(0,),
            label_data_type="continuous")  # fmt: skip
    a.merge(b)
    assert a.analysis() == v5_detector().analysis()


@pytest.mark.parametrize(
    ("column", "values", "expected"),
    [
        ([1, 2, 3], [1, 2], "1,2"),
        ([1.0, 2.0, 3.0], [2.0], "(2.0, 3.0]"),
        ([1.0, 2.0, 3.0], [0.0], "(0.0, 3.0]"),
        ([1.0, 2.0, 3.0], [5.0], "(3.0, 5.0]"),
        (["yes", "no", "yes"], ["yes"], "yes"),
        (["1", "2", "3"], [2], "(2, 3]"),
        ([True, False], [True], "True"),
        ([0], [1], "(0, 1]"),
    ],
)
def test_v9_value_or_threshold_strings(column: list, values: list, expected: str) -> None:  # type: ignore[type-arg]
    data_type = series_data_type(column, values)
    selector = ValueSelector(tuple(values), data_type)
    running_max = None
    if data_type == "continuous":
        running_max = max(v if not isinstance(v, str) else int(v) for v in column)
    assert selector.display(running_max) == expected


def test_categorical_type_conversion_retry() -> None:
    assert ValueSelector((1,), "categorical").match("1") is True
    assert ValueSelector(("1.0",), "categorical").match(1) is True
    assert ValueSelector(("True",), "categorical").match(True) is True
    assert ValueSelector((True,), "categorical").match("True") is True
    assert ValueSelector(("a", "b"), "categorical").match("c") is False
    assert ValueSelector(("a",), "categorical").match(None) is None


def test_a_json_array_or_object_matches_no_categorical_value() -> None:
    """Not comparable (it raised TypeError: unhashable), so left out and counted."""
    assert ValueSelector((1,), "categorical").match([1, 0]) is None
    assert ValueSelector(("a",), "categorical").match({"a": 1}) is None


def test_missing_values_are_counted_not_raised() -> None:
    detector = fed(
        [
            BiasRow(facet=None, label=1, predicted_label=1),
            BiasRow(facet="F", label=float("nan"), score=0.7),
            BiasRow(facet="F", label=1, predicted_label=1, features=("x",)),
        ],
        facet_values=("F",),
    )
    assert (detector.n, detector.tally.n_invalid, detector.tally.n_non_numeric_features) == (
        3,
        2,
        1,
    )


@pytest.mark.parametrize(
    ("rows", "threshold", "expected"),
    [
        # labels top out at 0.993, predicted labels at 1.0 (float column: "(0.5, 0.993]")
        ([(0.2, 0.1), (0.993, 0.6), (0.7, 1.0), (0.4, 0.9)], 0.5, "(0.5, 0.993]"),
        # int labels up to 3, predictions up to 5: an int64 column, "(1, 3]"
        ([(0, 5), (3, 0), (1, 4), (2, 2)], 1, "(1, 3]"),
        # one float label makes the column float64: its max 3 prints as 3.0
        ([(0, 5), (3, 0), (2.5, 4), (2, 2)], 1, "(1.0, 3.0]"),
        # a threshold written as a string is cast with float() (ensure_series_data_type)
        ([(0, 5), (3, 0), (1, 4), (2, 2)], "1", "(1.0, 3.0]"),
    ],
)
def test_both_stages_write_the_label_interval_of_the_label_column_alone(
    rows: list[tuple[float, float]], threshold: float | str, expected: str
) -> None:
    # smclarify report.label_value_or_threshold(label_series, positive_values): breaks
    # sorted([t, label_series.max()]), printed as a pandas Interval of the column's dtype
    detector = fed(
        [BiasRow(facet="F" if i % 2 else "M", label=y, predicted_label=p)
         for i, (y, p) in enumerate(rows)],
        facet_values=("F",),
        label_values=(threshold,),
        label_data_type="continuous",
    )  # fmt: skip
    analysis = detector.analysis()
    assert analysis.pre_training is not None and analysis.post_training is not None
    assert analysis.pre_training.label_value_or_threshold == expected
    assert analysis.post_training.label_value_or_threshold == expected


def test_a_detector_saved_before_the_label_maximum_was_kept_apart_keeps_its_old_string() -> None:
    rows = [BiasRow(facet="F", label=0.993, predicted_label=0.2),
            BiasRow(facet="M", label=0.3, predicted_label=1.0)]  # fmt: skip
    detector = fed(rows, facet_values=("F",), label_values=(0.5,), label_data_type="continuous")
    state = detector.to_state()
    del state["state"]["observed_label_max"]
    state["state"]["label_max"] = 1.0  # older versions: labels and predicted labels together
    restored = PostTrainingBias.from_state(state)
    analysis = restored.analysis()
    assert analysis.pre_training is not None
    assert analysis.pre_training.label_value_or_threshold == "(0.5, 1.0]"
    restored.update(BiasRow(facet="F", label=0.4, predicted_label=0.9))
    assert restored.analysis().pre_training.label_value_or_threshold == "(0.5, 1.0]"  # type: ignore[union-attr]


# What smclarify 024329d's report.label_value_or_threshold(label_series, [t]) printed for
# these columns (run here with pandas 3.1): the breaks are [t] plus the column's max unless
# abs(max) is a threshold, so a max equal to t leaves one break and no interval (""); a
# whole-number column with a missing value is float64, so its bounds print as floats.
@pytest.mark.parametrize(
    ("labels", "threshold", "expected"),
    [
        ([0, 1, 1, 0] * 10, 1, ""),  # int column, max == t
        ([0.0, 1.0, 0.5, 0.25] * 10, 1.0, ""),  # float column, max == t
        ([-5, -4, -3, -2, -1] * 3, 1, ""),  # abs(max) == t: smclarify's abs() quirk
        ([0, 1, 2, 3, 4, None] * 3, 0, "(0.0, 4.0]"),  # a missing label: float64 column
        ([0, 1, 2, 3, 4, ""] * 3, 0, "(0.0, 4.0]"),  # a blank CSV cell: NaN in pandas
        ([0, 1, 2, 3, 4, 5] * 3, 0, "(0, 5]"),  # no missing label: int64
    ],
)
def test_label_strings_match_what_smclarify_prints(
    labels: list[object], threshold: float, expected: str
) -> None:
    rows = [BiasRow(facet="F" if i % 2 else "M", label=y, predicted_label=0)
            for i, y in enumerate(labels)]  # fmt: skip
    detector = fed(rows, facet_values=("F",), label_values=(threshold,),
                   label_data_type="continuous")  # fmt: skip
    analysis = detector.analysis()
    assert analysis.pre_training is not None and analysis.post_training is not None
    assert analysis.pre_training.label_value_or_threshold == expected
    assert analysis.post_training.label_value_or_threshold == expected


def test_a_facet_column_with_a_missing_value_prints_as_floats_after_a_merge() -> None:
    # smclarify's facet string: _interval_index(facet_column, [2]); the column [0, 3, 4,
    # None] is float64 in pandas: "(2.0, 4.0]". The missing value is seen in one part only.
    first = fed([BiasRow(facet=0, label=1, predicted_label=1),
                 BiasRow(facet=None, label=0, predicted_label=1)],
                facet_values=(2,), facet_data_type="continuous", label_values=(1,))  # fmt: skip
    second = fed([BiasRow(facet=3, label=1, predicted_label=0),
                  BiasRow(facet=4, label=0, predicted_label=0)],
                 facet_values=(2,), facet_data_type="continuous", label_values=(1,))  # fmt: skip
    alone, _ = entries(second)
    assert alone[0].value_or_threshold == "(2, 4]"
    restored = PostTrainingBias.from_state(first.to_state())
    restored.merge(second)
    pre, post = entries(restored)
    assert pre[0].value_or_threshold == post[0].value_or_threshold == "(2.0, 4.0]"


def test_a_number_that_is_not_whole_truncates_against_an_int_column_as_clarify_casts_it() -> None:
    """smclarify retries a categorical match with the values cast to the column's element
    type: numpy.int64(0.5) is 0, so label_values_or_threshold [0.5] on 0/1 labels selects
    the 0s (its log: "Converted positive_label_values from [0.5] to [0]"). Before, no row
    matched and every post-training metric was an error."""
    half = ValueSelector((0.5,), "categorical")
    assert (half.match(0), half.match(1)) == (True, False)
    assert ValueSelector((1.5,), "categorical").match(1) is True
    assert ValueSelector(("0.5",), "categorical").match(0) is False  # int("0.5") fails
    # a ground-truth label "0" is read as 0.0: the int column Clarify merges it into
    assert (half.match(0.0), half.match(1.0)) == (True, False)


def test_a_true_false_text_feature_is_numeric_for_the_flip_test() -> None:
    """A CSV column of True/False is bool to pandas, and Clarify's FlipTest takes it (V5's
    −3/13 with column z written so); it was "FlipTest does not support non-numeric columns"."""
    rows = [
        r._replace(features=(("True" if r.features[0] else "False"), *r.features[1:]))
        for r in v5_rows()
    ]
    detector = fed(rows, facet_values=(2,), facet_data_type="continuous", label_values=(0,),
                   label_data_type="continuous")  # fmt: skip
    _, post = entries(detector)
    assert post[0].value("FT") == pytest.approx(-3 / 13, abs=1e-15)
