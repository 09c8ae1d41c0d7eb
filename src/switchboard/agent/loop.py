"""The turn loop: one customer utterance in, one validated :class:`AgentReply` out.

Follows seed 2 "Lambda Function (Primary Orchestrator)":

1. load the contact and its last N (20) messages from the store;
2. input guardrail (clean, bound, decline instruction-override attempts);
3. classify the utterance once (router) and run the handover policy;
4. brain step with the locale-aware system prompt and the tool specs;
5. tool calls through the tool host (MCP), at most ``max_tool_rounds`` rounds;
6. the validation agent judges the reply against the turn's tool results:
   low → log, medium → regenerate once with the stricter instruction,
   high (or still failing) → safe fallback message + transfer (seed 2 §3);
7. output guardrail, persist, emit ``agent_reply``.

Every step emits a typed :class:`Event` (seed 2 "Log Event Types"). The
customer is never dropped: a dead brain, a timeout or repeated tool failures
end in a handover with the conversation kept, and the log says why.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from switchboard.agent import guardrail
from switchboard.agent.conversation import ConversationService
from switchboard.agent.handover import HandoverDecision, HandoverPolicy, build_summary
from switchboard.agent.hooks import TurnHooks, ValidationInput
from switchboard.agent.messages import (
    AFTER_HANDOVER,
    decline_guardrail,
    fallback_message,
    handover_message,
    language,
)
from switchboard.agent.prompts import system_prompt
from switchboard.config import AgentSettings
from switchboard.domain.attributes import handover_attributes
from switchboard.domain.types import (
    Action,
    AgentReply,
    Contact,
    ContactStatus,
    Event,
    EventType,
    Handover,
    HandoverReason,
    Message,
    Role,
    Route,
    Severity,
    Source,
    ToolResult,
    ToolSpec,
    ValidationAction,
    ValidationResult,
)
from switchboard.errors import SwitchboardError
from switchboard.nlu.dialogue import fills_pending
from switchboard.nlu.slots import extract_slots
from switchboard.ports import (
    Brain,
    BrainStep,
    BrainTurn,
    ContextualRouter,
    IntentRouter,
    RouteDecision,
    ToolHost,
    Validator,
)
from switchboard.validation import STRICT_INSTRUCTION, decide_action

log = logging.getLogger("switchboard.agent")

#: Recent intents kept per contact for the repeated-query trigger.
_INTENT_MEMORY = 8


@dataclass
class _Turn:
    """What one turn carries between the loop's stages."""

    contact: Contact
    text: str
    agent_state: dict[str, Any]
    started: float
    index: int
    nlu: RouteDecision | None = None
    #: The contact's ``RealTimeSentiment`` at the start of the turn (live sentiment).
    sentiment: str | None = None
    #: The last N messages before this turn, oldest first.
    history: list[Message] = field(default_factory=list)
    history_loaded: bool = False
    #: What the turn stores when it ends: (customer message, reply message).
    writes: tuple[Message, Message] | None = None
    #: Seed 2 ``user_input.input_mode`` ("text" or "speech") and the recogniser's confidence.
    input_mode: str = "text"
    confidence: float | None = None


