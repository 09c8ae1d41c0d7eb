"""Fuzz every WebSocket (issue 13 item 7): malformed JSON, wrong types, huge and binary frames.

Each socket of the app gets the same battery of bad frames with valid
credentials; then a good frame must still get its normal answer on the same
socket (no crash), no frame may be an ``internal_error`` (a bug, not a refusal),
and the contact must still be there (no lost contact). The list of sockets
is checked against the app's routes, so a new socket without a fuzz fails.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from switchboard.voice.transports.auth import issue_token

from .conftest import World
from .test_authz_matrix import EXPECTED

pytestmark = pytest.mark.e2e

HUGE = 1_048_576  # 1 MiB of text in one frame

BAD_FRAMES: list[str | bytes] = [
    "not json",
    "{",
    "[]",
    "[1, 2, 3]",
    "null",
    "42",
    '"just a string"',
    "{}",
    '{"type": 5}',
    '{"type": null}',
    '{"type": "no-such-type"}',
    '{"type": "message", "text": 123}',
    '{"type": "message", "text": ["a", "b"]}',
    '{"type": "message", "text": {"nested": true}}',
    '{"type": "message", "text": ""}',
    '{"type": "message", "text": "\\u0000\\u0001\\u0002"}',
    '{"type": "status", "status": "busy"}',
    '{"type": "close"}',
    '{"type": "audio", "data": "!!! not base64 !!!"}',
    '{"type": "audio", "data": 12}',
    '{"type": "audio", "data": "AAA"}',
    '{"type": "audio", "data": null, "endOfUtterance": "yes"}',
    '{"type": "dtmf", "digit": "XYZ"}',
    '{"type": "dtmf", "digit": 7}',
    '{"type": "mark", "name": {"x": 1}}',
    '{"event": 5}',
    '{"event": "media", "media": {"payload": "***"}}',
    '{"event": "start", "start": "not an object"}',
    "[" * 50_000 + "]" * 50_000,
    '{"type": "message", "text": "' + "x" * HUGE + '"}',
    "y" * HUGE,
    b"\x00\xff" * 4096,
    b"",
]


def drain_until(ws: ClientConnection, wanted: Callable[[dict[str, Any]], bool]) -> list[dict]:
    """Frames up to and including the first that ``wanted`` accepts."""
    frames: list[dict[str, Any]] = []
    while True:
        frame = json.loads(ws.recv(timeout=120))
        frames.append(frame)
        if wanted(frame):
            return frames


def fuzz(ws: ClientConnection, skip: Callable[[str | bytes], bool] = lambda f: False) -> None:
    """Send every bad frame (the server answers some with ``error`` frames, ignores others)."""
    for frame in BAD_FRAMES:
        if not skip(frame):
            ws.send(frame)


def no_internal_errors(frames: list[dict[str, Any]]) -> None:
    bugs = [f for f in frames if f.get("type") == "error" and f.get("code") == "internal_error"]
    assert not bugs, bugs


def fuzz_agent_audio(world: World) -> None:
    """The assigned agent's audio socket on a contact with no caller line (a chat contact)."""
    url = f"{world.ws_url}/v1/contacts/{world.contact_id}/agent-audio"
    with connect(url, subprotocols=["bearer", world.tokens["agent"]]) as ws:  # type: ignore[list-item]
        ready = drain_until(ws, lambda f: f["type"] == "ready")[-1]
        assert ready["line"] is False
        fuzz(ws)
        ws.send(json.dumps({"type": "ping"}))
        frames = drain_until(ws, lambda f: f["type"] == "pong")
    no_internal_errors(frames)
    assert sum(f["type"] == "error" for f in frames) >= 20
    contact_exists(world, world.contact_id)


def voice_token(world: World) -> str:
    return issue_token(world.settings.auth, "fuzz", ttl_s=600)


def contact_exists(world: World, contact_id: str) -> None:
    view = httpx.get(
        f"{world.http_url}/v1/contacts/{contact_id}", headers=world.headers("admin"), timeout=30
    )
    assert view.status_code == 200, view.text


def fuzz_chat(world: World) -> None:
    started = httpx.post(f"{world.http_url}/v1/contacts", json={}, timeout=60).json()
    url = f"{world.ws_url}/v1/contacts/{started['contact_id']}/chat"
    with connect(url, subprotocols=["bearer", started["contact_token"]]) as ws:  # type: ignore[list-item]
        drain_until(ws, lambda f: f["type"] == "ready")
        fuzz(ws)
        ws.send(json.dumps({"type": "ping"}))
        frames = drain_until(ws, lambda f: f["type"] == "pong")
        ws.send(json.dumps({"type": "message", "text": "Where is the nearest branch in Leeds?"}))
        frames += drain_until(ws, lambda f: f["type"] == "reply")
    no_internal_errors(frames)
    assert sum(f["type"] == "error" for f in frames) >= 20
    contact_exists(world, started["contact_id"])


