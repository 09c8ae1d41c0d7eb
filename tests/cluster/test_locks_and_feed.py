"""Contact turn locks across replicas (real Redis) and the supervisor feed between boards."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from switchboard.analytics.supervisor import SupervisorBoard
from switchboard.cluster.feed import SupervisorFeed
from switchboard.cluster.locks import ClusterContactLocks
from switchboard.domain.types import Event, EventType, Source, utcnow


async def test_two_replicas_never_hold_one_contacts_lock_together(
    prefix: str, new_redis: Callable[[], Awaitable[Any]]
) -> None:
    a = ClusterContactLocks(await new_redis(), prefix=prefix, ttl_ms=2_000)
    b = ClusterContactLocks(await new_redis(), prefix=prefix, ttl_ms=2_000)
    inside = 0
    most = 0
    tokens: list[int] = []

    async def turn(locks: ClusterContactLocks) -> None:
        nonlocal inside, most
        async with locks.lock("contact-1") as fence:
            tokens.append(fence.token)
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(turn(a if i % 2 else b) for i in range(20)))
    assert most == 1
    assert tokens == sorted(tokens) and len(set(tokens)) == 20, "fencing tokens must grow"


async def test_a_lock_held_longer_than_its_lease_is_renewed(
    prefix: str, new_redis: Callable[[], Awaitable[Any]]
) -> None:
    a = ClusterContactLocks(await new_redis(), prefix=prefix, ttl_ms=600)
    b = ClusterContactLocks(await new_redis(), prefix=prefix, ttl_ms=600, wait_s=0.5)
    got_in = asyncio.Event()

    async def long_turn() -> None:
        async with a.lock("contact-2"):
            got_in.set()
            await asyncio.sleep(1.5)  # 2.5 leases: the watchdog must renew it

    holder = asyncio.create_task(long_turn())
    await got_in.wait()
    try:
        async with b.lock("contact-2"):
            raise AssertionError("took a lock that another replica still holds")
    except Exception as exc:
        assert "still held" in str(exc)
    await holder
    async with b.lock("contact-2") as fence:  # released: B gets it at once
        assert fence.token > 0


def _event(contact_id: str, text: str) -> Event:
    return Event(
        contact_id=contact_id,
        type=EventType.USER_INPUT,
        source=Source.CUSTOMER,
        data={"transcript": text, "turn": 1},
    )


async def test_a_renewal_whose_cancel_comes_back_as_an_error_still_ends_the_lock(
    prefix: str, new_redis: Callable[[], Awaitable[Any]]
) -> None:
    """Under overload a cancel landing inside a Redis call can surface as an ordinary
    error (the pool's wait timing out as the cancel arrived). The renewer used to
    take that for a blip and renew for ever, so the holder never left its lock and
    every later turn of the contact was refused as busy (bench/cluster_load.py)."""
    a = ClusterContactLocks(await new_redis(), prefix=prefix, ttl_ms=300)
    b = ClusterContactLocks(await new_redis(), prefix=prefix, ttl_ms=300, wait_s=2)
    real_renew = a._leases._renew
    in_renewal = asyncio.Event()

    async def renew_turning_cancel_into_error(*args: Any, **kwargs: Any) -> Any:
        in_renewal.set()
        try:
            await asyncio.sleep(0.2)  # a slow Redis call, cancelled half way
        except asyncio.CancelledError:
            raise ConnectionError("No connection available.") from None
        return await real_renew(*args, **kwargs)

    a._leases._renew = renew_turning_cancel_into_error  # type: ignore[method-assign]

    async def turn() -> None:
        async with a.lock("contact-3"):
            await in_renewal.wait()  # leave while the renewal is inside Redis

    holder = asyncio.create_task(turn())
    done, _ = await asyncio.wait({holder}, timeout=3)
    assert holder in done, "the holder never left its lock (its renewer did not stop)"
    async with b.lock("contact-3") as fence:  # and the lock is free, not renewed for ever
        assert fence.token > 0


async def test_the_supervisor_board_of_each_replica_sees_the_others_contacts(
    prefix: str, new_redis: Callable[[], Awaitable[Any]]
) -> None:
    listeners: dict[str, list[Callable[[Event], None]]] = {"a": [], "b": []}
    boards = {"a": SupervisorBoard(), "b": SupervisorBoard()}
    feeds = []
    for name in ("a", "b"):
        feed = SupervisorFeed(
            await new_redis(), prefix=prefix, replica_id=name, board=boards[name]
        )
        await feed.start(listeners[name].append)
        feeds.append(feed)
    try:
        event = _event("contact-a", "my card is lost")
        boards["a"].observe(event)  # replica A's audit sink feeds its own board …
        for listener in listeners["a"]:
            listener(event)  # … and the feed
        for _ in range(100):
            if (seen := boards["b"].get("contact-a")) is not None:
                break
            await asyncio.sleep(0.05)
        assert seen is not None and [x.text for x in seen.lines] == ["my card is lost"]
        # The agent's line is noted where the transcript stream delivered it: replica B.
        boards["b"].note_human_message("contact-a", "Alice here", utcnow())
        for _ in range(100):
            line_on_a = boards["a"].get("contact-a")
            if line_on_a and any(x.speaker == "HUMAN_AGENT" for x in line_on_a.lines):
                break
            await asyncio.sleep(0.05)
        assert line_on_a is not None
        assert [x.text for x in line_on_a.lines] == ["my card is lost", "Alice here"]
        only_b = boards["b"].get("contact-a")
        assert only_b is not None and len(only_b.lines) == 2, "a replica applied its own echo"
    finally:
        for feed in feeds:
            await feed.aclose()


async def test_a_burst_of_events_is_one_publish(
    prefix: str, new_redis: Callable[[], Awaitable[Any]]
) -> None:
    """A turn's events reach the other replica together, in one Redis message, in order."""
    listeners: list[Callable[[Event], None]] = []
    board_b = SupervisorBoard()
    feed_a = SupervisorFeed(
        await new_redis(), prefix=prefix, replica_id="a", board=SupervisorBoard()
    )
    feed_b = SupervisorFeed(await new_redis(), prefix=prefix, replica_id="b", board=board_b)
    watcher = await new_redis()
    pubsub = watcher.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(f"{prefix}:board")
    await feed_a.start(listeners.append)
    await feed_b.start(lambda _listener: None)
    try:
        for i in range(5):  # as an audit flush delivers a turn's events, back to back
            for listener in listeners:
                listener(_event("contact-burst", f"line {i}"))
        messages = []
        for _ in range(40):
            got = await pubsub.get_message(timeout=0.05)
            if got is not None:
                messages.append(got)
            seen = board_b.get("contact-burst")
            if seen is not None and len(seen.lines) == 5:
                break
        assert seen is not None and [x.text for x in seen.lines] == [f"line {i}" for i in range(5)]
        assert len(messages) == 1
    finally:
        await pubsub.aclose()
        await feed_a.aclose()
        await feed_b.aclose()
