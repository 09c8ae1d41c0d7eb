"""The bedrock brain against botocore's Stubber: every request is validated against the
real bedrock-runtime service model (no network), responses too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("boto3", reason="the aws extra (boto3) is not installed")

import boto3
from botocore.stub import ANY, Stubber

from switchboard.brains.bedrock import BedrockBrain, make_client
from switchboard.config import BedrockSettings
from switchboard.domain.types import (
    Action,
    Contact,
    HandoverReason,
    Locale,
    Message,
    Role,
    ToolErrorInfo,
    ToolResult,
    ToolSpec,
)
from switchboard.errors import BrainError
from switchboard.ports import BrainTurn
from switchboard.validation import STRICT_INSTRUCTION

SCHEMA = {
    "type": "object",
    "properties": {"account_type": {"type": "string", "enum": ["checking", "savings"]}},
    "required": ["account_type"],
}
SPECS = [ToolSpec(name="get_digital_account_opening_info", description="Online opening",
                  input_schema=SCHEMA)]


def settings(**kw: Any) -> BedrockSettings:
    base: dict[str, Any] = {"backoff_base_s": 0.0, "backoff_max_s": 0.0}
    return BedrockSettings(**{**base, **kw})


@pytest.fixture
def client() -> Iterator[Any]:
    c = boto3.client(
        "bedrock-runtime",
        region_name="eu-west-2",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    yield c


def turn(**kw: Any) -> BrainTurn:
    base: dict[str, Any] = {
        "contact": Contact(locale=Locale.EN_GB),
        "user_text": "Online would be easier",
        "history": [
            Message(role=Role.ASSISTANT, content="Hello! How can I help?"),
            Message(role=Role.USER, content="Hi, I want to open an account"),
            Message(role=Role.ASSISTANT, content="Checking, savings, or something else?"),
            Message(role=Role.USER, content="Checking account"),
            Message(role=Role.ASSISTANT, content="Branch or online?"),
        ],
        "system_prompt": "You are a bank agent.",
        "tools": SPECS,
    }
    return BrainTurn(**{**base, **kw})


def text_response(text: str, stop: str = "end_turn") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
        "metrics": {"latencyMs": 120},
    }


def tool_response(tool_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    content = [
        {"text": "Let me get you the details."},
        {"toolUse": {"toolUseId": tool_id, "name": name, "input": arguments}},
    ]
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": "tool_use",
        "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
        "metrics": {"latencyMs": 120},
    }


async def test_tool_use_round_trip_validated_against_the_service_model(client: Any) -> None:
    brain = BedrockBrain(settings(model_id="test-model"), client=client)
    first_expected = {
        "modelId": "test-model",
        "system": [{"text": "You are a bank agent."}],
        "messages": [
            {"role": "user", "content": [{"text": "Hi, I want to open an account"}]},
            {"role": "assistant", "content": [{"text": "Checking, savings, or something else?"}]},
            {"role": "user", "content": [{"text": "Checking account"}]},
            {"role": "assistant", "content": [{"text": "Branch or online?"}]},
            {"role": "user", "content": [{"text": "Online would be easier"}]},
        ],
        "toolConfig": {"tools": [{"toolSpec": {
            "name": "get_digital_account_opening_info",
            "description": "Online opening",
            "inputSchema": {"json": SCHEMA},
        }}]},
        "inferenceConfig": {"maxTokens": 1024, "temperature": 0.2},
    }
    output = {"documents_required": ["Photo ID"], "processing_time": "10-15 minutes"}
    with Stubber(client) as stub:
        stub.add_response(
            "converse",
            tool_response("tooluse_1", "get_digital_account_opening_info",
                          {"account_type": "checking"}),
            first_expected,
        )
        step = await brain.step(turn())
        assert step.stop_reason == "tool_use"
        (call,) = step.tool_calls
        assert (call.id, call.name, call.arguments) == (
            "tooluse_1", "get_digital_account_opening_info", {"account_type": "checking"})

        result = ToolResult(call_id=call.id, name=call.name, arguments=call.arguments,
                            output=output)
        second_expected = dict(first_expected)
        second_expected["messages"] = [
            *first_expected["messages"],
            {"role": "assistant", "content": [{"toolUse": {
                "toolUseId": "tooluse_1", "name": "get_digital_account_opening_info",
                "input": {"account_type": "checking"}}}]},
            {"role": "user", "content": [{"toolResult": {
                "toolUseId": "tooluse_1", "content": [{"json": output}], "status": "success"}}]},
        ]
        stub.add_response("converse", text_response("You'll need a photo ID."), second_expected)
        step = await brain.step(turn(tool_results=[result], round=1))
        stub.assert_no_pending_responses()
    assert step.stop_reason == "end_turn" and step.text == "You'll need a photo ID."
    assert step.action is Action.ANSWER and not step.tool_calls


async def test_failed_tool_goes_back_with_status_error(client: Any) -> None:
    brain = BedrockBrain(settings(), client=client)
    failed = ToolResult(
        call_id="tooluse_9", name="get_digital_account_opening_info",
        arguments={"account_type": "gold"},
        error=ToolErrorInfo(code="invalid_argument", message="unknown account type",
                            field="account_type", allowed=["checking", "savings"]),
    )
    request = brain.request(turn(tool_results=[failed]))
    block = request["messages"][-1]["content"][0]["toolResult"]
    assert block["status"] == "error"
    assert block["content"][0]["json"]["error"]["allowed"] == ["checking", "savings"]
    with Stubber(client) as stub:
        stub.add_response("converse", text_response("Checking or savings?"), request)
        step = await brain.step(turn(tool_results=[failed]))
    assert step.text == "Checking or savings?"


async def test_guardrail_config_and_strict_instruction_are_sent(client: Any) -> None:
    brain = BedrockBrain(
        settings(guardrail_id="gr-abc123", guardrail_version="2", guardrail_trace=True),
        client=client,
    )
    strict = turn(strict=True, validation_feedback=[STRICT_INSTRUCTION, "incorrect_documents: x"])
    expected = {
        "modelId": ANY, "messages": ANY, "toolConfig": ANY, "inferenceConfig": ANY,
        "system": [{"text": ANY}],
        "guardrailConfig": {"guardrailIdentifier": "gr-abc123", "guardrailVersion": "2",
                            "trace": "enabled"},
    }
    with Stubber(client) as stub:
        stub.add_response("converse", text_response("ok"), expected)
        await brain.step(strict)
    system = brain.request(strict)["system"][0]["text"]
    assert STRICT_INSTRUCTION in system and "incorrect_documents: x" in system


async def test_guardrail_intervention_is_a_decline_with_its_message(client: Any) -> None:
    brain = BedrockBrain(settings(guardrail_id="gr-1"), client=client)
    with Stubber(client) as stub:
        stub.add_response("converse", text_response("I can't help with that.",
                                                     stop="guardrail_intervened"))
        step = await brain.step(turn())
    assert step.action is Action.DECLINE and step.text == "I can't help with that."


async def test_specialist_offer_becomes_a_handover_request(client: Any) -> None:
    brain = BedrockBrain(settings(), client=client)
    text = ("I'd be happy to connect you with one of our specialists who can better assist "
            "you with this. One moment please.")
    with Stubber(client) as stub:
        stub.add_response("converse", text_response(text))
        step = await brain.step(turn())
    assert step.handover_reason is HandoverReason.CAPABILITY_LIMITATION


async def test_throttling_is_retried_at_most_three_times_then_answers(client: Any) -> None:
    brain = BedrockBrain(settings(max_retries=3), client=client)
    with Stubber(client) as stub:
        for _ in range(3):
            stub.add_client_error("converse", service_error_code="ThrottlingException",
                                  service_message="Too many requests", http_status_code=429)
        stub.add_response("converse", text_response("answered on the 4th attempt"))
        step = await brain.step(turn())
        stub.assert_no_pending_responses()
    assert step.text == "answered on the 4th attempt"


async def test_throttling_beyond_three_retries_raises_brain_error(client: Any) -> None:
    brain = BedrockBrain(settings(max_retries=3), client=client)
    with Stubber(client) as stub:
        for _ in range(5):
            stub.add_client_error("converse", service_error_code="ThrottlingException",
                                  http_status_code=429)
        with pytest.raises(BrainError, match="ThrottlingException") as info:
            await brain.step(turn())
        # 1 call + 3 retries used; the fifth scripted error is still pending.
        assert len(stub._queue) == 1
    assert info.value.retryable


async def test_validation_error_is_not_retried(client: Any) -> None:
    brain = BedrockBrain(settings(max_retries=3), client=client)
    with Stubber(client) as stub:
        stub.add_client_error("converse", service_error_code="ValidationException",
                              http_status_code=400)
        stub.add_response("converse", text_response("never reached"))
        with pytest.raises(BrainError, match="ValidationException") as info:
            await brain.step(turn())
        assert len(stub._queue) == 1
    assert not info.value.retryable


async def test_empty_reply_is_a_brain_error(client: Any) -> None:
    brain = BedrockBrain(settings(), client=client)
    empty = text_response("")
    empty["output"]["message"]["content"] = []
    with Stubber(client) as stub:
        stub.add_response("converse", empty)
        with pytest.raises(BrainError, match="no text"):
            await brain.step(turn())


def test_client_has_bounded_timeouts_and_no_botocore_retries() -> None:
    c = make_client(
        settings(connect_timeout_s=2.0, read_timeout_s=9.0, region="us-east-1"),
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    assert c.meta.region_name == "us-east-1"
    assert c.meta.config.connect_timeout == 2.0 and c.meta.config.read_timeout == 9.0
    assert c.meta.config.retries["total_max_attempts"] == 1


def test_dialogue_starts_with_the_user_and_alternates() -> None:
    brain = BedrockBrain(settings(), client=object())
    history = [
        Message(role=Role.ASSISTANT, content="greeting"),
        Message(role=Role.USER, content="one"),
        Message(role=Role.USER, content="two"),
        Message(role=Role.ASSISTANT, content="   "),
    ]
    messages = brain.request(turn(history=history, user_text="three"))["messages"]
    assert [m["role"] for m in messages] == ["user"]
    assert messages[0]["content"][0]["text"] == "one\n\ntwo\n\nthree"
