"""Typed ``Contact.state``: what is kept about a contact between turns.

Parts and their owners:

* ``dialogue``: the brain's own state (slots, pending question...). Opaque
  here: the local brain and the LLM brains keep different shapes.
* ``attributes``: the contact attributes of :mod:`switchboard.domain.attributes`
  (Amazon Connect / Lex V2 use a flat ``str → str`` map), written by the turn
  loop, the sentiment stage and the routing desk.
* ``agent``: the turn loop's counters (turns, tools used, failures...).
* ``sentiment``: the live sentiment stage's readings (seed 3).
* ``routing``: where the routing desk placed the contact.
* ``summary``: the post-call summary (seed 3).

Stored JSON keeps the shape of older rows: attribute names are Connect's
(``RealTimeSentiment``...), parts never set are left out, and keys this model
does not know are kept (``extra="allow"``). A part that no longer validates
is moved to ``legacy`` rather than failing the load.

For code written before the typed parts, ``state.get("agent")`` and
``state["attributes"]`` still answer, with a plain dict *copy* of the part
(``dialogue`` is the live dict); write back with ``state["agent"] = ...``
or use the typed attributes (``state.agent.turns``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    ValidationError,
    model_serializer,
    model_validator,
)

from switchboard.domain.attributes import (
    ATTR_CONVERSATION_SUMMARY,
    ATTR_CUSTOMER_PHONE,
    ATTR_EWT,
    ATTR_HANDOVER,
    ATTR_HANDOVER_REASON,
    ATTR_PRIORITY,
    ATTR_QUEUE_POSITION,
    ATTR_SENTIMENT,
    ATTR_TARGET_QUEUE,
)
from switchboard.domain.summary import CallSummary
from switchboard.domain.types import ConversationSummary, HandoverReason


class _Part(BaseModel):
    """A typed part: unknown keys are kept as they are."""

    model_config = ConfigDict(extra="allow")


def _without_none(value: Any) -> Any:
    """``value`` with ``None`` members of objects left out, recursively (unset = not stored)."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


