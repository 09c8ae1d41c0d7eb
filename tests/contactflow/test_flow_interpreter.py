"""Contacts played through flows/: our agent as the bot, the routing engine as the queues.

The agent runs with a scripted router (the embedding model is exercised by the
CLI acceptance test) and the real tools, validator and SQLite store; the
routing engine runs on the same database with seed 2's queues
(Monday to Friday 09:00-17:00 Europe/London).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from switchboard.agent.service import AgentService
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.contactflow.commands import FLOW_BINDINGS, load_library
from switchboard.contactflow.interpreter import FlowRunner, Outcome, RunResult
from switchboard.contactflow.players import AgentBot, Caller, LambdaRegistry, LexOutcome
from switchboard.domain.attributes import PRIORITY_QUEUE
from switchboard.domain.types import Channel, Route
from switchboard.errors import BrainError, InputError, StoreError
from switchboard.routing.engine import RoutingEngine, default_queues
from switchboard.routing.store import RoutingStore
from switchboard.routing.types import AgentStatus, Callback, HoursOfOperation
from switchboard.store import SqlStore
from switchboard.testing.fakes import ScriptedRouter

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = load_library(ROOT / "flows")
INBOUND = LIBRARY["switchboard-inbound"]
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # London is on GMT in November
MONDAY_22 = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
CALLER = "+447700900123"
TABLE = {
    "i want to speak to a person": (Route.HANDOVER, "sb_human_request", 0.95),
    "what debit cards do you have?": (Route.CARD_INFO, "sb_card_types", 0.9),
}


@pytest.fixture
async def service() -> AsyncIterator[AgentService]:
    svc = await build_service(
        Settings(database_url="sqlite://"),
        router=ScriptedRouter(TABLE),
        store=SqlStore("sqlite://"),
    )
    yield svc
    await svc.aclose()


def engine_for(service: AgentService, *, max_contacts: int = 100) -> RoutingEngine:
    queues = [q.model_copy(update={"max_contacts": max_contacts}) for q in default_queues()]
    return RoutingEngine(RoutingStore.for_store(service.store), queues)


@pytest.fixture
def engine(service: AgentService) -> RoutingEngine:
    return engine_for(service)


def runner(service: AgentService, engine: RoutingEngine, bot: object | None = None) -> FlowRunner:
    return FlowRunner(
        LIBRARY,
        bot=bot or AgentBot(service),
        queues=engine,
        bindings=FLOW_BINDINGS,  # type: ignore[arg-type]
    )


def path(result: RunResult) -> list[str]:
    return [f"{s.flow.removeprefix('switchboard-')}/{s.action_id}" for s in result.steps]


def caller(*say: str, dtmf: tuple[str, ...] = ()) -> Caller:
    return Caller(say=list(say), dtmf=list(dtmf), phone=CALLER)


async def ask_for_a_person(
    service: AgentService, engine: RoutingEngine, at: datetime, dtmf: tuple[str, ...] = ()
) -> RunResult:
    """The caller asks the bot for a human at ``at``, then presses ``dtmf``."""
    return await runner(service, engine).run(
        INBOUND, caller("I want to speak to a person", dtmf=dtmf), at=at
    )


async def test_bot_answers_and_says_goodbye(service: AgentService, engine: RoutingEngine) -> None:
    result = await runner(service, engine).run(
        INBOUND, caller("What debit cards do you have?"), at=MONDAY_10
    )
    assert result.outcome is Outcome.DISCONNECTED
    assert path(result)[-4:] == [
        "inbound/greet-and-bot",
        "inbound/check-handover",
        "inbound/goodbye",
        "inbound/hang-up",
    ]
    assert result.attributes.get("handover") is None
    assert engine.placement(result.contact_id) is None and engine.callbacks() == []
    bot_lines = [text for who, text in result.transcript if who == "bot"]
    assert len(bot_lines) == 2 and "debit" in bot_lines[1].lower()


async def test_handover_queues_with_the_summary(
    service: AgentService, engine: RoutingEngine
) -> None:
    result = await ask_for_a_person(service, engine, MONDAY_10)
    assert result.outcome is Outcome.QUEUED
    assert (result.queue, result.position) == ("GeneralAgentQueue", 1)
    summary = json.loads(result.attributes["conversation_summary"])
    assert summary["customer_query"] == "I want to speak to a person"
    assert result.attributes["handover_reason"] == "explicit_request"
    assert "inbound/transfer" in path(result)
    # the customer queue flow ran while the contact waited: position 1 -> "next in line"
    assert "customer-queue/next-in-line" in path(result)
    assert (
        "flow",
        "You're next in line. A specialist will be with you shortly.",
    ) in result.transcript
    # the agent who takes the contact receives the summary
    agent = engine.sign_in("alice", now=MONDAY_10)
    engine.set_status(agent.agent_id, AgentStatus.AVAILABLE, now=MONDAY_10)
    (assignment,) = engine.dispatch(MONDAY_10 + timedelta(seconds=30))
    assert assignment.contact_id == result.contact_id
    assert json.loads(assignment.attributes["conversation_summary"]) == summary
    contact = service.store.get_contact(result.contact_id)
    assert contact.status.value == "transferred"


async def test_position_and_ewt_are_spoken_when_not_first(
    service: AgentService, engine: RoutingEngine
) -> None:
    engine.enqueue("earlier-caller", "GeneralAgentQueue", now=MONDAY_10 - timedelta(minutes=1))
    result = await ask_for_a_person(service, engine, MONDAY_10)
    assert result.outcome is Outcome.QUEUED and result.position == 2
    spoken = [text for who, text in result.transcript if text.startswith("You are number")]
    assert spoken and spoken[0].startswith("You are number 2 in line.")
    assert result.attributes["QueuePosition"] == "2"
    assert int(result.attributes["EstimatedWaitTime"]) >= 1


async def test_caller_in_queue_asks_for_a_callback(
    service: AgentService, engine: RoutingEngine
) -> None:
    engine.enqueue("earlier-caller", "GeneralAgentQueue", now=MONDAY_10 - timedelta(minutes=1))
    result = await ask_for_a_person(service, engine, MONDAY_10, ("2",))
    assert result.outcome is Outcome.CALLBACK
    assert path(result)[-3:] == [
        "customer-queue/create-callback",
        "customer-queue/callback-confirmation",
        "customer-queue/end-call",
    ]
    assert engine.placement(result.contact_id) is None  # left the queue for the callback
    (callback,) = engine.callbacks()
    assert (callback.customer_phone, callback.queue_id) == (CALLER, "GeneralAgentQueue")
    assert callback.due_at == MONDAY_10 + timedelta(seconds=60)  # InitialCallDelaySeconds
    assert "conversation_summary" in callback.attributes


async def test_after_hours_books_a_callback_for_the_next_opening(
    service: AgentService, engine: RoutingEngine
) -> None:
    result = await ask_for_a_person(service, engine, MONDAY_22)
    assert result.outcome is Outcome.CALLBACK
    assert "inbound/after-hours-message" in path(result)
    assert "callback/create-callback" in path(result)
    (callback,) = engine.callbacks()
    assert callback.due_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert callback.customer_phone == CALLER
    assert json.loads(callback.attributes["conversation_summary"])["handover_reason"] == (
        "explicit_request"
    )


async def test_after_hours_caller_gives_another_number(
    service: AgentService, engine: RoutingEngine
) -> None:
    result = await ask_for_a_person(service, engine, MONDAY_22, ("2", "+441632960001"))
    assert result.outcome is Outcome.CALLBACK
    (callback,) = engine.callbacks()
    assert callback.customer_phone == "+441632960001"


async def test_after_hours_bad_number_falls_back_to_caller_id(
    service: AgentService, engine: RoutingEngine
) -> None:
    result = await ask_for_a_person(service, engine, MONDAY_22, ("2", "12"))
    assert result.outcome is Outcome.CALLBACK
    assert "callback/number-not-valid" in path(result)
    assert engine.callbacks()[0].customer_phone == CALLER


async def test_queue_full_books_a_callback(service: AgentService) -> None:
    engine = engine_for(service, max_contacts=1)
    engine.enqueue("earlier-caller", "GeneralAgentQueue", now=MONDAY_10)
    result = await ask_for_a_person(service, engine, MONDAY_10)
    assert result.outcome is Outcome.CALLBACK
    transfer = next(s for s in result.steps if s.action_id == "transfer")
    assert transfer.branch.startswith("QueueAtCapacity -> queue-full-message")
    (callback,) = engine.callbacks()
    assert callback.due_at == MONDAY_10 + timedelta(seconds=60)


class FailingBot:
    """A bot whose provider is down: every conversation raises."""

    async def converse(
        self, prompt: str | None, caller: Caller, session_attributes: Mapping[str, str]
    ) -> LexOutcome | None:
        raise BrainError("bot provider unreachable")


async def test_lex_error_goes_to_a_specialist(service: AgentService, engine: RoutingEngine) -> None:
    result = await runner(service, engine, FailingBot()).run(INBOUND, caller("hello"), at=MONDAY_10)
    assert result.outcome is Outcome.QUEUED and result.queue == "GeneralAgentQueue"
    bot = next(s for s in result.steps if s.action_id == "greet-and-bot")
    assert bot.branch.startswith("NoMatchingError -> mark-technical-handover")
    assert "inbound/specialist-message" in path(result)
    assert result.attributes["handover_reason"] == "technical_issues"


async def test_silent_caller_goes_to_a_specialist(
    service: AgentService, engine: RoutingEngine
) -> None:
    result = await runner(service, engine).run(INBOUND, caller(), at=MONDAY_10)
    assert result.outcome is Outcome.QUEUED
    bot = next(s for s in result.steps if s.action_id == "greet-and-bot")
    assert bot.branch.startswith("InputTimeLimitExceeded")


class FrustratedBot:
    """A bot that hands over for frustration (the priority queue, seed 2 "Priority Routing")."""

    async def converse(
        self, prompt: str | None, caller: Caller, session_attributes: Mapping[str, str]
    ) -> LexOutcome | None:
        caller.next_line()
        return LexOutcome(
            intent="TransferToAgent",
            session_attributes={
                "handover": "true",
                "handover_reason": "customer_frustration",
                "conversation_summary": "{}",
                "target_queue": PRIORITY_QUEUE,
                "routing_priority": "1",
            },
            transcript=[],
        )


async def test_frustrated_customer_goes_to_the_priority_queue(
    service: AgentService, engine: RoutingEngine
) -> None:
    result = await runner(service, engine, FrustratedBot()).run(
        INBOUND, caller("this is useless"), at=MONDAY_10
    )
    assert result.outcome is Outcome.QUEUED and result.queue == PRIORITY_QUEUE
    placement = engine.placement(result.contact_id)
    assert placement is not None and placement.priority == 1


async def test_time_zone_of_at_is_honoured(service: AgentService, engine: RoutingEngine) -> None:
    new_york_morning = datetime(2026, 11, 23, 8, 30, tzinfo=timezone(timedelta(hours=-5)))
    result = await ask_for_a_person(service, engine, new_york_morning)
    assert result.outcome is Outcome.QUEUED  # 13:30 in London


async def test_naive_time_is_refused(service: AgentService, engine: RoutingEngine) -> None:
    with pytest.raises(InputError, match="time zone"):
        await runner(service, engine).run(INBOUND, caller("hi"), at=datetime(2026, 11, 23, 10))


async def test_open_always_hours(service: AgentService) -> None:
    queues = [q.model_copy(update={"hours": HoursOfOperation.always()}) for q in default_queues()]
    engine = RoutingEngine(RoutingStore.for_store(service.store), queues)
    result = await ask_for_a_person(service, engine, MONDAY_22)
    assert result.outcome is Outcome.QUEUED


async def test_queue_status_lambda_failure_keeps_the_caller_waiting(
    service: AgentService, engine: RoutingEngine
) -> None:
    flows = FlowRunner(
        LIBRARY,
        bot=AgentBot(service),
        queues=engine,
        lambdas=LambdaRegistry(),
        bindings=FLOW_BINDINGS,
    )
    result = await flows.run(INBOUND, caller("I want to speak to a person"), at=MONDAY_10)
    assert result.outcome is Outcome.QUEUED and not result.customer_lost
    status = next(s for s in result.steps if s.action_id == "get-queue-status")
    assert "no handler for Lambda 'switchboard-queue-status'" in status.detail
    assert status.branch == "NoMatchingError -> comfort-loop"


async def test_queue_status_error_answer_skips_the_numbers(
    service: AgentService, engine: RoutingEngine
) -> None:
    """The AWS handler never raises: on failure it answers only ``Error`` (no position)."""
    engine.enqueue("earlier-caller", "GeneralAgentQueue", now=MONDAY_10 - timedelta(minutes=1))
    flows = FlowRunner(
        LIBRARY,
        bot=AgentBot(service),
        queues=engine,
        lambdas=LambdaRegistry(
            {"switchboard-queue-status": lambda params, ctx: {"Error": "tool_unavailable"}}
        ),
        bindings=FLOW_BINDINGS,
    )
    result = await flows.run(INBOUND, caller("I want to speak to a person"), at=MONDAY_10)
    assert result.outcome is Outcome.QUEUED and not result.customer_lost
    check = next(s for s in result.steps if s.action_id == "check-queue-status")
    assert check.branch.endswith("-> comfort-loop")
    assert "customer-queue/store-queue-status" not in path(result)
    assert not any(text.startswith("You are number") for _, text in result.transcript)


class NoCallbacks(RoutingEngine):
    """The routing store accepts no callback (a database outage for that table)."""

    def book_callback(self, *args: object, **kwargs: object) -> Callback:  # type: ignore[override]
        raise StoreError("callbacks table unavailable")


async def test_full_queue_and_no_callbacks_is_reported_not_hidden(service: AgentService) -> None:
    """The one case the flows cannot save: the run stops and says the customer is lost."""
    queues = [q.model_copy(update={"max_contacts": 1}) for q in default_queues()]
    engine = NoCallbacks(RoutingStore.for_store(service.store), queues)
    engine.enqueue("earlier-caller", "GeneralAgentQueue", now=MONDAY_10)
    engine.enqueue("earlier-caller-2", PRIORITY_QUEUE, now=MONDAY_10)
    result = await ask_for_a_person(service, engine, MONDAY_10)
    assert result.outcome is Outcome.STUCK and "more than 200 actions" in result.reason
    assert result.customer_lost
    assert {"callback/retry-callback", "callback/overflow-transfer"} <= set(path(result))


async def test_chat_caller_after_hours_cannot_press_keys_and_still_gets_a_callback(
    service: AgentService, engine: RoutingEngine
) -> None:
    """GetParticipantInput is voice-only: on chat its error branch books the callback."""
    chat = Caller(say=["I want to speak to a person"], phone=CALLER, channel=Channel.CHAT)
    result = await runner(service, engine).run(INBOUND, chat, at=MONDAY_22)
    offer = next(s for s in result.steps if s.action_id == "offer-callback")
    assert offer.branch == "NoMatchingError -> create-callback"
    assert result.outcome is Outcome.CALLBACK
