"""Every lie of the LyingBrain is caught at the right severity; honest replies pass.

Runs on seed-shaped sample outputs (always) and on the real banking tools
(when ``switchboard.tools`` is importable).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from switchboard.domain.types import (
    Contact,
    HallucinationType,
    Locale,
    Severity,
    ToolCall,
    ToolResult,
    ValidationAction,
)
from switchboard.ports import Brain, BrainTurn
from switchboard.testing.lying_brain import LIES, LyingBrain, Scenario, sample_output
from switchboard.validation import ValidationAgent, decide_action

AGENT = ValidationAgent()

#: lie -> (hallucination type that must be found, minimum severity)
EXPECTED: dict[str, tuple[HallucinationType, Severity]] = {
    "fabricated_document": (HallucinationType.INCORRECT_DOCUMENTS, Severity.MEDIUM),
    "wrong_fee": (HallucinationType.FABRICATED_DATA, Severity.HIGH),
    "fabricated_fee": (HallucinationType.FABRICATED_DATA, Severity.HIGH),
    "wrong_branch_phone": (HallucinationType.INCORRECT_BRANCH, Severity.HIGH),
    "wrong_branch_address": (HallucinationType.INCORRECT_BRANCH, Severity.HIGH),
    "fabricated_branch_name": (HallucinationType.INCORRECT_BRANCH, Severity.HIGH),
    "wrong_hours": (HallucinationType.INCORRECT_BRANCH, Severity.HIGH),
    "fabricated_timing": (HallucinationType.FABRICATED_DATA, Severity.MEDIUM),
    "off_topic_loan_advice": (HallucinationType.OFF_TOPIC, Severity.MEDIUM),
    "no_tool_answer": (HallucinationType.INCORRECT_DOCUMENTS, Severity.MEDIUM),
}
RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}

Runner = Callable[[ToolCall, Locale], ToolResult]


PREMIUM_FEES = {Locale.EN_GB: "£15 a month", Locale.EN_US: "$15 a month",
                Locale.FR_FR: "12 € par mois"}


def sample_runner(call: ToolCall, locale: Locale) -> ToolResult:
    output = sample_output(call.name, locale)
    if call.arguments.get("card_type") == "premium":
        output["card_details"]["fees"] = PREMIUM_FEES[locale]
    return ToolResult(call_id=call.id, name=call.name, arguments=call.arguments, output=output)


def real_runner(call: ToolCall, locale: Locale) -> ToolResult:
    service = pytest.importorskip("switchboard.tools.service")
    tools = service.BankingTools(locale)
    args = call.arguments
    location = {Locale.EN_GB: "M1 1AE", Locale.EN_US: "10001", Locale.FR_FR: "75008"}[locale]
    produce: dict[str, Callable[[], Any]] = {
        "get_branch_account_opening_info": lambda: tools.branch_account_opening(
            args["account_type"]),
        "get_digital_account_opening_info": lambda: tools.digital_account_opening(
            args["account_type"]),
        "get_debit_card_info": lambda: tools.debit_card(args["card_type"]),
        "find_nearest_branch": lambda: tools.nearest_branches(location),
    }
    output = produce[call.name]().model_dump(mode="json")
    return ToolResult(call_id=call.id, name=call.name, arguments=args, output=output)


async def play(brain: LyingBrain, locale: Locale, runner: Runner, *, strict: bool = False,
               results: list[ToolResult] | None = None) -> tuple[str, list[ToolResult]]:
    """Drive one turn the way the turn loop does: tools first, then the reply."""
    contact = Contact(locale=locale)
    results = list(results or [])
    for round_ in range(3):
        step = await brain.step(BrainTurn(contact=contact, user_text="help", strict=strict,
                                          tool_results=results, round=round_))
        if not step.tool_calls:
            assert step.stop_reason == "end_turn" and step.text
            return step.text, results
        assert step.stop_reason == "tool_use" and round_ == 0
        results += [runner(call, locale) for call in step.tool_calls]
    raise AssertionError("brain never answered")


RUNNERS = {"sample": sample_runner, "real": real_runner}


@pytest.mark.parametrize("data", ["sample", "real"])
@pytest.mark.parametrize("locale", list(Locale))
@pytest.mark.parametrize("lie", LIES)
async def test_each_lie_is_caught(lie: str, locale: Locale, data: str) -> None:
    text, results = await play(LyingBrain(lie), locale, RUNNERS[data])
    res = AGENT.validate("help", results, text, locale)
    if lie == "honest":
        assert res.passed and not [f for f in res.findings if f.severity is not Severity.LOW], (
            text, res.findings)
        return
    kind, minimum = EXPECTED[lie]
    assert not res.passed, text
    assert res.severity is not None and RANK[res.severity] >= RANK[minimum], res.findings
    assert kind in {f.type for f in res.findings if RANK[f.severity] >= RANK[minimum]}, (
        text, res.findings)
    expected_action = (ValidationAction.FALLBACK if minimum is Severity.HIGH
                       else ValidationAction.REGENERATED)
    assert decide_action(res) is expected_action


async def test_strict_regeneration_tells_the_truth_unless_persistent() -> None:
    locale = Locale.EN_GB
    liar = LyingBrain("fabricated_document")
    text, results = await play(liar, locale, sample_runner)
    assert not AGENT.validate("q", results, text, locale).passed
    fixed, _ = await play(liar, locale, sample_runner, strict=True, results=results)
    assert AGENT.validate("q", results, fixed, locale).passed
    stubborn = LyingBrain("fabricated_document", persistent=True)
    again, _ = await play(stubborn, locale, sample_runner, strict=True, results=results)
    res = AGENT.validate("q", results, again, locale)
    assert decide_action(res, regenerated=True) is ValidationAction.FALLBACK


async def test_no_tool_answer_then_strict_calls_the_tool() -> None:
    brain = LyingBrain("no_tool_answer")
    text, results = await play(brain, Locale.EN_US, sample_runner)
    assert results == []
    res = AGENT.validate("q", results, text, Locale.EN_US)
    assert res.severity is Severity.MEDIUM
    fixed, results = await play(brain, Locale.EN_US, sample_runner, strict=True)
    assert [r.name for r in results] == ["get_branch_account_opening_info"]
    assert AGENT.validate("q", results, fixed, Locale.EN_US).passed


async def test_failed_tool_gives_an_apology() -> None:
    def failing(call: ToolCall, locale: Locale) -> ToolResult:
        return ToolResult.model_validate({"call_id": call.id, "name": call.name,
                                          "error": {"code": "timeout", "message": "slow"}})

    text, _ = await play(LyingBrain("wrong_fee"), Locale.FR_FR, failing)
    assert text.startswith("Désolé")


def test_brain_protocol_and_configuration() -> None:
    brain = LyingBrain("wrong_hours", scenario=Scenario("find_nearest_branch", {"location": "x"}))
    assert isinstance(brain, Brain) and brain.name == "lying"
    with pytest.raises(ValueError, match="unknown lie"):
        LyingBrain("white_lie")
    with pytest.raises(ValueError, match="unknown scenario"):
        LyingBrain("honest", scenario="mortgage")
