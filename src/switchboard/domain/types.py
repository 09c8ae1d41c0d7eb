"""Pure domain types shared by every room (no I/O, no vendor imports).

The names follow the contact-center field: a *contact* is one customer
conversation on one channel; a *turn* is one customer utterance and the
agent's reply; a *handover* passes the contact to a human agent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

if TYPE_CHECKING:
    from switchboard.domain.events import EventPayload


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def new_id() -> str:
    """Return a new random identifier (UUID4 hex string with dashes)."""
    return str(uuid.uuid4())


class Locale(StrEnum):
    """Supported locales (seed 1 §2 "Localization & Region Awareness")."""

    EN_GB = "en_GB"
    EN_US = "en_US"
    FR_FR = "fr_FR"


class Channel(StrEnum):
    """How the customer reached us."""

    CHAT = "chat"
    VOICE = "voice"
    API = "api"
    CLI = "cli"


class Source(StrEnum):
    """Who produced an event or message (habit 1 in DESIGN.md)."""

    CUSTOMER = "CUSTOMER"
    AI_AGENT = "AI_AGENT"
    HUMAN_AGENT = "HUMAN_AGENT"
    SYSTEM = "SYSTEM"


class Role(StrEnum):
    """Conversation-history role (seed 2 "Conversation History Model")."""

    USER = "user"
    ASSISTANT = "assistant"


class Route(StrEnum):
    """Where a customer utterance belongs (shared/data README "Route names")."""

    ACCOUNT_OPENING = "account_opening"
    CARD_INFO = "card_info"
    BRANCH = "branch"
    SMALLTALK = "smalltalk"
    HANDOVER = "handover"
    OUT_OF_SCOPE = "out_of_scope"


#: Routes answered from the banking tools.
TOOL_ROUTES = frozenset({Route.ACCOUNT_OPENING, Route.CARD_INFO, Route.BRANCH})


class Action(StrEnum):
    """What the agent did with the turn."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    HANDOVER = "handover"
    DECLINE = "decline"


class HandoverReason(StrEnum):
    """Handover triggers (seed 2 "Agent Handover Design" / "Handover Messages")."""

    EXPLICIT_REQUEST = "explicit_request"
    CUSTOMER_FRUSTRATION = "customer_frustration"
    REPEATED_QUERY = "repeated_query"
    CAPABILITY_LIMITATION = "capability_limitation"
    TECHNICAL_ISSUES = "technical_issues"
    COMPLEX_SCENARIO = "complex_scenario"
    SENSITIVE_TOPIC = "sensitive_topic"
    VALIDATION_FAILURE = "validation_failure"


class Severity(StrEnum):
    """Hallucination severity (seed 2 §3 "Hallucination Response Strategy")."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


class HallucinationType(StrEnum):
    """Kinds of validation finding (seed 2 "Hallucination Log Model")."""

    FABRICATED_DATA = "fabricated_data"
    OFF_TOPIC = "off_topic"
    INCORRECT_DOCUMENTS = "incorrect_documents"
    INCORRECT_BRANCH = "incorrect_branch"


class ValidationAction(StrEnum):
    """What the turn loop did about a finding (seed 2 ``action_taken``)."""

    NONE = "none"
    LOGGED = "logged"
    REGENERATED = "regenerated"
    FALLBACK = "fallback"


class Message(BaseModel):
    """One message of the conversation history."""

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str
    timestamp: datetime = Field(default_factory=utcnow)
    route: Route | None = None
    intent: str | None = None


class ToolSpec(BaseModel):
    """A tool as a brain sees it (maps 1:1 to Bedrock ``toolSpec``)."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    input_schema: dict[str, Any]


class ToolCall(BaseModel):
    """A brain's request to run one tool."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=new_id)
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class ToolErrorInfo(BaseModel):
    """A structured tool error the brain can act on.

    ``code`` is one of: ``invalid_argument``, ``not_found``, ``unknown_tool``,
    ``timeout``, ``unavailable``, ``internal``. ``field`` names the argument
    at fault; ``allowed`` lists acceptable values where there is a closed set.
    """

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    field: str | None = None
    allowed: list[str] | None = None


class ToolResult(BaseModel):
    """The outcome of one tool call: output on success, error otherwise."""

    model_config = ConfigDict(frozen=True)

    call_id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    output: dict[str, Any] | None = None
    error: ToolErrorInfo | None = None
    latency_ms: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the tool returned output and no error."""
        return self.error is None and self.output is not None


