"""A Redis consumer process SIGKILLed mid-batch: nothing is lost, nothing counted twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
import uuid
from typing import Any

import pytest

from switchboard.analytics.stream import TranscriptSegment
from switchboard.analytics.stream_consumer import StreamConsumer
from switchboard.analytics.stream_redis import RedisStream
from switchboard.domain.types import Source

REDIS_URL = os.environ.get("SWITCHBOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from switchboard.analytics.stream_consumer import StreamConsumer
    from switchboard.analytics.stream_redis import RedisStream

    async def main(url, key):
        stream = RedisStream(url, key=key)
        client = stream.client

        async def count(segment):
            await asyncio.sleep(0.05)  # slow work: the kill lands here
            await client.hincrby(key + ":ledger", segment.segment_id, 1)

        consumer = StreamConsumer(
            stream, "g", count, consumer="doomed", processed=stream.processed_log(), batch=10
        )
        while True:
            await consumer.poll(block_ms=100)

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


@pytest.mark.integration
async def test_sigkilled_consumer_process_loses_nothing_and_doubles_nothing() -> None:
    key = f"switchboard-test:{uuid.uuid4().hex}"
    stream = RedisStream(REDIS_URL, key=key)
    client: Any = stream.client
    try:
        await client.ping()
    except Exception as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    proc: asyncio.subprocess.Process | None = None
    try:
        segs = [
            TranscriptSegment(contact_id="c", speaker=Source.CUSTOMER, text=f"u{i}")
            for i in range(30)
        ]
        await stream.ensure_group("g")
        for s in segs:
            await stream.publish(s)
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", WORKER, REDIS_URL, key)
        for _ in range(600):
            if await client.hlen(key + ":ledger") >= 5:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        await asyncio.wait_for(proc.wait(), 10)
        done_before = await client.hlen(key + ":ledger")
        assert 5 <= done_before < 30
        assert await stream.pending_count("g") > 0  # the rest of its batch is stuck pending

        async def count(segment: TranscriptSegment) -> None:
            await client.hincrby(key + ":ledger", segment.segment_id, 1)

        survivor = StreamConsumer(
            stream,
            "g",
            count,
            consumer="survivor",
            processed=stream.processed_log(),
            batch=10,
            claim_idle_ms=200,
        )
        for _ in range(200):
            await survivor.poll(block_ms=50)
            if await client.hlen(key + ":ledger") == 30 and await stream.pending_count("g") == 0:
                break
            await asyncio.sleep(0.02)
        ledger = {k.decode(): int(v) for k, v in (await client.hgetall(key + ":ledger")).items()}
        assert set(ledger) == {s.segment_id for s in segs}  # nothing lost
        assert set(ledger.values()) == {1}  # nothing counted twice
        assert await stream.pending_count("g") == 0
        assert survivor.handled == 30 - done_before
    finally:
        if proc is not None and proc.returncode is None:
            proc.kill()
            await proc.wait()
        keys = [k async for k in client.scan_iter(match=key + "*")]
        if keys:
            await client.delete(*keys)
        await stream.aclose()
