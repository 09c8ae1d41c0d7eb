"""Hallucination-log rows (seed 2 "Hallucination Log Model").

One row per hallucination type found in a reply, so the table's GSI on
``hallucination_type`` counts each kind of error once per reply. ``ttl`` is
the epoch second at which DynamoDB TTL (or our store's sweeper) removes the
row: ``now + ttl_days`` (seed 2: 90 days retention).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from switchboard.domain.types import (
    SEVERITY_RANK,
    HallucinationLog,
    ToolResult,
    ValidationAction,
    ValidationResult,
)
from switchboard.errors import InputError


def _tool_results_payload(results: Sequence[ToolResult]) -> dict[str, Any]:
    return {
        "results": [
            {
                "call_id": r.call_id,
                "name": r.name,
                "arguments": r.arguments,
                "output": r.output,
                "error": r.error.model_dump(mode="json") if r.error else None,
            }
            for r in results
        ]
    }


def build_hallucination_logs(
    result: ValidationResult,
    *,
    user_query: str,
    tool_results: Sequence[ToolResult],
    model_response: str,
    session_id: str,
    action_taken: ValidationAction,
    ttl_days: int = 90,
    now: datetime | None = None,
    redact: Callable[[str], str] | None = None,
) -> list[HallucinationLog]:
    """Return the hallucination-log rows for one validated reply (empty when no findings).

    Args:
        result: the validation agent's verdict.
        user_query: the customer's utterance.
        tool_results: the turn's tool results (stored whole under ``"results"``).
        model_response: the reply that was judged.
        session_id: the contact id.
        action_taken: what the turn loop did (``logged``, ``regenerated``, ``fallback``).
        ttl_days: retention in days (seed 2: 90).
        now: the row time (aware; naive is taken as UTC); default: the current time.
        redact: applied to ``user_query`` and ``model_response`` before they are
            stored (seed 2 "Security": "Do not log PII in hallucination logs");
            pass ``switchboard.audit.redact.redact``.

    Raises:
        InputError: when ``ttl_days`` is negative.

    """
    if ttl_days < 0:
        raise InputError(f"ttl_days must be >= 0, got {ttl_days}")
    if not result.findings:
        return []
    when = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    ttl = int((when + timedelta(days=ttl_days)).timestamp())
    names = [r.name for r in tool_results]
    tool_name = ",".join(dict.fromkeys(names)) or "none"
    query = redact(user_query) if redact else user_query
    response = redact(model_response) if redact else model_response
    payload = _tool_results_payload(tool_results)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for f in result.findings:
        by_type.setdefault(f.type.value, []).append(f.model_dump(mode="json"))
    rows: list[HallucinationLog] = []
    for f in result.findings:
        if any(r.hallucination_type == f.type for r in rows):
            continue
        same = [g for g in result.findings if g.type == f.type]
        severity = max((g.severity for g in same), key=lambda s: SEVERITY_RANK[s])
        rows.append(
            HallucinationLog(
                timestamp=when,
                user_query=query,
                tool_name=tool_name,
                tool_results=payload,
                model_response=response,
                hallucination_type=f.type,
                severity=severity,
                validation_details={
                    "findings": by_type[f.type.value],
                    "overall_severity": result.severity.value if result.severity else None,
                    "checks_performed": list(result.checks_performed),
                    "confidence_score": result.confidence_score,
                    "passed": result.passed,
                },
                action_taken=action_taken,
                session_id=session_id,
                ttl=ttl,
            )
        )
    return rows
