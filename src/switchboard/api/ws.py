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
    {"type": "delayed", "in_reply_to": "...", "code": "store_error", "retry_s": 30}
    {"type": "busy", "id": "...", "retry_after_ms": 2000}         # re-send that message later

**Infrastructure failures** (issue 14): a turn that fails because the database or
the transcript stream is unreachable (a retryable ``StoreError``/``StreamError``:
PostgreSQL restarting or failing over) is not dropped. The customer gets one
``delayed`` frame (the answer is late but coming; the page says "one moment") and
the turn is tried again with back-off (0.5, 1, 2, 4, 4 … s) for up to ``retry_s``
seconds (:mod:`switchboard.api.retry`). The turn's writes are one transaction, so a
failed try left nothing behind; the reply then comes as usual. Only when the window
is over does the customer get the ``error`` frame. ``delayed`` differs from
``busy`` (overload, further down): after ``busy`` the client re-sends; after ``delayed``
it waits.

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

**Sequence numbers and resume** (issue 14). Every frame above except ``ready``,
``pong``, ``ended`` and ``error`` carries ``"seq"`` (1, 2, … per contact). A
socket that drops reconnects — to any replica — with ``?after=<last seq seen>``
and first receives every frame it missed, in order, once. A client gives each
``message`` an ``"id"``; re-sent after a reconnect, a message whose turn already
ran is not run again (its ``reply``/``delivered`` frame, tagged
``"in_reply_to": id``, is among the replayed frames). ``ready`` names the
``replica`` serving the socket and carries ``seq`` (the last frame so far) on a
fresh connect and ``resumed_from`` on a resume; a ``{"type": "resync", "seq": n}``
frame means the log no longer holds what the client missed (read the transcript
over REST).

