"""Fixtures for the analytics tests: a stream per backend (in-process and the real Redis).

Redis tests use a stream key unique to the test and delete it (and the
processed-log keys) afterwards. When Redis at ``SWITCHBOARD_TEST_REDIS_URL``
(default ``redis://127.0.0.1:6379/0``) does not answer, they skip with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

REDIS_URL = os.environ.get("SWITCHBOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def _redis_or_skip() -> Any:
    from redis import asyncio as aioredis

    client = aioredis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}: {exc}")
    return client


@pytest.fixture
async def redis_client() -> AsyncIterator[Any]:
    client = await _redis_or_skip()
    yield client
    await client.aclose()


@pytest.fixture
def unique_key() -> str:
    return f"switchboard-test:{uuid.uuid4().hex}"


@pytest.fixture(params=["inprocess", "redis"])
async def stream_and_log(request: pytest.FixtureRequest, unique_key: str) -> AsyncIterator[Any]:
    """(stream, processed-log factory) for each backend; Redis keys removed afterwards."""
    from switchboard.analytics.stream import InProcessStream
    from switchboard.analytics.stream_consumer import MemoryProcessedLog

    if request.param == "inprocess":
        shared = MemoryProcessedLog()
        yield InProcessStream(), lambda: shared
        return
    from switchboard.analytics.stream_redis import RedisProcessedLog, RedisStream

    client = await _redis_or_skip()
    stream = RedisStream(REDIS_URL, key=unique_key)
    prefix = unique_key + ":processed:"
    yield stream, lambda: RedisProcessedLog(client, prefix=prefix)
    keys = [k async for k in client.scan_iter(match=unique_key + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()
    await stream.aclose()
