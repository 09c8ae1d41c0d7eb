"""Human-agent API: agent desktop page, sign-in, status, queues, callbacks, the desk socket.

Routes::

    GET  /agent                                  the agent desktop page
    POST /v1/agents              {"name"}        sign in (created on first use) → Agent
    POST /v1/agents/{id}/status  {"status"}      available | acw | offline → Agent
    GET  /v1/queues                              QueueStatus of every queue
    POST /v1/contacts/{id}/callback {"phone"}    book a callback (E.164) → CallbackOut
    WS   /v1/agents/{id}/desk                    the agent's live desk (frames below)

Desk socket, client → server::

    {"type": "status", "status": "available"}
    {"type": "message", "text": "Hello, I'm Alice from the bank."}
    {"type": "close", "disposition": "resolved"}

server → client: ``agent`` (the agent, once), ``assigned``,
``customer_message``, ``closed`` (see :mod:`switchboard.routing.desk`),
``sent`` {id} (a message with an ``id`` was relayed), ``delayed`` {code, id} (the
database is down: the message is being retried, :mod:`switchboard.api.retry`),
``error`` as on the chat socket. Sequence numbers and resume as on the chat socket
(:mod:`switchboard.api.ws`): ``assigned``, ``customer_message``, ``closed`` and
``sent`` carry ``seq``; ``/desk?after=N`` replays what the desk missed (without
``after`` the ``agent`` frame carries ``seq`` and the current contact is re-sent).
The desk (routing engine + dispatch loop) is built by the composition root
(``switchboard.compose.build_desk``) in
the app's lifespan and injected into the conversation service as its
handover queue; :func:`desk_for` hands it to the routes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, WebSocket, WebSocketDisconnect
from fastapi.requests import HTTPConnection
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field, TypeAdapter

from switchboard.agent.conversation import ContactLocks
from switchboard.api.frames import error_frame, frame_for_error, parse_frame
from switchboard.api.guards import (
    DESK_SOCKET,
    AgentSelfDep,
    CustomerDep,
    DeskSignInDep,
    StaffDep,
    accept_socket,
)
from switchboard.api.retry import retry_outage
from switchboard.api.schemas import ERROR_RESPONSES
from switchboard.audit.redact import mask_endpoint
from switchboard.cluster import Cluster
from switchboard.cluster.frames import LocalChannels, StaleFenceError
from switchboard.cluster.locks import LocalClaims
from switchboard.errors import ConfigError, SwitchboardError
from switchboard.identity import Role
from switchboard.routing.desk import Desk
from switchboard.routing.types import Agent, AgentStatus, QueueStatus
from switchboard.web import static_dir

log = logging.getLogger(__name__)


def desk_for(app: FastAPI | Any) -> Desk:
    """The app's :class:`Desk` (built by the lifespan).

    Raises:
        ConfigError: the app is not running, or its store is not SQL (no desk).
    """
    desk = getattr(app.state, "desk", None)
    if not isinstance(desk, Desk):
        raise ConfigError("the human-agent desk is not running (no lifespan, or no SQL store)")
    return desk


def cluster_for(app: Any) -> Cluster:
    """The app's :class:`~switchboard.cluster.Cluster` (one in-process one without a lifespan)."""
    cluster = getattr(app.state, "cluster", None)
    if not isinstance(cluster, Cluster):
        cluster = Cluster("local", "local", LocalChannels(), LocalClaims(), ContactLocks())
        app.state.cluster = cluster
    return cluster


async def _desk(conn: HTTPConnection) -> Desk:
    """The desk (async so that it is built in the event loop, where its task runs)."""
    return desk_for(conn.app)


DeskDep = Annotated[Desk, Depends(_desk)]

#: Largest desk frame read (characters); a 4,000-character message fits with room to spare.
MAX_DESK_FRAME = 16_384


class SignInRequest(BaseModel):
    """``POST /v1/agents`` body: an agent's desk name is its user name (admins may name any)."""

    name: str | None = Field(None, min_length=1, max_length=128)


class StatusRequest(BaseModel):
    """``POST /v1/agents/{id}/status`` body (busy is set by routing only)."""

    status: Literal["available", "acw", "offline"]


