"""The live desk without a browser: handover, queue, agent, chat, close; closed queue → callback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from switchboard.agent.service import AgentService
from switchboard.analytics.stream import TranscriptSegment
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.domain.types import Route, Source
from switchboard.routing import AgentStatus, HoursOfOperation, RoutingEngine, RoutingStore
from switchboard.routing.desk import Desk
from switchboard.routing.engine import default_queues
from switchboard.store import SqlStore
from switchboard.testing.fakes import ScriptedRouter

SATURDAY_NOON = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TO_HUMAN = "I want to speak to a person"
TABLE = {TO_HUMAN.lower(): (Route.HANDOVER, "sb_human_request", 0.95)}


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[AgentService]:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    svc = await build_service(
        Settings(database_url=url), router=ScriptedRouter(TABLE), store=SqlStore(url)
    )
    yield svc
    await svc.aclose()


def desk_over(service: AgentService, hours: HoursOfOperation) -> Desk:
    engine = RoutingEngine(
        RoutingStore.for_store(service.store), default_queues(hours), clock=lambda: SATURDAY_NOON
    )
    desk = Desk(service.conversation, engine)
    # What the composition root does: every handover of the service now reaches this desk.
    service.conversation.set_handover_queue(desk)
    return desk


def queued(desk: Desk, contact_id: str) -> dict[str, Any]:
    frame = desk.take_handover_frame(contact_id)
    assert frame is not None, "the handover did not reach the queue"
    return frame


async def next_frame(inbox: asyncio.Queue[dict[str, Any]], kind: str) -> dict[str, Any]:
    """The next frame of ``kind``, its sequence number checked and removed."""
    while True:
        frame = await asyncio.wait_for(inbox.get(), timeout=5)
        assert isinstance(frame.pop("seq"), int)
        if frame["type"] == kind:
            return frame


async def test_handover_is_queued_routed_and_relayed_both_ways(service: AgentService) -> None:
    desk = desk_over(service, HoursOfOperation.always())
    seen: list[TranscriptSegment] = []

    async def collect(segment: TranscriptSegment) -> None:
        seen.append(segment)

    consumer = service.segments.subscribe("desk-test", collect)
    contact = await service.start_contact()
    customer = (await desk.customers.subscribe(contact.contact_id)).queue
    reply = await service.handle_turn(contact.contact_id, "I want to speak to a person")
    assert reply.handover is not None
    frame = queued(desk, contact.contact_id)
    assert frame["type"] == "queue" and frame["position"] == 1
    # No agent is staffed yet: the estimate is one AHT (default 300 s), not above the offer line.
    assert frame["ewt_seconds"] == 300 and frame["offer_callback"] is False
    assert await desk.with_humans(contact.contact_id)
    state = service.store.get_contact(contact.contact_id).state
    assert state.attributes.target_queue == "GeneralAgentQueue"
    assert state.attributes.queue_position == "1"
    assert state.routing is not None
    assert (state.routing.queue, state.routing.position) == ("GeneralAgentQueue", 1)
    assert state.routing.ewt_minutes == 5
    assert (await desk.customer_message(contact.contact_id, "Still there?"))["to"] == "queue"
    second = await service.start_contact()
    await service.handle_turn(second.contact_id, TO_HUMAN)
    later = queued(desk, second.contact_id)
    assert later["position"] == 2 and later["ewt_seconds"] == 600 and later["offer_callback"]

    agent = await desk.sign_in("Alice")
    inbox = (await desk.agents.subscribe(agent.agent_id)).queue
    await desk.set_status(agent.agent_id, AgentStatus.AVAILABLE)
    assigned = await next_frame(inbox, "assigned")
    assert assigned["contact_id"] == contact.contact_id
    assert assigned["summary"]["handover_reason"] == "explicit_request"
    sources = [m["source"] for m in assigned["transcript"]]
    assert sources[:2] == ["CUSTOMER", "AI_AGENT"] and sources[-1] == "CUSTOMER"
    assert (await next_frame(customer, "agent_joined"))["agent"] == "Alice"

    await desk.agent_message(agent.agent_id, "Hi, Alice here.")
    said = await next_frame(customer, "agent_message")
    assert said == {"type": "agent_message", "text": "Hi, Alice here.", "agent": "Alice"}
    assert (await desk.customer_message(contact.contact_id, "Thanks"))["to"] == "agent"
    heard = await next_frame(inbox, "customer_message")
    assert heard["text"] == "Thanks"

    # The human phase reaches the transcript stream too (sentiment, supervisor, summary).
    await service.segments.drain()
    for _ in range(50):
        spoken = {(x.speaker.value, x.text) for x in seen}
        if {("HUMAN_AGENT", "Hi, Alice here."), ("CUSTOMER", "Thanks")} <= spoken:
            break
        await asyncio.sleep(0.05)
    assert ("HUMAN_AGENT", "Hi, Alice here.") in spoken and ("CUSTOMER", "Thanks") in spoken
    await consumer.stop()

    await desk.close_contact(agent.agent_id, "resolved")
    assert (await next_frame(customer, "agent_left"))["disposition"] == "resolved"
    view = service.contact_view(contact.contact_id)
    human = [(e.type.value, e.data.get("text")) for e in view.events if e.source == "HUMAN_AGENT"]
    assert ("agent_reply", "Hi, Alice here.") in human
    assert {t for t, _ in human} >= {"agent_connected", "agent_reply", "disposition"}
    assert view.contact.ended_at is not None
    assert desk.engine.agent(agent.agent_id).status is AgentStatus.AVAILABLE
    assert not await desk.with_humans(contact.contact_id)


async def test_closed_queue_offers_a_callback_and_keeps_the_number_out_of_events(
    service: AgentService,
) -> None:
    desk = desk_over(service, HoursOfOperation.weekdays())
    contact = await service.start_contact()
    await service.handle_turn(contact.contact_id, "I want to speak to a person")
    frame = queued(desk, contact.contact_id)
    assert frame["type"] == "queue_closed" and frame["reason"] == "queue_closed"
    assert frame["next_open"].startswith("2026-11-23T09:00")
    callback = await desk.book_callback(contact.contact_id, "+44 7700 900123")
    assert callback.customer_phone == "+447700900123"
    assert callback.queue_id == "GeneralAgentQueue"
    assert callback.due_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    booked = [
        e
        for e in service.contact_view(contact.contact_id).events
        if e.type.value == "callback_booked"
    ]
    assert len(booked) == 1 and "900123" not in str(booked[0].data)
    assert desk.engine.callback(callback.callback_id) == callback


async def test_human_phase_messages_are_redacted_in_transcript_events_and_stream(
    service: AgentService,
) -> None:
    """The desk writes through the conversation service: card and phone numbers of the
    customer and of the human agent never reach the store, the events or the stream in
    clear; the other party still reads the message as written."""
    desk = desk_over(service, HoursOfOperation.always())
    seen: list[TranscriptSegment] = []

    async def collect(segment: TranscriptSegment) -> None:
        seen.append(segment)

    consumer = service.segments.subscribe("desk-redaction", collect)
    contact = await service.start_contact()
    customer = (await desk.customers.subscribe(contact.contact_id)).queue
    await service.handle_turn(contact.contact_id, TO_HUMAN)
    assert queued(desk, contact.contact_id)["type"] == "queue"
    agent = await desk.sign_in("Bob")
    inbox = (await desk.agents.subscribe(agent.agent_id)).queue
    await desk.set_status(agent.agent_id, AgentStatus.AVAILABLE)
    await next_frame(inbox, "assigned")

    card, phone = "4111 1111 1111 1111", "+44 7700 900123"
    await desk.customer_message(contact.contact_id, f"My card {card} was charged twice")
    assert card in (await next_frame(inbox, "customer_message"))["text"]  # the agent sees it
    await desk.agent_message(agent.agent_id, f"I will call you on {phone} shortly")
    assert phone in (await next_frame(customer, "agent_message"))["text"]

    await service.segments.drain()
    for _ in range(50):
        if sum(s.speaker in (Source.CUSTOMER, Source.HUMAN_AGENT) for s in seen) >= 3:
            break
        await asyncio.sleep(0.05)
    await consumer.stop()
    view = service.contact_view(contact.contact_id)
    stored = [m.content for m in view.messages]
    assert "My card [CARD] was charged twice" in stored
    assert "I will call you on [PHONE] shortly" in stored
    written = " ".join(
        [*stored, *(str(e.data) for e in view.events), *(s.text for s in seen)]
    )
    for secret in (card, phone, "4111111111111111", "7700 900123"):
        assert secret not in written
    human = [m for m in view.messages if m.content.startswith("I will call you")]
    assert human[0].intent == "HUMAN_AGENT"
