"""Twilio: a handover becomes a transfer to a human, in Twilio's own wire format.

One live app with a Twilio auth token. Twilio's side is played exactly as its
docs describe it: form-encoded webhooks signed with ``X-Twilio-Signature``
(computed with the official ``twilio`` package's ``RequestValidator``), the
TwiML answers parsed as XML, and a bidirectional Media Stream (``connected``,
``start`` with the ``<Parameter>`` values of the TwiML, μ-law ``media``, ``mark``
echoes). The caller asks for a person; when the stream closes, Twilio requests
the ``<Connect action>``, which answers with the position and a ``<Dial>`` to the
agent desk's client carrying the handover attributes; an unanswered ``<Dial>``
offers a callback, and the keyed number books it.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import httpx
import numpy as np
import pytest
from pydantic import SecretStr
from voice_audio import as_spec, chunks
from websockets.exceptions import ConnectionClosedOK
from websockets.sync.client import connect

from switchboard.config import AuthSettings, RoutingSettings, Settings, TwilioSettings
from switchboard.testing import twilio_stream
from switchboard.testing.identity import staff_headers
from switchboard.voice.events import MULAW_8K

pytestmark = pytest.mark.e2e

AUTH_TOKEN = "twilio-auth-token-for-tests-0123456789"
ACCOUNT = "AC" + "1" * 32
Speak = Callable[[str], tuple[np.ndarray, int]]


class Server:
    def __init__(self, http_url: str, ws_url: str, settings: Settings) -> None:
        self.http_url = http_url
        self.ws_url = ws_url
        self.settings = settings


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from voice_audio import speech_stack

    from switchboard.api import create_app
    from switchboard.testing.live import LiveApp

    tmp = tmp_path_factory.mktemp("twilio-db")
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'switchboard.db'}",
        log_json=False,
        log_level="WARNING",
        routing=RoutingSettings(hours="always"),
        auth=AuthSettings(jwt_secret=SecretStr("twilio-voice-secret-" + "z" * 24)),
        twilio=TwilioSettings(auth_token=SecretStr(AUTH_TOKEN), agent_client="desk-vera"),
    )
    app = create_app(settings)
    app.state.speech = speech_stack()
    with LiveApp(app) as live:
        yield Server(live.http_url, live.ws_url, settings)


def webhook(server: Server, path: str, params: dict[str, str], *, token: str = AUTH_TOKEN,
            query: str = "") -> httpx.Response:
    """POST a form-encoded webhook signed as Twilio signs it."""
    from twilio.request_validator import RequestValidator

    url = f"{server.http_url}{path}" + (f"?{query}" if query else "")
    signature = RequestValidator(token).compute_signature(url, params)
    return httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=60)


def action(url: str | None, params: dict[str, str]) -> httpx.Response:
    """Request an action URL of our TwiML exactly as given (query included), signed."""
    from twilio.request_validator import RequestValidator

    assert url
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=60)


def twiml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    assert root.tag == "Response"
    return root


def call_params(call_sid: str, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT, "CallSid": call_sid, "From": "+447700900123",
        "To": "+441614960000", "CallStatus": "in-progress", "Direction": "inbound",
        "ApiVersion": "2010-04-01", **extra,
    }


def test_unsigned_or_forged_webhooks_are_refused(server: Server) -> None:
    params = call_params("CA" + uuid.uuid4().hex)
    bare = httpx.post(f"{server.http_url}/v1/twilio/voice", data=params, timeout=30)
    assert bare.status_code == 401 and bare.json()["error"]["code"] == "unauthorized"
    forged = webhook(server, "/v1/twilio/voice", params, token="not-the-auth-token")
    assert forged.status_code == 401
    from twilio.request_validator import RequestValidator

    url = f"{server.http_url}/v1/twilio/voice"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    tampered = httpx.post(
        url, data={**params, "From": "+15550001111"},
        headers={"X-Twilio-Signature": signature}, timeout=30,
    )
    assert tampered.status_code == 401


def test_handover_becomes_a_dial_to_the_agent_then_a_callback(
    server: Server, speak: Speak
) -> None:
    call_sid = "CA" + uuid.uuid4().hex
    stream_sid = "MZ" + uuid.uuid4().hex
    root = twiml(webhook(server, "/v1/twilio/voice", call_params(call_sid)))
    connect_el = root.find("Connect")
    assert connect_el is not None
    stream = connect_el.find("Stream")
    assert stream is not None and stream.get("url") == f"{server.ws_url}/v1/twilio/media"
    custom = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert custom["from"] == "+447700900123" and custom["token"]
    # the contact exists from the first webhook; every action URL names it (any replica)
    contact_id = str(custom["contactId"])
    handover_url = connect_el.get("action")
    assert handover_url == f"{server.http_url}/v1/twilio/handover?contact={contact_id}"

    # the Media Stream, as Twilio sends it
    with connect(f"{server.ws_url}/v1/twilio/media", max_size=None, open_timeout=60) as ws:
        ws.send(twilio_stream.connected())
        ws.send(twilio_stream.start(stream_sid, call_sid, ACCOUNT, custom))
        samples, rate = speak("I want to speak to a person please.")
        audio = as_spec(samples, rate, MULAW_8K, pad_ms=1500)
        for n, part in enumerate(chunks(audio, MULAW_8K, 20), start=1):
            ws.send(twilio_stream.media(stream_sid, n, part))
        # Twilio echoes each mark once the audio before it has played; the server hangs
        # up the stream after the handover message's last mark
        with pytest.raises(ConnectionClosedOK) as closed:
            while True:
                message = json.loads(ws.recv(timeout=120))
                assert message["streamSid"] == stream_sid
                if message["event"] == "mark":
                    ws.send(json.dumps({"event": "mark", "streamSid": stream_sid,
                                        "mark": message["mark"]}))
        # a normal hang-up (1000), not an error close of the stream
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000

    # <Connect action>: the transfer
    root = twiml(action(handover_url, call_params(call_sid)))
    said = " ".join(el.text or "" for el in root.findall("Say"))
    assert "next in the queue" in said
    dial = root.find("Dial")
    assert dial is not None
    assert dial.get("action") == f"{server.http_url}/v1/twilio/dial?contact={contact_id}"
    client = dial.find("Client")
    assert client is not None and client.findtext("Identity") == "desk-vera"
    attributes = {p.get("name"): p.get("value") for p in client.findall("Parameter")}
    assert attributes["handoverReason"] == "explicit_request"
    assert attributes["position"] == "1" and attributes["queue"]
    assert attributes["contactId"] == contact_id  # the stream continued the webhook's contact
    supervisor = staff_headers(server.settings, "supervisor")
    view = httpx.get(f"{server.http_url}/v1/contacts/{contact_id}", headers=supervisor,
                     timeout=30).json()
    assert view["contact"]["channel"] == "voice" and view["contact"]["status"] == "transferred"
    assert view["contact"]["ended_at"] is None  # the transfer is still going on
    queues = httpx.get(f"{server.http_url}/v1/queues", headers=supervisor, timeout=30).json()
    assert sum(int(q["size"]) for q in queues) == 1  # queued with its priority and summary

    # the agent did not answer: <Dial action> offers a callback
    root = twiml(action(dial.get("action"),
                        call_params(call_sid, DialCallStatus="no-answer", DialCallDuration="0")))
    gather = root.find("Gather")
    callback_url = f"{server.http_url}/v1/twilio/callback?contact={contact_id}"
    assert gather is not None and gather.get("action") == callback_url
    assert gather.get("finishOnKey") == "#" and gather.get("input") == "dtmf"
    assert "called back" in (gather.findtext("Say") or "")
    bad = twiml(action(callback_url, call_params(call_sid, Digits="12")))
    assert "did not work" in (bad.find("Gather").findtext("Say") or "")  # type: ignore[union-attr]
    root = twiml(action(callback_url, call_params(call_sid, Digits="447700900456")))
    assert "ending 0 4 5 6" in (root.findtext("Say") or "")
    assert root.find("Hangup") is not None
    queues = httpx.get(f"{server.http_url}/v1/queues", headers=supervisor, timeout=30).json()
    assert sum(int(q["size"]) for q in queues) == 0  # a booked callback leaves the queue

    # the whisper the agent hears on a <Number> transfer: the handover summary
    root = twiml(webhook(server, "/v1/twilio/whisper", {"CallSid": "CA" + "2" * 32},
                         query=f"contact={contact_id}"))
    whisper = root.findtext("Say") or ""
    assert whisper.startswith("Transferred customer. "), whisper
    assert "reason explicit_request" in whisper, whisper  # the handover reason is told


def test_stream_that_ends_without_a_handover_hangs_up(server: Server) -> None:
    root = twiml(webhook(server, "/v1/twilio/handover", call_params("CA" + uuid.uuid4().hex)))
    assert root.find("Hangup") is not None and root.find("Dial") is None


def test_a_stream_lost_while_the_bot_had_the_caller_is_handed_to_a_human(server: Server) -> None:
    """The replica streaming the call died: its ``<Connect action>`` transfers, never hangs up.

    No media stream is opened here at all (the replica died before or while
    streaming): the contact made by the first webhook is still active when Twilio
    requests the action, so it is handed over (``technical_issues``) and dialled.
    """
    call_sid = "CA" + uuid.uuid4().hex
    root = twiml(webhook(server, "/v1/twilio/voice", call_params(call_sid)))
    connect_el = root.find("Connect")
    assert connect_el is not None
    handover_url = connect_el.get("action")
    root = twiml(action(handover_url, call_params(call_sid)))
    assert root.find("Hangup") is None
    dial = root.find("Dial")
    assert dial is not None, ET.tostring(root)
    client = dial.find("Client")
    assert client is not None
    attributes = {p.get("name"): p.get("value") for p in client.findall("Parameter")}
    assert attributes["handoverReason"] == "technical_issues"
    contact_id = str(attributes["contactId"])
    supervisor = staff_headers(server.settings, "supervisor")
    view = httpx.get(f"{server.http_url}/v1/contacts/{contact_id}", headers=supervisor,
                     timeout=30).json()
    assert view["contact"]["status"] == "transferred"
    decisions = [e for e in view["events"] if e["type"] == "handover_decision"]
    assert decisions and decisions[-1]["data"]["detail"] == "media stream ended unexpectedly"
    # Twilio retries the same action (or a second replica gets it): no second handover
    again = twiml(action(handover_url, call_params(call_sid)))
    assert again.find("Dial") is not None
    view = httpx.get(f"{server.http_url}/v1/contacts/{contact_id}", headers=supervisor,
                     timeout=30).json()
    assert len([e for e in view["events"] if e["type"] == "handover_decision"]) == 1
    # the agent answered and the transfer completed: the contact ends, a late action hangs up
    done = twiml(action(dial.get("action"), call_params(call_sid, DialCallStatus="completed")))
    assert done.find("Hangup") is not None
    late = twiml(action(handover_url, call_params(call_sid)))
    assert late.find("Hangup") is not None and late.find("Dial") is None
