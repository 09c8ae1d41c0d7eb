"""Nova Sonic as the voice engine behind the browser socket, on recorded model events.

A second live app runs with ``voice_engine="nova_sonic"``; its stream opener
replays ``fixtures/nova_sonic/branch_question.json`` (no AWS here). Real MCP
tools, the real validation agent, the real store and the real browser socket.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from voice_audio import collect, speech_stack
from websockets.sync.client import connect

from switchboard.config import AuthSettings, Settings
from switchboard.testing.identity import staff_headers
from switchboard.testing.nova_sonic import ReplayNovaStream

pytestmark = pytest.mark.e2e

RECORDING = Path(__file__).parent / "fixtures" / "nova_sonic" / "branch_question.json"


@pytest.fixture(scope="module")
def nova_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    from switchboard.api import create_app
    from switchboard.testing.live import LiveApp
    from switchboard.voice.transports.auth import issue_token

    settings = Settings(
        database_url=f"sqlite:///{tmp_path_factory.mktemp('nova-db') / 'nova.db'}",
        log_json=False,
        log_level="WARNING",
        auth=AuthSettings(jwt_secret=SecretStr("nova-socket-tests-secret-0123456789")),
        voice_engine="nova_sonic",
    )
    app = create_app(settings)
    app.state.speech = speech_stack()

    async def open_replay() -> ReplayNovaStream:
        return ReplayNovaStream.from_file(RECORDING)

    app.state.nova_stream_opener = open_replay
    with LiveApp(app) as live:
        SUPERVISOR.update(staff_headers(settings, "supervisor"))
        yield live.http_url, live.ws_url, issue_token(settings.auth, "nova-tests", ttl_s=600)


#: Who reads the contact after the call (set by the fixture).
SUPERVISOR: dict[str, str] = {}


def test_nova_sonic_call_over_the_browser_socket(nova_server: tuple[str, str, str]) -> None:
    http_url, ws_url, token = nova_server
    with connect(f"{ws_url}/v1/voice", subprotocols=["bearer", token], max_size=None) as ws:
        ready = collect(ws, lambda fs: any(f["type"] == "ready" for f in fs), 120)
        contact_id = next(f for f in ready if f["type"] == "ready")["contactId"]
        silence = base64.b64encode(bytes(3200)).decode()  # 100 ms of 16 kHz PCM16
        for _ in range(20):
            ws.send(json.dumps({"type": "audio", "data": silence}))

        def done(frames: list[dict[str, Any]]) -> bool:
            replies = [f for f in frames if f["type"] == "reply" and f["kind"] == "turn"]
            return len(replies) >= 2 and any(
                f["type"] == "audio" and f["replyId"] == replies[-1]["replyId"] for f in frames
            )

        frames = ready + collect(ws, done, 60)
        greeting = next(f for f in frames if f["type"] == "reply")
        assert greeting["kind"] == "greeting"
        transcript = next(f for f in frames if f["type"] == "transcript")
        assert transcript["text"] == "Where is the nearest branch in Manchester?"
        replies = [f["text"] for f in frames if f["type"] == "reply" and f["kind"] == "turn"]
        assert replies[0].startswith("The nearest branch is Manchester King Street")
        audio = [f for f in frames if f["type"] == "audio" and f["replyId"] >= 1]
        assert audio and all(f["sampleRate"] == 16000 for f in audio)  # 24 kHz → 16 kHz
        assert any(f["type"] == "error" and f["code"] == "provider_protocol" for f in frames)
        ws.send(json.dumps({"type": "hangup"}))
        collect(ws, lambda fs: any(f["type"] == "ended" for f in fs), 60)

    view = httpx.get(f"{http_url}/v1/contacts/{contact_id}", headers=SUPERVISOR, timeout=30).json()
    kinds = [e["type"] for e in view["events"]]
    assert "tool_invocation" in kinds and kinds.count("validation_check") == 2
    assert [m["role"] for m in view["messages"]] == ["user", "assistant"]
