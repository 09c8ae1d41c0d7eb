"""Seed 2 scenarios 1-3 and Examples 1-3, played through the real embedded agent.

The router is the shipped artifact (data/router/); tools, validation agent and
store are the real ones (SQLite in memory).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from switchboard.agent.service import AgentService
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.domain.types import Action, HandoverReason, Locale, Route, ValidationAction
from switchboard.store import SqlStore
from switchboard.testing.fakes import ScriptedRouter
from switchboard.testing.lying_brain import LyingBrain

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def agent() -> AsyncIterator[AgentService]:
    svc = await build_service(Settings(database_url="sqlite://"), store=SqlStore("sqlite://"))
    yield svc
    await svc.aclose()


async def talk(agent: AgentService, *lines: str, locale: Locale = Locale.EN_GB):
    c = await agent.start_contact(locale=locale)
    return [await agent.handle_turn(c.contact_id, line) for line in lines]


async def test_scenario_1_simple_query_no_tool(agent: AgentService) -> None:
    (r,) = await talk(agent, "What types of accounts can I open?")
    assert r.route is Route.ACCOUNT_OPENING and r.tools == []
    for kind in ("savings", "business", "student"):
        assert kind in r.text


async def test_scenario_2_tool_based_query(agent: AgentService) -> None:
    (r,) = await talk(agent, "How do I open a checking account online?")
    assert [t.name for t in r.tools] == ["get_digital_account_opening_info"]
    assert r.tools[0].arguments == {"account_type": "checking"}
    assert r.validation is not None and r.validation.passed
    for doc in r.tools[0].output["documents_required"]:
        assert doc in r.text


async def test_scenario_3_hallucination_detected_and_regenerated() -> None:
    store = SqlStore("sqlite://")
    svc = await build_service(
        Settings(database_url="sqlite://"),
        store=store,
        brain=LyingBrain("fabricated_document", scenario="branch_account"),
    )
    c = await svc.start_contact()
    r = await svc.handle_turn(c.contact_id, "What documents do I need for a savings account?")
    assert r.validation is not None and r.validation.passed
    assert r.validation.action_taken is ValidationAction.NONE
    logs = store.hallucination_logs(c.contact_id)
    assert logs and logs[0].action_taken is ValidationAction.REGENERATED
    assert logs[0].hallucination_type.value in ("incorrect_documents", "fabricated_data")
    assert logs[0].model_response not in r.text
    await svc.aclose()


async def test_example_1_natural_account_opening(agent: AgentService) -> None:
    r1, r2, r3 = await talk(
        agent, "Hi, I want to open an account", "Checking account", "Online would be easier"
    )
    assert r1.action is Action.CLARIFY and "savings" in r1.text
    assert r2.action is Action.CLARIFY and "online" in r2.text.lower()
    assert r3.action is Action.ANSWER
    assert [t.name for t in r3.tools] == ["get_digital_account_opening_info"]
    out = r3.tools[0].output
    assert out["processing_time"] in r3.text
    assert all(step in r3.text for step in out["process_steps"])


async def test_example_2_complex_query_hands_over(agent: AgentService) -> None:
    (r,) = await talk(
        agent, "I need to open a business account but I have some tax issues I'm dealing with"
    )
    assert r.action is Action.HANDOVER and r.handover is not None
    assert r.handover.reason is HandoverReason.COMPLEX_SCENARIO
    assert r.handover.summary.customer_query.startswith("I need to open a business account")


async def test_example_3_frustration_hands_over(agent: AgentService) -> None:
    (r,) = await talk(agent, "I've asked this three times already! Why can't you just tell me?")
    assert r.action is Action.HANDOVER and r.handover is not None
    assert r.handover.reason is HandoverReason.CUSTOMER_FRUSTRATION
    assert "specialist" in r.text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("can I speak to a real person please", HandoverReason.EXPLICIT_REQUEST),
        ("put me through to an agent", HandoverReason.EXPLICIT_REQUEST),
        ("someone stole my card", HandoverReason.SENSITIVE_TOPIC),
        ("I want to make a complaint about your service", HandoverReason.SENSITIVE_TOPIC),
        ("why hasn't my transfer gone through yet", HandoverReason.CAPABILITY_LIMITATION),
    ],
)
async def test_handover_reasons(agent: AgentService, text: str, reason: HandoverReason) -> None:
    (r,) = await talk(agent, text)
    assert r.handover is not None, r
    assert r.handover.reason is reason


@pytest.mark.parametrize(
    "text",
    [
        "I'd like to open a personal account",
        "is a person able to open a joint account at a branch",
        "can someone under 18 open a student account",
    ],
)
async def test_not_requests_for_a_human(agent: AgentService, text: str) -> None:
    (r,) = await talk(agent, text)
    assert r.action is not Action.HANDOVER, r
    assert r.route is Route.ACCOUNT_OPENING


async def test_bot_question_answered_honestly_then_carries_on(agent: AgentService) -> None:
    r1, r2 = await talk(agent, "am I talking to a bot?", "ok, where's the closest branch to Leeds")
    assert r1.route is Route.SMALLTALK and "automated assistant" in r1.text
    assert r2.route is Route.BRANCH and r2.tools and r2.tools[0].name == "find_nearest_branch"


async def test_off_topic_declined_without_banking_facts(agent: AgentService) -> None:
    for text in ("what's the weather in Paris tomorrow", "book me a table for two tonight"):
        (r,) = await talk(agent, text)
        assert r.action is Action.DECLINE and r.tools == [] and r.handover is None


async def test_greeting_thanks_goodbye(agent: AgentService) -> None:
    r1, r2, r3 = await talk(agent, "hello there", "thank you", "goodbye")
    assert all(r.route is Route.SMALLTALK and r.action is Action.ANSWER for r in (r1, r2, r3))


async def test_french_locale_renders_french_from_french_tools() -> None:
    # The embedded router is trained on English data; the French path of the dialogue,
    # renderer and tools is checked with a scripted router.
    router = ScriptedRouter({"où est l'agence la plus proche de lyon ?": (Route.BRANCH, "x", 0.9)})
    svc = await build_service(
        Settings(database_url="sqlite://"), store=SqlStore("sqlite://"), router=router
    )
    c = await svc.start_contact(locale=Locale.FR_FR)
    r = await svc.handle_turn(c.contact_id, "Où est l'agence la plus proche de Lyon ?")
    await svc.aclose()
    assert r.route is Route.BRANCH and r.tools[0].arguments["location"] == "Lyon"
    branch = r.tools[0].output["branches"][0]
    assert branch["name"] in r.text and "km" in branch["distance"]
    assert "L'agence la plus proche de Lyon" in r.text
    assert r.validation is not None and r.validation.passed


async def test_answer_to_branch_or_online_is_not_a_branch_search(agent: AgentService) -> None:
    *_, r = await talk(agent, "I want to open an account", "A savings account", "At a branch")
    assert r.route is Route.ACCOUNT_OPENING
    assert [t.name for t in r.tools] == ["get_branch_account_opening_info"]
    assert r.tools[0].arguments == {"account_type": "savings"}


async def test_changing_topic_mid_question(agent: AgentService) -> None:
    *_, r = await talk(
        agent, "I want to open an account", "actually, where is your branch in Leeds?"
    )
    assert r.route is Route.BRANCH and r.tools[0].name == "find_nearest_branch"
    assert r.tools[0].arguments["location"] == "Leeds"
