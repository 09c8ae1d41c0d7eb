"""Nova Sonic brain against recorded output-event sequences (no AWS reachable here).

The session runs over ReplayNovaStream with the real banking MCP tools, the real
validation agent, a real SQLite store and the audit sink.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from switchboard.agent.conversation import ConversationService
from switchboard.analytics.stream import SegmentBus
from switchboard.audit import AuditSink
from switchboard.compose import build_service
from switchboard.domain.types import Channel, Contact, ContactStatus, Locale, Role
from switchboard.errors import ConfigError, InputError
from switchboard.store.aio import ThreadedStore
from switchboard.store.sql import SqlStore
from switchboard.testing.nova_sonic import ReplayNovaStream
from switchboard.tools.host import McpToolHost
from switchboard.validation import ValidationAgent
from switchboard.voice.engines.nova_sonic import events as ev
from switchboard.voice.engines.nova_sonic.session import TRANSFER_TOOL, NovaSonicSession
from switchboard.voice.events import AudioOut, CallEnded, Clear, Error, ReplyText, Transcript

FIXTURES = Path(__file__).parent / "fixtures" / "nova_sonic"
FRAME = b"\x00\x01" * 256  # 16 ms of 16 kHz PCM16


@pytest.fixture
async def tools() -> AsyncIterator[McpToolHost]:
    host = McpToolHost()
    yield host
    await host.aclose()


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{tmp_path / 'nova.db'}")


async def _speak(text: str) -> tuple[bytes, int]:
    """A stand-in local TTS: 10 ms of silence per character at 16 kHz (shape only)."""
    return b"\x00\x00" * 160 * len(text), 16000


async def run_call(
    name: str,
    tools: McpToolHost,
    store: SqlStore,
    *,
    frames: int = 12,
    conversation: ConversationService | None = None,
    stream: ReplayNovaStream | None = None,
) -> tuple[list[Any], ReplayNovaStream, Contact, NovaSonicSession]:
    contact = store.create_contact(Contact(channel=Channel.VOICE, locale=Locale.EN_GB))
    stream = stream or ReplayNovaStream.from_file(FIXTURES / name)
    if conversation is None:
        conversation = ConversationService(
            store=store, db=ThreadedStore(store), events=AuditSink(store), segments=SegmentBus()
        )
    session = NovaSonicSession(
        stream,
        tools=tools,
        validator=ValidationAgent(),
        locale=Locale.EN_GB,
        contact_id=contact.contact_id,
        conversation=conversation,
        speak=_speak,
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
    # let the recording play out
    for _ in range(200):
        if consumer.done() or stream._pos >= len(stream.output):
            break
        await asyncio.sleep(0.01)
    await session.close()
    await asyncio.wait_for(consumer, timeout=10)
    return out, stream, store.get_contact(contact.contact_id), session


def test_input_events_follow_the_documented_shapes() -> None:
    start = ev.session_start()["event"]["sessionStart"]
    assert start["inferenceConfiguration"] == {"maxTokens": 1024, "topP": 0.9, "temperature": 0.7}
    assert start["turnDetectionConfiguration"] == {"endpointingSensitivity": "MEDIUM"}
    prompt = ev.prompt_start("p", [TRANSFER_TOOL])["event"]["promptStart"]
    spec = prompt["toolConfiguration"]["tools"][0]["toolSpec"]
    assert spec["name"] == "transfer_to_agent"
    assert json.loads(spec["inputSchema"]["json"])["type"] == "object"  # a JSON *string*
    assert prompt["audioOutputConfiguration"]["sampleRateHertz"] == 24000
    audio = ev.audio_content_start("p", "a")["event"]["contentStart"]
    assert audio["interactive"] is True and audio["role"] == "USER"
    assert audio["audioInputConfiguration"]["sampleRateHertz"] == 16000
    chunk = ev.audio_input("p", "a", b"\x01\x02")["event"]["audioInput"]
    assert base64.b64decode(chunk["content"]) == b"\x01\x02"
    result = ev.tool_result("p", "t", {"ok": 1})["event"]["toolResult"]
    assert json.loads(result["content"]) == {"ok": 1}
    with pytest.raises(InputError):
        ev.audio_input("p", "a", b"\x01")
    with pytest.raises(InputError):
        ev.text_content_start("p", "c", "TOOL")
    with pytest.raises(InputError):
        ev.session_start(endpointing_sensitivity="MAX")


def test_output_decoding_rejects_malformed_payloads() -> None:
    for bad in (b"{not json", b"[]", b'{"event": {}}', b'{"event": {"a": {}, "b": {}}}'):
        with pytest.raises(InputError):
            ev.decode(bad)
    end = ev.decode(b'{"event": {"contentEnd": {"stopReason": "INTERRUPTED", "type": "AUDIO"}}}')
    assert end.is_interruption
    marker = ev.decode({"event": {"textOutput": {"content": '{ "interrupted" : true }'}}})
    assert marker.is_interruption
    with pytest.raises(InputError):
        ev.decode({"event": {"audioOutput": {"content": "@@@"}}}).audio()
    with pytest.raises(InputError):
        ev.decode({"event": {"toolUse": {"content": "[1]"}}}).tool_arguments()


async def test_branch_question_uses_our_tool_and_speaks_validated_text(
    tools: McpToolHost, store: SqlStore
) -> None:
    out, stream, contact, _ = await run_call("branch_question.json", tools, store)

    names = stream.names_sent()
    assert names[:2] == ["sessionStart", "promptStart"]
    assert names[2:5] == ["contentStart", "textInput", "contentEnd"]  # system prompt
    assert names[5] == "contentStart" and "audioInput" in names
    assert names[-3:] == ["contentEnd", "promptEnd", "sessionEnd"]  # closing order
    offered = stream.sent[1]["event"]["promptStart"]["toolConfiguration"]["tools"]
    assert {t["toolSpec"]["name"] for t in offered} >= {"find_nearest_branch", "transfer_to_agent"}

    # the tool really ran through MCP and its output went back as toolResult
    results = [e["event"]["toolResult"] for e in stream.sent if "toolResult" in e["event"]]
    assert len(results) == 1
    assert "King Street" in results[0]["content"]
    tool_start = [
        e["event"]["contentStart"]
        for e in stream.sent
        if e["event"].get("contentStart", {}).get("type") == "TOOL"
    ]
    assert tool_start[0]["toolResultInputConfiguration"]["toolUseId"] == "c1-use"

    transcripts = [e for e in out if isinstance(e, Transcript)]
    assert [t.text for t in transcripts] == ["Where is the nearest branch in Manchester?"]
    replies = [e.text for e in out if isinstance(e, ReplyText)]
    assert replies[0].startswith("The nearest branch is Manchester King Street")
    assert replies[1] == "You can call them on 0161 496 0201."
    audio = [e for e in out if isinstance(e, AudioOut)]
    assert len(audio) == 5 and all(a.sample_rate == 24000 for a in audio)
    # audio never precedes the text it speaks (validation gate)
    first_reply = next(i for i, e in enumerate(out) if isinstance(e, ReplyText))
    assert all(i > first_reply for i, e in enumerate(out) if isinstance(e, AudioOut))
    # the malformed payload is reported, and the call goes on
    assert any(isinstance(e, Error) and e.code == "provider_protocol" for e in out)
    assert isinstance(out[-1], CallEnded) and out[-1].reason == "hangup"

    messages = store.recent_messages(contact.contact_id, 10)
    assert [m.role for m in messages] == [Role.USER, Role.ASSISTANT]
    assert "0161 496 0201" in messages[1].content
    kinds = [e.type.value for e in store.events(contact.contact_id)]
    assert kinds.count("validation_check") == 2
    assert "tool_invocation" in kinds and "agent_reply" in kinds
    assert contact.status is ContactStatus.ACTIVE


async def test_fabricated_reply_is_blocked_and_handed_over(
    tools: McpToolHost, store: SqlStore
) -> None:
    out, _stream, contact, _ = await run_call("fabricated_branch.json", tools, store)

    assert not [e for e in out if isinstance(e, AudioOut) and e.sample_rate == 24000], (
        "the model's audio of an unvalidated reply reached the caller"
    )
    replies = [e for e in out if isinstance(e, ReplyText)]
    assert len(replies) == 1 and "Salford" not in replies[0].text
    assert replies[0].text.startswith("I want to make sure you get accurate information")
    assert replies[0].handover is not None and replies[0].handover.reason == "validation_failure"
    spoken = [e for e in out if isinstance(e, AudioOut)]
    assert spoken and spoken[0].sample_rate == 16000  # the fallback, by the local TTS
    ended = out[-1]
    assert isinstance(ended, CallEnded) and ended.reason == "handover"
    assert contact.status is ContactStatus.TRANSFERRED
    assert contact.state["attributes"]["handover_reason"] == "validation_failure"
    assert contact.state["attributes"]["target_queue"] == "GeneralAgentQueue"
    kinds = [e.type.value for e in store.events(contact.contact_id)]
    assert "handover_decision" in kinds
    checks = [e for e in store.events(contact.contact_id) if e.type.value == "validation_check"]
    assert checks[0].data["validation_passed"] is False


async def test_barge_in_clears_playback_then_talk_to_agent(
    tools: McpToolHost, store: SqlStore
) -> None:
    out, _stream, contact, _ = await run_call("barge_in_then_agent.json", tools, store, frames=14)

    clears = [i for i, e in enumerate(out) if isinstance(e, Clear)]
    assert len(clears) == 1
    assert any(isinstance(e, AudioOut) for e in out[: clears[0]])
    transcripts = [e.text for e in out if isinstance(e, Transcript)]
    assert transcripts == ["Tell me about your debit card.", "Actually, can I talk to a person?"]
    handover = [e for e in out if isinstance(e, ReplyText) and e.handover is not None]
    assert handover and handover[0].handover is not None
    assert handover[0].handover.reason == "explicit_request"
    assert isinstance(out[-1], CallEnded) and out[-1].reason == "handover"

    agent_replies = [e for e in store.events(contact.contact_id) if e.type.value == "agent_reply"]
    assert agent_replies[0].data["interrupted"] is True
    assert agent_replies[0].data["text"] == "Our debit cards are contactless"  # what was heard
    assert contact.status is ContactStatus.TRANSFERRED


async def test_dead_provider_hands_over_with_the_transcript_kept(
    tools: McpToolHost, store: SqlStore
) -> None:
    out, _stream, contact, _ = await run_call("provider_failure.json", tools, store)

    assert [e.text for e in out if isinstance(e, Transcript)] == [
        "Where is the nearest branch in Manchester?"
    ]
    ended = out[-1]
    assert isinstance(ended, CallEnded) and ended.handover is not None
    assert ended.handover.reason == "technical_issues"
    messages = store.recent_messages(contact.contact_id, 10)
    assert messages[0].content == "Where is the nearest branch in Manchester?"
    assert "technical difficulties" in messages[-1].content
    assert contact.status is ContactStatus.TRANSFERRED


async def test_bedrock_stream_without_the_sdk_says_how_to_install() -> None:
    pytest.importorskip("switchboard.voice.engines.nova_sonic.stream")
    import importlib.util

    if importlib.util.find_spec("aws_sdk_bedrock_runtime") is not None:
        pytest.skip("the AWS SDK is installed; nothing to check offline")
    from switchboard.voice.engines.nova_sonic.stream import BedrockNovaStream

    with pytest.raises(ConfigError, match="nova-sonic"):
        await BedrockNovaStream().open()


async def test_nova_call_adapts_phone_audio_both_ways(tmp_path: Path) -> None:
    """NovaSonicCall behind the transport port: μ-law 8 kHz in and out, greeting, contact."""
    from switchboard.config import Settings
    from switchboard.speech.audio import decode
    from switchboard.testing.fakes import ScriptedRouter
    from switchboard.voice.engines.nova_sonic.call import NovaSonicCall
    from switchboard.voice.events import MULAW_8K

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'call.db'}", log_json=False)
    service = await build_service(settings, router=ScriptedRouter({}))
    stream = ReplayNovaStream.from_file(FIXTURES / "branch_question.json")

    async def open_stream() -> ReplayNovaStream:
        return stream

    class Tts:  # stands in for the speech stack's TTS (shape only: 8 kHz float32)
        name = "test"

        def synthesize(self, text: str, locale: Locale) -> Any:
            import numpy as np

            from switchboard.speech.tts import Speech

            return Speech(np.full(800, 0.1, dtype=np.float32), 8000, 0.0)

    class Stack:
        tts = Tts()

    call = NovaSonicCall(
        service,
        open_stream,
        speech=Stack(),  # type: ignore[arg-type]
        locale=Locale.EN_GB,
        input_spec=MULAW_8K,
        output_spec=MULAW_8K,
        customer_endpoint="+441614960123",
    )
    try:
        contact_id = await call.start()
        out: list[Any] = []

        async def consume() -> None:
            async for event in call.events():
                out.append(event)

        consumer = asyncio.create_task(consume())
        for _ in range(100):
            await call.feed_audio(b"\xff" * 160)  # 2 s of μ-law silence, 20 ms frames
        await call.dtmf("5")
        for _ in range(200):
            if stream._pos >= len(stream.output):
                break
            await asyncio.sleep(0.01)
        await call.close()
        await asyncio.wait_for(consumer, timeout=10)

        sent_audio = [e["event"]["audioInput"] for e in stream.sent if "audioInput" in e["event"]]
        pcm = b"".join(base64.b64decode(a["content"]) for a in sent_audio)
        # 2 s at 8 kHz in → 32000 samples at 16 kHz to the model, less soxr's buffering
        assert 32000 - 4000 <= len(pcm) // 2 <= 32000
        assert isinstance(out[0], ReplyText) and out[0].kind == "greeting"
        audio = [e for e in out if isinstance(e, AudioOut)]
        assert audio and all(a.format is MULAW_8K.format and a.sample_rate == 8000 for a in audio)
        model_audio = [a for a in audio if a.reply_id == 1]
        assert sum(len(a.data) for a in model_audio) > 0
        assert decode(model_audio[0].data, MULAW_8K).size == len(model_audio[0].data)
        assert any(isinstance(e, Error) and "keypad" in e.message for e in out)
        view = service.contact_view(contact_id)
        assert (view.contact.customer_endpoint or "").endswith("0123")  # stored redacted
        assert view.contact.ended_at is not None
        assert [m.role for m in view.messages] == [Role.USER, Role.ASSISTANT]
    finally:
        await service.aclose()
