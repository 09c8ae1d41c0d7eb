"""``WS /v1/voice`` (seed 4 frames) with real synthesised speech through the real pipeline."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest
from voice_audio import as_spec, chunks, collect, wer
from websockets.sync.client import ClientConnection, connect

from switchboard.testing.identity import staff_headers
from switchboard.voice.events import PCM16_16K

pytestmark = pytest.mark.e2e

QUESTION = "Where is the nearest branch in Manchester?"
Speak = Callable[[str], tuple[np.ndarray, int]]


def open_call(server: Any, locale: str = "en_GB") -> tuple[ClientConnection, dict[str, Any]]:
    ws = connect(
        f"{server.ws_url}/v1/voice?locale={locale}",
        subprotocols=["bearer", server.token],
        max_size=None,
        open_timeout=60,
    )
    ready = collect(ws, lambda fs: any(f["type"] in {"ready", "error"} for f in fs), 120)
    first = next(f for f in ready if f["type"] in {"ready", "error"})
    assert first["type"] == "ready", first
    return ws, first


def send_speech(ws: ClientConnection, pcm: bytes, *, pace: float = 0.25, hint: bool = True) -> None:
    """Send PCM16 16 kHz in 100 ms messages at ``pace`` x real time, then the silence hint."""
    for part in chunks(pcm, PCM16_16K, 100):
        ws.send(json.dumps({"type": "audio", "data": base64.b64encode(part).decode()}))
        time.sleep(0.1 * pace)
    if hint:
        ws.send(json.dumps({"type": "audio", "data": "", "endOfUtterance": True}))


def ask(ws: ClientConnection, speak: Speak, text: str) -> list[dict[str, Any]]:
    samples, rate = speak(text)
    send_speech(ws, as_spec(samples, rate, PCM16_16K, pad_ms=800))

    def answered(frames: list[dict[str, Any]]) -> bool:
        replies = [f for f in frames if f["type"] == "reply" and f["kind"] == "turn"]
        if not replies:
            return False
        rid = replies[-1]["replyId"]
        return any(f["type"] == "audio" and f["replyId"] == rid for f in frames)

    return collect(ws, answered, 180)


def test_spoken_branch_question_gets_transcript_reply_and_audio(
    voice_server: Any, speak: Speak
) -> None:
    ws, ready = open_call(voice_server)
    with ws:
        assert ready["format"] == "audio/pcm" and ready["sampleRate"] == 16000
        frames = ask(ws, speak, QUESTION)
        finals = [f for f in frames if f["type"] == "transcript" and f["final"]]
        assert finals, [f["type"] for f in frames]
        assert wer(QUESTION, finals[-1]["text"]) <= 0.15, finals[-1]["text"]
        reply = [f for f in frames if f["type"] == "reply" and f["kind"] == "turn"][-1]
        assert "Manchester" in reply["text"], reply
        audio = [f for f in frames if f["type"] == "audio" and f["replyId"] == reply["replyId"]]
        assert audio[0]["format"] == "audio/pcm" and audio[0]["sampleRate"] == 16000
        pcm = base64.b64decode(audio[0]["data"])
        assert len(pcm) % 2 == 0 and np.abs(np.frombuffer(pcm, "<i2")).max() > 0
        ws.send(json.dumps({"type": "hangup"}))
        ended = collect(ws, lambda fs: any(f["type"] == "ended" for f in fs), 60)
        assert ended[-1]["contactId"] == ready["contactId"]

    view = httpx.get(
        f"{voice_server.http_url}/v1/contacts/{ready['contactId']}",
        headers=staff_headers(voice_server.settings, "supervisor"),
        timeout=30,
    )
    assert view.status_code == 200
    texts = [m["content"] for m in view.json()["messages"]]
    assert any("Manchester" in t for t in texts), texts


def test_bad_frames_get_errors_and_the_call_goes_on(voice_server: Any, speak: Speak) -> None:
    ws, _ = open_call(voice_server)
    bad: list[str | bytes] = [
        "this is not json",
        b"\x00\x01binary",
        json.dumps(["audio"]),
        json.dumps({"type": "audio", "data": "AAAAA"}),  # truncated base64
        json.dumps({"type": "audio", "data": "AA=="}),  # one byte: not whole PCM16 samples
        json.dumps({"type": "audio", "data": "AAAA", "sampleRate": 48000}),  # wrong rate
        json.dumps({"type": "audio", "data": 42}),
        json.dumps({"type": "audio", "data": "", "endOfUtterance": "yes"}),
        json.dumps({"type": "teleport"}),
        json.dumps({"type": "dtmf"}),
    ]
    with ws:
        for frame in bad:
            ws.send(frame)
        errors = collect(ws, lambda fs: sum(f["type"] == "error" for f in fs) >= len(bad), 60)
        messages = [f["message"] for f in errors if f["type"] == "error"]
        assert all(f["code"] == "invalid_input" for f in errors if f["type"] == "error")
        assert any("base64" in m for m in messages)
        assert any("16000" in m for m in messages)
        assert any("whole" in m for m in messages)
        # the same socket still serves a real question
        frames = ask(ws, speak, QUESTION)
        reply = [f for f in frames if f["type"] == "reply" and f["kind"] == "turn"][-1]
        assert "Manchester" in reply["text"]


def test_client_vanishing_mid_utterance_leaves_other_calls_served(
    voice_server: Any, speak: Speak
) -> None:
    samples, rate = speak(QUESTION)
    pcm = as_spec(samples, rate, PCM16_16K)
    dropped, dropped_ready = open_call(voice_server)
    send_speech(dropped, pcm[: len(pcm) // 2], hint=False)
    dropped.close_socket()  # no close frame: the client just vanishes mid-utterance

    results: dict[str, Any] = {}

    def other_call() -> None:
        ws, _ = open_call(voice_server)
        with ws:
            results["frames"] = ask(ws, speak, QUESTION)

    worker = threading.Thread(target=other_call)
    worker.start()
    worker.join(timeout=240)
    assert not worker.is_alive()
    reply = [f for f in results["frames"] if f["type"] == "reply" and f["kind"] == "turn"][-1]
    assert "Manchester" in reply["text"]

    # the vanished caller's contact is kept and reachable
    view = httpx.get(
        f"{voice_server.http_url}/v1/contacts/{dropped_ready['contactId']}",
        headers=staff_headers(voice_server.settings, "supervisor"),
        timeout=30,
    )
    assert view.status_code == 200
    assert view.json()["contact"]["channel"] == "voice"


def test_ping_and_dtmf_frames(voice_server: Any) -> None:
    ws, _ = open_call(voice_server)
    with ws:
        ws.send(json.dumps({"type": "ping"}))
        assert collect(ws, lambda fs: any(f["type"] == "pong" for f in fs), 30)
        ws.send(json.dumps({"type": "dtmf", "digit": "x"}))
        errors = collect(ws, lambda fs: any(f["type"] == "error" for f in fs), 30)
        assert next(f for f in errors if f["type"] == "error")["code"] == "invalid_input"


def test_simultaneous_calls_are_each_answered(voice_server: Any, speak: Speak) -> None:
    questions = [QUESTION, "What debit cards do you offer?"]
    results: dict[int, list[dict[str, Any]]] = {}

    def call(i: int) -> None:
        ws, _ = open_call(voice_server)
        with ws:
            results[i] = ask(ws, speak, questions[i])

    for text in questions:
        speak(text)  # synthesise up front so both calls talk at once
    workers = [threading.Thread(target=call, args=(i,)) for i in range(len(questions))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert sorted(results) == [0, 1]
    first = [f for f in results[0] if f["type"] == "reply" and f["kind"] == "turn"][-1]
    second = [f for f in results[1] if f["type"] == "reply" and f["kind"] == "turn"][-1]
    assert "Manchester" in first["text"]
    assert "card" in second["text"].lower()


def test_unknown_locale_is_refused_with_a_reason(voice_server: Any) -> None:
    from websockets.exceptions import ConnectionClosed

    with connect(
        f"{voice_server.ws_url}/v1/voice?locale=xx_XX",
        subprotocols=["bearer", voice_server.token],
        open_timeout=60,
    ) as ws:
        frame = json.loads(ws.recv(timeout=60))
        assert frame["type"] == "error" and "xx_XX" in frame["message"]
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=30)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
