"""A voice caller who asks for a person is held, then talks to a human agent (issue 12 item 3).

One live app (real router, SQLite, queues open 24x7, the real speech stack:
Silero VAD, faster-whisper tiny.en, Piper) per module, driven over the real
sockets from this process: the caller on ``WS /v1/voice`` with synthesised
speech, the agent on the desk socket and ``WS /v1/contacts/{id}/agent-audio``
with a staff token. What the caller hears and what the agent hears is checked
by transcribing the received audio with the same STT.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import numpy as np
import pytest
from pydantic import SecretStr
from voice_audio import as_spec, chunks, collect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from switchboard.agent.conversation import HUMAN_INTENT
from switchboard.config import AuthSettings, RoutingSettings, Settings
from switchboard.speech.audio import pcm16_to_float
from switchboard.testing.identity import bearer, staff_headers, staff_token
from switchboard.voice.events import PCM16_16K, AudioSpec

pytestmark = pytest.mark.e2e

SECRET = "human-line-tests-secret-0123456789abcdef"
TO_HUMAN = "I want to speak to a person."
AGENT_SAYS = "Hello, this is Vera from the bank. How can I help you today?"
CALLER_SAYS = "My debit card was stolen yesterday."
PCM16_48K = AudioSpec(PCM16_16K.format, 48000)

Speak = Callable[[str], tuple[np.ndarray, int]]


class Server:
    """The live app's URLs and settings."""

    def __init__(self, http_url: str, ws_url: str, settings: Settings) -> None:
        self.http_url = http_url
        self.ws_url = ws_url
        self.settings = settings


def live_server(tmp: Any, routing: RoutingSettings, **more: Any) -> Iterator[Server]:
    from voice_audio import speech_stack

    from switchboard.api import create_app
    from switchboard.testing.live import LiveApp

    settings = Settings(
        database_url=f"sqlite:///{tmp / 'switchboard.db'}",
        log_json=False,
        log_level="WARNING",
        routing=routing,
        auth=AuthSettings(jwt_secret=SecretStr(SECRET)),
        **more,
    )
    app = create_app(settings)
    app.state.speech = speech_stack()
    with LiveApp(app) as live:
        yield Server(live.http_url, live.ws_url, settings)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from live_server(tmp_path_factory.mktemp("human-db"), RoutingSettings(hours="always"))


def audio_of(frames: list[dict[str, Any]]) -> np.ndarray:
    """The float32 samples of the ``audio`` frames, in order (16 kHz)."""
    parts = [pcm16_to_float(base64.b64decode(f["data"])) for f in frames if f["type"] == "audio"]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples)))) if len(samples) else 0.0


def heard(samples: np.ndarray) -> str:
    """What the STT hears in 16 kHz audio."""
    from voice_audio import speech_stack

    return str(speech_stack().stt.transcribe(samples.astype(np.float32)).text).lower()


def send_speech(ws: ClientConnection, pcm: bytes, spec: AudioSpec, **extra: Any) -> None:
    """Stream audio in 100 ms frames (faster than real time; the server endpoints on audio time)."""
    for part in chunks(pcm, spec, 100):
        ws.send(json.dumps({"type": "audio", "data": base64.b64encode(part).decode(), **extra}))


def call(server: Server) -> tuple[ClientConnection, str]:
    """Open a browser call with a fresh contact's token; return (socket, contact id)."""
    contact = httpx.post(
        f"{server.http_url}/v1/contacts", json={"channel": "voice"}, timeout=60
    ).json()
    ws = connect(
        f"{server.ws_url}/v1/voice?locale=en_GB",
        subprotocols=["bearer", contact["contact_token"]],  # type: ignore[list-item]
        max_size=None,
        open_timeout=60,
    )
    ready = collect(ws, lambda fs: any(f["type"] == "ready" for f in fs), 120)[-1]
    return ws, str(ready["contactId"])


def ask_for_a_person(ws: ClientConnection, speak: Speak) -> list[dict[str, Any]]:
    samples, rate = speak(TO_HUMAN)
    send_speech(ws, as_spec(samples, rate, PCM16_16K, pad_ms=1000), PCM16_16K)
    ws.send(json.dumps({"type": "audio", "data": "", "endOfUtterance": True}))
    return collect(ws, lambda fs: any(f["type"] == "queue" for f in fs), 180)


