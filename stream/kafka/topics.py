"""Topic names and their explicit creation.

Every topic is created explicitly with the configured partition count: a topic first touched by
a producer (or a metadata request, on Tansu) gets the broker's default count, which breaks the
co-partitioning of capture and labels by inferenceId and faust's changelogs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import astuple, dataclass
from typing import Any

from stream.kafka.error_text import error_text
from stream.kafka.security import aiokafka_kwargs

_TOPIC_ALREADY_EXISTS = 36
_DESCRIBE_TIMEOUT_SECONDS = 10.0
JOIN_CHANGELOG_LAG_MS = str(24 * 3600 * 1000)  # min.compaction.lag.ms of the join changelog
# max.message.bytes of the topics the worker writes whole messages to: its producer's limit
WORKER_MESSAGE_BYTES = 8 * 1024 * 1024
JOIN_CHANGELOG_MESSAGE_BYTES = WORKER_MESSAGE_BYTES


class TopicError(RuntimeError):
    """A topic could not be created or has a different partition count than configured."""


class BrokerUnreachable(TopicError):
    """No broker answered at the bootstrap servers, so no topic could be checked."""


@dataclass(frozen=True, slots=True)
class TopicNames:
    """The names of driftline's topics, all ``<prefix>.<role>``.

    Examples
    --------
    >>> names = TopicNames.from_prefix("driftline")
    >>> names.capture, names.capture_state
    ('driftline.capture', 'driftline.capture-state')
    >>> len(tuple(names))
    11
    >>> names.topic_configs("driftline.join-changelog")["min.compaction.lag.ms"]
    '86400000'
    >>> names.topic_configs("driftline.capture"), names.topic_configs("driftline.partials")
    ({}, {'max.message.bytes': '8388608'})
    >>> names.topic_configs("driftline.capture-state")
    {'cleanup.policy': 'compact', 'max.message.bytes': '8388608'}
    """

    capture: str  # capture records (JSON Lines batches), keyed by inferenceId
    labels: str  # ground-truth / A2I records (JSON Lines batches), keyed by inferenceId
    attributions: str  # local SHAP values {"inferenceId", "shap"} (JSON Lines), by inferenceId
    violations: str  # one message per violation
    statistics: str  # statistics.json per monitor and window
    executions: str  # one execution status per monitor and window
    deadletter: str  # undecodable input with its raw bytes and the reason
    partials: str  # internal: window partial states → aggregator, keyed by monitor
    capture_state: str  # internal, compacted: snapshots of capture partitions' state
    aggregate_state: str  # internal, compacted: snapshots of the aggregators' state
    join_changelog: str  # internal, compacted: the label join's waiting entries, by key

    @classmethod
    def from_prefix(cls, prefix: str) -> TopicNames:
        """Names for ``prefix`` (``kafka.topic_prefix``)."""
        roles = [name for name in cls.__dataclass_fields__]
        return cls(**{role: f"{prefix}.{role.replace('_', '-')}" for role in roles})

    def __iter__(self) -> Iterator[str]:
        return iter(astuple(self))

    @property
    def compacted(self) -> tuple[str, ...]:
        """Topics created with ``cleanup.policy=compact`` (latest value per key is kept)."""
        return (self.capture_state, self.aggregate_state, self.join_changelog)

    @property
    def written_by_worker(self) -> tuple[str, ...]:
        """Topics the worker's producer writes (the join changelog has configs of its own)."""
        return (self.partials, self.violations, self.statistics, self.executions,
                self.deadletter, self.capture_state, self.aggregate_state)  # fmt: skip

    @property
    def configs(self) -> dict[str, dict[str, str]]:
        """Every topic's creation configs (see :meth:`topic_configs`)."""
        return {name: self.topic_configs(name) for name in self}

    def topic_configs(self, name: str) -> dict[str, str]:
        """The configs a topic is created with (compaction, the changelog's lag, message size).

        Every topic the worker writes takes messages of up to 8 MiB, its producer's limit
        (:attr:`written_by_worker`): a window's partial and its statistics grow with the features —
        a data-quality partial ~12 KB and statistics.json ~9 KB a numeric feature (~50 KB a text
        feature of many values), a labelled partial ~0.5 MB a bias facet with 50 flip-test features;
        a partial past 8 MiB travels in chunks (``stream.worker.partial_chunks``), and a snapshot's
        manifest past 1,000 blobs in pages (``stream.worker.snapshot_pages``). Kafka's 1 MiB default
        refused a partial from ~85 numeric features on, which stopped the partition's checkpoints.
        The join changelog takes records of up to 8 MiB as well (a request of many instances waits
        as one entry, over Kafka's 1 MiB default at ~8,000 instances). It keeps a superseded record
        for a day before compaction may drop it: a checkpoint that crashed after writing changes but
        before its manifest leaves records no snapshot covers, and the restore that skips them
        rewrites the keys they touched from the records before them, which must still be there.
        """
        if name == self.join_changelog:
            return {
                "cleanup.policy": "compact",
                "min.compaction.lag.ms": JOIN_CHANGELOG_LAG_MS,
                "max.message.bytes": str(JOIN_CHANGELOG_MESSAGE_BYTES),
            }
        configs = {"cleanup.policy": "compact"} if name in self.compacted else {}
        if name in self.written_by_worker:
            configs["max.message.bytes"] = str(WORKER_MESSAGE_BYTES)
        return configs


