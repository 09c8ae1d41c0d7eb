"""Twilio Programmable Voice webhooks: the call into the AI agent, and its transfer to a human.

Routes (``application/x-www-form-urlencoded`` POSTs from Twilio, TwiML answers)::

    POST /v1/twilio/voice      a call comes in → <Connect action=…/handover><Stream …/media>
    POST /v1/twilio/handover   the stream ended (<Connect action>) → transfer, callback or hang up
    POST /v1/twilio/dial       the transfer ended (<Dial action>) → done, or offer a callback
    POST /v1/twilio/callback   keyed digits of the callback offer (<Gather action>) → booked
    POST /v1/twilio/whisper    played to the agent who answers a <Number> transfer: the summary

Every request must carry a valid ``X-Twilio-Signature`` (Twilio docs "Webhooks
security": HMAC-SHA1, keyed by the account auth token, of the full URL followed
by the sorted POST parameters, base64), checked with the official ``twilio``
package's :class:`twilio.request_validator.RequestValidator`. The URL is
``SWITCHBOARD_TWILIO__PUBLIC_URL`` + path (what Twilio called, behind any
proxy), else the request's own URL. No auth token configured, a missing or a
wrong signature → 401 ``unauthorized``, audited like every refusal.

The transfer (``/handover``): when the AI agent handed the call over, the
contact is already queued by the conversation service with its priority,
summary and attributes. The caller hears the handover frame's position and
EWT (``<Say>``), then ``<Dial>`` rings the agent desk's Twilio Client identity
(``SWITCHBOARD_TWILIO__AGENT_CLIENT``; the contact id, reason, queue, position
and summary travel as ``<Parameter>`` elements, which the Voice SDK hands the
agent's browser) or a configured number (``SWITCHBOARD_TWILIO__AGENT_NUMBER``; the agent
first hears the summary through ``<Number url=…/whisper>``). A closed or full
queue (after hours, no agent staffed), or a transfer nobody answers, offers a
callback: ``<Gather>`` keys a number (with its country code, then ``#``),
booked into the contact's queue as for chat.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from switchboard.config import Settings
from switchboard.domain.attributes import (
    ATTR_CONVERSATION_SUMMARY,
    ATTR_HANDOVER_REASON,
    ATTR_SENTIMENT,
)
from switchboard.domain.types import Channel, ContactStatus
from switchboard.errors import InputError, SwitchboardError
from switchboard.identity import AuthenticationError
from switchboard.voice.hold import say
from switchboard.voice.transports.auth import issue_token

if TYPE_CHECKING:
    from switchboard.voice.human_line import DeskPort as Desk

logger = logging.getLogger("switchboard.voice.twilio")

TWIML = "application/xml"
#: Form fields read from a webhook, at most (Twilio sends about 20).
MAX_FIELDS = 200
#: Largest webhook body read, bytes.
MAX_BODY = 64_000
#: Lifetime of the voice token minted for one call's media stream, seconds.
STREAM_TOKEN_TTL_S = 4 * 3600


class TwilioCalls:
    """Calls whose media stream ended with a handover: CallSid → contact id (per process)."""

    def __init__(self) -> None:
        self._handed: dict[str, str] = {}

    def handed_over(self, call_sid: str, contact_id: str) -> None:
        """Remember that the stream of ``call_sid`` handed ``contact_id`` over."""
        if call_sid:
            self._handed[call_sid] = contact_id

    def contact_of(self, call_sid: str) -> str | None:
        """The handed-over contact of ``call_sid`` (None: no handover on this server)."""
        return self._handed.get(call_sid)

    def forget(self, call_sid: str) -> None:
        """Drop a finished call."""
        self._handed.pop(call_sid, None)


def twilio_calls(app: Any) -> TwilioCalls:
    """The app's :class:`TwilioCalls` (``app.state.twilio_calls``)."""
    calls = getattr(app.state, "twilio_calls", None)
    if not isinstance(calls, TwilioCalls):
        calls = TwilioCalls()
        app.state.twilio_calls = calls
    return calls


def signed_url(request: Request, settings: Settings) -> str:
    """The URL Twilio signed: the public base URL (when set) + path + query."""
    base = settings.twilio.public_url
    if not base:
        return str(request.url)
    query = request.url.query
    return base.rstrip("/") + request.url.path + (f"?{query}" if query else "")


