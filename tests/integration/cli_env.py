"""The environment a ``driftline`` command run as a subprocess needs to reach a test broker."""

from __future__ import annotations


def kafka_env(bootstrap: str, topic_prefix: str, partitions: int) -> dict[str, str]:
    """``DRIFTLINE_KAFKA_*`` variables: the broker, the tests' topic prefix, the partitions."""
    return {
        "DRIFTLINE_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "DRIFTLINE_KAFKA_TOPIC_PREFIX": topic_prefix,
        "DRIFTLINE_KAFKA_PARTITIONS": str(partitions),
    }
