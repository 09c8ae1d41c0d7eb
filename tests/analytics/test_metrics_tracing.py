"""OpenTelemetry spans around the turn-loop stages, with the SDK's in-memory exporter."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from switchboard.analytics.telemetry import Telemetry
from switchboard.analytics.telemetry_runtime import AnalyticsRuntime
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.errors import ConfigError
from switchboard.store import SqlStore

SETTINGS = Settings(database_url="sqlite://", summaries={"directory": None})


async def test_one_turn_is_one_trace_with_a_span_per_stage() -> None:
    exporter = InMemorySpanExporter()
    telemetry = Telemetry(exporter, batch=False)
    svc = await build_service(SETTINGS, store=SqlStore("sqlite://"))
    runtime = AnalyticsRuntime.attach(
        svc, SETTINGS, sinks=[], telemetry=telemetry, start_sweeper=False
    )
    c = await svc.start_contact()
    await svc.handle_turn(c.contact_id, "How do I open a checking account online?")
    spans = exporter.get_finished_spans()
    by_name = {s.name: s for s in spans}
    turn = by_name["switchboard.turn"]
    assert turn.attributes["contact.id"] == c.contact_id
    assert turn.attributes["turn.route"] == "account_opening"
    assert turn.attributes["turn.tools"] == ("get_digital_account_opening_info",)
    names = [s.name for s in spans]
    assert names.count("switchboard.brain.step") == 2  # tool round, then the answer
    for stage in ("router.classify", "tool.call", "validation.validate"):
        assert f"switchboard.{stage}" in names
    tool = by_name["switchboard.tool.call"]
    assert tool.attributes["tool.name"] == "get_digital_account_opening_info"
    assert tool.attributes["tool.ok"] is True
    for span in spans:
        assert span.context.trace_id == turn.context.trace_id
        if span is not turn:
            assert span.parent is not None and span.parent.span_id == turn.context.span_id
    assert by_name["switchboard.validation.validate"].attributes["passed"] is True
    await runtime.aclose()
    await svc.aclose()


async def test_nothing_is_traced_unless_configured() -> None:
    svc = await build_service(SETTINGS, store=SqlStore("sqlite://"), router=None)
    runtime = AnalyticsRuntime.attach(svc, SETTINGS, sinks=[], start_sweeper=False)
    assert runtime.telemetry is None
    assert not svc.hooks.middlewares  # no tracing middleware registered
    await runtime.aclose()
    await svc.aclose()


def test_exporter_names() -> None:
    assert Telemetry.from_settings("none") is None
    console = Telemetry.from_settings("console")
    assert console is not None
    console.shutdown()
    with pytest.raises(ConfigError, match="unknown telemetry exporter"):
        Telemetry.from_settings("zipkin")
