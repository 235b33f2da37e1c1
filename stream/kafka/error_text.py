"""An exception as a log line or error message shows it: its text, or its type when it has none.

``error or type(error).__name__`` never falls back (an exception is always true), and many
of Kafka's clients' exceptions carry no text: a line ended with "not completed: " and
nothing after it.

>>> error_text(TimeoutError())
'TimeoutError'
>>> error_text(ConnectionError("refused"))
'refused'
"""

from __future__ import annotations


def error_text(error: BaseException) -> str:
    """``str(error)``, or the exception's type name when that is empty."""
    return str(error) or type(error).__name__