async def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int,
    replication: int,
    client_kwargs: Mapping[str, Any] | None = None,
    *,
    configs: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, int]:
    """Create the missing topics of ``names``; return every topic's partition count.

    Idempotent. Raises TopicError when a topic cannot be created or already exists with a
    partition count other than ``partitions``, and BrokerUnreachable (a TopicError) when no
    broker answers at ``bootstrap``.
    """
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # type: ignore[import-untyped]

    wanted = list(dict.fromkeys(names))
    configs = configs or {}
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=10_000,
        **aiokafka_kwargs(client_kwargs or {}),
    )
    try:
        await admin.start()
    except Exception as error:  # aiokafka's connection errors have no common public base
        msg = f"cannot reach the broker at {bootstrap}: {error_text(error)}"
        raise BrokerUnreachable(msg) from error
    try:
        existing = set(await admin.list_topics())  # all-topics metadata: creates nothing
        missing = [
            NewTopic(
                name,
                partitions,
                replication,
                topic_configs=dict(configs.get(name, {})),
            )
            for name in wanted
            if name not in existing
        ]
        if missing:
            response = await admin.create_topics(missing)
            for name, code, message in response.topic_errors:
                if code not in (0, _TOPIC_ALREADY_EXISTS):
                    msg = f"cannot create topic {name}: error {code} {message or ''}".strip()
                    raise TopicError(msg)
        counts = await _partition_counts(admin, wanted)
    finally:
        await admin.close()
    for name, count in counts.items():
        if count != partitions:
            msg = (
                f"topic {name} has {count} partitions but kafka.partitions is {partitions}; "
                f"capture and labels must be co-partitioned: set kafka.partitions = {count} "
                f"or recreate the topic"
            )
            raise TopicError(msg)
    return counts


async def _partition_counts(admin: Any, names: list[str]) -> dict[str, int]:
    # A just-created topic may take a moment to appear in every broker's metadata.
    deadline = time.monotonic() + _DESCRIBE_TIMEOUT_SECONDS
    while True:
        described = await admin.describe_topics(names)
        counts = {d["topic"]: len(d["partitions"]) for d in described if d["error_code"] == 0}
        if len(counts) == len(names) and all(counts.values()):
            return counts
        if time.monotonic() > deadline:
            absent = sorted(set(names) - set(counts))
            msg = f"topics not visible in the broker's metadata after creation: {absent}"
            raise TopicError(msg)
        await asyncio.sleep(0.2)


def ensure_topics_sync(
    bootstrap: str,
    names: Iterable[str],
    partitions: int,
    replication: int,
    client_kwargs: Mapping[str, Any] | None = None,
    *,
    configs: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, int]:
    """Blocking :func:`ensure_topics`, for the CLI and other code outside an event loop."""
    return asyncio.run(
        ensure_topics(bootstrap, names, partitions, replication, client_kwargs, configs=configs)
    )
