"""A handover from every channel reaches the human-agent queue and is offered to an agent.

One live app (real router, MCP tools, SQLite, queues open 24x7, the real speech
stack) per module. Each test hands one contact over through one channel —
``POST /v1/contacts/{id}/messages``, the chat socket, the browser voice socket
with synthesised speech — then checks ``GET /v1/queues`` counts it, and that an
agent who goes available on the desk socket is assigned exactly that contact
(and closes it, so the next test starts from empty queues).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from pydantic import SecretStr
from voice_audio import as_spec, chunks, collect
from websockets.sync.client import ClientConnection, connect

from switchboard.config import AuthSettings, RoutingSettings, Settings
from switchboard.testing.identity import bearer, staff_headers, staff_token
from switchboard.voice.events import PCM16_16K

pytestmark = pytest.mark.e2e

TO_HUMAN = "I want to speak to a person"
SECRET = "handover-channel-tests-secret-0123456789abcdef"


class Server:
    """The live app's URLs and a voice token."""

    def __init__(self, http_url: str, ws_url: str, token: str, settings: Settings) -> None:
        self.http_url = http_url
        self.ws_url = ws_url
        self.token = token
        self.settings = settings
        self.supervisor = staff_headers(settings, "supervisor")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from voice_audio import speech_stack

    from switchboard.api import create_app
    from switchboard.testing.live import LiveApp
    from switchboard.voice.transports.auth import issue_token

    db = tmp_path_factory.mktemp("handover-db") / "switchboard.db"
    settings = Settings(
        database_url=f"sqlite:///{db}",
        log_json=False,
        log_level="WARNING",
        routing=RoutingSettings(hours="always"),
        auth=AuthSettings(jwt_secret=SecretStr(SECRET)),
    )
    app = create_app(settings)
    app.state.speech = speech_stack()
    with LiveApp(app) as live:
        token = issue_token(settings.auth, "handover", ttl_s=3600)
        yield Server(live.http_url, live.ws_url, token, settings)


def waiting(server: Server) -> int:
    """Contacts waiting over all queues (``GET /v1/queues``)."""
    queues = httpx.get(f"{server.http_url}/v1/queues", headers=server.supervisor, timeout=30)
    queues = queues.json()
    return sum(int(q["size"]) for q in queues)


def read_until(ws: ClientConnection, kind: str, timeout: float = 60) -> dict[str, Any]:
    """The first frame of type ``kind`` (others are skipped)."""
    frames = collect(ws, lambda fs: any(f.get("type") == kind for f in fs), timeout)
    return next(f for f in frames if f.get("type") == kind)


def offered_to_an_agent(server: Server, contact_id: str, name: str) -> dict[str, Any]:
    """Sign an agent in, go available on the desk socket, return its ``assigned`` frame.

    The agent then closes the contact and goes offline, so that the next test
    starts from empty queues and no available agent.
    """
    token = staff_token(server.settings, "agent", name)
    agent = httpx.post(
        f"{server.http_url}/v1/agents", json={}, headers=bearer(token), timeout=30
    ).json()
    with connect(
        f"{server.ws_url}/v1/agents/{agent['agent_id']}/desk",
        subprotocols=["bearer", token],  # type: ignore[list-item]
        open_timeout=30,
    ) as ws:
        read_until(ws, "agent")
        ws.send(json.dumps({"type": "status", "status": "available"}))
        assigned = read_until(ws, "assigned", 30)
        ws.send(json.dumps({"type": "close", "disposition": "resolved"}))
        read_until(ws, "closed", 30)
        ws.send(json.dumps({"type": "status", "status": "offline"}))  # takes no next contact
        read_until(ws, "agent", 30)
    assert assigned["contact_id"] == contact_id
    return assigned


