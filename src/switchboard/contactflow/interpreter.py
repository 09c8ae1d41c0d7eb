"""Run a contact through a flow, one action at a time, printing each step.

Semantics follow each action's page of the flow language reference (see
:mod:`.actions`): the result of an action picks the first matching
``Condition``, else its error branch, else ``NextAction``. Flow data is
reached with the JSONPath forms flows use: ``$.Attributes.<name>``,
``$.Lex.IntentName``, ``$.Lex.SessionAttributes.<name>``, ``$.External.<name>``,
``$.StoredCustomerInput``, ``$.CustomerEndpoint.Address``, ``$.Queue.Name``.
``${name}`` placeholders (the seeds' Terraform template variables) resolve
through ``bindings``; a queue ARN ``…/queue/<name>`` resolves to ``<name>``.

A successful ``TransferContactToQueue`` queues the contact in the
:class:`~.players.QueueBackend` and, when an ``UpdateContactEventHooks`` set a
``CustomerQueue`` flow that the library knows, runs that flow while the
contact waits (bounded by ``max_queue_cycles`` visits of any one action,
since a queue flow loops until an agent answers).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from switchboard.contactflow.model import Action, FlowDocument
from switchboard.contactflow.players import (
    BotPlayer,
    Caller,
    LambdaContext,
    LambdaRegistry,
    QueueBackend,
    default_lambdas,
    is_bot_failure,
)
from switchboard.domain.attributes import (
    ATTR_CONVERSATION_SUMMARY,
    ATTR_CUSTOMER_PHONE,
    ATTR_HANDOVER,
    DEFAULT_PRIORITY,
    GENERAL_QUEUE,
    PRIORITY_QUEUE,
)
from switchboard.domain.types import Channel
from switchboard.errors import (
    FlowRuntimeError,
    InputError,
    QueueClosedError,
    QueueFullError,
    SwitchboardError,
)

_PATH = re.compile(r"\$\.[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_:\-*]+)*")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")

DEFAULT_BINDINGS: dict[str, str] = {
    "general_agent_queue_arn": GENERAL_QUEUE,
    "priority_agent_queue_arn": PRIORITY_QUEUE,
    "lex_bot_alias_arn": "switchboard-agent",
    "hours_of_operation_id": GENERAL_QUEUE,
}
"""Seed 2's template variables → our names (queues by name; hours by the queue they belong to)."""


class Outcome(StrEnum):
    """How a contact left the flow."""

    QUEUED = "queued"
    CALLBACK = "callback_booked"
    DISCONNECTED = "disconnected"
    ENDED = "flow_ended"
    STUCK = "stuck"


@dataclass
class Step:
    """One executed action: where, what happened, which branch was taken."""

    flow: str
    action_id: str
    type: str
    detail: str
    branch: str
    said: list[tuple[str, str]] = field(default_factory=list)

    def render(self) -> str:
        """``[flow] action (Type): detail -> branch``, then what was said, one line each."""
        head = f"[{self.flow}] {self.action_id} ({self.type}): {self.detail} -> {self.branch}"
        return "\n".join([head, *(f"    {who:>8}: {text}" for who, text in self.said)])


@dataclass
class RunResult:
    """Everything a run produced."""

    contact_id: str
    outcome: Outcome
    steps: list[Step]
    attributes: dict[str, str]
    transcript: list[tuple[str, str]]
    queue: str | None = None
    position: int | None = None
    ewt_s: float | None = None
    callback_id: str | None = None
    callback_due: datetime | None = None
    reason: str = ""

    @property
    def customer_lost(self) -> bool:
        """True when a customer who needed an agent is neither queued nor called back.

        "Needed an agent" is the ``handover`` attribute the flow set (the bot's
        decision, or ``true`` on an error path).
        """
        if self.outcome in (Outcome.QUEUED, Outcome.CALLBACK):
            return False
        return self.attributes.get(ATTR_HANDOVER) == "true"