def fuzz_desk(world: World) -> None:
    token = world.tokens["other_agent"]  # an agent with no contact: its status can change
    url = f"{world.ws_url}/v1/agents/{world.other_agent_id}/desk"
    with connect(url, subprotocols=["bearer", token]) as ws:  # type: ignore[list-item]
        drain_until(ws, lambda f: f["type"] == "agent")
        fuzz(ws)
        ws.send(json.dumps({"type": "status", "status": "acw"}))
        frames = drain_until(ws, lambda f: f["type"] == "agent" and f["status"] == "acw")
        ws.send(json.dumps({"type": "status", "status": "offline"}))
        frames += drain_until(ws, lambda f: f["type"] == "agent" and f["status"] == "offline")
    no_internal_errors(frames)
    contact_exists(world, world.contact_id)


def fuzz_supervisor(world: World) -> None:
    token = world.tokens["supervisor"]
    with connect(f"{world.ws_url}/v1/supervisor/ws", subprotocols=["bearer", token]) as ws:  # type: ignore[list-item]
        drain_until(ws, lambda f: f["type"] == "snapshot")
        fuzz(ws)
        started = httpx.post(f"{world.http_url}/v1/contacts", json={}, timeout=60).json()
        frames = drain_until(
            ws,
            lambda f: (
                f["type"] == "contact" and f["contact"]["contact_id"] == started["contact_id"]
            ),
        )
    no_internal_errors(frames)


def fuzz_browser_voice(world: World) -> None:
    with connect(
        f"{world.ws_url}/v1/voice",
        subprotocols=["bearer", voice_token(world)],  # type: ignore[list-item]
        open_timeout=120,
        max_size=None,
    ) as ws:
        ready = drain_until(ws, lambda f: f["type"] == "ready")[-1]
        fuzz(ws)
        ws.send(json.dumps({"type": "ping"}))
        frames = drain_until(ws, lambda f: f["type"] == "pong")
        ws.send(json.dumps({"type": "hangup"}))
        frames += drain_until(ws, lambda f: f["type"] == "ended")
    no_internal_errors(frames)
    contact_exists(world, ready["contactId"])


def fuzz_gateway(world: World) -> None:
    silence = base64.b64encode(bytes(1600)).decode()  # 100 ms of 8 kHz PCM16
    with connect(
        f"{world.ws_url}/connect/fuzz-call",
        additional_headers={"Authorization": f"Bearer {voice_token(world)}"},
        open_timeout=120,
        max_size=None,
    ) as ws:
        fuzz(ws)  # before the first audio frame: each refused, the socket kept
        ws.send(json.dumps({"type": "audio", "data": silence}))
        frames = drain_until(ws, lambda f: f["type"] == "ready")
        contact_id = frames[-1]["contactId"]
        fuzz(ws)
        ws.send(json.dumps({"type": "hangup"}))
        frames += drain_until(ws, lambda f: f["type"] == "ended")
    no_internal_errors(frames)
    contact_exists(world, contact_id)


def voice_contacts(world: World) -> int:
    board = httpx.get(
        f"{world.http_url}/v1/supervisor/contacts", headers=world.headers("admin"), timeout=30
    ).json()
    return sum(1 for c in board if c["channel"] == "voice")


def fuzz_twilio(world: World) -> None:
    before = voice_contacts(world)
    with connect(f"{world.ws_url}/v1/twilio/media", open_timeout=120, max_size=None) as ws:
        # before "start" (a malformed "start" itself refuses the stream, by design: 4400)
        fuzz(ws, skip=lambda f: isinstance(f, str) and f.startswith('{"event": "start"'))
        ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        start = {
            "streamSid": "MZfuzz",
            "callSid": "CAfuzz",
            "customParameters": {"token": voice_token(world)},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        }
        ws.send(json.dumps({"event": "start", "streamSid": "MZfuzz", "start": start}))
        fuzz(ws)
        payload = base64.b64encode(b"\xff" * 160).decode()  # 20 ms of μ-law silence
        ws.send(
            json.dumps({"event": "media", "streamSid": "MZfuzz", "media": {"payload": payload}})
        )
        ws.send(json.dumps({"event": "stop", "streamSid": "MZfuzz"}))
        frames: list[dict[str, Any]] = []
        try:
            while True:
                frames.append(json.loads(ws.recv(timeout=60)))
        except Exception:  # the server closes the stream after "stop"
            pass
    no_internal_errors(frames)
    assert voice_contacts(world) == before + 1  # the call's contact was kept


FUZZERS: dict[str, Callable[[World], None]] = {
    "/v1/contacts/{contact_id}/chat": fuzz_chat,
    "/v1/agents/{agent_id}/desk": fuzz_desk,
    "/v1/contacts/{contact_id}/agent-audio": fuzz_agent_audio,
    "/v1/supervisor/ws": fuzz_supervisor,
    "/v1/voice": fuzz_browser_voice,
    "/connect/{call_id}": fuzz_gateway,
    "/v1/twilio/media": fuzz_twilio,
}


def test_every_socket_has_a_fuzzer() -> None:
    sockets = {path for method, path in EXPECTED if method == "WS"}
    assert sockets == set(FUZZERS)


@pytest.mark.parametrize("path", sorted(FUZZERS))
def test_socket_survives_the_fuzz(world: World, path: str) -> None:
    FUZZERS[path](world)
