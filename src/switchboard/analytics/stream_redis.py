"""Redis Streams adapter of the transcript stream, and a failover wrapper.

One Redis stream key holds the segments (``XADD key MAXLEN ~ n * segment
<json>``); consumer groups read it with ``XREADGROUP ... STREAMS key >``,
acknowledge with ``XACK`` and take over entries a dead consumer left pending
with ``XAUTOCLAIM`` (Redis >= 6.2). Delivery counts come from ``XPENDING``.
Semantics follow the Redis Streams documentation ("Consumer groups",
"Recovering from permanent failures"). The client is redis-py's asyncio
client (``pip install switchboard[redis]``), imported lazily.

:class:`FailoverStream` keeps a turn independent of Redis: when a publish or
a read on the primary fails, it logs, uses the in-process stream for a
cool-down period and then tries the primary again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from switchboard.analytics.stream import (
    Delivery,
    InProcessStream,
    SegmentStream,
    TranscriptSegment,
)
from switchboard.analytics.stream_consumer import MemoryProcessedLog, ProcessedLog
from switchboard.errors import ConfigError, InputError, StreamError

log = logging.getLogger("switchboard.analytics.stream")

_FIELD = "segment"


def _redis_client(url: str, socket_timeout_s: float) -> Any:
    try:
        from redis import asyncio as aioredis
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError(
            "the Redis stream needs redis-py: pip install 'switchboard[redis]'"
        ) from exc
    # A blocking pool: past its size a command waits for a free connection (redis-py's
    # default pool fails with "Too many connections" past 100 in flight).
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=256,
        timeout=socket_timeout_s,
        socket_timeout=socket_timeout_s,
        socket_connect_timeout=socket_timeout_s,
        decode_responses=False,
    )
    return aioredis.Redis.from_pool(pool)


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisStream:
    """Transcript stream on Redis Streams.

    Args:
        url: Redis URL, e.g. ``redis://127.0.0.1:6379/0``.
        key: the stream key.
        maxlen: approximate cap on entries kept (``XADD MAXLEN ~``).
        socket_timeout_s: connect and command timeout, seconds. A blocking
            read adds its ``block_ms`` to this.
        client: an existing ``redis.asyncio.Redis`` (bytes responses) to use instead.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        key: str = "switchboard:segments",
        maxlen: int = 100_000,
        socket_timeout_s: float = 2.0,
        client: Any | None = None,
    ) -> None:
        self.name = f"redis:{key}"
        self.key = key
        self.maxlen = maxlen
        self.socket_timeout_s = socket_timeout_s
        self.client: Any = client or _redis_client(url, socket_timeout_s)
        self._claim_cursor: dict[str, str] = {}

    async def _call(self, what: str, coro: Any) -> Any:
        try:
            return await coro
        except Exception as exc:
            from redis.exceptions import ResponseError

            if isinstance(exc, ResponseError) and "NOGROUP" in str(exc):
                raise InputError(f"no consumer group on {self.key}: {exc}") from exc
            raise StreamError(f"redis {what} failed: {type(exc).__name__}: {exc}") from exc

    async def publish(self, segment: TranscriptSegment) -> str:
        """``XADD key MAXLEN ~ maxlen * segment <json>``; return the entry id.

        Raises:
            StreamError: Redis unreachable or refusing.
        """
        entry_id = await self._call(
            "XADD",
            self.client.xadd(
                self.key, {_FIELD: segment.to_json()}, maxlen=self.maxlen, approximate=True
            ),
        )
        return _str(entry_id)

    async def ensure_group(self, group: str, *, from_start: bool = True) -> None:
        """``XGROUP CREATE key group 0|$ MKSTREAM``, ignoring an existing group.

        Raises:
            StreamError: Redis unreachable or refusing.
        """
        from redis.exceptions import ResponseError

        try:
            await self.client.xgroup_create(
                self.key, group, id="0" if from_start else "$", mkstream=True
            )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise StreamError(f"redis XGROUP CREATE failed: {exc}") from exc
        except Exception as exc:
            raise StreamError(f"redis XGROUP CREATE failed: {type(exc).__name__}") from exc

    async def _decode(
        self, group: str, entries: list[Any], counts: dict[str, int] | None = None
    ) -> list[Delivery]:
        out: list[Delivery] = []
        poison: list[str] = []
        for raw_id, fields in entries:
            entry_id = _str(raw_id)
            if not fields:  # deleted (trimmed) while pending
                poison.append(entry_id)
                continue
            try:
                segment = TranscriptSegment.from_json(fields[_FIELD.encode()])
            except (KeyError, InputError):
                log.error("malformed stream entry dropped", extra={"entry_id": entry_id})
                poison.append(entry_id)
                continue
            out.append(Delivery(entry_id, segment, (counts or {}).get(entry_id, 1)))
        if poison:
            await self.ack(group, poison)
        return out

    async def read(
        self, group: str, consumer: str, *, count: int = 32, block_ms: int = 0
    ) -> list[Delivery]:
        """``XREADGROUP GROUP g c COUNT n [BLOCK ms] STREAMS key >``.

        Raises:
            StreamError: Redis unreachable or refusing.
            InputError: the group does not exist.
        """
        reply = await self._call(
            "XREADGROUP",
            self.client.xreadgroup(
                group, consumer, {self.key: ">"}, count=count, block=block_ms or None
            ),
        )
        if not reply:
            return []
        _, entries = reply[0]
        return await self._decode(group, entries)

    async def ack(self, group: str, entry_ids: list[str]) -> int:
        """``XACK key group id...``; return how many were pending.

        Raises:
            StreamError: Redis unreachable or refusing.
        """
        if not entry_ids:
            return 0
        return int(await self._call("XACK", self.client.xack(self.key, group, *entry_ids)))

    async def claim_stale(
        self, group: str, consumer: str, *, min_idle_ms: int, count: int = 32
    ) -> list[Delivery]:
        """``XAUTOCLAIM key group consumer min_idle cursor COUNT n`` (a cursor per group).

        Raises:
            StreamError: Redis unreachable or refusing.
        """
        start = self._claim_cursor.get(group, "0-0")
        reply = await self._call(
            "XAUTOCLAIM",
            self.client.xautoclaim(
                self.key, group, consumer, min_idle_ms, start_id=start, count=count
            ),
        )
        cursor, entries = _str(reply[0]), reply[1]
        self._claim_cursor[group] = cursor
        if not entries:
            return []
        ids = [_str(e[0]) for e in entries]
        rows = await self._call(
            "XPENDING",
            self.client.xpending_range(
                self.key, group, min=ids[0], max=ids[-1], count=len(ids), consumername=consumer
            ),
        )
        counts = {_str(r["message_id"]): int(r["times_delivered"]) for r in rows}
        return await self._decode(group, entries, counts)

    async def pending_count(self, group: str) -> int:
        """``XPENDING key group`` summary count.

        Raises:
            StreamError: Redis unreachable or refusing.
        """
        summary = await self._call("XPENDING", self.client.xpending(self.key, group))
        return int(summary["pending"])

    def processed_log(self) -> RedisProcessedLog:
        """The processed log consumers of this stream share (keys ``<key>:processed:*``)."""
        return RedisProcessedLog(self.client, prefix=f"{self.key}:processed:")

    async def delete(self) -> None:
        """Delete the stream key (tests and benches clean up with it)."""
        await self._call("DEL", self.client.delete(self.key))

    async def aclose(self) -> None:
        """Close the connection pool."""
        try:
            await self.client.aclose()
        except Exception:  # closing a dead connection is not an error worth raising
            log.debug("redis close failed", exc_info=True)


