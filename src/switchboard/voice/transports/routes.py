"""FastAPI routes of the voice transports and the browser voice page.

``build_voice_router()`` adds:

* ``GET /voice`` — the browser voice page (``web/static/voice.html``);
* ``WS /v1/voice`` — seed 4 browser socket (:mod:`.browser`);
* ``WS /v1/twilio/media`` — Twilio Media Streams (:mod:`.twilio`);
* ``WS /connect/{call_id}`` — seed 5 telephony gateway socket (:mod:`.gateway`);
* (``POST /v1/twilio/*``, the signed Twilio webhooks, are added by the API with
  its error responses: :func:`.twilio_hooks.build_twilio_hooks_router`.)

A browser call handed over to a human stays on its socket: the caller hears
hold audio and queue position, then the agent (:mod:`.held`,
:mod:`switchboard.voice.human_line`).

Every socket is one :class:`~switchboard.voice.session.CallSession` over the
app's conversation service (``app.state.service``, set by the composition root
in :mod:`switchboard.api`; voice imports nothing from ``api``) and one
process-wide speech stack (VAD, STT and TTS
models), loaded on the first call and shared by every later one. Sockets that
fail auth are accepted, told why in an ``error`` frame and closed with 4401
(a browser cannot read an HTTP 403 on a WebSocket handshake).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, WebSocket, WebSocketDisconnect
from fastapi.requests import HTTPConnection
from fastapi.responses import FileResponse

from switchboard.config import Settings
from switchboard.domain.types import Locale
from switchboard.errors import ConfigError, InputError, SwitchboardError
from switchboard.identity.tokens import TokenService
from switchboard.voice.conversation import ServiceLike
from switchboard.voice.events import MULAW_8K, PCM16_16K, AudioSpec, CallEnded
from switchboard.voice.human_line import HumanLine, HumanLines
from switchboard.voice.prompts import prompt
from switchboard.voice.transports.auth import (
    CLOSE_UNAUTHORIZED,
    AuthError,
    token_from_request,
    verify_token,
)
from switchboard.voice.transports.base import Call, error_json, pump, send_json
from switchboard.voice.transports.browser import BrowserProtocol, render_event
from switchboard.voice.transports.gateway import GatewayProtocol
from switchboard.voice.transports.held import serve_held_caller
from switchboard.voice.transports.moving import (
    Mover,
    contact_token,
    refuse_if_draining,
    resume_kind,
)
from switchboard.voice.transports.twilio import StreamState, TwilioProtocol
from switchboard.voice.transports.twilio_hooks import twilio_calls
from switchboard.web import static_dir

if TYPE_CHECKING:
    from switchboard.speech.stack import SpeechStack
    from switchboard.voice.engines.nova_sonic.call import StreamFactory
    from switchboard.voice.engines.nova_sonic.stream import NovaStream

logger = logging.getLogger("switchboard.voice.transport")

#: Close code when the call could not be set up by a bug (RFC 6455 §7.4.1: 1011 internal error).
CLOSE_SETUP_FAILED = 1011
#: Close code when a service the call needs is down (RFC 6455 registry: 1013 try again later).
CLOSE_TRY_LATER = 1013
#: Close code for a call the client asked for wrongly: bad locale, media format (app range).
CLOSE_BAD_REQUEST = 4400

#: Headers of the voice page: scripts and the AudioWorklet from this origin only.
VOICE_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
        "style-src 'self'; script-src 'self'; media-src 'self' blob:; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
    "Permissions-Policy": "microphone=(self)",
}


def app_service(conn: HTTPConnection) -> ServiceLike:
    """The conversation service the composition root put on ``app.state.service``.

    Raises:
        ConfigError: the app's lifespan has not run (no service yet).
    """
    service: ServiceLike | None = getattr(conn.app.state, "service", None)
    if service is None:
        raise ConfigError("the agent service is not running (lifespan not started)")
    return service


def app_settings(conn: HTTPConnection) -> Settings:
    """The settings the app was created with (``app.state.settings``).

    Raises:
        ConfigError: the app has no settings.
    """
    settings = getattr(conn.app.state, "settings", None)
    if not isinstance(settings, Settings):
        raise ConfigError("the app was created without settings")
    return settings


ServiceDep = Annotated[ServiceLike, Depends(app_service)]
SettingsDep = Annotated[Settings, Depends(app_settings)]


async def speech_stack(app: FastAPI) -> SpeechStack:
    """The process-wide speech stack, loaded once on first use (models take seconds)."""
    from switchboard.speech.stack import SpeechStack

    speech: SpeechStack | None = getattr(app.state, "speech", None)
    if speech is not None:
        return speech
    lock: asyncio.Lock | None = getattr(app.state, "speech_lock", None)
    if lock is None:
        lock = asyncio.Lock()
        app.state.speech_lock = lock
    async with lock:
        speech = getattr(app.state, "speech", None)
        if speech is None:
            settings = getattr(app.state, "settings", None)
            cache = settings.voice.tts_cache_entries if isinstance(settings, Settings) else 0
            speech = await SpeechStack.load(tts_cache=cache)
            app.state.speech = speech
    return speech


def _locale(raw: str | None, settings: Settings) -> Locale:
    if not raw:
        return settings.locale
    try:
        return Locale(raw)
    except ValueError:
        raise InputError(
            f"unknown locale {raw!r}; use one of {[x.value for x in Locale]}"
        ) from None


async def _new_call(
    app: FastAPI,
    service: ServiceLike,
    settings: Settings,
    *,
    locale: Locale,
    spec_in: AudioSpec,
    spec_out: AudioSpec,
    endpoint: str | None = None,
    contact_id: str | None = None,
    hold: bool = False,
    opening: str | None = None,
) -> Call:
    speech = await speech_stack(app)
    if settings.voice_engine == "nova_sonic":
        opener = getattr(app.state, "nova_stream_opener", None)
        return await _nova_call(
            service, settings, speech, locale, spec_in, spec_out, endpoint, opener
        )
    from switchboard.voice.session import CallSession

    session = CallSession(
        service,
        speech,
        locale=locale,
        input_spec=spec_in,
        output_spec=spec_out,
        settings=settings.voice,
        customer_endpoint=endpoint,
        contact_id=contact_id,  # a customer's contact token continues that contact
        end_on_handover=not hold,  # a held caller's contact ends with its human agent
    )
    await session.start(opening=opening)
    return session


async def _nova_call(
    service: Any,
    settings: Settings,
    speech: SpeechStack,
    locale: Locale,
    spec_in: AudioSpec,
    spec_out: AudioSpec,
    endpoint: str | None,
    opener: StreamFactory | None = None,
) -> Call:
    """A Nova Sonic call (``SWITCHBOARD_VOICE_ENGINE=nova_sonic``).

    The stream comes from ``opener`` (``app.state.nova_stream_opener``, e.g. a
    replay of recorded events) or else Bedrock (needs AWS and the ``nova-sonic`` extra).
    """
    from switchboard.voice.engines.nova_sonic.call import NovaSonicCall
    from switchboard.voice.engines.nova_sonic.stream import BedrockNovaStream

    nova = settings.nova_sonic

    async def open_bedrock() -> NovaStream:
        return await BedrockNovaStream(model_id=nova.model_id, region=nova.region).open()

    call = NovaSonicCall(
        service,
        opener or open_bedrock,
        speech=speech,
        locale=locale,
        input_spec=spec_in,
        output_spec=spec_out,
        customer_endpoint=endpoint,
        voice_id=nova.voice_id,
    )
    await call.start()
    return call


async def _authorize(
    websocket: WebSocket, settings: Settings, *, contacts: bool = False
) -> dict[str, Any] | None:
    """Accept the socket and check its JWT; on failure say why, close 4401, return None.

    ``contacts``: also accept a customer's contact token (the browser call page).
    """
    headers = {k.lower(): v for k, v in websocket.headers.items()}
    token, subprotocol = token_from_request(headers, dict(websocket.query_params))
    await websocket.accept(subprotocol=subprotocol)
    if not settings.auth.enabled:
        return {}
    try:
        verifier = TokenService(settings.identity) if contacts else None
        return verify_token(settings.auth, token, contacts=verifier)
    except AuthError as exc:
        _audit_refusal(websocket, exc.message)
        await send_json(websocket, error_json(exc.code, exc.message, fatal=True))
        await websocket.close(code=CLOSE_UNAUTHORIZED, reason="unauthorized")
        return None


def _audit_refusal(websocket: WebSocket, reason: str) -> None:
    """Record a refused voice socket as an audit event (issue 13).

    Through ``app.state.record_refusal``, which the API sets (voice imports
    nothing from ``api``); an app without it records nothing.
    """
    record = getattr(websocket.app.state, "record_refusal", None)
    if callable(record):
        record(websocket, reason)


async def _refuse(websocket: WebSocket, exc: Exception) -> None:
    """Say why the call could not start, then close with a code that says whose fault it is."""
    if isinstance(exc, AuthError):
        _audit_refusal(websocket, exc.message)
        frame, code = error_json(exc.code, exc.message, fatal=True), CLOSE_UNAUTHORIZED
    elif isinstance(exc, InputError):
        frame, code = error_json(exc.code, exc.message, fatal=True), CLOSE_BAD_REQUEST
    elif isinstance(exc, SwitchboardError):
        frame, code = error_json(exc.code, exc.message, fatal=True), CLOSE_TRY_LATER
    else:
        logger.exception("voice: call setup failed", exc_info=exc)
        frame = error_json("internal_error", "the call could not be set up", fatal=True)
        code = CLOSE_SETUP_FAILED
    await send_json(websocket, frame)
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close(code=code)


async def voice_page() -> FileResponse:
    """Serve the browser voice page."""
    return FileResponse(static_dir() / "voice.html", headers=VOICE_PAGE_HEADERS)


async def browser_voice(
    websocket: WebSocket, service: ServiceDep, settings: SettingsDep
) -> None:
    """Seed 4 browser voice call (frames in :mod:`.browser`; moves in :mod:`.moving`).

    ``?resume=1`` with a contact token: the page reconnects after its replica was
    drained or died; the contact goes on where it was (AI agent, held line, or over).
    """
    claims = await _authorize(websocket, settings, contacts=True)
    if claims is None:
        return
    if await refuse_if_draining(websocket):  # this replica is stopping: go to another one
        return
    desk = getattr(websocket.app.state, "desk", None)
    hold = desk is not None and settings.voice_engine == "pipeline"
    named = claims.get("contact_id")
    contact_id = named if isinstance(named, str) and named else None
    resuming = websocket.query_params.get("resume") == "1" and contact_id is not None
    if resuming and contact_id is not None:
        kind = await resume_kind(desk if hold else None, contact_id)
        if kind != "bot":
            await _resume_off_bot(websocket, kind, contact_id, desk, settings)
            return
    try:
        locale = _locale(websocket.query_params.get("locale"), settings)
        call = await _new_call(
            websocket.app,
            service,
            settings,
            locale=locale,
            spec_in=PCM16_16K,
            spec_out=PCM16_16K,
            endpoint=str(claims.get("sub", "")) or None,
            contact_id=contact_id,
            hold=hold,
            opening=prompt("resumed", locale) if resuming else None,
        )
    except Exception as exc:
        await _refuse(websocket, exc)
        return
    protocol = BrowserProtocol(websocket, call)
    ready = {
        "type": "ready",
        "contactId": call.contact_id,
        "format": "audio/pcm",
        "sampleRate": PCM16_16K.sample_rate,
        "locale": locale.value,
        "resumed": resuming,
        "contactToken": contact_token(settings, call.contact_id),
        "replica": getattr(getattr(websocket.app.state, "cluster", None), "replica_id", None),
    }
    await send_json(websocket, ready)
    with Mover(
        websocket, call.contact_id, idle=lambda: not getattr(call, "busy", False),
        movable=lambda: True, end=call.close,
    ):
        reason = await pump(
            websocket, call, read=protocol.read, render=protocol.render, hold_on_handover=hold
        )
    if reason == "handover" and desk is not None and hold:
        # The caller stays on the line: hold audio and position, then a human agent.
        line = HumanLine(
            call.contact_id, desk, await speech_stack(websocket.app), locale, settings.voice,
            recorder=getattr(call, "recorder", None),  # the call's recording goes on
        )
        reason = await _serve_line(websocket, line)
    logger.info("browser call ended: %s", reason, extra={"contact_id": call.contact_id})


async def _serve_line(websocket: WebSocket, line: HumanLine) -> str:
    """The held caller's line until it ends; moved off a draining replica while still waiting."""
    waiting = {"queued", "callback"}
    with Mover(
        websocket, line.contact_id, idle=lambda: True,
        movable=lambda: line.state in waiting, end=line.end,
    ):
        return await serve_held_caller(
            websocket, line, functools.partial(render_event, websocket), human_lines(websocket.app)
        )