class CallbackRequest(BaseModel):
    """``POST /v1/contacts/{id}/callback`` body."""

    phone: str = Field(
        min_length=7,
        max_length=32,
        pattern=r"^\+?[0-9 ()-]{7,31}$",
        description="E.164, e.g. +447700900123 (checked with libphonenumber)",
    )


class CallbackOut(BaseModel):
    """A booked callback as the customer sees it (number masked)."""

    callback_id: str
    queue: str
    due_at: str
    customer_phone: str
    status: str


class StatusFrame(BaseModel):
    """Desk frame: change status."""

    type: Literal["status"]
    status: Literal["available", "acw", "offline"]


class AgentMessageFrame(BaseModel):
    """Desk frame: a message to the customer."""

    type: Literal["message"]
    text: str = Field(min_length=1, max_length=4000)
    #: The desk's id of this message: re-sent after a reconnect, it is not relayed twice.
    id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class CloseFrame(BaseModel):
    """Desk frame: close the contact with a disposition."""

    type: Literal["close"]
    disposition: str = Field(min_length=1, max_length=64)


DeskFrame = Annotated[StatusFrame | AgentMessageFrame | CloseFrame, Field(discriminator="type")]


def _agent_page_headers() -> dict[str, str]:
    """The app's page headers plus the microphone and played audio of voice calls."""
    from switchboard.api.app import PAGE_HEADERS

    csp = PAGE_HEADERS["Content-Security-Policy"] + "; media-src 'self' blob:"
    return {
        **PAGE_HEADERS,
        "Content-Security-Policy": csp,
        "Permissions-Policy": "microphone=(self)",
    }


def build_agents_router() -> APIRouter:
    """Return the router of the human-agent side (see the module doc)."""
    router = APIRouter(responses=ERROR_RESPONSES)
    adapter: TypeAdapter[Any] = TypeAdapter(DeskFrame)

    @router.get("/agent", include_in_schema=False)
    async def agent_page() -> FileResponse:
        """Serve the agent desktop page."""
        return FileResponse(static_dir() / "agent.html", headers=_agent_page_headers())

    @router.post("/v1/agents", response_model=Agent, tags=["agents"])
    async def sign_in(body: SignInRequest, desk: DeskDep, who: DeskSignInDep) -> Agent:
        """Open the caller's desk (an agent's desk is named after its user; status offline)."""
        name = body.name or (who.username if who else None) or ""
        if who is None or (who.role is Role.AGENT and name != who.username):
            raise HTTPException(403, detail="an agent may only open its own desk")
        return await desk.sign_in(name)

    @router.post("/v1/agents/{agent_id}/status", response_model=Agent, tags=["agents"])
    async def set_status(
        agent_id: str, body: StatusRequest, desk: DeskDep, _: AgentSelfDep
    ) -> Agent:
        """Set an agent available, in after-contact work, or offline."""
        return await desk.set_status(agent_id, AgentStatus(body.status))

    @router.get("/v1/queues", response_model=list[QueueStatus], tags=["agents"])
    async def queues(desk: DeskDep, _: StaffDep) -> list[QueueStatus]:
        """Every queue now: open, size, staffing, AHT and EWT."""
        return [
            await asyncio.to_thread(desk.engine.queue_status, name) for name in desk.engine.queues
        ]

    @router.post("/v1/contacts/{contact_id}/callback", response_model=CallbackOut, tags=["agents"])
    async def callback(
        contact_id: str, body: CallbackRequest, desk: DeskDep, _: CustomerDep
    ) -> CallbackOut:
        """Book a callback for a handed-over contact (leaves the queue if waiting)."""
        cb = await desk.book_callback(contact_id, body.phone)
        return CallbackOut(
            callback_id=cb.callback_id,
            queue=cb.queue_id,
            due_at=cb.due_at.isoformat(),
            customer_phone=mask_endpoint(cb.customer_phone) or "",
            status=cb.status.value,
        )

    @router.websocket("/v1/agents/{agent_id}/desk")
    async def desk_socket(websocket: WebSocket, agent_id: str, after: int | None = None) -> None:
        """An agent's live desk (frames in the module doc), own agent only; ``?after=N`` resumes."""
        if await accept_socket(websocket, DESK_SOCKET) is None:
            return
        try:
            desk = desk_for(websocket.app)
            agent = await asyncio.to_thread(desk.engine.agent, agent_id)
        except SwitchboardError as exc:
            await websocket.send_json(frame_for_error(exc))
            await websocket.close(code=4404, reason=exc.code)
            return
        sub = await desk.agents.subscribe(agent_id, after)
        hello = {"type": "agent", **agent.model_dump(mode="json")}
        hello["replica"] = cluster_for(websocket.app).replica_id
        await websocket.send_json({**hello, "seq": sub.last} if after is None else hello)
        current = await desk.current(agent_id) if after is None else None
        if current is not None:
            await websocket.send_json(current)
        pump = asyncio.create_task(pump_frames(websocket, sub.queue))
        try:
            await _desk_loop(websocket, desk, agent_id, adapter)
        finally:
            desk.agents.unsubscribe(sub)
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    return router


