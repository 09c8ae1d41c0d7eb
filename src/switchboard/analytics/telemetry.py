"""OpenTelemetry spans around the turn-loop stages, exported only when configured.

:func:`instrument_service` registers a :class:`TracingMiddleware` on the
service's turn middleware chain (``AgentService.hooks``), whose hooks
around the intent router, the brain, the tool host and the validation
agent — and around the whole turn — open spans, so one customer turn
becomes one trace::

    switchboard.turn                      contact.id, channel, turn.route, turn.action ...
    ├── switchboard.router.classify       route, intent, confidence
    ├── switchboard.brain.step            brain, round, stop_reason, tool_calls
    ├── switchboard.tool.call             tool.name, tool.ok, tool.error_code
    ├── switchboard.brain.step            (the round after the tool results)
    └── switchboard.validation.validate   passed, severity, findings

Nothing is traced unless telemetry is configured
(``SWITCHBOARD_TELEMETRY__OTEL_EXPORTER`` = ``console`` or ``otlp``, or an
exporter passed in code); the tracer provider is private to the app (the
global OpenTelemetry provider is left alone). ``otlp`` needs
``opentelemetry-exporter-otlp-proto-http`` (imported lazily).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import Status, StatusCode, Tracer

from switchboard.agent.hooks import (
    BrainNext,
    ClassifyNext,
    ToolNext,
    TurnInput,
    TurnMiddleware,
    TurnNext,
    ValidateNext,
    ValidationInput,
)
from switchboard.domain.types import AgentReply, Locale, ToolCall, ToolResult, ValidationResult
from switchboard.errors import ConfigError
from switchboard.ports import BrainStep, BrainTurn, RouteDecision

if TYPE_CHECKING:
    from switchboard.agent.service import AgentService

SPAN_PREFIX = "switchboard."


class Telemetry:
    """A private tracer provider with one exporter.

    Args:
        exporter: where finished spans go.
        batch: export in a background batch (production) rather than span by span (tests).
        service_name: the ``service.name`` resource attribute.
    """

    def __init__(
        self, exporter: SpanExporter, *, batch: bool = True, service_name: str = "switchboard"
    ) -> None:
        self.provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
        self.provider.add_span_processor(processor)
        self.tracer: Tracer = self.provider.get_tracer("switchboard")

    @classmethod
    def from_settings(cls, exporter: str, endpoint: str | None = None) -> Telemetry | None:
        """Build telemetry for an exporter name; None for ``none`` (tracing off).

        Args:
            exporter: ``none`` | ``console`` | ``otlp``.
            endpoint: OTLP/HTTP traces endpoint (default of the exporter when None).

        Raises:
            ConfigError: an unknown exporter name, or ``otlp`` without its package.
        """
        name = exporter.strip().lower()
        if name in ("", "none", "off"):
            return None
        if name == "console":
            return cls(ConsoleSpanExporter())
        if name == "otlp":
            try:
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found]  # optional
                    OTLPSpanExporter,
                )
            except ImportError as exc:
                raise ConfigError(
                    "the otlp exporter needs: pip install opentelemetry-exporter-otlp-proto-http"
                ) from exc
            return cls(OTLPSpanExporter(endpoint=endpoint) if endpoint else OTLPSpanExporter())
        raise ConfigError(f"unknown telemetry exporter {exporter!r}; use none, console or otlp")

    def shutdown(self) -> None:
        """Flush and stop the exporter."""
        self.provider.shutdown()


def _record_error(span: Any, exc: BaseException) -> None:
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))


class TracingMiddleware(TurnMiddleware):
    """A turn middleware that makes each stage of a turn a span (one trace per turn).

    Registered on ``AgentService.hooks`` by :func:`instrument_service`; the
    ports themselves are left untouched.
    """

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    async def on_turn(self, turn: TurnInput, call_next: TurnNext) -> AgentReply:
        """``switchboard.turn``: contact id, channel, locale; the reply's route, action, tools."""
        contact = turn.contact
        with self.tracer.start_as_current_span(SPAN_PREFIX + "turn") as span:
            span.set_attribute("contact.id", contact.contact_id)
            span.set_attribute("contact.channel", contact.channel.value)
            span.set_attribute("contact.locale", contact.locale.value)
            try:
                reply = await call_next(turn)
            except Exception as exc:
                _record_error(span, exc)
                raise
            span.set_attribute("turn.index", reply.turn_index)
            span.set_attribute("turn.route", reply.route.value)
            span.set_attribute("turn.action", reply.action.value)
            span.set_attribute("turn.tools", [t.name for t in reply.tools])
            span.set_attribute("turn.latency_ms", reply.latency_ms)
            if reply.handover is not None:
                span.set_attribute("turn.handover_reason", reply.handover.reason.value)
            return reply

    def on_classify(self, text: str, call_next: ClassifyNext) -> RouteDecision:
        """``switchboard.router.classify``: route, intent, confidence."""
        with self.tracer.start_as_current_span(SPAN_PREFIX + "router.classify") as span:
            decision = call_next(text)
            span.set_attribute("route", decision.route.value)
            span.set_attribute("intent", decision.intent)
            span.set_attribute("confidence", float(decision.confidence))
            return decision

    async def on_brain_step(self, turn: BrainTurn, call_next: BrainNext) -> BrainStep:
        """``switchboard.brain.step``: round, strict, stop reason, tool calls."""
        with self.tracer.start_as_current_span(SPAN_PREFIX + "brain.step") as span:
            span.set_attribute("round", turn.round)
            span.set_attribute("strict", turn.strict)
            step = await call_next(turn)
            span.set_attribute("stop_reason", step.stop_reason)
            span.set_attribute("tool_calls", len(step.tool_calls))
            return step

    async def on_tool_call(self, call: ToolCall, locale: Locale, call_next: ToolNext) -> ToolResult:
        """``switchboard.tool.call``: tool name, ok, error code (an error marks the span)."""
        with self.tracer.start_as_current_span(SPAN_PREFIX + "tool.call") as span:
            span.set_attribute("tool.name", call.name)
            result = await call_next(call, locale)
            span.set_attribute("tool.ok", result.ok)
            if result.error is not None:
                span.set_attribute("tool.error_code", result.error.code)
                span.set_status(Status(StatusCode.ERROR, result.error.code))
            return result

    def on_validate(self, check: ValidationInput, call_next: ValidateNext) -> ValidationResult:
        """``switchboard.validation.validate``: passed, findings, severity."""
        with self.tracer.start_as_current_span(SPAN_PREFIX + "validation.validate") as span:
            result = call_next(check)
            span.set_attribute("passed", result.passed)
            span.set_attribute("findings", len(result.findings))
            if result.severity is not None:
                span.set_attribute("severity", result.severity.value)
            return result


def instrument_service(service: AgentService, telemetry: Telemetry) -> TracingMiddleware:
    """Register a :class:`TracingMiddleware` on ``service.hooks``.

    Args:
        service: a built :class:`~switchboard.agent.service.AgentService`.
        telemetry: the tracer to use.

    Returns:
        The registered middleware (``service.hooks.remove`` it to stop tracing).
    """
    middleware = TracingMiddleware(telemetry.tracer)
    service.hooks.add(middleware)
    return middleware
