"""PostgreSQL down for a few seconds mid-chat (issue 14 fault): the customer's message
is not lost. A real ``switchboard serve`` process on a private PostgreSQL server
(:class:`switchboard.testing.pg.PrivatePostgres`); the customer talks over the real
chat WebSocket from this process.

While the database is down the turn fails retryably: the customer gets one ``delayed``
frame, the server tries again with back-off, and once PostgreSQL is back the reply
comes, tagged with the message id, and the message is stored once.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from switchboard.testing.pg import PrivatePostgres, server_binaries
from switchboard.testing.socket_caller import ServerProcess

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        server_binaries() is None, reason="PostgreSQL server binaries (initdb, pg_ctl) missing"
    ),
]


def receive(ws: Any, timeout: float = 90) -> dict[str, Any]:
    frame = json.loads(ws.recv(timeout=timeout))
    assert isinstance(frame, dict)
    return frame


def say(ws: Any, frame: dict[str, str]) -> None:
    ws.send(json.dumps(frame))


def test_a_message_sent_while_postgresql_is_down_is_answered_once_it_is_back() -> None:
    with PrivatePostgres() as pg, ServerProcess(
        env={"SWITCHBOARD_DATABASE_URL": pg.url}, nice=5
    ) as server:
        started = httpx.post(f"{server.http_url}/v1/contacts", json={"locale": "en_GB"}).json()
        contact_id, token = started["contact_id"], started["contact_token"]
        url = f"{server.ws_url}/v1/contacts/{contact_id}/chat"
        with connect(url, subprotocols=["bearer", token]) as ws:
            assert receive(ws)["type"] == "ready"
            say(ws, {"type": "message", "text": "How do I open an account?", "id": "m-1"})
            assert receive(ws)["in_reply_to"] == "m-1"
            pg.stop()
            back = threading.Timer(4.0, pg.start)
            back.start()
            try:
                sent = time.monotonic()
                say(ws, {"type": "message", "text": "Where is the Leeds branch?", "id": "m-2"})
                late = receive(ws)
                reply = receive(ws)
            finally:
                back.cancel()
                back.join()
            assert late["type"] == "delayed" and late["in_reply_to"] == "m-2", late
            # a refused connect is store_error; a pooled connection the stop killed
            # (and whose one fresh retry also failed) is store_connection_lost
            assert late["code"] in {"store_error", "store_connection_lost"}, late
            assert reply["type"] == "reply" and reply["in_reply_to"] == "m-2", reply
            assert "Leeds" in reply["text"]
            assert time.monotonic() - sent >= 3.0  # answered after the outage, not before
        view = httpx.get(
            f"{server.http_url}/v1/contacts/{contact_id}",
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        said = [m["content"] for m in view["messages"] if m["role"] == "user"]
        assert said == ["How do I open an account?", "Where is the Leeds branch?"]
