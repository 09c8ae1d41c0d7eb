"""The supervisor feed across replicas: every replica's board sees every contact.

Each replica's :class:`~switchboard.analytics.supervisor.SupervisorBoard` is fed by
its own audit events. :class:`SupervisorFeed` publishes those events (already
PII-redacted by the audit sink) and the human agents' lines the replica noted
on one Redis pub/sub channel ``<prefix>:board``, batched (one PUBLISH per writer
wake-up, so a turn's events go out together, not one command per event); every other replica applies
them to its board. Messages carry the sender's replica id, so a replica ignores
its own. Pub/sub is at-most-once: a board that missed an update (Redis
restart) is corrected by the contact's next event; the board is a live view,
the events in the database are the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from switchboard.analytics.supervisor import SupervisorBoard
from switchboard.domain.types import Event

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("switchboard.cluster.feed")

#: Most board items published in one Redis message.
BATCH = 256


class SupervisorFeed:
    """Forward local board inputs to the other replicas and apply theirs (module doc).

    Args:
        redis: asyncio client. prefix: key prefix. replica_id: this process's id.
        board: this replica's board.
    """

    def __init__(self, redis: Redis, *, prefix: str, replica_id: str, board: SupervisorBoard):
        self._redis = redis
        self._channel = f"{prefix}:board"
        self._replica = replica_id
        self._board = board
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=10_000)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._detach: list[Callable[[], None]] = []
        self._ready = asyncio.Event()

    async def start(self, subscribe_events: Callable[[Callable[[Event], None]], Any]) -> None:
        """Listen, and forward the events given to the listener ``subscribe_events`` takes."""
        self._loop = asyncio.get_running_loop()
        unsubscribe = subscribe_events(self._on_local_event)
        if callable(unsubscribe):
            self._detach.append(unsubscribe)
        self._board.line_listeners.append(self._on_local_line)
        self._tasks = [
            self._loop.create_task(self._listen(), name="board-listen"),
            self._loop.create_task(self._write(), name="board-write"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), 5)

    async def aclose(self) -> None:
        """Stop forwarding and listening."""
        for detach in self._detach:
            detach()
        with contextlib.suppress(ValueError):
            self._board.line_listeners.remove(self._on_local_line)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _queue(self, item: dict[str, Any]) -> None:
        """Hand an item to the writer from any thread (audit events may come from workers)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._offer, item)

    def _offer(self, item: dict[str, Any]) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # a slow Redis drops board updates only
            self._outbox.put_nowait(item)

    def _on_local_event(self, event: Event) -> None:
        self._queue({"event": event.model_dump(mode="json")})

    def _on_local_line(self, contact_id: str, text: str, at: datetime) -> None:
        self._queue({"line": {"contact_id": contact_id, "text": text, "at": at.isoformat()}})

    async def _write(self) -> None:
        """Publish what is queued, batched: one message per wake-up, not one per event.

        A turn's events are flushed together (``user_input``, ``nlu``, tool calls,
        ``agent_reply``, ``sentiment``...), so they go out as one PUBLISH of
        ``{"r": replica, "items": [...]}`` (at most :data:`BATCH` items).
        """
        while True:
            items = [await self._outbox.get()]
            while len(items) < BATCH and not self._outbox.empty():
                items.append(self._outbox.get_nowait())
            text = json.dumps({"r": self._replica, "items": items}, separators=(",", ":"))
            try:
                await self._redis.publish(self._channel, text)
            except Exception as exc:  # Redis down: this update is lost, the next one corrects
                log.warning("board update not published: %s", exc)

    async def _listen(self) -> None:
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                self._ready.set()
                async for message in pubsub.listen():
                    self.apply(message.get("data"))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("board listener reconnecting: %s", exc)
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def apply(self, data: Any) -> None:
        """Apply one published message from another replica to the board (never raises).

        A message is ``{"r": replica, "items": [item, ...]}`` (or one item inline, as
        older replicas publish it); an item is ``{"event": ...}`` or ``{"line": ...}``.
        """
        try:
            message = json.loads(data)
        except Exception:
            log.exception("board update from another replica not readable")
            return
        if message.get("r") == self._replica:
            return
        for item in message.get("items", [message]):
            try:
                self._apply_item(item)
            except Exception:
                log.exception("board update from another replica not applied")

    def _apply_item(self, item: dict[str, Any]) -> None:
        if "event" in item:
            self._board.observe(Event.model_validate(item["event"]))
        elif "line" in item:
            line = item["line"]
            at = datetime.fromisoformat(line["at"])
            self._board.note_human_message(line["contact_id"], line["text"], at, relay=False)
