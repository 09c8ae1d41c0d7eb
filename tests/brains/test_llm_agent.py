"""Acceptance: LLM brains through the whole AgentService (real router, MCP tools, validation).

``SWITCHBOARD_BRAIN=openai`` points at a scripted chat-completions server on a
loopback port that plays seed 2 Example 1; lies it injects are caught by the
validation agent and regenerated or handed over; provider outages end in the
fallback brain's answer or a handover, never an error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

pytest.importorskip("openai", reason="the llm extra (openai) is not installed")

from switchboard.agent.messages import fallback_message, handover_message
from switchboard.agent.service import AgentService
from switchboard.brains.local.router import EmbeddingRouter
from switchboard.compose import build_service
from switchboard.config import RouterSettings, Settings
from switchboard.domain.types import (
    Action,
    EventType,
    HandoverReason,
    Locale,
    ValidationAction,
)
from switchboard.store import SqlStore
from switchboard.testing.chat_server import Call, ChatServer, Fail, Hang, Say
from switchboard.testing.scripted_llm import ASK_TYPE, BankerScript
from switchboard.validation import STRICT_INSTRUCTION

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXAMPLE_1 = ("Hi, I want to open an account", "Checking account", "Online would be easier")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def router() -> AsyncIterator[EmbeddingRouter]:
    yield EmbeddingRouter.load(RouterSettings())


@pytest.fixture
def openai_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def point_at(server: ChatServer, fallback: str = "", timeout_s: float = 5.0) -> Settings:
        monkeypatch.setenv("SWITCHBOARD_BRAIN", "openai")
        monkeypatch.setenv("SWITCHBOARD_BRAIN_FALLBACK", fallback)
        monkeypatch.setenv("SWITCHBOARD_OPENAI__BASE_URL", server.base_url)
        monkeypatch.setenv("SWITCHBOARD_OPENAI__MODEL", "scripted-banker")
        monkeypatch.setenv("SWITCHBOARD_OPENAI__MAX_RETRIES", "0")
        monkeypatch.setenv("SWITCHBOARD_OPENAI__TIMEOUT_S", str(timeout_s))
        monkeypatch.setenv("SWITCHBOARD_BRAIN_STEP_TIMEOUT_S", "2")
        return Settings(database_url="sqlite://")

    yield point_at


async def agent(settings: Settings, router: EmbeddingRouter, store: SqlStore) -> AgentService:
    return await build_service(settings, store=store, router=router)


async def play(svc: AgentService, *lines: str) -> tuple[str, list[Any]]:
    c = await svc.start_contact(locale=Locale.EN_GB)
    return c.contact_id, [await svc.handle_turn(c.contact_id, line) for line in lines]


async def test_example_1_end_to_end_over_openai(openai_env: Any, router: EmbeddingRouter) -> None:
    script = BankerScript()
    with ChatServer(script) as server:
        store = SqlStore("sqlite://")
        svc = await agent(openai_env(server), router, store)
        assert svc.brain.name == "openai"
        contact_id, (r1, r2, r3) = await play(svc, *EXAMPLE_1)
        view = svc.contact_view(contact_id)
        await svc.aclose()
    assert server.rejected == []
    assert r1.text == ASK_TYPE and r1.action is Action.CLARIFY
    assert "branches or online" in r2.text and r2.action is Action.CLARIFY
    assert [t.name for t in r3.tools] == ["get_digital_account_opening_info"]
    assert r3.tools[0].arguments == {"account_type": "checking"}
    out = r3.tools[0].output
    assert out is not None and out["processing_time"] in r3.text
    assert all(doc in r3.text for doc in out["documents_required"])
    assert r3.validation is not None and r3.validation.passed
    assert r3.action is Action.ANSWER
    # The whole dialogue reached the model: the last request carries the earlier turns.
    roles = [m["role"] for m in server.requests[-1]["messages"]]
    assert roles[0] == "system" and roles.count("user") == 3 and roles[-1] == "tool"
    invocations = [e for e in view.events if e.type is EventType.BRAIN_INVOCATION]
    assert {e.data["brain"] for e in invocations} == {"openai"}
    assert store.hallucination_logs(contact_id) == []


async def test_lie_once_is_caught_and_regenerated(openai_env: Any, router: EmbeddingRouter) -> None:
    script = BankerScript("fabricated_document")
    with ChatServer(script) as server:
        store = SqlStore("sqlite://")
        svc = await agent(openai_env(server), router, store)
        contact_id, (*_, r3) = await play(svc, *EXAMPLE_1)
        await svc.aclose()
    assert script.strict_requests >= 1  # the stricter instruction reached the model
    assert r3.handover is None and r3.validation is not None and r3.validation.passed
    logs = store.hallucination_logs(contact_id)
    assert logs and logs[0].action_taken is ValidationAction.REGENERATED
    assert logs[0].model_response not in r3.text
    out = r3.tools[0].output
    assert out is not None and all(doc in r3.text for doc in out["documents_required"])


async def test_lie_twice_hands_over(openai_env: Any, router: EmbeddingRouter) -> None:
    script = BankerScript("fabricated_document", persistent=True)
    with ChatServer(script) as server:
        store = SqlStore("sqlite://")
        svc = await agent(openai_env(server), router, store)
        contact_id, (*_, r3) = await play(svc, *EXAMPLE_1)
        await svc.aclose()
    assert script.strict_requests >= 1
    assert r3.action is Action.HANDOVER and r3.handover is not None
    assert r3.handover.reason is HandoverReason.VALIDATION_FAILURE
    assert r3.text == fallback_message("transfer", Locale.EN_GB)
    actions = [row.action_taken for row in store.hallucination_logs(contact_id)]
    assert ValidationAction.REGENERATED in actions and ValidationAction.FALLBACK in actions


async def test_outage_falls_back_to_the_local_brain(
    openai_env: Any, router: EmbeddingRouter
) -> None:
    with ChatServer(lambda body: Fail(503)) as server:
        svc = await agent(openai_env(server, fallback="local"), router, SqlStore("sqlite://"))
        _, (r,) = await play(svc, "How do I open a checking account online?")
        await svc.aclose()
    assert server.requests, "the openai brain was tried first"
    assert r.handover is None and r.action is Action.ANSWER
    assert [t.name for t in r.tools] == ["get_digital_account_opening_info"]
    assert r.validation is not None and r.validation.passed


async def test_hung_server_falls_back_to_the_local_brain(
    openai_env: Any, router: EmbeddingRouter
) -> None:
    with ChatServer(lambda body: Hang(5.0, then=Say("too late"))) as server:
        settings = openai_env(server, fallback="local", timeout_s=0.5)
        svc = await agent(settings, router, SqlStore("sqlite://"))
        _, (r,) = await play(svc, "How do I open a checking account online?")
        await svc.aclose()
    assert r.handover is None and "too late" not in r.text
    assert [t.name for t in r.tools] == ["get_digital_account_opening_info"]


async def test_outage_without_fallback_hands_over_and_keeps_the_transcript(
    openai_env: Any, router: EmbeddingRouter
) -> None:
    with ChatServer(lambda body: Fail(500)) as server:
        svc = await agent(openai_env(server), router, SqlStore("sqlite://"))
        contact_id, (r,) = await play(svc, "How do I open a checking account online?")
        view = svc.contact_view(contact_id)
        await svc.aclose()
    assert r.action is Action.HANDOVER and r.handover is not None
    assert r.handover.reason is HandoverReason.TECHNICAL_ISSUES
    assert r.text == handover_message(HandoverReason.TECHNICAL_ISSUES, Locale.EN_GB)
    assert [m.content for m in view.messages] == [
        "How do I open a checking account online?", r.text]
    errors = [e for e in view.events if e.type is EventType.ERROR]
    assert errors and "500" in errors[0].data["error"]


async def test_answer_from_memory_is_regenerated_through_the_tool(
    openai_env: Any, router: EmbeddingRouter
) -> None:
    """A model that skips its tools (seed 2 scenario 3) is sent back; strict, it calls them."""
    invented = ("You'll need a passport and proof of income; your account opens the same day "
                "and your card arrives within 2 working days.")
    banker = BankerScript()

    def script(body: dict[str, Any]) -> Any:
        system = body["messages"][0]["content"]
        if body["messages"][-1]["role"] == "user" and STRICT_INSTRUCTION not in system:
            return Say(invented)
        if body["messages"][-1]["role"] == "user":
            return Call("get_digital_account_opening_info", {"account_type": "checking"})
        return banker(body)

    with ChatServer(script) as server:
        store = SqlStore("sqlite://")
        svc = await agent(openai_env(server), router, store)
        contact_id, (r,) = await play(svc, "How do I open a checking account online?")
        await svc.aclose()
    assert invented not in r.text and r.handover is None
    assert [t.name for t in r.tools] == ["get_digital_account_opening_info"]
    assert r.validation is not None and r.validation.passed
    rows = store.hallucination_logs(contact_id)  # one row per finding in the invented reply
    assert rows and {(x.action_taken, x.model_response) for x in rows} == {
        (ValidationAction.REGENERATED, invented)}
