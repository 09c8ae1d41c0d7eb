"""The browser voice socket ``WS /v1/voice`` (seed 4 "Message Protocol").

Client → server (JSON text frames)::

    {"type": "audio", "data": "<base64 PCM16 LE mono>", "endOfUtterance": false,
     "sampleRate": 16000}          # sampleRate optional; must match the call's (16 kHz)
    {"type": "audio", "data": "", "endOfUtterance": true}   # seed 4 client silence hint
    {"type": "mark", "name": "r2-s0"}      # the page played audio up to this mark
    {"type": "dtmf", "digit": "5"}
    {"type": "ping"}
    {"type": "hangup"}

Server → client::

    {"type": "ready", "contactId": "...", "format": "audio/pcm", "sampleRate": 16000,
     "locale": "en_GB", "resumed": false, "contactToken": "<JWT>"}   # token: to resume
    {"type": "reconnect", "reason": "draining", "contactId": "..."}  # then close 1012
    {"type": "audio", "data": "<base64 PCM16>", "format": "audio/pcm", "sampleRate": 16000,
     "replyId": 2}
    {"type": "mark", "name": "r2-s0", "replyId": 2, "last": false}
    {"type": "stop", "replyId": 2, "heardText": "..."}      # barge-in: stop playback now
    {"type": "transcript", "text": "...", "final": true, "source": "speech", ...}
    {"type": "reply", "text": "...", "replyId": 2, "turn": 1, "kind": "turn", "handover": null}
    {"type": "error", "code": "bad_audio", "message": "...", "fatal": false}
    {"type": "ended", "reason": "hangup", "contactId": "...", "handover": null}
    {"type": "pong"}

Auth: a JWT (see :mod:`switchboard.voice.transports.auth`); browsers send it as
the subprotocols ``["bearer", token]``. ``?resume=1`` with the contact token of
``ready``: the call continues its contact after a replica moved or lost it
(:mod:`switchboard.voice.transports.moving`). A bad frame (not JSON, binary, unknown
type, truncated base64, odd byte count, another sample rate) gets an ``error``
frame and is dropped; the call goes on.
"""

from __future__ import annotations

from typing import Any

from fastapi import WebSocket

from switchboard.errors import InputError
from switchboard.voice.events import AudioOut, Clear, Mark, VoiceEvent
from switchboard.voice.transports.base import (
    Call,
    b64,
    b64decode_audio,
    event_frame,
    mark_or_dtmf,
    read_frames,
    send_json,
)

#: The browser socket's audio: PCM16 at 16 kHz both ways (seed 4 "Audio Quality").
BROWSER_RATE = 16000


class BrowserProtocol:
    """Reads and writes seed 4 frames for one call on one socket."""

    def __init__(self, websocket: WebSocket, call: Call) -> None:
        self.websocket = websocket
        self.call = call
        self.hung_up = False

    async def read(self) -> None:
        """Read client frames until the client hangs up or goes away."""
        await read_frames(self.websocket, self.handle, lambda: self.hung_up)

    async def handle(self, frame: dict[str, Any]) -> None:
        """Act on one parsed client frame.

        Raises:
            InputError: the frame is malformed (the caller sends an ``error`` frame).
        """
        kind = frame.get("type")
        if kind == "audio":
            await self._audio(frame)
        elif await mark_or_dtmf(self.call, frame):
            return
        elif kind == "ping":
            await send_json(self.websocket, {"type": "pong"})
        elif kind in {"hangup", "end"}:
            self.hung_up = True
        else:
            raise InputError(f"unknown frame type {kind!r}")

    async def _audio(self, frame: dict[str, Any]) -> None:
        rate = frame.get("sampleRate", BROWSER_RATE)
        if rate != BROWSER_RATE:
            raise InputError(
                f"sampleRate {rate!r} is not accepted here: send PCM16 at {BROWSER_RATE} Hz"
            )
        data = frame.get("data", "")
        if data:
            await self.call.feed_audio(b64decode_audio(data, sample_width=2))
        end = frame.get("endOfUtterance", False)
        if not isinstance(end, bool):
            raise InputError("endOfUtterance must be true or false")
        if end:
            await self.call.end_of_utterance()

    async def render(self, event: VoiceEvent) -> bool:
        """Send one call event as seed 4 JSON; False when the client has gone."""
        return await render_event(self.websocket, event)


async def render_event(websocket: WebSocket, event: VoiceEvent) -> bool:
    """Send one voice event on a browser socket as seed 4 JSON; False when the client has gone.

    Audio → ``audio`` (base64 PCM16), ``Mark`` → ``mark``, ``Clear`` → ``stop``
    (barge-in), the others through :func:`~.base.event_frame`.
    """
    match event:
        case AudioOut():
            frame: dict[str, Any] | None = {
                "type": "audio",
                "data": b64(event.data),
                "format": "audio/pcm",
                "sampleRate": event.sample_rate,
                "replyId": event.reply_id,
            }
        case Mark():
            frame = {
                "type": "mark",
                "name": event.name,
                "replyId": event.reply_id,
                "last": event.last,
            }
        case Clear():
            frame = {"type": "stop", "replyId": event.reply_id, "heardText": event.heard_text}
        case _:
            frame = event_frame(event)
    if frame is None:
        return True
    return await send_json(websocket, frame)