async def _resume_off_bot(
    websocket: WebSocket, kind: str, contact_id: str, desk: Any, settings: Settings
) -> None:
    """A reconnecting caller whose contact is no longer with the AI agent.

    ``held``: back on the held line (queue place kept, hold audio, the agent);
    ``over``: the call ended meanwhile (``ended``, close 1000).
    """
    if kind == "held":
        contact = await desk.db.get_contact(contact_id)
        await send_json(websocket, {
            "type": "ready", "contactId": contact_id, "format": "audio/pcm",
            "sampleRate": PCM16_16K.sample_rate, "locale": contact.locale.value,
            "resumed": True, "contactToken": contact_token(settings, contact_id),
        })  # fmt: skip
        line = HumanLine(
            contact_id, desk, await speech_stack(websocket.app), contact.locale, settings.voice
        )
        reason = await _serve_line(websocket, line)
        logger.info("resumed held caller ended: %s", reason, extra={"contact_id": contact_id})
        return
    await send_json(websocket, {
        "type": "ended", "reason": "hangup", "contactId": contact_id, "handover": None,
    })  # fmt: skip
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close(code=1000)


def human_lines(app: FastAPI) -> HumanLines:
    """The process's held and connected callers (``app.state.human_lines``)."""
    lines = getattr(app.state, "human_lines", None)
    if not isinstance(lines, HumanLines):
        lines = HumanLines()
        app.state.human_lines = lines
    return lines


