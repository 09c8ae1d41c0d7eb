"""OpenTelemetry spans around the turn-loop stages, exported only when configured.

:func:`instrument_service` wraps the ports the turn loop calls — the intent
router, the brain, the tool host and the validation agent — in thin traced
proxies, and the loop's ``run`` in a ``turn`` span, so one customer turn
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

from collections.abc import Awaitable, Callable, Sequence
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

from switchboard.domain.types import (
    AgentReply,
    Contact,
    Locale,
    ToolCall,
    ToolResult,
    ToolSpec,
    ValidationResult,
)
from switchboard.errors import ConfigError
from switchboard.ports import Brain, BrainStep, BrainTurn, IntentRouter, RouteDecision, ToolHost

if TYPE_CHECKING:
    from switchboard.agent.service import AgentService
    from switchboard.ports import Validator

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


class TracedRouter:
    """An :class:`IntentRouter` whose ``classify`` is a span."""

    def __init__(self, inner: IntentRouter, tracer: Tracer) -> None:
        self.inner = inner
        self.tracer = tracer

    def classify(self, text: str) -> RouteDecision:
        """Classify through the wrapped router inside ``switchboard.router.classify``."""
        with self.tracer.start_as_current_span(SPAN_PREFIX + "router.classify") as span:
            decision = self.inner.classify(text)
            span.set_attribute("route", decision.route.value)
            span.set_attribute("intent", decision.intent)
            span.set_attribute("confidence", float(decision.confidence))
            return decision


class TracedBrain:
    """A :class:`Brain` whose ``step`` is a span."""

    def __init__(self, inner: Brain, tracer: Tracer) -> None:
        self.inner = inner
        self.tracer = tracer
        self.name = inner.name

    async def step(self, turn: BrainTurn) -> BrainStep:
        """Run the wrapped brain's step inside ``switchboard.brain.step``."""
        with self.tracer.start_as_current_span(SPAN_PREFIX + "brain.step") as span:
            span.set_attribute("brain", self.name)
            span.set_attribute("round", turn.round)
            span.set_attribute("strict", turn.strict)
            step = await self.inner.step(turn)
            span.set_attribute("stop_reason", step.stop_reason)
            span.set_attribute("tool_calls", len(step.tool_calls))
            return step


class TracedToolHost:
    """A :class:`ToolHost` whose ``call`` is a span."""

    def __init__(self, inner: ToolHost, tracer: Tracer) -> None:
        self.inner = inner
        self.tracer = tracer

    async def list_tools(self, locale: Locale) -> list[ToolSpec]:
        """Pass through to the wrapped host."""
        return await self.inner.list_tools(locale)

    async def call(self, call: ToolCall, locale: Locale) -> ToolResult:
        """Run the call inside ``switchboard.tool.call``; an error result marks the span."""
        with self.tracer.start_as_current_span(SPAN_PREFIX + "tool.call") as span:
            span.set_attribute("tool.name", call.name)
            result = await self.inner.call(call, locale)
            span.set_attribute("tool.ok", result.ok)
            if result.error is not None:
                span.set_attribute("tool.error_code", result.error.code)
                span.set_status(Status(StatusCode.ERROR, result.error.code))
            return result

    async def aclose(self) -> None:
        """Close the wrapped host."""
        await self.inner.aclose()

    def __getattr__(self, name: str) -> Any:
        """Anything else (e.g. ``prepare``) is the wrapped host's."""
        return getattr(self.inner, name)


class TracedValidator:
    """A validator whose ``validate`` is a span."""

    def __init__(self, inner: Validator, tracer: Tracer) -> None:
        self.inner = inner
        self.tracer = tracer
        self.name = getattr(inner, "name", type(inner).__name__)

    def validate(
        self,
        user_query: str,
        tool_results: Sequence[ToolResult],
        reply_text: str,
        locale: Locale,
    ) -> ValidationResult:
        """Validate inside ``switchboard.validation.validate``."""
        with self.tracer.start_as_current_span(SPAN_PREFIX + "validation.validate") as span:
            result = self.inner.validate(user_query, tool_results, reply_text, locale)
            span.set_attribute("passed", result.passed)
            span.set_attribute("findings", len(result.findings))
            if result.severity is not None:
                span.set_attribute("severity", result.severity.value)
            return result


def _traced_run(
    run: Callable[..., Awaitable[AgentReply]], tracer: Tracer
) -> Callable[..., Awaitable[AgentReply]]:
    async def traced(contact: Contact, text: str, *args: Any, **kwargs: Any) -> AgentReply:
        with tracer.start_as_current_span(SPAN_PREFIX + "turn") as span:
            span.set_attribute("contact.id", contact.contact_id)
            span.set_attribute("contact.channel", contact.channel.value)
            span.set_attribute("contact.locale", contact.locale.value)
            try:
                reply = await run(contact, text, *args, **kwargs)
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

    return traced


def instrument_service(service: AgentService, telemetry: Telemetry) -> None:
    """Wrap the turn loop's stages of ``service`` in spans (idempotent).

    Args:
        service: a created :class:`~switchboard.agent.service.AgentService`.
        telemetry: the tracer to use.
    """
    loop = service.loop
    if getattr(loop, "_sb_traced", False):
        return
    tracer = telemetry.tracer
    if loop.router is not None:
        loop.router = TracedRouter(loop.router, tracer)
    loop.brain = TracedBrain(loop.brain, tracer)
    loop.tools = TracedToolHost(loop.tools, tracer)
    if loop.validator is not None:
        loop.validator = TracedValidator(loop.validator, tracer)
    loop.run = _traced_run(loop.run, tracer)  # type: ignore[method-assign,assignment]  # instance-level wrap
    loop._sb_traced = True  # type: ignore[attr-defined]  # marker against double wrapping
