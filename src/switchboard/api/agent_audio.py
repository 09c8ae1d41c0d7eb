"""The agent's voice on a handed-over call: ``WS /v1/contacts/{contact_id}/agent-audio``.

The agent desk page (``/agent``) opens this socket when it is assigned a voice
contact and bridges the browser's microphone and speaker to the caller's
:class:`~switchboard.voice.human_line.HumanLine`. Guard: a staff bearer token
(subprotocols ``["bearer", token]``) of the agent the contact is assigned to
*now* (:data:`~switchboard.api.guards.AGENT_AUDIO_SOCKET`); anyone else gets an
``error`` frame and close 4401/4403.

Client → server::

    {"type": "audio", "data": "<base64 PCM16 LE mono>", "sampleRate": 48000}   # 8-96 kHz
    {"type": "mute", "on": true}        # the caller stops hearing the agent
    {"type": "hold", "on": true}        # the caller hears hold audio; nobody hears anybody
    {"type": "hangup"}                  # end the call (the disposition goes on the desk socket)
    {"type": "ping"}

Server → client::

    {"type": "ready", "contactId": "...", "line": true, "sampleRate": 16000}
    {"type": "line", "state": "connected", ...}
    {"type": "audio", "data": "<base64 PCM16 16 kHz>", "sampleRate": 16000}   # the caller
    {"type": "transcript", "leg": "customer" | "agent", "text": "..."}
    {"type": "control", "mute": false, "hold": true}
    {"type": "caller_left", "reason": "hangup" | "agent_hangup" | ...}
    {"type": "error", "code": "...", "message": "..."} | {"type": "pong"}

``line: false`` means this server holds no live caller for the contact (a chat
contact, a call that ended, or a caller on another replica); frames are then
answered with ``no_line`` errors. Agent audio is resampled to 16 kHz with soxr.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from switchboard.api.guards import AGENT_AUDIO_SOCKET, accept_socket
from switchboard.errors import InputError
from switchboard.voice.human_line import AgentLeg, HumanLine
from switchboard.voice.transports.base import (
    b64decode_audio,
    error_json,
    read_frames,
    send_json,
)
from switchboard.voice.transports.routes import human_lines


def build_agent_audio_router() -> APIRouter:
    """The router with the agent-audio socket."""
    router = APIRouter()

    @router.websocket("/v1/contacts/{contact_id}/agent-audio")
    async def agent_audio(websocket: WebSocket, contact_id: str) -> None:
        """Bridge the assigned agent's browser audio to the caller (frames in the module doc)."""
        principal = await accept_socket(websocket, AGENT_AUDIO_SOCKET)
        if principal is None:
            return
        line = human_lines(websocket.app).get(contact_id)
        await send_json(
            websocket,
            {"type": "ready", "contactId": contact_id, "line": line is not None,
             "sampleRate": 16000},
        )
        if line is None:
            await read_frames(websocket, _no_line(websocket), lambda: False)
            return
        leg = line.attach_agent(principal.username or principal.subject)
        writer = asyncio.create_task(_forward(websocket, leg), name=f"agent-audio-{contact_id}")
        stop: list[bool] = []
        try:
            await read_frames(websocket, _handler(websocket, line, leg, stop), lambda: bool(stop))
        finally:
            line.detach_agent(leg)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
                await websocket.close(code=1000)

    return router


def _no_line(websocket: WebSocket) -> Any:
    async def handle(frame: dict[str, Any]) -> None:
        if frame.get("type") == "ping":
            await send_json(websocket, {"type": "pong"})
            return
        await send_json(
            websocket, error_json("no_line", "no caller is on the line for this contact here")
        )

    return handle


def _handler(websocket: WebSocket, line: HumanLine, leg: AgentLeg, stop: list[bool]) -> Any:
    async def handle(frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "audio":
            rate = frame.get("sampleRate")
            if not isinstance(rate, int) or isinstance(rate, bool):
                raise InputError("audio frame needs an integer 'sampleRate' (Hz)")
            data = frame.get("data", "")
            if data:
                await line.agent_audio(leg, b64decode_audio(data, sample_width=2), rate)
        elif kind in {"mute", "hold"}:
            on = frame.get("on")
            if not isinstance(on, bool):
                raise InputError(f"{kind} frame needs 'on': true or false")
            await line.agent_control(leg, kind, on)
        elif kind == "hangup":
            await line.end("agent_hangup")
            stop.append(True)
        elif kind == "ping":
            await send_json(websocket, {"type": "pong"})
        else:
            raise InputError(f"unknown frame type {kind!r}")

    return handle


async def _forward(websocket: WebSocket, leg: AgentLeg) -> None:
    """Send the leg's frames (caller audio, transcripts, controls) until the socket goes."""
    while True:
        frame = await leg.frames.get()
        if not await send_json(websocket, frame):
            return
