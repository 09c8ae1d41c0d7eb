"""The supervisor's live board: contacts in progress, their route, sentiment and flags.

:class:`SupervisorBoard` is an event listener (``AuditSink.subscribe``) that
keeps, per contact, what a contact-center supervisor watches: channel, current
route, turns, the customer's sentiment scores (for a sparkline), the
``RealTimeSentiment`` label, escalation and handover flags, the queue, and a
short rolling transcript. Every change is pushed to the subscribed live views
(``/v1/supervisor/ws``); ended contacts stay on the board (most recent
``keep_ended``) so that their summary can be opened.

Escalated means: the live sentiment stage escalated the contact (its
``sentiment`` event says ``escalated: true``; ``RealTimeSentiment`` is then
NEGATIVE), or the contact was handed over for customer frustration (seed 2
trigger 2). A NEGATIVE score on one segment (factual bad news) is not an
escalation: the sparkline shows it, the flag does not.

:class:`IdleSweeper` is how an abandoned chat is detected: a contact with no
customer activity for ``idle_timeout_s`` (default 600 s, seed 2 "Implement
session timeout") is ended with status ``abandoned`` — a closed browser tab
or a dropped socket ends the same way — and so gets its summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from switchboard.analytics.summary import CallSummary
from switchboard.domain.attributes import queue_for
from switchboard.domain.events import (
    AgentReplyData,
    ConversationEndData,
    ConversationStartData,
    HandoverDecisionData,
    SentimentData,
    UserInputData,
)
from switchboard.domain.types import (
    ContactStatus,
    Event,
    EventType,
    HandoverReason,
    utcnow,
)

log = logging.getLogger("switchboard.analytics.supervisor")

#: Sentiment scores kept per contact for the sparkline.
MAX_POINTS = 40
#: Transcript lines kept per contact on the board.
MAX_LINES = 60


class TranscriptLine(BaseModel):
    """One line of the live transcript: ``speaker`` CUSTOMER / AI_AGENT / HUMAN_AGENT."""

    speaker: str
    text: str
    at: datetime


class LiveContact(BaseModel):
    """A contact as the supervisor sees it."""

    contact_id: str
    channel: str = "chat"
    locale: str = ""
    status: str = ContactStatus.ACTIVE.value
    route: str | None = None
    turns: int = 0
    started_at: datetime = Field(default_factory=utcnow)
    last_activity: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    sentiment: list[float] = Field(default_factory=list)
    sentiment_label: str | None = None
    escalated: bool = False
    handover: bool = False
    handover_reason: str | None = None
    queue: str | None = None
    summary_ready: bool = False
    lines: list[TranscriptLine] = Field(default_factory=list)

    @property
    def live(self) -> bool:
        """True until the contact has ended."""
        return self.ended_at is None


Update = dict[str, Any]


class SupervisorBoard:
    """Live contacts for the supervisor view, fed by events, pushed to subscribers.

    Args:
        keep_ended: ended contacts kept on the board (oldest dropped first).
    """

    def __init__(self, *, keep_ended: int = 200) -> None:
        self._contacts: OrderedDict[str, LiveContact] = OrderedDict()
        self._keep_ended = keep_ended
        self._lock = threading.RLock()
        self._subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Update]]] = []
        #: Called with (contact_id, text, at) for each human line noted here (the
        #: cluster feed forwards them to the other replicas' boards).
        self.line_listeners: list[Callable[[str, str, datetime], None]] = []

    # -- reading ------------------------------------------------------------------------

    def snapshot(self) -> list[LiveContact]:
        """Every contact on the board: live ones first, then ended, newest first."""
        with self._lock:
            items = [c.model_copy(deep=True) for c in self._contacts.values()]
        items.sort(key=lambda c: (not c.live, -c.started_at.timestamp()))
        return items

    def get(self, contact_id: str) -> LiveContact | None:
        """One contact, or None when it is not on the board."""
        with self._lock:
            found = self._contacts.get(contact_id)
            return found.model_copy(deep=True) if found else None

    def idle_contacts(self, idle_for: timedelta, now: datetime | None = None) -> list[str]:
        """Ids of live contacts with no activity for ``idle_for``."""
        limit = (now or utcnow()) - idle_for
        with self._lock:
            return [
                c.contact_id
                for c in self._contacts.values()
                if c.live and c.last_activity < limit
            ]

    # -- live views ---------------------------------------------------------------------

    def subscribe(self, maxsize: int = 1000) -> asyncio.Queue[Update]:
        """A queue receiving ``{"type": "contact", "contact": {...}}`` on every change.

        Call from the event loop that will read the queue; a full queue drops updates
        for that subscriber (a slow browser never slows the agent).
        """
        queue: asyncio.Queue[Update] = asyncio.Queue(maxsize)
        with self._lock:
            self._subscribers.append((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Update]) -> None:
        """Stop sending updates to ``queue``."""
        with self._lock:
            self._subscribers = [(lp, q) for lp, q in self._subscribers if q is not queue]

    def _push(self, contact: LiveContact) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        if not subscribers:
            return
        update: Update = {"type": "contact", "contact": contact.model_dump(mode="json")}
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(_offer, queue, update)
            except RuntimeError:  # that loop is closed: forget the subscriber
                self.unsubscribe(queue)

    # -- feeding ------------------------------------------------------------------------

    def observe(self, event: Event) -> None:
        """Update the board for one event; never raises (an event listener)."""
        try:
            changed = self._apply(event)
        except Exception:
            log.exception("supervisor: event not applied", extra={"event_type": str(event.type)})
            return
        if changed is not None:
            self._push(changed)

    def on_summary(self, summary: CallSummary) -> None:
        """Mark a contact's summary as ready (a :class:`SummaryService` listener)."""
        with self._lock:
            contact = self._contacts.get(summary.contact_id)
            if contact is None:
                return
            contact.summary_ready = True
            snapshot = contact.model_copy(deep=True)
        self._push(snapshot)

    def note_human_message(
        self, contact_id: str, text: str, at: datetime, *, relay: bool = True
    ) -> None:
        """Add a human agent's line to a contact's live transcript.

        ``relay``: tell :attr:`line_listeners` (False for a line another replica noted).
        """
        if relay:
            for listener in list(self.line_listeners):
                try:
                    listener(contact_id, text, at)
                except Exception:
                    log.exception("supervisor: line listener failed")
        with self._lock:
            contact = self._contacts.get(contact_id)
            if contact is None:
                return
            self._line(contact, "HUMAN_AGENT", text, at)
            contact.last_activity = at
            snapshot = contact.model_copy(deep=True)
        self._push(snapshot)

    @staticmethod
    def _add_sentiment(contact: LiveContact, score: float, label: str, escalated: bool) -> None:
        contact.sentiment = [*contact.sentiment, round(float(score), 3)][-MAX_POINTS:]
        contact.sentiment_label = label.upper()
        contact.escalated = contact.escalated or escalated

    def _entry(self, event: Event) -> LiveContact:
        contact = self._contacts.get(event.contact_id)
        if contact is None:
            contact = LiveContact(contact_id=event.contact_id, started_at=event.timestamp)
            self._contacts[event.contact_id] = contact
            self._trim()
        return contact

    def _apply(self, event: Event) -> LiveContact | None:
        with self._lock:
            contact = self._entry(event)
            match event.payload:
                case ConversationStartData() as start:
                    contact.channel = start.channel or contact.channel
                    contact.locale = start.locale or contact.locale
                    contact.started_at = event.timestamp
                case UserInputData() as said:
                    contact.turns = said.turn or contact.turns + 1
                    self._line(contact, "CUSTOMER", said.transcript, event.timestamp)
                    contact.last_activity = event.timestamp
                case AgentReplyData() as reply:
                    contact.route = reply.route.value if reply.route else contact.route or ""
                    self._line(contact, "AI_AGENT", reply.text, event.timestamp)
                    contact.last_activity = event.timestamp
                case HandoverDecisionData() as decision:
                    self._handover(contact, decision)
                case ConversationEndData() as end:
                    contact.status = end.resolution_status or contact.status
                    contact.ended_at = event.timestamp
                case SentimentData() as scored:
                    self._sentiment_event(contact, scored)
                case _:
                    return None
            if event.type is not EventType.CONVERSATION_END and contact.status == "active":
                if contact.handover:
                    contact.status = ContactStatus.TRANSFERRED.value
            # A snapshot only for someone to push it to (no supervisor page open: no copy).
            return contact.model_copy(deep=True) if self._subscribers else None

    def _sentiment_event(self, contact: LiveContact, scored: SentimentData) -> None:
        """A ``sentiment`` event: ``compound`` score, ``attribute`` (RealTimeSentiment), flags.

        The board's label is the contact's ``RealTimeSentiment`` (``attribute``;
        the segment's own ``label`` when an older row has no attribute).
        """
        if scored.compound is None:
            return
        label = scored.attribute or scored.label
        if label:
            self._add_sentiment(contact, scored.compound, label, scored.escalated)

    @staticmethod
    def _handover(contact: LiveContact, decision: HandoverDecisionData) -> None:
        contact.handover = True
        contact.handover_reason = decision.reason or None
        contact.status = ContactStatus.TRANSFERRED.value
        reason = decision.handover_reason
        if reason is HandoverReason.CUSTOMER_FRUSTRATION:
            contact.escalated = True
        if reason is not None:
            contact.queue, _ = queue_for(reason, sentiment=contact.sentiment_label)

    @staticmethod
    def _line(contact: LiveContact, speaker: str, text: Any, at: datetime) -> None:
        if isinstance(text, str) and text:
            line = TranscriptLine(speaker=speaker, text=text, at=at)
            contact.lines = [*contact.lines, line][-MAX_LINES:]

    def _trim(self) -> None:
        ended = [cid for cid, c in self._contacts.items() if not c.live]
        for cid in ended[: max(0, len(ended) - self._keep_ended)]:
            del self._contacts[cid]


