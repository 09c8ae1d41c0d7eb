"""A Nova Sonic call as ``/metrics`` and the supervisor board see it (issue 11 drift).

Nova Sonic used to write ``user_input.text`` and ``validation_check.passed`` while
the readers read ``transcript`` and ``validation_passed``: every Nova validation
counted as failed and the caller's lines never reached the board. The calls here
replay the recorded output events of ``tests/voice/fixtures/nova_sonic`` through
the real session, tools, validation agent, store, audit sink and analytics, and
read the results over HTTP.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from switchboard.agent.service import AgentService
from switchboard.analytics.telemetry_runtime import AnalyticsRuntime
from switchboard.api import create_app
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.domain.types import Channel, Locale
from switchboard.store import SqlStore
from switchboard.testing.fakes import ScriptedRouter
from switchboard.testing.identity import app_staff_headers
from switchboard.testing.nova_sonic import ReplayNovaStream
from switchboard.validation import ValidationAgent
from switchboard.voice.engines.nova_sonic.session import NovaSonicSession

FIXTURES = Path(__file__).parents[1] / "voice" / "fixtures" / "nova_sonic"
SETTINGS = Settings(database_url="sqlite://", summaries={"directory": None})


async def _speak(text: str) -> tuple[bytes, int]:
    """A stand-in local TTS: 10 ms of silence per character at 16 kHz."""
    return b"\x00\x00" * 160 * len(text), 16000


async def _call(service: AgentService, recording: str) -> str:
    """Replay one recorded Nova Sonic call; return its contact id."""
    contact = await service.start_contact(channel=Channel.VOICE, locale=Locale.EN_GB)
    session = NovaSonicSession(
        ReplayNovaStream.from_file(FIXTURES / recording),
        tools=service.tools,
        validator=ValidationAgent(),
        locale=Locale.EN_GB,
        contact_id=contact.contact_id,
        conversation=service.conversation,
        speak=_speak,
    )
    await session.start()

    async def consume() -> None:
        async for _ in session.events():
            pass

    consumer = asyncio.create_task(consume())
    for _ in range(12):
        await session.send_audio(b"\x00\x01" * 256)
        await asyncio.sleep(0)
    for _ in range(300):
        if consumer.done():
            break
        await asyncio.sleep(0.01)
    await session.close()
    await asyncio.wait_for(consumer, 5)
    return contact.contact_id


def _samples(text: str, family: str) -> dict[tuple[tuple[str, str], ...], float]:
    families = {f.name: f for f in text_string_to_metric_families(text)}
    return {
        tuple(sorted(s.labels.items())): s.value
        for s in families[family].samples
        if s.name.endswith("_total")
    }


async def test_nova_calls_count_in_metrics_and_show_on_the_board() -> None:
    service = await build_service(
        SETTINGS, store=SqlStore("sqlite://"), router=ScriptedRouter({})
    )
    runtime = AnalyticsRuntime.attach(service, SETTINGS, sinks=[], start_sweeper=False)
    answered = await _call(service, "branch_question.json")
    blocked = await _call(service, "fabricated_branch.json")
    service.events.flush()
    with TestClient(create_app(SETTINGS, service=service, analytics=runtime)) as http:
        staff = app_staff_headers(http.app, "supervisor")
        metrics = http.get("/metrics", headers=staff).text
        board = {
            c["contact_id"]: c for c in http.get("/v1/supervisor/contacts", headers=staff).json()
        }
    checks = _samples(metrics, "switchboard_validation_checks")
    # branch_question: the speculative reply and the final one both pass;
    # fabricated_branch: the invented branch fails and the call is handed over.
    assert checks == {(("result", "passed"),): 2.0, (("result", "failed"),): 1.0}
    tools = _samples(metrics, "switchboard_tool_invocations")
    assert tools == {(("outcome", "ok"), ("tool", "find_nearest_branch")): 2.0}
    transfers = _samples(metrics, "switchboard_transfers")
    assert transfers == {(("reason", "validation_failure"),): 1.0}
    for contact_id in (answered, blocked):
        lines = [(x["speaker"], x["text"]) for x in board[contact_id]["lines"]]
        assert ("CUSTOMER", "Where is the nearest branch in Manchester?") in lines
    assert board[blocked]["handover_reason"] == "validation_failure"
    assert "AI_AGENT" in {x["speaker"] for x in board[answered]["lines"]}
    # the stored rows carry the readers' field names
    stored = service.store.events(blocked)
    said = [e.data for e in stored if e.type.value == "user_input"]
    assert said and "transcript" in said[0] and "text" not in said[0]
    await runtime.aclose()
    await service.aclose()
