"""The role matrix (issue 13): every OpenAPI route and every WebSocket × every principal.

``EXPECTED`` says who may use each route; the first tests fail when the app
has a route or socket that is not in it (a new, unguarded route), or when the
table names one the app no longer has. Each cell is then played against the
live app with real tokens:

* allowed → anything but 401/403 (mutating routes get a body of the wrong
  type, so an allowed call stops at 422 after the guard and changes nothing);
* refused → 401 without a usable credential, 403 with one; sockets get an
  ``error`` frame (``unauthorized``/``forbidden``) and close 4401/4403.

Voice sockets take voice tokens (``switchboard.voice.transports.auth``); the
browser call (``/v1/voice``) also takes a customer's contact token, whose
contact the call continues (played here on a fresh contact, so that hanging
up ends no contact the other cells use). Staff tokens are refused with 4401;
the voice token's allowed cells are played by the voice tests.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import jwt
import pytest
from fastapi.routing import APIWebSocketRoute
from starlette.routing import WebSocketRoute
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from switchboard.config import Settings

from .conftest import World

PRINCIPALS = (
    "anonymous",
    "customer",
    "other_customer",
    "agent",
    "other_agent",
    "supervisor",
    "admin",
    "metrics",
)
ALL = frozenset(PRINCIPALS)
STAFF = frozenset({"agent", "other_agent", "supervisor", "admin"})
SUPERVISORS = frozenset({"supervisor", "admin"})

#: (method, path) → principals allowed. ``voice`` sockets: none of these principals.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/health"): ALL,
    ("POST", "/v1/contacts"): ALL,
    ("POST", "/v1/auth/login"): ALL,
    ("POST", "/v1/contacts/{contact_id}/messages"): frozenset({"customer"}),
    ("POST", "/v1/contacts/{contact_id}/end"): frozenset({"customer"}) | SUPERVISORS,
    ("GET", "/v1/contacts/{contact_id}"): frozenset({"customer", "agent"}) | SUPERVISORS,
    ("GET", "/v1/contacts/{contact_id}/summary"): frozenset({"agent"}) | SUPERVISORS,
    # issue 12: call recordings (supervisors and admins only)
    ("GET", "/v1/contacts/{contact_id}/recordings"): SUPERVISORS,
    ("GET", "/v1/contacts/{contact_id}/recordings/{leg}"): SUPERVISORS,
    ("POST", "/v1/contacts/{contact_id}/callback"): frozenset({"customer"}),
    ("POST", "/v1/agents"): frozenset({"agent", "other_agent", "admin"}),
    ("POST", "/v1/agents/{agent_id}/status"): frozenset({"agent"}) | SUPERVISORS,
    ("GET", "/v1/queues"): STAFF,
    ("GET", "/metrics"): SUPERVISORS | {"metrics"},
    ("GET", "/v1/supervisor/contacts"): SUPERVISORS,
    ("GET", "/v1/auth/me"): STAFF,
    ("GET", "/v1/users"): frozenset({"admin"}),
    ("POST", "/v1/users"): frozenset({"admin"}),
    ("POST", "/v1/users/{username}/disable"): frozenset({"admin"}),
    ("POST", "/v1/users/{username}/enable"): frozenset({"admin"}),
    ("GET", "/v1/settings"): frozenset({"admin"}),
    ("WS", "/v1/contacts/{contact_id}/chat"): frozenset({"customer"}),
    ("WS", "/v1/agents/{agent_id}/desk"): frozenset({"agent"}),
    ("WS", "/v1/supervisor/ws"): SUPERVISORS,
    ("WS", "/v1/voice"): frozenset({"customer", "other_customer"}),  # each its own contact
    ("WS", "/v1/twilio/media"): frozenset(),
    ("WS", "/connect/{call_id}"): frozenset(),
    # issue 13: admin privacy routes
    ("POST", "/v1/admin/erasure"): frozenset({"admin"}),
    ("GET", "/v1/admin/audit/verify"): frozenset({"admin"}),
}
VOICE_SOCKETS = {"/v1/voice", "/v1/twilio/media", "/connect/{call_id}"}

#: Bodies of the wrong type: an allowed caller gets 422 from validation, after the guard.
WRONG_BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/v1/auth/login"): {"username": 5},
    ("POST", "/v1/contacts/{contact_id}/messages"): {"text": 5},
    ("POST", "/v1/contacts/{contact_id}/end"): {"status": 5},
    ("POST", "/v1/contacts/{contact_id}/callback"): {"phone": 5},
    ("POST", "/v1/agents"): {"name": 5},
    ("POST", "/v1/agents/{agent_id}/status"): {"status": "bogus"},
    ("POST", "/v1/users"): {"username": 5},
    ("POST", "/v1/admin/erasure"): {"customer": 5},
}


def app_routes(settings: Settings) -> set[tuple[str, str]]:
    """Every (method, path) of the OpenAPI plus ("WS", path) of every socket."""
    from switchboard.api import create_app

    app = create_app(settings)
    found = {
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    found |= {
        ("WS", route.path)
        for route in flat_routes(app)
        if isinstance(route, WebSocketRoute | APIWebSocketRoute)
    }
    return found


def flat_routes(app: Any) -> list[Any]:
    """The app's routes with included routers opened (FastAPI >= 0.16x wraps them)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is already flat
        return list(app.routes)
    return [ctx.original_route for ctx in iter_route_contexts(app.routes)]


