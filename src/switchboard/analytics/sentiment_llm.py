"""LLM sentiment classifier over an OpenAI-compatible chat completions API.

Seed 3 "Phase 3" asks a small model (Titan Text Lite) with the prompt
``Classify the sentiment of this customer statement as POSITIVE, NEUTRAL, or
NEGATIVE. Text: {text}`` (max 10 tokens, temperature 0). This adapter sends
the same prompt to any OpenAI-compatible server (Ollama, vLLM, llama.cpp,
a Bedrock access gateway) via ``POST {base_url}/chat/completions`` and maps
the first label word of the answer. Anger still comes from the embedded
scorer (the LLM's polarity label does not tell bad news from anger), so the
escalation rule is unchanged. A failure raises :class:`BrainError`; the
monitor then falls back to VADER for that segment.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from switchboard.analytics.sentiment import (
    LABELS,
    NEGATIVE,
    POSITIVE,
    SentimentScore,
    VaderClassifier,
)
from switchboard.config import SentimentSettings
from switchboard.domain.types import Locale
from switchboard.errors import BrainError

#: Seed 3's prompt, word for word.
SEED3_PROMPT = (
    "Classify the sentiment of this customer statement as POSITIVE, NEUTRAL, or NEGATIVE. "
    "Text: {text}"
)
_LABEL = re.compile(r"\b(POSITIVE|NEUTRAL|NEGATIVE)\b", re.IGNORECASE)
#: Compound value given to an LLM label (the rolling sentiment averages these).
_COMPOUND = {POSITIVE: 0.6, NEGATIVE: -0.6}


class LlmSentimentClassifier:
    """Polarity from an OpenAI-compatible model; anger from the embedded scorer.

    Args:
        base_url: API root, e.g. ``http://127.0.0.1:11434/v1``.
        model: model name on that server (configuration, never a constant).
        anger: the embedded classifier whose anger score is kept.
        api_key: bearer token, if the server needs one.
        timeout_s: request timeout, seconds.
        client: an ``httpx.AsyncClient`` to use (tests, connection reuse).
    """

    name = "llm"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        anger: VaderClassifier | None = None,
        api_key: str | None = None,
        timeout_s: float = 3.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.anger = anger or VaderClassifier()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = client or httpx.AsyncClient(timeout=timeout_s, headers=headers)

    @classmethod
    def from_settings(
        cls, settings: SentimentSettings, *, anger: VaderClassifier | None = None
    ) -> LlmSentimentClassifier:
        """Build from ``settings.llm_*``."""
        return cls(
            settings.llm_base_url,
            settings.llm_model,
            anger=anger,
            api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
        )

    def request_body(self, text: str) -> dict[str, Any]:
        """The chat completions request for ``text`` (seed 3 prompt, 10 tokens, temperature 0)."""
        return {
            "model": self.model,
            "messages": [{"role": "user", "content": SEED3_PROMPT.format(text=text)}],
            "max_tokens": 10,
            "temperature": 0,
        }

    async def score(self, text: str, locale: Locale) -> SentimentScore:
        """Ask the model for the label; keep the embedded anger score.

        Raises:
            BrainError: the server failed, timed out or answered without a label.
        """
        try:
            resp = await self.client.post(self.url, json=self.request_body(text))
            resp.raise_for_status()
            answer = str(resp.json()["choices"][0]["message"]["content"])
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            raise BrainError(f"sentiment model call failed: {type(exc).__name__}") from exc
        match = _LABEL.search(answer)
        if match is None:
            raise BrainError(f"sentiment model gave no label: {answer[:40]!r}")
        label = match.group(1).upper()
        assert label in LABELS
        local = self.anger.score_sync(text)
        return SentimentScore(label, _COMPOUND.get(label, 0.0), local.anger, local.cues)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()