async def verified_form(request: Request, settings: Settings) -> dict[str, str]:
    """The webhook's POST parameters, after checking ``X-Twilio-Signature``.

    Raises:
        AuthenticationError: no auth token configured, no signature, or a wrong one
            (the refusal is audited through ``app.state.record_refusal``).
        InputError: a body too large or not form-encoded.
    """
    from twilio.request_validator import RequestValidator

    body = await request.body()
    if len(body) > MAX_BODY:
        raise InputError(f"webhook body too large ({len(body)} bytes)")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise InputError("webhook body is not form-encoded") from None
    params = dict(pairs)
    token = settings.twilio.auth_token
    signature = request.headers.get("x-twilio-signature", "")
    reason = None
    if token is None:
        reason = "Twilio webhooks are off: SWITCHBOARD_TWILIO__AUTH_TOKEN is not set"
    elif not signature:
        reason = "missing X-Twilio-Signature"
    elif not RequestValidator(token.get_secret_value()).validate(
        signed_url(request, settings), params, signature
    ):
        reason = "invalid X-Twilio-Signature"
    if reason is not None:
        record = getattr(request.app.state, "record_refusal", None)
        if callable(record):
            record(request, reason)
        raise AuthenticationError(reason)
    return params


def _url(
    request: Request, settings: Settings, path: str, *, ws: bool = False,
    contact_id: str | None = None,
) -> str:
    """The public URL of ``path`` (``?contact=`` added when ``contact_id`` is given).

    The contact travels in the action URLs because Twilio may request them of
    any replica; Twilio signs the whole URL, query included, so it cannot be forged.
    """
    base = settings.twilio.public_url or str(request.base_url)
    base = base.rstrip("/")
    if ws:
        base = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    query = f"?{urlencode({'contact': contact_id})}" if contact_id else ""
    return base + path + query


class TwimlResponse(Response):
    """A TwiML document (``application/xml``)."""

    media_type = TWIML


def _twiml(response: Any) -> Response:
    return TwimlResponse(content=str(response))


async def open_contact(request: Request, settings: Settings, params: dict[str, str]) -> str | None:
    """Create the call's contact as the call comes in (Connect creates its ContactId then too).

    Through the app's conversation service (``app.state.service``); None when the
    app has none (the media stream then creates the contact). With the contact
    known from the first webhook, every later webhook names it in its URL, so
    any replica can serve it (issue 14).
    """
    service = getattr(request.app.state, "service", None)
    if service is None:
        return None
    contact = await service.start_contact(
        channel=Channel.VOICE,
        locale=settings.locale,
        customer_endpoint=params.get("From") or params.get("CallSid") or None,
    )
    return str(contact.contact_id)


async def incoming_call(request: Request, settings: Settings, params: dict[str, str]) -> Any:
    """TwiML of a new call: the media stream to the AI agent, then ``/handover``.

    The stream's token carries the new contact's id (claim ``contact_id``), which
    the media socket continues; ``/handover?contact=…`` names it too.
    """
    from twilio.twiml.voice_response import Connect, VoiceResponse

    call_sid = params.get("CallSid", "")
    contact_id = await open_contact(request, settings, params)
    response = VoiceResponse()
    action = _url(request, settings, "/v1/twilio/handover", contact_id=contact_id)
    connect = Connect(action=action, method="POST")
    stream = connect.stream(url=_url(request, settings, "/v1/twilio/media", ws=True))
    extra = {"contact_id": contact_id} if contact_id else None
    token = issue_token(settings.auth, call_sid or "twilio", ttl_s=STREAM_TOKEN_TTL_S, extra=extra)
    stream.parameter(name="token", value=token)
    if contact_id:
        stream.parameter(name="contactId", value=contact_id)
    if params.get("From"):
        stream.parameter(name="from", value=params["From"])
    stream.parameter(name="locale", value=settings.locale.value)
    response.append(connect)
    return response


