"""Why a label record cannot be used: :class:`LabelRecordError` and its reasons.

Each reason is a short machine word that the stream layer puts on the dead-letter record and
uses as a counter label: ``not_an_object``, ``missing_field``, ``wrong_type``,
``empty_field``, ``bad_encoding``, ``bad_event_version``, ``no_label_path``
(:mod:`ground_truth.records`), ``empty_data``, ``multiple_rows``, ``empty_value``,
``bad_csv`` (:mod:`ground_truth.label_data`), ``bad_json_data``, ``missing_label``,
``multiple_labels`` (:mod:`ground_truth.json_label`).
"""

from __future__ import annotations

NOT_AN_OBJECT = "not_an_object"
MISSING_FIELD = "missing_field"
WRONG_TYPE = "wrong_type"
EMPTY_FIELD = "empty_field"
BAD_ENCODING = "bad_encoding"
BAD_EVENT_VERSION = "bad_event_version"
EMPTY_DATA = "empty_data"
MULTIPLE_ROWS = "multiple_rows"
EMPTY_VALUE = "empty_value"
BAD_CSV = "bad_csv"  # what Python's CSV reader refuses (a field over its 128 KiB limit)
NO_LABEL_PATH = "no_label_path"  # a JSON-encoded label, but no path to find it with
BAD_JSON_DATA = "bad_json_data"  # JSON-encoded data that does not parse
MISSING_LABEL = "missing_label"  # nothing at the label path
MULTIPLE_LABELS = "multiple_labels"  # the label path finds several values
# every reason above: what a label record can be refused for (metrics count each from 0)
LABEL_RECORD_REASONS = (
    NOT_AN_OBJECT, MISSING_FIELD, WRONG_TYPE, EMPTY_FIELD, BAD_ENCODING, BAD_EVENT_VERSION,
    EMPTY_DATA, MULTIPLE_ROWS, EMPTY_VALUE, BAD_CSV, NO_LABEL_PATH, BAD_JSON_DATA,
    MISSING_LABEL, MULTIPLE_LABELS,
)  # fmt: skip


def shown_value(value: object) -> str:
    """A value as an error message shows it: its repr, or its type for a JSON array or object.

    The repr of an array or object nested 1,000 deep recurses past Python's limit.

    >>> shown_value("1"), shown_value([[1]]), shown_value({"a": {}})
    ("'1'", 'a list', 'a dict')
    """
    return f"a {type(value).__name__}" if isinstance(value, list | dict) else repr(value)


class LabelRecordError(ValueError):
    """A label record that cannot be used, with a short machine ``reason`` for counters.

    Examples
    --------
    >>> err = LabelRecordError("missing_field", "eventMetadata.eventId is missing")
    >>> err.reason, str(err)
    ('missing_field', 'missing_field: eventMetadata.eventId is missing')
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
