"""The conversation spine's small parts: the turn middleware chain and the async store."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from switchboard.agent.hooks import TurnHooks, TurnMiddleware, ValidationInput
from switchboard.domain.types import (
    Contact,
    Locale,
    Message,
    Role,
    Route,
    ToolCall,
    ToolResult,
    ValidationResult,
)
from switchboard.errors import UnknownContactError
from switchboard.ports import AsyncStore, RouteDecision
from switchboard.store.aio import ThreadedStore
from switchboard.store.sql import SqlStore


class Recorder(TurnMiddleware):
    """Records the order it is entered and left in."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    def on_classify(self, text, call_next):  # type: ignore[no-untyped-def]
        self.log.append(f"{self.name}>")
        decision = call_next(text)
        self.log.append(f"<{self.name}")
        return decision

    async def on_tool_call(self, call, locale, call_next):  # type: ignore[no-untyped-def]
        self.log.append(f"{self.name}:{call.name}")
        return await call_next(call, locale)


class Veto(TurnMiddleware):
    """An extra validation hook: fails every reply that mentions a rate."""

    def on_validate(self, check, call_next):  # type: ignore[no-untyped-def]
        result = call_next(check)
        if "%" in check.reply:
            return result.model_copy(update={"passed": False})
        return result


def decision(text: str) -> RouteDecision:
    return RouteDecision(route=Route.OUT_OF_SCOPE, intent=text, confidence=1.0)


def test_middlewares_run_in_order_first_added_outermost() -> None:
    log: list[str] = []
    hooks = TurnHooks()
    outer, inner = Recorder("a", log), Recorder("b", log)
    hooks.add(outer)
    hooks.add(inner)
    hooks.add(outer)  # the same object twice is one middleware
    assert hooks.classify("hi", decision).intent == "hi"
    assert log == ["a>", "b>", "<b", "<a"]
    hooks.remove(outer)
    log.clear()
    hooks.classify("hi", decision)
    assert log == ["b>", "<b"]


async def test_tool_and_validation_hooks_see_the_stage_and_may_change_the_result() -> None:
    log: list[str] = []
    hooks = TurnHooks([Recorder("a", log), Veto()])

    async def run_tool(call: ToolCall, locale: Locale) -> ToolResult:
        return ToolResult(call_id=call.id, name=call.name, arguments=call.arguments, output={})

    result = await hooks.tool_call(
        ToolCall(id="1", name="find", arguments={}), Locale.EN_GB, run_tool
    )
    assert result.ok and log == ["a:find"]

    def judge(check: ValidationInput) -> ValidationResult:
        return ValidationResult(passed=True, confidence_score=1.0)

    ok = hooks.validate(ValidationInput("q", [], "Open 9 to 5.", Locale.EN_GB), judge)
    vetoed = hooks.validate(ValidationInput("q", [], "It pays 4% a year.", Locale.EN_GB), judge)
    assert ok.passed and not vetoed.passed


async def test_threaded_store_runs_off_the_event_loop_and_rolls_back_a_failed_unit(
    tmp_path: Path,
) -> None:
    sync = SqlStore(f"sqlite:///{tmp_path / 'a.db'}")
    db: AsyncStore = ThreadedStore(sync)
    contact = await db.create_contact(Contact())
    loop_thread = threading.get_ident()
    seen: list[int] = []

    def work() -> int:
        seen.append(threading.get_ident())
        sync.add_message(contact.contact_id, Message(role=Role.USER, content="one"))
        return 1

    assert await db.transaction(work) == 1
    assert seen and seen[0] != loop_thread

    def failing() -> None:
        sync.add_message(contact.contact_id, Message(role=Role.USER, content="two"))
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        await db.transaction(failing)
    assert [m.content for m in await db.recent_messages(contact.contact_id, 10)] == ["one"]
    with pytest.raises(UnknownContactError):
        await db.get_contact("nobody")
    # Many contacts at once: each call waits in its own worker thread, the loop stays free.
    made = await asyncio.gather(*(db.create_contact(Contact()) for _ in range(8)))
    assert len({c.contact_id for c in made}) == 8
