"""``AgentService``: the facade every channel adapter uses (web chat, CLI, API, later voice).

It wires the embedded defaults (SQLite store, audit sink, in-process FastMCP
tools, the ``local`` brain with its router, the validation agent) unless
other adapters are passed in, and serialises the turns of one contact.

Transcript stream: every final segment of a contact — the customer's
utterance, the AI agent's reply, a human agent's message — is published on
``service.segments`` (a :class:`~switchboard.analytics.stream.SegmentBus`,
in-process by default) without waiting for any consumer. Other components
subscribe with ``service.segments.subscribe(group, handler)``; see
``switchboard.analytics.stream``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from switchboard.agent import guardrail
from switchboard.agent.loop import TurnLoop
from switchboard.analytics.sentiment_live import LiveSentiment, build_classifier
from switchboard.analytics.stream import SegmentBus, TranscriptSegment, create_bus
from switchboard.audit.redact import redact
from switchboard.config import Settings
from switchboard.domain.types import (
    AgentReply,
    Channel,
    Contact,
    ContactStatus,
    Event,
    EventType,
    Locale,
    Message,
    Source,
)
from switchboard.errors import InputError
from switchboard.ports import Brain, EventSink, IntentRouter, Store, ToolHost, Validator

log = logging.getLogger("switchboard.agent")

#: Called with each contact after it ended (``AgentService.end_hooks``).
EndHook = Callable[[Contact], Awaitable[Any]]


class ContactView(BaseModel):
    """A contact with its whole transcript and event trail."""

    contact: Contact
    messages: list[Message]
    events: list[Event]


class AgentService:
    """Starts contacts, runs their turns and ends them.

    Build it with :meth:`create`; close it with :meth:`aclose`.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        events: EventSink,
        brain: Brain,
        tools: ToolHost,
        router: IntentRouter | None,
        validator: Validator | None,
        segments: SegmentBus | None = None,
    ) -> None:
        self.settings = settings
        #: The transcript stream: publish/subscribe point for every final segment.
        self.segments = segments or SegmentBus()
        self.store = store
        self.events = events
        self.brain = brain
        self.tools = tools
        self.router = router
        self.loop = TurnLoop(
            settings=settings.agent,
            store=store,
            events=events,
            brain=brain,
            tools=tools,
            router=router,
            validator=validator,
            hallucination_ttl_days=settings.hallucination_ttl_days,
        )
        self._locks: dict[str, asyncio.Lock] = {}
        #: Live sentiment and escalation (seed 3 real-time path); None when disabled.
        self.sentiment: LiveSentiment | None = None
        if settings.sentiment.enabled:
            classifier, rule = build_classifier(
                settings.sentiment, getattr(router, "embedder", None)
            )
            self.sentiment = LiveSentiment(
                settings=settings.sentiment,
                store=store,
                events=events,
                segments=self.segments,
                lock_for=self._lock,
                classifier=classifier,
                rule=rule,
            )
        #: Awaited with the ended contact after ``conversation_end`` (post-call summary...).
        self.end_hooks: list[EndHook] = []

    @classmethod
    async def create(
        cls,
        settings: Settings,
        *,
        brain: Brain | None = None,
        tool_host: ToolHost | None = None,
        store: Store | None = None,
        router: IntentRouter | None = None,
        validator: Validator | None = None,
        segments: SegmentBus | None = None,
    ) -> AgentService:
        """Build the service with embedded defaults for whatever is not given.

        Raises:
            switchboard.errors.ConfigError: for an unknown brain name or a missing
                provider library (extras `aws`, `llm`).
            switchboard.errors.RouterModelError: when the router artifact is missing
                (run ``switchboard train``).
        """
        from switchboard.audit import AuditSink
        from switchboard.brains.factory import build_brain, build_validator
        from switchboard.store import create_store
        from switchboard.tools.host import McpToolHost

        store = store or create_store(settings)
        events = AuditSink(store, batch_size=256)
        if brain is None:
            # SWITCHBOARD_BRAIN=local|bedrock|openai, SWITCHBOARD_BRAIN_FALLBACK=... (a chain)
            brain = build_brain(settings)
        if router is None:
            from switchboard.brains.local.catalog_router import CatalogRouter
            from switchboard.brains.local.router import EmbeddingRouter

            inner = await asyncio.to_thread(EmbeddingRouter.load, settings.router)
            # Answerability from the catalog on top of the intent router (issue 10).
            catalog_router = CatalogRouter(inner)
            await asyncio.to_thread(catalog_router.warm, settings.locale)
            router = catalog_router
            # The first forward pass of a torch model is several times slower than the
            # rest; pay it here rather than on the first customer's turn.
            await asyncio.to_thread(router.classify, "I would like to open an account")
        tools: ToolHost
        if tool_host is None:
            host = McpToolHost(timeout_s=settings.agent.tool_timeout_s)
            # Open the default locale's MCP session now (geocoding tables take ~1-2 s),
            # so the first customer does not wait for it.
            await host.prepare(settings.locale)
            tools = host
        else:
            tools = tool_host
        # The slot extractor's city gazetteer for the default locale (~0.6 s to build).
        from switchboard.nlu.slots import extract_slots

        await asyncio.to_thread(extract_slots, "a branch near London", settings.locale)
        return cls(
            settings=settings,
            store=store,
            events=events,
            brain=brain,
            tools=tools,
            router=router,
            validator=validator or build_validator(settings),
            segments=segments or create_bus(settings.stream),
        )

    def greeting(self, locale: Locale) -> str:
        """Return the opening line for a new contact in ``locale``."""
        from switchboard.brains.local.nlg import Renderer

        return Renderer(locale).pick("greeting")

    async def start_contact(
        self,
        *,
        channel: Channel = Channel.CHAT,
        locale: Locale | None = None,
        customer_endpoint: str | None = None,
        contact_id: str | None = None,
    ) -> Contact:
        """Create a contact and emit ``conversation_start`` (seed 2 event 1).

        ``contact_id`` reuses a channel's own id (the Lex ``sessionId``, the
        Connect ContactId); a new UUID otherwise.
        """
        contact = Contact(
            **({"contact_id": contact_id} if contact_id else {}),
            channel=channel,
            locale=locale or self.settings.locale,
            customer_endpoint=customer_endpoint,
        )
        self.store.create_contact(contact)
        self.events.emit(
            Event(
                contact_id=contact.contact_id,
                type=EventType.CONVERSATION_START,
                source=Source.SYSTEM,
                data={
                    "channel": channel.value,
                    "locale": contact.locale.value,
                    "customer_phone": customer_endpoint,
                    "queue_id": None,
                    "brain": self.brain.name,
                },
            )
        )
        self._flush()
        return contact

    async def handle_turn(self, contact_id: str, text: str) -> AgentReply:
        """Run one customer turn.

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
            InputError: empty or oversized text, or the contact has ended.
        """
        async with self._lock(contact_id):
            contact = self.store.get_contact(contact_id)
            if contact.status in (ContactStatus.RESOLVED, ContactStatus.ABANDONED):
                raise InputError(f"contact {contact_id} has ended")
            cleaned = guardrail.clean_input(text)  # InputError before anything is published
            turn = int((contact.state.get("agent") or {}).get("turns", 0)) + 1
            segment = self._publish(contact, Source.CUSTOMER, cleaned, turn)
            sentiment: str | None = None
            if self.sentiment is not None:
                self.sentiment.start(claim_idle_ms=self.settings.stream.claim_idle_ms)
                sentiment = await self.sentiment.label_for_turn(contact, segment)
            reply = await self.loop.run(contact, text, sentiment=sentiment)
            self._publish(contact, Source.AI_AGENT, reply.text, reply.turn_index or turn)
            return reply

    def _lock(self, contact_id: str) -> asyncio.Lock:
        """The contact's turn lock (turns and live-sentiment writes take it)."""
        return self._locks.setdefault(contact_id, asyncio.Lock())

    def publish_message(self, contact_id: str, speaker: Source, text: str) -> TranscriptSegment:
        """Publish a message that did not go through the bot on the transcript stream.

        After a handover the routing desk relays the customer's and the human
        agent's messages (``Source.CUSTOMER`` / ``Source.HUMAN_AGENT``); publishing
        them keeps live sentiment, the supervisor view and the post-call summary
        whole. A Connect chat bridge would call it the same way.

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
            InputError: empty or oversized text.
        """
        contact = self.store.get_contact(contact_id)
        turn = int((contact.state.get("agent") or {}).get("turns", 0))
        return self._publish(contact, speaker, guardrail.clean_input(text), turn)

    def publish_human_agent_message(self, contact_id: str, text: str) -> TranscriptSegment:
        """Publish a human agent's message (``publish_message`` with ``HUMAN_AGENT``).

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
            InputError: empty or oversized text.
        """
        return self.publish_message(contact_id, Source.HUMAN_AGENT, text)

    def _publish(
        self, contact: Contact, speaker: Source, text: str, turn: int | None
    ) -> TranscriptSegment:
        """Queue one final segment on the stream; never blocks or raises.

        Customer and human-agent text is PII-redacted before it leaves the process
        (habit 9); the AI agent's reply is published as stored (tool data such as a
        branch's phone number is not the customer's PII).
        """
        now = datetime.now(UTC)
        segment = TranscriptSegment(
            contact_id=contact.contact_id,
            speaker=speaker,
            text=text if speaker is Source.AI_AGENT else redact(text),
            is_partial=False,
            start_time=now,
            end_time=now,
            locale=contact.locale,
            turn=turn,
        )
        self.segments.publish_nowait(segment)
        return segment

    async def end_contact(
        self, contact_id: str, status: ContactStatus = ContactStatus.RESOLVED
    ) -> Contact:
        """End a contact and emit ``conversation_end`` (seed 2 event 8).

        A transferred contact keeps the status ``transferred``.
        """
        contact = self.store.get_contact(contact_id)
        if contact.ended_at is not None:
            return contact
        now = datetime.now(UTC)
        if contact.status is not ContactStatus.TRANSFERRED:
            contact.status = status
        contact.ended_at = now
        self.store.update_contact(contact)
        agent: dict[str, Any] = contact.state.get("agent") or {}
        self.events.emit(
            Event(
                contact_id=contact_id,
                type=EventType.CONVERSATION_END,
                source=Source.SYSTEM,
                data={
                    "duration_seconds": round((now - contact.created_at).total_seconds(), 3),
                    "total_turns": int(agent.get("turns", 0)),
                    "tools_used": list(agent.get("tools_used", [])),
                    "handover_occurred": contact.status is ContactStatus.TRANSFERRED,
                    "resolution_status": contact.status.value,
                },
            )
        )
        self._flush()
        self._locks.pop(contact_id, None)
        if self.sentiment is not None:
            self.sentiment.monitor.forget(contact_id)
        for hook in list(self.end_hooks):
            try:
                await hook(contact)
            except Exception:  # a failing hook (summary, export) must not fail the ending
                log.exception("end-of-contact hook failed", extra={"contact_id": contact_id})
        return contact

    def contact_view(self, contact_id: str) -> ContactView:
        """Return the contact, its transcript and its events.

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
        """
        self._flush()
        contact = self.store.get_contact(contact_id)
        return ContactView(
            contact=contact,
            messages=self.store.recent_messages(contact_id, 10_000),
            events=self.store.events(contact_id),
        )

    def _flush(self) -> None:
        """Store buffered events now (the audit sink batches them per turn)."""
        flush = getattr(self.events, "flush", None)
        if callable(flush):
            flush()

    async def aclose(self) -> None:
        """Close the tool host, the brain's clients and the transcript stream; flush the sink."""
        await self.tools.aclose()
        close_brain = getattr(self.brain, "aclose", None)
        if callable(close_brain):
            await close_brain()
        await self.segments.aclose()
        if self.sentiment is not None:
            await self.sentiment.aclose()
        self._flush()
