"""Overload on the chat socket: a ``busy`` frame, then an idempotent re-send (issue 14).

A message whose id is still being answered elsewhere (a re-send after a reconnect
while the first attempt's turn still runs, here: its claim held by the test) used to
wait 30 s for the claim and then get an ``error`` frame: the message was lost. Now
the socket says ``busy`` after a short wait and the client re-sends the same id; the
turn runs once, the reply comes once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi.testclient import TestClient

from switchboard.agent.service import AgentService
from switchboard.api import create_app, ws
from switchboard.api.agents import cluster_for
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.store import SqlStore
from switchboard.testing.fakes import ScriptedRouter

SETTINGS = Settings(database_url="sqlite://", summaries={"directory": None})


@pytest.fixture
async def service() -> AsyncIterator[AgentService]:
    svc = await build_service(SETTINGS, store=SqlStore("sqlite://"), router=ScriptedRouter({}))
    yield svc
    await svc.aclose()


async def test_busy_then_the_same_id_is_answered_once(
    service: AgentService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ws, "BUSY_AFTER_S", 0.2)
    app = create_app(SETTINGS, service=service)
    with TestClient(app) as http:
        started = http.post("/v1/contacts", json={}).json()
        contact_id = started["contact_id"]
        claims = cluster_for(app).claims
        held = await claims.claim(contact_id, "m-1")  # "still being answered elsewhere"
        assert held.fence is not None
        path = f"/v1/contacts/{contact_id}/chat"
        with http.websocket_connect(path, subprotocols=["bearer", started["contact_token"]]) as s:
            assert s.receive_json()["type"] == "ready"
            s.send_json({"type": "message", "text": "How do I open an account?", "id": "m-1"})
            busy = s.receive_json()
            assert busy == {"type": "busy", "id": "m-1", "retry_after_ms": ws.BUSY_RETRY_MS}
            await claims.release(held.fence)  # that attempt gave up without answering
            s.send_json({"type": "message", "text": "How do I open an account?", "id": "m-1"})
            reply = s.receive_json()
            assert reply["type"] == "reply" and reply["in_reply_to"] == "m-1"
            s.send_json({"type": "message", "text": "How do I open an account?", "id": "m-1"})
            s.send_json({"type": "ping"})
            assert s.receive_json() == {"type": "pong"}, "m-1 was answered twice"
        view = http.get(
            f"/v1/contacts/{contact_id}",
            headers={"Authorization": f"Bearer {started['contact_token']}"},
        ).json()
        said = [m["content"] for m in view["messages"] if m["role"] == "user"]
        assert said == ["How do I open an account?"]
