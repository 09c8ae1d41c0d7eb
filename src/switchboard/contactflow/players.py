"""Who plays what when a contact runs through a flow.

* the caller: :class:`Caller` — scripted text lines (said to the bot) and
  DTMF entries (pressed at ``GetParticipantInput``), plus the caller ID;
* the Lex bot: a :class:`BotPlayer`; :class:`AgentBot` is our
  :class:`~switchboard.agent.service.AgentService` closing with the
  ``TransferToAgent`` intent and the handover attributes of
  :func:`~switchboard.domain.attributes.handover_attributes`;
* the queues: a :class:`QueueBackend` — the routing engine
  (:class:`~switchboard.routing.engine.RoutingEngine` satisfies it as is);
* the Lambdas: a :class:`LambdaRegistry` of Python handlers by function name.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from switchboard.domain.attributes import ATTR_EWT, ATTR_QUEUE_POSITION, TRANSFER_INTENT
from switchboard.domain.types import Channel
from switchboard.errors import FlowRuntimeError, SwitchboardError

if TYPE_CHECKING:
    from switchboard.agent.service import AgentService
    from switchboard.routing.types import Callback, Placement

log = logging.getLogger("switchboard.contactflow")


@dataclass
class Caller:
    """The scripted customer.

    Attributes:
        say: utterances for the bot, in order (consumed one per bot turn).
        dtmf: key entries, in order; one per ``GetParticipantInput`` (a menu
            takes the first key, stored input takes the whole entry).
        phone: the caller ID (E.164), the default callback number.
        channel: ``voice`` or ``chat``.
    """

    say: list[str] = field(default_factory=list)
    dtmf: list[str] = field(default_factory=list)
    phone: str | None = None
    channel: Channel = Channel.VOICE

    def next_line(self) -> str | None:
        """The next utterance, or None when the caller has nothing more to say."""
        return self.say.pop(0) if self.say else None

    def next_keys(self) -> str | None:
        """The next DTMF entry, or None (the caller presses nothing: a timeout)."""
        return self.dtmf.pop(0) if self.dtmf else None


@dataclass
class LexOutcome:
    """What a bot conversation leaves for the flow (``$.Lex``).

    Attributes:
        intent: the last intent (``TransferToAgent`` on a handover).
        session_attributes: ``$.Lex.SessionAttributes`` (flat strings).
        transcript: ``(speaker, text)`` pairs, speaker ``customer`` or ``bot``.
        contact_id: the bot's contact id (the flow reuses it).
    """

    intent: str | None
    session_attributes: dict[str, str]
    transcript: list[tuple[str, str]]
    contact_id: str | None = None


class BotPlayer(Protocol):
    """Plays the Lex bot of ``ConnectParticipantWithLexBot``."""

    async def converse(
        self, prompt: str | None, caller: Caller, session_attributes: Mapping[str, str]
    ) -> LexOutcome | None:
        """Talk with the caller until the bot closes.

        Returns:
            The outcome, or None when the caller said nothing at all (the
            flow takes ``InputTimeLimitExceeded``).

        Raises:
            SwitchboardError: the bot failed (the flow takes ``NoMatchingError``).
        """
        ...


class AgentBot:
    """Our agent as the Lex bot: one contact, one ``handle_turn`` per caller line.

    The conversation ends when the agent hands over (intent ``TransferToAgent``,
    session attributes from ``handover_attributes``) or when the caller has
    nothing more to say (intent of the last turn, ``handover`` = ``false``).
    """

    def __init__(self, service: AgentService) -> None:
        self.service = service

    async def converse(
        self, prompt: str | None, caller: Caller, session_attributes: Mapping[str, str]
    ) -> LexOutcome | None:
        """Run the caller's lines through the agent (see :class:`BotPlayer`)."""
        from switchboard.domain.attributes import handover_attributes

        first = caller.next_line()
        if first is None:
            return None
        contact = await self.service.start_contact(
            channel=caller.channel, customer_endpoint=caller.phone
        )
        transcript: list[tuple[str, str]] = []
        if prompt:
            transcript.append(("bot", prompt))
        line: str | None = first
        intent: str | None = None
        while line is not None:
            transcript.append(("customer", line))
            reply = await self.service.handle_turn(contact.contact_id, line)
            transcript.append(("bot", reply.text))
            if reply.handover is not None:
                return LexOutcome(
                    intent=TRANSFER_INTENT,
                    session_attributes=handover_attributes(reply.handover),
                    transcript=transcript,
                    contact_id=contact.contact_id,
                )
            intent = reply.intent
            line = caller.next_line()
        await self.service.end_contact(contact.contact_id)
        return LexOutcome(
            intent=intent or "FallbackIntent",
            session_attributes=handover_attributes(None),
            transcript=transcript,
            contact_id=contact.contact_id,
        )


