"""The stand-in for a Kafka record batch that does not decode: one empty message that says so.

A batch whose payload does not decompress, whose records do not parse or whose checksum
does not match holds no record anyone can read. The worker's consumer hands out one message
in its place (:mod:`stream.kafka.undecodable_batches`), at the batch's last offset, whose
value is an :class:`UndecodableBatch`: empty bytes that carry what failed and which offsets
the batch held. Every reader that takes a message value dead-letters it as
:data:`CORRUPT_BATCH`, as it dead-letters a tombstone; being a message in its place, it is
counted and checkpointed past like any other.

Examples
--------
>>> value = UndecodableBatch.of(120, 219, "BadGzipFile: Unknown compression method")
>>> value == b"", len(value)
(True, 0)
>>> value.problem
'the record batch of offsets 120..219 does not decode: BadGzipFile: Unknown compression method'
"""

from __future__ import annotations

CORRUPT_BATCH = "corrupt_batch"  # the dead-letter reason


class UndecodableBatch(bytes):
    """Empty message bytes standing for an undecodable batch; ``problem`` says why."""

    problem: str

    @classmethod
    def of(cls, first_offset: int, last_offset: int, error: str) -> UndecodableBatch:
        """The stand-in for the batch of offsets ``first_offset`` .. ``last_offset``."""
        value = cls(b"")
        value.problem = (
            f"the record batch of offsets {first_offset}..{last_offset} does not decode: {error}"
        )
        return value