def test_rest_handover_is_queued_and_offered(server: Server) -> None:
    assert waiting(server) == 0
    base = server.http_url
    contact = httpx.post(f"{base}/v1/contacts", json={}, timeout=60).json()
    cid, mine = contact["contact_id"], bearer(contact["contact_token"])
    reply = httpx.post(
        f"{base}/v1/contacts/{cid}/messages", json={"text": TO_HUMAN}, headers=mine, timeout=60
    )
    assert reply.json()["action"] == "handover", reply.json()
    assert waiting(server) == 1
    # While waiting, a REST message with a card and a phone number: not a second entry,
    # and stored redacted.
    pii = "My card 4111 1111 1111 1111 was charged twice, call me on +44 7700 900123"
    later = httpx.post(
        f"{base}/v1/contacts/{cid}/messages", json={"text": pii}, headers=mine, timeout=60
    )
    assert later.json()["handover"] is None
    assert waiting(server) == 1
    view = httpx.get(f"{base}/v1/contacts/{cid}", headers=mine, timeout=30).json()
    stored = " ".join(m["content"] for m in view["messages"])
    assert "[CARD]" in stored and "[PHONE]" in stored
    assert "4111" not in stored and "7700 900123" not in stored
    assigned = offered_to_an_agent(server, cid, "Rita")
    assert assigned["summary"]["handover_reason"] == "explicit_request"
    assert assigned["attributes"]["target_queue"] == assigned["queue"]
    assert waiting(server) == 0


def test_chat_socket_handover_is_queued_and_offered(server: Server) -> None:
    assert waiting(server) == 0
    contact = httpx.post(f"{server.http_url}/v1/contacts", json={}, timeout=60).json()
    cid = contact["contact_id"]
    with connect(
        f"{server.ws_url}/v1/contacts/{cid}/chat",
        subprotocols=["bearer", contact["contact_token"]],
        open_timeout=30,
    ) as ws:
        read_until(ws, "ready")
        ws.send(json.dumps({"type": "message", "text": TO_HUMAN}))
        assert read_until(ws, "reply")["action"] == "handover"
        queued = read_until(ws, "queue")
        assert queued["position"] == 1
        assert waiting(server) == 1
        offered_to_an_agent(server, cid, "Chad")
        assert read_until(ws, "agent_joined")["agent"] == "Chad"


Speak = Callable[[str], tuple[np.ndarray, int]]


def test_voice_handover_is_queued_and_offered_while_the_caller_holds(
    server: Server, speak: Speak
) -> None:
    """The browser voice socket (``WS /v1/voice``) with synthesised speech.

    The call stays up on the handover (the caller is held: ``queue`` frame, hold
    audio; see tests/voice/test_human_line.py); the contact is offered to an agent.
    """
    assert waiting(server) == 0
    ws = connect(
        f"{server.ws_url}/v1/voice?locale=en_GB",
        subprotocols=["bearer", server.token],  # type: ignore[list-item]
        max_size=None,
        open_timeout=60,
    )
    with ws:
        ready = read_until(ws, "ready", 120)
        cid = ready["contactId"]
        samples, rate = speak("I want to speak to a human agent please.")
        for part in chunks(as_spec(samples, rate, PCM16_16K, pad_ms=800), PCM16_16K, 100):
            ws.send(json.dumps({"type": "audio", "data": base64.b64encode(part).decode()}))
        ws.send(json.dumps({"type": "audio", "data": "", "endOfUtterance": True}))
        queued = read_until(ws, "queue", 180)
        assert queued["position"] == 1
        assert waiting(server) == 1
        view = httpx.get(
            f"{server.http_url}/v1/contacts/{cid}", headers=server.supervisor, timeout=30
        )
        contact = view.json()["contact"]
        assert contact["status"] == "transferred" and contact["ended_at"] is None  # on hold
        assigned = offered_to_an_agent(server, cid, "Vera")
        assert read_until(ws, "agent_joined", 30)["agent"] == "Vera"
        assert read_until(ws, "ended", 60)["reason"] == "agent_left"  # closed by the agent
    assert any(line["source"] == "CUSTOMER" for line in assigned["transcript"])
