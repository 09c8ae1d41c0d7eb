"""Consumer-group runner: at-least-once delivery made idempotent by ``segment_id``.

A :class:`StreamConsumer` reads a :class:`~switchboard.analytics.stream.SegmentStream`
as one member of a consumer group. For every delivery it:

1. skips (and acknowledges) a segment its group already processed — a
   redelivery after a consumer died between "handled" and "acknowledged";
2. calls the handler; an exception leaves the entry pending, so it is
   delivered again (to this or another consumer) after ``claim_idle_ms``;
   after ``max_deliveries`` attempts the entry is logged and acknowledged
   (a poison segment must not block the group forever);
3. records the segment id in the group's :class:`ProcessedLog`, then acknowledges.

Entries that another consumer left pending for ``claim_idle_ms`` (it was
killed mid-batch) are re-claimed before new entries are read (XAUTOCLAIM in
Redis). The window between step 2 and step 3 is the only place a crash can
repeat a handler call, so handlers whose effect must not repeat (counters)
are themselves keyed by segment id (the sentiment monitor is).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from switchboard.analytics.stream import (
    Delivery,
    SegmentHandler,
    SegmentStream,
    TranscriptSegment,
)

log = logging.getLogger("switchboard.analytics.stream")


@runtime_checkable
class ProcessedLog(Protocol):
    """Remembers which segment ids a consumer group has processed."""

    async def seen(self, key: str) -> bool:
        """True when ``key`` was marked processed."""
        ...

    async def mark(self, key: str) -> None:
        """Mark ``key`` processed."""
        ...


class MemoryProcessedLog:
    """A bounded in-memory processed log (the oldest keys are forgotten past ``maxlen``).

    Args:
        maxlen: keys kept; redeliveries happen within seconds of the original,
            so a window of the last 100,000 segments is ample.
    """

    def __init__(self, maxlen: int = 100_000) -> None:
        self.maxlen = maxlen
        self._keys: OrderedDict[str, None] = OrderedDict()

    async def seen(self, key: str) -> bool:
        """True when ``key`` is among the remembered keys."""
        return key in self._keys

    async def mark(self, key: str) -> None:
        """Remember ``key``, forgetting the oldest beyond ``maxlen``."""
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.maxlen:
            self._keys.popitem(last=False)


class StreamConsumer:
    """One consumer of a consumer group, running a handler per segment.

    Args:
        stream: the stream to read.
        group: consumer group name (created from the start of the stream if missing).
        handler: async callable per segment; raising leaves the entry pending.
        consumer: this consumer's name within the group.
        processed: the group's processed log (shared by all its consumers: use
            :class:`~switchboard.analytics.stream_redis.RedisProcessedLog` across
            processes); default an in-memory one.
        batch: entries read per call.
        block_ms: how long a read waits for new entries, ms.
        claim_idle_ms: entries pending this long are re-claimed from their consumer, ms.
            The consumer looks for them at most every ``claim_idle_ms / 2`` (and on
            every round while a look finds some), so an entry left by a dead consumer
            is taken over within 1.5 × ``claim_idle_ms``.
        max_deliveries: attempts before a failing entry is dropped (logged).
        from_start: a new group starts at the beginning of the stream (else at its end).
        accept: segments the handler acts on (None: all). The others are acknowledged
            in one ``ack`` per round without a processed-log look-up or a handler call
            (the sentiment group reads customer lines only, the supervisor group human
            agents' lines only: two to three Redis commands saved per segment).
    """

    def __init__(
        self,
        stream: SegmentStream,
        group: str,
        handler: SegmentHandler,
        *,
        consumer: str,
        processed: ProcessedLog | None = None,
        batch: int = 32,
        block_ms: int = 200,
        claim_idle_ms: int = 5_000,
        max_deliveries: int = 5,
        from_start: bool = True,
        accept: Callable[[TranscriptSegment], bool] | None = None,
    ) -> None:
        self.stream = stream
        self.group = group
        self.handler = handler
        self.consumer = consumer
        self.processed: ProcessedLog = processed or MemoryProcessedLog()
        self.batch = batch
        self.block_ms = block_ms
        self.claim_idle_ms = claim_idle_ms
        self.max_deliveries = max_deliveries
        self.from_start = from_start
        self.accept = accept
        self.handled = 0
        self.duplicates = 0
        self.failures = 0
        self.dead_lettered = 0
        self._task: asyncio.Task[None] | None = None
        self._group_ready = False
        self._stopping = False
        self._next_claim = 0.0  # time.monotonic() of the next look for stale entries

    def start(self) -> None:
        """Run :meth:`run` in a background task (needs a running event loop)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run())

    @property
    def running(self) -> bool:
        """True while the background task runs."""
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Cancel the background task; entries read but not acknowledged stay pending."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        while not task.done():  # re-cancel: a library call may swallow one cancellation
            task.cancel()
            await asyncio.wait([task], timeout=0.5)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            task.result()

    async def run(self) -> None:
        """Consume until cancelled; backend errors are logged and retried with backoff."""
        backoff = 0.05
        self._stopping = False
        while not self._stopping:
            try:
                await self.poll()
                backoff = 0.05
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "stream read failed (%s); retrying in %.2f s",
                    type(exc).__name__,
                    backoff,
                    extra={"group": self.group, "consumer": self.consumer},
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    async def poll(self, *, block_ms: int | None = None) -> int:
        """One round: re-claim stale entries (when due), else read new ones; process in order.

        Looking for stale entries costs a Redis command per round; rounds come with
        every segment (each wakes a blocked read), so the look is spaced by
        ``claim_idle_ms / 2`` rather than made every round (issue 14: ~3.5 of the
        ~38 Redis commands per chat turn at 500 customers were such looks).

        Args:
            block_ms: override of the read wait, ms.

        Returns:
            Entries processed this round (handled, skipped as duplicates or dropped).

        Raises:
            switchboard.errors.StreamError: when the backend fails.
        """
        if not self._group_ready:
            await self.stream.ensure_group(self.group, from_start=self.from_start)
            self._group_ready = True
        deliveries: list[Delivery] = []
        now = time.monotonic()
        if now >= self._next_claim:
            deliveries = await self.stream.claim_stale(
                self.group, self.consumer, min_idle_ms=self.claim_idle_ms, count=self.batch
            )
            if not deliveries:  # none stale now: look again after half the idle time
                self._next_claim = now + self.claim_idle_ms / 2000
        if not deliveries:
            deliveries = await self.stream.read(
                self.group,
                self.consumer,
                count=self.batch,
                block_ms=self.block_ms if block_ms is None else block_ms,
            )
        skipped: list[str] = []
        for d in deliveries:
            if self.accept is not None and not self.accept(d.segment):
                skipped.append(d.entry_id)
                continue
            await self._process(d)
        if skipped:
            await self.stream.ack(self.group, skipped)
            self.duplicates += len(skipped)  # seen and settled without the handler
        return len(deliveries)

    async def _process(self, d: Delivery) -> None:
        key = f"{self.group}:{d.segment.segment_id}"
        if await self.processed.seen(key):
            self.duplicates += 1
            await self.stream.ack(self.group, [d.entry_id])
            return
        try:
            await self.handler(d.segment)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.failures += 1
            if d.delivery_count < self.max_deliveries:
                log.warning(
                    "segment handler failed; entry left pending for redelivery",
                    exc_info=True,
                    extra={"group": self.group, "segment_id": d.segment.segment_id},
                )
                return
            self.dead_lettered += 1
            log.error(
                "segment handler failed %d times; dropping the entry",
                d.delivery_count,
                extra={"group": self.group, "segment_id": d.segment.segment_id},
            )
            await self.stream.ack(self.group, [d.entry_id])
            return
        self.handled += 1
        await self.processed.mark(key)
        await self.stream.ack(self.group, [d.entry_id])
