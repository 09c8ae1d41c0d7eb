"""The Lex V2 code hook against the documented event and response formats, with the real agent.

Each "container" is its own SessionStore + AgentService (the embedded router
is loaded once and shared, as it is read-only); the conversation moves
between containers only through the session attributes Lex would carry.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

import pytest
import pytest_asyncio

from switchboard.agent.service import AgentService
from switchboard.audit.chain import verify_chain
from switchboard.audit.records import EventRecord
from switchboard.aws.lex import LexCodeHook
from switchboard.aws.session import ATTR_HISTORY, ATTR_STATE, SessionStore
from switchboard.aws.settings import AwsSettings
from switchboard.compose import build_service
from switchboard.config import Settings

from .lex_contract import assert_valid_lex_response

pytestmark = pytest.mark.asyncio(loop_scope="module")


def sample_event() -> dict[str, Any]:
    raw = resources.files("switchboard.aws").joinpath("events/lex_v2_text_event.json").read_text()
    return json.loads(raw)


def event_with(text: str | None, attrs: dict[str, str] | None = None, **top: Any) -> dict[str, Any]:
    ev = sample_event()
    if text is None:
        ev.pop("inputTranscript")
    else:
        ev["inputTranscript"] = text
    ev["sessionState"]["sessionAttributes"] = attrs or {}
    ev.update(top)
    return ev


class Recorder:
    """Collects the audit records each container ships (stands in for the S3 sink)."""

    def __init__(self) -> None:
        self.records: list[EventRecord] = []

    def __call__(self, contact_id: str, records: list[EventRecord]) -> None:
        self.records.extend(records)

    # the ChainStore reading side, enough for verify_chain
    def event_records(self, contact_id: str) -> list[EventRecord]:
        return [r for r in self.records if r.event.contact_id == contact_id]


async def make_container(router: Any, audit: Recorder | None = None, **kw: Any) -> LexCodeHook:
    store = SessionStore()
    settings = Settings(database_url="sqlite://")
    svc = await build_service(settings, store=store, router=router, **kw)
    return LexCodeHook(svc, store, AwsSettings(), audit=audit)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def containers(router: Any) -> AsyncIterator[tuple[list[LexCodeHook], Recorder]]:
    audit = Recorder()
    hooks = [await make_container(router, audit) for _ in range(3)]
    yield hooks, audit
    for h in hooks:
        await h.service.aclose()


async def test_sample_event_gives_a_valid_elicit_intent(containers: Any) -> None:
    (hook, *_), _ = containers
    response = await hook.handle(sample_event(), remaining_ms=30_000)
    assert_valid_lex_response(response)
    assert response["sessionState"]["dialogAction"] == {"type": "ElicitIntent"}
    assert "intent" not in response["sessionState"]
    text = response["messages"][0]["content"]
    assert "account" in text.lower()
    attrs = response["sessionState"]["sessionAttributes"]
    assert attrs["handover"] == "false"
    history = json.loads(attrs[ATTR_HISTORY])
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[0]["content"] == "Hi, I want to open an account"


async def test_example_1_across_three_containers(containers: Any) -> None:
    """Seed 2 Example 1, one turn per container; history and state travel in the attributes."""
    hooks, audit = containers
    session = "example-1-session"
    attrs: dict[str, str] = {"flow_attribute": "kept"}
    lines = ["Hi, I want to open an account", "Checking account", "Online would be easier"]
    replies = []
    for hook, line in zip(hooks, lines, strict=True):
        resp = await hook.handle(event_with(line, attrs, sessionId=session), remaining_ms=30_000)
        assert_valid_lex_response(resp)
        assert resp["sessionState"]["dialogAction"]["type"] == "ElicitIntent"
        attrs = resp["sessionState"]["sessionAttributes"]
        replies.append(" ".join(m["content"] for m in resp["messages"]))
    assert attrs["flow_attribute"] == "kept"
    history = json.loads(attrs[ATTR_HISTORY])
    assert [m["content"] for m in history if m["role"] == "user"] == lines
    state = json.loads(attrs[ATTR_STATE])
    assert state["state"]["agent"]["turns"] == 3
    assert "get_digital_account_opening_info" in state["state"]["agent"]["tools_used"]
    # the third container answered from the digital-opening tool: documents and timing
    assert "online" in replies[2].lower() or "app" in replies[2].lower()
    assert "proof of address" in replies[2].lower()
    # the audit chain runs unbroken across the three containers
    report = verify_chain(audit, session)  # type: ignore[arg-type]
    assert report.ok, report
    assert report.events_checked >= 9
    assert state["audit_head"] == audit.event_records(session)[-1].hash


async def test_handover_closes_with_transfer_intent_and_flow_attributes(containers: Any) -> None:
    hooks, _ = containers
    first = await hooks[0].handle(
        event_with("How do I open a savings account?", sessionId="handover-1"), 30_000
    )
    attrs = first["sessionState"]["sessionAttributes"]
    resp = await hooks[1].handle(
        event_with("I want to speak to a real person please", attrs, sessionId="handover-1"), 30_000
    )
    assert_valid_lex_response(resp)
    state = resp["sessionState"]
    assert state["dialogAction"] == {"type": "Close"}
    assert state["intent"]["name"] == "TransferToAgent"
    assert state["intent"]["state"] == "Fulfilled"
    a = state["sessionAttributes"]
    assert a["handover"] == "true"
    assert a["handover_reason"] == "explicit_request"
    assert a["target_queue"] == "GeneralAgentQueue"
    assert a["routing_priority"] == "5"
    summary = json.loads(a["conversation_summary"])
    assert summary["customer_query"] == "How do I open a savings account?"
    assert summary["conversation_turns"] == 2
    assert "account_opening" in summary["topics_discussed"]


async def test_negative_sentiment_from_the_flow_raises_priority(containers: Any) -> None:
    hooks, _ = containers
    resp = await hooks[2].handle(
        event_with("Let me talk to a human", {"RealTimeSentiment": "NEGATIVE"}, sessionId="neg-1"),
        30_000,
    )
    a = resp["sessionState"]["sessionAttributes"]
    assert (a["handover"], a["target_queue"], a["routing_priority"]) == (
        "true",
        "PriorityAgentQueue",
        "1",
    )


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        "text",
        {},
        {"sessionId": 42, "inputTranscript": "hello"},
        {"sessionId": "bad id with spaces", "inputTranscript": "hello"},
    ],
)
async def test_unusable_events_hand_over_without_error(containers: Any, event: Any) -> None:
    (hook, *_), _ = containers
    resp = await hook.handle(event, remaining_ms=30_000)
    assert_valid_lex_response(resp)
    assert resp["sessionState"]["dialogAction"]["type"] == "Close"
    assert resp["sessionState"]["intent"]["name"] == "TransferToAgent"
    assert resp["sessionState"]["sessionAttributes"]["handover_reason"] == "technical_issues"


async def test_malformed_parts_are_replaced_and_the_turn_goes_on(containers: Any) -> None:
    (hook, *_), _ = containers
    ev = event_with(
        "Where is the nearest branch to Manchester?",
        {ATTR_STATE: "{not json", ATTR_HISTORY: json.dumps([{"role": "user", "content": "hi"}, 7])},
        sessionId="malformed-1",
    )
    ev["bot"]["localeId"] = "de_DE"
    ev["sessionState"]["sessionAttributes"]["number"] = 5  # not a string: dropped
    resp = await hook.handle(ev, remaining_ms=30_000)
    assert_valid_lex_response(resp)
    assert resp["sessionState"]["dialogAction"]["type"] == "ElicitIntent"
    assert "Manchester" in resp["messages"][0]["content"]
    history = json.loads(resp["sessionState"]["sessionAttributes"][ATTR_HISTORY])
    assert history[0] == {"role": "user", "content": "hi"}  # the good message was kept


async def test_missing_transcript_asks_again_and_keeps_state(containers: Any) -> None:
    (hook, *_), _ = containers
    first = await hook.handle(event_with("Checking account", sessionId="empty-1"), 30_000)
    attrs = first["sessionState"]["sessionAttributes"]
    resp = await hook.handle(event_with(None, attrs, sessionId="empty-1"), 30_000)
    assert_valid_lex_response(resp)
    assert resp["sessionState"]["dialogAction"]["type"] == "ElicitIntent"
    assert resp["sessionState"]["sessionAttributes"][ATTR_HISTORY] == attrs[ATTR_HISTORY]


class BrokenService:
    """An agent whose turn fails inside (a bug, a dead store): the hook must still hand over."""

    def __init__(
        self, real: AgentService, exc: BaseException | None = None, delay: float = 0
    ) -> None:
        self.settings = real.settings
        self.events = real.events
        self.real = real
        self.exc = exc
        self.delay = delay

    async def start_contact(self, **kw: Any) -> Any:
        return await self.real.start_contact(**kw)

    async def handle_turn(self, contact_id: str, text: str) -> Any:
        import asyncio

        if self.delay:
            await asyncio.sleep(self.delay)
        if self.exc is not None:
            raise self.exc
        return await self.real.handle_turn(contact_id, text)


@pytest.mark.parametrize("failure", ["raises", "times_out"])
async def test_internal_failure_becomes_a_handover_with_the_conversation(
    containers: Any, failure: str
) -> None:
    (hook, *_), _ = containers
    first = await hook.handle(event_with("Checking account", sessionId=f"fail-{failure}"), 30_000)
    attrs = first["sessionState"]["sessionAttributes"]
    broken = LexCodeHook(
        BrokenService(
            hook.service,
            RuntimeError("boom") if failure == "raises" else None,
            delay=0 if failure == "raises" else 5.0,
        ),
        hook.store,
        AwsSettings(turn_margin_ms=0),
    )
    resp = await broken.handle(
        event_with("And what documents do I need?", attrs, sessionId=f"fail-{failure}"),
        remaining_ms=30_000 if failure == "raises" else 600,
    )
    assert_valid_lex_response(resp)
    state = resp["sessionState"]
    assert state["dialogAction"]["type"] == "Close"
    assert state["intent"] == {
        "name": "TransferToAgent",
        "state": "Fulfilled",
        "confirmationState": "None",
    }
    a = state["sessionAttributes"]
    assert a["handover_reason"] == "technical_issues"
    history = json.loads(a[ATTR_HISTORY])
    assert [m["content"] for m in history if m["role"] == "user"] == [
        "Checking account",
        "And what documents do I need?",
    ]
    assert json.loads(a["conversation_summary"])["customer_query"] == "Checking account"


async def test_lex_detected_negative_sentiment_routes_to_the_priority_queue(
    containers: Any,
) -> None:
    hooks, _ = containers
    ev = event_with("I need to speak to someone", sessionId="lex-sentiment-1")
    ev["interpretations"][0]["sentimentResponse"] = {
        "sentiment": "NEGATIVE",
        "sentimentScore": {"mixed": 0.01, "negative": 0.9, "neutral": 0.05, "positive": 0.04},
    }
    resp = await hooks[0].handle(ev, 30_000)
    assert_valid_lex_response(resp)
    a = resp["sessionState"]["sessionAttributes"]
    assert (a["target_queue"], a["routing_priority"], a["RealTimeSentiment"]) == (
        "PriorityAgentQueue",
        "1",
        "NEGATIVE",
    )


async def test_stale_handover_attributes_are_cleared_when_the_bot_goes_on(
    containers: Any,
) -> None:
    hooks, _ = containers
    stale = {
        "handover": "true",
        "handover_reason": "explicit_request",
        "target_queue": "GeneralAgentQueue",
        "routing_priority": "5",
        "conversation_summary": "{}",
        "flow_attribute": "kept",
    }
    resp = await hooks[1].handle(
        event_with("How do I open a savings account?", stale, sessionId="stale-1"), 30_000
    )
    a = resp["sessionState"]["sessionAttributes"]
    assert resp["sessionState"]["dialogAction"]["type"] == "ElicitIntent"
    assert a["handover"] == "false" and a["flow_attribute"] == "kept"
    assert not {
        "handover_reason",
        "target_queue",
        "routing_priority",
        "conversation_summary",
    } & set(a)
