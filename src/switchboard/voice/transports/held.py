"""The browser voice socket after a handover: the caller held, then talking to a person.

``WS /v1/voice`` does not end on a handover when the app runs a routing desk:
the same socket carries the caller's :class:`~switchboard.voice.human_line.HumanLine`
(hold audio and queue position, then the human agent's voice). Frames, in
addition to seed 4's::

    client → server
    {"type": "audio", "data": "<base64 PCM16 16 kHz>"}     # to the agent once connected
    {"type": "dtmf", "digit": "4"}                          # callback number, then "#"
    {"type": "callback", "phone": "+447700900123"}          # book a callback (E.164)
    {"type": "ping"} | {"type": "hangup"} | {"type": "mark", ...} (ignored)

    server → client
    {"type": "queue", "queue": "general", "position": 2, "ewt_seconds": 240,
     "ewt_minutes": 4, "offer_callback": false}
    {"type": "announcement", "key": "position", "text": "You are number 2 in the queue..."}
    {"type": "queue_closed", "queue": "general", "next_open": "...", "callback": true}
    {"type": "callback_offer"} | {"type": "callback_booked", "callback_id", "due_at"}
    {"type": "callback_failed", "message": "..."}
    {"type": "agent_joined", "agent": "Vera"} | {"type": "hold", "on": true}
    {"type": "transcript", ...} (the caller, as heard by the agent's STT)
    {"type": "agent_transcript", "text": "...", "agent": "Vera"}
    {"type": "audio", ...} (hold audio, announcements, the agent's voice) | {"type": "stop"}
    {"type": "ended", "reason": "agent_left" | "agent_hangup" | "callback" | "hangup"}
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from switchboard.errors import InputError, SwitchboardError
from switchboard.voice.events import CallEnded, VoiceEvent
from switchboard.voice.human_line import HumanLine, HumanLines
from switchboard.voice.transports.base import b64decode_audio, error_json, read_frames, send_json

logger = logging.getLogger("switchboard.voice.transport")


#: Sends one voice event in the browser's wire format; False when the client has gone.
Render = Callable[[VoiceEvent], Awaitable[bool]]


async def serve_held_caller(
    websocket: WebSocket, line: HumanLine, render: Render, lines: HumanLines
) -> str:
    """Run a handed-over browser caller on its socket until the line ends.

    ``render``: e.g. :func:`~switchboard.voice.transports.browser.render_event`.
    Returns why the line ended (``CallEnded.reason``).
    """
    hung_up = False

    async def handle(frame: dict[str, Any]) -> None:
        nonlocal hung_up
        kind = frame.get("type")
        if kind == "audio":
            data = frame.get("data", "")
            if data:
                await line.caller_audio(b64decode_audio(data, sample_width=2))
        elif kind == "dtmf":
            await line.caller_dtmf(frame.get("digit"))  # type: ignore[arg-type]  # checked there
        elif kind == "callback":
            phone = frame.get("phone")
            if not isinstance(phone, str):
                raise InputError("callback frame needs a 'phone' (E.164)")
            await line.caller_callback(phone)
        elif kind == "ping":
            await send_json(websocket, {"type": "pong"})
        elif kind in {"hangup", "end"}:
            hung_up = True
        elif kind != "mark":
            raise InputError(f"unknown frame type {kind!r}")

    async def write() -> str:
        async for item in line.events():
            if isinstance(item, dict):
                ok = await send_json(websocket, item)
            else:
                ok = await render(item)
            if isinstance(item, CallEnded):
                return item.reason
            if not ok:
                return "hangup"
        return "hangup"  # pragma: no cover - events() ends with CallEnded

    lines.add(line)
    try:
        await line.start()
    except SwitchboardError as exc:  # the desk is down: say so and keep the contact queued
        logger.warning("held caller not served: %s", exc, extra={"contact_id": line.contact_id})
        lines.remove(line)
        await send_json(websocket, error_json("desk_unavailable", exc.message, fatal=True))
        await send_json(websocket, {"type": "ended", "reason": "error",
                                    "contactId": line.contact_id, "handover": None})
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await websocket.close(code=1013)
        return "error"
    writer = asyncio.create_task(write(), name=f"held-writer-{line.contact_id}")
    reader = asyncio.create_task(
        read_frames(websocket, handle, lambda: hung_up), name=f"held-reader-{line.contact_id}"
    )
    reason = "hangup"
    try:
        done, _ = await asyncio.wait({writer, reader}, return_when=asyncio.FIRST_COMPLETED)
        if reader in done:
            await line.end("hangup")
            with contextlib.suppress(TimeoutError):
                reason = await asyncio.wait_for(asyncio.shield(writer), timeout=10.0)
        else:
            reason = writer.result()
    finally:
        for task in (reader, writer):
            if not task.done():
                task.cancel()
        await asyncio.gather(reader, writer, return_exceptions=True)
        await line.end("hangup")
        lines.remove(line)
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await websocket.close(code=1000)
    logger.info("held caller ended: %s", reason, extra={"contact_id": line.contact_id})
    return reason
