"""faust's aiokafka transport with a fetch wait the worker chooses (faust fixes it at 1.5 s).

A consumer's fetch request waits on the broker up to ``fetch_max_wait_ms`` for data. Apache
Kafka answers as soon as data arrives, but a broker may hold the fetch for its whole wait
(the embedded broker does): a window's partial then reached the aggregator, and its result
the output topic, up to a fetch wait after it was sent. faust builds its consumer with
``fetch_max_wait_ms=1500`` and no setting to change it; :class:`WorkerApp` builds it with
:data:`FETCH_WAIT_MS` instead. The cost of a shorter wait is an empty fetch every
:data:`FETCH_WAIT_MS` while a worker has nothing to read.

faust's table manager also sleeps a second when it starts, before the consumer may
subscribe, so that tables declared late are there. The worker declares no faust table (its
state is its own): its app is built with :class:`NoTablesManager`, which starts without
that second.
"""

from __future__ import annotations

import logging
from typing import Any

import faust
from faust.tables import TableManager
from faust.transport.drivers import aiokafka as faust_aiokafka

log = logging.getLogger("driftline.app")

FETCH_WAIT_MS = 100


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        if hasattr(consumer, "_fetch_max_wait_ms"):  # read when the consumer starts
            consumer._fetch_max_wait_ms = FETCH_WAIT_MS
        else:  # another aiokafka: faust's 1.5 s stands
            log.warning("aiokafka consumer has no fetch wait to set; faust's default stands")
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class NoTablesManager(TableManager):
    """faust's table manager for an app with no faust table: no wait when it starts."""

    async def on_start(self) -> None:
        """What faust's does, less its one-second sleep first."""
        if not self.should_stop:
            await self._update_channels()
            await self.recovery.start()


class WorkerApp(faust.App):
    """A faust app whose Kafka consumer waits at most :data:`FETCH_WAIT_MS` per fetch.

    Build it with ``TableManager=NoTablesManager`` when it declares no faust table.
    """

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)
