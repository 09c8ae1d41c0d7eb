"""The processed log behind the failover stream is shared across processes (issue 14).

A turn scores its own customer segment and marks it processed for the ``sentiment``
group before publishing it. Consumers on other replicas must then skip it: before
this, ``FailoverStream`` offered no shared log, every consumer kept its own in
memory, and about half of all turns were scored, read and stored a second time on
the replica whose consumer the segment was delivered to.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from switchboard.analytics.stream import SegmentBus, TranscriptSegment
from switchboard.analytics.stream_redis import FailoverProcessedLog, FailoverStream, RedisStream
from switchboard.domain.types import Source

REDIS_URL = os.environ.get("SWITCHBOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class _DeadLog:
    """A shared log whose backend is down."""

    def __init__(self) -> None:
        self.calls = 0

    async def seen(self, key: str) -> bool:
        self.calls += 1
        raise ConnectionError("Redis is down")

    async def mark(self, key: str) -> None:
        self.calls += 1
        raise ConnectionError("Redis is down")


class _NoLogStream:
    """A primary without a shared log (as a Kinesis stream would be)."""

    name = "nolog"


async def test_a_dead_primary_log_falls_back_to_this_process_and_never_raises() -> None:
    stream = FailoverStream(RedisStream("redis://127.0.0.1:1/0", key="k"), retry_after_s=60)
    dead = _DeadLog()
    log = FailoverProcessedLog(dead, stream)
    await log.mark("sentiment:s1")  # the primary's failure is logged, not raised
    assert not stream.primary_up and stream.failovers == 1
    assert await log.seen("sentiment:s1")  # this process still remembers its own marks
    assert not await log.seen("sentiment:s2")
    assert dead.calls == 1  # while the primary cools down it is not asked again


def test_a_primary_without_a_shared_log_offers_none() -> None:
    assert FailoverStream(_NoLogStream()).processed_log() is None  # type: ignore[arg-type]


@pytest.mark.integration
async def test_a_segment_marked_on_one_replica_is_skipped_by_the_other() -> None:
    key = f"switchboard-test:{uuid.uuid4().hex}"
    admin = RedisStream(REDIS_URL, key=key)
    try:
        await admin.client.ping()
    except Exception as exc:
        await admin.aclose()
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    turn_replica = FailoverStream(RedisStream(REDIS_URL, key=key))
    other_replica = SegmentBus(FailoverStream(RedisStream(REDIS_URL, key=key)))
    handled: list[str] = []

    async def handle(segment: TranscriptSegment) -> None:
        handled.append(segment.text)

    try:
        consumer = other_replica.subscribe("sentiment", handle, consumer="r1", block_ms=50)
        assert isinstance(consumer.processed, FailoverProcessedLog)
        marks = turn_replica.processed_log()
        assert marks is not None
        scored = [
            TranscriptSegment(contact_id="c", speaker=Source.CUSTOMER, text=f"turn {i}")
            for i in range(20)
        ]
        relayed = [
            TranscriptSegment(contact_id="c", speaker=Source.CUSTOMER, text=f"to agent {i}")
            for i in range(4)
        ]
        for segment in scored:  # as LiveSentiment.score_turn does before publishing
            await marks.mark(f"sentiment:{segment.segment_id}")
        for segment in [*scored, *relayed]:
            await turn_replica.publish(segment)
        for _ in range(250):
            if consumer.duplicates + consumer.handled >= len(scored) + len(relayed):
                break
            await asyncio.sleep(0.02)
        assert handled == [s.text for s in relayed]  # only what no turn had scored
        assert consumer.duplicates == len(scored)
    finally:
        await other_replica.aclose()
        await turn_replica.aclose()
        await admin.client.delete(key, *[k async for k in admin.client.scan_iter(key + "*")])
        await admin.aclose()
