"""The validation agent: judges any brain's reply against the tool results of its turn.

Seed 2 §3 "Validation Agent". Rules only (no model on the latency path):
the reply and the tool outputs go through the same fact reader
(:mod:`switchboard.validation.facts`), and four checks compare them
(:mod:`switchboard.validation.checks`). Severities and actions:
:mod:`switchboard.validation.policy`.

Usage::

    agent = ValidationAgent()
    result = agent.validate(user_text, tool_results, reply_text, Locale.EN_GB)
    action = decide_action(result)          # none / logged / regenerated / fallback
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from switchboard.domain.types import (
    SEVERITY_RANK,
    Finding,
    Locale,
    Severity,
    ToolResult,
    ValidationResult,
)
from switchboard.errors import ValidationAgentError
from switchboard.validation.checks import CHECKS, CheckContext, run_checks
from switchboard.validation.evidence import EvidenceCache
from switchboard.validation.facts import extract_facts
from switchboard.validation.policy import max_severity

log = logging.getLogger(__name__)


class ValidationAgent:
    """Rule-based validation agent (implements :class:`switchboard.ports.Validator`).

    Args:
        known_names: proper names a reply may use next to "branch" without tool
            evidence (the bank's brand, e.g. ``["Northwind Bank"]``).
        fuzzy_threshold: rapidfuzz score (0-100) at which two names or document
            phrases count as the same; higher is stricter.
        checks: the checks to run, a subset of :data:`CHECKS`.
        cache_size: how many turns' evidence to keep (a regeneration re-validates
            against the same tool results).
        warm: compile the patterns and load the phone metadata now (about 10 ms)
            rather than on the first customer turn.

    Raises:
        ValueError: for an unknown check name or a threshold outside 50-100.

    """

    name = "rules"

    def __init__(
        self,
        *,
        known_names: Iterable[str] = (),
        fuzzy_threshold: int = 88,
        checks: Sequence[str] = CHECKS,
        cache_size: int = 128,
        warm: bool = True,
    ) -> None:
        unknown = [c for c in checks if c not in CHECKS]
        if unknown:
            raise ValueError(f"unknown checks {unknown}; known: {list(CHECKS)}")
        if not 50 <= fuzzy_threshold <= 100:
            raise ValueError(f"fuzzy_threshold must be within 50-100, got {fuzzy_threshold}")
        self.known_names = tuple(n for n in known_names if n.strip())
        self.fuzzy_threshold = fuzzy_threshold
        self.checks = tuple(checks)
        self._cache = EvidenceCache(cache_size)
        if warm:
            for locale in Locale:
                extract_facts(_WARM_UP, locale)

    def validate(
        self,
        user_query: str,
        tool_results: Sequence[ToolResult],
        reply_text: str,
        locale: Locale,
    ) -> ValidationResult:
        """Judge ``reply_text`` against the successful outputs of ``tool_results``.

        Args:
            user_query: the customer's utterance (their own numbers, postcodes
                and towns may be echoed without evidence).
            tool_results: every tool result of the turn; failed ones prove nothing.
            reply_text: the brain's reply.
            locale: the contact's locale (number formats, phone region, number
                words); an unknown value is read as en_GB.

        Returns:
            A :class:`ValidationResult`: ``passed`` is False when any finding is
            medium or high; ``severity`` is the highest finding's;
            ``confidence_score`` is the share of checked claims that held (low
            findings count half; 1.0 when the reply makes no claim).

        Raises:
            ValidationAgentError: only on an internal bug (never for odd input).

        """
        try:
            return self._validate(user_query, tool_results, reply_text, locale)
        except Exception as exc:
            raise ValidationAgentError(f"validation failed internally: {exc!r}") from exc

    def _validate(
        self,
        user_query: Any,
        tool_results: Any,
        reply_text: Any,
        locale: Any,
    ) -> ValidationResult:
        loc = _coerce_locale(locale)
        reply = reply_text if isinstance(reply_text, str) else ("" if reply_text is None
                                                                 else str(reply_text))
        query = user_query if isinstance(user_query, str) else ""
        results = [r for r in (tool_results or []) if isinstance(r, ToolResult)]
        if not reply.strip():
            return ValidationResult(passed=True, checks_performed=list(self.checks))
        evidence = self._cache.get(results, loc)
        ctx = CheckContext(
            evidence=evidence,
            query=extract_facts(query, loc, reply=False, light=True),
            known_names=self.known_names,
            fuzzy_threshold=self.fuzzy_threshold,
        )
        facts = extract_facts(reply, loc)
        outcomes = run_checks(facts, ctx, self.checks)
        findings: list[Finding] = [f for o in outcomes for f in o.findings]
        claims = sum(o.claims for o in outcomes)
        if not evidence.has_data and findings:
            findings = [_cap(f) for f in findings]
        severity = max_severity(findings)
        passed = severity is None or severity is Severity.LOW
        low = sum(1 for f in findings if f.severity is Severity.LOW)
        bad = len(findings) - low
        confidence = 1.0 if claims == 0 else max(0.0, (claims - bad - 0.5 * low) / claims)
        if findings:
            log.info(
                "validation findings",
                extra={
                    "findings": len(findings),
                    "severity": severity.value if severity else None,
                    "types": sorted({f.type.value for f in findings}),
                    "tools": list(evidence.tool_names),
                },
            )
        return ValidationResult(
            passed=passed,
            findings=findings,
            severity=severity,
            checks_performed=list(self.checks),
            confidence_score=round(confidence, 3),
        )


#: A reply touching every extractor, read once per locale by ``warm=True``.
_WARM_UP = (
    "Bring photo ID and proof of address; no loan advice. It costs £5.00 or 5,00 € (2%), "
    "arrives in 3-5 working days, instantly. Our Leeds branch at 1 High Street, LS1 1AA, "
    "is open Mon-Fri 9:00-17:00; call 0113 496 0000 or see www.example.com."
)


def _cap(f: Finding) -> Finding:
    """Cap a finding at medium and say why: the turn had no tool data at all."""
    severity = f.severity
    if SEVERITY_RANK[severity] > SEVERITY_RANK[Severity.MEDIUM]:
        severity = Severity.MEDIUM
    return f.model_copy(
        update={"severity": severity,
                "detail": f"{f.detail}; no tool was called, so no banking fact is supported"}
    )


def _coerce_locale(value: Any) -> Locale:
    if isinstance(value, Locale):
        return value
    try:
        return Locale(str(value))
    except ValueError:
        log.warning("unknown locale for validation; reading as en_GB", extra={"locale": value})
        return Locale.EN_GB
