"""Sequenced frame channels: live delivery, resume after a drop, across replicas, fencing.

Every behaviour runs on the in-process channels and on two ``RedisChannels`` over
two clients (two replicas sharing the real Redis).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from switchboard.cluster.frames import (
    FrameChannels,
    LocalChannels,
    RedisChannels,
    StaleFenceError,
    Subscription,
)
from switchboard.cluster.locks import LocalClaims, MessageClaims


async def drain(sub: Subscription, n: int) -> list[dict[str, Any]]:
    return [await asyncio.wait_for(sub.queue.get(), 5) for _ in range(n)]


def nothing_more(sub: Subscription) -> bool:
    return sub.queue.empty()


@pytest.fixture(params=["local", "redis"])
async def replicas(
    request: pytest.FixtureRequest, prefix: str, new_redis: Callable[[], Awaitable[Any]]
) -> AsyncIterator[tuple[FrameChannels, FrameChannels]]:
    """Two replicas' channels: the same object in process, two clients on Redis."""
    if request.param == "local":
        local = LocalChannels(retain=50)
        yield local, local
        return
    made = []
    for _ in range(2):
        channels = RedisChannels(await new_redis(), prefix=prefix, retain=50, ttl_s=120)
        await channels.start()
        made.append(channels)
    yield made[0], made[1]
    for channels in made:
        await channels.aclose()


async def test_frames_are_numbered_and_reach_a_socket_on_another_replica(
    replicas: tuple[FrameChannels, FrameChannels],
) -> None:
    a, b = replicas
    sub = await b.subscribe("c:1")
    assert sub.last == 0
    for i in range(5):
        assert await a.append("c:1", {"type": "agent_message", "text": f"m{i}"}) == i + 1
    got = await drain(sub, 5)
    assert [f["seq"] for f in got] == [1, 2, 3, 4, 5]
    assert [f["text"] for f in got] == ["m0", "m1", "m2", "m3", "m4"]
    await asyncio.sleep(0.2)
    assert nothing_more(sub), "a frame was delivered twice"
    b.unsubscribe(sub)


async def test_a_reconnect_gets_every_missed_frame_once_then_live_ones(
    replicas: tuple[FrameChannels, FrameChannels],
) -> None:
    a, b = replicas
    first = await a.subscribe("c:2")
    for i in range(3):
        await a.append("c:2", {"type": "reply", "text": f"r{i}"})
    seen = await drain(first, 2)  # the socket drops after two frames
    a.unsubscribe(first)
    for i in range(3, 6):  # published while nobody listened
        await a.append("c:2", {"type": "reply", "text": f"r{i}"})
    again = await b.subscribe("c:2", after=seen[-1]["seq"])
    a.publish("c:2", {"type": "reply", "text": "r6"})
    got = await drain(again, 5)
    assert [f["text"] for f in got] == ["r2", "r3", "r4", "r5", "r6"]
    assert [f["seq"] for f in got] == [3, 4, 5, 6, 7]
    await asyncio.sleep(0.2)
    assert nothing_more(again)


async def test_resume_beyond_the_log_says_resync(
    replicas: tuple[FrameChannels, FrameChannels],
) -> None:
    a, b = replicas
    await a.append("c:3", {"type": "reply", "text": "only"})
    sub = await b.subscribe("c:3", after=40)  # e.g. the log was lost with a restart
    frame = await asyncio.wait_for(sub.queue.get(), 5)
    assert frame == {"type": "resync", "seq": 1}
    trimmed = await b.subscribe("c:3x")
    for i in range(400):  # retain=50 (MAXLEN ~ trims whole nodes): early frames go
        await a.append("c:3x", {"type": "reply", "text": str(i)})
    b.unsubscribe(trimmed)
    late = await b.subscribe("c:3x", after=1)
    first = await asyncio.wait_for(late.queue.get(), 5)
    assert first["type"] == "resync"


async def test_many_publishers_keep_one_order_per_key(
    replicas: tuple[FrameChannels, FrameChannels],
) -> None:
    a, b = replicas
    sub_a = await a.subscribe("c:4")
    sub_b = await b.subscribe("c:4")
    await asyncio.gather(
        *(ch.append("c:4", {"type": "x", "n": n}) for n in range(40) for ch in (a, b))
    )
    got_a, got_b = await drain(sub_a, 80), await drain(sub_b, 80)
    assert [f["seq"] for f in got_a] == list(range(1, 81))
    assert got_a == got_b, "two sockets of one key saw different orders"


