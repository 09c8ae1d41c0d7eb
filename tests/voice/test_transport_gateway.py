"""Seed 5 telephony gateway socket ``WS /connect/{call_id}``: 8 kHz PCM with metadata."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from voice_audio import as_spec, chunks, collect, wer
from websockets.sync.client import ClientConnection, connect

from switchboard.voice.events import PCM16_8K

pytestmark = pytest.mark.e2e

QUESTION = "How do I open a current account online?"
Speak = Callable[[str], tuple[np.ndarray, int]]
META = {"sampleRate": 8000, "encoding": "pcm"}


def dial(server: Any) -> tuple[ClientConnection, str]:
    call_id = str(uuid.uuid4())
    ws = connect(
        f"{server.ws_url}/connect/{call_id}",
        additional_headers={"Authorization": f"Bearer {server.token}"},
        max_size=None,
        open_timeout=60,
    )
    return ws, call_id


def stream(ws: ClientConnection, pcm: bytes, *, pace: float = 0.25) -> None:
    for part in chunks(pcm, PCM16_8K, 20):
        ws.send(
            json.dumps({"type": "audio", "data": base64.b64encode(part).decode(), "metadata": META})
        )
        time.sleep(0.02 * pace)


def test_gateway_call_in_seed5_format(voice_server: Any, speak: Speak) -> None:
    ws, call_id = dial(voice_server)
    with ws:
        samples, rate = speak(QUESTION)
        pcm = as_spec(samples, rate, PCM16_8K, pad_ms=1200)
        stream(ws, pcm[:3200])  # the first frames start the call in their format
        ready = collect(ws, lambda fs: any(f["type"] == "ready" for f in fs), 120)
        assert next(f for f in ready if f["type"] == "ready")["callId"] == call_id
        stream(ws, pcm[3200:])

        def answered(frames: list[dict[str, Any]]) -> bool:
            replies = [f for f in frames if f["type"] == "reply" and f["kind"] == "turn"]
            return bool(replies) and any(
                f["type"] == "audio" for f in frames[frames.index(replies[-1]) :]
            )

        frames = collect(ws, answered, 180)
        final = [f for f in frames if f["type"] == "transcript" and f["final"]][-1]
        assert wer(QUESTION, final["text"]) <= 0.15, final["text"]
        reply = [f for f in frames if f["type"] == "reply" and f["kind"] == "turn"][-1]
        assert "account" in reply["text"].lower()
        audio = [f for f in frames if f["type"] == "audio"]
        assert all(f["metadata"] == META for f in audio)  # answered in the caller's format
        assert len(base64.b64decode(audio[-1]["data"])) % 2 == 0
        ws.send(json.dumps({"type": "hangup"}))
        assert collect(ws, lambda fs: any(f["type"] == "ended" for f in fs), 60)


def test_gateway_format_errors(voice_server: Any) -> None:
    ws, _ = dial(voice_server)
    with ws:
        ws.send(json.dumps({"type": "dtmf", "digit": "1"}))  # before any audio
        ws.send(json.dumps({"type": "audio", "data": "AAAA", "metadata": {"sampleRate": 44100}}))
        errors = collect(ws, lambda fs: sum(f["type"] == "error" for f in fs) >= 2, 60)
        assert "audio frame first" in errors[0]["message"]
        assert "44100" in errors[1]["message"]
        silence = base64.b64encode(bytes(320)).decode()
        ws.send(json.dumps({"type": "audio", "data": silence, "metadata": META}))
        collect(ws, lambda fs: any(f["type"] == "ready" for f in fs), 120)
        ws.send(
            json.dumps(
                {
                    "type": "audio",
                    "data": silence,
                    "metadata": {"sampleRate": 16000, "encoding": "pcm"},
                }
            )
        )
        ws.send(json.dumps({"type": "audio", "data": "AAE", "metadata": META}))
        ws.send(json.dumps({"type": "audio", "data": "AAAA", "metadata": {"encoding": "opus"}}))
        errors = collect(ws, lambda fs: sum(f["type"] == "error" for f in fs) >= 3, 60)
        messages = [f["message"] for f in errors if f["type"] == "error"]
        assert any("frame dropped" in m for m in messages)
        assert any("base64" in m for m in messages)
        assert any("opus" in m for m in messages)
        ws.send(json.dumps({"type": "ping"}))  # unknown here: an error, the call goes on
        ws.send(json.dumps({"type": "audio", "data": silence, "metadata": META}))
        ws.send(json.dumps({"type": "hangup"}))
        assert collect(ws, lambda fs: any(f["type"] == "ended" for f in fs), 60)
