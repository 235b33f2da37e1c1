"""Stop an aiokafka client whatever its ``stop()`` raises; only a real cancellation goes on.

After a broker outage aiokafka 0.14's ``stop()`` can let a ``CancelledError`` out that is
its own, not a cancellation of the caller: the consumer's fetcher, closing, cancels and
awaits a fetch request that was waiting out its retry backoff. That is not an
``Exception``, so a shutdown written ``except Exception`` skipped the clients after it and
every step after those. :func:`stop_client` takes it, or any ``Exception`` (a timeout
included), as a client that did not stop cleanly: it closes what ``stop()`` left open (the
pending fetches, the connections) and says why. When the calling task itself is being
cancelled, the ``CancelledError`` is re-raised.

The time limits are ``asyncio.timeout``, not ``asyncio.wait_for``: Python 3.11's
``wait_for`` loses a cancellation that arrives as the awaited call finishes (gh-86296),
and a follower cancelled then went on to another session.
"""

from __future__ import annotations

import asyncio
from typing import Any

from stream.kafka.error_text import error_text

CLOSE_SECONDS = 1.0  # closing the connections left open by a stop() that failed


def is_cancelling() -> bool:
    """Whether the current task has been asked to cancel (a real cancellation)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def stop_client(client: Any, timeout_seconds: float | None = None) -> str | None:
    """Stop ``client`` (at most ``timeout_seconds``); ``None`` when it stopped cleanly, else why.

    A ``CancelledError`` out of ``stop()`` while the calling task is not being cancelled is
    aiokafka's; a real cancellation of the calling task is re-raised.
    """
    try:
        async with asyncio.timeout(timeout_seconds):  # not wait_for: see the module
            await client.stop()
    except asyncio.CancelledError:
        if is_cancelling():
            raise
        reason = "stop() ended with aiokafka's CancelledError"
    except Exception as error:  # a broker that does not answer: close what is left anyway
        reason = error_text(error)
    else:
        return None
    await _close_rest(client)
    return reason


async def _close_rest(client: Any) -> None:
    """Cancel the fetches and close the connections a failed ``stop()`` left."""
    fetcher = getattr(client, "_fetcher", None)
    for pending in list(getattr(fetcher, "_pending_tasks", ())):
        pending.cancel()
    connections = getattr(client, "_client", None) or getattr(client, "client", None)
    if connections is None:
        return
    try:
        async with asyncio.timeout(CLOSE_SECONDS):
            await connections.close()
    except asyncio.CancelledError:
        if is_cancelling():
            raise
    except Exception:  # nothing more to do: the process or session ends next
        pass
