"""Every party's message goes through the one conversation service (issue 11 acceptance).

A live app over real sockets (real router, MCP tools, SQLite, live sentiment,
metrics, the desk with queues open 24x7). One contact speaks through REST,
is handed over, then talks over REST and the chat socket to a human agent on
the desk socket: every
message — the customer's before and after the handover and the human
agent's — is stored with its card and phone numbers redacted, published on
the transcript stream (the sentiment consumer scores every customer line,
which it can only see on the stream) and counted in ``/metrics``.
Nova Sonic's contacts are covered in ``tests/voice/test_nova_sonic_conversation.py``
and ``tests/analytics/test_nova_sonic_readers.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import ClientConnection, connect

from switchboard.config import RoutingSettings, Settings
from switchboard.testing.identity import bearer, staff_headers, staff_token

pytestmark = pytest.mark.e2e

CARD, PHONE = "4111 1111 1111 1111", "+44 7700 900123"


@pytest.fixture(scope="module")
def urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    global SUPERVISOR, HANA
    from switchboard.api import create_app
    from switchboard.testing.live import LiveApp

    db = tmp_path_factory.mktemp("spine-db") / "switchboard.db"
    settings = Settings(
        database_url=f"sqlite:///{db}",
        log_json=False,
        log_level="WARNING",
        routing=RoutingSettings(hours="always"),
    )
    with LiveApp(create_app(settings)) as live:
        SUPERVISOR = staff_headers(settings, "supervisor")
        HANA = staff_token(settings, "agent", "hana")
        yield live.http_url, live.ws_url


#: Staff credentials of the module's app (set by the ``urls`` fixture).
SUPERVISOR: dict[str, str] = {}
HANA = ""


def _frame(ws: ClientConnection, kind: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if frame.get("type") == kind:
            return dict(frame)
    raise AssertionError(f"no {kind} frame")


def _sentiment_events(base: str, cid: str) -> int:
    view = httpx.get(f"{base}/v1/contacts/{cid}", headers=SUPERVISOR, timeout=30).json()
    return sum(1 for e in view["events"] if e["type"] == "sentiment")


def _wait_sentiment(base: str, cid: str, at_least: int) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        n = _sentiment_events(base, cid)
        if n >= at_least:
            return n
        time.sleep(0.1)
    raise AssertionError(f"fewer than {at_least} sentiment events for {cid}")


def _metric(text: str, family: str, **labels: str) -> float:
    for fam in text_string_to_metric_families(text):
        if fam.name == family:
            return sum(
                s.value
                for s in fam.samples
                if s.name.endswith("_total")
                and all(s.labels.get(k) == v for k, v in labels.items())
            )
    return 0.0


def test_customer_ai_agent_and_human_agent_all_go_through_the_service(
    urls: tuple[str, str],
) -> None:
    base, ws_base = urls
    started = httpx.post(f"{base}/v1/contacts", json={}, timeout=60).json()
    cid, mine = started["contact_id"], bearer(started["contact_token"])

    # 1. Customer → AI agent over REST: a stolen card is a sensitive topic → handover.
    said = f"Someone stole my card {CARD}, please call me on {PHONE}"
    reply = httpx.post(
        f"{base}/v1/contacts/{cid}/messages", json={"text": said}, headers=mine, timeout=60
    )
    assert reply.json()["action"] == "handover", reply.json()
    first = _wait_sentiment(base, cid, 1)

    # 2. A human agent takes it on the desk socket and writes back.
    agent = httpx.post(f"{base}/v1/agents", json={}, headers=bearer(HANA), timeout=30).json()
    with connect(
        f"{ws_base}/v1/agents/{agent['agent_id']}/desk",
        subprotocols=["bearer", HANA],
        open_timeout=30,
    ) as desk:
        _frame(desk, "agent")
        desk.send(json.dumps({"type": "status", "status": "available"}))
        assert _frame(desk, "assigned")["contact_id"] == cid
        desk.send(json.dumps({"type": "message", "text": f"I'll ring {PHONE} now"}))
        # 3. The customer answers the human agent over REST and on the chat socket:
        # each relayed to the agent, stored, streamed and scored.
        later = f"Thanks, my other card 5555 5555 5555 4444 is fine, same number {PHONE}"
        answer = httpx.post(
            f"{base}/v1/contacts/{cid}/messages", json={"text": later}, headers=mine, timeout=60
        )
        assert answer.json()["action"] == "handover" and "passed" in answer.json()["text"]
        relayed = _frame(desk, "customer_message")
        assert relayed["contact_id"] == cid and "5555" in relayed["text"]  # as written
        _wait_sentiment(base, cid, first + 1)
        with connect(
            f"{ws_base}/v1/contacts/{cid}/chat",
            subprotocols=["bearer", started["contact_token"]],
            open_timeout=30,
        ) as chat:
            _frame(chat, "ready")
            chat.send(json.dumps({"type": "message", "text": f"I'm on {PHONE} all day"}))
            assert _frame(chat, "delivered")["to"] == "agent"
        assert _frame(desk, "customer_message")["contact_id"] == cid
        _wait_sentiment(base, cid, first + 2)
        desk.send(json.dumps({"type": "close", "disposition": "resolved"}))
        _frame(desk, "closed")

    view = httpx.get(f"{base}/v1/contacts/{cid}", headers=SUPERVISOR, timeout=30).json()
    roles = [(m["role"], m.get("intent")) for m in view["messages"]]
    assert ("assistant", "HUMAN_AGENT") in roles  # the human agent's line is in the record
    stored = json.dumps(view)  # messages and events, as the store keeps them
    for clear in ("4111 1111 1111 1111", "5555 5555 5555 4444", "7700 900123"):
        assert clear not in stored
    assert "[CARD]" in stored and "[PHONE]" in stored
    sources = {(e["type"], e["source"]) for e in view["events"]}
    assert ("agent_reply", "HUMAN_AGENT") in sources and ("agent_reply", "AI_AGENT") in sources

    metrics = httpx.get(f"{base}/metrics", headers=SUPERVISOR, timeout=30).text
    assert _metric(metrics, "switchboard_turns", action="handover") >= 1
    assert _metric(metrics, "switchboard_transfers", reason="sensitive_topic") >= 1
    assert _metric(metrics, "switchboard_events", type="sentiment") >= 2
