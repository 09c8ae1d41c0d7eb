"""The agent's contract: protocol, robustness, policy, hallucination logs, speed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from switchboard.domain.types import (
    Finding,
    HallucinationType,
    Locale,
    Severity,
    ToolResult,
    ValidationAction,
    ValidationResult,
)
from switchboard.errors import InputError, ValidationAgentError
from switchboard.ports import Validator
from switchboard.testing.lying_brain import sample_output
from switchboard.validation import (
    CHECKS,
    FALLBACK_MESSAGE,
    STRICT_INSTRUCTION,
    ValidationAgent,
    build_hallucination_logs,
    decide_action,
    fallback_message,
)

GB = Locale.EN_GB


def tool(name: str = "find_nearest_branch") -> ToolResult:
    return ToolResult(call_id="c1", name=name, output=sample_output(name, GB))


def finding(kind: HallucinationType, severity: Severity, claim: str = "x") -> Finding:
    return Finding(type=kind, severity=severity, claim=claim, detail="d", check="c")


def test_implements_the_validator_port() -> None:
    agent = ValidationAgent()
    assert isinstance(agent, Validator)
    res = agent.validate("hi", [], "Hello! How can I help you today?", GB)
    assert res.passed and res.severity is None and res.confidence_score == 1.0
    assert res.checks_performed == list(CHECKS) == [
        "fabricated_data", "domain_boundary", "document_accuracy", "branch_accuracy",
    ]


@pytest.mark.parametrize(
    "reply",
    [
        "Hello! I can help you open an account, answer questions about our debit cards, or "
        "find your nearest branch. What can I do for you today?",
        "Would you like to open it at a branch or online?",
        "I'd be happy to connect you with one of our specialists. One moment please.",
        "I'm experiencing some technical difficulties. Let me connect you with a specialist who "
        "can help you right away.",
        "I don't have that information.",
        "You're welcome! Is there anything else I can help you with?",
        FALLBACK_MESSAGE,
    ],
)
def test_replies_without_facts_pass_with_or_without_tools(reply: str) -> None:
    agent = ValidationAgent()
    for tools in ([], [tool()]):
        res = agent.validate("q", tools, reply, GB)
        assert res.passed and not res.findings, (reply, res.findings)


@pytest.mark.parametrize(
    ("query", "tools", "reply", "locale"),
    [
        ("", [], "", GB),
        ("q", [], "   ", GB),
        (None, None, None, GB),
        ("q", ["not a tool result", 42], "It costs £5.", GB),
        ("q", [], "£" * 500 + "9" * 300 + ":" * 50, GB),
        ("q", [], "Call 0" + " 1" * 400, GB),
        ("q", [tool()], "Open Mon-Sun 25:99-99:99 at 0 Nowhere St, ZZ99 9ZZ.", "xx_XX"),
        ("q", [ToolResult(call_id="c", name="t", output={"a": {"b": [[[]]]}, "n": None})],
         "ok", Locale.FR_FR),
    ],
)
def test_never_raises_on_odd_input(query, tools, reply, locale) -> None:  # type: ignore[no-untyped-def]
    res = ValidationAgent().validate(query, tools, reply, locale)
    assert isinstance(res, ValidationResult)
    assert 0.0 <= res.confidence_score <= 1.0


def test_internal_bug_raises_validation_agent_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import switchboard.validation.agent as agent_mod

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(agent_mod, "run_checks", broken)
    with pytest.raises(ValidationAgentError) as err:
        ValidationAgent().validate("q", [], "It costs £5.", GB)
    assert "boom" in str(err.value) and err.value.code == "validation_agent_error"


def test_constructor_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="unknown checks"):
        ValidationAgent(checks=["fabricated_data", "vibes"])
    with pytest.raises(ValueError, match="fuzzy_threshold"):
        ValidationAgent(fuzzy_threshold=20)


def test_checks_can_be_narrowed() -> None:
    agent = ValidationAgent(checks=["domain_boundary"])
    res = agent.validate("q", [], "A replacement is £99.", GB)
    assert res.passed and res.checks_performed == ["domain_boundary"]


def test_confidence_drops_with_unsupported_claims() -> None:
    agent = ValidationAgent()
    good = agent.validate("q", [tool()], "Call 0161 496 0123.", GB)
    half = agent.validate("q", [tool()], "Call 0161 496 0123 or 0161 496 0999.", GB)
    assert good.confidence_score == 1.0
    assert half.confidence_score == pytest.approx(0.5)


# -- policy ----------------------------------------------------------------------------


def _result(*severities: Severity) -> ValidationResult:
    findings = [finding(HallucinationType.FABRICATED_DATA, s) for s in severities]
    worst = max(severities, key=lambda s: ["low", "medium", "high"].index(s.value), default=None)
    return ValidationResult(passed=worst in (None, Severity.LOW), findings=findings,
                            severity=worst)


def test_decide_action_follows_seed_2_strategy() -> None:
    assert decide_action(_result()) is ValidationAction.NONE
    assert decide_action(_result(Severity.LOW)) is ValidationAction.LOGGED
    assert decide_action(_result(Severity.LOW, Severity.MEDIUM)) is ValidationAction.REGENERATED
    assert decide_action(_result(Severity.MEDIUM), regenerated=True) is ValidationAction.FALLBACK
    assert decide_action(_result(Severity.MEDIUM, Severity.HIGH)) is ValidationAction.FALLBACK


def test_seed_texts() -> None:
    assert STRICT_INSTRUCTION == (
        "Only use information from tool results. Do not add any additional information."
    )
    assert FALLBACK_MESSAGE.startswith("I want to make sure I give you accurate information.")
    assert fallback_message("fr_FR") != FALLBACK_MESSAGE
    assert fallback_message("xx") == FALLBACK_MESSAGE == fallback_message(Locale.EN_US)


# -- hallucination logs ----------------------------------------------------------------


def test_logs_one_row_per_type_with_seed_schema() -> None:
    agent = ValidationAgent()
    card = ToolResult(call_id="c2", name="get_debit_card_info",
                      output=sample_output("get_debit_card_info", GB))
    reply = ("Call 0161 496 0999; a replacement is £12 and you'll need proof of income. "
             "The branch is at 99 King Street.")
    res = agent.validate("q", [tool(), card], reply, GB)
    now = datetime(2025, 1, 1, tzinfo=UTC)
    rows = build_hallucination_logs(
        res, user_query="my number is 07700 900123", tool_results=[tool(), card],
        model_response=reply, session_id="contact-1", action_taken=ValidationAction.FALLBACK,
        now=now, redact=lambda s: s.replace("07700 900123", "[PHONE]"),
    )
    types = [r.hallucination_type for r in rows]
    assert sorted(t.value for t in types) == [
        "fabricated_data", "incorrect_branch", "incorrect_documents",
    ]
    for row in rows:
        assert row.tool_name == "find_nearest_branch,get_debit_card_info"
        assert row.ttl == int((now + timedelta(days=90)).timestamp())
        assert row.timestamp == now and row.session_id == "contact-1"
        assert row.action_taken is ValidationAction.FALLBACK
        assert row.user_query == "my number is [PHONE]"
        assert [r["name"] for r in row.tool_results["results"]] == [
            "find_nearest_branch", "get_debit_card_info",
        ]
        assert all(f["type"] == row.hallucination_type.value
                   for f in row.validation_details["findings"])
        assert row.validation_details["overall_severity"] == "high"
    by_type = {r.hallucination_type: r.severity for r in rows}
    assert by_type[HallucinationType.INCORRECT_DOCUMENTS] is Severity.MEDIUM
    assert by_type[HallucinationType.INCORRECT_BRANCH] is Severity.HIGH


def test_logs_edge_cases() -> None:
    clean = ValidationResult(passed=True)
    assert build_hallucination_logs(clean, user_query="q", tool_results=[], model_response="r",
                                    session_id="s", action_taken=ValidationAction.NONE) == []
    bad = _result(Severity.LOW)
    rows = build_hallucination_logs(bad, user_query="q", tool_results=[], model_response="r",
                                    session_id="s", action_taken=ValidationAction.LOGGED,
                                    ttl_days=1, now=datetime(2025, 1, 1))
    assert rows[0].tool_name == "none"
    assert rows[0].ttl == int(datetime(2025, 1, 2, tzinfo=UTC).timestamp())
    with pytest.raises(InputError):
        build_hallucination_logs(bad, user_query="q", tool_results=[], model_response="r",
                                 session_id="s", action_taken=ValidationAction.LOGGED,
                                 ttl_days=-1)


# -- speed -----------------------------------------------------------------------------
