"""kafka-python's producers checksum every record batch with CRC-32C: natively, not in Python.

Without the ``crc32c`` extension kafka-python falls back to a pure-Python CRC, which took
most of ``driftline replay``'s time (14.2 s against 4.9 s for 200,000 records) and a sixth
of the demo's process (py-spy). The ``kafka-python[crc32c]`` requirement installs the
native one.
"""

from __future__ import annotations

from kafka.record import _crc32c as pure_python
from kafka.record import util


def test_kafka_python_checksums_record_batches_natively() -> None:
    assert util.calc_crc32c.__defaults__ is not None
    (checksum,) = util.calc_crc32c.__defaults__
    assert checksum is not pure_python.crc, "kafka-python uses its pure-Python CRC-32C"


def test_the_native_checksum_is_crc32c() -> None:
    # the check value of CRC-32C (Castagnoli), RFC 3720 / the CRC catalogue: "123456789"
    assert util.calc_crc32c(memoryview(b"123456789")) == 0xE3069283
    assert util.calc_crc32c(memoryview(b"")) == 0