class Finding(BaseModel):
    """One validation finding: a claim in the reply the tool data does not support."""

    model_config = ConfigDict(frozen=True)

    type: HallucinationType
    severity: Severity
    claim: str
    detail: str
    check: str


class ValidationResult(BaseModel):
    """The validation agent's verdict on one reply (seed 2 ``validation_check`` event)."""

    model_config = ConfigDict(frozen=True)

    passed: bool
    findings: list[Finding] = Field(default_factory=list)
    severity: Severity | None = None
    checks_performed: list[str] = Field(default_factory=list)
    confidence_score: float = 1.0
    action_taken: ValidationAction = ValidationAction.NONE

    @property
    def hallucination_detected(self) -> bool:
        """True when at least one finding was raised."""
        return bool(self.findings)


class ConversationSummary(BaseModel):
    """Context for the human who takes over (seed 2 "Handover Execution")."""

    model_config = ConfigDict(frozen=True)

    customer_query: str
    conversation_turns: int
    topics_discussed: list[str]
    information_collected: dict[str, str]
    handover_reason: HandoverReason
    timestamp: datetime = Field(default_factory=utcnow)


class Handover(BaseModel):
    """A decision to pass the contact to a human agent."""

    model_config = ConfigDict(frozen=True)

    reason: HandoverReason
    message: str
    summary: ConversationSummary


class AgentReply(BaseModel):
    """The result of one turn, as every channel adapter receives it."""

    contact_id: str
    text: str
    route: Route
    action: Action
    intent: str | None = None
    confidence: float | None = None
    tools: list[ToolResult] = Field(default_factory=list)
    validation: ValidationResult | None = None
    handover: Handover | None = None
    latency_ms: float = 0.0
    turn_index: int = 0
    #: The reply in spoken form for voice channels (at most two sentences, a long list
    #: summarised, then an offer to text it), validated like ``text``; None → speak ``text``.
    spoken_text: str | None = None


class EventType(StrEnum):
    """Seed 2 "Log Event Types", plus the reply the customer saw."""

    CONVERSATION_START = "conversation_start"
    USER_INPUT = "user_input"
    GUARDRAIL = "guardrail"
    BRAIN_INVOCATION = "brain_invocation"
    BRAIN_RESPONSE = "brain_response"
    TOOL_INVOCATION = "tool_invocation"
    VALIDATION_CHECK = "validation_check"
    HANDOVER_DECISION = "handover_decision"
    AGENT_REPLY = "agent_reply"
    CONVERSATION_END = "conversation_end"
    ERROR = "error"
    QUEUED = "queued"
    """The contact joined a human-agent queue (routing)."""
    AGENT_CONNECTED = "agent_connected"
    """A human agent took the contact (routing)."""
    CALLBACK_BOOKED = "callback_booked"
    """The customer asked to be called back (routing; number masked in the event)."""
    DISPOSITION = "disposition"
    """The human agent closed the contact with a disposition code."""
    #: A final customer segment scored by the live sentiment monitor (seed 3 real-time path):
    #: data {segment_id, turn, label, compound, anger, rolling, escalated, escalation}.
    SENTIMENT = "sentiment"
    BARGE_IN = "barge_in"
    """Voice: the caller spoke over a reply; data holds the text actually heard."""
    ACCESS_DENIED = "access_denied"
    """A request or socket was refused (401/403, issue 13); chained under ``security``."""
    FOLLOW_UP = "follow_up"
    """Voice: the caller accepted an offer to receive the full details after the call."""
    RECORDING = "recording"
    """Voice: a call leg's recording was stored (encrypted); data links the stored object."""


