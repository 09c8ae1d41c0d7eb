"""Live contact sentiment: per-segment scores, the rolling sentiment and the escalation rule.

The :class:`SentimentMonitor` is a transcript-stream consumer (group
``sentiment``). For every final customer segment it scores polarity and anger
(``sentiment.py``), updates the contact's rolling sentiment and applies the
:class:`EscalationRule`. When the rule fires the contact is *escalated*: the
contact attribute ``RealTimeSentiment`` becomes ``NEGATIVE`` (seed 3 "Phase
3": the Lambda sets it through ``UpdateContactAttributes``), the handover
policy treats it as customer frustration and routing raises the priority
(``domain.attributes.queue_for(..., sentiment="NEGATIVE")``).

``RealTimeSentiment=NEGATIVE`` is reserved for escalation, as in the seed,
where NEGATIVE *is* the escalation trigger. Factual bad news that VADER reads
as negative leaves it at ``NEUTRAL``; the raw polarity trend is kept in
``Contact.state["sentiment"]`` (``history`` and ``rolling``) for the
supervisor view and the post-call summary.

Redelivery is harmless: a segment id already in the contact's history is
skipped, so the monitor is idempotent on its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from switchboard.analytics.sentiment import (
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    SentimentClassifier,
    SentimentScore,
    VaderClassifier,
    label_for,
)
from switchboard.analytics.stream import TranscriptSegment
from switchboard.domain.types import Source, utcnow

log = logging.getLogger("switchboard.analytics.sentiment")

#: Persist hook: (the contact's sentiment, the segment's score) → stored.
PersistHook = Callable[["ContactSentiment", SentimentScore], Awaitable[None]]
#: Load hook: contact id → the stored ``Contact.state["sentiment"]`` (or None).
LoadHook = Callable[[str], "dict[str, Any] | None"]


@dataclass(frozen=True)
class EscalationRule:
    """When anger is sustained or strong enough to escalate a contact.

    Each customer segment has an anger score (``sentiment.anger_cues``). A
    segment is *angry* when its score is at least ``angry_threshold``. The
    contact is escalated when

    * one segment scores at least ``strong_threshold`` (unmistakable anger:
      several cues at once), or
    * two angry segments among the last ``window`` customer segments add up
      to at least ``pair_threshold``.

    Anger is in [0, 1]. The defaults are for the anger model (P(angry);
    thresholds from 5-fold out-of-fold probabilities on ``data/sentiment``);
    :meth:`for_cues` is the preset for cue scores. Held-out numbers are in
    docs/architecture.md (``bench/analytics.py`` prints them).
    """

    angry_threshold: float = 0.4
    strong_threshold: float = 0.9
    pair_threshold: float = 1.0
    window: int = 3

    @classmethod
    def for_cues(cls) -> EscalationRule:
        """Thresholds for anger from the cues alone (score / 3; no anger model loaded)."""
        return cls(angry_threshold=1 / 3, strong_threshold=1.0, pair_threshold=2.5 / 3, window=3)

    def fires(self, angers: Sequence[float]) -> str | None:
        """Decide on the contact's anger scores, oldest first (the newest last).

        Returns:
            A short reason when the contact should be escalated, else None.
        """
        if not angers:
            return None
        if angers[-1] >= self.strong_threshold:
            return f"anger {angers[-1]:.1f} >= {self.strong_threshold}"
        recent = [a for a in list(angers)[-self.window :] if a >= self.angry_threshold]
        if len(recent) >= 2 and sum(sorted(recent)[-2:]) >= self.pair_threshold:
            return f"{len(recent)} angry segments in the last {self.window}"
        return None


@dataclass
class ContactSentiment:
    """A contact's live sentiment.

    Attributes:
        contact_id: the contact.
        history: one entry per scored customer segment, oldest first:
            ``{segment_id, turn, label, compound, anger, cues, at}``.
        rolling: exponential moving average of the compound score.
        escalated: True once the escalation rule fired (sticky).
        escalation_reason: why it fired.
        escalated_segment: the segment id that made it fire.
    """

    contact_id: str
    history: list[dict[str, Any]] = field(default_factory=list)
    rolling: float = 0.0
    escalated: bool = False
    escalation_reason: str | None = None
    escalated_segment: str | None = None

    @property
    def attribute_label(self) -> str:
        """The ``RealTimeSentiment`` value: NEGATIVE only when escalated."""
        if self.escalated:
            return NEGATIVE
        return POSITIVE if label_for(self.rolling) == POSITIVE else NEUTRAL

    def to_state(self) -> dict[str, Any]:
        """JSON-serialisable form stored at ``Contact.state["sentiment"]``."""
        return {
            "history": list(self.history),
            "rolling": round(self.rolling, 4),
            "rolling_label": label_for(self.rolling),
            "label": self.attribute_label,
            "escalated": self.escalated,
            "escalation_reason": self.escalation_reason,
            "escalated_segment": self.escalated_segment,
        }

    @classmethod
    def from_state(cls, contact_id: str, state: dict[str, Any] | None) -> ContactSentiment:
        """Rebuild from :meth:`to_state` output (None → empty)."""
        state = state or {}
        return cls(
            contact_id=contact_id,
            history=list(state.get("history") or []),
            rolling=float(state.get("rolling") or 0.0),
            escalated=bool(state.get("escalated")),
            escalation_reason=state.get("escalation_reason"),
            escalated_segment=state.get("escalated_segment"),
        )


class SentimentMonitor:
    """Scores final customer segments and escalates angry contacts.

    Args:
        classifier: polarity + anger classifier (VADER by default).
        rule: the escalation rule.
        alpha: weight of the newest segment in the rolling (EMA) sentiment.
        history_limit: scored segments kept per contact.
        persist: stores a contact's sentiment (``AgentService`` writes the contact
            state and attributes under the contact's lock); None keeps it in memory.
        load: reads a contact's stored sentiment when the monitor has none in
            memory (after a restart, or on another process).
        fallback: classifier used when ``classifier`` fails (default VADER).
    """

    group = "sentiment"

    def __init__(
        self,
        classifier: SentimentClassifier | None = None,
        rule: EscalationRule | None = None,
        *,
        alpha: float = 0.5,
        history_limit: int = 200,
        persist: PersistHook | None = None,
        load: LoadHook | None = None,
        fallback: SentimentClassifier | None = None,
    ) -> None:
        self.classifier: SentimentClassifier = classifier or VaderClassifier()
        self.fallback: SentimentClassifier = fallback or VaderClassifier()
        self.rule = rule or EscalationRule()
        self.alpha = alpha
        self.history_limit = history_limit
        self.persist = persist
        self.load = load
        self._live: dict[str, ContactSentiment] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiters: dict[str, asyncio.Future[ContactSentiment]] = {}
        self._persisting: dict[str, asyncio.Task[None]] = {}
        self.scored = 0
        self.escalations = 0
        self.classifier_failures = 0

    def current(self, contact_id: str) -> ContactSentiment | None:
        """The contact's live sentiment in this process, if any segment was scored."""
        return self._live.get(contact_id)

    def forget(self, contact_id: str) -> None:
        """Drop a contact's in-memory state (call when the contact ends)."""
        self._live.pop(contact_id, None)
        self._locks.pop(contact_id, None)

    async def result_for(
        self, contact_id: str, segment_id: str, timeout_s: float
    ) -> ContactSentiment | None:
        """Wait at most ``timeout_s`` for ``segment_id`` to be scored.

        Returns:
            The contact's sentiment including that segment, or its latest
            sentiment (possibly None) when the wait timed out.
        """
        live = self._live.get(contact_id)
        if live is not None and any(h["segment_id"] == segment_id for h in live.history):
            return live
        fut = self._waiters.get(segment_id)
        if fut is None:
            fut = asyncio.get_running_loop().create_future()
            self._waiters[segment_id] = fut
        try:
            async with asyncio.timeout(timeout_s):
                return await asyncio.shield(fut)
        except TimeoutError:
            return self._live.get(contact_id)
        finally:
            # Scored or not, nobody waits for this segment any more: no waiter is kept.
            if self._waiters.get(segment_id) is fut:
                del self._waiters[segment_id]
            if not fut.done():
                fut.cancel()

    async def handle(self, segment: TranscriptSegment) -> None:
        """Stream handler: score a final customer segment and update the contact.

        Other speakers and partial segments are ignored. Persisting runs in a
        per-contact background task, so a contact whose turn holds its lock
        never delays other contacts' segments.
        """
        if segment.is_partial or segment.speaker is not Source.CUSTOMER:
            return
        score = await self._score(segment)
        lock = self._locks.setdefault(segment.contact_id, asyncio.Lock())
        async with lock:
            live = self._live.get(segment.contact_id)
            if live is None:
                stored = self.load(segment.contact_id) if self.load else None
                live = ContactSentiment.from_state(segment.contact_id, stored)
                self._live[segment.contact_id] = live
            if any(h["segment_id"] == segment.segment_id for h in live.history):
                self._resolve(segment.segment_id, live)
                return  # a redelivery: already counted
            self._apply(live, segment, score)
        self._resolve(segment.segment_id, live)
        if self.persist is not None:
            self._schedule_persist(live, score)

    async def score_turn(
        self, segment: TranscriptSegment, stored: dict[str, Any] | None
    ) -> tuple[ContactSentiment, SentimentScore]:
        """Score a turn's own customer segment now, in this process (no stream round trip).

        ``stored`` is the contact's ``Contact.state["sentiment"]`` as the turn read it
        under the contact's lock: the reading builds on it (not on this process's
        memory, which another replica's turns may have outdated). The caller stores
        the result with its turn; nothing is persisted here.

        Returns:
            The contact's sentiment including ``segment``, and the segment's score.
        """
        score = await self._score(segment)
        lock = self._locks.setdefault(segment.contact_id, asyncio.Lock())
        async with lock:
            live = ContactSentiment.from_state(segment.contact_id, stored)
            if not any(h["segment_id"] == segment.segment_id for h in live.history):
                self._apply(live, segment, score)
            self._live[segment.contact_id] = live
        self._resolve(segment.segment_id, live)
        return live, score

    async def _score(self, segment: TranscriptSegment) -> SentimentScore:
        try:
            return await self.classifier.score(segment.text, segment.locale)
        except Exception as exc:
            self.classifier_failures += 1
            log.warning(
                "sentiment classifier %s failed (%s); using %s",
                self.classifier.name,
                type(exc).__name__,
                self.fallback.name,
                extra={"contact_id": segment.contact_id},
            )
            return await self.fallback.score(segment.text, segment.locale)

    def _apply(self, live: ContactSentiment, segment: TranscriptSegment, s: SentimentScore) -> None:
        first = not live.history
        live.history.append(
            {
                "segment_id": segment.segment_id,
                "turn": segment.turn,
                "label": s.label,
                "compound": s.compound,
                "anger": s.anger,
                "cues": list(s.cues),
                "at": utcnow().isoformat(),
            }
        )
        del live.history[: -self.history_limit]
        live.rolling = (
            s.compound if first else self.alpha * s.compound + (1 - self.alpha) * live.rolling
        )
        self.scored += 1
        if live.escalated:
            return
        reason = self.rule.fires([float(h["anger"]) for h in live.history])
        if reason is not None:
            live.escalated = True
            live.escalation_reason = reason
            live.escalated_segment = segment.segment_id
            self.escalations += 1
            log.info(
                "contact escalated on live sentiment: %s",
                reason,
                extra={"contact_id": segment.contact_id, "segment_id": segment.segment_id},
            )

    def _resolve(self, segment_id: str, live: ContactSentiment) -> None:
        fut = self._waiters.pop(segment_id, None)
        if fut is not None and not fut.done():
            fut.set_result(live)

    def _schedule_persist(self, live: ContactSentiment, score: SentimentScore) -> None:
        previous = self._persisting.get(live.contact_id)
        persist = self.persist
        assert persist is not None

        async def run() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            try:
                await persist(live, score)
            except Exception:
                log.exception(
                    "storing live sentiment failed", extra={"contact_id": live.contact_id}
                )

        task = asyncio.get_running_loop().create_task(run())
        self._persisting[live.contact_id] = task
        task.add_done_callback(
            lambda t: (
                self._persisting.pop(live.contact_id, None)
                if self._persisting.get(live.contact_id) is t
                else None
            )
        )

    async def persisted(self, contact_id: str, timeout_s: float = 2.0) -> None:
        """Wait (at most ``timeout_s`` seconds) for the contact's scheduled persist, if any.

        The end of a contact waits here so its last reading is stored before
        ``conversation_end``. Never raises: a slow store only shortens the wait.
        """
        task = self._persisting.get(contact_id)
        if task is not None:
            await asyncio.wait({task}, timeout=timeout_s)

    async def settle(self, timeout_s: float = 5.0) -> None:
        """Wait for every scheduled persist to finish (tests, shutdown).

        Raises:
            TimeoutError: when they do not finish within ``timeout_s``.
        """
        tasks = list(self._persisting.values())
        if tasks:
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout_s)
