"""The live transcript stream: segments, the event-stream port, the in-process stream, the bus.

Seed 3 "Phase 3" streams every transcript segment of a contact through a
Kinesis Data Stream (payload ``{contactId, transcript, isPartial}``) to the
consumers that score sentiment and write summaries. Here:

* :class:`TranscriptSegment` is one segment (a chat message, or a voice
  transcript chunk), from the customer, the AI agent or a human agent.
* :class:`SegmentStream` is the port: an append-only log read by *consumer
  groups* (each group sees every entry once; the consumers of one group share
  the entries). Reads leave entries *pending* until acknowledged; entries a
  dead consumer left pending are re-claimed by another after ``min_idle_ms``.
  This is the Redis Streams model (XADD / XREADGROUP / XACK / XAUTOCLAIM); the
  in-process, Redis and Kinesis adapters all implement it, so delivery is
  at-least-once everywhere and consumers make themselves idempotent by
  ``segment_id`` (see ``stream_consumer.py``).
* :class:`InProcessStream` is the embedded default (asyncio, bounded).
* :class:`SegmentBus` is what the agent publishes to: ``publish_nowait``
  never blocks and never raises; a background task forwards to the stream
  with a timeout, so a slow or dead backend never delays a turn.

Other components subscribe through ``AgentService.segments`` (a
:class:`SegmentBus`)::

    async def on_segment(segment: TranscriptSegment) -> None:
        ...

    consumer = service.segments.subscribe("my-group", on_segment)
    ...
    await consumer.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from switchboard.domain.segments import TranscriptSegment as TranscriptSegment
from switchboard.domain.types import new_id
from switchboard.errors import InputError

if TYPE_CHECKING:
    from switchboard.analytics.stream_consumer import StreamConsumer
    from switchboard.config import StreamSettings

log = logging.getLogger("switchboard.analytics.stream")

#: What a subscriber receives: one segment; raising means "not processed" (redelivered).
SegmentHandler = Callable[["TranscriptSegment"], Awaitable[None]]


@dataclass(frozen=True)
class Delivery:
    """One entry handed to a consumer.

    Attributes:
        entry_id: the stream's id of the entry (acknowledge with it).
        segment: the segment.
        delivery_count: how many times the entry has been delivered (1 the first time).
    """

    entry_id: str
    segment: TranscriptSegment
    delivery_count: int = 1


@runtime_checkable
class SegmentStream(Protocol):
    """The event-stream port: an append-only log of segments read by consumer groups.

    Semantics (those of Redis Streams): :meth:`publish` appends; each group
    tracks the last entry delivered to it and a pending list of delivered,
    unacknowledged entries per consumer; :meth:`claim_stale` hands entries that
    stayed pending longer than ``min_idle_ms`` (their consumer died) to another
    consumer. Delivery is therefore at-least-once.
    """

    name: str

    async def publish(self, segment: TranscriptSegment) -> str:
        """Append ``segment``; return its entry id.

        Raises:
            switchboard.errors.StreamError: when the backend cannot be reached.
        """
        ...

    async def ensure_group(self, group: str, *, from_start: bool = True) -> None:
        """Create consumer group ``group`` if missing.

        Args:
            group: group name.
            from_start: True to deliver entries already in the stream, False
                for new entries only.
        """
        ...

    async def read(
        self, group: str, consumer: str, *, count: int = 32, block_ms: int = 0
    ) -> list[Delivery]:
        """Deliver up to ``count`` new entries to ``consumer``; wait up to ``block_ms`` for one."""
        ...

    async def ack(self, group: str, entry_ids: list[str]) -> int:
        """Acknowledge entries; return how many were pending."""
        ...

    async def claim_stale(
        self, group: str, consumer: str, *, min_idle_ms: int, count: int = 32
    ) -> list[Delivery]:
        """Move entries pending longer than ``min_idle_ms`` to ``consumer`` and return them."""
        ...

    async def pending_count(self, group: str) -> int:
        """Number of delivered, unacknowledged entries of ``group``."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


@dataclass
class _Pending:
    consumer: str
    delivered_at: float
    count: int


@dataclass
class _Group:
    next_index: int
    pending: OrderedDict[int, _Pending] = field(default_factory=OrderedDict)


