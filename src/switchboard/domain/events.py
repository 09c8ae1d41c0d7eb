"""Typed contact events: one pydantic model per :class:`EventType`.

An :class:`~switchboard.domain.types.Event` keeps seed 2's JSON form: an
envelope (``event_id``, ``contact_id``, ``type``, ``source``, ``timestamp``)
and a flat ``data`` object (seed 2 "Log Event Types"). This module says what
``data`` may hold for each kind: :data:`EventPayload` is a discriminated union
on ``type`` (the event kind) of one frozen model per kind, each with
``extra="forbid"``.

Two ways in, two strictnesses:

* **Writers** build events with ``Event(type=..., source=..., data=...)``;
  the constructor checks ``data`` with :func:`check_payload` (strict: an
  unknown field name or a value of the wrong type raises at once, so a writer
  whose field names drift from the readers' fails its tests).
* **Readers** use ``event.payload`` (:func:`read_payload`): tolerant, so rows
  written before a field was renamed or removed still load. Unknown fields
  are ignored (they stay in ``event.data`` untouched), a value that no longer
  validates is dropped (the field takes its default), and the field names
  older writers used are mapped to today's (:data:`LEGACY_NAMES`).

``event.data`` is never rewritten by either path, so the audit hash chain
(``audit/chain.py`` hashes the canonical JSON of ``data``) verifies for rows
written before and after typed events alike.

This is the only module that reads ``data`` by field name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from switchboard.domain.types import (
    Action,
    ConversationSummary,
    EventType,
    Finding,
    HandoverReason,
    Route,
    Severity,
    ToolErrorInfo,
    ValidationAction,
)


class _Data(BaseModel):
    """Base of every event payload: frozen, unknown fields forbidden."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def fields(self) -> dict[str, Any]:
        """The payload as the ``data`` object a writer would store (unset fields left out)."""
        return self.model_dump(exclude={"type"}, exclude_unset=True)


class ConversationStartData(_Data):
    """Seed 2 event 1 ``conversation_start``."""

    type: Literal[EventType.CONVERSATION_START] = EventType.CONVERSATION_START
    channel: str | None = None
    locale: str | None = None
    customer_phone: str | None = None
    queue_id: str | None = None
    brain: str | None = None


class UserInputData(_Data):
    """Seed 2 event 2 ``user_input``: one customer message or final transcript.

    ``to`` is ``"human_agent"`` for a message typed after the handover.
    """

    type: Literal[EventType.USER_INPUT] = EventType.USER_INPUT
    transcript: str = ""
    input_mode: str | None = None
    confidence: float | None = None
    channel: str | None = None
    turn: int | None = None
    to: str | None = None


class GuardrailData(_Data):
    """The input guardrail blocked the message (``category`` of the rule)."""

    type: Literal[EventType.GUARDRAIL] = EventType.GUARDRAIL
    category: str = "unknown"


class BrainInvocationData(_Data):
    """Seed 2 event 3 (``bedrock_invocation``), for any brain."""

    type: Literal[EventType.BRAIN_INVOCATION] = EventType.BRAIN_INVOCATION
    brain: str | None = None
    model_id: str | None = None
    round: int = 0
    strict: bool = False
    conversation_history_length: int = 0
    tools_available: list[str] = Field(default_factory=list)


