"""Post-call summaries: seed 3's three bullet points plus structured call notes.

Seed 3 "Post-Call Summarization" asks for a concise summary of each call in
three bullet points; seed 2 "Handover Execution" and "Queue Metrics" add what a
supervisor needs afterwards. :class:`ExtractiveSummarizer` (the embedded
default, no model) builds a :class:`CallSummary` from the contact's stored
transcript and events only:

* **reason for contact** — the first customer message on a banking, handover
  or out-of-scope route, quoted;
* **what the customer asked** — every customer message that is not small talk,
  quoted (messages are stored PII-redacted);
* **tools used and what they returned** — each ``tool_invocation`` event, with
  its arguments and a short description built from the output's own fields;
* **outcome** — the ``conversation_end`` status (resolved / transferred /
  abandoned), with the turn count;
* **handover** — reason and detail of the ``handover_decision`` event, and the
  queue (the contact's ``target_queue`` attribute, else seed 2 "Priority
  Routing" through :func:`switchboard.domain.attributes.queue_for`);
* **sentiment trajectory** — the per-segment scores the sentiment stage left in
  the events, and the contact's ``RealTimeSentiment`` attribute;
* **follow-ups** — callbacks booked (events carrying ``callback_scheduled``).

Every note keeps ``sources`` (``message:<n>`` or ``event:<id>``) so that a
reader can trace it; :mod:`switchboard.analytics.summary_check` then checks
every sentence against the same transcript and events and drops what it
cannot trace before the summary is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from switchboard.domain.attributes import queue_for
from switchboard.domain.events import (
    CallbackBookedData,
    ConversationEndData,
    GuardrailData,
    HandoverDecisionData,
    SentimentData,
    ToolInvocationData,
)
from switchboard.domain.summary import (
    CallSummary,
    DroppedNote,
    HandoverNote,
    Note,
    SentimentPoint,
    SentimentTrajectory,
    SummaryCheck,
    ToolNote,
)
from switchboard.domain.types import (
    Contact,
    ContactStatus,
    Event,
    HandoverReason,
    Message,
    Role,
    Route,
)

__all__ = [
    "CallSummary",
    "ContactRecord",
    "DroppedNote",
    "ExtractiveSummarizer",
    "HandoverNote",
    "Note",
    "SentimentPoint",
    "SentimentTrajectory",
    "Summarizer",
    "SummaryCheck",
    "ToolNote",
    "build_summary",
    "sentiment_trajectory",
]

_P = TypeVar("_P", bound=BaseModel)

#: How a route reads in a summary sentence (template words, not facts).
ROUTE_TOPICS: dict[str, str] = {
    Route.ACCOUNT_OPENING.value: "opening an account",
    Route.CARD_INFO.value: "debit card information",
    Route.BRANCH.value: "branch locations",
    Route.HANDOVER.value: "a matter for a human agent",
    Route.OUT_OF_SCOPE.value: "a request outside the bank's services",
    Route.SMALLTALK.value: "a general question",
}

#: Handover reasons as they read in a sentence (seed 2 "Handover Messages" triggers).
REASON_PHRASES: dict[str, str] = {
    HandoverReason.EXPLICIT_REQUEST.value: "the customer asked for a human agent",
    HandoverReason.CUSTOMER_FRUSTRATION.value: "the customer was frustrated",
    HandoverReason.REPEATED_QUERY.value: "the customer repeated the same question",
    HandoverReason.CAPABILITY_LIMITATION.value: "the request is beyond the agent's tools",
    HandoverReason.TECHNICAL_ISSUES.value: "technical issues",
    HandoverReason.COMPLEX_SCENARIO.value: "a complex scenario",
    HandoverReason.SENSITIVE_TOPIC.value: "a sensitive topic",
    HandoverReason.VALIDATION_FAILURE.value: "an answer failed validation",
}

#: Words the templates add around the facts; the grounding check allows them.
TEMPLATE_TEXT = " ".join(
    [
        *ROUTE_TOPICS.values(),
        *REASON_PHRASES.values(),
        "reason contact customer asked about actions agent used called tool tools returned",
        "error errors data answered without calling declined outcome resolved by the ai",
        "transferred to a human agent in queue because abandoned after turn turns still",
        "active callback booked for follow up sentiment went from trend steady improving",
        "declining none no calls call of one two three and with it its on at",
        "items item first result results ok failed said nothing",
    ]
)

#: Longest customer quote kept in a note (characters).
QUOTE_CHARS = 160


class ContactRecord(BaseModel):
    """Everything a summarizer may read: the contact, its transcript and its events."""

    contact: Contact
    messages: list[Message]
    events: list[Event]


class Summarizer(Protocol):
    """Builds a summary of one ended contact (``ports``-style; extractive or LLM)."""

    name: str

    async def summarize(self, record: ContactRecord) -> CallSummary:
        """Return the unchecked summary of ``record`` (the caller runs the grounding check)."""
        ...


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """Return ``text`` on one line, cut at a word boundary to at most ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut or flat[:limit]