class ContactAttributes(_Part):
    """The contact attributes (flat ``str → str``; names in ``domain/attributes.py``).

    Known names are typed fields (Python names, Connect names as aliases);
    any other attribute a flow sets is kept as an extra ``str`` value.
    """

    model_config = ConfigDict(
        extra="allow",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    handover: str | None = Field(default=None, alias=ATTR_HANDOVER)
    handover_reason: str | None = Field(default=None, alias=ATTR_HANDOVER_REASON)
    conversation_summary: str | None = Field(default=None, alias=ATTR_CONVERSATION_SUMMARY)
    target_queue: str | None = Field(default=None, alias=ATTR_TARGET_QUEUE)
    routing_priority: str | None = Field(default=None, alias=ATTR_PRIORITY)
    real_time_sentiment: str | None = Field(default=None, alias=ATTR_SENTIMENT)
    customer_phone: str | None = Field(default=None, alias=ATTR_CUSTOMER_PHONE)
    queue_position: str | None = Field(default=None, alias=ATTR_QUEUE_POSITION)
    estimated_wait_time: str | None = Field(default=None, alias=ATTR_EWT)

    def as_map(self) -> dict[str, str]:
        """The attributes as Connect / Lex see them (``str → str``, unset ones left out)."""
        return {str(k): str(v) for k, v in self.model_dump().items() if v is not None}

    def merged(self, update: Mapping[str, str]) -> ContactAttributes:
        """A copy with ``update`` (attribute name → value) applied over these attributes."""
        return ContactAttributes.model_validate({**self.as_map(), **update})

    @property
    def handover_reason_enum(self) -> HandoverReason | None:
        """``handover_reason`` as a :class:`HandoverReason` (None when unset or unknown)."""
        try:
            return HandoverReason(self.handover_reason) if self.handover_reason else None
        except ValueError:
            return None

    @property
    def priority(self) -> int | None:
        """``routing_priority`` as an int (1 highest .. 10), None when unset or malformed."""
        try:
            return int(self.routing_priority) if self.routing_priority else None
        except ValueError:
            return None

    @property
    def summary(self) -> ConversationSummary | None:
        """The handover summary carried in ``conversation_summary`` (None if absent or bad)."""
        if not self.conversation_summary:
            return None
        try:
            return ConversationSummary.model_validate(json.loads(self.conversation_summary))
        except (ValueError, ValidationError):
            return None


class AgentHandover(_Part):
    """The handover the turn loop decided (``reason`` a :class:`HandoverReason` value)."""

    reason: str = HandoverReason.CUSTOMER_FRUSTRATION.value


class AgentCounters(_Part):
    """The turn loop's per-contact counters."""

    turns: int = 0
    tools_used: list[str] = Field(default_factory=list)
    tool_failures: int = 0
    intents: list[str] = Field(default_factory=list)
    handover: AgentHandover | None = None


class SentimentReading(_Part):
    """One scored customer segment (``compound`` in [-1, 1], ``anger`` ≥ 0, ``at`` ISO 8601)."""

    segment_id: str | None = None
    turn: int | None = None
    label: str | None = None
    compound: float = 0.0
    anger: float = 0.0
    cues: list[str] = Field(default_factory=list)
    at: str | None = None


class SentimentState(_Part):
    """The live sentiment stage's record of a contact (seed 3 real-time path).

    ``label`` is the contact's ``RealTimeSentiment``; ``rolling`` the EMA of the
    segments' compound scores.
    """

    history: list[SentimentReading] = Field(default_factory=list)
    rolling: float = 0.0
    rolling_label: str | None = None
    label: str | None = None
    escalated: bool = False
    escalation_reason: str | None = None
    escalated_segment: str | None = None


class RoutingState(_Part):
    """Where the routing desk placed the contact (``ewt_minutes`` whole minutes)."""

    queue: str | None = None
    priority: int | None = None
    position: int | None = None
    ewt_minutes: int | None = None
    callback_id: str | None = None


class ContactState(_Part):
    """Everything kept about a contact between turns (see the module docstring)."""

    dialogue: dict[str, Any] = Field(default_factory=dict)
    attributes: ContactAttributes = Field(default_factory=ContactAttributes)
    agent: AgentCounters = Field(default_factory=AgentCounters)
    sentiment: SentimentState | None = None
    routing: RoutingState | None = None
    summary: CallSummary | None = None
    legacy: dict[str, Any] = Field(default_factory=dict)
    """Stored parts that no longer validate, kept as they were (never dropped)."""

    TYPED_PARTS: ClassVar[tuple[str, ...]] = (
        "attributes",
        "agent",
        "sentiment",
        "routing",
        "summary",
    )

    @model_serializer(mode="wrap")
    def _stored_form(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, Any]:
        """The stored JSON: unset fields of the typed parts and empty parts left out.

        A new contact's state is ``{}`` as before; ``dialogue``, ``summary`` and
        unknown keys are stored exactly as they are.
        """
        dumped: dict[str, Any] = handler(self)
        for name in ("attributes", "agent", "sentiment", "routing"):
            part = getattr(self, name)
            if part is not None:
                dumped[name] = part.model_dump(mode=info.mode, exclude_none=True)
        extras = self.__pydantic_extra__ or {}
        return {k: v for k, v in dumped.items() if k in extras or not _empty_part(k, v)}

    @model_validator(mode="wrap")
    @classmethod
    def _tolerate_old_parts(cls, value: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        """Move a stored part that fails its model into ``legacy`` (old rows load).

        Only whole-state validation (a stored row) is tolerant: assigning a bad
        part to a live state still raises.
        """
        try:
            return handler(value)
        except ValidationError as exc:
            if not isinstance(value, Mapping):
                raise
            bad = {
                str(err["loc"][0])
                for err in exc.errors()
                if err["loc"] and err["loc"][0] in cls.TYPED_PARTS
            }
            if not bad:
                raise
            fields = dict(value)
            legacy = dict(fields.get("legacy") or {})
            for name in bad:
                legacy[name] = fields.pop(name)
            fields["legacy"] = legacy
            return handler(fields)

    def is_empty(self) -> bool:
        """True for a new contact: nothing has been stored yet."""
        return (
            not self.dialogue
            and not self.attributes.as_map()
            and self.agent == AgentCounters()
            and self.sentiment is None
            and self.routing is None
            and self.summary is None
            and not self.legacy
            and not self.__pydantic_extra__
        )

    # -- the mapping view older code uses ----------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        """``state[key]`` or ``default`` (typed parts as plain dict copies).

        Prefer the typed attributes (``state.agent.turns``) in new code.
        """
        try:
            return self[key]
        except KeyError:
            return default

    def __getitem__(self, key: str) -> Any:
        """A part by name: ``dialogue`` live, typed parts as dict copies, extras as stored.

        Raises:
            KeyError: the part is unset (None or an unknown key).
        """
        if key == "dialogue":
            return self.dialogue
        if key in self.TYPED_PARTS or key == "legacy":
            part = getattr(self, key)
            if part is None:
                raise KeyError(key)
            if isinstance(part, ContactAttributes):
                return part.as_map()
            if isinstance(part, CallSummary):
                return part.model_dump(mode="json")
            return _without_none(part.model_dump()) if isinstance(part, BaseModel) else dict(part)
        extra = self.__pydantic_extra__ or {}
        if key in extra:
            return extra[key]
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        """Replace a part, validated: a dict becomes the typed part.

        Raises:
            pydantic.ValidationError: ``value`` does not fit the part.
        """
        adapter = _PART_ADAPTERS.get(key)
        setattr(self, key, adapter.validate_python(value) if adapter is not None else value)

    def __contains__(self, key: object) -> bool:
        """True when ``key`` names a part that is set."""
        return isinstance(key, str) and self.get(key) is not None


_EMPTY_AGENT = _without_none(AgentCounters().model_dump())


def _empty_part(name: str, dumped: Any) -> bool:
    """True when a dumped part says nothing (it is not stored)."""
    if name in ("dialogue", "attributes", "legacy"):
        return not dumped
    if name == "agent":
        return bool(dumped == _EMPTY_AGENT)
    return dumped is None


_PART_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "dialogue": TypeAdapter(dict[str, Any]),
    "attributes": TypeAdapter(ContactAttributes),
    "agent": TypeAdapter(AgentCounters),
    "sentiment": TypeAdapter(SentimentState | None),
    "routing": TypeAdapter(RoutingState | None),
    "summary": TypeAdapter(CallSummary | None),
}
