"""Chat socket sequence numbers over real HTTP/WebSocket: resume after a drop, no re-run.

One server (in-process frame channels, the single-machine default); the same
protocol runs through Redis between replicas (tests/cluster, the two-replica
browser test).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from websockets.sync.client import connect

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.e2e


def receive(ws: Any, timeout: float = 60) -> dict[str, Any]:
    frame = json.loads(ws.recv(timeout=timeout))
    assert isinstance(frame, dict)
    return frame


def test_a_dropped_socket_resumes_and_a_resent_message_is_not_run_twice(
    client: httpx.Client, live_server: LiveServer
) -> None:
    started = client.post("/v1/contacts", json={"locale": "en_GB"}).json()
    contact_id, token = started["contact_id"], started["contact_token"]
    auth = {"subprotocols": ["bearer", token]}  # the customer's contact token
    url = f"{live_server.ws_url}/v1/contacts/{contact_id}/chat"
    with connect(url, **auth) as ws:
        ready = receive(ws)
        assert ready["type"] == "ready" and ready["seq"] == 0
        ws.send(json.dumps({"type": "message", "text": "How do I open an account?", "id": "m-1"}))
        first = receive(ws)
        assert first["type"] == "reply" and first["in_reply_to"] == "m-1" and first["seq"] == 1
        # The socket drops right after sending m-2, before its reply arrives.
        ws.send(json.dumps({"type": "message", "text": "thanks", "id": "m-2"}))
    # Reconnect where the client stands (seq 1) and re-send m-2 (its reply unseen).
    with connect(f"{url}?after=1", **auth) as ws:
        ready = receive(ws)
        assert ready["type"] == "ready" and ready["resumed_from"] == 1
        ws.send(json.dumps({"type": "message", "text": "thanks", "id": "m-2"}))
        second = receive(ws)
        assert second["type"] == "reply" and second["in_reply_to"] == "m-2"
        assert second["seq"] == 2
        ws.send(json.dumps({"type": "ping"}))
        assert receive(ws) == {"type": "pong"}, "m-2 was answered twice"
    # A client that saw nothing since seq 0 gets both replies again, in order.
    with connect(f"{url}?after=0", **auth) as ws:
        assert receive(ws)["type"] == "ready"
        replayed = [receive(ws), receive(ws)]
        assert [(f["seq"], f["in_reply_to"]) for f in replayed] == [(1, "m-1"), (2, "m-2")]
    headers = {"Authorization": f"Bearer {token}"}
    view = client.get(f"/v1/contacts/{contact_id}", headers=headers).json()
    said = [m["content"] for m in view["messages"] if m["role"] == "user"]
    assert said == ["How do I open an account?", "thanks"], "a message was stored twice"


def test_resume_ahead_of_the_log_asks_the_client_to_resync(
    client: httpx.Client, live_server: LiveServer
) -> None:
    started = client.post("/v1/contacts", json={"locale": "en_GB"}).json()
    contact_id, token = started["contact_id"], started["contact_token"]
    url = f"{live_server.ws_url}/v1/contacts/{contact_id}/chat?after=99"
    with connect(url, subprotocols=["bearer", token]) as ws:
        assert receive(ws)["type"] == "ready"
        assert receive(ws) == {"type": "resync", "seq": 0}