def describe_output(
    output: dict[str, Any] | None,
    arguments: dict[str, Any] | None = None,
    *,
    max_fields: int = 4,
) -> str:
    """Describe a tool output with its own fields: ``key: value`` for scalars, lists in short.

    Args:
        output: the tool's JSON output (None for a failed call).
        arguments: the call's arguments; output fields that only echo them are skipped.
        max_fields: how many top-level fields to mention.

    Returns:
        For example ``"documents_required: Photo ID, Proof of address; processing_time:
        1-2 business days"``: a short list of short strings is given in full, a longer
        one as a count; list items that are records are named by their ``name`` field.
    """
    if not output:
        return ""
    echoes = {str(v).casefold() for v in (arguments or {}).values()}
    parts: list[str] = []
    for key, value in output.items():
        if len(parts) >= max_fields:
            break
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, str | int | float):
            if str(value).casefold() in echoes or key in (arguments or {}):
                continue
            parts.append(f"{key}: {quote(str(value), 80)}")
        elif isinstance(value, list) and value:
            first = value[0]
            short = all(isinstance(v, str) and len(v) <= 60 for v in value) and len(value) <= 4
            if short:
                parts.append(f"{key}: {', '.join(value)}")
                continue
            label = f"{key}: {len(value)} item{'s' if len(value) != 1 else ''}"
            if isinstance(first, dict) and isinstance(first.get("name"), str):
                label += f" (first: {quote(first['name'], 60)})"
            parts.append(label)
    return "; ".join(parts)


def _customer_messages(messages: Sequence[Message]) -> list[tuple[int, Message]]:
    return [(i, m) for i, m in enumerate(messages) if m.role is Role.USER]


def _payloads(events: Sequence[Event], model: type[_P]) -> list[tuple[Event, _P]]:
    """The events whose typed payload is a ``model``, each with its payload (in order)."""
    found: list[tuple[Event, _P]] = []
    for event in events:
        payload = event.payload
        if isinstance(payload, model):
            found.append((event, payload))
    return found


