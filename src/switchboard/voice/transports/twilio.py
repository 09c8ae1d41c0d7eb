"""Twilio Media Streams: ``WS /v1/twilio/media`` (bidirectional ``<Connect><Stream>``).

Message shapes are Twilio's ("Media Streams - WebSocket Messages"):

From Twilio::

    {"event": "connected", "protocol": "Call", "version": "1.0.0"}
    {"event": "start", "sequenceNumber": "1", "streamSid": "MZ…",
     "start": {"accountSid": "AC…", "callSid": "CA…", "streamSid": "MZ…",
               "tracks": ["inbound"], "customParameters": {"token": "<jwt>"},
               "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                               "channels": 1}}}
    {"event": "media", "sequenceNumber": "3", "streamSid": "MZ…",
     "media": {"track": "inbound", "chunk": "1", "timestamp": "5", "payload": "<base64 μ-law>"}}
    {"event": "dtmf", "streamSid": "MZ…", "sequenceNumber": "5",
     "dtmf": {"track": "inbound_track", "digit": "1"}}
    {"event": "mark", "streamSid": "MZ…", "sequenceNumber": "4", "mark": {"name": "r1-s0"}}
    {"event": "stop", "streamSid": "MZ…", "sequenceNumber": "5",
     "stop": {"accountSid": "AC…", "callSid": "CA…"}}

To Twilio::

    {"event": "media", "streamSid": "MZ…", "media": {"payload": "<base64 μ-law 8 kHz>"}}
    {"event": "mark", "streamSid": "MZ…", "mark": {"name": "r1-s0"}}
    {"event": "clear", "streamSid": "MZ…"}     # barge-in: drop the queued audio

Twilio echoes a ``mark`` when the audio sent before it has played (or was
cleared); the session learns from it what the caller heard. Twilio has no error
message: a malformed message is logged and skipped, and the call goes on.
Auth: the JWT travels as a ``<Parameter name="token">`` of the ``<Stream>``
(Twilio's stream URL takes no query string) or an ``Authorization`` header.
When the call ends (a handover), the socket closes once the last reply mark
has come back, so the caller hears the handover message; Twilio then asks the
``<Connect action>`` URL what comes next, and :mod:`.twilio_hooks` answers with
the transfer (``<Dial>`` to the agent desk's client or a number, with the
handover attributes).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import WebSocket

from switchboard.errors import InputError
from switchboard.voice.events import MULAW_8K, AudioOut, CallEnded, Clear, Mark, VoiceEvent
from switchboard.voice.transports.base import (
    Call,
    b64,
    b64decode_audio,
    frame_limit,
    receive_text,
    send_json,
)

logger = logging.getLogger("switchboard.voice.twilio")

#: How long to wait for the last mark before hanging up after the call ends, seconds.
LAST_MARK_TIMEOUT_S = 15.0

#: Builds and starts the call once ``start`` arrives: (start body) → started call.
CallFactory = Callable[[dict[str, Any]], Awaitable[Call]]


@dataclass
class StreamState:
    """What is known about the Twilio stream."""

    stream_sid: str = ""
    call_sid: str = ""
    protocol: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    media_frames: int = 0
    bad_frames: int = 0
    stopped: bool = False


class TwilioProtocol:
    """One Twilio Media Stream adapted to one call.

    Args:
        websocket: the accepted socket.
        make_call: builds and starts the call from the ``start`` body (checks auth,
            raises :class:`InputError` to refuse the stream).
        on_end: told how the call ended (e.g. a handover), before the socket closes.
    """

    def __init__(
        self,
        websocket: WebSocket,
        make_call: CallFactory,
        on_end: Callable[[StreamState, CallEnded], None] | None = None,
    ) -> None:
        self.websocket = websocket
        self.make_call = make_call
        self.on_end = on_end
        self.state = StreamState()
        self.call: Call | None = None
        self._started = asyncio.Event()
        self._pending_marks: set[str] = set()
        self._marks_changed = asyncio.Event()

    async def wait_started(self) -> Call | None:
        """Read until ``start`` (returns the call) or the stream ends first (None)."""
        while self.call is None:
            raw = await receive_text(self.websocket)
            if raw is None:
                return None
            message = self._parse(raw)
            if message is None:
                continue
            event = message.get("event")
            if event == "connected":
                self.state.protocol = str(message.get("protocol", ""))
            elif event == "start":
                await self._start(message)
            elif event == "stop":
                return None
            else:
                logger.warning("twilio: %r before start skipped", event)
        return self.call

    async def _start(self, message: dict[str, Any]) -> None:
        body = message.get("start")
        if not isinstance(body, dict):
            raise InputError("start message without a 'start' object")
        fmt = body.get("mediaFormat") or {}
        encoding, rate = fmt.get("encoding"), fmt.get("sampleRate")
        if encoding != "audio/x-mulaw" or rate != MULAW_8K.sample_rate:
            raise InputError(
                f"unsupported media format {encoding!r} at {rate!r} Hz; "
                "Media Streams send audio/x-mulaw at 8000 Hz"
            )
        self.state.stream_sid = str(message.get("streamSid") or body.get("streamSid") or "")
        self.state.call_sid = str(body.get("callSid", ""))
        custom = body.get("customParameters") or {}
        self.state.custom = {str(k): str(v) for k, v in custom.items()}
        self.call = await self.make_call(body)

    def _parse(self, raw: str) -> dict[str, Any] | None:
        if not raw or len(raw) > frame_limit(self.websocket):
            self._bad("binary, empty or oversized frame")
            return None
        try:
            message = json.loads(raw)
        except (json.JSONDecodeError, RecursionError):  # bad or "[[[[..." nested too deep
            self._bad("not JSON")
            return None
        if not isinstance(message, dict) or not isinstance(message.get("event"), str):
            self._bad("no 'event'")
            return None
        return message

    def _bad(self, why: str) -> None:
        self.state.bad_frames += 1
        sid = self.state.stream_sid
        logger.warning("twilio: malformed message skipped (%s)", why, extra={"stream_sid": sid})

    async def read(self) -> None:
        """Read Twilio messages after ``start`` until ``stop`` or disconnect."""
        assert self.call is not None
        while not self.state.stopped:
            raw = await receive_text(self.websocket)
            if raw is None:
                return
            message = self._parse(raw)
            if message is None:
                continue
            try:
                await self._handle(message)
            except InputError as exc:
                self._bad(exc.message)

    async def _handle(self, message: dict[str, Any]) -> None:
        assert self.call is not None
        event = message["event"]
        if event == "media":
            media = message.get("media")
            if not isinstance(media, dict):
                raise InputError("media message without 'media'")
            if media.get("track", "inbound") not in {"inbound", "inbound_track"}:
                return  # our own audio echoed on a both_tracks stream
            self.state.media_frames += 1
            await self.call.feed_audio(b64decode_audio(media.get("payload"), sample_width=1))
        elif event == "dtmf":
            digit = (message.get("dtmf") or {}).get("digit")
            if not isinstance(digit, str):
                raise InputError("dtmf message without a digit")
            await self.call.dtmf(digit)
        elif event == "mark":
            name = (message.get("mark") or {}).get("name")
            if not isinstance(name, str):
                raise InputError("mark message without a name")
            self._pending_marks.discard(name)
            self._marks_changed.set()
            await self.call.playback_done(name)
        elif event == "stop":
            self.state.stopped = True
        elif event in {"connected", "start"}:
            raise InputError(f"duplicate {event!r} message")
        else:
            raise InputError(f"unknown event {event!r}")

    def _out(self, event: str, **body: Any) -> dict[str, Any]:
        return {"event": event, "streamSid": self.state.stream_sid, **body}

    async def render(self, event: VoiceEvent) -> bool:
        """Send one call event as Twilio messages; False when the socket has gone."""
        match event:
            case AudioOut():
                if event.format is not MULAW_8K.format or event.sample_rate != 8000:
                    logger.error("twilio: audio not μ-law 8 kHz dropped")
                    return True
                return await send_json(
                    self.websocket, self._out("media", media={"payload": b64(event.data)})
                )
            case Mark():
                self._pending_marks.add(event.name)
                return await send_json(self.websocket, self._out("mark", mark={"name": event.name}))
            case Clear():
                self._pending_marks.clear()
                return await send_json(self.websocket, self._out("clear"))
            case CallEnded():
                if self.on_end is not None:  # before the socket closes: Twilio then asks
                    self.on_end(self.state, event)  # the <Connect action> what comes next
                await self._drain()
                return True
        return True

    async def _drain(self) -> None:
        """Wait until Twilio has played every mark sent (bounded), so the last words are heard."""

        async def all_played() -> None:
            while self._pending_marks and not self.state.stopped:
                self._marks_changed.clear()
                await self._marks_changed.wait()

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_played(), timeout=LAST_MARK_TIMEOUT_S)