async def pump_frames(websocket: WebSocket, inbox: asyncio.Queue[dict[str, Any]]) -> None:
    """Forward frames published for this socket until it closes.

    Each frame is marked done (``inbox.task_done()``) once written to the socket,
    so ``await inbox.join()`` waits until everything queued has been sent (the
    drain flushes replies this way before ``reconnect``, ``api/drain.py``).
    """
    while True:
        frame = await inbox.get()
        try:
            await websocket.send_json(frame)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return
        finally:
            inbox.task_done()


async def _agent_message(
    websocket: WebSocket, desk: Desk, agent_id: str, frame: AgentMessageFrame
) -> None:
    """Relay an agent's message once per ``id``; ack it with a sequenced ``sent`` frame.

    Raises:
        InputError / RoutingError: from :meth:`Desk.agent_message`.
    """
    if frame.id is None:
        await desk.agent_message(agent_id, frame.text)
        return
    claims = cluster_for(websocket.app).claims
    claim = await claims.claim(f"agent-{agent_id}", frame.id)
    if claim.done_seq is not None or claim.fence is None:
        return  # relayed before the reconnect; its ``sent`` frame is replayed
    try:
        async with claims.renewing(claim.fence):
            await desk.agent_message(agent_id, frame.text)
    except BaseException:
        await claims.release(claim.fence)
        raise
    with contextlib.suppress(StaleFenceError):
        await desk.agents.append(agent_id, {"type": "sent", "id": frame.id}, fence=claim.fence)


async def _delayed(websocket: WebSocket, frame_id: str | None, exc: SwitchboardError) -> None:
    """Tell the agent their message is delayed by an outage (``delayed``, as on the chat socket)."""
    tag = {"id": frame_id} if frame_id else {}
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await websocket.send_json({"type": "delayed", "code": exc.code, **tag})


async def _desk_loop(
    websocket: WebSocket, desk: Desk, agent_id: str, adapter: TypeAdapter[Any]
) -> None:
    """Read the agent's frames until the socket closes."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        raw = message.get("text")
        if raw is None:
            await websocket.send_json(error_frame("invalid_input", "send JSON text frames"))
            continue
        if len(raw) > MAX_DESK_FRAME:
            await websocket.send_json(error_frame("frame_too_large", "desk frames are too large"))
            continue
        try:
            frame = parse_frame(raw, adapter)
            if isinstance(frame, StatusFrame):
                agent = await desk.set_status(agent_id, AgentStatus(frame.status))
                await websocket.send_json({"type": "agent", **agent.model_dump(mode="json")})
            elif isinstance(frame, AgentMessageFrame):
                await retry_outage(
                    functools.partial(_agent_message, websocket, desk, agent_id, frame),
                    on_wait=functools.partial(_delayed, websocket, frame.id),
                    what="agent message",
                )
            else:
                await desk.close_contact(agent_id, frame.disposition)
        except SwitchboardError as exc:
            await websocket.send_json(frame_for_error(exc))
        except WebSocketDisconnect:
            return
