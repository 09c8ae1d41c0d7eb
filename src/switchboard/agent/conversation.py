"""``ConversationService``: the one writer through which every party of a contact speaks.

Every channel and every party goes through it: the customer (REST, chat
WebSocket, voice, the Lex hook), the AI agent (the turn loop, LLM brains,
Nova Sonic), the human agent (the routing desk) and the system. For each
message it alone does, in this order:

1. **redact** the customer's and the human agent's text, once per message
   (:class:`~switchboard.audit.pii.PiiRedactor`: card numbers, PINs, CVVs,
   sort codes and account numbers, national ids, names, street addresses,
   dates of birth, e-mail addresses, phone numbers). The result is memoised
   per contact and text, so the transcript, the stored message, the audit
   event, the summary and the published segment all carry the same redacted
   text; a customer who typed a PIN, CVV or card number is told it was
   removed (:meth:`ConversationService.screen_customer_text`);
2. **store** it in the contact's transcript (``Store.add_message``);
3. **audit**: emit the event (``AuditSink`` stores it hash-chained and logs it);
4. **publish** a final :class:`~switchboard.domain.segments.TranscriptSegment`
   on the transcript stream (never blocks);
5. for customer text, read the live **sentiment** (``RealTimeSentiment``).

It alone turns a handover decision into a queue entry: :meth:`hand_over`
passes the :class:`~switchboard.domain.types.Handover` (summary, reason)
to the injected :class:`~switchboard.ports.HandoverQueue` (the routing desk
implements it: ``target_queue``/``routing_priority`` from the reason and
the sentiment). The composition root (``switchboard.compose``) injects the
store, the audit sink, the transcript stream, the sentiment tracker and the
queue: this module imports no adapter.

Contact lifecycle (start, end, end-of-contact hooks) lives here too, so the
desk and the voice engines end contacts the same way the chat does.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from cachetools import LRUCache
from pydantic import BaseModel

from switchboard.agent import guardrail
from switchboard.agent.handover import build_summary
from switchboard.agent.messages import handover_message
from switchboard.agent.pii_notice import PiiEvents, notice_text
from switchboard.audit.pii import PiiRedactor, Redaction, shared_redactor
from switchboard.audit.redact import redact
from switchboard.domain.attributes import ATTR_SENTIMENT, handover_attributes
from switchboard.domain.segments import TranscriptSegment
from switchboard.domain.types import (
    AgentReply,
    Channel,
    Contact,
    ContactStatus,
    Event,
    EventType,
    Handover,
    HandoverReason,
    Locale,
    Message,
    Role,
    Source,
    ToolResult,
    ValidationResult,
)
from switchboard.ports import (
    AsyncStore,
    EventSink,
    HandoverQueue,
    SegmentPublisher,
    SentimentTracker,
    Store,
)
from switchboard.validation import build_hallucination_logs

log = logging.getLogger("switchboard.agent.conversation")

#: Called with each contact after it ended (``ConversationService.end_hooks``).
EndHook = Callable[[Contact], Awaitable[Any]]
#: ``Message.intent`` of a human agent's message in the transcript.
HUMAN_INTENT = "HUMAN_AGENT"
#: Longest message accepted from a customer or a human agent (characters).
MAX_TEXT = 4000
#: ``Message.intent`` of the bot's "never share your PIN" notice in the transcript.
PII_NOTICE_INTENT = "PII_NOTICE"


#: Messages read to summarise a contact whose AI-agent leg was lost (:meth:`hand_over_lost_leg`).
LOST_LEG_HISTORY = 50


class ContactView(BaseModel):
    """A contact with its whole transcript and event trail."""

    contact: Contact
    messages: list[Message]
    events: list[Event]


class ContactLocks:
    """One ``asyncio.Lock`` per contact: turns, sentiment writes and handovers take it.

    Several replicas use a subclass whose lock is also a lease in Redis
    (``switchboard.cluster.locks.ClusterContactLocks``): callers only ``async with`` it.
    """

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, contact_id: str) -> AbstractAsyncContextManager[Any]:
        """The contact's lock (created on first use)."""
        return self._locks.setdefault(contact_id, asyncio.Lock())

    def forget(self, contact_id: str) -> None:
        """Drop the lock of an ended contact."""
        self._locks.pop(contact_id, None)


