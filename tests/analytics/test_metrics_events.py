"""Seed 2 metrics counted from the events of real scripted contacts (real agent, tools, store)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from switchboard.agent.service import AgentService
from switchboard.analytics.telemetry_runtime import AnalyticsRuntime
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.domain.types import ContactStatus, ToolCall
from switchboard.ports import BrainStep, BrainTurn
from switchboard.store import SqlStore
from switchboard.testing.fakes import DeadBrain, ScriptedBrain
from switchboard.testing.identity import app_staff_headers
from switchboard.testing.lying_brain import LyingBrain

pytestmark = pytest.mark.asyncio(loop_scope="module")

SETTINGS = Settings(database_url="sqlite://", summaries={"directory": None})


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def base() -> AsyncIterator[AgentService]:
    svc = await build_service(SETTINGS, store=SqlStore("sqlite://"))
    yield svc
    await svc.aclose()


async def wired(base: AgentService, **kw: object) -> tuple[AgentService, AnalyticsRuntime]:
    svc = await build_service(
        SETTINGS,
        store=SqlStore("sqlite://"),
        router=base.router,
        **kw,  # type: ignore[arg-type]
    )
    return svc, AnalyticsRuntime.attach(svc, SETTINGS, sinks=[], start_sweeper=False)


async def play(svc: AgentService, *lines: str, status: ContactStatus = ContactStatus.RESOLVED):
    c = await svc.start_contact()
    replies = [await svc.handle_turn(c.contact_id, line) for line in lines]
    await svc.end_contact(c.contact_id, status)
    return replies


def value(rt: AnalyticsRuntime, name: str, **labels: str) -> float:
    got = rt.metrics.registry.get_sample_value(name, labels)
    return 0.0 if got is None else got


async def test_business_and_functional_metrics(base: AgentService) -> None:
    svc, rt = await wired(base)
    await play(svc, "Where is the nearest branch in Manchester?")
    await play(svc, "I've asked this three times already! Why can't you just tell me?")
    await play(svc, "Hi, I want to open an account", "Checking account", "Online would be easier")
    await play(svc, status=ContactStatus.ABANDONED)
    assert value(rt, "switchboard_conversations_started_total", channel="chat") == 4
    assert value(rt, "switchboard_conversations_ended_total", status="resolved") == 2
    assert value(rt, "switchboard_conversations_ended_total", status="transferred") == 1
    assert value(rt, "switchboard_conversations_ended_total", status="abandoned") == 1
    assert value(rt, "switchboard_active_conversations") == 0
    assert value(rt, "switchboard_transfers_total", reason="customer_frustration") == 1
    # The turn scores its own segment before deciding (issue 14): the angry turn's
    # handover is counted with the sentiment it escalated on, not UNKNOWN.
    assert value(rt, "switchboard_escalations_total", sentiment="NEGATIVE") == 1
    assert (
        value(rt, "switchboard_tool_invocations_total", tool="find_nearest_branch", outcome="ok")
        == 1
    )
    assert (
        value(
            rt,
            "switchboard_tool_invocations_total",
            tool="get_digital_account_opening_info",
            outcome="ok",
        )
        == 1
    )
    assert value(rt, "switchboard_response_latency_seconds_count") == 5  # five turns answered
    assert value(rt, "switchboard_conversation_turns_count") == 4
    assert value(rt, "switchboard_conversation_turns_sum") == 5
    assert value(rt, "switchboard_conversation_tool_invocations_sum") == 2
    assert value(rt, "switchboard_validation_checks_total", result="passed") >= 2
    assert value(rt, "switchboard_turns_total", route="branch", action="answer") == 1
    await rt.aclose()
    await svc.aclose()


async def test_hallucination_and_validation_failure(base: AgentService) -> None:
    svc, rt = await wired(
        base, brain=LyingBrain("fabricated_document", scenario="branch_account", persistent=True)
    )
    await play(svc, "What documents do I need for a savings account?")
    assert (
        value(rt, "switchboard_hallucinations_detected_total", severity="medium")
        + value(rt, "switchboard_hallucinations_detected_total", severity="high")
        >= 1
    )
    assert value(rt, "switchboard_validation_checks_total", result="failed") >= 1
    assert value(rt, "switchboard_validation_errors_total", kind="failed") >= 1
    assert value(rt, "switchboard_transfers_total", reason="validation_failure") == 1
    await rt.aclose()
    await svc.aclose()


async def test_brain_errors(base: AgentService) -> None:
    svc, rt = await wired(base, brain=DeadBrain())
    await play(svc, "How do I open a checking account online?")
    assert value(rt, "switchboard_brain_errors_total") == 1
    assert value(rt, "switchboard_transfers_total", reason="technical_issues") == 1
    await rt.aclose()
    await svc.aclose()


async def test_tool_errors(base: AgentService) -> None:
    def script(turn: BrainTurn) -> BrainStep:
        if not turn.tool_results:
            return BrainStep(tool_calls=[ToolCall(name="no_such_tool")], stop_reason="tool_use")
        return BrainStep(text="Sorry, I could not look that up.")

    svc, rt = await wired(base, brain=ScriptedBrain(script))
    await play(svc, "How do I open a checking account online?")
    assert value(rt, "switchboard_tool_errors_total", tool="no_such_tool", code="unknown_tool") == 1
    assert (
        value(rt, "switchboard_tool_invocations_total", tool="no_such_tool", outcome="error") == 1
    )
    await rt.aclose()
    await svc.aclose()


async def test_registry_is_private_and_served_at_metrics(base: AgentService) -> None:
    from switchboard.api import create_app

    svc, rt = await wired(base)
    await play(svc, "Where is the nearest branch in Manchester?")
    other = AnalyticsRuntime.attach(base, SETTINGS, sinks=[], start_sweeper=False)
    assert other.metrics.registry is not rt.metrics.registry
    assert value(other, "switchboard_conversations_started_total", channel="chat") == 0
    assert (
        REGISTRY.get_sample_value("switchboard_conversations_started_total", {"channel": "chat"})
        is None
    )
    with TestClient(create_app(SETTINGS, service=svc, analytics=rt)) as http:
        response = http.get("/metrics", headers=app_staff_headers(http.app, "supervisor"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    started = families["switchboard_conversations_started"].samples
    assert [(s.labels, s.value) for s in started if s.name.endswith("_total")] == [
        ({"channel": "chat"}, 1.0)
    ]
    await other.aclose()
    await rt.aclose()
    await svc.aclose()
