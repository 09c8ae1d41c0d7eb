"""The openai brain against a real local HTTP server speaking the chat-completions format."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("openai", reason="the llm extra (openai) is not installed")

from switchboard.brains.openai_compat import OpenAIBrain
from switchboard.brains.openai_compat.brain import chat_messages
from switchboard.config import OpenAISettings
from switchboard.domain.types import Contact, Locale, Message, Role, ToolResult, ToolSpec
from switchboard.errors import BrainError
from switchboard.ports import BrainTurn
from switchboard.testing.chat_server import Call, ChatServer, Fail, Hang, Say, wire_errors
from switchboard.validation import STRICT_INSTRUCTION

SCHEMA = {"type": "object", "properties": {"location": {"type": "string"}},
          "required": ["location"]}
SPECS = [ToolSpec(name="find_nearest_branch", description="Nearest branch", input_schema=SCHEMA)]


def turn(**kw: Any) -> BrainTurn:
    base: dict[str, Any] = {
        "contact": Contact(locale=Locale.EN_GB),
        "user_text": "where is the closest branch to Leeds?",
        "history": [Message(role=Role.USER, content="hello"),
                    Message(role=Role.ASSISTANT, content="Hi! How can I help?")],
        "system_prompt": "You are a bank agent.",
        "tools": SPECS,
    }
    return BrainTurn(**{**base, **kw})


def brain_for(server: ChatServer, **kw: Any) -> OpenAIBrain:
    base: dict[str, Any] = {"base_url": server.base_url, "model": "scripted", "api_key": "k",
                            "max_retries": 0, "timeout_s": 5.0}
    return OpenAIBrain(OpenAISettings(**{**base, **kw}))


async def test_tool_call_round_trip_in_the_wire_format() -> None:
    def script(body: dict[str, Any]) -> Any:
        if body["messages"][-1]["role"] == "tool":
            out = json.loads(body["messages"][-1]["content"])
            return Say(f"The nearest branch is {out['branches'][0]['name']}.")
        return Call("find_nearest_branch", {"location": "Leeds"})

    with ChatServer(script) as server:
        brain = brain_for(server)
        step = await brain.step(turn())
        assert step.stop_reason == "tool_use"
        (call,) = step.tool_calls
        assert call.name == "find_nearest_branch" and call.arguments == {"location": "Leeds"}
        assert call.id.startswith("call_")
        result = ToolResult(call_id=call.id, name=call.name, arguments=call.arguments,
                            output={"branches": [{"name": "Leeds Briggate"}]})
        step = await brain.step(turn(tool_results=[result], round=1))
        await brain.aclose()
    assert step.text == "The nearest branch is Leeds Briggate."
    assert server.rejected == []
    first, second = server.requests
    assert first["model"] == "scripted"
    assert [m["role"] for m in first["messages"]] == ["system", "user", "assistant", "user"]
    assert first["tools"] == [{"type": "function", "function": {
        "name": "find_nearest_branch", "description": "Nearest branch", "parameters": SCHEMA}}]
    assistant, tool = second["messages"][-2:]
    assert assistant["tool_calls"][0]["id"] == call.id
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == {"location": "Leeds"}
    assert tool == {"role": "tool", "tool_call_id": call.id,
                    "content": json.dumps({"branches": [{"name": "Leeds Briggate"}]})}


async def test_strict_regeneration_carries_the_instruction_and_findings() -> None:
    with ChatServer(lambda body: Say("ok")) as server:
        brain = brain_for(server)
        await brain.step(turn(strict=True, validation_feedback=[STRICT_INSTRUCTION, "fee: £9"]))
        await brain.aclose()
    system = server.requests[0]["messages"][0]["content"]
    assert system.startswith("You are a bank agent.")
    assert STRICT_INSTRUCTION in system and "fee: £9" in system


async def test_malformed_arguments_become_an_empty_call() -> None:
    script = lambda body: Call("find_nearest_branch", raw_arguments="{location: Leeds")  # noqa: E731
    with ChatServer(script) as server:
        brain = brain_for(server)
        step = await brain.step(turn())
        await brain.aclose()
    assert step.tool_calls[0].arguments == {}


async def test_server_error_is_retried_by_the_client_then_raises() -> None:
    with ChatServer(lambda body: Fail(503)) as server:
        brain = brain_for(server, max_retries=1)
        with pytest.raises(BrainError, match="503") as info:
            await brain.step(turn())
        await brain.aclose()
    assert len(server.requests) == 2 and info.value.retryable


async def test_throttled_once_then_answers() -> None:
    replies = iter([Fail(429), Say("here you are")])
    with ChatServer(lambda body: next(replies)) as server:
        brain = brain_for(server, max_retries=2)
        step = await brain.step(turn())
        await brain.aclose()
    assert step.text == "here you are" and len(server.requests) == 2


async def test_hung_server_times_out() -> None:
    with ChatServer(lambda body: Hang(3.0)) as server:
        brain = brain_for(server, timeout_s=0.3)
        with pytest.raises(BrainError, match="APITimeoutError"):
            await brain.step(turn())
        await brain.aclose()


async def test_bad_request_is_not_retryable() -> None:
    with ChatServer(lambda body: Fail(400, "bad")) as server:
        brain = brain_for(server, max_retries=3)
        with pytest.raises(BrainError) as info:
            await brain.step(turn())
        await brain.aclose()
    assert not info.value.retryable and len(server.requests) == 1


async def test_empty_content_is_a_brain_error() -> None:
    with ChatServer(lambda body: Say("")) as server:
        brain = brain_for(server)
        with pytest.raises(BrainError, match="no text"):
            await brain.step(turn())
        await brain.aclose()


def test_wire_checker_rejects_an_orphan_tool_message() -> None:
    body = {"model": "m", "messages": [
        {"role": "user", "content": "hi"},
        {"role": "tool", "tool_call_id": "call_x", "content": "{}"},
    ]}
    assert any("answers no tool call" in e for e in wire_errors(body))


def test_messages_our_brain_builds_pass_the_wire_checker() -> None:
    result = ToolResult(call_id="call_1", name="find_nearest_branch",
                        arguments={"location": "Leeds"}, output={"branches": []})
    body = {"model": "m", "messages": chat_messages(turn(tool_results=[result]))}
    assert wire_errors(body) == []