class ToolCallData(BaseModel):
    """One tool call a brain asked for (seed 2 ``bedrock_response.tool_calls``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tool_name: str
    tool_input: dict[str, Any] = Field(default_factory=dict)


class BrainResponseData(_Data):
    """Seed 2 event 4 (``bedrock_response``), for any brain; ``latency_ms`` in ms."""

    type: Literal[EventType.BRAIN_RESPONSE] = EventType.BRAIN_RESPONSE
    stop_reason: str | None = None
    tool_calls: list[ToolCallData] = Field(default_factory=list)
    response_text: str | None = None
    route: Route | None = None
    action: Action | None = None
    latency_ms: float | None = None


class ToolInvocationData(_Data):
    """Seed 2 event 5 ``tool_invocation``; ``error`` set when the tool failed."""

    type: Literal[EventType.TOOL_INVOCATION] = EventType.TOOL_INVOCATION
    tool_name: str = ""
    tool_input: dict[str, Any] = Field(default_factory=dict)
    tool_output: dict[str, Any] | None = None
    error: ToolErrorInfo | None = None
    latency_ms: float | None = None
    brain: str | None = None

    @property
    def ok(self) -> bool:
        """True when the tool returned output and no error."""
        return self.error is None and self.tool_output is not None


class ValidationCheckData(_Data):
    """Seed 2 event 6 ``validation_check``: the validation agent's verdict on a reply."""

    type: Literal[EventType.VALIDATION_CHECK] = EventType.VALIDATION_CHECK
    validation_passed: bool = False
    hallucination_detected: bool = False
    confidence_score: float | None = None
    checks_performed: list[str] = Field(default_factory=list)
    severity: Severity | None = None
    action_taken: ValidationAction | None = None
    findings: list[Finding] = Field(default_factory=list)
    brain: str | None = None


class HandoverDecisionData(_Data):
    """Seed 2 event 7 ``handover_decision``.

    ``reason`` is a :class:`HandoverReason` value, kept as a string so a row
    with a reason retired since still loads (:attr:`handover_reason` parses it).
    """

    type: Literal[EventType.HANDOVER_DECISION] = EventType.HANDOVER_DECISION
    handover_triggered: bool = True
    reason: str = ""
    detail: str | None = None
    conversation_turns: int | None = None
    tools_used: list[str] = Field(default_factory=list)
    conversation_summary: ConversationSummary | None = None
    sentiment: str | None = None
    brain: str | None = None

    @property
    def handover_reason(self) -> HandoverReason | None:
        """``reason`` as a :class:`HandoverReason`, or None when it is not one."""
        try:
            return HandoverReason(self.reason)
        except ValueError:
            return None


class AgentReplyData(_Data):
    """The reply the customer saw or heard (AI agent or, with ``agent``, a human).

    ``interrupted``: voice, the caller barged in; ``latency_ms`` in ms.
    """

    type: Literal[EventType.AGENT_REPLY] = EventType.AGENT_REPLY
    text: str = ""
    route: Route | None = None
    action: Action | None = None
    tools: list[str] = Field(default_factory=list)
    handover_reason: HandoverReason | None = None
    latency_ms: float | None = None
    turn: int | None = None
    interrupted: bool = False
    brain: str | None = None
    agent: str | None = None


class ConversationEndData(_Data):
    """Seed 2 event 8 ``conversation_end``; ``duration_seconds`` in s."""

    type: Literal[EventType.CONVERSATION_END] = EventType.CONVERSATION_END
    duration_seconds: float | None = None
    total_turns: int | None = None
    tools_used: list[str] = Field(default_factory=list)
    handover_occurred: bool = False
    resolution_status: str = ""


class ErrorData(_Data):
    """A stage failed (``brain``, ``validation``, ``nova_sonic``...); the customer was kept."""

    type: Literal[EventType.ERROR] = EventType.ERROR
    stage: str = ""
    error: str = ""


class QueuedData(_Data):
    """The contact joined a human-agent queue (``ewt_seconds`` in s, position 1-based)."""

    type: Literal[EventType.QUEUED] = EventType.QUEUED
    queue: str = ""
    priority: int | None = None
    position: int | None = None
    ewt_seconds: float | None = None


class AgentConnectedData(_Data):
    """A human agent took the contact after ``waited_seconds`` in the queue."""

    type: Literal[EventType.AGENT_CONNECTED] = EventType.AGENT_CONNECTED
    agent: str = ""
    queue: str | None = None
    waited_seconds: float | None = None


