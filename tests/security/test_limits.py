"""Abuse limits (issue 13 item 6): per-IP and per-contact rates, body and frame sizes.

A small app (in-memory SQLite, scripted router) with tight limits: every
refusal is a clear 429/413 or an ``error`` frame, and nothing already said is
lost — the socket and the contact stay usable after a refused frame.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from switchboard.agent.service import AgentService
from switchboard.api import create_app
from switchboard.compose import build_service
from switchboard.config import LimitSettings, Settings
from switchboard.store import SqlStore
from switchboard.testing.fakes import ScriptedRouter

LIMITS = LimitSettings(
    contacts_per_ip="4/minute",
    per_contact="3/minute",
    login_per_ip="2/minute",
    sockets_per_ip="3/minute",
    max_body_bytes=2048,
    max_chat_frame_bytes=512,
)
SETTINGS = Settings(database_url="sqlite://", summaries={"directory": None}, limits=LIMITS)


@pytest.fixture
async def service() -> AsyncIterator[AgentService]:
    svc = await build_service(SETTINGS, store=SqlStore("sqlite://"), router=ScriptedRouter({}))
    yield svc
    await svc.aclose()


def start(http: TestClient) -> dict[str, Any]:
    response = http.post("/v1/contacts", json={})
    assert response.status_code == 201, response.text
    return dict(response.json())


def auth(started: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {started['contact_token']}"}


async def test_contacts_messages_and_logins_are_rate_limited(service: AgentService) -> None:
    with TestClient(create_app(SETTINGS, service=service)) as http:
        first, second = start(http), start(http)
        url = f"/v1/contacts/{first['contact_id']}/messages"
        for _ in range(3):
            assert http.post(url, json={"text": "hello"}, headers=auth(first)).status_code == 200
        refused = http.post(url, json={"text": "hello"}, headers=auth(first))
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["error"]["code"] == "too_many_requests"
        other = f"/v1/contacts/{second['contact_id']}/messages"
        assert http.post(other, json={"text": "hi"}, headers=auth(second)).status_code == 200

        start(http), start(http)
        over = http.post("/v1/contacts", json={})
        assert over.status_code == 429 and over.json()["error"]["code"] == "rate_limited"
        assert over.json()["error"]["retryable"] is True

        bad = {"username": "nobody", "password": "wrong-password"}
        assert [http.post("/v1/auth/login", json=bad).status_code for _ in range(3)] == [
            401,
            401,
            429,
        ]
        # the refused messages were not stored; the allowed ones were
        view = http.get(f"/v1/contacts/{first['contact_id']}", headers=auth(first)).json()
        assert [m["content"] for m in view["messages"] if m["role"] == "user"] == ["hello"] * 3


async def test_oversized_bodies_get_413(service: AgentService) -> None:
    with TestClient(create_app(SETTINGS, service=service)) as http:
        started = start(http)
        url = f"/v1/contacts/{started['contact_id']}/messages"
        big = http.post(url, json={"text": "x" * 4000}, headers=auth(started))
        assert big.status_code == 413 and big.json()["error"]["code"] == "payload_too_large"

        def chunks() -> Any:  # no Content-Length: the limit counts the bytes as they come
            yield b'{"text": "'
            yield b"y" * 3000
            yield b'"}'

        streamed = http.post(
            url,
            content=chunks(),
            headers={**auth(started), "Content-Type": "application/json"},
        )
        assert streamed.status_code == 413
        fine = http.post(url, json={"text": "still here"}, headers=auth(started))
        assert fine.status_code == 200


async def test_big_chat_frames_are_refused_and_the_contact_kept(service: AgentService) -> None:
    with TestClient(create_app(SETTINGS, service=service)) as http:
        started = start(http)
        path = f"/v1/contacts/{started['contact_id']}/chat"
        with http.websocket_connect(path, subprotocols=["bearer", started["contact_token"]]) as ws:
            assert ws.receive_json()["type"] == "ready"
            ws.send_text('{"type": "message", "text": "' + "z" * 2000 + '"}')
            refused = ws.receive_json()
            assert refused["type"] == "error" and refused["code"] == "frame_too_large"
            ws.send_json({"type": "ping"})
            assert ws.receive_json() == {"type": "pong"}
            ws.send_json({"type": "message", "text": "a normal question"})
            assert ws.receive_json()["type"] == "reply"


async def test_socket_handshakes_are_rate_limited_per_address(service: AgentService) -> None:
    with TestClient(create_app(SETTINGS, service=service)) as http:
        started = start(http)
        path = f"/v1/contacts/{started['contact_id']}/chat"
        protocols = ["bearer", started["contact_token"]]
        for _ in range(3):
            with http.websocket_connect(path, subprotocols=protocols) as ws:
                assert ws.receive_json()["type"] == "ready"
        with http.websocket_connect(path, subprotocols=protocols) as ws:
            frame = ws.receive_json()
            assert frame["type"] == "error" and frame["code"] == "rate_limited"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
        assert closed.value.code == 4429
