"""The grounding check: every statement of a summary must be traceable, or it goes.

A summary (extractive or written by a model) is checked statement by statement
against the contact's own record — its stored transcript and its events — in
three steps:

1. **quotes** — every span in “curly quotes” must appear word for word in a
   stored customer or agent message;
2. **words** — outside quotes, every word must occur in the record (message
   text, event data, tool arguments and outputs, contact attributes), be a
   template word of :data:`switchboard.analytics.summary.TEMPLATE_TEXT`, or a
   stop word; a number must occur in the record;
3. **the validation agent** (seed 2 §3, :class:`switchboard.validation.ValidationAgent`)
   judges the statement with the contact's tool outputs and transcript as the
   evidence — documents, amounts, branch details, hours, phone numbers and
   off-topic banking claims are checked exactly as for a live reply; a medium
   or high finding fails the statement.

A statement that fails is removed (its field and the reason are recorded in
``CallSummary.check.dropped``, its text is not); the outcome, which every
summary must have, falls back to the bare status from the ``conversation_end``
event. A summary is never stored with an untraceable statement.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from switchboard.analytics.summary import (
    TEMPLATE_TEXT,
    CallSummary,
    ContactRecord,
    DroppedNote,
    Note,
    SummaryCheck,
)
from switchboard.domain.attributes import queue_for
from switchboard.domain.events import HandoverDecisionData, ToolInvocationData
from switchboard.domain.state import ContactAttributes
from switchboard.domain.types import (
    Locale,
    Role,
    Severity,
    ToolResult,
)
from switchboard.ports import Validator

_QUOTE = re.compile(r"“([^”]*)”")
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")

#: Function words that carry no fact (English and French).
STOP_WORDS = frozenset(
    """a an the and or of to in on at for by with from as is are was were be been it its
    this that these those their his her they he she we you your our i me my not no yes
    but so if then than there here what which who whom when where why how do does did
    has have had can could would should will may might must about into over under after
    before during via per le la les un une des du de et ou en au aux pour par avec sur
    dans est sont""".split()
)


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents (``Épargne`` → ``epargne``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _flat(text: str) -> str:
    return " ".join(fold(text).replace("’", "'").split())


def _words(text: str) -> Iterator[str]:
    for match in _WORD.finditer(fold(text)):
        word = match.group(0).strip("'’-_")
        if word:
            yield word


def _strings(value: Any) -> Iterator[str]:
    """Every string, number and dict key inside a JSON-like value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, bool) or value is None:
        return
    else:
        yield str(value)


class RecordEvidence:
    """What a contact's record says, indexed for the grounding check.

    Args:
        record: the contact, its stored transcript and its events.
    """

    def __init__(self, record: ContactRecord) -> None:
        self.record = record
        self.messages = [_flat(m.content) for m in record.messages]
        self.customer_text = " ".join(
            m.content for m in record.messages if m.role is Role.USER
        )
        texts: list[str] = [m.content for m in record.messages]
        for event in record.events:
            texts.extend(_strings(event.data))
            texts.append(event.type.value)
        contact = record.contact
        attributes = contact.state.attributes
        texts.extend(_strings(attributes.as_map()))
        texts.extend(_derived_queues(record, attributes))
        texts.extend([contact.status.value, contact.channel.value, contact.locale.value])
        self.words = frozenset(w for t in texts for w in _words(t))
        self.numbers = frozenset(_norm_number(n) for t in texts for n in _NUMBER.findall(t))
        self.allowed = frozenset(_words(TEMPLATE_TEXT)) | STOP_WORDS
        self.tool_results = self._tool_results()

    def _tool_results(self) -> list[ToolResult]:
        """The contact's successful tool outputs, plus the transcript as one more result."""
        results: list[ToolResult] = []
        for event in self.record.events:
            tool = event.payload
            if isinstance(tool, ToolInvocationData) and tool.ok:
                results.append(
                    ToolResult(
                        call_id=event.event_id,
                        name=tool.tool_name or "tool",
                        arguments=dict(tool.tool_input),
                        output=tool.tool_output,
                    )
                )
        agent_lines = [m.content for m in self.record.messages if m.role is Role.ASSISTANT]
        if agent_lines:
            results.append(
                ToolResult(call_id="transcript", name="transcript", output={"agent": agent_lines})
            )
        return results

    def quote_found(self, span: str) -> bool:
        """True when ``span`` occurs word for word in a stored message."""
        needle = _flat(span).rstrip("…").strip()
        return not needle or any(needle in m for m in self.messages)

    def untraceable_words(self, text: str) -> list[str]:
        """The words and numbers of ``text`` (quotes removed) found nowhere in the record."""
        bare = _QUOTE.sub(" ", text)
        missing: list[str] = []
        for number in _NUMBER.findall(bare):
            if _norm_number(number) not in self.numbers:
                missing.append(number)
        for word in _words(_NUMBER.sub(" ", bare)):
            if word in self.allowed or word in self.words or word.isdigit():
                continue
            if word.endswith("s") and (word[:-1] in self.words or word[:-1] in self.allowed):
                continue
            missing.append(word)
        return missing