class RedisProcessedLog:
    """A consumer group's processed segment ids in Redis (``SET key 1 NX EX ttl``).

    Shared by every consumer of the group, in any process, so a consumer that
    takes over a dead one's pending entries skips those already handled.

    Args:
        client: a ``redis.asyncio.Redis`` client (e.g. ``RedisStream.client``).
        prefix: key prefix.
        ttl_s: how long a processed id is remembered, seconds.
    """

    def __init__(self, client: Any, *, prefix: str = "switchboard:processed:", ttl_s: int = 86_400):
        self.client = client
        self.prefix = prefix
        self.ttl_s = ttl_s

    async def seen(self, key: str) -> bool:
        """``EXISTS prefix+key``."""
        return bool(await self.client.exists(self.prefix + key))

    async def mark(self, key: str) -> None:
        """``SET prefix+key 1 NX EX ttl``."""
        await self.client.set(self.prefix + key, b"1", nx=True, ex=self.ttl_s)


class FailoverStream:
    """A primary stream (Redis, Kinesis) with an in-process fallback.

    A failed publish goes to the fallback and the primary is skipped for
    ``retry_after_s``; reads serve the fallback's entries first, then the
    primary's. Entry ids are prefixed (``p:`` / ``f:``) so acknowledgements
    reach the stream that delivered the entry. A segment published to the
    fallback is seen only by consumers of this process.

    Args:
        primary: the stream used while it works.
        fallback: where segments go while it does not (default in-process).
        retry_after_s: cool-down before the primary is tried again, seconds.
    """

    def __init__(
        self,
        primary: SegmentStream,
        fallback: SegmentStream | None = None,
        *,
        retry_after_s: float = 5.0,
    ) -> None:
        self.primary = primary
        self.fallback: SegmentStream = fallback or InProcessStream(name="fallback")
        self.retry_after_s = retry_after_s
        self.name = f"failover:{primary.name}"
        self._down_until = 0.0
        #: group → from_start while the group still has to be created on the primary.
        self._primary_groups: dict[str, bool | None] = {}
        self.failovers = 0

    @property
    def primary_up(self) -> bool:
        """False during the cool-down after a primary failure."""
        return time.monotonic() >= self._down_until

    def _down(self, what: str, exc: Exception) -> None:
        self.failovers += 1
        self._down_until = time.monotonic() + self.retry_after_s
        log.warning(
            "%s on %s failed (%s); using the in-process stream for %.0f s",
            what,
            self.primary.name,
            type(exc).__name__,
            self.retry_after_s,
        )

    async def publish(self, segment: TranscriptSegment) -> str:
        """Publish on the primary, or on the fallback when the primary is down."""
        if self.primary_up:
            try:
                return "p:" + await self.primary.publish(segment)
            except (StreamError, OSError, TimeoutError) as exc:
                self._down("publish", exc)
        return "f:" + await self.fallback.publish(segment)

    async def ensure_group(self, group: str, *, from_start: bool = True) -> None:
        """Create the group on both streams (the primary's failure is logged)."""
        await self.fallback.ensure_group(group, from_start=from_start)
        self._primary_groups.setdefault(group, from_start)
        if self.primary_up:
            try:
                await self._primary_group(group)
            except (StreamError, OSError, TimeoutError) as exc:
                self._down("ensure_group", exc)

    async def _primary_group(self, group: str) -> None:
        """Create the group on the primary once (it may have been down at start)."""
        from_start = self._primary_groups.get(group, True)
        if from_start is not None:
            await self.primary.ensure_group(group, from_start=from_start)
            self._primary_groups[group] = None

    @staticmethod
    def _tag(prefix: str, ds: list[Delivery]) -> list[Delivery]:
        return [Delivery(prefix + d.entry_id, d.segment, d.delivery_count) for d in ds]

    async def read(
        self, group: str, consumer: str, *, count: int = 32, block_ms: int = 0
    ) -> list[Delivery]:
        """Fallback entries first (without waiting), then the primary's."""
        out = self._tag("f:", await self.fallback.read(group, consumer, count=count))
        if out:
            return out
        if self.primary_up:
            try:
                await self._primary_group(group)
                got = await self.primary.read(group, consumer, count=count, block_ms=block_ms)
                return self._tag("p:", got)
            except (StreamError, OSError, TimeoutError) as exc:
                self._down("read", exc)
        got = await self.fallback.read(group, consumer, count=count, block_ms=block_ms)
        return self._tag("f:", got)

    async def ack(self, group: str, entry_ids: list[str]) -> int:
        """Route each id to the stream that delivered it."""
        done = await self.fallback.ack(group, [e[2:] for e in entry_ids if e.startswith("f:")])
        primary = [e[2:] for e in entry_ids if e.startswith("p:")]
        if primary:
            try:
                done += await self.primary.ack(group, primary)
            except (StreamError, OSError, TimeoutError) as exc:
                self._down("ack", exc)  # stays pending there; re-claimed and skipped later
        return done

    async def claim_stale(
        self, group: str, consumer: str, *, min_idle_ms: int, count: int = 32
    ) -> list[Delivery]:
        """Stale entries of the fallback, then of the primary."""
        out = self._tag(
            "f:",
            await self.fallback.claim_stale(group, consumer, min_idle_ms=min_idle_ms, count=count),
        )
        if out or not self.primary_up:
            return out
        try:
            await self._primary_group(group)
            got = await self.primary.claim_stale(
                group, consumer, min_idle_ms=min_idle_ms, count=count
            )
        except (StreamError, OSError, TimeoutError) as exc:
            self._down("claim", exc)
            return []
        return self._tag("p:", got)

    async def pending_count(self, group: str) -> int:
        """Pending entries on both streams (the primary's only while it is up)."""
        n = await self.fallback.pending_count(group)
        if self.primary_up:
            try:
                n += await self.primary.pending_count(group)
            except (StreamError, OSError, TimeoutError) as exc:
                self._down("pending", exc)
        return n

    def processed_log(self) -> ProcessedLog | None:
        """The primary's shared processed log with an in-process copy, or None.

        A :class:`FailoverProcessedLog`; None when the primary has none (every consumer
        then keeps its own in memory). Without it, consumers of a Redis stream behind
        the failover each kept a private log: a segment a turn had scored and marked on
        one replica was scored, and its contact read and stored, again on the replica
        whose consumer it was delivered to (``bench/cluster_load.py``: about half of all
        turns at 2 replicas).
        """
        factory = getattr(self.primary, "processed_log", None)
        if not callable(factory):
            return None
        return FailoverProcessedLog(factory(), self)

    async def aclose(self) -> None:
        """Close both streams."""
        await asyncio.gather(self.primary.aclose(), self.fallback.aclose())


