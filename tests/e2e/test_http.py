"""The API over real HTTP and a real WebSocket (uvicorn on loopback, real AgentService)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from switchboard.identity import TokenService
from switchboard.testing.identity import bearer, staff_headers

if TYPE_CHECKING:
    from conftest import LiveServer

pytestmark = pytest.mark.e2e

ACCOUNT_QUESTION = "How do I open a checking account online?"


def string_leaves(value: Any) -> list[str]:
    """Every string inside a JSON value (tool outputs are nested dicts/lists)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in string_leaves(item)]
    if isinstance(value, list):
        return [s for item in value for s in string_leaves(item)]
    return []


def start_contact(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/contacts", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def customer(started: dict[str, Any]) -> dict[str, str]:
    """The headers of the customer who started this contact (its contact token)."""
    return bearer(started["contact_token"])


def token_for(live_server: LiveServer, contact_id: str) -> str:
    """A contact token signed with the app's secret (for ids no one could have started)."""
    return TokenService(live_server.settings.identity).issue_contact(contact_id)


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert error["retryable"] is False


def test_health_reports_store_and_brain(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() | {"version": "x"} == {
        "status": "ok",
        "store": "ok",
        "brain": "local",
        "version": "x",
    }


def test_start_contact_returns_greeting_in_the_asked_locale(client: httpx.Client) -> None:
    default = start_contact(client)
    assert default["locale"] == "en_GB" and default["status"] == "active"
    french = start_contact(client, locale="fr_FR", customer_endpoint="+33123456789")
    assert french["locale"] == "fr_FR"
    assert french["contact_id"] != default["contact_id"]
    assert default["greeting"] and french["greeting"]
    assert french["greeting"] != default["greeting"]  # localised, not the English line


def test_grounded_answer_then_transcript_and_events(client: httpx.Client) -> None:
    started = start_contact(client)
    contact_id = started["contact_id"]

    response = client.post(
        f"/v1/contacts/{contact_id}/messages",
        json={"text": ACCOUNT_QUESTION},
        headers=customer(started),
    )
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["contact_id"] == contact_id
    assert reply["route"] == "account_opening"
    assert reply["action"] == "answer"
    tools = {tool["name"]: tool for tool in reply["tools"]}
    assert "get_digital_account_opening_info" in tools
    tool = tools["get_digital_account_opening_info"]
    assert tool["error"] is None and tool["output"]
    assert reply["validation"]["passed"] is True
    # Grounded: some fact of the tool output is in the words the customer reads.
    facts = [s for s in string_leaves(tool["output"]) if len(s) >= 6]
    assert any(fact.lower() in reply["text"].lower() for fact in facts), (reply["text"], facts)

    view = client.get(f"/v1/contacts/{contact_id}", headers=customer(started))
    assert view.status_code == 200
    body = view.json()
    assert body["contact"]["contact_id"] == contact_id
    assert [m["role"] for m in body["messages"]] == ["user", "assistant"]
    assert body["messages"][0]["content"] == ACCOUNT_QUESTION
    assert body["messages"][1]["content"] == reply["text"]
    types = [event["type"] for event in body["events"]]
    for expected in (
        "conversation_start",
        "user_input",
        "tool_invocation",
        "validation_check",
        "agent_reply",
    ):
        assert expected in types, types
    assert types[0] == "conversation_start"
    assert types.index("user_input") < types.index("tool_invocation")
    assert types.index("tool_invocation") < types.index("validation_check")


def test_errors_are_structured(client: httpx.Client, live_server: LiveServer) -> None:
    started = start_contact(client)
    contact_id, mine = started["contact_id"], customer(started)
    unknown = "00000000-0000-4000-8000-000000000000"
    supervisor = staff_headers(live_server.settings, "supervisor")
    unknown_customer = bearer(token_for(live_server, unknown))

    assert_error(client.get(f"/v1/contacts/{unknown}", headers=supervisor), 404, "unknown_contact")
    assert_error(
        client.post(
            f"/v1/contacts/{unknown}/messages", json={"text": "hello"}, headers=unknown_customer
        ),
        404,
        "unknown_contact",
    )
    assert_error(
        client.post(f"/v1/contacts/{unknown}/end", headers=supervisor), 404, "unknown_contact"
    )
    assert_error(
        client.post(f"/v1/contacts/{contact_id}/messages", json={"text": ""}, headers=mine),
        422,
        "invalid_input",
    )
    assert_error(
        client.post(f"/v1/contacts/{contact_id}/messages", json={"text": "   \n "}, headers=mine),
        422,
        "invalid_input",
    )
    missing = client.post(f"/v1/contacts/{contact_id}/messages", json={}, headers=mine)
    assert_error(missing, 422, "invalid_input")
    assert missing.json()["error"]["details"][0]["loc"] == ["body", "text"]
    assert_error(
        client.post(f"/v1/contacts/{contact_id}/messages", content=b"{not json", headers=mine),
        422,
        "invalid_input",
    )
    assert_error(client.post("/v1/contacts", json={"locale": "de_DE"}), 422, "invalid_input")
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    # Nothing was stored for the rejected messages.
    assert client.get(f"/v1/contacts/{contact_id}", headers=mine).json()["messages"] == []


def test_end_contact_then_no_more_turns(client: httpx.Client) -> None:
    started = start_contact(client)
    contact_id, mine = started["contact_id"], customer(started)
    ended = client.post(f"/v1/contacts/{contact_id}/end", headers=mine)
    assert ended.status_code == 200
    assert ended.json()["status"] == "resolved" and ended.json()["ended_at"]
    assert_error(
        client.post(f"/v1/contacts/{contact_id}/messages", json={"text": "hello"}, headers=mine),
        422,
        "invalid_input",
    )
    view = client.get(f"/v1/contacts/{contact_id}", headers=mine)
    events = [e["type"] for e in view.json()["events"]]
    assert events[-1] == "conversation_end"


def receive(ws: Any) -> dict[str, Any]:
    frame = json.loads(ws.recv(timeout=60))
    assert isinstance(frame, dict)
    return frame


def test_websocket_keeps_the_conversation_after_a_bad_frame(
    client: httpx.Client, live_server: LiveServer
) -> None:
    started = start_contact(client)
    contact_id = started["contact_id"]
    with connect(
        f"{live_server.ws_url}/v1/contacts/{contact_id}/chat",
        subprotocols=["bearer", started["contact_token"]],
    ) as ws:
        ready = receive(ws)
        assert isinstance(ready.pop("replica"), str)
        assert ready == {"type": "ready", "contact_id": contact_id, "locale": "en_GB", "seq": 0}

        ws.send(json.dumps({"type": "message", "text": ACCOUNT_QUESTION}))
        first = receive(ws)
        assert first["type"] == "reply"
        assert first["route"] == "account_opening"
        assert "get_digital_account_opening_info" in [t["name"] for t in first["tools"]]

        ws.send("this is not json")
        bad = receive(ws)
        assert bad["type"] == "error" and bad["code"] == "invalid_input"
        assert "JSON" in bad["message"]

        ws.send(json.dumps({"type": "message"}))
        missing = receive(ws)
        assert missing["type"] == "error" and "text" in missing["message"]

        ws.send(json.dumps({"type": "message", "text": "   "}))
        assert receive(ws)["code"] == "invalid_input"

        ws.send(json.dumps({"type": "dance"}))
        assert receive(ws)["type"] == "error"

        ws.send(b"\x00\x01")
        assert receive(ws)["type"] == "error"

        ws.send(json.dumps({"type": "ping"}))
        assert receive(ws) == {"type": "pong"}

        ws.send(json.dumps({"type": "message", "text": "Where is the nearest branch in Leeds?"}))
        second = receive(ws)
        assert second["type"] == "reply"
        assert second["route"] == "branch"
        assert second["turn_index"] > first["turn_index"]

        ws.send(json.dumps({"type": "end"}))
        ended = receive(ws)
        assert ended["type"] == "ended" and ended["contact"]["status"] == "resolved"
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)

    messages = client.get(f"/v1/contacts/{contact_id}", headers=customer(started)).json()[
        "messages"
    ]
    assert [m["content"] for m in messages if m["role"] == "user"] == [
        ACCOUNT_QUESTION,
        "Where is the nearest branch in Leeds?",
    ]


def test_websocket_unknown_contact_gets_error_then_close(live_server: LiveServer) -> None:
    token = token_for(live_server, "no-such-contact")  # a valid token, no such contact
    with connect(
        f"{live_server.ws_url}/v1/contacts/no-such-contact/chat", subprotocols=["bearer", token]
    ) as ws:
        frame = receive(ws)
        assert frame["type"] == "error" and frame["code"] == "unknown_contact"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


def test_openapi_docs_and_web_page_are_served(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/v1/contacts", "/v1/contacts/{contact_id}/messages", "/health"} <= set(spec["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200
    # Offline users: the Swagger UI assets come from this server, not a CDN.
    assert "cdn.jsdelivr.net" not in docs.text and "unpkg.com" not in docs.text
    import re

    assets = re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css))"', docs.text)
    assert assets and all(client.get(a).status_code == 200 for a in assets)
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/app.js").status_code == 200