class CallbackBookedData(_Data):
    """A callback was booked; ``customer_phone`` is masked, ``due_at`` ISO 8601."""

    type: Literal[EventType.CALLBACK_BOOKED] = EventType.CALLBACK_BOOKED
    queue: str | None = None
    customer_phone: str | None = None
    due_at: str | None = None
    callback_id: str | None = None


class DispositionData(_Data):
    """The human agent closed the contact with a disposition code."""

    type: Literal[EventType.DISPOSITION] = EventType.DISPOSITION
    disposition: str = ""
    agent_id: str | None = None
    handle_seconds: float | None = None


class SentimentData(_Data):
    """A final customer segment scored by the live sentiment monitor (seed 3).

    ``compound`` and ``rolling`` in [-1, 1]; ``label`` the segment's
    POSITIVE/NEUTRAL/NEGATIVE; ``attribute`` the contact's ``RealTimeSentiment``;
    ``escalation`` True on the segment that escalated the contact.
    """

    type: Literal[EventType.SENTIMENT] = EventType.SENTIMENT
    segment_id: str | None = None
    turn: int | None = None
    label: str | None = None
    compound: float | None = None
    anger: float | None = None
    cues: list[str] = Field(default_factory=list)
    rolling: float | None = None
    attribute: str | None = None
    escalated: bool = False
    escalation: bool = False
    escalation_reason: str | None = None


class BargeInData(_Data):
    """Voice: the caller spoke over a reply; ``heard_text`` is what was played (ms times)."""

    type: Literal[EventType.BARGE_IN] = EventType.BARGE_IN
    reply_id: int | None = None
    reply_text: str = ""
    heard_text: str = ""
    interrupted: bool = True
    speech_start_ms: float | None = None
    clear_at_ms: float | None = None



class AccessDeniedData(_Data):
    """A refused request or socket: what was asked, by whom (role, subject), and why."""

    type: Literal[EventType.ACCESS_DENIED] = EventType.ACCESS_DENIED
    status: int = 403
    method: str = ""
    path: str = ""
    role: str = ""
    subject: str = ""
    client: str = ""
    reason: str = ""

class FollowUpData(_Data):
    """Voice: the caller accepted the offer to receive the full details (issue 12 item 4).

    ``topic``: what the details are about; ``channel``: ``sms`` (to the number the
    call came from) or ``email``; ``details``: the full chat text to send (tool data).
    """

    type: Literal[EventType.FOLLOW_UP] = EventType.FOLLOW_UP
    topic: str = ""
    channel: str = "sms"
    details: str = ""
    status: str = "pending"


class RecordingData(_Data):
    """Voice: one leg of a call recording was stored, encrypted (issue 12 item 6).

    ``leg``: ``caller``, ``bot`` or ``agent``; ``key``: the stored object's name
    under the recordings store; ``duration_ms`` in ms; ``sample_rate`` in Hz.
    """

    type: Literal[EventType.RECORDING] = EventType.RECORDING
    leg: str = ""
    key: str = ""
    duration_ms: float = 0.0
    sample_rate: int = 0
    bytes: int = 0


EventPayload = Annotated[
    ConversationStartData
    | UserInputData
    | GuardrailData
    | BrainInvocationData
    | BrainResponseData
    | ToolInvocationData
    | ValidationCheckData
    | HandoverDecisionData
    | AgentReplyData
    | ConversationEndData
    | ErrorData
    | QueuedData
    | AgentConnectedData
    | CallbackBookedData
    | DispositionData
    | SentimentData
    | BargeInData
    | AccessDeniedData
    | FollowUpData
    | RecordingData,
    Field(discriminator="type"),
]
"""The typed ``data`` of any event, discriminated by the event kind."""

PAYLOAD_ADAPTER: TypeAdapter[EventPayload] = TypeAdapter(EventPayload)

