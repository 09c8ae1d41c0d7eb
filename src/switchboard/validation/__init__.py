"""The validation agent (seed 2 §3): every reply checked against its turn's tool data.

Public API::

    ValidationAgent().validate(user_query, tool_results, reply_text, locale) -> ValidationResult
    decide_action(result, *, regenerated=False) -> ValidationAction
    STRICT_INSTRUCTION, FALLBACK_MESSAGE, fallback_message(locale)
    build_hallucination_logs(result, *, user_query, tool_results, model_response,
                             session_id, action_taken, ttl_days=90, now=None)
        -> list[HallucinationLog]

The severity policy table is in :mod:`switchboard.validation.policy`.
"""

from switchboard.validation.agent import ValidationAgent
from switchboard.validation.checks import CHECKS
from switchboard.validation.logs import build_hallucination_logs
from switchboard.validation.policy import (
    FALLBACK_MESSAGE,
    FALLBACK_MESSAGES,
    STRICT_INSTRUCTION,
    decide_action,
    fallback_message,
    max_severity,
)

__all__ = [
    "CHECKS",
    "FALLBACK_MESSAGE",
    "FALLBACK_MESSAGES",
    "STRICT_INSTRUCTION",
    "ValidationAgent",
    "build_hallucination_logs",
    "decide_action",
    "fallback_message",
    "max_severity",
]
