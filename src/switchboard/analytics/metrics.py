"""Prometheus metrics of seed 2 "Monitoring and Observability", fed from the contact events.

:class:`ContactMetrics` owns its own ``CollectorRegistry`` (never the global
one, so two apps in one process do not collide) and is an event listener:
``AuditSink.subscribe(metrics.observe)`` feeds it every event the turn loop
and the service emit. ``GET /metrics`` renders :meth:`ContactMetrics.render`.

Seed 2 CloudWatch metric → Prometheus series (rates are computed in PromQL,
see ``deploy/prometheus/alerts.yml``):

=============================  =============================================================
seed 2 metric                  series
=============================  =============================================================
HallucinationDetectionRate     ``switchboard_hallucinations_detected_total`` /
                               ``switchboard_validation_checks_total``
ToolInvocationCount            ``switchboard_tool_invocations_total{tool,outcome}``;
                               per conversation: ``switchboard_conversation_tool_invocations``
ResponseLatency                ``switchboard_response_latency_seconds`` (histogram)
ValidationSuccessRate          ``switchboard_validation_checks_total{result="passed"}`` / all
BedrockAPIErrors               ``switchboard_brain_errors_total``
ToolExecutionErrors            ``switchboard_tool_errors_total{tool}``
ValidationErrors               ``switchboard_validation_errors_total{kind}`` (``failed``: a
                               reply failed validation; ``agent_error``: the validator broke)
ConversationsPerHour           ``increase(switchboard_conversations_started_total[1h])``
AverageConversationLength      ``switchboard_conversation_turns`` (histogram, at contact end)
TransferRate / Handover        ``switchboard_transfers_total{reason}`` /
Reasons                        ``switchboard_conversations_ended_total``
(seed 3) escalations           ``switchboard_escalations_total{sentiment}`` — handovers by the
                               contact's ``RealTimeSentiment`` at the time;
                               ``switchboard_sentiment_escalations_total`` — contacts the live
                               sentiment rule escalated
=============================  =============================================================
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from switchboard.domain.events import (
    AgentReplyData,
    ConversationEndData,
    ConversationStartData,
    ErrorData,
    GuardrailData,
    HandoverDecisionData,
    SentimentData,
    ToolInvocationData,
    ValidationCheckData,
)
from switchboard.domain.types import Event

log = logging.getLogger("switchboard.analytics.metrics")

#: Prometheus text exposition content type (version 0.0.4).
CONTENT_TYPE = CONTENT_TYPE_LATEST

#: Response latency buckets, seconds (seed 2 alarm at p95 > 5 s; seed 4 targets < 1 s).
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 20.0)
#: Turns-per-conversation buckets.
TURN_BUCKETS = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50)
#: Tool-calls-per-conversation buckets.
TOOL_BUCKETS = (0, 1, 2, 3, 4, 5, 8, 10, 20)
#: Sentiment labels escalations are counted by (seed 3); anything else is ``UNKNOWN``.
SENTIMENTS = ("POSITIVE", "NEUTRAL", "NEGATIVE", "UNKNOWN")


class ContactMetrics:
    """Seed 2 functional, error and business metrics in a private Prometheus registry.

    Args:
        registry: the registry to register into; a new one when None.
        max_tracked_contacts: live contacts whose per-contact counters are kept
            (tool calls, current sentiment) until they end; the oldest are
            forgotten beyond it.
    """

    def __init__(
        self, registry: CollectorRegistry | None = None, *, max_tracked_contacts: int = 50_000
    ) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self._conversation_metrics(r)
        self._tool_and_validation_metrics(r)
        self._error_and_outcome_metrics(r)
        self._contacts: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._max = max_tracked_contacts
        self._lock = threading.Lock()
        for status in ("resolved", "transferred", "abandoned"):
            self.conversations_ended.labels(status=status)
        for result in ("passed", "failed"):
            self.validation_checks.labels(result=result)
        for kind in ("failed", "agent_error"):
            self.validation_errors.labels(kind=kind)

    def _conversation_metrics(self, r: CollectorRegistry) -> None:
        """Conversations, turns and latency (seed 2 business and functional metrics)."""
        self.conversations_started = Counter(
            "switchboard_conversations_started",
            "Conversations started (seed 2 ConversationsPerHour = increase over 1h).",
            ["channel"],
            registry=r,
        )
        self.conversations_ended = Counter(
            "switchboard_conversations_ended",
            "Conversations ended, by resolution status.",
            ["status"],
            registry=r,
        )
        self.active = Gauge(
            "switchboard_active_conversations", "Conversations started and not ended.", registry=r
        )
        self.turns = Counter(
            "switchboard_turns",
            "Customer turns answered, by route and action.",
            ["route", "action"],
            registry=r,
        )
        self.turns_per_conversation = Histogram(
            "switchboard_conversation_turns",
            "Turns per ended conversation (seed 2 AverageConversationLength).",
            buckets=TURN_BUCKETS,
            registry=r,
        )
        self.latency = Histogram(
            "switchboard_response_latency_seconds",
            "Time from customer message to agent reply (seed 2 ResponseLatency).",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )

    def _tool_and_validation_metrics(self, r: CollectorRegistry) -> None:
        """Tool calls, validation verdicts and hallucinations (seed 2 functional metrics)."""
        self.tool_invocations = Counter(
            "switchboard_tool_invocations",
            "Tool calls, by tool and outcome (seed 2 ToolInvocationCount).",
            ["tool", "outcome"],
            registry=r,
        )
        self.tools_per_conversation = Histogram(
            "switchboard_conversation_tool_invocations",
            "Tool calls per ended conversation.",
            buckets=TOOL_BUCKETS,
            registry=r,
        )
        self.validation_checks = Counter(
            "switchboard_validation_checks",
            "Validation agent verdicts (seed 2 ValidationSuccessRate = passed / all).",
            ["result"],
            registry=r,
        )
        self.hallucinations = Counter(
            "switchboard_hallucinations_detected",
            "Replies with at least one validation finding, by highest severity "
            "(seed 2 HallucinationDetectionRate = this / validation checks).",
            ["severity"],
            registry=r,
        )

    def _error_and_outcome_metrics(self, r: CollectorRegistry) -> None:
        """Errors, transfers, escalations, guardrail blocks and the per-type event count."""
        self.brain_errors = Counter(
            "switchboard_brain_errors",
            "Brain failures: raised, timed out or bad output (seed 2 BedrockAPIErrors).",
            registry=r,
        )
        self.tool_errors = Counter(
            "switchboard_tool_errors",
            "Tool calls that returned an error (seed 2 ToolExecutionErrors).",
            ["tool", "code"],
            registry=r,
        )
        self.validation_errors = Counter(
            "switchboard_validation_errors",
            "Validation failures: a reply failed validation (failed) or the validation "
            "agent itself broke or timed out (agent_error) (seed 2 ValidationErrors).",
            ["kind"],
            registry=r,
        )
        self.transfers = Counter(
            "switchboard_transfers",
            "Contacts handed to a human, by reason (seed 2 TransferRate, Handover Reasons).",
            ["reason"],
            registry=r,
        )
        self.escalations = Counter(
            "switchboard_escalations",
            "Handovers by the contact's RealTimeSentiment at the time (seed 3).",
            ["sentiment"],
            registry=r,
        )
        self.sentiment_escalations = Counter(
            "switchboard_sentiment_escalations",
            "Contacts escalated by the live sentiment rule (RealTimeSentiment=NEGATIVE, seed 3).",
            registry=r,
        )
        self.guardrail_blocks = Counter(
            "switchboard_guardrail_blocks",
            "Customer inputs declined by the input guardrail.",
            ["category"],
            registry=r,
        )
        self.events = Counter(
            "switchboard_events", "Contact events seen, by type.", ["type"], registry=r
        )

    # -- feeding ------------------------------------------------------------------------

    def observe(self, event: Event) -> None:
        """Update the metrics for one event; never raises (an event listener)."""
        try:
            self._observe(event)
        except Exception:  # a malformed event must not break the audit path
            log.exception("metrics: event not counted", extra={"event_type": str(event.type)})

    def note_sentiment(self, contact_id: str, label: str) -> None:
        """Record a contact's current ``RealTimeSentiment`` (used to label escalations)."""
        with self._lock:
            self._track(contact_id)["sentiment"] = label.upper()

    def render(self) -> bytes:
        """The registry in Prometheus text format (``GET /metrics``)."""
        return generate_latest(self.registry)

    # -- internals ----------------------------------------------------------------------

    def _track(self, contact_id: str) -> dict[str, Any]:
        state = self._contacts.get(contact_id)
        if state is None:
            state = self._contacts[contact_id] = {"tools": 0, "sentiment": None}
            while len(self._contacts) > self._max:
                self._contacts.popitem(last=False)
        return state

    def _observe(self, event: Event) -> None:
        self.events.labels(type=event.type.value).inc()
        match event.payload:
            case ConversationStartData(channel=channel):
                self.conversations_started.labels(channel=channel or "unknown").inc()
                self.active.inc()
                with self._lock:
                    self._track(event.contact_id)
            case AgentReplyData() as reply:
                route = reply.route.value if reply.route else "none"
                action = reply.action.value if reply.action else "none"
                self.turns.labels(route=route, action=action).inc()
                if reply.latency_ms is not None and reply.latency_ms >= 0:
                    self.latency.observe(reply.latency_ms / 1000.0)
            case ToolInvocationData() as tool:
                self._tool(event.contact_id, tool)
            case ValidationCheckData() as check:
                passed = check.validation_passed
                self.validation_checks.labels(result="passed" if passed else "failed").inc()
                if check.hallucination_detected:
                    severity = check.severity.value if check.severity else "low"
                    self.hallucinations.labels(severity=severity).inc()
                if not passed:
                    self.validation_errors.labels(kind="failed").inc()
            case ErrorData(stage="brain"):
                self.brain_errors.inc()
            case ErrorData(stage="validation"):
                self.validation_errors.labels(kind="agent_error").inc()
            case HandoverDecisionData() as decision:
                self._handover(event.contact_id, decision)
            case GuardrailData(category=category):
                self.guardrail_blocks.labels(category=category).inc()
            case ConversationEndData() as end:
                self._end(event.contact_id, end)
            case SentimentData() as scored:
                self._sentiment(event.contact_id, scored)
            case _:
                pass

    def _handover(self, contact_id: str, decision: HandoverDecisionData) -> None:
        """A handover: count it by reason and by the contact's sentiment at the time."""
        self.transfers.labels(reason=decision.reason or "unknown").inc()
        with self._lock:
            label = self._track(contact_id).get("sentiment")
        label = str(decision.sentiment or label or "UNKNOWN").upper()
        self.escalations.labels(sentiment=label if label in SENTIMENTS else "UNKNOWN").inc()

    def _sentiment(self, contact_id: str, scored: SentimentData) -> None:
        """A scored customer segment (seed 3): keep RealTimeSentiment, count escalations."""
        if scored.attribute is not None:
            self.note_sentiment(contact_id, scored.attribute)
        if scored.escalation:
            self.sentiment_escalations.inc()

    def _tool(self, contact_id: str, tool: ToolInvocationData) -> None:
        name = tool.tool_name or "unknown"
        self.tool_invocations.labels(tool=name, outcome="ok" if tool.ok else "error").inc()
        if not tool.ok:
            code = tool.error.code if tool.error else "error"
            self.tool_errors.labels(tool=name, code=code).inc()
        with self._lock:
            self._track(contact_id)["tools"] += 1

    def _end(self, contact_id: str, end: ConversationEndData) -> None:
        self.conversations_ended.labels(status=end.resolution_status or "unknown").inc()
        self.active.dec()
        if end.total_turns is not None and end.total_turns >= 0:
            self.turns_per_conversation.observe(end.total_turns)
        with self._lock:
            state = self._contacts.pop(contact_id, None)
        self.tools_per_conversation.observe(state["tools"] if state else 0)