class QueueBackend(Protocol):
    """The queues a flow transfers to; :class:`~switchboard.routing.engine.RoutingEngine` fits."""

    def is_open(self, queue: str, at: datetime | None = None) -> bool:
        """True when ``queue`` is within its hours of operation at ``at``."""
        ...

    def enqueue(
        self,
        contact_id: str,
        queue: str,
        priority: int = 5,
        attributes: Mapping[str, str] | None = None,
        *,
        now: datetime | None = None,
        check_hours: bool = True,
    ) -> Placement:
        """Queue the contact; raises ``QueueFullError`` / ``QueueClosedError``."""
        ...

    def placement(self, contact_id: str, *, now: datetime | None = None) -> Placement | None:
        """Position and EWT of a waiting contact."""
        ...

    def book_callback(
        self,
        contact_id: str,
        phone: str,
        queue: str,
        due: datetime | None = None,
        *,
        attributes: Mapping[str, str] | None = None,
        priority: str = "NORMAL",
        now: datetime | None = None,
    ) -> Callback:
        """Persist a callback; due at the queue's next opening when closed."""
        ...


LambdaHandler = Callable[[Mapping[str, str], "LambdaContext"], Mapping[str, str]]
"""A Lambda stand-in: invocation attributes and the contact → a flat str map."""


@dataclass(frozen=True)
class LambdaContext:
    """What a Lambda handler sees of the contact (Connect's ``Details.ContactData``)."""

    contact_id: str
    attributes: Mapping[str, str]
    queue: str | None
    now: datetime
    queues: QueueBackend


_ARN_FUNCTION = re.compile(r"^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::.*)?$")


class LambdaRegistry:
    """Python handlers standing in for Lambda functions, by function name.

    A ``LambdaFunctionARN`` resolves to its function name
    (``arn:aws:lambda:eu-west-2:111122223333:function:NAME`` → ``NAME``).
    """

    def __init__(self, handlers: Mapping[str, LambdaHandler] | None = None) -> None:
        self.handlers: dict[str, LambdaHandler] = dict(handlers or {})

    def register(self, name: str, handler: LambdaHandler) -> None:
        """Add or replace the handler for function ``name``."""
        self.handlers[name] = handler

    def resolve(self, arn_or_name: str) -> LambdaHandler:
        """The handler for an ARN or a function name.

        Raises:
            FlowRuntimeError: no handler is registered for it.
        """
        match = _ARN_FUNCTION.match(arn_or_name)
        name = match.group(1) if match else arn_or_name
        try:
            return self.handlers[name]
        except KeyError:
            known = ", ".join(sorted(self.handlers)) or "none"
            raise FlowRuntimeError(
                f"no handler for Lambda {name!r} (registered: {known})"
            ) from None


QUEUE_STATUS_LAMBDA = "switchboard-queue-status"
"""The Lambda our queue flow calls for the caller's position and EWT.

Terraform deploys the AWS side of it as ``<project_name>-queue-status``
(``switchboard.aws.connect.queue_status_handler``; ``switchboard-queue-status``
with the default project name), the function ``${queue_status_lambda_arn}``
names in ``flows/switchboard-customer-queue.json``."""


def queue_status_handler(params: Mapping[str, str], ctx: LambdaContext) -> dict[str, str]:
    """``switchboard-queue-status``: ``QueuePosition`` and ``EstimatedWaitTime`` (whole minutes).

    Raises:
        FlowRuntimeError: the contact is not waiting in a queue.
    """
    placement = ctx.queues.placement(ctx.contact_id, now=ctx.now)
    if placement is None:
        raise FlowRuntimeError(f"contact {ctx.contact_id} is not waiting in a queue")
    return {ATTR_QUEUE_POSITION: str(placement.position), ATTR_EWT: str(placement.ewt_minutes)}


def default_lambdas() -> LambdaRegistry:
    """The handlers our flows call: the queue-status Lambda."""
    return LambdaRegistry({QUEUE_STATUS_LAMBDA: queue_status_handler})


def is_bot_failure(exc: BaseException) -> bool:
    """True for errors a bot conversation turns into the flow's ``NoMatchingError``."""
    return isinstance(exc, SwitchboardError | TimeoutError)