**Busy** (overload, issue 14). A message that cannot start within
:data:`BUSY_AFTER_S` — its id is still being answered elsewhere (a re-send after a
reconnect while the first attempt's turn still runs), or its contact's turn lock
stays held by another turn — is not dropped and not answered with an error: the
socket sends ``{"type": "busy", "id": "<message id>", "retry_after_ms": n}`` (not
sequenced, not replayed) and the client re-sends the same message, same ``id``,
after ``retry_after_ms`` (doubling its own wait on each further ``busy`` for that
id, up to 30 s). A re-send is idempotent: a turn that ran meanwhile is not run
again (its reply is in the frame log), one still running is waited for again.

**Drain** (SIGTERM, ``api/drain.py``): the turn in flight finishes and its
frames are sent, then ``{"type": "reconnect", "reason": "draining", "last_seq": n}``
and close code 1012; the client reconnects at once (any replica) with
``?after=<last seq>`` and re-sends its unanswered messages.

A malformed frame (not JSON, binary, unknown type, missing or empty text)
gets an ``error`` frame and the socket stays open: the conversation is kept.
An unknown contact gets an ``error`` frame, then close code 4404; a store
failure at connect gets an ``error`` frame, then close code 1013 (try again later).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import TypeAdapter

from switchboard.agent.service import AgentService
from switchboard.api.agents import cluster_for, desk_for, pump_frames
from switchboard.api.deps import ServiceDep
from switchboard.api.drain import CLOSE_SERVICE_RESTART, drain_of, wait_until
from switchboard.api.errors import INTERNAL_MESSAGE
from switchboard.api.frames import error_frame, frame_for_error, parse_frame
from switchboard.api.guards import CUSTOMER_OWN, accept_socket
from switchboard.api.limits import limiter_of
from switchboard.api.retry import RETRY_WINDOW_S, retry_outage
from switchboard.api.schemas import ClientFrame, EndFrame, MessageFrame
from switchboard.cluster import Cluster, chat_key
from switchboard.cluster.frames import FrameChannels, StaleFenceError
from switchboard.cluster.locks import Claim, Fence, LeaseTimeoutError
from switchboard.errors import SwitchboardError, UnknownContactError
from switchboard.routing.desk import Desk

logger = logging.getLogger(__name__)

#: Application close code for "no such contact" (4000-4999 are free for apps, RFC 6455 §7.4.2).
CLOSE_UNKNOWN_CONTACT = 4404
#: "Try again later" close code (RFC 6455 §7.4.1 registry: 1013).
CLOSE_UNAVAILABLE = 1013
#: Seconds a message waits for its claim (its id answered elsewhere) before ``busy``.
BUSY_AFTER_S = 5.0
#: ``retry_after_ms`` of a ``busy`` frame: when the client should re-send the message.
BUSY_RETRY_MS = 2000


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
    async def chat_socket(
        websocket: WebSocket, contact_id: str, service: ServiceDep, after: int | None = None
    ) -> None:
        """Carry one contact's conversation over a WebSocket (frames in the module doc).

        Its contact token only. ``?after=N``: a reconnect; every frame with
        ``seq > N`` is sent first.
        """
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
        try:
            desk = desk_for(websocket.app)
        except SwitchboardError:  # no SQL store: the bot still answers, no human queue
            logger.warning("chat socket: human-agent desk unavailable", exc_info=True)
            desk = None
        chat = _Chat(websocket, contact_id, service, desk, cluster_for(websocket.app))
        drain = drain_of(websocket.app)
        if drain.draining:  # this replica is stopping: go to another one at once
            await _send_reconnect(websocket, after or 0)
            return
        sub = await chat.channels.subscribe(chat.key, after)
        ready: dict[str, Any] = {"type": "ready", "contact_id": contact_id}
        ready["locale"] = contact.locale.value
        ready["replica"] = chat.cluster.replica_id
        ready.update({"seq": sub.last} if after is None else {"resumed_from": after})
        await websocket.send_json(ready)
        pump = asyncio.create_task(pump_frames(websocket, sub.queue))
        if desk is not None and after is None:
            await desk.resume(contact_id)
        reader = asyncio.create_task(_chat_loop(chat, adapter))
        draining: list[asyncio.Task[None]] = []

        async def drain_socket(deadline: float) -> None:
            task = asyncio.current_task()
            if task is not None and task not in draining:
                draining.append(task)
            await _drain_chat(chat, reader, sub.queue, lambda: sub.last, deadline)

        handle = drain.register(drain_socket)
        if drain.draining:  # SIGTERM came while this socket was connecting
            draining.append(asyncio.ensure_future(drain_socket(time.monotonic() + drain.timeout_s)))
        try:
            await asyncio.wait({reader})  # not cancelled with the reader (the drain stops it)
            if not reader.cancelled():
                reader.result()  # re-raises what ended the reader, if anything
            if draining:  # let the drain send ``reconnect`` before this socket is closed
                await asyncio.wait(draining, timeout=drain.timeout_s + 1)
        finally:
            drain.unregister(handle)
            reader.cancel()
            chat.channels.unsubscribe(sub)
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    return router


async def _send_reconnect(websocket: WebSocket, seq: int) -> None:
    """Tell the client to reconnect elsewhere (``seq``: the last frame sent), close 1012."""
    if await _try_send(websocket, {"type": "reconnect", "reason": "draining", "last_seq": seq}):
        with contextlib.suppress(RuntimeError, OSError):
            await websocket.close(code=CLOSE_SERVICE_RESTART, reason="draining")


async def _drain_chat(
    chat: _Chat,
    reader: asyncio.Task[None],
    outbox: asyncio.Queue[dict[str, Any]],
    last_seq: Callable[[], int],
    deadline: float,
) -> None:
    """Drain one chat socket (``api/drain.py``): finish its turn, flush, ``reconnect``.

    Waits (until ``deadline``, monotonic seconds) for the running turn to end,
    stops the reader, waits until the pump has sent every queued frame (the
    turn's reply included), then sends ``reconnect`` and closes with 1012.
    """
    chat.stopping = True
    await wait_until(lambda: not chat.busy, deadline)
    reader.cancel()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(outbox.join(), max(0.0, deadline - time.monotonic()))
    await _send_reconnect(chat.websocket, last_seq())


@dataclass
class _Chat:
    """One chat socket's context (``busy`` while a customer message is being answered)."""

    websocket: WebSocket
    contact_id: str
    service: AgentService
    desk: Desk | None
    cluster: Cluster
    busy: bool = False
    stopping: bool = False
    retry_s: float = RETRY_WINDOW_S

    @property
    def channels(self) -> FrameChannels:
        return self.cluster.channels

    @property
    def key(self) -> str:
        return chat_key(self.contact_id)


async def _answer(
    chat: _Chat, text: str, frame_id: str | None, fence: Fence | None
) -> list[dict[str, Any]]:
    """The frames answering one customer message: ``reply`` (+ queue) to append.

    A message for the human agent is relayed and acknowledged (``delivered``) by
    the desk in one fenced step; nothing is left to append then.
    """
    desk = chat.desk
    if desk is not None and await desk.with_humans(chat.contact_id):
        ack = {"in_reply_to": frame_id} if frame_id else {}
        await desk.customer_message(chat.contact_id, text, ack=ack, fence=fence)
        return []
    reply = await chat.service.handle_turn(chat.contact_id, text)
    frames: list[dict[str, Any]] = [{"type": "reply", **reply.model_dump(mode="json")}]
    if desk is not None and reply.handover is not None:
        queued = desk.take_handover_frame(chat.contact_id)
        if queued is not None:
            frames.append(queued)
    return frames


async def _answer_retrying(
    chat: _Chat, text: str, frame_id: str | None, fence: Fence | None
) -> list[dict[str, Any]]:
    """:func:`_answer`, tried again through an outage (:func:`retry_outage`).

    The customer gets one ``delayed`` frame at the first failure.

    Raises:
        StoreError / StreamError: still failing after ``chat.retry_s`` seconds.
        SwitchboardError: any other failure, at once.
    """

    async def delayed(exc: SwitchboardError) -> None:
        tag = {"in_reply_to": frame_id} if frame_id else {}
        frame = {"type": "delayed", "code": exc.code, "retry_s": chat.retry_s, **tag}
        await _try_send(chat.websocket, frame)

    return await retry_outage(
        lambda: _answer(chat, text, frame_id, fence),
        on_wait=delayed,
        window_s=chat.retry_s,
        what="chat turn",
        contact_id=chat.contact_id,
    )


async def _on_message(chat: _Chat, frame: MessageFrame) -> None:
    """Run one customer message once (claimed by its ``id``) and append its frames.

    A message re-sent after a reconnect whose turn already ran is skipped: its
    reply is in the frame log the socket replays. The reply is appended fenced
    by the claim, so a replica that lost the claim cannot add a second reply.
    """
    claims = chat.cluster.claims
    try:
        claim = (
            Claim()
            if frame.id is None
            else await claims.claim(chat.contact_id, frame.id, wait_s=BUSY_AFTER_S)
        )
    except LeaseTimeoutError:  # still being answered (elsewhere): the client re-sends later
        await _busy(chat, frame.id)
        return
    if claim.done_seq is not None:
        return
    fence = claim.fence
    try:
        async with claims.renewing(fence) if fence else contextlib.nullcontext():
            frames = await _answer_retrying(chat, frame.text, frame.id, fence)
    except StaleFenceError:
        logger.warning("chat socket: relay dropped, its claim was taken over")
        return
    except LeaseTimeoutError:  # the contact's turn lock stayed held: nothing ran
        if fence is not None:
            await claims.release(fence)
        await _busy(chat, frame.id)
        return
    except BaseException:
        if fence is not None:
            await claims.release(fence)
        raise
    if not frames:
        return
    tag = {"in_reply_to": frame.id} if frame.id else {}
    try:
        await chat.channels.append(chat.key, {**frames[0], **tag}, fence=fence)
    except StaleFenceError:
        logger.warning("chat socket: reply dropped, its claim was taken over")
        return
    for extra in frames[1:]:
        await chat.channels.append(chat.key, extra)


async def _busy(chat: _Chat, frame_id: str | None) -> None:
    """Tell the client to re-send message ``frame_id`` later (overload; module doc)."""
    logger.warning(
        "chat socket: busy, message %s to be re-sent", frame_id,
        extra={"contact_id": chat.contact_id},
    )  # fmt: skip
    await _try_send(
        chat.websocket, {"type": "busy", "id": frame_id, "retry_after_ms": BUSY_RETRY_MS}
    )


async def _chat_loop(chat: _Chat, adapter: TypeAdapter[Any]) -> None:
    """Read the customer's frames until the socket closes (frames in the module doc)."""
    websocket, contact_id = chat.websocket, chat.contact_id
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
                if chat.stopping:  # draining: the page re-sends it to the next replica
                    return
                chat.busy = True
                try:
                    await _on_message(chat, frame)
                finally:
                    chat.busy = False
            elif isinstance(frame, EndFrame):
                ended = await chat.service.end_contact(contact_id, frame.status)
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
            logger.warning("chat socket: %s: %s", exc.code, exc, extra={"contact_id": contact_id})
            if not await _try_send(websocket, frame_for_error(exc)):
                return
        except Exception:  # a bug must not kill the customer's conversation
            logger.exception("chat socket: unexpected error", extra={"contact_id": contact_id})
            if not await _try_send(websocket, error_frame("internal_error", INTERNAL_MESSAGE)):
                return
