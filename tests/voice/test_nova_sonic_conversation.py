"""Nova Sonic writes through the one conversation service (recorded event fixtures, no AWS).

The real service (SQLite store, audit sink, in-process transcript stream, live
sentiment, MCP tools, validation agent) and the real desk: a Nova contact
stores the caller's card and phone numbers redacted, publishes its segments,
gets a live sentiment, writes hallucination logs, and a handover lands in the
human-agent queue with the sentiment in its attributes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from switchboard.agent.service import AgentService
from switchboard.compose import build_desk, build_service
from switchboard.config import RoutingSettings, Settings
from switchboard.domain.segments import TranscriptSegment
from switchboard.domain.types import Channel, ContactStatus, Locale, Source
from switchboard.routing.desk import Desk
from switchboard.testing.fakes import ScriptedRouter
from switchboard.testing.nova_sonic import ReplayNovaStream
from switchboard.voice.engines.nova_sonic.session import NovaSonicSession

FIXTURES = Path(__file__).parent / "fixtures" / "nova_sonic"
FRAME = b"\x00\x01" * 256  # 16 ms of 16 kHz PCM16
CARD, PHONE = "4111 1111 1111 1111", "+44 7700 900123"
SAID = f"My card {CARD} was declined, I am furious, call me on {PHONE}."


@pytest.fixture
async def wired(tmp_path: Path) -> AsyncIterator[tuple[AgentService, Desk]]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'nova.db'}",
        log_json=False,
        routing=RoutingSettings(hours="always"),
    )
    service = await build_service(settings, router=ScriptedRouter({}))
    desk = build_desk(settings, service, start=False)
    yield service, desk
    await service.aclose()


def recorded(name: str, *, first_user_line: str | None = None) -> ReplayNovaStream:
    """A recorded fixture; optionally with the caller's first ASR line replaced."""
    data = json.loads((FIXTURES / name).read_text())
    if first_user_line is not None:
        for step in data["output"]:
            text = step.get("event", {}).get("textOutput")
            if text and text.get("role") == "USER":
                text["content"] = first_user_line
                break
    return ReplayNovaStream(data["output"])


async def play(service: AgentService, stream: ReplayNovaStream, frames: int = 14) -> str:
    """Run one Nova call over ``stream`` through the service's conversation; return its id."""
    contact = await service.start_contact(channel=Channel.VOICE, locale=Locale.EN_GB)
    session = NovaSonicSession(
        stream,
        tools=service.tools,
        validator=service.validator,
        locale=Locale.EN_GB,
        contact_id=contact.contact_id,
        conversation=service.conversation,
    )
    await session.start()
    out: list[Any] = []

    async def consume() -> None:
        async for event in session.events():
            out.append(event)

    consumer = asyncio.create_task(consume())
    for _ in range(frames):
        await session.send_audio(FRAME)
        await asyncio.sleep(0)
    for _ in range(300):
        if consumer.done() or stream._pos >= len(stream.output):
            break
        await asyncio.sleep(0.01)
    await session.close()
    await asyncio.wait_for(consumer, timeout=10)
    return contact.contact_id


async def test_nova_contact_is_redacted_published_scored_and_queued(
    wired: tuple[AgentService, Desk],
) -> None:
    service, desk = wired
    seen: list[TranscriptSegment] = []

    async def collect(segment: TranscriptSegment) -> None:
        seen.append(segment)

    consumer = service.segments.subscribe("nova-test", collect)  # type: ignore[attr-defined]
    cid = await play(service, recorded("barge_in_then_agent.json", first_user_line=SAID))
    assert service.sentiment is not None
    await service.sentiment.settle(10)
    await service.segments.drain()  # type: ignore[attr-defined]
    for _ in range(100):
        if {Source.CUSTOMER, Source.AI_AGENT} <= {s.speaker for s in seen}:
            break
        await asyncio.sleep(0.05)
    await consumer.stop()

    view = service.contact_view(cid)
    # redacted wherever it is written
    stored = [m.content for m in view.messages]
    assert stored[0] == "My card [CARD] was declined, I am furious, call me on [PHONE]."
    written = " ".join([*stored, *(json.dumps(e.data) for e in view.events)])
    written += " ".join(s.text for s in seen)
    for secret in (CARD, PHONE, "4111111111111111", "7700 900123"):
        assert secret not in written
    # segments of both parties reached the transcript stream
    speakers = [s.speaker for s in seen if s.contact_id == cid]
    assert Source.CUSTOMER in speakers and Source.AI_AGENT in speakers
    # live sentiment scored the caller's lines (events and the contact attribute)
    kinds = [e.type.value for e in view.events]
    assert "sentiment" in kinds
    attributes = view.contact.state["attributes"]
    assert attributes["RealTimeSentiment"] in {"POSITIVE", "NEUTRAL", "NEGATIVE", "MIXED"}
    # the handover ("can I talk to a person?") is a queue entry carrying the sentiment
    assert view.contact.status is ContactStatus.TRANSFERRED
    assert attributes["handover_reason"] == "explicit_request"
    placement = desk.engine.placement(cid)
    assert placement is not None and placement.queue == attributes["target_queue"]
    frame = desk.take_handover_frame(cid)
    assert frame is not None and frame["type"] == "queue"


async def test_nova_validation_findings_become_hallucination_logs(
    wired: tuple[AgentService, Desk],
) -> None:
    service, desk = wired
    cid = await play(service, recorded("fabricated_branch.json"), frames=12)
    logs = service.store.hallucination_logs(cid)
    assert logs, "the blocked Nova reply left no hallucination-log row"
    assert all(row.session_id == cid for row in logs)
    assert any("Salford" in row.model_response for row in logs)
    assert desk.engine.placement(cid) is not None  # validation failure → queued