class InProcessStream:
    """The embedded stream: a bounded in-memory log with Redis-like consumer groups.

    Args:
        maxlen: entries kept; the oldest are trimmed beyond it (like ``XADD MAXLEN``).
            A trimmed entry that was still pending is dropped from the pending list.
        name: label for logs and metrics.
    """

    def __init__(self, *, maxlen: int = 100_000, name: str = "inprocess") -> None:
        if maxlen < 1:
            raise InputError("maxlen must be >= 1")
        self.name = name
        self.maxlen = maxlen
        self._entries: OrderedDict[int, TranscriptSegment] = OrderedDict()
        self._next = 1
        self._groups: dict[str, _Group] = {}
        #: Set on every publish; blocked readers wait on it (no lock: plain asyncio tasks).
        self._new = asyncio.Event()

    def __len__(self) -> int:
        """Entries currently kept."""
        return len(self._entries)

    async def publish(self, segment: TranscriptSegment) -> str:
        """Append ``segment`` (trimming past ``maxlen``) and wake blocked readers."""
        index = self._next
        self._next += 1
        self._entries[index] = segment
        while len(self._entries) > self.maxlen:
            old, _ = self._entries.popitem(last=False)
            for g in self._groups.values():
                g.pending.pop(old, None)
        self._new.set()
        return str(index)

    async def ensure_group(self, group: str, *, from_start: bool = True) -> None:
        """Create ``group`` at the start of the log (or at its end) if missing."""
        if group not in self._groups:
            self._groups[group] = _Group(next_index=1 if from_start else self._next)

    def _group(self, group: str) -> _Group:
        try:
            return self._groups[group]
        except KeyError:
            raise InputError(f"no consumer group {group!r}; call ensure_group first") from None

    async def read(
        self, group: str, consumer: str, *, count: int = 32, block_ms: int = 0
    ) -> list[Delivery]:
        """Deliver up to ``count`` entries published after the group's last delivery."""
        g = self._group(group)
        out = self._take(g, consumer, count)
        if out or block_ms <= 0:
            return out
        deadline = time.monotonic() + block_ms / 1000
        while not out:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._new.clear()  # nothing new since _take (no await in between)
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._new.wait()
            out = self._take(g, consumer, count)
        return out

    def _take(self, g: _Group, consumer: str, count: int) -> list[Delivery]:
        out: list[Delivery] = []
        now = time.monotonic()
        g.next_index = max(g.next_index, next(iter(self._entries), self._next))
        while g.next_index < self._next and len(out) < count:
            index = g.next_index
            g.next_index += 1
            segment = self._entries.get(index)
            if segment is None:
                continue
            g.pending[index] = _Pending(consumer, now, 1)
            out.append(Delivery(str(index), segment, 1))
        return out

    async def ack(self, group: str, entry_ids: list[str]) -> int:
        """Remove entries from the group's pending list."""
        g = self._group(group)
        return sum(1 for e in entry_ids if g.pending.pop(int(e), None) is not None)

    async def claim_stale(
        self, group: str, consumer: str, *, min_idle_ms: int, count: int = 32
    ) -> list[Delivery]:
        """Re-deliver to ``consumer`` entries idle for ``min_idle_ms`` or longer."""
        g = self._group(group)
        now = time.monotonic()
        out: list[Delivery] = []
        for index, p in list(g.pending.items()):
            if len(out) >= count:
                break
            if (now - p.delivered_at) * 1000 < min_idle_ms:
                continue
            segment = self._entries.get(index)
            if segment is None:
                del g.pending[index]
                continue
            p.consumer, p.delivered_at, p.count = consumer, now, p.count + 1
            out.append(Delivery(str(index), segment, p.count))
        return out

    async def pending_count(self, group: str) -> int:
        """Delivered, unacknowledged entries of ``group``."""
        return len(self._group(group).pending)

    async def aclose(self) -> None:
        """Nothing to release."""


