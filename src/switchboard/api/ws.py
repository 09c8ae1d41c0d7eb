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

A malformed frame (not JSON, binary, unknown type, missing or empty text)
gets an ``error`` frame and the socket stays open: the conversation is kept.
An unknown contact gets an ``error`` frame, then close code 4404; a store
failure at connect gets an ``error`` frame, then close code 1013 (try again later).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import TypeAdapter

from switchboard.api.deps import ServiceDep
from switchboard.api.errors import INTERNAL_MESSAGE
from switchboard.api.frames import error_frame, frame_for_error, parse_frame
from switchboard.api.schemas import ClientFrame, EndFrame, MessageFrame
from switchboard.errors import SwitchboardError, UnknownContactError

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


def build_ws_router() -> APIRouter:
    """Return the router holding the chat WebSocket endpoint."""
    router = APIRouter()
    adapter: TypeAdapter[Any] = TypeAdapter(ClientFrame)

    @router.websocket("/v1/contacts/{contact_id}/chat")
    async def chat_socket(websocket: WebSocket, contact_id: str, service: ServiceDep) -> None:
        """Carry one contact's conversation over a WebSocket (frames in the module doc)."""
        await websocket.accept()
        try:
            contact = service.store.get_contact(contact_id)
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
            try:
                frame = parse_frame(raw, adapter)
                if isinstance(frame, MessageFrame):
                    reply = await service.handle_turn(contact_id, frame.text)
                    await websocket.send_json({"type": "reply", **reply.model_dump(mode="json")})
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

    return router