def hold_audio(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``audio`` frames after the ``on_hold`` announcement (none before it came)."""
    keys = [f.get("key") if f.get("type") == "announcement" else None for f in frames]
    if "on_hold" not in keys:
        return []
    return [f for f in frames[keys.index("on_hold") :] if f["type"] == "audio"]


def until_type(kind: str) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda fs: any(f.get("type") == kind for f in fs)


def desk_agent(server: Server, name: str) -> tuple[str, str]:
    """Sign ``name`` in (staff token) and open its desk; return (token, agent id)."""
    token = staff_token(server.settings, "agent", name)
    agent = httpx.post(
        f"{server.http_url}/v1/agents", json={}, headers=bearer(token), timeout=30
    ).json()
    return token, str(agent["agent_id"])


@contextmanager
def available_desk(
    server: Server, name: str
) -> Iterator[tuple[ClientConnection, str, dict[str, Any]]]:
    """Sign ``name`` in, open its desk socket, go available and wait for an assignment.

    Yields (desk socket, staff token, the ``assigned`` frame); the desk closes on exit.
    Raises TimeoutError (from ``collect``) when no contact is assigned within 30 s.
    """
    token, agent_id = desk_agent(server, name)
    with connect(
        f"{server.ws_url}/v1/agents/{agent_id}/desk",
        subprotocols=["bearer", token],  # type: ignore[list-item]
        open_timeout=30,
    ) as desk:
        collect(desk, until_type("agent"), 30)
        desk.send(json.dumps({"type": "status", "status": "available"}))
        yield desk, token, collect(desk, until_type("assigned"), 30)[-1]


def test_held_caller_hears_position_and_hold_audio_then_talks_to_the_agent(
    server: Server, speak: Speak
) -> None:
    ws, cid = call(server)
    with ws:
        frames = ask_for_a_person(ws, speak)
        reply = next(f for f in frames if f["type"] == "reply" and f.get("handover"))
        assert reply["handover"]["reason"] == "explicit_request"
        assert not any(f["type"] == "ended" for f in frames)  # held, not hung up on
        queued = next(f for f in frames if f["type"] == "queue")
        assert queued["position"] == 1 and "ewt_minutes" in queued
        # ~10 s on hold: an announcement of the position over hold music; never silence
        start = len(frames)
        frames += collect(ws, lambda fs: len([f for f in fs if f["type"] == "audio"]) >= 100, 60)
        hold = [f for f in frames[start:] if f["type"] == "audio"]
        announcement = next(f for f in frames if f["type"] == "announcement")
        assert "next in the queue" in announcement["text"]
        levels = [rms(audio_of([f])) for f in hold]
        assert min(levels) > 0.003, levels  # every 100 ms chunk holds sound
        assert "next" in heard(audio_of(hold)) or "queue" in heard(audio_of(hold))

        with available_desk(server, "vera") as (desk, token, assigned):
            assert assigned["contact_id"] == cid
            assert assigned["summary"]["handover_reason"] == "explicit_request"
            frames = collect(ws, until_type("agent_joined"), 30)
            with connect(
                f"{server.ws_url}/v1/contacts/{cid}/agent-audio",
                subprotocols=["bearer", token],  # type: ignore[list-item]
                max_size=None,
                open_timeout=30,
            ) as audio:
                ready = collect(audio, until_type("ready"), 30)[-1]
                assert ready["line"] is True
                # agent → caller: 48 kHz microphone audio, resampled by the server
                samples, rate = speak(AGENT_SAYS)
                send_speech(
                    audio, as_spec(samples, rate, PCM16_48K, pad_ms=1200), PCM16_48K,
                    sampleRate=48000,
                )
                got = collect(
                    audio, lambda fs: any(f.get("leg") == "agent" for f in fs), 120
                )
                agent_line = next(f for f in got if f.get("leg") == "agent")["text"].lower()
                assert "vera" in agent_line or "help you" in agent_line, agent_line
                caller_side = collect(ws, until_type("agent_transcript"), 60)
                voice = audio_of(caller_side)
                assert rms(voice) > 0.01
                assert "help you" in heard(voice), heard(voice)
                # caller → agent
                samples, rate = speak(CALLER_SAYS)
                send_speech(ws, as_spec(samples, rate, PCM16_16K, pad_ms=1200), PCM16_16K)
                got = collect(
                    audio, lambda fs: any(f.get("leg") == "customer" for f in fs), 120
                )
                caller_line = next(f for f in got if f.get("leg") == "customer")["text"]
                assert "stolen" in caller_line.lower(), caller_line
                assert rms(audio_of(got)) > 0.01
                # the agent's desk got the caller's words as a customer message
                said = collect(desk, until_type("customer_message"), 30)[-1]
                assert "stolen" in said["text"].lower()
                # hold: the caller hears hold audio again; then resume
                audio.send(json.dumps({"type": "hold", "on": True}))
                control = collect(audio, until_type("control"), 30)[-1]
                assert control["hold"] is True
                held = collect(ws, lambda fs: len(hold_audio(fs)) > 10, 60)
                assert any(f["type"] == "hold" and f["on"] for f in held)
                levels = [rms(audio_of([f])) for f in hold_audio(held)]
                assert min(levels) > 0.003, levels  # every held chunk holds sound
                audio.send(json.dumps({"type": "hold", "on": False}))
                # off hold: the caller's player is told to drop the queued hold audio
                resumed = collect(
                    ws, lambda fs: any(f["type"] == "hold" and not f["on"] for f in fs), 30
                )
                assert any(f["type"] == "stop" for f in resumed), [f["type"] for f in resumed]
                audio.send(json.dumps({"type": "mute", "on": True}))
                control = collect(audio, lambda fs: any(f.get("mute") for f in fs), 30)[-1]
                assert control == {"type": "control", "mute": True, "hold": False}
                # hang up: the caller's call ends; the agent closes with a disposition
                audio.send(json.dumps({"type": "hangup"}))
                ended = collect(ws, until_type("ended"), 30)[-1]
                assert ended["reason"] == "agent_hangup"
            desk.send(json.dumps({"type": "close", "disposition": "resolved"}))
            assert collect(desk, until_type("closed"), 30)[-1]["disposition"] == "resolved"
            desk.send(json.dumps({"type": "status", "status": "offline"}))  # takes no next call
            collect(desk, until_type("agent"), 30)
    view = httpx.get(
        f"{server.http_url}/v1/contacts/{cid}",
        headers=staff_headers(server.settings, "supervisor"),
        timeout=30,
    ).json()
    # each leg's words stored on its own side: the caller's as the customer (user),
    # the agent's as the human agent's messages
    customer = " ".join(m["content"] for m in view["messages"] if m["role"] == "user").lower()
    human = " ".join(
        m["content"] for m in view["messages"] if m.get("intent") == HUMAN_INTENT
    ).lower()
    assert "stolen" in customer, customer
    assert "stolen" not in human, human
    assert "vera" in human or "help you" in human, human
    assert view["contact"]["status"] == "transferred" and view["contact"]["ended_at"]


def test_only_the_assigned_agent_gets_the_audio(server: Server, speak: Speak) -> None:
    ws, cid = call(server)
    with ws:
        ask_for_a_person(ws, speak)
        token, _ = desk_agent(server, "mallory")  # signed in, but not assigned this contact
        with connect(
            f"{server.ws_url}/v1/contacts/{cid}/agent-audio",
            subprotocols=["bearer", token],  # type: ignore[list-item]
            open_timeout=30,
        ) as audio:
            frame = json.loads(audio.recv(timeout=30))
            assert frame["type"] == "error" and frame["code"] == "forbidden"
            with pytest.raises(ConnectionClosed) as closed:
                audio.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
        ws.send(json.dumps({"type": "hangup"}))
        assert collect(ws, until_type("ended"), 30)[-1]["reason"] == "hangup"
    # a caller who hangs up while waiting leaves the queue (abandoned), the contact ends
    deadline = time.monotonic() + 10
    queues: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        queues = httpx.get(
            f"{server.http_url}/v1/queues",
            headers=staff_headers(server.settings, "supervisor"),
            timeout=30,
        ).json()
        if sum(int(q["size"]) for q in queues) == 0:
            break
        time.sleep(0.2)
    assert sum(int(q["size"]) for q in queues) == 0, queues


@pytest.fixture(scope="module")
def full_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Queues that hold one contact: the second caller finds the queue full (no agent)."""
    routing = RoutingSettings(hours="always", max_contacts=1)
    yield from live_server(tmp_path_factory.mktemp("human-full-db"), routing)


def test_full_queue_offers_a_callback_the_caller_books_by_keypad(
    full_server: Server, speak: Speak
) -> None:
    server = full_server
    first = httpx.post(f"{server.http_url}/v1/contacts", json={}, timeout=60).json()
    said = httpx.post(
        f"{server.http_url}/v1/contacts/{first['contact_id']}/messages",
        json={"text": "I want to speak to a person"},
        headers=bearer(first["contact_token"]),
        timeout=60,
    )
    assert said.json()["action"] == "handover"  # the queue is now full
    ws, cid = call(server)
    with ws:
        samples, rate = speak(TO_HUMAN)
        send_speech(ws, as_spec(samples, rate, PCM16_16K, pad_ms=1000), PCM16_16K)
        ws.send(json.dumps({"type": "audio", "data": "", "endOfUtterance": True}))
        frames = collect(ws, until_type("queue_closed"), 180)
        assert frames[-1]["callback"] is True
        frames = collect(ws, lambda fs: len([f for f in fs if f["type"] == "audio"]) >= 120, 90)
        offer = next(f for f in frames if f["type"] == "announcement")
        assert offer["key"] == "callback_offer"
        assert "called back" in heard(audio_of(frames))  # spoken over the hold music
        for digit in "12#":  # too short: said again, the caller stays
            ws.send(json.dumps({"type": "dtmf", "digit": digit}))
        assert collect(ws, until_type("callback_failed"), 30)
        for digit in "447700900123#":
            ws.send(json.dumps({"type": "dtmf", "digit": digit}))
        frames = collect(ws, until_type("ended"), 60)
        booked = next(f for f in frames if f["type"] == "callback_booked")
        assert booked["callback_id"] and booked["due_at"]
        assert frames[-1]["reason"] == "callback"
    view = httpx.get(
        f"{server.http_url}/v1/contacts/{cid}",
        headers=staff_headers(server.settings, "supervisor"),
        timeout=30,
    ).json()
    stored = [e["data"] for e in view["events"] if e["type"] == "callback_booked"]
    assert len(stored) == 1, stored
    # the number keyed after the failed "12#" (not "12" glued to it), stored masked:
    # country code and last four digits of +447700900123 kept
    assert stored[0]["customer_phone"] == "+44******0123", stored[0]
    assert stored[0]["callback_id"] == booked["callback_id"]


def test_position_is_announced_again_as_the_queue_moves(server: Server, speak: Speak) -> None:
    first, first_id = call(server)
    second, _ = call(server)
    with first, second:
        assert ask_for_a_person(first, speak)[-1]["position"] == 1
        frames = ask_for_a_person(second, speak)
        assert frames[-1]["position"] == 2
        frames += collect(second, until_type("announcement"), 60)
        spoken = next(f for f in frames if f["type"] == "announcement")
        assert spoken["key"] == "position" and "number 2" in spoken["text"]
        with available_desk(server, "quinn") as (desk, _, assigned):
            assert assigned["contact_id"] == first_id
            # the second caller moves up: a new position frame and a new announcement
            moved = collect(
                second, lambda fs: any(f["type"] == "queue" and f["position"] == 1 for f in fs), 30
            )
            moved += collect(second, until_type("announcement"), 60)
            assert [f for f in moved if f["type"] == "announcement"][-1]["key"] == "first"
            # The second caller leaves first: with no after-contact work the agent is
            # available again the moment the first contact closes, and a waiting caller
            # could be dispatched to it before its "offline" arrives (a race, not a bug).
            second.send(json.dumps({"type": "hangup"}))
            assert collect(second, until_type("ended"), 30)[-1]["reason"] == "hangup"
            desk.send(json.dumps({"type": "close", "disposition": "resolved"}))
            collect(desk, until_type("closed"), 30)
            desk.send(json.dumps({"type": "status", "status": "offline"}))
            collect(desk, until_type("agent"), 30)
        assert collect(first, until_type("ended"), 60)[-1]["reason"] == "agent_left"


@pytest.fixture(scope="module")
def recorded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Call recording on (sealed legs under a temp recordings directory)."""
    from switchboard.config import CryptoSettings, RetentionSettings
    from switchboard.voice.settings import VoiceSettings

    tmp = tmp_path_factory.mktemp("human-recorded-db")
    yield from live_server(
        tmp,
        RoutingSettings(hours="always"),
        voice=VoiceSettings(record_calls=True),
        retention=RetentionSettings(
            recordings_dir=tmp / "recordings", anchor_file=tmp / "anchors.jsonl",
            purge_interval_s=0, anchor_interval_s=0,
        ),
        crypto=CryptoSettings(
            keyring_file=tmp / "keyring.json", index_key_file=tmp / "index-key",
            anchor_key_file=tmp / "anchor.pem",
        ),
    )


def test_recorded_call_keeps_the_agent_leg_with_the_caller_and_the_bot(
    recorded_server: Server, speak: Speak
) -> None:
    from switchboard.speech.audio import read_wav

    server = recorded_server
    ws, cid = call(server)
    with ws:
        ask_for_a_person(ws, speak)
        with available_desk(server, "rita") as (desk, token, _):
            collect(ws, until_type("agent_joined"), 30)
            with connect(
                f"{server.ws_url}/v1/contacts/{cid}/agent-audio",
                subprotocols=["bearer", token],  # type: ignore[list-item]
                max_size=None,
                open_timeout=30,
            ) as audio:
                collect(audio, until_type("ready"), 30)
                samples, rate = speak(AGENT_SAYS)
                send_speech(
                    audio, as_spec(samples, rate, PCM16_48K, pad_ms=1200), PCM16_48K,
                    sampleRate=48000,
                )
                collect(audio, lambda fs: any(f.get("leg") == "agent" for f in fs), 120)
                audio.send(json.dumps({"type": "hangup"}))
                assert collect(ws, until_type("ended"), 60)[-1]["reason"] == "agent_hangup"
            desk.send(json.dumps({"type": "close", "disposition": "resolved"}))
            collect(desk, until_type("closed"), 30)
            desk.send(json.dumps({"type": "status", "status": "offline"}))
            collect(desk, until_type("agent"), 30)
    supervisor = staff_headers(server.settings, "supervisor")
    view = httpx.get(f"{server.http_url}/v1/contacts/{cid}", headers=supervisor, timeout=30)
    legs = {e["data"]["leg"] for e in view.json()["events"] if e["type"] == "recording"}
    assert legs == {"caller", "bot", "agent"}, legs
    played = httpx.get(
        f"{server.http_url}/v1/contacts/{cid}/recordings/agent", headers=supervisor, timeout=30
    )
    assert played.status_code == 200 and played.headers["content-type"] == "audio/wav"
    import io

    agent_leg, rate = read_wav(io.BytesIO(played.content))
    assert rate == 16000
    assert "help you" in heard(agent_leg), heard(agent_leg)


class StubConversation:
    """The conversation service of the stub desk: records the agent's stored lines."""

    def __init__(self) -> None:
        self.agent_lines: list[str] = []

    async def human_agent_message(self, contact_id: str, text: str, *, agent: str) -> str:
        self.agent_lines.append(text)
        return text


class StubDesk:
    """Just enough of the routing desk for a connected line (no queue, no channel)."""

    customers: Any = None
    engine: Any = None
    db: Any = None

    def __init__(self) -> None:
        self.conversation = StubConversation()
        self.customer_lines: list[str] = []

    def take_handover_frame(self, contact_id: str) -> dict[str, Any] | None:
        return None

    def queue_frame(self, placement: Any) -> dict[str, Any]:
        return {}

    async def resume(self, contact_id: str) -> None:
        return None

    async def customer_message(self, contact_id: str, text: str) -> dict[str, Any]:
        self.customer_lines.append(text)
        return {}

    async def book_callback(self, contact_id: str, phone: str) -> Any:
        raise AssertionError("no callback on a connected line")


def drain(queue: Any) -> list[Any]:
    """Everything queued now, in order (the queue is left empty)."""
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def test_mute_and_hold_keep_each_side_from_hearing_the_other() -> None:
    """Muted: the agent's audio never reaches the caller; on hold: the caller's never
    reaches the agent. Unmuted and off hold, both flow (so the checks can fail)."""
    from switchboard.domain.types import Locale
    from switchboard.speech.audio import encode
    from switchboard.testing.speech import fake_speech_stack, tone
    from switchboard.voice.events import AudioOut
    from switchboard.voice.human_line import HumanLine

    pcm = encode(tone(500, rate=16000, level=0.3), PCM16_16K)  # 500 ms, 16 kHz PCM16
    line = HumanLine("contact-1", StubDesk(), fake_speech_stack(), Locale.EN_GB)
    line.state = "connected"
    leg = line.attach_agent("vera")
    try:
        await line.agent_control(leg, "mute", True)
        assert leg.muted
        drain(line._out)  # the echoed ``hold`` frame
        await line.agent_audio(leg, pcm, 16000)
        assert drain(line._out) == []  # nothing to the caller while muted
        await line.agent_control(leg, "mute", False)
        drain(line._out)
        await line.agent_audio(leg, pcm, 16000)
        sent = [e for e in drain(line._out) if isinstance(e, AudioOut)]
        assert sent and rms(pcm16_to_float(b"".join(e.data for e in sent))) > 0.1  # unmuted

        await line.caller_audio(pcm)
        assert any(f["type"] == "audio" for f in drain(leg.frames))  # connected: it flows
        await line.agent_control(leg, "hold", True)
        assert line.state == "on_hold"
        drain(leg.frames)
        await line.caller_audio(pcm)
        got = drain(leg.frames)
        assert not any(f["type"] == "audio" for f in got), got  # on hold: the agent hears nothing
        await line.agent_audio(leg, pcm, 16000)
        assert not any(isinstance(e, AudioOut) for e in drain(line._out))  # nor does the caller
    finally:
        await line.end("agent_left")