class ConversationService:
    """The one writer of every party's messages, and the handover → queue step (module doc).

    Args:
        store: contacts, transcripts, events (the synchronous port, for readers
            that run in worker threads: sentiment, summaries, the Lex hook).
        db: the same store behind the :class:`~switchboard.ports.AsyncStore` port;
            every call this service makes on the event loop goes through it.
        events: the audit sink (every event of every contact).
        segments: the transcript stream.
        default_locale: locale of a contact started without one.
        sentiment: live customer sentiment; None when disabled.
        queue: where handovers become queue entries; None when the channel's
            platform queues the contact itself (Amazon Connect behind Lex).
        locks: the per-contact locks (shared with the sentiment tracker).
        claim_idle_ms: re-claim time the sentiment consumer starts with.
        pii: the PII redactor (default: the process-wide one, spaCy loaded once).
    """

    def __init__(
        self,
        *,
        store: Store,
        db: AsyncStore,
        events: EventSink,
        segments: SegmentPublisher,
        default_locale: Locale = Locale.EN_GB,
        sentiment: SentimentTracker | None = None,
        queue: HandoverQueue | None = None,
        locks: ContactLocks | None = None,
        claim_idle_ms: int = 30_000,
        pii: PiiRedactor | None = None,
    ) -> None:
        self.store = store
        self.db = db
        self.pii = pii or shared_redactor()
        self._redactions: LRUCache[tuple[str, str, bool], Redaction] = LRUCache(maxsize=4096)
        self._notices: dict[str, Message] = {}
        self.events: EventSink = PiiEvents(events, self._party_redacted)
        self.segments = segments
        self.default_locale = default_locale
        self.sentiment = sentiment
        self.locks = locks or ContactLocks()
        self._queue = queue
        self._claim_idle_ms = claim_idle_ms
        #: Awaited with the ended contact after ``conversation_end`` (post-call summary...).
        self.end_hooks: list[EndHook] = []

    # -- wiring -------------------------------------------------------------------------

    def set_handover_queue(self, queue: HandoverQueue | None) -> None:
        """Inject (or remove) the handover queue.

        The composition root calls it once the desk, which needs this service, exists.
        """
        self._queue = queue

    @property
    def handover_queue(self) -> HandoverQueue | None:
        """The injected handover queue, if any."""
        return self._queue

    def lock(self, contact_id: str) -> AbstractAsyncContextManager[Any]:
        """The contact's lock (turns and live-sentiment writes take it)."""
        return self.locks.lock(contact_id)

    # -- contact lifecycle --------------------------------------------------------------

    async def start_contact(
        self,
        *,
        channel: Channel = Channel.CHAT,
        locale: Locale | None = None,
        customer_endpoint: str | None = None,
        contact_id: str | None = None,
        brain: str = "",
    ) -> Contact:
        """Create a contact and emit ``conversation_start`` (seed 2 event 1).

        ``contact_id`` reuses a channel's own id (the Lex ``sessionId``, the
        Connect ContactId); a new UUID otherwise.
        """
        contact = Contact(
            **({"contact_id": contact_id} if contact_id else {}),
            channel=channel,
            locale=locale or self.default_locale,
            customer_endpoint=customer_endpoint,
        )
        await self.db.create_contact(contact)
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
                    "brain": brain,
                },
            )
        )
        await self.aflush()
        return contact

    async def contact(self, contact_id: str) -> Contact:
        """Load a contact.

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
        """
        return await self.db.get_contact(contact_id)

    async def contact_and_history(
        self, contact_id: str, limit: int
    ) -> tuple[Contact, list[Message]]:
        """Load a contact and its last ``limit`` messages in one trip off the event loop.

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
        """

        def read() -> tuple[Contact, list[Message]]:
            contact = self.store.get_contact(contact_id)
            return contact, self.store.recent_messages(contact_id, limit)

        return await self.db.transaction(read)

    async def view(self, contact_id: str) -> ContactView:
        """Return the contact, its transcript and its events (off the event loop).

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
        """
        return await self.db.transaction(lambda: self.contact_view(contact_id))

    def contact_view(self, contact_id: str) -> ContactView:
        """Return the contact, its transcript and its events (synchronous: tests, tools).

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
        """
        self.flush()
        contact = self.store.get_contact(contact_id)
        return ContactView(
            contact=contact,
            messages=self.store.recent_messages(contact_id, 10_000),
            events=self.store.events(contact_id),
        )

    async def end_contact(
        self, contact_id: str, status: ContactStatus = ContactStatus.RESOLVED
    ) -> Contact:
        """End a contact, emit ``conversation_end`` (seed 2 event 8), run the end hooks.

        A transferred contact keeps the status ``transferred`` (and its queue
        entry: a voice call that hands over and hangs up stays queued).
        """
        contact = await self.db.get_contact(contact_id)
        if contact.ended_at is not None:
            return contact
        if self.sentiment is not None:  # the last reading is stored before conversation_end
            await self.sentiment.persisted(contact_id)
            contact = await self.db.get_contact(contact_id)  # that reading updated the contact
        now = datetime.now(UTC)
        if contact.status is not ContactStatus.TRANSFERRED:
            contact.status = status
        contact.ended_at = now
        await self.db.update_contact(contact)
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
        await self.aflush()
        self.locks.forget(contact_id)
        self.forget_redactions(contact_id)
        if self.sentiment is not None:
            self.sentiment.forget(contact_id)
        for hook in list(self.end_hooks):
            try:
                await hook(contact)
            except Exception:  # a failing hook (summary, export) must not fail the ending
                log.exception("end-of-contact hook failed", extra={"contact_id": contact_id})
        return contact

    # -- events -------------------------------------------------------------------------

    async def record(self, contact_id: str, kind: EventType, source: Source, **data: Any) -> None:
        """Emit one system or party event and store it now (desk, voice engines)."""
        self.events.emit(Event(contact_id=contact_id, type=kind, source=source, data=data))
        await self.aflush(contact_id)

    def flush(self, contact_id: str | None = None) -> None:
        """Store buffered events now, in this thread (the audit sink batches them per turn).

        ``contact_id``: only that contact's events (a turn's own transaction takes
        no other contact's locks); None: every contact's.
        """
        flush = getattr(self.events, "flush", None)
        if callable(flush):
            if contact_id is None:
                flush()
            else:
                flush(contact_id)

    async def aflush(self, contact_id: str | None = None) -> None:
        """:meth:`flush` off the event loop."""
        await self.db.transaction(functools.partial(self.flush, contact_id))

    # -- PII -------------------------------------------------------------------------------

    def redaction(
        self, contact_id: str, text: str, locale: Locale | None = None, *, names: bool = True
    ) -> Redaction:
        """The redaction of one party's text, computed once per contact and text (memoised).

        ``locale`` picks the language of the name recogniser (default: the
        service's); ``names=False`` (a human agent's text) leaves names alone.
        """
        key = (contact_id, text, names)
        found = self._redactions.get(key)
        if found is None:
            lang = (locale or self.default_locale).value
            found = self.pii.redact(text, lang, names=names)
            self._redactions[key] = found
        return found

    def redacted(
        self, contact_id: str, text: str, locale: Locale | None = None, *, names: bool = True
    ) -> str:
        """:meth:`redaction`'s text."""
        return self.redaction(contact_id, text, locale, names=names).text

    def _party_redacted(self, contact_id: str, speaker: Source, text: str) -> str:
        """A customer's (every pass) or a human agent's (no name passes) text redacted."""
        return self.redacted(contact_id, text, names=speaker is not Source.HUMAN_AGENT)

    def screen_customer_text(self, contact: Contact, text: str, turn: int | None) -> str | None:
        """Redact the customer's text now; when it held a PIN, CVV or card number, warn.

        The notice ("never share your PIN — I've removed it", in the contact's
        language) is published on the transcript stream at once, audited as a
        ``guardrail`` event (category ``pii_secret_removed``) and stored with
        the turn between the customer's message and the reply
        (:meth:`store_turn`). Returns the notice text, or None.
        """
        found = self.redaction(contact.contact_id, text, contact.locale)
        if not found.shared_secret:
            return None
        notice = notice_text(found.entities, contact.locale)
        self._notices[contact.contact_id] = Message(
            role=Role.ASSISTANT, content=notice, intent=PII_NOTICE_INTENT
        )
        self.events.emit(
            Event(
                contact_id=contact.contact_id,
                type=EventType.GUARDRAIL,
                source=Source.SYSTEM,
                data={"category": "pii_secret_removed"},
            )
        )
        self.publish(contact, Source.SYSTEM, notice, turn)
        return notice

    def forget_redactions(self, contact_id: str) -> None:
        """Drop a contact's memoised redactions and pending notice (its contact ended)."""
        for key in [k for k in self._redactions if k[0] == contact_id]:
            self._redactions.pop(key, None)
        self._notices.pop(contact_id, None)

    # -- the parties' messages -------------------------------------------------------------

    def publish(
        self, contact: Contact, speaker: Source, text: str, turn: int | None
    ) -> TranscriptSegment:
        """Queue one final segment on the transcript stream; never blocks or raises.

        Customer and human-agent text is PII-redacted before it leaves the
        process (habit 9); the AI agent's reply is published as stored (tool
        data such as a branch's phone number is not the customer's PII).
        """
        segment = self.segment(contact, speaker, text, turn)
        self.publish_segment(segment)
        return segment

    def segment(
        self, contact: Contact, speaker: Source, text: str, turn: int | None
    ) -> TranscriptSegment:
        """The final segment :meth:`publish` would queue (redacted as it says), not queued."""
        now = datetime.now(UTC)
        return TranscriptSegment(
            contact_id=contact.contact_id,
            speaker=speaker,
            text=text
            if speaker in (Source.AI_AGENT, Source.SYSTEM)
            else self.redacted(
                contact.contact_id, text, contact.locale, names=speaker is not Source.HUMAN_AGENT
            ),
            is_partial=False,
            start_time=now,
            end_time=now,
            locale=contact.locale,
            turn=turn,
        )

    def publish_segment(self, segment: TranscriptSegment) -> None:
        """Queue ``segment`` on the transcript stream; never blocks or raises."""
        try:
            self.segments.publish_nowait(segment)
        except Exception:  # the transcript stream must never fail the conversation
            log.exception("segment publish failed", extra={"contact_id": segment.contact_id})

    async def customer_said(self, contact: Contact, text: str, turn: int | None) -> str | None:
        """Score and publish the customer's (already cleaned) utterance; return the sentiment.

        The turn loop stores the utterance itself, redacted, with the reply (one
        transaction, :meth:`store_turn`). The live sentiment reading of this
        segment is taken in process before the segment is published
        (``SentimentTracker.score_turn``): it is written into ``contact.state`` and
        its ``sentiment`` event buffered, so :meth:`store_turn` stores it in the
        turn's own transaction. Returns the contact's ``RealTimeSentiment`` after
        this segment, or None when sentiment is off.
        """
        segment = self.segment(contact, Source.CUSTOMER, text, turn)
        label = None
        if self.sentiment is not None:
            self.sentiment.start(claim_idle_ms=self._claim_idle_ms)
            try:
                label = await self.sentiment.score_turn(contact, segment)
            except Exception:  # a failed reading must not fail the turn
                log.exception("live sentiment not scored", extra={"contact_id": contact.contact_id})
                label = (contact.state.get("attributes") or {}).get(ATTR_SENTIMENT)
        self.publish_segment(segment)
        return label

    async def store_turn(
        self,
        contact: Contact,
        customer: Message,
        reply: Message,
    ) -> None:
        """Store one answered customer turn in one transaction.

        Both messages, the contact's state and the turn's buffered events.

        The customer's text is redacted here whatever the caller did; the AI
        agent's reply is stored as rendered (tool data, already output-guarded).
        """
        content = self.redacted(contact.contact_id, customer.content, contact.locale)
        customer = customer.model_copy(update={"content": content})
        notice = self._notices.pop(contact.contact_id, None)

        def writes() -> None:
            self.store.add_message(contact.contact_id, customer)
            if notice is not None:
                self.store.add_message(contact.contact_id, notice)
            self.store.add_message(contact.contact_id, reply)
            self.store.update_contact(contact)
            self.flush(contact.contact_id)

        await self.db.transaction(writes)

    async def store_message(
        self, contact_id: str, speaker: Source, text: str, **fields: Any
    ) -> Message:
        """Store one message of ``speaker`` (customer and human-agent text redacted)."""
        if speaker in (Source.CUSTOMER, Source.HUMAN_AGENT):
            text = self._party_redacted(contact_id, speaker, text)
        message = _message(speaker, text, **fields)
        await self.db.add_message(contact_id, message)
        return message

    async def customer_message(self, contact_id: str, text: str, *, to: str) -> str:
        """Write a customer message outside the bot (after a handover).

        Redact, store, audit, publish, let sentiment score it.

        Args:
            contact_id: the contact.
            text: what the customer wrote.
            to: who receives it (``human_agent``), recorded on the event.

        Returns:
            The text as cleaned (relayed live to the human agent; stored redacted).

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
            switchboard.errors.InputError: empty or oversized text.
        """
        cleaned = guardrail.clean_input(text)
        contact = await self.db.get_contact(contact_id)
        await self.store_message(contact_id, Source.CUSTOMER, cleaned)
        await self.record(
            contact_id, EventType.USER_INPUT, Source.CUSTOMER, transcript=cleaned, to=to
        )
        turn = int((contact.state.get("agent") or {}).get("turns", 0))
        self.publish(contact, Source.CUSTOMER, cleaned, turn)
        if self.sentiment is not None:  # scored in the background by the sentiment consumer
            self.sentiment.start(claim_idle_ms=self._claim_idle_ms)
        return cleaned

    async def human_agent_message(self, contact_id: str, text: str, *, agent: str) -> str:
        """A human agent's message: redact, store (``HUMAN_AGENT``), audit, publish.

        Returns:
            The text as cleaned (what the customer is shown).

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
            switchboard.errors.InputError: empty or oversized text.
        """
        cleaned = guardrail.clean_input(text)
        contact = await self.db.get_contact(contact_id)
        await self.store_message(contact_id, Source.HUMAN_AGENT, cleaned)
        await self.record(
            contact_id, EventType.AGENT_REPLY, Source.HUMAN_AGENT, text=cleaned, agent=agent
        )
        turn = int((contact.state.get("agent") or {}).get("turns", 0))
        self.publish(contact, Source.HUMAN_AGENT, cleaned, turn)
        return cleaned

    def publish_message(self, contact_id: str, speaker: Source, text: str) -> TranscriptSegment:
        """Publish (only) a message stored elsewhere on the transcript stream.

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
            switchboard.errors.InputError: empty or oversized text.
        """
        contact = self.store.get_contact(contact_id)
        turn = int((contact.state.get("agent") or {}).get("turns", 0))
        return self.publish(contact, speaker, guardrail.clean_input(text), turn)

    # -- voice engines (speech to speech: the model writes the reply) ------------------

    async def customer_utterance(
        self, contact_id: str, locale: Locale, text: str, *, turn: int, **event: Any
    ) -> TranscriptSegment | None:
        """A customer utterance transcribed outside the turn loop (a speech-to-speech engine).

        Redact → store → ``user_input`` event (``event`` fields added) → publish
        (the sentiment consumer scores it). Empty text is skipped (None).
        """
        if not text.strip():
            return None
        contact = Contact(contact_id=contact_id, channel=Channel.VOICE, locale=locale)
        await self.store_message(contact_id, Source.CUSTOMER, text)
        await self.record(
            contact_id, EventType.USER_INPUT, Source.CUSTOMER, transcript=text, turn=turn, **event
        )
        segment = self.publish(contact, Source.CUSTOMER, text, turn)
        if self.sentiment is not None:
            self.sentiment.start(claim_idle_ms=self._claim_idle_ms)
        return segment

    async def ai_agent_message(
        self, contact_id: str, locale: Locale, text: str, *, turn: int, **event: Any
    ) -> None:
        """An AI agent's reply written outside the turn loop (a speech-to-speech engine).

        Store → ``agent_reply`` event (``event`` fields added) → publish.
        """
        contact = Contact(contact_id=contact_id, channel=Channel.VOICE, locale=locale)
        await self.store_message(contact_id, Source.AI_AGENT, text)
        await self.record(contact_id, EventType.AGENT_REPLY, Source.AI_AGENT, text=text, **event)
        self.publish(contact, Source.AI_AGENT, text, turn)

    async def record_validation(
        self,
        contact_id: str,
        result: ValidationResult,
        *,
        user_query: str,
        tool_results: Sequence[ToolResult],
        model_response: str,
        ttl_days: int,
    ) -> None:
        """Write the hallucination-log rows of a validation result with findings.

        Seed 2 "Hallucination Logging" (one row per finding, PII redacted,
        ``ttl`` in days); a failed write is logged and the conversation goes on
        (seed 2: "DynamoDB Write Failure: log, continue with response").
        """
        if not result.findings:
            return
        for row in build_hallucination_logs(
            result,
            user_query=self.redacted(contact_id, user_query),  # the customer's: memoised pass
            tool_results=list(tool_results),
            model_response=model_response,
            session_id=contact_id,
            action_taken=result.action_taken,
            ttl_days=ttl_days,
            redact=redact,  # the checksum pass over the bot's own text and tool data
        ):
            try:
                await self.db.add_hallucination_log(row)
            except Exception:
                log.exception("hallucination log write failed", extra={"contact_id": contact_id})

    async def live_sentiment(
        self, contact_id: str, segment: TranscriptSegment | None
    ) -> str | None:
        """The contact's ``RealTimeSentiment`` after ``segment`` (bounded wait), or as stored."""
        contact = await self.db.get_contact(contact_id)
        if self.sentiment is not None and segment is not None:
            return await self.sentiment.label_for_turn(contact, segment)
        stored: str | None = (contact.state.get("attributes") or {}).get(ATTR_SENTIMENT)
        return stored

    async def transfer(
        self, contact_id: str, handover: Handover, attributes: dict[str, str]
    ) -> dict[str, Any] | None:
        """Mark a contact transferred with its handover ``attributes``, then queue it.

        For engines that decide a handover outside the turn loop (the loop
        stores the same state with its turn). Returns :meth:`hand_over`'s frame.
        """
        contact = await self.db.get_contact(contact_id)
        contact.status = ContactStatus.TRANSFERRED
        merged = dict(contact.state.get("attributes") or {})
        merged.update(attributes)
        contact.state["attributes"] = merged
        await self.db.update_contact(contact)
        await self.aflush()
        return await self.hand_over(contact_id, handover)

    async def hand_over_lost_leg(self, contact_id: str, detail: str) -> dict[str, Any] | None:
        """Hand over a contact whose AI-agent leg was lost while it was still active.

        A phone call's media stream that drops while the AI agent has the caller
        (the replica serving it was killed, its process crashed) leaves the call up
        on the platform: Twilio then requests the ``<Connect action>`` on another
        replica, which calls this so the caller reaches a human instead of being
        hung up on (issue 14, "a voice call on a dying replica is handed to a human").
        The summary is built from the stored history; the handover reason is
        ``technical_issues`` (seed 2); the ``handover_decision`` event says why
        (``detail``) and the contact is marked transferred and queued as any handover.

        Returns:
            :meth:`hand_over`'s frame (``queue`` or ``queue_closed``), or None when no
            queue is injected or queueing failed (logged; the contact stays transferred).

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
        """
        contact, history = await self.contact_and_history(contact_id, LOST_LEG_HISTORY)
        reason = HandoverReason.TECHNICAL_ISSUES
        summary = build_summary(history, "", reason=reason, information={})
        handover = Handover(
            reason=reason, message=handover_message(reason, contact.locale), summary=summary
        )
        sentiment = (contact.state.get("attributes") or {}).get(ATTR_SENTIMENT)
        await self.record(
            contact_id,
            EventType.HANDOVER_DECISION,
            Source.SYSTEM,
            handover_triggered=True,
            reason=reason.value,
            detail=detail,
            conversation_turns=summary.conversation_turns,
            conversation_summary=summary.model_dump(mode="json"),
            sentiment=sentiment,
        )
        log.warning(
            "contact handed over: its AI-agent leg was lost (%s)", detail,
            extra={"contact_id": contact_id},
        )
        return await self.transfer(
            contact_id, handover, handover_attributes(handover, sentiment=sentiment)
        )

    # -- handover -----------------------------------------------------------------------

    async def hand_over(self, contact_id: str, handover: Handover) -> dict[str, Any] | None:
        """Turn a handover decision into a queue entry (every channel comes here).

        Returns:
            The queue's customer frame (``queue`` with position and EWT, or
            ``queue_closed``), or None when no queue is injected (the platform
            queues the contact from its attributes) or the queue failed (logged;
            the contact stays transferred with its attributes, never dropped).
        """
        if self._queue is None:
            return None
        try:
            return await self._queue.enqueue_handover(contact_id, handover)
        except Exception:
            log.exception("handover could not be queued", extra={"contact_id": contact_id})
            return None

    async def reply_handover(self, reply: AgentReply) -> dict[str, Any] | None:
        """:meth:`hand_over` for an AI agent's reply that carries a handover (else None)."""
        if reply.handover is None:
            return None
        return await self.hand_over(reply.contact_id, reply.handover)


def _message(speaker: Source, text: str, **fields: Any) -> Message:
    """The stored form of one party's message (the caller redacted the text)."""
    if speaker is Source.CUSTOMER:
        return Message(role=Role.USER, content=text, **fields)
    if speaker is Source.HUMAN_AGENT:
        return Message(role=Role.ASSISTANT, content=text, intent=HUMAN_INTENT, **fields)
    return Message(role=Role.ASSISTANT, content=text, **fields)
