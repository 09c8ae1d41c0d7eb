"""Issue 14: a phone call whose replica is SIGKILLed mid-call reaches a human, not a hang-up.

Twilio's side is played as its docs describe it (signed form webhooks, TwiML read
as XML, a bidirectional Media Stream), against two real ``switchboard serve``
replicas behind real nginx, a private Redis and PostgreSQL in a throw-away
schema. The call comes in on replica A and its media stream runs there: the AI
agent greets the caller. Replica A is SIGKILLed. Twilio's stream ends, so Twilio
requests the ``<Connect action>`` at the public URL; nginx takes it to replica B,
which has never seen the call. B finds the contact still active, hands it over
(``technical_issues``) and answers the position and a ``<Dial>`` to the agent
desk — the caller is never hung up on.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from switchboard.config import Settings
from switchboard.testing import twilio_stream
from switchboard.testing.identity import staff_headers
from switchboard.testing.replicas import Rig, missing_tools, throwaway_schema

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(bool(missing_tools()), reason=f"not installed: {missing_tools()}"),
]

AUTH_TOKEN = "twilio-auth-token-for-the-rig-0123456789"
ACCOUNT = "AC" + "3" * 32


@pytest.fixture(scope="module")
def rig(postgres_url: str) -> Iterator[Rig]:
    """Two replicas behind nginx; Twilio webhooks on, signed for the proxy's URL."""
    with throwaway_schema(postgres_url, "twilio") as database_url:
        cluster = Rig(database_url=database_url, replicas=2)
        cluster.extra_env.update({
            "SWITCHBOARD_TWILIO__AUTH_TOKEN": AUTH_TOKEN,
            "SWITCHBOARD_TWILIO__PUBLIC_URL": cluster.proxy_url,
            "SWITCHBOARD_TWILIO__AGENT_CLIENT": "desk-rig",
            "SWITCHBOARD_AUTH__JWT_SECRET": "rig-voice-secret-" + "k" * 32,
        })  # fmt: skip
        try:
            yield cluster.start()
        finally:
            cluster.stop()


def post_signed(url: str, params: dict[str, str], *, to: str | None = None) -> ET.Element:
    """POST a webhook signed for ``url`` (what Twilio called) to ``to`` (default ``url``).

    Returns:
        The TwiML document's root (asserted to be a 200 ``<Response>``).
    """
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    response = httpx.post(
        to or url, data=params, headers={"X-Twilio-Signature": signature}, timeout=60
    )
    assert response.status_code == 200, response.text
    root = ET.fromstring(response.text)
    assert root.tag == "Response"
    return root


def test_a_call_on_a_killed_replica_is_transferred_by_the_other(rig: Rig) -> None:
    call_sid = "CA" + uuid.uuid4().hex
    stream_sid = "MZ" + uuid.uuid4().hex
    params = {
        "AccountSid": ACCOUNT, "CallSid": call_sid, "From": "+447700900777",
        "To": "+441614960000", "CallStatus": "in-progress", "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }  # fmt: skip
    # The call comes in on replica A (nginx's choice; here made explicit).
    incoming = f"{rig.proxy_url}/v1/twilio/voice"
    root = post_signed(incoming, params, to=f"{rig.replica_url(0)}/v1/twilio/voice")
    connect_el = root.find("Connect")
    assert connect_el is not None
    handover_url = connect_el.get("action") or ""
    assert handover_url.startswith(f"{rig.proxy_url}/v1/twilio/handover?contact=")
    stream = connect_el.find("Stream")
    assert stream is not None
    custom = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    contact_id = str(custom["contactId"])

    # Its media stream runs on replica A: the AI agent greets the caller.
    ws_a = rig.replica_url(0).replace("http://", "ws://")
    with connect(f"{ws_a}/v1/twilio/media", max_size=None, open_timeout=120) as ws:
        ws.send(twilio_stream.connected())
        ws.send(twilio_stream.start(stream_sid, call_sid, ACCOUNT, custom))
        silence = b"\xff" * 160  # 20 ms of μ-law silence
        greeted = False
        for n in range(1, 3000):
            ws.send(twilio_stream.media(stream_sid, n, silence))
            try:
                message = json.loads(ws.recv(timeout=0.02))
            except TimeoutError:
                continue
            if message.get("event") == "media":
                greeted = True
                break
        assert greeted, "replica A never spoke"
        rig.kill(0)  # mid-call: no shutdown, the kernel resets the stream
        with pytest.raises(ConnectionClosed):
            while True:
                ws.recv(timeout=30)

    # Twilio requests the <Connect action> at the public URL: nginx takes it to replica B.
    root = post_signed(handover_url, params)
    assert root.find("Hangup") is None, ET.tostring(root)
    said = " ".join(el.text or "" for el in root.findall("Say"))
    assert "queue" in said, said
    dial = root.find("Dial")
    assert dial is not None
    client = dial.find("Client")
    assert client is not None and client.findtext("Identity") == "desk-rig"
    attributes = {p.get("name"): p.get("value") for p in client.findall("Parameter")}
    assert attributes["contactId"] == contact_id
    assert attributes["handoverReason"] == "technical_issues"

    supervisor = staff_headers(
        Settings(database_url=rig.database_url), "supervisor", "rig-supervisor"
    )
    view = httpx.get(
        f"{rig.replica_url(1)}/v1/contacts/{contact_id}", headers=supervisor, timeout=30
    ).json()
    assert view["contact"]["status"] == "transferred" and view["contact"]["ended_at"] is None
    decisions = [e for e in view["events"] if e["type"] == "handover_decision"]
    assert len(decisions) == 1 and decisions[0]["source"] == "SYSTEM"
    assert decisions[0]["data"]["detail"] == "media stream ended unexpectedly"
    assert any(e["type"] == "queued" for e in view["events"])
    queues = httpx.get(f"{rig.replica_url(1)}/v1/queues", headers=supervisor, timeout=30).json()
    assert sum(int(q["size"]) for q in queues) == 1  # queued for the agent desk