@pytest.fixture(params=["local", "redis"])
async def channels_and_claims(
    request: pytest.FixtureRequest, prefix: str, new_redis: Callable[[], Awaitable[Any]]
) -> AsyncIterator[tuple[FrameChannels, Any]]:
    if request.param == "local":
        yield LocalChannels(), LocalClaims()
        return
    client = await new_redis()
    channels = RedisChannels(client, prefix=prefix)
    await channels.start()
    yield channels, MessageClaims(client, prefix=prefix, ttl_ms=600)
    await channels.aclose()


async def test_a_message_is_answered_once_and_a_stale_claim_cannot_append(
    channels_and_claims: tuple[FrameChannels, Any],
) -> None:
    channels, claims = channels_and_claims
    claim = await claims.claim("c5", "m1")
    assert claim.fence is not None and claim.done_seq is None
    seq = await channels.append("c:c5", {"type": "reply", "text": "hi"}, fence=claim.fence)
    again = await claims.claim("c5", "m1")  # re-sent after a reconnect
    assert again.fence is None and again.done_seq == seq
    with pytest.raises(StaleFenceError):  # the claim is done: its token no longer holds
        await channels.append("c:c5", {"type": "reply", "text": "dup"}, fence=claim.fence)

    held = await claims.claim("c5", "m2")
    assert held.fence is not None
    await claims.release(held.fence)  # the turn failed: a re-send runs it again
    retry = await claims.claim("c5", "m2")
    assert retry.fence is not None and retry.fence.token != held.fence.token
    with pytest.raises(StaleFenceError):
        await channels.append("c:c5", {"type": "reply", "text": "stale"}, fence=held.fence)
    await channels.append("c:c5", {"type": "reply", "text": "fresh"}, fence=retry.fence)
    sub = await channels.subscribe("c:c5", after=0)
    texts = [f["text"] for f in await drain(sub, 2)]
    assert texts == ["hi", "fresh"]


async def test_a_dead_holders_claim_expires_and_the_successor_fences_it_out(
    prefix: str, new_redis: Callable[[], Awaitable[Any]]
) -> None:
    a_client, b_client = await new_redis(), await new_redis()
    a_claims = MessageClaims(a_client, prefix=prefix, ttl_ms=500)
    b_claims = MessageClaims(b_client, prefix=prefix, ttl_ms=500)
    channels = RedisChannels(b_client, prefix=prefix)
    await channels.start()
    try:
        dead = await a_claims.claim("c6", "m1")  # replica A claims, then "dies" (no renewal)
        assert dead.fence is not None
        started = asyncio.get_running_loop().time()
        taken = await b_claims.claim("c6", "m1", wait_s=5)  # B waits for the lease to expire
        assert taken.fence is not None and taken.fence.token > dead.fence.token
        assert asyncio.get_running_loop().time() - started >= 0.3
        with pytest.raises(StaleFenceError):
            await channels.append("c:c6", {"type": "reply"}, fence=dead.fence)
        assert await channels.append("c:c6", {"type": "reply"}, fence=taken.fence) == 1
    finally:
        await channels.aclose()


async def test_a_relay_and_its_acknowledgement_are_appended_together_or_not_at_all(
    channels_and_claims: tuple[FrameChannels, Any],
) -> None:
    channels, claims = channels_and_claims
    agent = await channels.subscribe("a:alice")
    claim = await claims.claim("c7", "m1")
    seqs = await channels.append_many(
        [("a:alice", {"type": "customer_message", "text": "hi"}),
         ("c:c7", {"type": "delivered", "in_reply_to": "m1"})],
        fence=claim.fence,
    )  # fmt: skip
    assert seqs == [1, 1]
    assert (await claims.claim("c7", "m1")).done_seq == 1
    with pytest.raises(StaleFenceError):  # a stale holder adds neither frame
        await channels.append_many(
            [("a:alice", {"type": "customer_message", "text": "hi"})], fence=claim.fence
        )
    got = await drain(agent, 1)
    assert got[0]["text"] == "hi"
    await asyncio.sleep(0.2)
    assert nothing_more(agent)