def sentiment_trajectory(record: ContactRecord) -> SentimentTrajectory | None:
    """Read the customer's sentiment scores from the contact's events and attributes.

    Points come from the sentiment stage's ``Contact.state["sentiment"]["history"]``
    (one entry per final customer segment: ``compound`` in [-1, 1], ``label``,
    ``segment_id``), or from events whose ``data`` has a numeric ``score`` (or
    ``compound``) and a ``label`` (or ``sentiment``) in POSITIVE/NEUTRAL/NEGATIVE.

    Returns:
        The trajectory, or None when no score and no ``RealTimeSentiment`` exist.
    """
    points: list[SentimentPoint] = []
    for event, scored in _payloads(record.events, SentimentData):
        mood = (scored.label or "").upper()
        if scored.compound is not None and mood in ("POSITIVE", "NEUTRAL", "NEGATIVE"):
            points.append(
                SentimentPoint(score=scored.compound, label=mood, source=f"event:{event.event_id}")
            )
    stored = record.contact.state.sentiment
    if not points and stored is not None:
        for entry in stored.history:
            if entry.label:
                point = SentimentPoint(
                    score=entry.compound, label=entry.label, source=f"segment:{entry.segment_id}"
                )
                points.append(point)
    final = record.contact.state.attributes.real_time_sentiment
    if not final and stored is not None:
        final = stored.label
    if not points and not final:
        return None
    trend = "steady"
    if len(points) >= 2:
        third = max(1, len(points) // 3)
        head = sum(p.score for p in points[:third]) / third
        tail = sum(p.score for p in points[-third:]) / third
        if tail - head > 0.2:
            trend = "improving"
        elif head - tail > 0.2:
            trend = "declining"
    if not final and points:
        final = points[-1].label
    return SentimentTrajectory(points=points, trend=trend, final_label=final)


class ExtractiveSummarizer:
    """The embedded summarizer: extractive and templated, no model (see module doc)."""

    name = "extractive"

    async def summarize(self, record: ContactRecord) -> CallSummary:
        """Build the summary of ``record``; never raises on odd events (they are skipped)."""
        return build_summary(record)


def _reason(customers: list[tuple[int, Message]]) -> Note | None:
    if not customers:
        return None
    chosen = next(
        ((i, m) for i, m in customers if m.route is not None and m.route is not Route.SMALLTALK),
        customers[0],
    )
    index, message = chosen
    topic = ROUTE_TOPICS.get(message.route.value if message.route else "", "")
    said = quote(message.content)
    text = f"Customer asked about {topic}: “{said}”" if topic else f"Customer asked: “{said}”"
    return Note(text=text, sources=[f"message:{index}"])


def _tool_notes(events: Sequence[Event]) -> list[ToolNote]:
    notes: list[ToolNote] = []
    for event, tool in _payloads(events, ToolInvocationData):
        name = tool.tool_name
        if not name:
            continue
        if tool.ok:
            returned = describe_output(tool.tool_output, tool.tool_input)
            text = f"{name} returned {returned}" if returned else f"{name} returned data"
        else:
            code = tool.error.code if tool.error else "error"
            text = f"{name} failed: {code}"
        notes.append(
            ToolNote(
                text=text,
                sources=[f"event:{event.event_id}"],
                tool=name,
                arguments=dict(tool.tool_input),
                ok=tool.ok,
            )
        )
    return notes


def _handover(record: ContactRecord) -> HandoverNote | None:
    decisions = _payloads(record.events, HandoverDecisionData)
    if not decisions:
        return None
    event, decision = decisions[-1]
    reason = decision.reason
    attrs = record.contact.state.attributes
    queue = attrs.target_queue
    if not queue and decision.handover_reason is not None:
        queue, _ = queue_for(decision.handover_reason, sentiment=attrs.real_time_sentiment)
    phrase = REASON_PHRASES.get(reason, reason.replace("_", " "))
    text = f"Transferred to a human agent because {phrase}"
    if queue:
        text += f" (queue {queue})"
    detail = decision.detail
    return HandoverNote(
        text=text,
        sources=[f"event:{event.event_id}"],
        reason=reason,
        queue=queue,
        detail=str(detail) if detail else None,
    )


def _follow_ups(events: Sequence[Event]) -> list[Note]:
    notes: list[Note] = []
    for event, booked in _payloads(events, CallbackBookedData):
        when = booked.due_at
        text = "Callback booked" + (f" for {when}" if when else "")
        notes.append(Note(text=text, sources=[f"event:{event.event_id}"]))
    return notes


def _outcome(record: ContactRecord, turns: int, handover: HandoverNote | None) -> Note:
    ends = _payloads(record.events, ConversationEndData)
    status = (ends[-1][1].resolution_status if ends else "") or record.contact.status.value
    sources = [f"event:{ends[-1][0].event_id}"] if ends else []
    plural = "s" if turns != 1 else ""
    if status == ContactStatus.TRANSFERRED.value:
        text = handover.text if handover else "Transferred to a human agent"
        sources += handover.sources if handover else []
    elif status == ContactStatus.ABANDONED.value:
        text = f"Abandoned by the customer after {turns} turn{plural}"
    elif status == ContactStatus.RESOLVED.value:
        text = f"Resolved by the AI agent in {turns} turn{plural}"
    else:
        text = f"Contact still active after {turns} turn{plural}"
    return Note(text=text, sources=sources)


def _actions_bullet(tools: list[ToolNote], events: Sequence[Event]) -> str:
    if tools:
        names = list(dict.fromkeys(t.tool for t in tools))
        failed = sum(1 for t in tools if not t.ok)
        bullet = f"Actions: the agent called {', '.join(names)}"
        returned = next((t.text for t in tools if t.ok), None)
        if returned:
            bullet += f"; {returned}"
        if failed:
            bullet += f"; {failed} call{'s' if failed != 1 else ''} failed"
        return bullet
    if _payloads(events, GuardrailData):
        return "Actions: the agent declined a request without calling a tool"
    return "Actions: the agent answered without calling a tool"


def build_summary(record: ContactRecord) -> CallSummary:
    """Build the extractive summary of one contact (no grounding check yet).

    Args:
        record: the contact with its stored transcript (oldest first) and events.

    Returns:
        A :class:`CallSummary` with three bullets (reason, actions, outcome) and
        the structured notes described in the module docstring.
    """
    contact = record.contact
    customers = _customer_messages(record.messages)
    ends = _payloads(record.events, ConversationEndData)
    end = ends[-1][1] if ends else None
    total_turns = end.total_turns if end else None
    turns = int(total_turns or contact.state.agent.turns or len(customers))
    reason = _reason(customers)
    asked = [
        Note(text=f"“{quote(m.content)}”", sources=[f"message:{i}"])
        for i, m in customers
        if m.route is not Route.SMALLTALK
    ] or [Note(text=f"“{quote(m.content)}”", sources=[f"message:{i}"]) for i, m in customers]
    tools = _tool_notes(record.events)
    handover = _handover(record)
    outcome = _outcome(record, turns, handover)
    follow_ups = _follow_ups(record.events)
    bullets = [
        f"Reason: {reason.text}" if reason else "Reason: the customer said nothing",
        _actions_bullet(tools, record.events),
        f"Outcome: {outcome.text}"
        + (f"; {'; '.join(n.text for n in follow_ups)}" if follow_ups else ""),
    ]
    return CallSummary(
        contact_id=contact.contact_id,
        channel=contact.channel.value,
        locale=contact.locale.value,
        status=(end.resolution_status if end else "") or contact.status.value,
        started_at=contact.created_at,
        ended_at=contact.ended_at,
        duration_seconds=end.duration_seconds if end else None,
        turns=turns,
        bullets=bullets,
        reason=reason,
        customer_asked=asked,
        tools=tools,
        outcome=outcome,
        handover=handover,
        sentiment=sentiment_trajectory(record),
        follow_ups=follow_ups,
    )
