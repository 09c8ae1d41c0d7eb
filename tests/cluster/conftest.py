"""Fixtures for the cluster tests: Redis clients with a key prefix unique to the test.

Keys live under ``i14-replicas-test:<uuid>`` and are deleted afterwards. When Redis
at ``SWITCHBOARD_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``) does not
answer, Redis tests skip with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

REDIS_URL = os.environ.get("SWITCHBOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def prefix() -> str:
    return f"i14-replicas-test:{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def new_redis(prefix: str) -> AsyncIterator[Callable[[], Awaitable[Any]]]:
    """A factory of Redis clients (one per simulated replica); keys removed afterwards."""
    from redis import asyncio as aioredis

    clients: list[Any] = []

    async def make() -> Any:
        client = aioredis.from_url(REDIS_URL, socket_connect_timeout=2)
        try:
            await client.ping()
        except Exception as exc:
            await client.aclose()
            pytest.skip(f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}: {exc}")
        clients.append(client)
        return client

    yield make
    if clients:
        keys = [k async for k in clients[0].scan_iter(match=prefix + "*")]
        if keys:
            await clients[0].delete(*keys)
    for client in clients:
        await client.aclose()