@dataclass
class _State:
    contact_id: str
    now: datetime
    caller: Caller
    attributes: dict[str, str] = field(default_factory=dict)
    lex: dict[str, Any] = field(default_factory=dict)
    external: dict[str, str] = field(default_factory=dict)
    stored_input: str | None = None
    target_queue: str | None = None
    priority: int = DEFAULT_PRIORITY
    callback_number: str | None = None
    hooks: dict[str, str] = field(default_factory=dict)
    loops: dict[str, int] = field(default_factory=dict)
    transcript: list[tuple[str, str]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    queued: Any = None
    callback: Any = None
    disconnected: bool = False
    stuck: str = ""
    current: str = ""


class _Branch:
    """The outcome of one action: a result to test conditions on, or an error."""

    def __init__(self, result: str | None = None, error: str | None = None, detail: str = ""):
        self.result = result
        self.error = error
        self.detail = detail


class FlowRunner:
    """Plays contacts through flows.

    Args:
        flows: the flow library by name (``Metadata.name`` or file stem); used
            for ``CustomerQueue`` event hooks and ``TransferToFlow``.
        bot: plays ``ConnectParticipantWithLexBot``.
        queues: the routing engine (or any :class:`~.players.QueueBackend`).
        lambdas: handlers for ``InvokeLambdaFunction`` (default: queue status).
        bindings: ``${name}`` → value (default :data:`DEFAULT_BINDINGS`).
        max_steps: actions per run before the run is declared stuck.
        max_queue_cycles: visits of one action in a queue flow before the run
            stops with the contact still waiting.
    """

    def __init__(
        self,
        flows: Mapping[str, FlowDocument],
        *,
        bot: BotPlayer,
        queues: QueueBackend,
        lambdas: LambdaRegistry | None = None,
        bindings: Mapping[str, str] | None = None,
        max_steps: int = 200,
        max_queue_cycles: int = 2,
    ) -> None:
        self.flows = dict(flows)
        self.bot = bot
        self.queues = queues
        self.lambdas = lambdas or default_lambdas()
        self.bindings = {**DEFAULT_BINDINGS, **(bindings or {})}
        self.max_steps = max_steps
        self.max_queue_cycles = max_queue_cycles

    async def run(
        self, flow: FlowDocument, caller: Caller, *, at: datetime | None = None
    ) -> RunResult:
        """Run one contact from ``flow``'s ``StartAction`` to its end.

        Args:
            flow: the inbound flow (validate it first; the runner trusts its shape).
            caller: the scripted customer (consumed).
            at: the contact's start time, aware (default: now, UTC).

        Raises:
            InputError: ``at`` is naive.
        """
        at = at or datetime.now(UTC)
        if at.tzinfo is None:
            raise InputError("--at needs a time zone, e.g. 2026-11-21T22:00:00+00:00")
        state = _State(contact_id=str(uuid.uuid4()), now=at, caller=caller)
        if caller.phone:
            state.attributes[ATTR_CUSTOMER_PHONE] = caller.phone
        await self._run_flow(flow, state)
        return self._result(state)

    # -- the loop ------------------------------------------------------------------------

    async def _run_flow(self, flow: FlowDocument, state: _State) -> None:
        actions = flow.by_id()
        name = flow.name or "flow"
        queue_flow = flow.flow_type.value == "customerQueue"
        visits: dict[str, int] = {}
        current = flow.StartAction
        while current is not None:
            if len(state.steps) >= self.max_steps:
                state.stuck = f"more than {self.max_steps} actions"
                return
            action = actions.get(current)
            if action is None:
                state.stuck = f"{current!r} is not an action of {name}"
                return
            visits[current] = visits.get(current, 0) + 1
            if queue_flow and visits[current] > self.max_queue_cycles:
                return  # still waiting in queue: the agent answers outside this run
            state.current = f"{name}/{current}"
            heard = len(state.transcript)
            branch = await self._execute(action, state)
            nxt = self._choose(action, branch)
            label = branch.error or (branch.result if branch.result is not None else "ok")
            state.steps.append(
                Step(
                    name,
                    action.Identifier,
                    action.Type,
                    branch.detail,
                    f"{label} -> {nxt or 'end'}",
                    state.transcript[heard:],
                )
            )
            if action.Type == "TransferContactToQueue" and branch.error is None:
                await self._after_queued(state)
                return
            if action.Type == "TransferToFlow" and branch.error is None:
                target = self.flows[branch.result or ""]
                await self._run_flow(target, state)
                return
            if action.Type in ("DisconnectParticipant", "EndFlowExecution"):
                state.disconnected = action.Type == "DisconnectParticipant"
                return
            if nxt is None:
                state.stuck = state.stuck or f"{action.Identifier} has no transition for {label}"
                return
            current = nxt

    def _choose(self, action: Action, branch: _Branch) -> str | None:
        tr = action.Transitions
        if branch.error is not None:
            return tr.error_target(branch.error)
        if branch.result is not None and tr.Conditions:
            for cond in tr.Conditions:
                if condition_matches(
                    cond.Condition.Operator, branch.result, cond.Condition.Operands
                ):
                    return cond.NextAction
            target = tr.error_target("NoMatchingCondition")
            if target is not None:
                return target
        return tr.NextAction

    async def _after_queued(self, state: _State) -> None:
        hook = state.hooks.get("CustomerQueue")
        if not hook:
            return
        flow = self.flows.get(self._flow_name(hook))
        if flow is None:
            state.steps.append(
                Step("-", "-", "CustomerQueue", f"no flow {hook!r} in the library", "skipped")
            )
            return
        await self._run_flow(flow, state)

    # -- actions -------------------------------------------------------------------------

    async def _execute(self, action: Action, state: _State) -> _Branch:
        handler = getattr(self, f"_do_{action.Type}", None)
        if handler is None:
            return _Branch(error="NoMatchingError", detail=f"unsupported action {action.Type}")
        try:
            branch: _Branch = await handler(action.Parameters, state)
        except (FlowRuntimeError, ValueError) as exc:  # e.g. a non-numeric dynamic value
            return _Branch(error="NoMatchingError", detail=str(exc))
        return branch

    def _say(self, state: _State, params: Mapping[str, Any]) -> str:
        text = params.get("Text") or params.get("SSML")
        if text is None:
            prompt = params.get("PromptId")
            text = f"<prompt {self._resolve(str(prompt), state)}>" if prompt else ""
        said = self._interpolate(str(text), state)
        if said:
            state.transcript.append(("flow", said))
        return said

    async def _do_MessageParticipant(self, p: Mapping[str, Any], state: _State) -> _Branch:
        self._say(state, p)
        return _Branch(detail="message")

    async def _do_MessageParticipantIteratively(
        self, p: Mapping[str, Any], state: _State
    ) -> _Branch:
        texts = [self._say(state, m) for m in p.get("Messages", [])]
        seconds = int(str(p.get("InterruptFrequencySeconds") or 0) or 0)
        state.now += timedelta(seconds=seconds)
        return _Branch(
            result="MessagesInterrupted",
            detail=f"plays {len(texts)} message(s) for {seconds} s",
        )

    async def _do_ConnectParticipantWithLexBot(
        self, p: Mapping[str, Any], state: _State
    ) -> _Branch:
        prompt = self._interpolate(str(p.get("Text") or ""), state) or None
        session = {
            k: self._interpolate(v, state) for k, v in (p.get("LexSessionAttributes") or {}).items()
        }
        barge = (
            "on"
            if any("allow-interrupt" in k and v == "true" for k, v in session.items())
            else "off"
        )
        try:
            outcome = await self.bot.converse(prompt, state.caller, session)
        except Exception as exc:  # a dead bot must not drop the caller
            if not is_bot_failure(exc):
                raise
            return _Branch(error="NoMatchingError", detail=f"bot failed: {exc}")
        if outcome is None:
            return _Branch(error="InputTimeLimitExceeded", detail="the caller said nothing")
        if outcome.contact_id:
            state.contact_id = outcome.contact_id
        state.transcript.extend(outcome.transcript)
        state.lex = {"IntentName": outcome.intent, "SessionAttributes": outcome.session_attributes}
        turns = sum(1 for who, _ in outcome.transcript if who == "customer")
        return _Branch(
            result=outcome.intent,
            detail=f"greeting with barge-in {barge}; {turns} caller turn(s); "
            f"intent {outcome.intent}",
        )

    async def _do_GetParticipantInput(self, p: Mapping[str, Any], state: _State) -> _Branch:
        if state.caller.channel is not Channel.VOICE:
            return _Branch(error="NoMatchingError", detail="DTMF input is voice-only")
        self._say(state, p)
        keys = state.caller.next_keys()
        if str(p.get("StoreInput", "")).lower() == "true":
            state.stored_input = keys if keys is not None else "Timeout"
            validation = (p.get("InputValidation") or {}).get("PhoneNumberValidation")
            if validation and keys is not None and not _E164.match(keys):
                return _Branch(error="InvalidPhoneNumber", detail=f"{keys!r} is not a phone number")
            return _Branch(detail=f"stored {state.stored_input!r}")
        if keys is None:
            return _Branch(error="InputTimeLimitExceeded", detail="no key pressed")
        return _Branch(result=keys[:1], detail=f"caller pressed {keys[:1]}")

    async def _do_Compare(self, p: Mapping[str, Any], state: _State) -> _Branch:
        value = self._resolve(str(p.get("ComparisonValue", "")), state)
        return _Branch(result=value, detail=f"{p.get('ComparisonValue')} = {_short(value)!r}")

    async def _do_UpdateContactAttributes(self, p: Mapping[str, Any], state: _State) -> _Branch:
        new = {
            self._resolve(k, state): self._resolve(str(v), state)
            for k, v in (p.get("Attributes") or {}).items()
        }
        state.attributes.update(new)
        return _Branch(detail="sets " + ", ".join(f"{k}={_short(v)!r}" for k, v in new.items()))

    async def _do_UpdateContactTargetQueue(self, p: Mapping[str, Any], state: _State) -> _Branch:
        queue = self._queue_name(str(p.get("QueueId") or p.get("AgentId") or ""), state)
        if not queue:
            return _Branch(error="NoMatchingError", detail="no queue given")
        state.target_queue = queue
        return _Branch(detail=f"target queue {queue}")

    async def _do_UpdateContactRoutingBehavior(
        self, p: Mapping[str, Any], state: _State
    ) -> _Branch:
        raw = self._resolve(str(p.get("QueuePriority", state.priority)), state)
        try:
            state.priority = int(raw)
        except ValueError:
            return _Branch(detail=f"priority {raw!r} is not a number; kept {state.priority}")
        return _Branch(detail=f"queue priority {state.priority}")

    async def _do_UpdateContactEventHooks(self, p: Mapping[str, Any], state: _State) -> _Branch:
        hooks = {k: self._resolve(str(v), state) for k, v in (p.get("EventHooks") or {}).items()}
        state.hooks.update(hooks)
        return _Branch(detail="hooks " + ", ".join(f"{k} -> {v}" for k, v in hooks.items()))

    async def _do_UpdateContactRecordingBehavior(self, p: Mapping[str, Any], _s: _State) -> _Branch:
        who = (p.get("RecordingBehavior") or {}).get("RecordedParticipants", [])
        return _Branch(detail=f"records {', '.join(who) or 'nobody'}")

    async def _do_CheckHoursOfOperation(self, p: Mapping[str, Any], state: _State) -> _Branch:
        hours = p.get("HoursOfOperationId")
        queue = self._queue_name(str(hours), state) if hours else state.target_queue
        if not queue:
            return _Branch(error="NoMatchingError", detail="no hours and no target queue")
        try:
            is_open = self.queues.is_open(queue, state.now)
        except SwitchboardError as exc:
            return _Branch(error="NoMatchingError", detail=str(exc))
        local = state.now.isoformat(timespec="minutes")
        return _Branch(
            result=str(is_open), detail=f"{queue} at {local}: {'open' if is_open else 'closed'}"
        )

    async def _do_TransferContactToQueue(self, _p: Mapping[str, Any], state: _State) -> _Branch:
        queue = state.target_queue
        if not queue:
            return _Branch(error="NoMatchingError", detail="no target queue set")
        try:
            placement = self.queues.enqueue(
                state.contact_id, queue, state.priority, state.attributes, now=state.now
            )
        except QueueFullError as exc:
            return _Branch(error="QueueAtCapacity", detail=str(exc))
        except (QueueClosedError, SwitchboardError) as exc:
            return _Branch(error="NoMatchingError", detail=str(exc))
        state.queued = placement
        summary = "with" if ATTR_CONVERSATION_SUMMARY in state.attributes else "WITHOUT"
        return _Branch(
            detail=f"queued in {queue} at position {placement.position}, EWT "
            f"{placement.ewt_s:.0f} s, priority {state.priority}, {summary} conversation summary"
        )

    async def _do_UpdateContactCallbackNumber(self, p: Mapping[str, Any], state: _State) -> _Branch:
        number = self._resolve(str(p.get("CallbackNumber", "")), state)
        if not _E164.match(number):
            return _Branch(error="InvalidCallbackNumber", detail=f"{number!r} is not E.164")
        state.callback_number = number
        return _Branch(detail=f"callback number {number}")

    async def _do_CreateCallbackContact(self, p: Mapping[str, Any], state: _State) -> _Branch:
        queue = (
            self._queue_name(str(p["QueueId"]), state) if p.get("QueueId") else state.target_queue
        )
        number = state.callback_number or state.caller.phone
        if not queue or not number:
            return _Branch(error="NoMatchingError", detail="no queue or no callback number")
        try:
            due = None  # closed queue: the engine books the next opening
            if self.queues.is_open(queue, state.now):
                delay = int(str(p.get("InitialCallDelaySeconds") or 0))
                due = state.now + timedelta(seconds=delay)
            callback = self.queues.book_callback(
                state.contact_id, number, queue, due, attributes=state.attributes, now=state.now
            )
        except SwitchboardError as exc:
            return _Branch(error="NoMatchingError", detail=str(exc))
        state.callback = callback
        state.queued = None
        return _Branch(
            detail=f"callback {callback.callback_id[:8]} to {number} via {queue}, "
            f"due {callback.due_at.isoformat(timespec='minutes')}"
        )

    async def _do_InvokeLambdaFunction(self, p: Mapping[str, Any], state: _State) -> _Branch:
        arn = self._resolve(str(p.get("LambdaFunctionARN", "")), state)
        handler = self.lambdas.resolve(arn)
        params = {
            k: self._resolve(str(v), state)
            for k, v in (p.get("LambdaInvocationAttributes") or {}).items()
        }
        ctx = LambdaContext(
            state.contact_id, dict(state.attributes), state.target_queue, state.now, self.queues
        )
        try:
            response = handler(params, ctx)
        except SwitchboardError as exc:
            return _Branch(error="NoMatchingError", detail=f"{arn}: {exc}")
        state.external = {str(k): str(v) for k, v in response.items()}
        return _Branch(detail=f"{arn.rsplit(':', 1)[-1]} -> {json.dumps(state.external)}")

    async def _do_Loop(self, p: Mapping[str, Any], state: _State) -> _Branch:
        key = state.current
        count = int(self._resolve(str(p.get("LoopCount", 0)), state))
        done = state.loops.get(key, 0)
        if done < count:
            state.loops[key] = done + 1
            return _Branch(result="ContinueLooping", detail=f"pass {done + 1} of {count}")
        state.loops.pop(key, None)
        return _Branch(result="DoneLooping", detail=f"{count} passes done")

    async def _do_Wait(self, p: Mapping[str, Any], state: _State) -> _Branch:
        seconds = int(self._resolve(str(p.get("TimeoutSeconds", 0)), state))
        state.now += timedelta(seconds=seconds)
        return _Branch(result="WaitCompleted", detail=f"waits {seconds} s")

    async def _do_TransferToFlow(self, p: Mapping[str, Any], state: _State) -> _Branch:
        name = self._flow_name(self._resolve(str(p.get("ContactFlowId", "")), state))
        if name not in self.flows:
            return _Branch(error="NoMatchingError", detail=f"no flow {name!r} in the library")
        return _Branch(result=name, detail=f"to flow {name}")

    async def _do_DisconnectParticipant(self, _p: Mapping[str, Any], _s: _State) -> _Branch:
        return _Branch(detail="hangs up")

    async def _do_EndFlowExecution(self, _p: Mapping[str, Any], _s: _State) -> _Branch:
        return _Branch(detail="flow ends")

    # -- data ----------------------------------------------------------------------------

    def _lookup(self, path: str, state: _State) -> str | None:
        parts = path[2:].split(".")
        head, rest = parts[0], parts[1:]
        data: Any
        if head == "Attributes":
            data = state.attributes
        elif head == "Lex":
            data = state.lex
        elif head == "External":
            data = state.external
        elif head == "StoredCustomerInput":
            return state.stored_input
        elif head == "CustomerEndpoint":
            data = {"Address": state.caller.phone}
        elif head == "Queue":
            data = {"Name": state.target_queue}
        elif head == "ContactId":
            return state.contact_id
        elif head == "Channel":
            return state.caller.channel.value.upper()
        else:
            return None
        for part in rest:
            if not isinstance(data, dict):
                return None
            data = data.get(part)
        return None if data is None or isinstance(data, dict) else str(data)

    def _resolve(self, value: str, state: _State) -> str:
        """A parameter value: placeholders substituted; one whole JSONPath looked up."""
        value = _PLACEHOLDER.sub(lambda m: self.bindings.get(m.group(1), m.group(0)), value)
        if _PATH.fullmatch(value):
            return self._lookup(value, state) or ""
        return value

    def _interpolate(self, text: str, state: _State) -> str:
        """Text with every embedded JSONPath replaced by its value."""
        text = _PLACEHOLDER.sub(lambda m: self.bindings.get(m.group(1), m.group(0)), text)
        return _PATH.sub(lambda m: self._lookup(m.group(0), state) or "", text)

    def _queue_name(self, value: str, state: _State) -> str:
        name = self._resolve(value, state)
        return name.rsplit("/queue/", 1)[-1] if "/queue/" in name else name

    def _flow_name(self, value: str) -> str:
        value = _PLACEHOLDER.sub(lambda m: self.bindings.get(m.group(1), m.group(0)), value)
        return value.rsplit("/contact-flow/", 1)[-1]

    def _result(self, state: _State) -> RunResult:
        if state.callback is not None:
            outcome = Outcome.CALLBACK
        elif state.queued is not None:
            outcome = Outcome.QUEUED
        elif state.stuck:
            outcome = Outcome.STUCK
        elif state.disconnected:
            outcome = Outcome.DISCONNECTED
        else:
            outcome = Outcome.ENDED
        queued = state.queued
        if queued is not None:
            current = self.queues.placement(state.contact_id, now=state.now)
            queued = current or queued
        return RunResult(
            contact_id=state.contact_id,
            outcome=outcome,
            steps=state.steps,
            attributes=dict(state.attributes),
            transcript=state.transcript,
            queue=queued.queue
            if queued is not None
            else (state.callback.queue_id if state.callback is not None else None),
            position=queued.position if queued is not None else None,
            ewt_s=queued.ewt_s if queued is not None else None,
            callback_id=state.callback.callback_id if state.callback is not None else None,
            callback_due=state.callback.due_at if state.callback is not None else None,
            reason=state.stuck,
        )


def condition_matches(operator: str, result: str, operands: list[Any]) -> bool:
    """Evaluate one condition (operators of "Actions in the Amazon Connect Flow Language")."""
    if not operands:
        return False
    operand = str(operands[0])
    if operator == "Equals":
        return result == operand
    if operator == "TextStartsWith":
        return result.startswith(operand)
    if operator == "TextEndsWith":
        return result.endswith(operand)
    if operator == "TextContains":
        return operand in result
    try:
        left, right = float(result), float(operand)
    except ValueError:
        return False  # non-numeric: the reference says False
    return {
        "NumberGreaterThan": left > right,
        "NumberGreaterOrEqualTo": left >= right,
        "NumberLessThan": left < right,
        "NumberLessOrEqualTo": left <= right,
    }.get(operator, False)


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
