"""The worker's fast path: a whole message of plain CSV capture records, decoded at once.

Most capture traffic is one CSV row per record with nothing unusual in it. Such a message
is decoded by one ``map`` of orjson over its records (each alone, as the per-record path
reads it: joined into one JSON array, two broken lines could read as one good record) and
read column-wise; each record's row comes back as its CSV
text, which the window profiles split into columns with pyarrow when they flush
(:mod:`stream.capture.csv_rows`). Any record that is
not plain — bad JSON, a missing field, another encoding, quotes or line breaks, a blank
payload where it would give no row, a row of another width, an unreadable time, a capture
part the monitor does not read but the record holds malformed — makes
:meth:`PlainCsvDecoder.decode` return None, and the caller takes the per-record path, which
gives that record its dead-letter reason. The fast path is an optimisation, never a second
meaning: a message it takes gives exactly what the per-record path gives.

Examples
--------
>>> import orjson
>>> record = {"captureData": {"endpointInput": {"data": "41,basic", "encoding": "CSV"}},
...           "eventMetadata": {"eventId": "e1", "inferenceTime": "2024-03-05T14:07:31Z"}}
>>> decoder = PlainCsvDecoder(parts=("endpointInput",), width=2)
>>> decoder.decode([orjson.dumps(record)])
PlainMessage(keys=['e1'], seconds=[1709647651.0], rows=['41,basic'], outputs=None)
>>> decoder.decode([b'{"not": "a capture"}']) is None
True
"""

from __future__ import annotations

from typing import Any

from stream.capture.plain_records import PlainRecords, payload_text

_NOT_PLAIN = ('"', "\r", "\n")  # quoted or multi-line CSV: left to the full decoder


def csv_row_text(part: Any) -> str | None:
    """A capture part's one plain CSV row, as the per-record path reads it; else None.

    The data is the row when the encoding is ``CSV``, or ``BASE64`` under a content type
    naming CSV (decoded as the per-record path decodes it: what SageMaker captures when no
    CSV content types are configured). One line break ending it (LF or CRLF) is dropped, as
    the per-record path drops the blank line after it. None for a blank row, a quote, any
    other line break, another encoding, or base64 that does not decode to UTF-8; a part
    that is not a mapping raises TypeError.

    >>> csv_row_text({"data": "41,basic" + chr(10), "encoding": "CSV"})
    '41,basic'
    >>> b64 = {"data": "NDEsYmFzaWM=", "encoding": "BASE64", "observedContentType": "text/csv"}
    >>> csv_row_text(b64)
    '41,basic'
    >>> csv_row_text({"data": '"41",basic', "encoding": "CSV"}) is None
    True
    """
    text = payload_text(part, "CSV")
    if text is None:
        return None
    if text.endswith("\n"):
        text = text[:-1].removesuffix("\r")
    if not text.strip() or any(mark in text for mark in _NOT_PLAIN):
        return None
    return text


class PlainCsvDecoder(PlainRecords[list[str]]):
    """Decode messages of plain CSV capture records whose rows have ``width`` fields.

    :meth:`decode` gives each record's row as its CSV text. A message of ``CSV`` parts
    without line breaks or quotes is checked a part at a time; any other (BASE64 parts, a
    line break ending a payload) record by record with :func:`csv_row_text`.
    """

    def payload_rows(self, captures: list[Any]) -> list[str] | None:
        """Each record's CSV row (the parts joined), or None when one is not a plain row."""
        payloads = self.part_data(captures, "CSV")
        if payloads is None or _marked(payloads):
            payloads = self.part_texts(captures, csv_row_text)
            if payloads is None:
                return None
        texts: list[str] | None = None
        for data in payloads:
            if (len(payloads) > 1 or self.width == 1) and not all(map(str.strip, data)):
                return None  # a blank payload gives no row at all
            texts = (
                data if texts is None else [f"{a},{b}" for a, b in zip(texts, data, strict=True)]
            )
        if texts is None:
            return None
        commas = [text.count(",") for text in texts]
        if min(commas) != self.width - 1 or max(commas) != self.width - 1:
            return None
        return texts


def _marked(payloads: list[list[str]]) -> bool:
    """Whether any payload holds a quote or a line break."""
    for data in payloads:
        joined = "\x00".join(data)
        if any(mark in joined for mark in _NOT_PLAIN):
            return True
    return False
