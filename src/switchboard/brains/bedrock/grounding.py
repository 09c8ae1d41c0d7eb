"""Bedrock Guardrails contextual grounding as an extra validation stage.

:class:`GroundingValidator` wraps the rule-based validation agent (any
:class:`~switchboard.ports.Validator`) and asks the ``ApplyGuardrail`` API
(bedrock-runtime) to score the reply against this turn's tool results:

* ``content``: the tool results as JSON text qualified ``grounding_source``,
  the customer's utterance qualified ``query``, the reply qualified
  ``guard_content``; ``source`` is ``OUTPUT`` (Bedrock user guide,
  "Use contextual grounding check with ApplyGuardrail");
* the guardrail must have a contextual grounding policy; its filters come back
  in ``assessments[].contextualGroundingPolicy.filters[]`` as
  ``{type: GROUNDING|RELEVANCE, threshold, score, action: BLOCKED|NONE}``.

Scores feed the severity (our policy, in the spirit of seed 2 §3): a
``GROUNDING`` score under the threshold is a ``fabricated_data`` finding, a
``RELEVANCE`` score under it an ``off_topic`` finding; each is ``medium`` (the
loop regenerates once) unless the score is under half the threshold, then
``high`` (fallback and transfer). The stage runs only when the turn has
successful tool results (there is nothing to ground against otherwise). When
the API fails, the rule-based verdict stands and the log says why (seed 2
"Validation Timeout: allow response but log warning").
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from switchboard.config import BedrockSettings
from switchboard.domain.types import (
    Finding,
    HallucinationType,
    Locale,
    Severity,
    ToolResult,
    ValidationResult,
)
from switchboard.errors import ConfigError
from switchboard.ports import Validator
from switchboard.validation import max_severity

log = logging.getLogger("switchboard.brains.bedrock.grounding")

#: Name of the check in ``ValidationResult.checks_performed``.
CHECK = "contextual_grounding"

_TYPES = {
    "GROUNDING": HallucinationType.FABRICATED_DATA,
    "RELEVANCE": HallucinationType.OFF_TOPIC,
}


def grounding_request(
    settings: BedrockSettings, user_query: str, tool_results: Sequence[ToolResult], reply: str
) -> dict[str, Any]:
    """Return the ``apply_guardrail`` keyword arguments for one reply.

    Raises:
        ConfigError: when no guardrail is configured.
    """
    if not settings.guardrail_id:
        raise ConfigError("contextual grounding needs bedrock.guardrail_id")
    source = json.dumps(
        [{"tool": r.name, "output": r.output} for r in tool_results if r.ok],
        ensure_ascii=False,
    )
    return {
        "guardrailIdentifier": settings.guardrail_id,
        "guardrailVersion": settings.guardrail_version,
        "source": "OUTPUT",
        "content": [
            {"text": {"text": source, "qualifiers": ["grounding_source"]}},
            {"text": {"text": user_query, "qualifiers": ["query"]}},
            {"text": {"text": reply, "qualifiers": ["guard_content"]}},
        ],
    }


def grounding_scores(
    response: dict[str, Any], default_threshold: float
) -> list[tuple[str, float, float, bool]]:
    """Return ``(type, score, threshold, blocked)`` per grounding/relevance filter."""
    out: list[tuple[str, float, float, bool]] = []
    for assessment in response.get("assessments") or []:
        policy = assessment.get("contextualGroundingPolicy") or {}
        for f in policy.get("filters") or []:
            kind = str(f.get("type", ""))
            if kind in _TYPES:
                score = float(f.get("score", 1.0))
                threshold = float(f.get("threshold", default_threshold))
                blocked = f.get("action") == "BLOCKED" or score < threshold
                out.append((kind, score, threshold, blocked))
    return out


def grounding_findings(scores: list[tuple[str, float, float, bool]]) -> list[Finding]:
    """Return a finding per filter under its threshold (high under half of it)."""
    return [
        Finding(
            type=_TYPES[kind],
            severity=Severity.HIGH if score < threshold / 2 else Severity.MEDIUM,
            claim=f"{kind.lower()} score {score:.2f}",
            detail=f"under the guardrail threshold {threshold:.2f}",
            check=CHECK,
        )
        for kind, score, threshold, blocked in scores
        if blocked
    ]


class GroundingValidator:
    """A :class:`~switchboard.ports.Validator`: the rules first, then contextual grounding.

    Args:
        inner: the rule-based validation agent.
        settings: guardrail id/version and ``grounding_threshold``.
        client: a ``bedrock-runtime`` client (built from ``settings`` when None).

    Raises:
        ConfigError: when no guardrail is configured.
    """

    name = "rules+grounding"

    def __init__(
        self, inner: Validator, settings: BedrockSettings, *, client: Any | None = None
    ) -> None:
        if not settings.guardrail_id:
            raise ConfigError("contextual grounding needs bedrock.guardrail_id")
        if client is None:
            from switchboard.brains.bedrock.brain import make_client

            client = make_client(settings)
        self.inner = inner
        self.settings = settings
        self.client = client

    def validate(
        self,
        user_query: str,
        tool_results: Sequence[ToolResult],
        reply_text: str,
        locale: Locale,
    ) -> ValidationResult:
        """Return the rules' verdict with grounding findings added (see the module doc)."""
        result = self.inner.validate(user_query, tool_results, reply_text, locale)
        if not any(r.ok for r in tool_results) or not reply_text.strip():
            return result
        request = grounding_request(self.settings, user_query, tool_results, reply_text)
        try:
            response = self.client.apply_guardrail(**request)
        except Exception as exc:  # the rules' verdict stands; say why
            log.warning("contextual grounding unavailable (%s); rules only", type(exc).__name__)
            return result
        scores = grounding_scores(response, self.settings.grounding_threshold or 0.0)
        extra = grounding_findings(scores)
        checks = [*result.checks_performed, CHECK]
        if not extra:
            return result.model_copy(update={"checks_performed": checks})
        findings = [*result.findings, *extra]
        return result.model_copy(
            update={
                "passed": False,
                "findings": findings,
                "severity": max_severity(findings),
                "checks_performed": checks,
                "confidence_score": min(result.confidence_score, *(s[1] for s in scores)),
            }
        )
