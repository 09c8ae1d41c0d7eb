"""Live sentiment wired into a running agent: the stream consumer, the store, the turn.

:class:`LiveSentiment` is what ``AgentService`` owns. It

* subscribes the :class:`~switchboard.analytics.sentiment_monitor.SentimentMonitor`
  to the transcript stream (consumer group ``sentiment``; on Redis the
  processed log is shared in Redis, so consumers in several processes split
  the work and skip redeliveries);
* stores each contact's sentiment under the contact's turn lock (so a turn
  and the monitor never overwrite each other): ``Contact.state.sentiment``,
  the attribute ``RealTimeSentiment``, and — once escalated while the contact
  is already with a human — ``target_queue``/``routing_priority`` from
  ``queue_for(..., sentiment="NEGATIVE")``; and emits a ``sentiment`` event;
* gives a turn its contact's live label: the turn waits at most
  ``turn_wait_ms`` for its own customer segment to be scored (about 1 ms
  in-process), so an angry customer is handed over in the very turn that made
  the rule fire; on timeout the turn goes on with the last known label.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from switchboard.analytics.sentiment import SentimentClassifier, SentimentScore, VaderClassifier
from switchboard.analytics.sentiment_monitor import (
    ContactSentiment,
    EscalationRule,
    SentimentMonitor,
)
from switchboard.analytics.stream import SegmentBus, TranscriptSegment
from switchboard.analytics.stream_consumer import ProcessedLog, StreamConsumer
from switchboard.config import SentimentSettings
from switchboard.domain.attributes import (
    ATTR_PRIORITY,
    ATTR_SENTIMENT,
    ATTR_TARGET_QUEUE,
    queue_for,
)
from switchboard.domain.state import SentimentState
from switchboard.domain.types import (
    Contact,
    ContactStatus,
    Event,
    EventType,
    HandoverReason,
    Source,
)
from switchboard.ports import EventSink, Store

log = logging.getLogger("switchboard.analytics.sentiment")


def build_classifier(
    settings: SentimentSettings, embedder: Any | None
) -> tuple[SentimentClassifier, EscalationRule]:
    """The configured classifier and the rule that matches its anger scale.

    The anger model is used when ``settings.anger_model`` is on and an
    embedder is at hand (the router's); otherwise anger comes from the cues.
    """
    vader = VaderClassifier()
    rule = EscalationRule.for_cues()
    if settings.anger_model and embedder is not None:
        from switchboard.analytics.sentiment_model import AngerModel

        try:
            vader = VaderClassifier(AngerModel.load(embedder=embedder))
            rule = EscalationRule()
        except Exception:
            log.exception("anger model not loaded; escalation reads the anger cues only")
    if settings.provider == "llm":
        from switchboard.analytics.sentiment_llm import LlmSentimentClassifier

        return LlmSentimentClassifier.from_settings(settings, anger=vader), rule
    return vader, rule



def _on_postgresql(store: object) -> bool:
    """True when ``store`` is a SQL store on PostgreSQL (its writes may wait on other replicas)."""
    engine = getattr(store, "engine", None)
    return getattr(getattr(engine, "dialect", None), "name", "") == "postgresql"

class LiveSentiment:
    """The sentiment monitor of one ``AgentService``.

    Args:
        settings: sentiment settings.
        store: the service's store.
        events: the service's event sink.
        segments: the service's transcript bus.
        lock_for: the service's per-contact turn lock.
        classifier: the per-segment classifier.
        rule: the escalation rule.
        processed: the consumer group's processed log (None: in memory).
    """

    def __init__(
        self,
        *,
        settings: SentimentSettings,
        store: Store,
        events: EventSink,
        segments: SegmentBus,
        lock_for: Callable[[str], AbstractAsyncContextManager[Any]],
        classifier: SentimentClassifier,
        rule: EscalationRule,
        processed: ProcessedLog | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.events = events
        self.segments = segments
        self.lock_for = lock_for
        self._off_loop = _on_postgresql(store)
        self.processed = processed
        self.monitor = SentimentMonitor(classifier, rule, persist=self._persist, load=self._load)
        self.consumer: StreamConsumer | None = None

    def start(self, **options: Any) -> None:
        """Subscribe the monitor (needs a running event loop; idempotent)."""
        if self.consumer is None or not self.consumer.running:
            self.consumer = self.segments.subscribe(
                SentimentMonitor.group,
                self.monitor.handle,
                consumer=f"sentiment-{id(self):x}",
                processed=self.processed,
                block_ms=options.pop("block_ms", 250),
                accept=_customer_line,
                **options,
            )

    async def label_for_turn(self, contact: Contact, segment: TranscriptSegment) -> str | None:
        """The contact's ``RealTimeSentiment`` for this turn (waits ≤ ``turn_wait_ms``)."""
        live = await self.monitor.result_for(
            contact.contact_id, segment.segment_id, self.settings.turn_wait_ms / 1000
        )
        if live is not None:
            return live.attribute_label
        return contact.state.attributes.real_time_sentiment

    async def score_turn(self, contact: Contact, segment: TranscriptSegment) -> str | None:
        """Score a turn's own customer segment in process; the turn's transaction stores it.

        Run under the contact's turn lock before ``segment`` is published: the segment
        is marked processed for the ``sentiment`` consumer group first (so no consumer,
        in this process or another replica, scores and stores it a second time), then
        scored here (the router's embedding of the same text is a cache hit), and the
        reading is written into ``contact.state`` (``sentiment`` and
        ``RealTimeSentiment``) with its ``sentiment`` event buffered in the audit sink.
        The turn's ``store_turn`` commits both with its messages: one transaction per
        turn instead of a second one (and a second turn-lock lease) per reading.

        Returns:
            The contact's ``RealTimeSentiment`` after this segment.
        """
        if self.consumer is not None:  # started by the caller (``start``)
            await self.consumer.processed.mark(f"{SentimentMonitor.group}:{segment.segment_id}")
        stored = contact.state.sentiment
        live, score = await self.monitor.score_turn(
            segment, stored.model_dump() if stored is not None else None
        )
        self._apply_reading(contact, live, score)
        return live.attribute_label

    def forget(self, contact_id: str) -> None:
        """Drop the rolling sentiment of an ended contact (the stored scores stay)."""
        self.monitor.forget(contact_id)

    async def persisted(self, contact_id: str, timeout_s: float = 2.0) -> None:
        """Wait (≤ ``timeout_s`` s) until the contact's latest reading is stored; never raises."""
        await self.monitor.persisted(contact_id, timeout_s)

    def _load(self, contact_id: str) -> dict[str, Any] | None:
        try:
            stored = self.store.get_contact(contact_id).state.sentiment
        except Exception:
            return None
        return stored.model_dump() if stored is not None else None

    async def _persist(self, live: ContactSentiment, score: SentimentScore) -> None:
        """Store one reading under the contact's turn lock, in a worker thread.

        The reads, the contact update and the audit flush are blocking database
        calls (on PostgreSQL the flush may wait for another replica's advisory
        lock): there they run off the event loop, in one transaction, so no other
        contact's turn waits for them. On SQLite they stay on the loop as before.
        """
        async with self.lock_for(live.contact_id):
            if self._off_loop:
                await asyncio.to_thread(self._persist_now, live, score)
            else:  # SQLite: one local writer, and an in-memory database is one shared
                self._persist_now(live, score)  # connection that threads must not share

    def _persist_now(self, live: ContactSentiment, score: SentimentScore) -> None:
        unit = getattr(self.store, "unit_of_work", None)
        with unit() if callable(unit) else contextlib.nullcontext():
            self._persist_reading(live, score)

    def _persist_reading(self, live: ContactSentiment, score: SentimentScore) -> None:
        contact = self.store.get_contact(live.contact_id)
        if not self._apply_reading(contact, live, score):
            return
        self.store.update_contact(contact)
        flush = getattr(self.events, "flush", None)
        if callable(flush):
            flush(live.contact_id)  # this contact's events only, in this transaction

    def _apply_reading(
        self, contact: Contact, live: ContactSentiment, score: SentimentScore
    ) -> bool:
        """Write one reading into ``contact.state`` and emit its ``sentiment`` event.

        Returns False (nothing changed) when the contact already holds a newer
        reading (another process stored it).
        """
        state = contact.state
        stored = ContactSentiment.from_state(
            live.contact_id, state.sentiment.model_dump() if state.sentiment else None
        )
        if len(stored.history) > len(live.history):
            return False  # another process stored a newer reading
        newly = live.escalated and not stored.escalated
        state.sentiment = SentimentState.model_validate(live.to_state())
        update = {ATTR_SENTIMENT: live.attribute_label}
        if newly and contact.status is ContactStatus.TRANSFERRED:
            handover = state.agent.handover
            reason = HandoverReason.CUSTOMER_FRUSTRATION
            with contextlib.suppress(ValueError):
                reason = HandoverReason(handover.reason) if handover else reason
            queue, priority = queue_for(reason, sentiment=live.attribute_label)
            update[ATTR_TARGET_QUEUE] = queue
            update[ATTR_PRIORITY] = str(priority)
        state.attributes = state.attributes.merged(update)
        last = live.history[-1]
        self.events.emit(
            Event(
                contact_id=live.contact_id,
                type=EventType.SENTIMENT,
                source=Source.SYSTEM,
                data={
                    "segment_id": last["segment_id"],
                    "turn": last["turn"],
                    "label": score.label,
                    "compound": score.compound,
                    "anger": score.anger,
                    "cues": list(score.cues),
                    "rolling": round(live.rolling, 4),
                    "attribute": live.attribute_label,
                    "escalated": live.escalated,
                    "escalation": newly,
                    "escalation_reason": live.escalation_reason if newly else None,
                },
            )
        )
        return True

    async def aclose(self) -> None:
        """Stop the consumer and close the classifier's client (the LLM adapter has one)."""
        if self.consumer is not None:
            await self.consumer.stop()
        close = getattr(self.monitor.classifier, "aclose", None)
        if callable(close):
            await close()

    async def settle(self, timeout_s: float = 5.0) -> None:
        """Wait until queued segments are scored and stored (tests, benches, shutdown).

        Raises:
            TimeoutError: when that takes longer than ``timeout_s``.
        """
        await self.segments.drain(timeout_s)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        consumer = self.consumer
        while consumer is not None and consumer.running:
            seen = consumer.handled + consumer.duplicates + consumer.dead_lettered
            if seen >= self.segments.published:
                break
            if loop.time() > deadline:
                raise TimeoutError("sentiment consumer still busy")
            await asyncio.sleep(0.002)
        await self.monitor.settle(max(0.1, deadline - loop.time()))


def _customer_line(segment: TranscriptSegment) -> bool:
    """The segments the ``sentiment`` group scores: a customer's final lines."""
    return not segment.is_partial and segment.speaker is Source.CUSTOMER