async def transfer(request: Request, settings: Settings, desk: Desk | None, contact_id: str) -> Any:
    """TwiML that takes a handed-over caller to a human (or offers a callback)."""
    from twilio.twiml.voice_response import Dial, VoiceResponse

    response = VoiceResponse()
    locale = settings.locale
    frame: dict[str, Any] | None = None
    attrs: dict[str, str] = {}
    if desk is not None:
        frame = desk.take_handover_frame(contact_id)
        if frame is None:
            placement = await asyncio.to_thread(desk.engine.placement, contact_id)
            frame = desk.queue_frame(placement) if placement is not None else None
        contact = await desk.db.get_contact(contact_id)
        attrs = contact.state.attributes.as_map()
        locale = contact.locale
    if frame is None or frame.get("type") == "queue_closed":
        return callback_offer(
            request, settings, response, "callback_offer", locale, contact_id=contact_id
        )
    position = int(frame.get("position") or 1)
    minutes = int(frame.get("ewt_minutes") or 0)
    key = "first" if position == 1 else "position"
    response.say(say(key, locale, position=position, minutes=minutes))
    dial = Dial(
        action=_url(request, settings, "/v1/twilio/dial", contact_id=contact_id),
        method="POST",
        timeout=settings.twilio.dial_timeout_s,
    )
    summary = attrs.get(ATTR_CONVERSATION_SUMMARY, "")
    values = {
        "contactId": contact_id,
        "handoverReason": attrs.get(ATTR_HANDOVER_REASON, ""),
        "queue": str(frame.get("queue", "")),
        "position": str(position),
        "ewtMinutes": str(minutes),
        "sentiment": attrs.get(ATTR_SENTIMENT, ""),
        "summary": _summary_line(summary)[:500],
    }
    if settings.twilio.agent_number:
        whisper = _url(request, settings, f"/v1/twilio/whisper?contact={contact_id}")
        dial.number(settings.twilio.agent_number, url=whisper, method="POST")
    else:
        client = dial.client()
        client.identity(settings.twilio.agent_client)
        for name, value in values.items():
            if value:
                client.parameter(name=name, value=value)
    response.append(dial)
    return response


def _summary_line(raw: str) -> str:
    """One line of the handover summary (``conversationSummary`` JSON) for a person."""
    try:
        summary = json.loads(raw) if raw else {}
    except ValueError:
        return raw
    if not isinstance(summary, dict):
        return str(summary)
    parts = [
        str(summary.get("customer_query") or ""),
        f"reason {summary.get('handover_reason')}" if summary.get("handover_reason") else "",
    ]
    return ". ".join(p for p in parts if p)


def callback_offer(
    request: Request, settings: Settings, response: Any, key: str, locale: Any,
    *, contact_id: str | None = None,
) -> Any:
    """Add a ``<Gather>`` offering a callback (the number keyed, then ``#``)."""
    gather = response.gather(
        input="dtmf",
        finish_on_key="#",
        timeout=10,
        action=_url(request, settings, "/v1/twilio/callback", contact_id=contact_id),
        method="POST",
    )
    gather.say(say(key, locale))
    response.say(say("agent_left", locale))
    response.hangup()
    return response


def settings_of(request: Request) -> Settings:
    """The app's settings."""
    settings = request.app.state.settings
    assert isinstance(settings, Settings)
    return settings


def desk_of(request: Request) -> Desk | None:
    """The app's routing desk (None without a SQL store)."""
    return getattr(request.app.state, "desk", None)


def contact_of(request: Request, params: dict[str, str]) -> str | None:
    """The call's contact: ``?contact=`` of the (signed) action URL, else this process's memory.

    The query is how any replica knows the contact (issue 14); the per-process
    :class:`TwilioCalls` map serves calls whose TwiML predates it.
    """
    named = request.query_params.get("contact")
    return named or twilio_calls(request.app).contact_of(params.get("CallSid", ""))


async def hook_voice(request: Request) -> Response:
    """A call comes in: stream it to the AI agent (signed by Twilio)."""
    settings = settings_of(request)
    params = await verified_form(request, settings)
    return _twiml(await incoming_call(request, settings, params))


async def hook_handover(request: Request) -> Response:
    """The media stream ended: transfer a handed-over caller, else hang up."""
    from twilio.twiml.voice_response import VoiceResponse

    settings = settings_of(request)
    params = await verified_form(request, settings)
    contact_id = contact_of(request, params)
    desk = desk_of(request)
    if contact_id is not None and desk is not None:
        contact_id = await _still_to_serve(desk, contact_id)
    if contact_id is None:
        response = VoiceResponse()
        response.hangup()
        return _twiml(response)
    return _twiml(await transfer(request, settings, desk, contact_id))


