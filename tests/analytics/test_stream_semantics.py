"""Stream semantics, the same tests for the in-process stream and Redis Streams."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from switchboard.analytics.stream import TranscriptSegment
from switchboard.analytics.stream_consumer import StreamConsumer
from switchboard.domain.types import Source


def _segments(n: int, contact: str = "c-1") -> list[TranscriptSegment]:
    return [
        TranscriptSegment(contact_id=contact, speaker=Source.CUSTOMER, text=f"utterance {i}")
        for i in range(n)
    ]


async def _publish(stream: Any, segments: list[TranscriptSegment]) -> None:
    for s in segments:
        await stream.publish(s)


async def test_every_group_sees_every_entry_and_consumers_of_a_group_share(
    stream_and_log: Any,
) -> None:
    stream, _ = stream_and_log
    await stream.ensure_group("a")
    await stream.ensure_group("b")
    segs = _segments(10)
    await _publish(stream, segs)
    a1 = await stream.read("a", "a1", count=4)
    a2 = await stream.read("a", "a2", count=100)
    b1 = await stream.read("b", "b1", count=100)
    assert [d.segment.segment_id for d in a1 + a2] == [s.segment_id for s in segs]
    assert [d.segment.segment_id for d in b1] == [s.segment_id for s in segs]
    assert {d.entry_id for d in a1}.isdisjoint({d.entry_id for d in a2})
    assert await stream.pending_count("a") == 10
    assert await stream.ack("a", [d.entry_id for d in a1]) == 4
    assert await stream.ack("a", [d.entry_id for d in a1]) == 0  # acknowledged once
    assert await stream.pending_count("a") == 6
    assert await stream.read("a", "a1", count=10) == []  # nothing new


async def test_segment_round_trips_unchanged(stream_and_log: Any) -> None:
    stream, _ = stream_and_log
    await stream.ensure_group("g")
    seg = TranscriptSegment(
        contact_id="c-9", speaker=Source.HUMAN_AGENT, text="Bonjour, je m'appelle Zoé", turn=3
    )
    await stream.publish(seg)
    [d] = await stream.read("g", "c", count=5)
    assert d.segment == seg
    assert d.delivery_count == 1


async def test_group_created_at_end_skips_earlier_entries(stream_and_log: Any) -> None:
    stream, _ = stream_and_log
    await stream.ensure_group("old")  # makes the stream exist
    await _publish(stream, _segments(3))
    await stream.ensure_group("late", from_start=False)
    new = _segments(2, "c-2")
    await _publish(stream, new)
    got = await stream.read("late", "x", count=10)
    assert [d.segment.segment_id for d in got] == [s.segment_id for s in new]


async def test_blocking_read_wakes_on_publish(stream_and_log: Any) -> None:
    stream, _ = stream_and_log
    await stream.ensure_group("g")
    seg = _segments(1)[0]
    reader = asyncio.create_task(stream.read("g", "c", count=1, block_ms=2000))
    await asyncio.sleep(0.05)
    await stream.publish(seg)
    got = await asyncio.wait_for(reader, 3)
    assert [d.segment.segment_id for d in got] == [seg.segment_id]


async def test_stale_entries_are_claimed_with_their_delivery_count(stream_and_log: Any) -> None:
    stream, _ = stream_and_log
    await stream.ensure_group("g")
    await _publish(stream, _segments(3))
    first = await stream.read("g", "dead", count=3)
    assert await stream.claim_stale("g", "alive", min_idle_ms=60_000) == []  # not idle yet
    await asyncio.sleep(0.06)
    claimed = await stream.claim_stale("g", "alive", min_idle_ms=50)
    assert [d.entry_id for d in claimed] == [d.entry_id for d in first]
    assert all(d.delivery_count == 2 for d in claimed)
    await stream.ack("g", [d.entry_id for d in claimed])
    assert await stream.pending_count("g") == 0


async def test_consumer_killed_mid_batch_loses_nothing_and_counts_nothing_twice(
    stream_and_log: Any,
) -> None:
    stream, processed = stream_and_log
    segs = _segments(25)
    await _publish(stream, segs)
    counted: Counter[str] = Counter()
    gate = asyncio.Event()

    async def slow(segment: TranscriptSegment) -> None:
        if len(counted) >= 4:  # the fifth segment of the first batch never finishes
            await gate.wait()
        counted[segment.segment_id] += 1

    victim = StreamConsumer(
        stream,
        "sentiment",
        slow,
        consumer="victim",
        processed=processed(),
        batch=10,
        claim_idle_ms=100,
    )
    victim.start()
    for _ in range(200):
        if len(counted) >= 4:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    await victim.stop()  # killed mid-batch: 4 handled, 6 read and never acknowledged
    assert len(counted) == 4
    assert await stream.pending_count("sentiment") == 6

    async def fast(segment: TranscriptSegment) -> None:
        counted[segment.segment_id] += 1

    survivor = StreamConsumer(
        stream,
        "sentiment",
        fast,
        consumer="survivor",
        processed=processed(),
        batch=10,
        claim_idle_ms=100,
        block_ms=20,
    )
    for _ in range(100):
        await survivor.poll()
        if len(counted) == 25 and await stream.pending_count("sentiment") == 0:
            break
        await asyncio.sleep(0.03)
    assert set(counted) == {s.segment_id for s in segs}  # nothing lost
    assert set(counted.values()) == {1}  # nothing counted twice
    assert await stream.pending_count("sentiment") == 0


async def test_redelivered_segment_is_skipped_by_segment_id(stream_and_log: Any) -> None:
    """A producer retry (the same segment twice) reaches the handler once."""
    stream, processed = stream_and_log
    seg = _segments(1)[0]
    await stream.publish(seg)
    await stream.publish(seg)
    seen: list[str] = []

    async def handler(segment: TranscriptSegment) -> None:
        seen.append(segment.segment_id)

    c = StreamConsumer(stream, "g", handler, consumer="c", processed=processed(), block_ms=10)
    await c.poll()
    assert seen == [seg.segment_id]
    assert (c.handled, c.duplicates) == (1, 1)
    assert await stream.pending_count("g") == 0


async def test_segments_a_group_does_not_accept_are_acked_without_the_log(
    stream_and_log: Any,
) -> None:
    """``accept``: other speakers' lines are settled without a handler or log look-up."""
    stream, processed = stream_and_log
    mine = _segments(1)[0]
    other = TranscriptSegment(contact_id="c-1", speaker=Source.AI_AGENT, text="a reply")
    await _publish(stream, [other, mine, other.model_copy(update={"segment_id": "s-2"})])
    log = processed()
    looked_up: list[str] = []
    seen_of = log.seen

    async def seen(key: str) -> bool:
        looked_up.append(key)
        return bool(await seen_of(key))

    log.seen = seen
    handled: list[str] = []

    async def handler(segment: TranscriptSegment) -> None:
        handled.append(segment.segment_id)

    c = StreamConsumer(
        stream, "g", handler, consumer="c", processed=log, block_ms=10,
        accept=lambda s: s.speaker is Source.CUSTOMER,
    )  # fmt: skip
    await c.poll()
    assert handled == [mine.segment_id]
    assert looked_up == [f"g:{mine.segment_id}"]
    assert (c.handled, c.duplicates) == (1, 2)
    assert await stream.pending_count("g") == 0