class SegmentBus:
    """The agent's non-blocking publisher and the subscription point for consumers.

    ``publish_nowait`` puts the segment on a bounded queue and returns at once;
    a background task forwards queued segments to :attr:`stream` with a timeout.
    When the queue is full the segment is dropped and counted (the conversation
    goes on); when the backend fails, the failure is logged and counted.

    Args:
        stream: where segments go (in-process by default).
        max_queue: segments waiting to be forwarded before new ones are dropped.
        publish_timeout_s: timeout of one backend publish, seconds.
    """

    def __init__(
        self,
        stream: SegmentStream | None = None,
        *,
        max_queue: int = 10_000,
        publish_timeout_s: float = 1.0,
    ) -> None:
        self.stream: SegmentStream = stream or InProcessStream()
        self.publish_timeout_s = publish_timeout_s
        self._queue: asyncio.Queue[TranscriptSegment] | None = None
        self._max_queue = max_queue
        self._pump: asyncio.Task[None] | None = None
        self._consumers: list[StreamConsumer] = []
        self.published = 0
        self.dropped = 0
        self.failed = 0

    def publish_nowait(self, segment: TranscriptSegment) -> bool:
        """Queue ``segment`` for the stream without waiting; never raises.

        Returns:
            True when queued, False when dropped (queue full, or no running event loop).
        """
        try:
            if self._queue is None:
                self._queue = asyncio.Queue(self._max_queue)
            if self._pump is None or self._pump.done():
                self._pump = asyncio.get_running_loop().create_task(self._forward())
            self._queue.put_nowait(segment)
            return True
        except (asyncio.QueueFull, RuntimeError):
            self.dropped += 1
            log.warning(
                "transcript segment dropped",
                extra={"contact_id": segment.contact_id, "segment_id": segment.segment_id},
            )
            return False

    async def _forward(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            segment = await queue.get()
            try:
                async with asyncio.timeout(self.publish_timeout_s):
                    await self.stream.publish(segment)
                self.published += 1
            except Exception as exc:  # a dead backend must not reach the conversation
                self.failed += 1
                log.warning(
                    "transcript segment not published: %s",
                    type(exc).__name__,
                    extra={"contact_id": segment.contact_id, "stream": self.stream.name},
                )
            finally:
                queue.task_done()

    async def drain(self, timeout_s: float = 5.0) -> None:
        """Wait until every queued segment has been handed to the stream (tests, shutdown).

        Raises:
            TimeoutError: when the queue is not drained within ``timeout_s``.
        """
        if self._queue is not None:
            await asyncio.wait_for(self._queue.join(), timeout_s)

    def subscribe(
        self,
        group: str,
        handler: SegmentHandler,
        *,
        consumer: str | None = None,
        **options: Any,
    ) -> StreamConsumer:
        """Start a consumer of group ``group`` that calls ``handler`` for every segment.

        Args:
            group: consumer group; every group sees every segment.
            handler: async callable; an exception leaves the entry pending
                for redelivery.
            consumer: consumer name within the group (default: a random one).
            **options: passed to :class:`~switchboard.analytics.stream_consumer.StreamConsumer`.

        Returns:
            The running consumer (stop it with ``await consumer.stop()``).
        """
        from switchboard.analytics.stream_consumer import StreamConsumer

        if options.get("processed") is None:
            # A stream that can share the processed log across processes (Redis) offers one.
            factory = getattr(self.stream, "processed_log", None)
            options["processed"] = factory() if callable(factory) else None
        c = StreamConsumer(
            self.stream, group, handler, consumer=consumer or f"c-{new_id()[:8]}", **options
        )
        c.start()
        self._consumers.append(c)
        return c

    async def aclose(self) -> None:
        """Forward what is queued (bounded), stop consumers and the pump, close the stream."""
        with contextlib.suppress(TimeoutError):
            await self.drain(self.publish_timeout_s * 2)
        for c in self._consumers:
            await c.stop()
        self._consumers.clear()
        pump, self._pump = self._pump, None
        while pump is not None and not pump.done():
            pump.cancel()
            await asyncio.wait([pump], timeout=0.5)
        await self.stream.aclose()


def create_bus(settings: StreamSettings) -> SegmentBus:
    """Build the transcript bus for ``settings.backend``.

    ``inprocess`` (default) keeps everything in this process; ``redis`` and
    ``kinesis`` publish to the shared stream with the in-process stream as a
    fallback (:class:`~switchboard.analytics.stream_redis.FailoverStream`), so a
    dead backend never breaks a turn.

    Raises:
        switchboard.errors.ConfigError: for an unknown backend or a missing client library.
    """
    from switchboard.errors import ConfigError

    stream: SegmentStream
    if settings.backend == "inprocess":
        stream = InProcessStream()
    elif settings.backend in ("redis", "kinesis"):
        from switchboard.analytics.stream_redis import FailoverStream, RedisStream

        primary: SegmentStream
        if settings.backend == "redis":
            primary = RedisStream(settings.redis_url, key=settings.redis_key)
        else:
            from switchboard.analytics.stream_kinesis import KinesisStream

            primary = KinesisStream(settings.kinesis_stream, region=settings.aws_region)
        stream = FailoverStream(primary)
    else:
        raise ConfigError(
            f"unknown stream backend {settings.backend!r}; use inprocess, redis or kinesis"
        )
    return SegmentBus(stream, max_queue=settings.max_queue)
