"""Optional LLM summarizer over an OpenAI-compatible chat completions API.

Seed 3 "Post-Call Path" asks a small model (Llama 3 8B Instruct on Bedrock)
to "Summarize the following call in 3 bullet points". This adapter sends that
instruction, with the stored (PII-redacted) transcript and the tool results,
to any OpenAI-compatible server (``POST {base_url}/chat/completions``: Ollama,
vLLM, llama.cpp, a Bedrock access gateway) and takes the first three bullet
lines of the answer. The structured call notes stay extractive (they are read
from the events, not written by the model).

The model's bullets go through the same grounding check as the extractive
ones (:mod:`switchboard.analytics.summary_check`): a bullet with a word,
number or quote that is not in the transcript or events is dropped, and
:class:`~switchboard.analytics.summary_service.SummaryService` puts the
extractive bullet for that position back. A failing server raises
:class:`BrainError`; the service then uses the extractive summarizer.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from switchboard.analytics.summary import (
    CallSummary,
    ContactRecord,
    build_summary,
    describe_output,
)
from switchboard.domain.events import (
    ConversationEndData,
    HandoverDecisionData,
    ToolInvocationData,
)
from switchboard.domain.types import Role
from switchboard.errors import BrainError

#: Seed 3's instruction, word for word, then the call.
SEED3_INSTRUCTION = "Summarize the following call in 3 bullet points:"
#: How a bullet line starts: ``-``, ``*``, ``•`` or ``1.`` / ``1)``.
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.*\S)\s*$")
#: Transcript characters sent at most (the tail is kept: it holds the outcome).
MAX_CALL_CHARS = 12_000


def call_text(record: ContactRecord) -> str:
    """The call as the model reads it: one line per message and per tool result."""
    lines = [
        f"{'Customer' if m.role is Role.USER else 'Agent'}: {m.content}" for m in record.messages
    ]
    for event in record.events:
        match event.payload:
            case ToolInvocationData() as tool:
                described = describe_output(tool.tool_output)
                lines.append(f"Tool {tool.tool_name}: {described or 'no data'}")
            case HandoverDecisionData(reason=reason):
                lines.append(f"Handover: {reason}")
            case ConversationEndData(resolution_status=status):
                lines.append(f"Call ended: {status}")
            case _:
                pass
    text = "\n".join(lines)
    return text[-MAX_CALL_CHARS:]


def parse_bullets(answer: str, limit: int = 3) -> list[str]:
    """The first ``limit`` bullet lines of a model answer, without their markers."""
    bullets = [m.group(1) for line in answer.splitlines() if (m := _BULLET.match(line))]
    return bullets[:limit]


class LlmSummarizer:
    """Seed 3 bullets from an OpenAI-compatible model; call notes extractive.

    Args:
        base_url: API root, e.g. ``http://127.0.0.1:11434/v1``.
        model: model name on that server (configuration, never a constant).
        api_key: bearer token, if the server needs one.
        timeout_s: request timeout, seconds.
        max_tokens: answer length bound.
        client: an ``httpx.AsyncClient`` to use (tests, connection reuse).
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 20.0,
        max_tokens: int = 300,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.name = f"llm:{model}"
        self.max_tokens = max_tokens
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = client or httpx.AsyncClient(timeout=timeout_s, headers=headers)

    def request_body(self, record: ContactRecord) -> dict[str, Any]:
        """The chat completions request for ``record`` (temperature 0)."""
        prompt = f"{SEED3_INSTRUCTION}\n{call_text(record)}"
        return {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": self.max_tokens,
            "temperature": 0,
        }

    async def summarize(self, record: ContactRecord) -> CallSummary:
        """Ask the model for the bullets; keep the extractive call notes.

        Raises:
            BrainError: the server failed, timed out or answered without bullets.
        """
        try:
            resp = await self.client.post(self.url, json=self.request_body(record))
            resp.raise_for_status()
            answer = str(resp.json()["choices"][0]["message"]["content"])
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            raise BrainError(f"summary model call failed: {type(exc).__name__}") from exc
        bullets = parse_bullets(answer)
        if not bullets:
            raise BrainError(f"summary model gave no bullet points: {answer[:60]!r}")
        notes = build_summary(record)
        return notes.model_copy(update={"bullets": bullets, "summarizer": self.name})

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()