def _offer(queue: asyncio.Queue[Update], update: Update) -> None:
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(update)


class IdleSweeper:
    """Ends contacts that went quiet as ``abandoned`` (how an abandoned chat is detected).

    Args:
        board: where last activity is read.
        end_contact: ``AgentService.end_contact``.
        idle_timeout_s: seconds without activity before a contact is abandoned.
        interval_s: how often to look, seconds.
    """

    def __init__(
        self,
        board: SupervisorBoard,
        end_contact: Callable[[str, ContactStatus], Awaitable[Any]],
        *,
        idle_timeout_s: float = 600.0,
        interval_s: float = 15.0,
    ) -> None:
        self.board = board
        self.end_contact = end_contact
        self.idle = timedelta(seconds=idle_timeout_s)
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def sweep(self, now: datetime | None = None) -> list[str]:
        """End every idle contact once; return their ids (failures are logged)."""
        ended: list[str] = []
        for contact_id in self.board.idle_contacts(self.idle, now):
            try:
                await self.end_contact(contact_id, ContactStatus.ABANDONED)
                ended.append(contact_id)
            except Exception:
                log.exception("idle sweep: could not end contact", extra={"contact_id": contact_id})
        return ended

    def start(self) -> None:
        """Sweep every ``interval_s`` in a background task."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await self.sweep()

    async def stop(self) -> None:
        """Stop the background task."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