async def twilio_media(
    websocket: WebSocket, service: ServiceDep, settings: SettingsDep
) -> None:
    """Twilio Media Streams call (messages in :mod:`.twilio`)."""
    headers = {k.lower(): v for k, v in websocket.headers.items()}
    header_token, _ = token_from_request(headers, dict(websocket.query_params))
    await websocket.accept()

    async def make_call(start: dict[str, Any]) -> Call:
        custom = start.get("customParameters") or {}
        contact_id = custom.get("contactId")  # created by the /v1/twilio/voice webhook
        if settings.auth.enabled:
            claims = verify_token(settings.auth, header_token or custom.get("token"))
            contact_id = claims.get("contact_id")  # only a signed contact is continued
        return await _new_call(
            websocket.app,
            service,
            settings,
            locale=_locale(custom.get("locale"), settings),
            spec_in=MULAW_8K,
            spec_out=MULAW_8K,
            endpoint=custom.get("from") or start.get("callSid"),
            contact_id=contact_id if isinstance(contact_id, str) and contact_id else None,
            hold=True,  # the transfer (twilio_hooks) keeps the contact until the agent is done
        )

    def on_end(state: StreamState, ended: CallEnded) -> None:
        if ended.reason == "handover":
            twilio_calls(websocket.app).handed_over(state.call_sid, ended.contact_id)

    protocol = TwilioProtocol(websocket, make_call, on_end)
    try:
        call = await protocol.wait_started()
    except Exception as exc:
        logger.warning("twilio: stream refused: %s", exc)
        await _refuse(websocket, exc)
        return
    if call is None:
        return
    reason = await pump(websocket, call, read=protocol.read, render=protocol.render)
    logger.info(
        "twilio call ended: %s",
        reason,
        extra={"contact_id": call.contact_id, "stream_sid": protocol.state.stream_sid},
    )


