"""``OpenAIBrain``: any OpenAI-compatible chat-completions server behind the :class:`Brain` port.

Ollama, vLLM, llama.cpp's server, LM Studio and hosted services speak the same
wire format (OpenAI API reference, "Create chat completion"):

* request: ``model``, ``messages`` (``system``, then alternating ``user`` /
  ``assistant``, then this turn's assistant message with ``tool_calls`` —
  ``{"id", "type": "function", "function": {"name", "arguments": <JSON
  string>}}`` — and one ``{"role": "tool", "tool_call_id", "content"}`` per
  result), ``tools`` (``{"type": "function", "function": {"name",
  "description", "parameters": <JSON schema>}}``);
* response: ``choices[0].finish_reason`` ``tool_calls`` with
  ``message.tool_calls`` → :class:`ToolCall` (the call id is kept);
  ``stop`` / ``length`` → ``message.content`` is the reply.

The official ``openai`` client does the HTTP: bounded connect/read timeouts,
and retries on 408/409/429/5xx and connection errors with exponential backoff
(``max_retries`` from settings). Any failure left raises :class:`BrainError`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import openai
from openai import AsyncOpenAI

from switchboard.brains.chat import dialogue, reply_step, result_payload, system_text, tool_step
from switchboard.config import OpenAISettings
from switchboard.domain.types import ToolCall, ToolSpec
from switchboard.errors import BrainError
from switchboard.ports import BrainStep, BrainTurn

log = logging.getLogger("switchboard.brains.openai")


def chat_tools(specs: list[ToolSpec]) -> list[dict[str, Any]]:
    """Return the ``tools`` array for the MCP tool ``specs``."""
    return [
        {
            "type": "function",
            "function": {
                "name": s.name,
                "description": s.description or s.name,
                "parameters": s.input_schema,
            },
        }
        for s in specs
    ]


def chat_messages(turn: BrainTurn) -> list[dict[str, Any]]:
    """Return the ``messages`` array for ``turn``: system, dialogue, this turn's tool exchange."""
    messages: list[dict[str, Any]] = []
    system = system_text(turn)
    if system:
        messages.append({"role": "system", "content": system})
    messages.extend({"role": m.role, "content": m.text} for m in dialogue(turn))
    if turn.tool_results:
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": r.call_id,
                        "type": "function",
                        "function": {
                            "name": r.name,
                            "arguments": json.dumps(r.arguments, ensure_ascii=False),
                        },
                    }
                    for r in turn.tool_results
                ],
            }
        )
        messages.extend(
            {
                "role": "tool",
                "tool_call_id": r.call_id,
                "content": json.dumps(result_payload(r), ensure_ascii=False),
            }
            for r in turn.tool_results
        )
    return messages


def parse_arguments(name: str, raw: str | None) -> dict[str, Any]:
    """Decode a tool call's ``arguments`` JSON string.

    Small open models sometimes send malformed JSON: the call then goes out with
    no arguments, the tool answers ``invalid_argument`` and the model can fix it.
    """
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        log.warning("tool call %s: arguments are not JSON; sending none", name)
        return {}
    return value if isinstance(value, dict) else {}


class OpenAIBrain:
    """A :class:`~switchboard.ports.Brain` over an OpenAI-compatible chat-completions server.

    Args:
        settings: base URL, model, key, timeouts and retries.
        client: an ``AsyncOpenAI`` client; built from ``settings`` when None.
        name: the brain name reported in events.
    """

    def __init__(
        self,
        settings: OpenAISettings,
        *,
        client: AsyncOpenAI | None = None,
        name: str = "openai",
    ) -> None:
        self.settings = settings
        self.client = client or AsyncOpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key.get_secret_value(),
            timeout=openai.Timeout(settings.timeout_s, connect=settings.connect_timeout_s),
            max_retries=settings.max_retries,
        )
        self.name = name

    def request(self, turn: BrainTurn) -> dict[str, Any]:
        """Return the body of the chat-completions request for ``turn``."""
        s = self.settings
        body: dict[str, Any] = {
            "model": s.model,
            "messages": chat_messages(turn),
            "max_tokens": s.max_tokens,
            "temperature": s.temperature,
        }
        if turn.tools:
            body["tools"] = chat_tools(turn.tools)
        return body

    async def step(self, turn: BrainTurn) -> BrainStep:
        """Run one chat completion and map its first choice to a step.

        Raises:
            BrainError: the server failed (after the client's retries), timed
                out, or answered nothing usable.
        """
        try:
            completion = await self.client.chat.completions.create(**self.request(turn))
        except openai.APIError as exc:
            status = getattr(exc, "status_code", None)
            kind = type(exc).__name__ + (f" {status}" if status else "")
            retryable = status is None or status in (408, 409, 429) or status >= 500
            raise BrainError(
                f"openai-compatible server failed: {kind}", retryable=retryable
            ) from exc
        if not completion.choices:
            raise BrainError("openai-compatible server returned no choices")
        choice = completion.choices[0]
        message = choice.message
        calls = [
            ToolCall(id=c.id, name=c.function.name,
                     arguments=parse_arguments(c.function.name, c.function.arguments))
            for c in (message.tool_calls or [])
            if c.type == "function"
        ]
        if calls:
            return tool_step(calls)
        text = (message.content or "").strip()
        if not text:
            raise BrainError(
                f"openai-compatible server returned no text (finish_reason {choice.finish_reason})"
            )
        if choice.finish_reason == "length":
            log.warning("reply cut at max_tokens=%d", self.settings.max_tokens)
        return reply_step(turn, text)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.close()