async def test_failing_handler_is_retried_then_dropped(stream_and_log: Any) -> None:
    stream, processed = stream_and_log
    await stream.publish(_segments(1)[0])
    calls = 0

    async def broken(segment: TranscriptSegment) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("consumer bug")

    c = StreamConsumer(
        stream,
        "g",
        broken,
        consumer="c",
        processed=processed(),
        claim_idle_ms=0,
        max_deliveries=3,
        block_ms=10,
    )
    for _ in range(5):
        await c.poll()
    assert calls == 3
    assert c.dead_lettered == 1
    assert await stream.pending_count("g") == 0


@pytest.mark.parametrize("n", [1, 50])
async def test_bus_subscription_delivers_in_order(n: int) -> None:
    from switchboard.analytics.stream import SegmentBus

    bus = SegmentBus()
    got: list[str] = []

    async def handler(segment: TranscriptSegment) -> None:
        got.append(segment.text)

    bus.subscribe("g", handler, block_ms=20)
    segs = _segments(n)
    assert all(bus.publish_nowait(s) for s in segs)
    await bus.drain()
    for _ in range(100):
        if len(got) == n:
            break
        await asyncio.sleep(0.01)
    await bus.aclose()
    assert got == [s.text for s in segs]


async def test_bus_drops_when_full_and_never_raises() -> None:
    from switchboard.analytics.stream import SegmentBus

    class Stuck:
        name = "stuck"

        async def publish(self, segment: TranscriptSegment) -> str:
            await asyncio.sleep(10)
            return "never"

        async def aclose(self) -> None:
            pass

    bus = SegmentBus(Stuck(), max_queue=2, publish_timeout_s=0.05)  # type: ignore[arg-type]
    results = [bus.publish_nowait(s) for s in _segments(5)]
    assert results[:2] == [True, True] and bus.dropped >= 2
    await asyncio.sleep(0.3)
    assert bus.failed >= 1  # timed out on the backend, logged, the caller never saw it
    await bus.aclose()


def test_create_bus_per_backend() -> None:
    from switchboard.analytics.stream import InProcessStream, create_bus
    from switchboard.analytics.stream_redis import FailoverStream, RedisStream
    from switchboard.config import StreamSettings
    from switchboard.errors import ConfigError

    assert isinstance(create_bus(StreamSettings()).stream, InProcessStream)
    bus = create_bus(StreamSettings(backend="redis", redis_key="k"))
    assert isinstance(bus.stream, FailoverStream)
    assert isinstance(bus.stream.primary, RedisStream) and bus.stream.primary.key == "k"
    with pytest.raises(ConfigError):
        create_bus(StreamSettings(backend="kafka"))


async def test_stale_entries_are_looked_for_every_half_idle_time_not_every_round(
    stream_and_log: Any,
) -> None:
    stream, log = stream_and_log
    looks = 0
    claim_stale = stream.claim_stale

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal looks
        looks += 1
        return await claim_stale(*args, **kwargs)

    stream.claim_stale = counted
    seen: list[str] = []

    async def handle(segment: TranscriptSegment) -> None:
        seen.append(segment.text)

    await stream.ensure_group("g")
    await _publish(stream, _segments(3))
    await stream.read("g", "dead", count=3)  # read, never acknowledged: left pending
    alive = StreamConsumer(stream, "g", handle, consumer="alive", processed=log(),
                           claim_idle_ms=2000)  # fmt: skip
    for _ in range(4):  # rounds with nothing stale (each ≤ ~0.1 s): one look, the next
        await alive.poll(block_ms=1)  # is due 1 s later
    assert looks == 1 and seen == []
    await asyncio.sleep(2.05)  # the dead consumer's entries are now idle > 2 s
    for _ in range(5):
        await alive.poll(block_ms=1)
    assert seen == [s.text for s in _segments(3)]  # taken over all the same
    assert await stream.pending_count("g") == 0
