"""``AgentService``: the AI agent's facade every channel adapter uses.

``handle_turn(contact_id, text)`` runs one customer turn through the turn
loop (``agent/loop.py``) under the contact's lock; every message, event,
transcript segment, sentiment reading and handover queue entry goes
through the one :class:`~switchboard.agent.conversation.ConversationService`
(``service.conversation``). Build it with :func:`switchboard.compose.build_service`;
the composition root injects every adapter, so this module imports none.

Cross-cutting concerns (telemetry spans, metrics) wrap the turn through
``service.hooks`` (:class:`~switchboard.agent.hooks.TurnHooks`), never by
replacing attributes on instances.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING

from switchboard.agent import guardrail
from switchboard.agent.conversation import ContactView, ConversationService, EndHook
from switchboard.agent.hooks import TurnHooks
from switchboard.agent.loop import TurnLoop
from switchboard.agent.messages import greeting
from switchboard.config import Settings
from switchboard.domain.types import (
    AgentReply,
    Channel,
    Contact,
    ContactStatus,
    EventType,
    Locale,
    Source,
)
from switchboard.errors import InputError
from switchboard.ports import (
    Brain,
    EventSink,
    IntentRouter,
    SegmentPublisher,
    SentimentTracker,
    Store,
    ToolHost,
    Validator,
)

if TYPE_CHECKING:
    from switchboard.domain.segments import TranscriptSegment

log = logging.getLogger("switchboard.agent")

__all__ = ["AgentService", "ContactView", "EndHook"]


class AgentService:
    """Starts contacts, runs their turns and ends them.

    Build it with :func:`switchboard.compose.build_service`; close it with
    :meth:`aclose`.

    Args:
        settings: the deployment's settings.
        conversation: the one writer (store, audit, stream, sentiment, queue).
        brain, tools, router, validator: the turn loop's ports.
        hooks: the turn middleware chain (telemetry, metrics...); empty by default.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        conversation: ConversationService,
        brain: Brain,
        tools: ToolHost,
        router: IntentRouter | None,
        validator: Validator | None,
        hooks: TurnHooks | None = None,
    ) -> None:
        self.settings = settings
        self.conversation = conversation
        self.brain = brain
        self.tools = tools
        self.router = router
        self.hooks = hooks or TurnHooks()
        self.loop = TurnLoop(
            settings=settings.agent,
            conversation=conversation,
            brain=brain,
            tools=tools,
            router=router,
            validator=validator,
            hooks=self.hooks,
            hallucination_ttl_days=settings.hallucination_ttl_days,
        )

    # -- read-only views kept for the channel adapters written against them ---------------

    @property
    def store(self) -> Store:
        """The conversation's store (prefer the service's methods)."""
        return self.conversation.store

    @property
    def events(self) -> EventSink:
        """The conversation's audit sink (prefer ``conversation.record``)."""
        return self.conversation.events

    @property
    def segments(self) -> SegmentPublisher:
        """The transcript stream every final segment is published on."""
        return self.conversation.segments

    @property
    def sentiment(self) -> SentimentTracker | None:
        """The live sentiment tracker, None when disabled."""
        return self.conversation.sentiment

    @property
    def validator(self) -> Validator | None:
        """The validation agent the turn loop uses (None when validation is off)."""
        return self.loop.validator

    @property
    def end_hooks(self) -> list[EndHook]:
        """Awaited with each ended contact (post-call summary...)."""
        return self.conversation.end_hooks

    def greeting(self, locale: Locale) -> str:
        """Return the opening line for a new contact in ``locale``."""
        return greeting(locale)

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
        return await self.conversation.start_contact(
            channel=channel,
            locale=locale,
            customer_endpoint=customer_endpoint,
            contact_id=contact_id,
            brain=self.brain.name,
        )

    async def handle_turn(self, contact_id: str, text: str) -> AgentReply:
        """Run one customer turn; a handover is queued before this returns.

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
            InputError: empty or oversized text, or the contact has ended.
        """
        conv = self.conversation
        async with conv.lock(contact_id):
            contact, history = await conv.contact_and_history(
                contact_id, self.settings.agent.history_messages
            )
            if contact.status in (ContactStatus.RESOLVED, ContactStatus.ABANDONED):
                raise InputError(f"contact {contact_id} has ended")
            cleaned = guardrail.clean_input(text)  # InputError before anything is published
            turn = int((contact.state.get("agent") or {}).get("turns", 0)) + 1
            # PII redacted once here; a PIN/CVV/card number gets the "never share" notice.
            notice = await asyncio.to_thread(conv.screen_customer_text, contact, cleaned, turn)
            sentiment = await conv.customer_said(contact, cleaned, turn)
            run = functools.partial(self.loop.run, history=history)
            reply = await self.hooks.run_turn(contact, text, sentiment, run)
            if notice is not None:
                reply = reply.model_copy(update={"text": f"{notice} {reply.text}"})
            conv.publish(contact, Source.AI_AGENT, reply.text, reply.turn_index or turn)
            if reply.handover is not None:
                await conv.hand_over(contact_id, reply.handover)
            return reply

    async def answer_offer(
        self,
        contact_id: str,
        customer_text: str,
        reply_text: str,
        follow_up: dict[str, str] | None,
    ) -> None:
        """The caller answered a spoken offer to send the full details (issue 12 item 4).

        Stores the caller's words and the agent's reply through the conversation
        service (redacted, audited, published like any turn) and, when the offer
        was accepted, a ``follow_up`` event on the contact (``follow_up``:
        ``topic``, ``channel``, ``details``) for the after-call work to send.

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
            InputError: empty or oversized text, or the contact has ended.
        """
        conv = self.conversation
        async with conv.lock(contact_id):
            contact = await conv.contact(contact_id)
            if contact.status in (ContactStatus.RESOLVED, ContactStatus.ABANDONED):
                raise InputError(f"contact {contact_id} has ended")
            cleaned = guardrail.clean_input(customer_text)
            turn = int((contact.state.get("agent") or {}).get("turns", 0)) + 1
            await conv.customer_utterance(
                contact_id, contact.locale, cleaned, turn=turn, input_mode="speech"
            )
            if follow_up is not None:
                await conv.record(contact_id, EventType.FOLLOW_UP, Source.CUSTOMER, **follow_up)
            await conv.ai_agent_message(contact_id, contact.locale, reply_text, turn=turn)

    def publish_message(self, contact_id: str, speaker: Source, text: str) -> TranscriptSegment:
        """Publish a message stored elsewhere on the transcript stream.

        See :meth:`ConversationService.publish_message`.
        """
        return self.conversation.publish_message(contact_id, speaker, text)

    def publish_human_agent_message(self, contact_id: str, text: str) -> TranscriptSegment:
        """Publish a human agent's message (``publish_message`` with ``HUMAN_AGENT``)."""
        return self.conversation.publish_message(contact_id, Source.HUMAN_AGENT, text)

    async def end_contact(
        self, contact_id: str, status: ContactStatus = ContactStatus.RESOLVED
    ) -> Contact:
        """End a contact (``ConversationService.end_contact``)."""
        return await self.conversation.end_contact(contact_id, status)

    def contact_view(self, contact_id: str) -> ContactView:
        """Return the contact, its transcript and its events.

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
        """
        return self.conversation.contact_view(contact_id)

    def _flush(self) -> None:
        """Store buffered events now."""
        self.conversation.flush()

    async def aclose(self) -> None:
        """Close the tool host, the brain's clients and the transcript stream; flush the sink."""
        await self.tools.aclose()
        close_brain = getattr(self.brain, "aclose", None)
        if callable(close_brain):
            await close_brain()
        await self.conversation.segments.aclose()
        if self.conversation.sentiment is not None:
            await self.conversation.sentiment.aclose()
        self.conversation.flush()