async def _still_to_serve(desk: Desk, contact_id: str) -> str | None:
    """The contact when its caller still needs serving after the stream, else None.

    * transferred and not ended: the AI agent handed the caller over → transfer;
    * still active: the stream dropped while the AI agent had the caller (its
      replica was killed, or it failed) → handed over now
      (:meth:`~switchboard.agent.conversation.ConversationService.hand_over_lost_leg`),
      then transferred: a caller is never hung up on for our failure;
    * ended (resolved, abandoned), or unknown → None: the call is over, hang up.
    """
    try:
        contact = await desk.db.get_contact(contact_id)
    except SwitchboardError:
        logger.warning("twilio: stream ended for an unknown contact %s", contact_id)
        return None
    if contact.ended_at is not None:
        return None
    if contact.status is ContactStatus.ACTIVE:
        await desk.conversation.hand_over_lost_leg(contact_id, "media stream ended unexpectedly")
        return contact_id
    return contact_id if contact.status is ContactStatus.TRANSFERRED else None


async def hook_dial(request: Request) -> Response:
    """The transfer ended: the contact ends when the agent talked, else a callback."""
    from twilio.twiml.voice_response import VoiceResponse

    settings = settings_of(request)
    params = await verified_form(request, settings)
    call_sid = params.get("CallSid", "")
    contact_id = contact_of(request, params)
    response = VoiceResponse()
    if params.get("DialCallStatus") == "completed" or contact_id is None:
        response.hangup()
        desk = desk_of(request)
        if contact_id is not None and desk is not None:
            await desk.conversation.end_contact(contact_id, ContactStatus.TRANSFERRED)
        twilio_calls(request.app).forget(call_sid)
        return _twiml(response)
    offer = callback_offer(
        request, settings, response, "callback_offer", settings.locale, contact_id=contact_id
    )
    return _twiml(offer)


async def hook_callback(request: Request) -> Response:
    """Book the callback to the number the caller keyed (``Digits``, country code first)."""
    from twilio.twiml.voice_response import VoiceResponse

    settings = settings_of(request)
    params = await verified_form(request, settings)
    call_sid = params.get("CallSid", "")
    contact_id = contact_of(request, params)
    desk = desk_of(request)
    response = VoiceResponse()
    digits = "".join(ch for ch in params.get("Digits", "") if ch.isdigit())
    phone = "+" + digits[2:] if digits.startswith("00") else "+" + digits
    if contact_id is None or desk is None:
        response.hangup()
        return _twiml(response)
    try:
        booked = await desk.book_callback(contact_id, phone)
    except (InputError, SwitchboardError) as exc:
        logger.info("twilio callback not booked: %s", exc, extra={"contact_id": contact_id})
        return _twiml(
            callback_offer(
                request, settings, response, "callback_failed", settings.locale,
                contact_id=contact_id,
            )
        )
    last4 = " ".join(booked.customer_phone[-4:])
    response.say(say("callback_booked", settings.locale, last4=last4))
    response.hangup()
    twilio_calls(request.app).forget(call_sid)
    return _twiml(response)


async def hook_whisper(request: Request, contact: str = "") -> Response:
    """Said to the agent who answers a ``<Number>`` transfer: the handover summary."""
    from twilio.twiml.voice_response import VoiceResponse

    settings = settings_of(request)
    await verified_form(request, settings)
    response = VoiceResponse()
    desk = desk_of(request)
    text = "A customer transferred by the assistant."
    if desk is not None and contact:
        try:
            found = await desk.db.get_contact(contact)
        except SwitchboardError:
            found = None
        if found is not None:
            attrs = found.state.attributes.as_map()
            line = _summary_line(attrs.get(ATTR_CONVERSATION_SUMMARY, ""))
            text = f"Transferred customer. {line}" if line else text
    response.say(text)
    return _twiml(response)


def build_twilio_hooks_router(
    errors: dict[int | str, dict[str, Any]] | None = None,
) -> APIRouter:
    """The router of the Twilio webhooks (see the module doc).

    Args:
        errors: the OpenAPI error responses to document (the API's error envelope).
    """
    ok: dict[int | str, dict[str, Any]] = {
        200: {"description": "TwiML", "content": {TWIML: {"schema": {"type": "string"}}}}
    }
    router = APIRouter(tags=["twilio"], responses={**ok, **(errors or {})})
    router.post("/v1/twilio/voice")(hook_voice)
    router.post("/v1/twilio/handover")(hook_handover)
    router.post("/v1/twilio/dial")(hook_dial)
    router.post("/v1/twilio/callback")(hook_callback)
    router.post("/v1/twilio/whisper")(hook_whisper)
    return router