PAYLOAD_MODELS: dict[EventType, type[_Data]] = {
    model.model_fields["type"].default: model
    for model in (
        ConversationStartData,
        UserInputData,
        GuardrailData,
        BrainInvocationData,
        BrainResponseData,
        ToolInvocationData,
        ValidationCheckData,
        HandoverDecisionData,
        AgentReplyData,
        ConversationEndData,
        ErrorData,
        QueuedData,
        AgentConnectedData,
        CallbackBookedData,
        DispositionData,
        SentimentData,
        BargeInData,
        AccessDeniedData,
        FollowUpData,
        RecordingData,
    )
}
"""Event kind → its payload model (every :class:`EventType` has one)."""

LEGACY_NAMES: dict[EventType, dict[str, str]] = {
    # Nova Sonic and the routing desk wrote the customer's words as ``text``.
    EventType.USER_INPUT: {"text": "transcript"},
    # Nova Sonic wrote the verdict as ``passed``.
    EventType.VALIDATION_CHECK: {"passed": "validation_passed"},
    # Nova Sonic wrote the tool's arguments as ``arguments``.
    EventType.TOOL_INVOCATION: {"arguments": "tool_input"},
}
"""Field names older writers used, per kind: old name → today's name (reading only)."""

_MAX_REPAIRS = 32


class PayloadError(ValueError):
    """An event's ``data`` does not match its kind's model (raised for writers only)."""


def check_payload(kind: EventType, data: Mapping[str, Any]) -> EventPayload:
    """Validate a writer's ``data`` strictly against the model of ``kind``.

    Args:
        kind: the event kind.
        data: the fields as the writer passes them (Python values; enums allowed).

    Returns:
        The typed payload.

    Raises:
        PayloadError: an unknown field (e.g. a drifted name), or a value of the
            wrong type; the message names the kind and the fields at fault.
    """
    if "type" in data:
        raise PayloadError(f"{kind.value} event: 'type' is the event kind, not a data field")
    try:
        return PAYLOAD_ADAPTER.validate_python({**data, "type": kind})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'][1:]) or '?'}: {err['msg']}"
            for err in exc.errors()
        )
        raise PayloadError(f"{kind.value} event data: {problems}") from None


def read_payload(kind: EventType, data: Mapping[str, Any]) -> EventPayload:
    """Read a stored or received ``data`` object tolerantly; never raises.

    Legacy field names are renamed (:data:`LEGACY_NAMES`, the current name wins
    when both are present), unknown fields are ignored, and a field whose value
    does not validate is dropped so that it takes its default.

    Args:
        kind: the event kind.
        data: the ``data`` object as stored (JSON values) or as written.

    Returns:
        The typed payload (defaults where the row says nothing usable).
    """
    model = PAYLOAD_MODELS[kind]
    known = model.model_fields
    fields: dict[str, Any] = {}
    for name, value in data.items():
        current = LEGACY_NAMES.get(kind, {}).get(name, name)
        if current in known and current != "type" and (current == name or current not in data):
            fields[current] = value
    if kind is EventType.TOOL_INVOCATION:
        _legacy_tool_success(data, fields)
    for _ in range(_MAX_REPAIRS):
        try:
            return PAYLOAD_ADAPTER.validate_python({**fields, "type": kind})
        except ValidationError as exc:
            bad = {err["loc"][1] for err in exc.errors() if len(err["loc"]) > 1}
            if not bad & fields.keys():
                break
            for field in bad:
                fields.pop(str(field), None)
    return PAYLOAD_ADAPTER.validate_python({"type": kind})


def _legacy_tool_success(data: Mapping[str, Any], fields: dict[str, Any]) -> None:
    """Nova Sonic rows before typed events said ``success: true`` and stored no output.

    Such a call succeeded; its output was not recorded, so it reads as an
    empty ``tool_output`` (ok, nothing to quote) rather than as a failure.
    """
    if data.get("success") is True and fields.get("tool_output") is None:
        if not fields.get("error"):
            fields["tool_output"] = {}
