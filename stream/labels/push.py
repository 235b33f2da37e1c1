"""Records from files into ``<prefix>.labels`` / ``<prefix>.attributions``, refusals dead-lettered.

:class:`RecordPusher` decodes every record before sending it, with the decoder the worker
uses, so what reaches the topic is usable and what is not goes to ``<prefix>.deadletter``
(:func:`~stream.kafka.dead_letters.dead_letter_message`, with the file and line as
``source``) and is counted by reason — the same treatment the worker gives capture.

- Labels (:func:`label_pusher`): a ground-truth line is sent as it is; an A2I output is
  consolidated by the settings given and sent as the ground-truth record of its label, so
  every monitor reads the same label whatever its own A2I settings. Key: the label's
  ``eventMetadata.eventId`` (the capture's inferenceId), partitioned exactly as the capture
  producer partitions that id.
- Attributions (:func:`attribution_pusher`): ``{"inferenceId", "shap"}`` lines sent as they
  are, keyed by ``inferenceId`` (else ``eventId``).

Both are batched as JSON Lines, ``records_per_message`` records of one partition a message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ground_truth.records import to_ground_truth_record
from stream.config import KafkaConfig, LabelSettings
from stream.kafka.dead_letters import DeadLetter, dead_letter_message
from stream.kafka.keyed_producer import ATTRIBUTION_KEY_PATHS, LABEL_KEY_PATHS, KeyedProducer
from stream.kafka.security import kafka_python_kwargs
from stream.kafka.topics import TopicNames
from stream.labels.attributions import decode_attribution
from stream.labels.records import (
    MAX_LABEL_BYTES,
    OVERSIZED,
    LabelError,
    RecordError,
    is_human_loop,
    label_from_object,
    parse_json,
)

Record = Mapping[str, Any] | bytes
Decoder = Callable[[bytes], Record]  # the record to send, or RecordError


@dataclass
class PushCounts:
    """What a pusher did: records read, sent, and refused by reason."""

    records: int = 0
    sent: int = 0
    human_loops: int = 0  # A2I outputs turned into labels
    refused: Counter[str] = field(default_factory=Counter)

    @property
    def refused_total(self) -> int:
        """Records sent to the dead-letter topic."""
        return sum(self.refused.values())


class RecordPusher:
    """Decode, then send to the topic or, refused, to the dead-letter topic; close() flushes."""

    def __init__(
        self,
        *,
        decode: Decoder,
        target: KeyedProducer,
        dead_letters: KeyedProducer,
        monitor: str | None = None,
    ) -> None:
        self.decode = decode
        self.target = target
        self.dead_letters = dead_letters
        self.monitor = monitor
        self.counts = PushCounts()

    def push(self, raw: bytes, *, source: str, index: int) -> bool:
        """Push one record read from ``source``; return whether it went to the topic.

        Raises :class:`~stream.kafka.keyed_producer.BrokerNotAnswering` once the broker has
        answered nothing for the request timeout.
        """
        self.target.check_answering()
        self.dead_letters.check_answering()
        self.counts.records += 1
        try:
            record = self.decode(raw)
        except RecordError as error:
            self._refuse(error, raw, source=source, index=index)
            return False
        if isinstance(record, Mapping):
            self.counts.human_loops += 1
        if not self.target.send(record):  # too large for a message (nothing is sampled out)
            why = f"larger than one message may be ({self.target.max_message_bytes} bytes)"
            self._refuse(RecordError(OVERSIZED, why), raw, source=source, index=index)
            return False
        self.counts.sent += 1
        return True

    def _refuse(self, error: RecordError, raw: bytes, *, source: str, index: int) -> None:
        """Count the record by its reason and send it to the dead-letter topic."""
        self.counts.refused[error.reason] += 1
        letter = DeadLetter(
            self.monitor, None, None, index, error.reason, error.message, raw, source
        )
        self.dead_letters.send(dead_letter_message(letter, self.target.topic))

    @property
    def messages_failed(self) -> int:
        """Messages Kafka reported as not delivered, to either topic."""
        return self.target.counts.messages_failed + self.dead_letters.counts.messages_failed

    def close(self) -> None:
        """Send what is buffered and wait for Kafka's acknowledgements.

        Both producers are closed even when the first raises (e.g.
        :class:`~stream.kafka.keyed_producer.BrokerNotAnswering`); after a Ctrl-C while the
        first waits, the second is abandoned without waiting either.
        """
        try:
            self.target.close()
        except KeyboardInterrupt:
            self.dead_letters.abandon()
            raise
        finally:
            self.dead_letters.close()  # nothing left to do once abandoned

    def abandon(self) -> None:
        """Close both producers at once (Ctrl-C): what Kafka held counts as failed."""
        self.target.abandon()
        self.dead_letters.abandon()

    def __enter__(self) -> RecordPusher:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self.abandon()
        else:
            self.close()


def label_decoder(settings: LabelSettings) -> Decoder:
    """Ground-truth lines pass as they are; an A2I output becomes its label's record."""

    def decode(raw: bytes) -> Record:
        obj = parse_json(raw, MAX_LABEL_BYTES, LabelError)
        label = label_from_object(obj, settings)
        return to_ground_truth_record(label) if is_human_loop(obj) else raw

    return decode


def attribution_decoder(raw: bytes) -> Record:
    """An attribution line passes as it is once it decodes."""
    decode_attribution(raw)
    return raw


def _producers(
    kafka: KafkaConfig, topic: str, names: TopicNames, key_paths: tuple[str, ...], **kwargs: Any
) -> tuple[KeyedProducer, KeyedProducer]:
    common = {
        "bootstrap_servers": kafka.bootstrap_servers,
        "client_kwargs": kafka_python_kwargs(kafka),
    }
    target = KeyedProducer(topic=topic, key_paths=key_paths, **common, **kwargs)
    try:
        dead = KeyedProducer(
            topic=names.deadletter, key_paths=("monitor",), records_per_message=1,
            linger_seconds=0, **common,
        )  # fmt: skip
    except Exception:
        target.close()
        raise
    return target, dead


def label_pusher(
    kafka: KafkaConfig,
    names: TopicNames,
    settings: LabelSettings,
    *,
    monitor: str | None = None,
    records_per_message: int = 100,
) -> RecordPusher:
    """A pusher into ``<prefix>.labels`` for ground-truth lines and A2I outputs."""
    target, dead = _producers(
        kafka, names.labels, names, LABEL_KEY_PATHS, records_per_message=records_per_message
    )
    return RecordPusher(
        decode=label_decoder(settings), target=target, dead_letters=dead, monitor=monitor
    )


def attribution_pusher(
    kafka: KafkaConfig, names: TopicNames, *, records_per_message: int = 100
) -> RecordPusher:
    """A pusher into ``<prefix>.attributions`` for ``{"inferenceId", "shap"}`` lines."""
    target, dead = _producers(
        kafka,
        names.attributions,
        names,
        ATTRIBUTION_KEY_PATHS,
        records_per_message=records_per_message,
    )
    return RecordPusher(decode=attribution_decoder, target=target, dead_letters=dead)


__all__ = [
    "PushCounts",
    "RecordPusher",
    "attribution_decoder",
    "attribution_pusher",
    "label_decoder",
    "label_pusher",
]
