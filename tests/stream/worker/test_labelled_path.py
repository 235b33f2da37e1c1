"""The rows the labelled path reads a record's facets from, for each shape of decoded message.

Reference: the rows written out by hand for each message.
"""

from __future__ import annotations

from stream.capture.message import DecodedMessage
from stream.worker.labelled_path import record_rows

FEATURES = ("age", "plan")


def test_plain_rows_are_split_into_named_fields() -> None:
    decoded = DecodedMessage(consumed=2, width=2, keys=["a", "b"], seconds=[1.0, 2.0],
                             lines=["41,gold", ",basic"])  # fmt: skip
    assert record_rows(decoded, FEATURES) == {
        0: [{"age": "41", "plan": "gold"}],
        1: [{"age": "", "plan": "basic"}],
    }


def test_a_preprocessors_named_rows_give_the_facets() -> None:
    # every record of a preprocessor's message gives named rows and no positional one: this
    # used to raise (positional rows were looked up for each record)
    decoded = DecodedMessage(consumed=2, width=2, keys=["a", "b"], seconds=[1.0, 2.0],
                             flat_owner=[], named=[{"age": 41, "plan": "gold"}, {"age": 7}],
                             named_owner=[0, 1])  # fmt: skip
    assert record_rows(decoded, FEATURES) == {0: [{"age": 41, "plan": "gold"}], 1: [{"age": 7}]}


def test_each_record_keeps_all_its_positional_rows_in_order() -> None:
    """A request of several instances: bias reads instance i's facets from row i."""
    flat = [41, "gold", 42, "silver", 7, "basic"]
    decoded = DecodedMessage(consumed=2, width=2, keys=["a", "b"], seconds=[1.0, 2.0],
                             flat=flat, flat_owner=[0, 0, 1])  # fmt: skip
    assert record_rows(decoded, FEATURES) == {
        0: [{"age": 41, "plan": "gold"}, {"age": 42, "plan": "silver"}],
        1: [{"age": 7, "plan": "basic"}],
    }
