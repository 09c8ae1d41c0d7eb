"""The replica's Redis client waits for a free connection instead of failing (issue 14).

Found with ``bench/cluster_load.py`` at 250 chat sockets per replica: redis-py's
default pool raises "Too many connections" past 100 commands in flight, and the
turn locks, claims and frame appends that failed lost customers' messages.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from switchboard.cluster import build_cluster
from switchboard.config import Settings

REDIS_URL = os.environ.get("SWITCHBOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def test_more_commands_in_flight_than_connections_all_complete(prefix: str) -> None:
    settings = Settings(
        cluster={
            "backend": "redis",
            "redis_url": REDIS_URL,
            "key_prefix": prefix,
            "redis_max_connections": 32,
            "redis_pool_wait_s": 10,
        }
    )
    try:
        cluster = await build_cluster(settings)
    except OSError as exc:  # redis.ConnectionError is an OSError too
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    redis = cluster.redis
    assert redis is not None
    try:
        # each BLPOP holds its connection for 0.2 s: 150 in flight (redis-py's default pool
        # fails past 100) wait their turn for one of 32
        results = await asyncio.gather(
            *(redis.blpop([f"{prefix}:empty:{i}"], timeout=0.2) for i in range(150)),
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        assert not failures, failures[:3]
        assert results == [None] * 150
    finally:
        await cluster.aclose()
