"""Scripted angry and calm conversations through the real AgentService.

The router, anger model, tools, validation agent and store (SQLite in memory)
are the real ones; the transcript stream is in-process, Redis, or a dead
Redis that falls back to the in-process stream.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from switchboard.agent.service import AgentService
from switchboard.analytics.stream import SegmentBus
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.domain.attributes import PRIORITY_QUEUE
from switchboard.domain.types import AgentReply, ContactStatus, EventType, HandoverReason, Source
from switchboard.store import SqlStore

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]

ANGRY = [
    (
        "Hi, which debit cards do you offer?",
        "You people are useless, I've been waiting three weeks for my card!",
        "This is a joke. Nobody ever answers a simple question.",
    ),
    (
        "Hi, can I open an account online?",
        "Why do you keep asking me the same thing? I already told you!",
        "I'm sick of this, it's the worst service I've ever had.",
    ),
    (
        "Where is the branch in Leeds?",
        "That's the wrong branch AGAIN. Are you even reading what I write?",
        "Absolutely ridiculous. I'm closing my account.",
    ),
]
CALM = [
    (
        "My card was stolen yesterday.",
        "What documents do I need to open a current account?",
        "Thank you, that's helpful.",
    ),
    (
        "I lost my job so I need a cheaper account.",
        "Which accounts have no monthly fee?",
        "Online please.",
    ),
    ("hello there", "thank you", "goodbye"),
    ("no", "London", "ok"),
    (
        "Hello, where is the nearest branch to Manchester?",
        "Sadly my husband passed away, can I still open an account in my name?",
        "Great, thanks for your help.",
    ),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def agent() -> AsyncIterator[AgentService]:
    svc = await build_service(Settings(database_url="sqlite://"), store=SqlStore("sqlite://"))
    yield svc
    await svc.aclose()


async def play(agent: AgentService, lines: tuple[str, ...]) -> tuple[str, list[AgentReply]]:
    contact = await agent.start_contact()
    replies = [await agent.handle_turn(contact.contact_id, line) for line in lines]
    assert agent.sentiment is not None
    await agent.sentiment.settle()
    return contact.contact_id, replies


def frustration_turn(replies: list[AgentReply]) -> int | None:
    for i, r in enumerate(replies):
        if r.handover is not None and r.handover.reason in (
            HandoverReason.CUSTOMER_FRUSTRATION,
            HandoverReason.EXPLICIT_REQUEST,
        ):
            return i
    return None


@pytest.mark.parametrize("lines", ANGRY)
async def test_angry_customer_escalated_within_two_angry_turns(
    agent: AgentService, lines: tuple[str, ...]
) -> None:
    contact_id, replies = await play(agent, lines)
    contact = agent.store.get_contact(contact_id)
    attrs = contact.state["attributes"]
    assert attrs["RealTimeSentiment"] == "NEGATIVE"
    assert contact.state["sentiment"]["escalated"] is True
    assert contact.status is ContactStatus.TRANSFERRED
    at = frustration_turn(replies)
    assert at is not None and at <= 2, [r.handover for r in replies]
    assert (attrs["target_queue"], attrs["routing_priority"]) == (PRIORITY_QUEUE, "1")
    events = agent.contact_view(contact_id).events
    scored = [e for e in events if e.type is EventType.SENTIMENT]
    assert len(scored) == len(lines)  # one per customer segment, none for the agent's
    assert sum(1 for e in scored if e.data["escalation"]) == 1


@pytest.mark.parametrize("lines", CALM)
async def test_calm_customer_with_bad_news_not_escalated(
    agent: AgentService, lines: tuple[str, ...]
) -> None:
    contact_id, replies = await play(agent, lines)
    contact = agent.store.get_contact(contact_id)
    assert contact.state["attributes"]["RealTimeSentiment"] != "NEGATIVE"
    assert contact.state["sentiment"]["escalated"] is False
    assert all(
        r.handover is None or r.handover.reason is not HandoverReason.CUSTOMER_FRUSTRATION
        for r in replies
    )
    history = contact.state["sentiment"]["history"]
    assert [h["turn"] for h in history] == [1, 2, 3]


async def test_every_final_segment_is_published_with_speaker(agent: AgentService) -> None:
    seen: list[Any] = []

    async def grab(segment: Any) -> None:
        seen.append(segment)

    consumer = agent.segments.subscribe(f"test-{uuid.uuid4().hex[:6]}", grab, block_ms=20)
    contact = await agent.start_contact()
    reply = await agent.handle_turn(contact.contact_id, "Where is the branch in Leeds?")
    agent.publish_human_agent_message(contact.contact_id, "Hi, I'm Sam from the branch team.")
    await agent.segments.drain()
    for _ in range(200):
        if len([s for s in seen if s.contact_id == contact.contact_id]) == 3:
            break
        await asyncio.sleep(0.01)
    await consumer.stop()
    mine = [s for s in seen if s.contact_id == contact.contact_id]
    assert [s.speaker for s in mine] == [Source.CUSTOMER, Source.AI_AGENT, Source.HUMAN_AGENT]
    assert mine[1].text == reply.text
    assert all(not s.is_partial and s.turn == 1 for s in mine)
    assert mine[0].to_kinesis()["transcript"] == "Where is the branch in Leeds?"


async def _service_on(bus: SegmentBus, router: Any) -> AgentService:
    return await build_service(
        Settings(database_url="sqlite://"), store=SqlStore("sqlite://"), router=router, segments=bus
    )


@pytest.mark.parametrize("backend", ["redis", "dead-redis"])
async def test_escalation_over_redis_and_when_redis_is_dead(
    agent: AgentService, backend: str
) -> None:
    from switchboard.analytics.stream_redis import FailoverStream, RedisStream

    url = "redis://127.0.0.1:6379/0" if backend == "redis" else "redis://127.0.0.1:1/0"
    if backend == "redis":
        probe = RedisStream(url, key="probe", socket_timeout_s=1)
        try:
            await probe.client.ping()
        except Exception as exc:
            pytest.skip(f"Redis not reachable at {url}: {exc}")
        finally:
            await probe.aclose()
    key = f"switchboard-test:{uuid.uuid4().hex}"
    primary = RedisStream(url, key=key, socket_timeout_s=0.5)
    stream = FailoverStream(primary, retry_after_s=60)
    svc = await _service_on(SegmentBus(stream), agent.router)
    try:
        contact_id, replies = await play(svc, ANGRY[0])
        contact = svc.store.get_contact(contact_id)
        assert contact.state["attributes"]["RealTimeSentiment"] == "NEGATIVE"
        assert frustration_turn(replies) is not None
        if backend == "redis":
            assert stream.failovers == 0
            assert await primary.client.xlen(key) == 2 * len(ANGRY[0])
        else:
            assert stream.failovers >= 1  # logged and fell back; no turn failed
    finally:
        if backend == "redis":
            await primary.client.delete(
                key, *[k async for k in primary.client.scan_iter(key + "*")]
            )
        await svc.aclose()


async def test_escalation_after_a_handover_raises_the_queue_priority(agent: AgentService) -> None:
    contact_id, replies = await play(
        agent,
        (
            "why hasn't my transfer gone through yet",
            "You people are useless, I've been waiting for days!",
            "This is absolutely ridiculous, sort it out NOW!",
        ),
    )
    assert replies[0].handover is not None
    assert replies[0].handover.reason is HandoverReason.CAPABILITY_LIMITATION
    attrs = agent.store.get_contact(contact_id).state["attributes"]
    assert attrs["handover_reason"] == "capability_limitation"
    assert attrs["RealTimeSentiment"] == "NEGATIVE"
    assert (attrs["target_queue"], attrs["routing_priority"]) == (PRIORITY_QUEUE, "1")
