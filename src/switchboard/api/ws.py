"""The chat WebSocket: ``WS /v1/contacts/{contact_id}/chat``.

Frames are JSON text. Client → server (see :mod:`switchboard.api.schemas`)::

    {"type": "message", "text": "How do I open an account?"}
    {"type": "ping"}
    {"type": "end", "status": "resolved"}          # status optional

Server → client::

    {"type": "ready", "contact_id": "...", "locale": "en_GB"}      # once, after accept
    {"type": "reply", ...AgentReply fields...}
    {"type": "pong"}
    {"type": "ended", "contact": {...Contact...}}                # then close 1000
    {"type": "error", "code": "...", "message": "...", "retryable": bool}

Once the agent hands the contact over (``reply.handover`` set) the
conversation service has queued it for a human agent (the desk,
:mod:`switchboard.routing.desk`, as on every channel); the socket sends the
queue frame after the reply and also carries, pushed by the desk::

    {"type": "queue", "queue": "...", "position": 2, "ewt_seconds": 240, "ewt_minutes": 4,
     "offer_callback": false}
    {"type": "queue_closed", "queue": "...", "reason": "queue_closed", "next_open": "..."}
    {"type": "agent_joined", "agent": "Alice"}
    {"type": "agent_message", "text": "...", "agent": "Alice"}
    {"type": "agent_left", "disposition": "resolved"}

From then on the customer's ``message`` frames go to the human agent, not
the bot, and are answered with ``{"type": "delivered", "to": "agent"|"queue"}``.

A malformed frame (not JSON, binary, unknown type, missing or empty text)
gets an ``error`` frame and the socket stays open: the conversation is kept.
An unknown contact gets an ``error`` frame, then close code 4404; a store
failure at connect gets an ``error`` frame, then close code 1013 (try again later).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import TypeAdapter

from switchboard.agent.service import AgentService
from switchboard.api.agents import desk_for, pump_frames
from switchboard.api.deps import ServiceDep
from switchboard.api.errors import INTERNAL_MESSAGE
from switchboard.api.frames import error_frame, frame_for_error, parse_frame
from switchboard.api.guards import CUSTOMER_OWN, accept_socket
from switchboard.api.limits import limiter_of
from switchboard.api.schemas import ClientFrame, EndFrame, MessageFrame
from switchboard.errors import SwitchboardError, UnknownContactError
from switchboard.routing.desk import Desk

logger = logging.getLogger(__name__)

#: Application close code for "no such contact" (4000-4999 are free for apps, RFC 6455 §7.4.2).
CLOSE_UNKNOWN_CONTACT = 4404
#: "Try again later" close code (RFC 6455 §7.4.1 registry: 1013).
CLOSE_UNAVAILABLE = 1013


async def _try_send(websocket: WebSocket, frame: dict[str, Any]) -> bool:
    """Send ``frame``; return False when the client has gone (nothing to keep open)."""
    try:
        await websocket.send_json(frame)
    except (WebSocketDisconnect, RuntimeError, OSError):
        return False
    return True


def frame_refusal(websocket: WebSocket, key: str, raw: str) -> dict[str, Any] | None:
    """The ``error`` frame for a frame over the size or rate limit, else None.

    The socket stays open and nothing of the contact is lost (``api.limits``).
    """
    limiter = limiter_of(websocket.app)
    limit = limiter.settings.max_chat_frame_bytes
    if len(raw) > limit:
        return error_frame("frame_too_large", f"frames are limited to {limit} characters")
    if not limiter.hit("per_contact", key):
        return error_frame("rate_limited", "too many messages; slow down", retryable=True)
    return None


def build_ws_router() -> APIRouter:
    """Return the router holding the chat WebSocket endpoint."""
    router = APIRouter()
    adapter: TypeAdapter[Any] = TypeAdapter(ClientFrame)

    @router.websocket("/v1/contacts/{contact_id}/chat")
    async def chat_socket(websocket: WebSocket, contact_id: str, service: ServiceDep) -> None:
        """Carry one contact's conversation over a WebSocket (frames in the module doc)."""
        if await accept_socket(websocket, CUSTOMER_OWN) is None:  # its contact token only
            return
        try:
            contact = await service.conversation.contact(contact_id)
        except UnknownContactError as exc:
            await websocket.send_json(frame_for_error(exc))
            await websocket.close(code=CLOSE_UNKNOWN_CONTACT, reason="unknown contact")
            return
        except SwitchboardError as exc:  # e.g. the store is down: say so, then close
            await websocket.send_json(frame_for_error(exc))
            await websocket.close(code=CLOSE_UNAVAILABLE, reason=exc.code)
            return
        await websocket.send_json(
            {"type": "ready", "contact_id": contact_id, "locale": contact.locale.value}
        )
        try:
            desk = desk_for(websocket.app)
        except SwitchboardError:  # no SQL store: the bot still answers, no human queue
            logger.warning("chat socket: human-agent desk unavailable", exc_info=True)
            desk = None
        if desk is not None:
            inbox = desk.customers.subscribe(contact_id)
            pump = asyncio.create_task(pump_frames(websocket, inbox))
            await desk.resume(contact_id)
        try:
            await _chat_loop(websocket, contact_id, service, adapter, desk)
        finally:
            if desk is not None:
                desk.customers.unsubscribe(contact_id, inbox)
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pump

    return router


async def _chat_loop(
    websocket: WebSocket,
    contact_id: str,
    service: AgentService,
    adapter: TypeAdapter[Any],
    desk: Desk | None,
) -> None:
    """Read the customer's frames until the socket closes (frames in the module doc)."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        raw = message.get("text")
        if raw is None:
            await websocket.send_json(
                error_frame("invalid_input", "binary frames are not supported; send JSON text")
            )
            continue
        refusal = frame_refusal(websocket, contact_id, raw)
        if refusal is not None:
            await websocket.send_json(refusal)
            continue
        try:
            frame = parse_frame(raw, adapter)
            if isinstance(frame, MessageFrame):
                if desk is not None and await desk.with_humans(contact_id):
                    await websocket.send_json(
                        await desk.customer_message(contact_id, frame.text)
                    )
                    continue
                reply = await service.handle_turn(contact_id, frame.text)
                await websocket.send_json({"type": "reply", **reply.model_dump(mode="json")})
                if desk is not None and reply.handover is not None:
                    queued = desk.take_handover_frame(contact_id)
                    if queued is not None:
                        await websocket.send_json(queued)
            elif isinstance(frame, EndFrame):
                ended = await service.end_contact(contact_id, frame.status)
                await websocket.send_json(
                    {"type": "ended", "contact": ended.model_dump(mode="json")}
                )
                await websocket.close(code=1000)
                return
            else:
                await websocket.send_json({"type": "pong"})
        except WebSocketDisconnect:
            return
        except SwitchboardError as exc:
            if not await _try_send(websocket, frame_for_error(exc)):
                return
        except Exception:  # a bug must not kill the customer's conversation
            logger.exception("chat socket: unexpected error", extra={"contact_id": contact_id})
            if not await _try_send(websocket, error_frame("internal_error", INTERNAL_MESSAGE)):
                return
