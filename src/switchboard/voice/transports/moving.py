"""Browser calls that outlive their replica (issue 14): drained on SIGTERM, resumed elsewhere.

A browser call's media is pinned to the process that holds its socket, but its
contact (transcript, dialogue state, queue place) is in the shared store, so a
call can move:

* **SIGTERM** (a rolling update, a scale-in): the replica's drain
  (``app.state.drain``, :mod:`switchboard.api.drain`) calls each voice socket's
  drain. A call with the AI agent lets the turn in flight finish (its reply has
  been sent), then the page gets ``{"type": "reconnect", "reason": "draining",
  "contactId": ...}``, the call ends as :data:`~switchboard.voice.events.MOVED`
  (the contact stays open, its recording so far is stored) and the socket
  closes with 1012 (service restart). A held caller still waiting in the queue
  moves the same way (its queue place is kept: not abandoned). A caller already
  talking to a human agent is not moved: the agent's audio bridge lives in this
  process, so that call runs until the drain's deadline.
* **SIGKILL** or a crash: the socket just drops (1006); the contact stays active.

Either way the page reconnects (with back-off) to any replica with the contact
token it got in ``ready`` and ``?resume=1``. There, :func:`resume_kind` reads
the contact: still with the AI agent → a new call on the same contact that
opens with the "we were cut off" prompt; handed over and still waiting or
talking → the held line again (hold audio, position, the agent); ended → the
call is over (``ended``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import WebSocket

from switchboard.config import Settings
from switchboard.domain.types import ContactStatus
from switchboard.errors import SwitchboardError
from switchboard.identity.tokens import TokenService
from switchboard.voice.events import MOVED
from switchboard.voice.transports.base import send_json

logger = logging.getLogger("switchboard.voice.transport")

#: Close code after ``reconnect`` (RFC 6455 §7.4.1 registry: 1012 "Service Restart").
CLOSE_SERVICE_RESTART = 1012

ResumeKind = Literal["bot", "held", "over"]


async def resume_kind(desk: Any, contact_id: str) -> ResumeKind:
    """What a caller reconnecting to ``contact_id`` gets back.

    Args:
        desk: the routing desk (its ``db.get_contact``), or None without one.
        contact_id: the contact named by the caller's contact token.

    Returns:
        ``"bot"``: the contact is active (the AI agent had the caller);
        ``"held"``: handed over (transferred) and not ended, with a desk to hold on;
        ``"over"``: ended, unknown, or handed over with no desk.
    """
    if desk is None:
        return "bot"  # no store to read: the service continues the contact or refuses it
    try:
        contact = await desk.db.get_contact(contact_id)
    except SwitchboardError:
        return "over"
    if contact.ended_at is not None:
        return "over"
    if contact.status is ContactStatus.ACTIVE:
        return "bot"
    return "held" if contact.status is ContactStatus.TRANSFERRED else "over"


def contact_token(settings: Settings, contact_id: str) -> str | None:
    """A customer token for ``contact_id`` (the page resumes the call with it), or None.

    Signed by the identity service of ``settings`` (as ``POST /v1/contacts``
    signs them); None when voice auth is off or the identity settings are broken
    (logged: the call goes on, it just cannot be resumed).
    """
    if not settings.auth.enabled:
        return None
    try:
        return TokenService(settings.identity).issue_contact(contact_id)
    except Exception:  # a broken identity setting must not stop the call
        logger.warning("no contact token for the voice page", exc_info=True)
        return None


async def refuse_if_draining(websocket: WebSocket) -> bool:
    """On a draining replica, send ``reconnect`` and close 1012 at once; True if so.

    A page that reconnects while this replica drains (nginx may still pick it)
    is sent on at once, before any call starts here.
    """
    drain = getattr(websocket.app.state, "drain", None)
    if drain is None or not getattr(drain, "draining", False):
        return False
    await send_json(websocket, {"type": "reconnect", "reason": "draining"})
    with contextlib.suppress(RuntimeError, OSError):
        await websocket.close(code=CLOSE_SERVICE_RESTART)
    return True


class Mover:
    """Registers one voice socket with the replica's drain and moves it when asked.

    Args:
        websocket: the call's socket.
        contact_id: its contact.
        idle: True when nothing is in flight (no turn being answered, caller silent).
        movable: False while the call must stay (a human agent is on the line).
        end: ends the call or line with :data:`MOVED` (contact kept).
    """

    def __init__(
        self,
        websocket: WebSocket,
        contact_id: str,
        *,
        idle: Callable[[], bool],
        movable: Callable[[], bool],
        end: Callable[[str], Awaitable[None]],
    ) -> None:
        self.websocket = websocket
        self.contact_id = contact_id
        self._idle = idle
        self._movable = movable
        self._end = end
        self.moved = False
        self._drain = getattr(websocket.app.state, "drain", None)
        self._handle: int | None = None

    def __enter__(self) -> Mover:
        if self._drain is not None:
            self._handle = self._drain.register(self.move)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._drain is not None and self._handle is not None:
            self._drain.unregister(self._handle)

    async def move(self, deadline: float) -> None:
        """Drain this socket (``deadline``: ``time.monotonic()`` by which it must be done).

        Waits until the call is idle (checked every 50 ms), then sends ``reconnect``,
        ends the call as moved and closes 1012. A call that is not movable (a human
        agent is connected) is left alone.
        """
        while not self._idle() and time.monotonic() < deadline:  # noqa: ASYNC110 - polls the call
            await asyncio.sleep(0.05)
        if not self._movable():
            logger.info("voice call not moved: a human agent is connected",
                        extra={"contact_id": self.contact_id})
            return
        self.moved = True
        await send_json(self.websocket, {
            "type": "reconnect", "reason": "draining", "contactId": self.contact_id,
        })  # fmt: skip
        await self._end(MOVED)
        with contextlib.suppress(RuntimeError, OSError):
            await self.websocket.close(code=CLOSE_SERVICE_RESTART)
        logger.info(
            "voice call moved off a draining replica", extra={"contact_id": self.contact_id}
        )
