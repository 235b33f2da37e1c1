"""A follower session whose consumer does not start closes that consumer.

While the broker was down, each retry of the status follower left its consumer unclosed, and
aiokafka's finaliser logged ``Unclosed AIOKafkaConsumer`` at ERROR level every 12 s for as
long as the outage lasted (found freezing the embedded broker under a worker). The broker
here is a port nothing listens on; the reference is asyncio's exception handler, which the
finaliser reports to.
"""

from __future__ import annotations

import asyncio
import gc

import pytest

from stream.kafka.broker import free_port
from stream.status.board import StatusBoard
from stream.status.follower import TopicFollower


def test_a_consumer_that_does_not_start_is_closed() -> None:
    follower = TopicFollower(StatusBoard(), f"127.0.0.1:{free_port()}", {"violations": "v"})
    reported: list[str] = []

    async def one_session() -> None:
        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: reported.append(context["message"])
        )
        with pytest.raises(Exception, match="bootstrap"):
            await follower._session()
        gc.collect()  # the finaliser of a consumer left open reports here
        await asyncio.sleep(0)

    asyncio.run(one_session())

    assert "Unclosed AIOKafkaConsumer" not in reported