class Event(BaseModel):
    """One event of a contact; the audit log, metrics, supervisor and summaries read these.

    ``data`` is seed 2's flat JSON object ("Log Event Types"), stored and
    hashed exactly as written. Its fields are typed per kind in
    :mod:`switchboard.domain.events`:

    * ``Event(...)`` or ``Event.model_validate(...)`` (a writer building an
      event) checks ``data`` strictly against the kind's model: an unknown
      field or a wrong type raises :class:`pydantic.ValidationError` naming
      the field.
    * :meth:`from_stored` (or validation with the :data:`STORED` context: a
      store or archive loading a row) does not: rows written by older code
      load as they are.
    * :attr:`payload` is the typed ``data`` for readers (tolerant: legacy field
      names mapped, unknown fields ignored).
    """

    model_config = ConfigDict(frozen=True)

    event_id: str = Field(default_factory=new_id)
    contact_id: str
    type: EventType
    source: Source
    timestamp: datetime = Field(default_factory=utcnow)
    data: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_data(self, info: ValidationInfo) -> Event:
        """Writers' ``data`` must match the kind's model (skipped for stored rows)."""
        if not (info.context and info.context.get(_STORED_ROW)):
            from switchboard.domain.events import check_payload

            check_payload(self.type, self.data)
        return self

    @classmethod
    def from_stored(cls, fields: Mapping[str, Any]) -> Event:
        """Load an event as stored or archived (``data`` not checked; see :attr:`payload`).

        Raises:
            pydantic.ValidationError: the envelope is invalid (e.g. an unknown ``type``).
        """
        return cls.model_validate(dict(fields), context=STORED)

    @property
    def payload(self) -> EventPayload:
        """The typed ``data`` (one model per kind; see :mod:`switchboard.domain.events`)."""
        from switchboard.domain.events import read_payload

        return read_payload(self.type, self.data)

    @classmethod
    def of(
        cls,
        contact_id: str,
        source: Source,
        payload: EventPayload,
        **envelope: Any,
    ) -> Event:
        """Build an event from a typed payload (its kind comes from the payload).

        Args:
            contact_id: the contact.
            source: who produced it.
            payload: one of the models of :mod:`switchboard.domain.events`.
            envelope: optional ``event_id`` / ``timestamp``.
        """
        return cls(
            contact_id=contact_id,
            type=payload.type,
            source=source,
            data=payload.fields(),
            **envelope,
        )


_STORED_ROW = "switchboard.stored_row"

STORED: dict[str, Any] = {_STORED_ROW: True}
"""Validation context for loading stored rows: ``Event`` skips the strict ``data`` check."""


class ContactStatus(StrEnum):
    """Lifecycle of a contact (seed 2 ``resolution_status``)."""

    ACTIVE = "active"
    RESOLVED = "resolved"
    TRANSFERRED = "transferred"
    ABANDONED = "abandoned"


class Contact(BaseModel):
    """A contact and its state as stored between turns.

    ``state`` is a :class:`~switchboard.domain.state.ContactState` (a dict
    given here is validated into one; old stored state loads).
    """

    model_config = ConfigDict(validate_assignment=True)

    contact_id: str = Field(default_factory=new_id)
    channel: Channel = Channel.CHAT
    locale: Locale = Locale.EN_GB
    status: ContactStatus = ContactStatus.ACTIVE
    created_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    customer_endpoint: str | None = None
    #: Dialogue (the brain's own), attributes, the loop's counters, sentiment, routing, summary.
    state: ContactState = Field(default_factory=lambda: ContactState())


class HallucinationLog(BaseModel):
    """A row of the hallucination log (seed 2 "Hallucination Log Model"; ttl 90 days)."""

    log_id: str = Field(default_factory=new_id)
    timestamp: datetime = Field(default_factory=utcnow)
    user_query: str
    tool_name: str
    tool_results: dict[str, Any]
    model_response: str
    hallucination_type: HallucinationType
    severity: Severity
    validation_details: dict[str, Any]
    action_taken: ValidationAction
    session_id: str
    ttl: int = Field(description="epoch seconds after which the row expires")


# Last, so that domain/state.py (which imports this module) finds every name above.
from switchboard.domain.state import ContactState  # noqa: E402

Contact.model_rebuild()
