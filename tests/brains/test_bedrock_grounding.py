"""ApplyGuardrail contextual grounding as a validation stage, against botocore's Stubber."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("boto3", reason="the aws extra (boto3) is not installed")

import boto3
from botocore.stub import Stubber

from switchboard.brains.bedrock.grounding import CHECK, GroundingValidator
from switchboard.brains.factory import build_validator
from switchboard.config import BedrockSettings, Settings
from switchboard.domain.types import (
    HallucinationType,
    Locale,
    Severity,
    ToolResult,
    ValidationAction,
)
from switchboard.errors import ConfigError
from switchboard.validation import ValidationAgent, decide_action

OUTPUT = {
    "card_type": "standard",
    "card_details": {"name": "Standard Debit Card", "fees": "Free; replacement £5.00",
                     "delivery_time": "3-5 working days"},
}
RESULTS = [ToolResult(call_id="t1", name="get_debit_card_info",
                      arguments={"card_type": "standard"}, output=OUTPUT)]
QUERY = "how much is the standard card?"
REPLY = "Our Standard Debit Card is free; a replacement costs £5.00."
SETTINGS = BedrockSettings(guardrail_id="gr-ground", guardrail_version="3",
                           grounding_threshold=0.75)


def client() -> Any:
    return boto3.client("bedrock-runtime", region_name="eu-west-2",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def guardrail_response(grounding: float, relevance: float, threshold: float = 0.75) -> dict:
    def flt(kind: str, score: float) -> dict:
        return {"type": kind, "threshold": threshold, "score": score,
                "action": "BLOCKED" if score < threshold else "NONE", "detected": score < threshold}

    blocked = min(grounding, relevance) < threshold
    return {
        "usage": {"topicPolicyUnits": 0, "contentPolicyUnits": 0, "wordPolicyUnits": 0,
                  "sensitiveInformationPolicyUnits": 0,
                  "sensitiveInformationPolicyFreeUnits": 0,
                  "contextualGroundingPolicyUnits": 1},
        "action": "GUARDRAIL_INTERVENED" if blocked else "NONE",
        "outputs": [{"text": "blocked"}] if blocked else [],
        "assessments": [{"contextualGroundingPolicy": {"filters": [
            flt("GROUNDING", grounding), flt("RELEVANCE", relevance)]}}],
    }


def expected_request() -> dict:
    source = json.dumps([{"tool": "get_debit_card_info", "output": OUTPUT}], ensure_ascii=False)
    return {
        "guardrailIdentifier": "gr-ground", "guardrailVersion": "3", "source": "OUTPUT",
        "content": [
            {"text": {"text": source, "qualifiers": ["grounding_source"]}},
            {"text": {"text": QUERY, "qualifiers": ["query"]}},
            {"text": {"text": REPLY, "qualifiers": ["guard_content"]}},
        ],
    }


def test_grounded_reply_passes_and_records_the_check() -> None:
    c = client()
    v = GroundingValidator(ValidationAgent(), SETTINGS, client=c)
    with Stubber(c) as stub:
        stub.add_response("apply_guardrail", guardrail_response(0.93, 0.88), expected_request())
        result = v.validate(QUERY, RESULTS, REPLY, Locale.EN_GB)
        stub.assert_no_pending_responses()
    assert result.passed and CHECK in result.checks_performed


@pytest.mark.parametrize(
    ("grounding", "relevance", "severity", "action"),
    [
        (0.60, 0.90, Severity.MEDIUM, ValidationAction.REGENERATED),
        (0.20, 0.90, Severity.HIGH, ValidationAction.FALLBACK),
    ],
)
def test_low_grounding_score_feeds_the_severity(
    grounding: float, relevance: float, severity: Severity, action: ValidationAction
) -> None:
    c = client()
    v = GroundingValidator(ValidationAgent(), SETTINGS, client=c)
    with Stubber(c) as stub:
        stub.add_response("apply_guardrail", guardrail_response(grounding, relevance))
        result = v.validate(QUERY, RESULTS, REPLY, Locale.EN_GB)
    assert not result.passed and result.severity is severity
    (finding,) = result.findings
    assert finding.type is HallucinationType.FABRICATED_DATA and finding.check == CHECK
    assert result.confidence_score == grounding
    assert decide_action(result) is action


def test_low_relevance_is_off_topic() -> None:
    c = client()
    v = GroundingValidator(ValidationAgent(), SETTINGS, client=c)
    with Stubber(c) as stub:
        stub.add_response("apply_guardrail", guardrail_response(0.9, 0.5))
        result = v.validate(QUERY, RESULTS, REPLY, Locale.EN_GB)
    assert [f.type for f in result.findings] == [HallucinationType.OFF_TOPIC]
    assert result.severity is Severity.MEDIUM


def test_api_failure_leaves_the_rules_verdict() -> None:
    c = client()
    v = GroundingValidator(ValidationAgent(), SETTINGS, client=c)
    with Stubber(c) as stub:
        stub.add_client_error("apply_guardrail", service_error_code="ThrottlingException",
                              http_status_code=429)
        result = v.validate(QUERY, RESULTS, REPLY, Locale.EN_GB)
    assert result.passed and CHECK not in result.checks_performed


def test_no_tool_results_skips_the_api_call() -> None:
    c = client()
    v = GroundingValidator(ValidationAgent(), SETTINGS, client=c)
    with Stubber(c):  # no response queued: a call would raise
        result = v.validate("hello", [], "Hello! How can I help?", Locale.EN_GB)
    assert CHECK not in result.checks_performed


def test_build_validator_from_settings() -> None:
    assert isinstance(build_validator(Settings()), ValidationAgent)
    with pytest.raises(ConfigError):
        build_validator(Settings(bedrock=BedrockSettings(grounding_threshold=0.7)))