async def gateway_call(
    websocket: WebSocket, call_id: str, service: ServiceDep, settings: SettingsDep
) -> None:
    """Seed 5 telephony gateway call (frames in :mod:`.gateway`)."""
    claims = await _authorize(websocket, settings)
    if claims is None:
        return
    locale_raw = websocket.query_params.get("locale")

    async def make_call(spec: AudioSpec) -> Call:
        return await _new_call(
            websocket.app,
            service,
            settings,
            locale=_locale(locale_raw, settings),
            spec_in=spec,
            spec_out=spec,
            endpoint=websocket.query_params.get("from") or call_id,
        )

    protocol = GatewayProtocol(websocket, make_call)
    try:
        call = await protocol.wait_started()
    except Exception as exc:
        await _refuse(websocket, exc)
        return
    if call is None:
        return
    await send_json(
        websocket, {"type": "ready", "callId": call_id, "contactId": call.contact_id}
    )
    reason = await pump(websocket, call, read=protocol.read, render=protocol.render)
    logger.info(
        "gateway call %s ended: %s", call_id, reason, extra={"contact_id": call.contact_id}
    )


def build_voice_router() -> APIRouter:
    """Return the router with the voice page and the three voice sockets."""
    router = APIRouter()
    router.get("/voice", include_in_schema=False)(voice_page)
    router.websocket("/v1/voice")(browser_voice)
    router.websocket("/v1/twilio/media")(twilio_media)
    router.websocket("/connect/{call_id}")(gateway_call)
    return router