def test_every_route_and_socket_is_in_the_matrix(world: World) -> None:
    routes = app_routes(world.settings)
    missing = routes - set(EXPECTED)
    assert not missing, f"routes without an access rule in the matrix: {sorted(missing)}"
    stale = set(EXPECTED) - routes
    assert not stale, f"matrix names routes the app does not have: {sorted(stale)}"


def test_matrix_size_is_reported(world: World) -> None:
    routes = app_routes(world.settings)
    cells = len(routes) * len(PRINCIPALS)
    print(f"role matrix: {len(routes)} routes/sockets x {len(PRINCIPALS)} principals = {cells}")
    assert len(routes) >= 25


def _url(world: World, path: str) -> str:
    return (
        path.replace("{contact_id}", world.contact_id)
        .replace("{agent_id}", world.agent_id)
        .replace("{username}", "nobody-here")
        .replace("{call_id}", "matrix-call")
        .replace("{leg}", "caller")
    )


HTTP_CELLS = [(route, who) for route in EXPECTED if route[0] != "WS" for who in PRINCIPALS]


@pytest.mark.parametrize(("route", "who"), HTTP_CELLS, ids=lambda v: str(v))
def test_http_cell(world: World, route: tuple[str, str], who: str) -> None:
    method, path = route
    body = WRONG_BODIES.get(route, {}) if method == "POST" else None
    response = httpx.request(
        method,
        world.http_url + _url(world, path),
        json=body,
        headers=world.headers(who),
        timeout=60,
    )
    if who in EXPECTED[route]:
        assert response.status_code not in (401, 403), (route, who, response.text)
        assert response.status_code < 500, (route, who, response.text)
    else:
        unauthenticated = who in ("anonymous", "metrics")
        expected = 401 if unauthenticated else 403
        assert response.status_code == expected, (route, who, response.text)
        error = response.json()["error"]
        assert error["code"] == ("unauthorized" if expected == 401 else "forbidden")


WS_CELLS = [(route, who) for route in EXPECTED if route[0] == "WS" for who in PRINCIPALS]


def _first_frame(world: World, path: str, who: str) -> tuple[dict[str, Any], int | None]:
    token = world.tokens[who]
    if path == "/v1/voice" and who in ("customer", "other_customer"):
        token = httpx.post(f"{world.http_url}/v1/contacts", json={"channel": "voice"}).json()[
            "contact_token"
        ]
    voice = path in VOICE_SOCKETS
    kwargs: dict[str, Any] = {"open_timeout": 120}
    if token and voice and path != "/v1/voice":
        kwargs["additional_headers"] = {"Authorization": f"Bearer {token}"}
    elif token:
        kwargs["subprotocols"] = ["bearer", token]
    with connect(world.ws_url + _url(world, path), **kwargs) as ws:
        if path == "/v1/twilio/media":  # the token is checked at Twilio's "start"
            ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
            ws.send(
                json.dumps(
                    {
                        "event": "start",
                        "streamSid": "MZ1",
                        "start": {
                            "streamSid": "MZ1",
                            "callSid": "CA1",
                            "customParameters": {},
                            "mediaFormat": {
                                "encoding": "audio/x-mulaw",
                                "sampleRate": 8000,
                                "channels": 1,
                            },
                        },
                    }
                )
            )
        frame = json.loads(ws.recv(timeout=180))  # a first call loads the speech models
        if path == "/v1/voice" and frame.get("type") == "ready":
            continued = jwt.decode(str(token), options={"verify_signature": False})["sub"]
            assert frame["contactId"] == continued, frame  # the token's contact, not a new one
        code: int | None = None
        if frame.get("type") == "error":
            try:
                ws.recv(timeout=10)
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
    return frame, code


@pytest.mark.parametrize(("route", "who"), WS_CELLS, ids=lambda v: str(v))
def test_socket_cell(world: World, route: tuple[str, str], who: str) -> None:
    path = route[1]
    frame, code = _first_frame(world, path, who)
    if who in EXPECTED[route]:
        assert frame.get("type") in {"ready", "agent", "snapshot"}, (route, who, frame)
        return
    voice = path in VOICE_SOCKETS
    unauthenticated = voice or who in ("anonymous", "metrics")
    assert frame["type"] == "error", frame
    assert frame["code"] == ("unauthorized" if unauthenticated else "forbidden"), frame
    assert code == (4401 if unauthenticated else 4403), (route, who, frame)


def test_every_refusal_is_an_audit_event(world: World) -> None:
    """Refusals land on the ``security`` chain, which verifies."""
    from switchboard.audit import verify_chain
    from switchboard.store.sql import create_store

    httpx.get(world.http_url + "/v1/users", headers=world.headers("agent"), timeout=30)
    store = create_store(world.settings)  # event data is sealed at rest: open it with the keys
    try:
        records = store.event_records("security")
        kinds = {r.event.type.value for r in records}
        assert kinds == {"access_denied"}
        events = store.events("security")
        last = events[-1].data
        assert last["path"] == "/v1/users" and last["status"] == 403 and last["role"] == "agent"
        assert any(e.data["status"] == 401 for e in events)
        voice = [e.data for e in events if e.data["path"] == "/v1/voice"]
        assert voice and all(d["status"] == 401 and d["method"] == "WEBSOCKET" for d in voice)
        assert verify_chain(store, "security").ok
    finally:
        store.close()