def _derived_queues(record: ContactRecord, attributes: ContactAttributes) -> list[str]:
    """Queues that follow from the record's handover events by seed 2 "Priority Routing".

    The queue is not always written into the events; it is a fixed function of
    the handover reason and the contact's sentiment
    (:func:`switchboard.domain.attributes.queue_for`), so it is traceable.
    """
    sentiment = attributes.real_time_sentiment
    queues: list[str] = []
    for event in record.events:
        decision = event.payload
        if isinstance(decision, HandoverDecisionData) and decision.handover_reason is not None:
            queues.append(queue_for(decision.handover_reason, sentiment=sentiment)[0])
    return queues


def _norm_number(text: str) -> str:
    value = text.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        return value
    return f"{number:g}"


class GroundingChecker:
    """Checks a :class:`CallSummary` against its record and drops untraceable statements.

    Args:
        validator: the validation agent; None builds the embedded
            :class:`switchboard.validation.ValidationAgent`.
    """

    def __init__(self, validator: Validator | None = None) -> None:
        if validator is None:
            from switchboard.validation import ValidationAgent

            validator = ValidationAgent()
        self.validator = validator

    def problem(self, text: str, evidence: RecordEvidence, locale: Locale) -> str | None:
        """Return why ``text`` is not traceable to the record, or None when it is.

        Raises:
            Nothing: a failing validator counts as a problem (the statement is dropped).
        """
        for span in _QUOTE.findall(text):
            if not evidence.quote_found(span):
                return "quote not found in the transcript"
        missing = evidence.untraceable_words(text)
        if missing:
            return f"{len(missing)} word(s) not in the transcript or events"
        bare = _QUOTE.sub(" ", text)
        try:
            result = self.validator.validate(
                evidence.customer_text, evidence.tool_results, bare, locale
            )
        except Exception:  # a broken validator must not let a statement through unseen
            return "validation agent failed"
        bad = [f for f in result.findings if f.severity is not Severity.LOW]
        if bad:
            kinds = sorted({f.type.value for f in bad})
            return f"validation agent: {', '.join(kinds)}"
        return None

    def check(self, summary: CallSummary, record: ContactRecord) -> CallSummary:
        """Return ``summary`` without its untraceable statements, with the verdict in ``check``.

        Args:
            summary: the summary as a summarizer wrote it.
            record: the contact's record it must be traceable to.

        Returns:
            A new :class:`CallSummary`; ``check.dropped`` lists what was removed.
        """
        evidence = RecordEvidence(record)
        locale = _locale(record.contact.locale)
        dropped: list[DroppedNote] = []
        checked = 0

        def ok(field: str, text: str) -> bool:
            nonlocal checked
            checked += 1
            why = self.problem(text, evidence, locale)
            if why is not None:
                dropped.append(DroppedNote(field=field, reason=why))
            return why is None

        def keep(field: str, notes: Iterable[Note]) -> list[Any]:
            return [n for i, n in enumerate(notes) if ok(f"{field}[{i}]", n.text)]

        bullets = [b for i, b in enumerate(summary.bullets) if ok(f"bullets[{i}]", b)]
        reason = summary.reason if summary.reason and ok("reason", summary.reason.text) else None
        outcome = summary.outcome
        if not ok("outcome", outcome.text):
            outcome = Note(text=summary.status, sources=outcome.sources)
        handover = summary.handover
        if handover is not None and not ok("handover", handover.text):
            handover = handover.model_copy(update={"text": handover.reason, "detail": None})
        cleaned = summary.model_copy(
            update={
                "bullets": bullets,
                "reason": reason,
                "customer_asked": keep("customer_asked", summary.customer_asked),
                "tools": keep("tools", summary.tools),
                "outcome": outcome,
                "handover": handover,
                "follow_ups": keep("follow_ups", summary.follow_ups),
                "check": SummaryCheck(
                    checked=checked,
                    dropped=dropped,
                    validator=str(getattr(self.validator, "name", type(self.validator).__name__)),
                ),
            }
        )
        return cleaned


def _locale(value: Any) -> Locale:
    try:
        return Locale(str(value))
    except ValueError:
        return Locale.EN_GB
