"""One side of a capture record (payload, content type, encoding), and the error of a bad one.

:class:`EventData` is what ``captureData.endpointInput``, ``endpointOutput`` or a batch
transform's ``batchTransformOutput`` holds; :func:`base64_text` decodes a BASE64 payload;
:class:`CaptureError` carries the short reason every reader counts and dead-letters under.
:mod:`stream.capture.records` (whole records) and :mod:`stream.capture.batch_transform`
(batch-transform payloads split into request and response) both build on this.

>>> EventData("text/csv", "INPUT", "NDEsYmFzaWM=", "BASE64").text()
'41,basic'
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass

__all__ = ["CaptureError", "EventData", "base64_text", "names_csv"]


class CaptureError(ValueError):
    """A capture record that cannot be used; ``reason`` is a short code for counting."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class EventData:
    """One side of a capture (``endpointInput`` or ``endpointOutput``)."""

    observed_content_type: str | None
    mode: str | None
    data: str
    encoding: str

    def text(self) -> str:
        """The payload as text (BASE64 payloads are decoded as UTF-8)."""
        return self.data if self.encoding != "BASE64" else base64_text(self.data)

    @property
    def is_csv(self) -> bool:
        """Whether the payload is CSV text: ``CSV``, or ``BASE64`` under a CSV content type.

        SageMaker captures a part whose content type it was not told is text as BASE64; read
        under a CSV content type, it is CSV text all the same, never parsed as JSON.
        """
        return self.encoding == "CSV" or (
            self.encoding == "BASE64" and names_csv(self.observed_content_type)
        )


def names_csv(content_type: object) -> bool:
    """Whether a content type names CSV (one that is not text names nothing).

    >>> names_csv("text/csv; charset=utf-8"), names_csv("application/json"), names_csv(7)
    (True, False, False)
    """
    return isinstance(content_type, str) and "csv" in content_type.lower()


def base64_text(data: str) -> str:
    """BASE64 payload data as UTF-8 text; CaptureError (``bad_encoding``) when it is not.

    Strict base64 (``base64.b64decode(data, validate=True)``): only its alphabet, padding
    only at the end. Data that is not ASCII is not base64 either.

    >>> base64_text("NDEsYmFzaWM=")
    '41,basic'
    >>> try:
    ...     base64_text("NDEs\u00e9")
    ... except CaptureError as error:
    ...     print(error.reason)
    bad_encoding
    """
    try:
        return binascii.a2b_base64(data, strict_mode=True).decode("utf-8")
    except ValueError as exc:  # binascii.Error, UnicodeDecodeError, text that is not ASCII
        msg = "bad_encoding"
        raise CaptureError(msg, f"BASE64 payload does not decode: {exc}") from exc
