"""Twilio Media Streams (``WS /v1/twilio/media``): a whole call in Twilio's message shapes.

connected → start → media… (μ-law 8 kHz, 20 ms) → the agent's media + mark → mark
echoes → barge-in (``clear``) → stop. The reply audio that comes back is
transcribed again with the same Whisper model to check what the caller heard.
"""

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
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from switchboard.store.sql import create_store
from switchboard.voice.events import MULAW_8K

pytestmark = pytest.mark.e2e

QUESTION = "Where is the nearest branch in Manchester?"
PERSON = "I want to talk to a real person please."
Speak = Callable[[str], tuple[np.ndarray, int]]


class FakeTwilio:
    """Plays Twilio's side of a bidirectional Media Stream."""

    def __init__(self, server: Any, caller: str) -> None:
        self.ws: ClientConnection = connect(
            f"{server.ws_url}/v1/twilio/media", max_size=None, open_timeout=60
        )
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self.call_sid = "CA" + uuid.uuid4().hex
        self.seq = 0
        self.chunk = 0
        self.token = server.token
        self.caller = caller
        self.received: list[dict[str, Any]] = []

    def send(self, event: str, **body: Any) -> None:
        self.seq += 1
        message: dict[str, Any] = {"event": event, "sequenceNumber": str(self.seq), **body}
        if event != "connected":
            message["streamSid"] = self.stream_sid
        self.ws.send(json.dumps(message))

    def start(self) -> None:
        self.ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        self.send(
            "start",
            start={
                "accountSid": "AC" + "0" * 32,
                "streamSid": self.stream_sid,
                "callSid": self.call_sid,
                "tracks": ["inbound"],
                "customParameters": {"token": self.token, "from": self.caller},
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        )

    def media(self, mulaw: bytes, *, pace: float) -> None:
        for part in chunks(mulaw, MULAW_8K, 20):
            self.chunk += 1
            self.send(
                "media",
                media={
                    "track": "inbound",
                    "chunk": str(self.chunk),
                    "timestamp": str(self.chunk * 20),
                    "payload": base64.b64encode(part).decode(),
                },
            )
            if pace:
                time.sleep(0.02 * pace)

    def read(self, until: Callable[[list[dict[str, Any]]], bool], timeout: float = 180) -> None:
        self.received.extend(collect(self.ws, lambda fs: until(self.received + fs), timeout))

    def greeted(self) -> None:
        """Read the greeting to its last mark and echo its marks (it has been heard)."""
        self.read(lambda fs: any(_is_end_mark(f) for f in fs), 120)
        self.echo_marks()
        self.received.clear()

    def echo_marks(self) -> list[str]:
        """Echo every mark received so far (Twilio does so once the audio before it played)."""
        names = [m["mark"]["name"] for m in self.received if m["event"] == "mark"]
        for name in names:
            self.send("mark", mark={"name": name})
        return names

    def outbound_audio(self) -> bytes:
        return b"".join(
            base64.b64decode(m["media"]["payload"]) for m in self.received if m["event"] == "media"
        )


def _is_end_mark(message: dict[str, Any]) -> bool:
    return message["event"] == "mark" and str(message["mark"]["name"]).endswith("-end")


def transcribe_mulaw(audio: bytes) -> str:
    from conftest import _speech_stack  # the session's loaded models
    from switchboard.speech.audio import decode, resample

    stack = _speech_stack()
    samples = resample(decode(audio, MULAW_8K), 8000, 16000)
    return str(stack.stt.transcribe(samples).text)  # type: ignore[attr-defined]


def _contact_for(server: Any, caller: str) -> Any:
    store = create_store(server.settings)  # the server's keys: its rows are sealed at rest
    try:
        # the store keeps phone numbers redacted (+44******1234): match the kept digits
        found = [
            c
            for c in store.list_contacts(500)
            if (c.customer_endpoint or "").endswith(caller[-4:]) and c.channel.value == "voice"
        ]
        assert len(found) <= 1, "two contacts for the same test caller"
        assert found, f"no contact for caller {caller}"
        return found[0], store.recent_messages(found[0].contact_id, 50)
    finally:
        store.close()


def test_twilio_call_plays_end_to_end(voice_server: Any, speak: Speak) -> None:
    caller = "+44161496" + str(uuid.uuid4().int % 10000).zfill(4)
    twilio = FakeTwilio(voice_server, caller)
    with twilio.ws:
        twilio.start()
        # greeting: media then a mark, every message carrying our streamSid
        twilio.read(lambda fs: any(_is_end_mark(f) for f in fs), 120)  # all of it
        assert all(m["streamSid"] == twilio.stream_sid for m in twilio.received)
        assert {m["event"] for m in twilio.received} <= {"media", "mark", "clear"}
        twilio.echo_marks()
        twilio.received.clear()

        samples, rate = speak(QUESTION)
        twilio.media(as_spec(samples, rate, MULAW_8K, pad_ms=1200), pace=0.25)
        twilio.read(lambda fs: sum(f["event"] == "mark" for f in fs) >= 1, 180)
        time.sleep(2.0)  # let the rest of the reply arrive
        twilio.read(lambda fs: True, 1)
        heard = transcribe_mulaw(twilio.outbound_audio())
        assert "manchester" in heard.lower(), heard
        twilio.echo_marks()
        twilio.send("stop", stop={"accountSid": "AC" + "0" * 32, "callSid": twilio.call_sid})
        with pytest.raises(ConnectionClosed):  # audio already in flight, then the close
            for _ in range(5000):
                twilio.ws.recv(timeout=30)

    contact, messages = _contact_for(voice_server, caller)
    said = [m.content for m in messages if m.role.value == "user"]
    assert said and wer(QUESTION, said[0]) <= 0.15, said
    assert any("Manchester" in m.content for m in messages if m.role.value == "assistant")
    assert contact.status.value != "active"


def test_barge_in_sends_clear_then_handover_by_voice(voice_server: Any, speak: Speak) -> None:
    caller = "+44161496" + str(uuid.uuid4().int % 10000).zfill(4)
    twilio = FakeTwilio(voice_server, caller)
    with twilio.ws:
        twilio.start()
        twilio.greeted()

        samples, rate = speak(QUESTION)
        twilio.media(as_spec(samples, rate, MULAW_8K, pad_ms=1200), pace=0.25)
        twilio.read(lambda fs: any(f["event"] == "media" for f in fs), 180)
        # the reply is playing (no mark echoed yet): the caller talks over it, in real time
        samples, rate = speak(PERSON)
        twilio.media(as_spec(samples, rate, MULAW_8K, pad_ms=1500), pace=1.0)
        twilio.read(lambda fs: any(f["event"] == "clear" for f in fs), 60)
        clear = next(m for m in twilio.received if m["event"] == "clear")
        assert clear == {"event": "clear", "streamSid": twilio.stream_sid}
        # the barge-in utterance is a handover request: the handover message is spoken,
        # then the socket closes once its last mark has been echoed
        twilio.received.clear()
        # the whole message (its last mark): its first chunk is only a few words
        twilio.read(lambda fs: any(_is_end_mark(f) for f in fs), 180)
        heard = transcribe_mulaw(twilio.outbound_audio()).lower()
        assert "specialist" in heard or "connect you" in heard, heard
        twilio.echo_marks()
        with pytest.raises(ConnectionClosed):
            for _ in range(500):
                message = twilio.ws.recv(timeout=30)
                name = json.loads(message).get("mark", {}).get("name")
                if name:
                    twilio.send("mark", mark={"name": name})

    contact, _ = _contact_for(voice_server, caller)
    assert contact.status.value == "transferred"
    reason = (contact.state.get("attributes") or {}).get("handover_reason") or contact.state[
        "agent"
    ]["handover"]["reason"]
    assert reason == "explicit_request"


def test_garbage_messages_are_skipped_and_the_stream_goes_on(
    voice_server: Any, speak: Speak
) -> None:
    caller = "+44161496" + str(uuid.uuid4().int % 10000).zfill(4)
    twilio = FakeTwilio(voice_server, caller)
    with twilio.ws:
        twilio.start()
        twilio.greeted()
        twilio.ws.send("{broken")
        twilio.ws.send(b"\x01\x02")
        twilio.send("media", media={"track": "inbound", "payload": "!!!not base64"})
        twilio.send("media")
        twilio.send("dtmf", dtmf={"track": "inbound_track"})
        twilio.send("rewind")
        samples, rate = speak(QUESTION)
        twilio.media(as_spec(samples, rate, MULAW_8K, pad_ms=1200), pace=0.25)
        twilio.read(lambda fs: any(f["event"] == "mark" for f in fs), 180)
        assert any(m["event"] == "media" for m in twilio.received)
        twilio.send("stop", stop={"callSid": twilio.call_sid})


def test_wrong_media_format_is_refused(voice_server: Any) -> None:
    twilio = FakeTwilio(voice_server, "+441614960999")
    with twilio.ws:
        twilio.ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        twilio.send(
            "start",
            start={
                "streamSid": twilio.stream_sid,
                "callSid": twilio.call_sid,
                "customParameters": {"token": twilio.token},
                "mediaFormat": {"encoding": "audio/l16", "sampleRate": 16000, "channels": 1},
            },
        )
        frame = json.loads(twilio.ws.recv(timeout=60))
        assert frame["type"] == "error" and "x-mulaw" in frame["message"]
        with pytest.raises(ConnectionClosed) as closed:
            twilio.ws.recv(timeout=30)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400


def test_stream_without_a_valid_token_is_closed(voice_server: Any) -> None:
    twilio = FakeTwilio(voice_server, "+441614960998")
    twilio.token = "forged"
    with twilio.ws:
        twilio.start()
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(5):
                twilio.ws.recv(timeout=30)  # an error message (Twilio ignores it), then the close
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_keypad_digits_reach_the_agent(voice_server: Any) -> None:
    caller = "+44161496" + str(uuid.uuid4().int % 10000).zfill(4)
    twilio = FakeTwilio(voice_server, caller)
    with twilio.ws:
        twilio.start()
        twilio.greeted()
        for digit in "42#":
            twilio.send("dtmf", dtmf={"track": "inbound_track", "digit": digit})
        twilio.read(lambda fs: any(_is_end_mark(f) for f in fs), 120)  # the agent answered
        assert any(m["event"] == "media" for m in twilio.received)
        twilio.echo_marks()
        twilio.send("stop", stop={"callSid": twilio.call_sid})
    _, messages = _contact_for(voice_server, caller)
    assert next(m.content for m in messages if m.role.value == "user").startswith("42")