class FailoverProcessedLog:
    """A consumer group's processed log in the primary, with an in-process copy.

    ``mark`` writes both; ``seen`` answers from the copy first, then asks the
    primary. While the primary is down (the stream's cool-down, or this log's own
    call failing) only the copy is used, so a consumer keeps working and still
    skips what this process handled; other processes' marks are missed until the
    primary is back.

    Args:
        primary: the shared log (``RedisStream.processed_log()``).
        stream: the failover stream whose up/down state it follows.
    """

    def __init__(self, primary: ProcessedLog, stream: FailoverStream) -> None:
        self.primary = primary
        self.stream = stream
        self.local = MemoryProcessedLog()

    async def seen(self, key: str) -> bool:
        """True when this process or (while reachable) any process marked ``key``."""
        if await self.local.seen(key):
            return True
        if self.stream.primary_up:
            try:
                return await self.primary.seen(key)
            except Exception as exc:  # redis-py's own errors are not OSError
                self.stream._down("processed-log read", exc)
        return False

    async def mark(self, key: str) -> None:
        """Mark ``key`` here and, while reachable, in the primary (never raises)."""
        await self.local.mark(key)
        if self.stream.primary_up:
            try:
                await self.primary.mark(key)
            except Exception as exc:
                self.stream._down("processed-log write", exc)
