"""Socket work that meets a database or stream-backend outage is retried, not dropped.

Issue 14 fault "stop PostgreSQL for 10 s": a customer's turn or an agent's message
that fails with a retryable ``StoreError``/``StreamError`` (the server restarting,
failing over, or briefly unreachable) is tried again with back-off for up to a
window (:data:`RETRY_WINDOW_S`), after telling the client once that its message is
delayed (a ``delayed`` frame, see :mod:`switchboard.api.ws`). A failure of the input
(``InputError``) or a permanent store error is raised at once: retrying cannot help;
so is a ``LeaseTimeoutError`` (the contact is busy, not the database down: the chat
socket answers it with ``busy`` and the client re-sends).
Each try is one database transaction (``ConversationService.store_turn``, the desk's
fenced relay), so a failed try leaves nothing behind to duplicate.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from switchboard.cluster.locks import LeaseTimeoutError
from switchboard.errors import StoreError, StreamError, SwitchboardError

__all__ = ["RETRY_PAUSES_S", "RETRY_WINDOW_S", "retry_outage"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How long work failing on the database or the stream backend is retried (s).
RETRY_WINDOW_S = 30.0
#: Pauses between tries (s); the last one repeats.
RETRY_PAUSES_S: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
#: The failures worth trying again for: infrastructure, not the input.
_OUTAGE = (StoreError, StreamError)


async def retry_outage(
    work: Callable[[], Awaitable[T]],
    *,
    on_wait: Callable[[SwitchboardError], Awaitable[None]],
    window_s: float = RETRY_WINDOW_S,
    what: str = "socket work",
    contact_id: str | None = None,
) -> T:
    """Run ``work()``; while it fails on an outage, try again until ``window_s`` is over.

    Args:
        work: the coroutine factory to (re)run.
        on_wait: awaited once, at the first outage failure (e.g. send ``delayed``).
        window_s: the retry window, seconds from the first try.
        what: what is retried, for the log.
        contact_id: for the log.

    Returns:
        ``work()``'s result.

    Raises:
        StoreError / StreamError: still failing when the window is over, or not retryable.
        Exception: anything else ``work()`` raised, at once.
    """
    deadline = time.monotonic() + window_s
    attempt = 0
    while True:
        try:
            return await work()
        except _OUTAGE as exc:
            pause = RETRY_PAUSES_S[min(attempt, len(RETRY_PAUSES_S) - 1)]
            if isinstance(exc, LeaseTimeoutError) or not exc.retryable:
                raise
            if time.monotonic() + pause > deadline:
                raise
            logger.warning(
                "%s failed (%s: %s); trying again in %.1f s",
                what, exc.code, exc, pause, extra={"contact_id": contact_id},
            )  # fmt: skip
            if attempt == 0:
                await on_wait(exc)
            attempt += 1
            await asyncio.sleep(pause)