class TurnLoop:
    """Runs one turn of one contact. Stateless between turns: state lives in the store.

    Args:
        settings: turn-loop limits (history size, rounds, timeouts, thresholds).
        conversation: the one writer (the turn's messages, events, contact state);
            its store is read for the history and takes hallucination logs.
        brain: decides tool calls and writes the reply.
        tools: runs tool calls (MCP client).
        router: classifies utterances for the handover policy and the brain; None
            disables route-based handover triggers.
        validator: judges replies; None disables validation.
        hooks: the middleware chain around each stage (telemetry...); empty by default.
        hallucination_ttl_days: ttl of hallucination-log rows (seed 2: 90 days).
    """

    def __init__(
        self,
        *,
        settings: AgentSettings,
        conversation: ConversationService,
        brain: Brain,
        tools: ToolHost,
        router: IntentRouter | None,
        validator: Validator | None,
        hooks: TurnHooks | None = None,
        hallucination_ttl_days: int = 90,
    ) -> None:
        self.settings = settings
        self.conversation = conversation
        self.store = conversation.store
        self.events = conversation.events
        self.hooks = hooks or TurnHooks()
        self.brain = brain
        self.tools = tools
        self.router = router
        self.validator = validator if settings.validation_enabled else None
        self.ttl_days = hallucination_ttl_days
        self.policy = HandoverPolicy(
            repeated_query_threshold=settings.repeated_query_threshold,
            tool_failure_threshold=settings.tool_failure_threshold,
        )
        self._tool_specs: dict[str, list[ToolSpec]] = {}

    # -- events ---------------------------------------------------------------------------

    def _emit(self, contact: Contact, kind: EventType, source: Source, **data: Any) -> None:
        self.events.emit(Event(contact_id=contact.contact_id, type=kind, source=source, data=data))

    # -- the turn -------------------------------------------------------------------------

    async def run(
        self,
        contact: Contact,
        raw_text: str,
        *,
        sentiment: str | None = None,
        history: list[Message] | None = None,
        input_mode: str = "text",
        confidence: float | None = None,
    ) -> AgentReply:
        """Run one turn and persist it.

        Args:
            contact: the contact as loaded from the store (its state is updated).
            raw_text: the customer's utterance as received.
            sentiment: the contact's live ``RealTimeSentiment`` (``NEGATIVE`` means
                the sentiment monitor escalated it: the handover policy hands over).
            history: the contact's last messages, oldest first, when the caller
                loaded them with the contact; None: the loop reads them.
            input_mode: ``"text"`` or ``"speech"`` (seed 2 ``user_input.input_mode``).
            confidence: the speech recogniser's confidence in ``raw_text`` (0..1), if any.

        Returns:
            The reply to render on the channel.

        Raises:
            switchboard.errors.InputError: for empty or oversized text (nothing is stored).
        """
        started = time.perf_counter()
        text = guardrail.clean_input(raw_text)
        agent_state: dict[str, Any] = dict(contact.state.get("agent") or {})
        turn_index = int(agent_state.get("turns", 0)) + 1
        agent_state["turns"] = turn_index
        t = _Turn(
            contact, text, agent_state, started, turn_index, sentiment=sentiment,
            input_mode=input_mode, confidence=confidence,
        )
        if history is not None:
            t.history = history[-self.settings.history_messages :]
            t.history_loaded = True
        reply = await self._decide(t)
        if t.writes is not None:  # one transaction, off the event loop
            await self.conversation.store_turn(contact, *t.writes)
        return reply

    async def _decide(self, t: _Turn) -> AgentReply:
        """Guardrail → router → handover policy → brain → validation; the reply, unstored."""
        contact, text, agent_state = t.contact, t.text, t.agent_state
        if not t.history_loaded:
            t.history = await self.conversation.db.recent_messages(
                contact.contact_id, self.settings.history_messages
            )
        history = t.history
        heard = {} if t.confidence is None else {"confidence": round(t.confidence, 3)}
        self._emit(
            contact,
            EventType.USER_INPUT,
            Source.CUSTOMER,
            transcript=text,
            input_mode=t.input_mode,
            channel=contact.channel.value,
            turn=t.index,
            **heard,
        )

        verdict = guardrail.check_input(text)
        if verdict.blocked:
            self._emit(contact, EventType.GUARDRAIL, Source.SYSTEM, category=verdict.category)
            reply_text = decline_guardrail(contact.locale)
            return self._finish(
                t,
                text_out=reply_text,
                route=Route.OUT_OF_SCOPE,
                action=Action.DECLINE,
            )

        if contact.status is ContactStatus.TRANSFERRED:
            return self._finish(
                t,
                text_out=AFTER_HANDOVER[language(contact.locale)],
                route=Route.HANDOVER,
                action=Action.HANDOVER,
            )

        nlu = t.nlu = self._classify(text, contact)
        dialogue = contact.state.get("dialogue") or {}
        pending = dialogue.get("pending")
        slots = extract_slots(
            text, contact.locale, expecting=pending.get("slot") if pending else None
        )
        answers_pending = fills_pending(slots, pending)
        if nlu is not None and not answers_pending:
            intents = [*agent_state.get("intents", []), nlu.intent][-_INTENT_MEMORY:]
            agent_state["intents"] = intents

        decision = self.policy.evaluate(
            text,
            nlu,
            agent_state,
            answers_pending_question=answers_pending,
            sentiment=t.sentiment,
        )
        if decision is not None:
            return self._handover(t, decision)

        return await self._brain_turn(t, history)

    def _classify(self, text: str, contact: Contact) -> RouteDecision | None:
        if self.router is None:
            return None
        try:
            router = self.router
            if isinstance(router, ContextualRouter):
                # Follow-ups and the catalog index need the locale and the dialogue state.
                context = {
                    "locale": contact.locale.value,
                    "dialogue": contact.state.get("dialogue") or {},
                }
                return self.hooks.classify(
                    text, lambda said: router.classify_in_context(said, context)
                )
            return self.hooks.classify(text, router.classify)
        except Exception:  # the router must never drop the customer
            log.exception("router failed; continuing without a route decision")
            return None

    async def _specs(self, contact: Contact) -> list[ToolSpec]:
        key = contact.locale.value
        if key not in self._tool_specs:
            self._tool_specs[key] = await self.tools.list_tools(contact.locale)
        return self._tool_specs[key]

    async def _brain_turn(self, t: _Turn, history: list[Message]) -> AgentReply:
        contact, agent_state, text, nlu = t.contact, t.agent_state, t.text, t.nlu
        try:
            specs = await self._specs(contact)
        except Exception:
            log.exception("tool host unavailable", extra={"contact_id": contact.contact_id})
            specs = []
        turn = BrainTurn(
            contact=contact,
            user_text=text,
            history=history,
            system_prompt=system_prompt(contact.locale),
            tools=specs,
            nlu=nlu,
        )
        try:
            step, results = await self._run_brain(contact, agent_state, turn)
        except (SwitchboardError, TimeoutError, Exception) as exc:  # never drop the customer
            log.exception(
                "brain failed; handing over",
                extra={"contact_id": contact.contact_id, "error": type(exc).__name__},
            )
            self._emit(contact, EventType.ERROR, Source.SYSTEM, stage="brain", error=str(exc))
            decision = HandoverDecision(HandoverReason.TECHNICAL_ISSUES, "brain failed")
            return self._handover(t, decision)

        if step.state is not None:
            contact.state["dialogue"] = step.state
        if step.handover_reason is not None:
            decision = HandoverDecision(step.handover_reason, "the brain asked for a human")
            # Answers given before the handover (a multi-question message) are said first,
            # when the validation agent passes them.
            answered = (
                step.text
                if step.text and self._passes(contact, text, results, step.text)
                else None
            )
            return self._handover(
                t,
                decision,
                tools=results,
                message=f"{answered}\n\n{handover_message(decision.reason, contact.locale)}"
                if answered
                else None,
            )

        reply_text = step.text or ""
        validation: ValidationResult | None = None
        if self.validator is not None:
            step, results, validation, passed = await self._validate(
                contact, agent_state, turn, step, results
            )
            if not passed:  # seed 2 §3: safe fallback message + transfer
                decision = HandoverDecision(HandoverReason.VALIDATION_FAILURE, "validation")
                return self._handover(
                    t,
                    decision,
                    tools=results,
                    validation=validation,
                    message=fallback_message("transfer", contact.locale),
                )
            reply_text = step.text or ""

        reply_text = guardrail.check_output(reply_text, turn.system_prompt)
        if not reply_text.strip():
            reply_text = fallback_message("general", contact.locale)
        spoken = step.spoken_text
        if spoken and not self._passes(contact, text, results, spoken, reply_text):
            spoken = None  # voice then speaks the validated text
        return self._finish(
            t,
            text_out=reply_text,
            route=step.route or (nlu.route if nlu else Route.OUT_OF_SCOPE),
            action=step.action or Action.ANSWER,
            tools=results,
            validation=validation,
            spoken_text=guardrail.check_output(spoken, turn.system_prompt) if spoken else None,
        )

    def _passes(
        self,
        contact: Contact,
        query: str,
        results: Sequence[ToolResult],
        reply: str,
        validated: str = "",
    ) -> bool:
        """True when the validation agent (if any) passes ``reply``.

        Used for a spoken form and for answers said before a handover; the judgement
        is not logged as the turn's.
        """
        if self.validator is None:
            return True
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", reply.strip()) if s]
        if all(s in validated for s in sentences if not s.endswith("?")):
            return True  # every statement was already judged as part of the chat reply
        result = self._judge(contact, query, results, reply)
        return decide_action(result, regenerated=True) in (
            ValidationAction.NONE,
            ValidationAction.LOGGED,
        )

    async def _run_brain(
        self, contact: Contact, agent_state: dict[str, Any], turn: BrainTurn
    ) -> tuple[BrainStep, list[ToolResult]]:
        """Run brain steps and tool calls until the brain ends its turn (bounded rounds)."""
        results: list[ToolResult] = list(turn.tool_results)
        for round_no in range(self.settings.max_tool_rounds + 1):
            turn = turn.model_copy(update={"tool_results": list(results), "round": round_no})
            self._emit(
                contact,
                EventType.BRAIN_INVOCATION,
                Source.AI_AGENT,
                brain=self.brain.name,
                round=round_no,
                strict=turn.strict,
                conversation_history_length=len(turn.history),
                tools_available=[t.name for t in turn.tools],
            )
            t0 = time.perf_counter()
            step = await asyncio.wait_for(
                self.hooks.brain_step(turn, self.brain.step),
                timeout=self.settings.brain_timeout_s,
            )
            self._emit(
                contact,
                EventType.BRAIN_RESPONSE,
                Source.AI_AGENT,
                stop_reason=step.stop_reason,
                tool_calls=[
                    {"tool_name": c.name, "tool_input": c.arguments} for c in step.tool_calls
                ],
                response_text=step.text,
                route=step.route,
                action=step.action,
                latency_ms=round((time.perf_counter() - t0) * 1000, 3),
            )
            if step.state is not None:
                turn.contact.state["dialogue"] = step.state
            if not step.tool_calls:
                return step, results
            if round_no >= self.settings.max_tool_rounds:
                break
            for call in step.tool_calls:
                result = await self.hooks.tool_call(call, contact.locale, self.tools.call)
                results.append(result)
                if not result.ok:
                    agent_state["tool_failures"] = int(agent_state.get("tool_failures", 0)) + 1
                self._emit(
                    contact,
                    EventType.TOOL_INVOCATION,
                    Source.SYSTEM,
                    tool_name=call.name,
                    tool_input=call.arguments,
                    tool_output=result.output,
                    error=result.error.model_dump() if result.error else None,
                    latency_ms=round(result.latency_ms, 3),
                )
        raise TimeoutError(
            f"brain still calling tools after {self.settings.max_tool_rounds} rounds"
        )

    async def _validate(
        self,
        contact: Contact,
        agent_state: dict[str, Any],
        turn: BrainTurn,
        step: BrainStep,
        results: list[ToolResult],
    ) -> tuple[BrainStep, list[ToolResult], ValidationResult, bool]:
        """Judge the reply; regenerate once on medium.

        Returns:
            (step, tool results, last validation result, passed); ``passed`` False
            means the safe fallback message and a transfer.
        """
        assert self.validator is not None
        regenerated = False
        while True:
            reply = step.text or ""
            result = self._judge(contact, turn.user_text, results, reply)
            action = decide_action(result, regenerated=regenerated)
            result = result.model_copy(update={"action_taken": action})
            await self._record_validation(contact, turn.user_text, results, reply, result)
            if action in (ValidationAction.NONE, ValidationAction.LOGGED):
                return step, results, result, True
            if action is ValidationAction.FALLBACK:
                return step, results, result, False
            regenerated = True
            feedback = [f"{f.type.value}: {f.claim} ({f.detail})" for f in result.findings]
            strict_turn = turn.model_copy(
                update={
                    "strict": True,
                    "validation_feedback": [STRICT_INSTRUCTION, *feedback],
                    "tool_results": list(results),
                }
            )
            try:
                step, results = await self._run_brain(contact, agent_state, strict_turn)
            except Exception:
                log.exception("regeneration failed", extra={"contact_id": contact.contact_id})
                return step, results, result, False
            if step.handover_reason is not None:
                return step, results, result, False

    def _judge(
        self, contact: Contact, query: str, results: Sequence[ToolResult], reply: str
    ) -> ValidationResult:
        validator = self.validator
        assert validator is not None

        def final(check: ValidationInput) -> ValidationResult:
            return validator.validate(check.query, check.tool_results, check.reply, check.locale)

        try:
            return self.hooks.validate(
                ValidationInput(query, results, reply, contact.locale), final
            )
        except Exception as exc:
            # Seed 2 "Validation Errors": a failing validator must not pass a reply unseen;
            # treat it as high severity so the customer gets the safe fallback.
            log.exception("validation agent failed", extra={"contact_id": contact.contact_id})
            self._emit(contact, EventType.ERROR, Source.SYSTEM, stage="validation", error=str(exc))
            return ValidationResult(passed=False, severity=Severity.HIGH, confidence_score=0.0)

    async def _record_validation(
        self,
        contact: Contact,
        query: str,
        results: Sequence[ToolResult],
        reply: str,
        result: ValidationResult,
    ) -> None:
        self._emit(
            contact,
            EventType.VALIDATION_CHECK,
            Source.SYSTEM,
            validation_passed=result.passed,
            hallucination_detected=result.hallucination_detected,
            confidence_score=result.confidence_score,
            checks_performed=result.checks_performed,
            severity=result.severity,
            action_taken=result.action_taken,
            findings=[f.model_dump(mode="json") for f in result.findings],
        )
        await self.conversation.record_validation(
            contact.contact_id,
            result,
            user_query=query,
            tool_results=results,
            model_response=reply,
            ttl_days=self.ttl_days,
        )

    # -- endings --------------------------------------------------------------------------

    def _user_message(self, t: _Turn, nlu: RouteDecision | None) -> Message:
        """The customer's message as stored: PII redacted (once, by the conversation service)."""
        return Message(
            role=Role.USER,
            content=self.conversation.redacted(t.contact.contact_id, t.text, t.contact.locale),
            route=nlu.route if nlu else None,
            intent=nlu.intent if nlu else None,
        )

    def _handover(
        self,
        t: _Turn,
        decision: HandoverDecision,
        *,
        tools: list[ToolResult] | None = None,
        validation: ValidationResult | None = None,
        message: str | None = None,
    ) -> AgentReply:
        contact, agent_state, text, nlu = t.contact, t.agent_state, t.text, t.nlu
        history = [*t.history, self._user_message(t, nlu)]
        information = {
            k: str(v)
            for k, v in ((contact.state.get("dialogue") or {}).get("slots") or {}).items()
            if v
        }
        summary = build_summary(history, text, reason=decision.reason, information=information)
        message = message or handover_message(decision.reason, contact.locale)
        handover = Handover(reason=decision.reason, message=message, summary=summary)
        tools_used = sorted(
            {r.name for r in (tools or [])} | set(agent_state.get("tools_used", []))
        )
        self._emit(
            contact,
            EventType.HANDOVER_DECISION,
            Source.AI_AGENT,
            handover_triggered=True,
            reason=decision.reason,
            detail=decision.detail,
            conversation_turns=summary.conversation_turns,
            tools_used=tools_used,
            conversation_summary=summary.model_dump(mode="json"),
        )
        contact.status = ContactStatus.TRANSFERRED
        agent_state["handover"] = {"reason": decision.reason.value}
        # Contact attributes for the flow and routing (queue and priority from queue_for;
        # a live NEGATIVE sentiment raises the priority whatever the reason).
        attributes = dict(contact.state.get("attributes") or {})
        attributes.update(handover_attributes(handover, sentiment=t.sentiment))
        contact.state["attributes"] = attributes
        return self._finish(
            t,
            text_out=message,
            route=Route.HANDOVER,
            action=Action.HANDOVER,
            tools=tools or [],
            validation=validation,
            handover=handover,
        )

    def _finish(
        self,
        t: _Turn,
        *,
        text_out: str,
        route: Route,
        action: Action,
        tools: list[ToolResult] | None = None,
        validation: ValidationResult | None = None,
        handover: Handover | None = None,
        spoken_text: str | None = None,
    ) -> AgentReply:
        contact, agent_state, nlu = t.contact, t.agent_state, t.nlu
        started, turn_index = t.started, t.index
        tools = tools or []
        used = set(agent_state.get("tools_used", [])) | {r.name for r in tools if r.ok}
        agent_state["tools_used"] = sorted(used)
        contact.state["agent"] = agent_state
        latency_ms = (time.perf_counter() - started) * 1000
        reply = AgentReply(
            contact_id=contact.contact_id,
            text=text_out,
            route=route,
            action=action,
            intent=nlu.intent if nlu else None,
            confidence=nlu.confidence if nlu else None,
            tools=tools,
            validation=validation,
            handover=handover,
            latency_ms=round(latency_ms, 3),
            turn_index=turn_index,
            spoken_text=spoken_text,
        )
        self._emit(
            contact,
            EventType.AGENT_REPLY,
            Source.AI_AGENT,
            text=text_out,
            route=route,
            action=action,
            tools=[r.name for r in tools],
            handover_reason=handover.reason if handover else None,
            latency_ms=reply.latency_ms,
            turn=turn_index,
        )
        # Stored by ``run`` in one transaction through the conversation service
        # (which redacts the customer's text again, whatever the caller did).
        t.writes = (
            self._user_message(t, nlu),
            Message(role=Role.ASSISTANT, content=text_out, route=route, intent=None),
        )
        return reply
