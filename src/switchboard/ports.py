"""Ports: the Protocols the core depends on. Adapters implement them.

The core (``agent/``) imports only these and ``domain``; vendors live in
adapters behind them (habit 2 in DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from switchboard.domain.types import (
    Action,
    Contact,
    Event,
    HallucinationLog,
    HandoverReason,
    Locale,
    Message,
    Route,
    ToolCall,
    ToolResult,
    ToolSpec,
    ValidationResult,
)


class RouteDecision(BaseModel):
    """The router's reading of one utterance.

    ``intent`` is the fine-grained intent (a BANKING77/CLINC150/NLU++/own label);
    ``route_scores`` sums intent probabilities per route (DESIGN.md router note);
    ``out_of_scope`` is True when calibrated rejection fired.
    """

    route: Route
    intent: str
    confidence: float
    route_scores: dict[str, float] = Field(default_factory=dict)
    top_intents: list[tuple[str, float]] = Field(default_factory=list)
    out_of_scope: bool = False
    #: Catalog fields the question asks for ("fees", "hours_day", "documents_required"...;
    #: see ``brains.local.catalog_facts``); empty when unknown (answer the overview).
    fields: list[str] = Field(default_factory=list)
    #: Tool arguments and details read from the question or the dialogue
    #: (``card_type``, ``account_type``, ``channel``, ``location``, ``day``, ``feature``).
    entities: dict[str, str] = Field(default_factory=dict)
    #: One decision per question of a multi-question message, in order (else empty).
    parts: list[RouteDecision] = Field(default_factory=list)
    #: The words of this part (set on ``parts`` items only).
    text: str = ""
    #: Cosine of the closest catalog fact (0.0 when answerability was not computed).
    answerability: float = 0.0


class BrainTurn(BaseModel):
    """Everything a brain sees for one step of one turn.

    ``tool_results`` holds the results of earlier rounds of this same turn
    (empty on the first round). ``strict`` is set when the turn loop asks for a
    regeneration after a medium-severity validation finding (seed 2
    "Hallucination Response Strategy"); ``validation_feedback`` then says what
    was wrong.
    """

    contact: Contact
    user_text: str
    history: list[Message] = Field(default_factory=list)
    system_prompt: str = ""
    tools: list[ToolSpec] = Field(default_factory=list)
    tool_results: list[ToolResult] = Field(default_factory=list)
    round: int = 0
    strict: bool = False
    validation_feedback: list[str] = Field(default_factory=list)
    #: The router's reading of ``user_text`` (the turn loop classifies once per turn).
    nlu: RouteDecision | None = None


class BrainStep(BaseModel):
    """A brain's answer to one step: tool calls to run, or the reply text.

    ``stop_reason`` mirrors Bedrock Converse: ``tool_use`` when ``tool_calls``
    is non-empty, else ``end_turn``. ``state`` replaces the contact's dialogue
    state when not None. ``handover_reason`` set means the brain wants a human.
    """

    text: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    route: Route | None = None
    action: Action | None = None
    intent: str | None = None
    confidence: float | None = None
    handover_reason: HandoverReason | None = None
    state: dict[str, Any] | None = None
    stop_reason: str = "end_turn"
    #: The reply for voice channels (at most two sentences, lists summarised);
    #: None means speak ``text``.
    spoken_text: str | None = None


@runtime_checkable
class Brain(Protocol):
    """Decides tool calls and writes the reply (local, Bedrock, OpenAI-compatible...)."""

    name: str

    async def step(self, turn: BrainTurn) -> BrainStep:
        """Return the next step for ``turn``.

        Raises:
            switchboard.errors.BrainError: when no step can be produced.
        """
        ...


@runtime_checkable
class ToolHost(Protocol):
    """Runs banking tools (the MCP client side)."""

    async def list_tools(self, locale: Locale) -> list[ToolSpec]:
        """Return the tool specs offered for ``locale``."""
        ...

    async def call(self, call: ToolCall, locale: Locale) -> ToolResult:
        """Run one tool call; failures come back as ``ToolResult.error``, never raised."""
        ...

    async def aclose(self) -> None:
        """Release clients and sessions."""
        ...


@runtime_checkable
class IntentRouter(Protocol):
    """Classifies an utterance into an intent and a route."""

    def classify(self, text: str) -> RouteDecision:
        """Classify one utterance (any length; empty text is out of scope)."""
        ...


@runtime_checkable
class ContextualRouter(Protocol):
    """A router that also reads the contact's context (locale, dialogue state).

    ``context`` keys: ``locale`` (a :class:`Locale` value) and ``dialogue`` (the
    brain's ``Contact.state["dialogue"]`` dict, possibly empty). The turn loop
    calls this instead of ``classify`` when the router has it.
    """

    def classify_in_context(self, text: str, context: dict[str, Any]) -> RouteDecision:
        """Classify one utterance in its contact's context."""
        ...


@runtime_checkable
class Validator(Protocol):
    """Judges a reply against the tool results of its turn (seed 2 §3)."""

    def validate(
        self,
        user_query: str,
        tool_results: Sequence[ToolResult],
        reply_text: str,
        locale: Locale,
    ) -> ValidationResult:
        """Return findings for every claim not supported by ``tool_results``."""
        ...


@runtime_checkable
class Store(Protocol):
    """Persistence of contacts, messages, events and hallucination logs."""

    def create_contact(self, contact: Contact) -> Contact:
        """Insert a new contact and return it."""
        ...

    def get_contact(self, contact_id: str) -> Contact:
        """Return a contact. Raises UnknownContactError when absent."""
        ...

    def update_contact(self, contact: Contact) -> None:
        """Persist status, state and end time of an existing contact."""
        ...

    def add_message(self, contact_id: str, message: Message) -> None:
        """Append one message to the contact's transcript."""
        ...

    def recent_messages(self, contact_id: str, limit: int) -> list[Message]:
        """Return the last ``limit`` messages, oldest first."""
        ...

    def add_event(self, event: Event) -> None:
        """Store one event."""
        ...

    def events(self, contact_id: str) -> list[Event]:
        """Return the contact's events in order."""
        ...

    def add_hallucination_log(self, log: HallucinationLog) -> None:
        """Store one hallucination-log row."""
        ...

    def hallucination_logs(self, session_id: str | None = None) -> list[HallucinationLog]:
        """Return hallucination-log rows, optionally for one contact."""
        ...


@runtime_checkable
class EventSink(Protocol):
    """Receives every event of every contact (audit log, store, metrics)."""

    def emit(self, event: Event) -> None:
        """Record one event; must not raise on the conversation path."""
        ...
