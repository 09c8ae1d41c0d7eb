"""Severity policy of the validation agent and what the turn loop does about it.

Source: seed 2 §3 "Hallucination Response Strategy" — high: replace the reply
with a safe fallback and transfer; medium: regenerate with a stricter
instruction; low: log and continue ("minor formatting differences"). The
finding-to-severity assignment below is ours; the seed names the levels and
the four hallucination types (§"Hallucination Log Model").

=====================================================  ==================  ========
finding                                                type                severity
=====================================================  ==================  ========
amount or fee not in the tool data (£10 for £5.00,      fabricated_data     high
"free" when it costs, wrong currency), percentage;
an e-mail or web address the tool did not give
wrong/unknown phone number, postcode, street address,   incorrect_branch    high
branch name; opening hours or open/closed days that
contradict the tool (fabricated_data when the turn
had no branch data)
document not in the tool's list (seed scenario 3:      incorrect_documents medium
"proof of income"), or "not needed" for a listed one
duration/timing not in the tool data ("2 working        fabricated_data     medium
days" for "5-7"), timing words ("instantly"), step or
document counts, distances
information about products outside the scope          off_topic           medium
(loans, mortgages, investments, insurance, pensions,
crypto, credit cards, tax advice); a decline or a
referral is not
any fact at all when the turn has no successful tool   (its own type)      at most
result (the brain must call its tools: regenerating                        medium
gives it that chance)
a specific example of a listed generic document        incorrect_documents low
("utility bill" for "proof of address"); a listed
document left out of a summary
a bare number not in the tool data; an amount hedged    fabricated_data     low
("about £5") within 10% of the tool's figure
=====================================================  ==================  ========

Numbers that are list positions ("step 3") and numbers the customer said
themselves are not findings. Spelling differences ("3-5" vs "three to five",
"£5" vs "£5.00" vs "5 pounds", "5,00 €") normalise to the same value and are
not findings either.
"""

from __future__ import annotations

from collections.abc import Iterable

from switchboard.domain.types import (
    SEVERITY_RANK,
    Finding,
    Locale,
    Severity,
    ValidationAction,
    ValidationResult,
)

#: The stricter instruction for a regeneration (seed 2 §3, verbatim).
STRICT_INSTRUCTION = (
    "Only use information from tool results. Do not add any additional information."
)

#: The safe fallback that replaces a high-severity reply (seed 2 §3, verbatim).
FALLBACK_MESSAGE = (
    "I want to make sure I give you accurate information. Let me transfer you to a specialist."
)

#: :data:`FALLBACK_MESSAGE` per locale (fr_FR is our translation).
FALLBACK_MESSAGES: dict[Locale, str] = {
    Locale.EN_GB: FALLBACK_MESSAGE,
    Locale.EN_US: FALLBACK_MESSAGE,
    Locale.FR_FR: (
        "Je veux être sûr de vous donner une information exacte. Je vous mets en relation "
        "avec un conseiller."
    ),
}


def fallback_message(locale: Locale | str) -> str:
    """Return the safe fallback message for ``locale`` (English for an unknown locale)."""
    try:
        return FALLBACK_MESSAGES[Locale(locale)]
    except ValueError:
        return FALLBACK_MESSAGE


def max_severity(findings: Iterable[Finding]) -> Severity | None:
    """Return the highest severity among ``findings`` (None when there are none)."""
    best: Severity | None = None
    for f in findings:
        if best is None or SEVERITY_RANK[f.severity] > SEVERITY_RANK[best]:
            best = f.severity
    return best


def decide_action(result: ValidationResult, *, regenerated: bool = False) -> ValidationAction:
    """Map a validation result to the action of seed 2 §3 "Hallucination Response Strategy".

    Args:
        result: the validation agent's verdict.
        regenerated: True when this reply is already the one regeneration the
            policy allows; a medium finding then falls back like a high one.

    Returns:
        ``NONE`` (no findings), ``LOGGED`` (low), ``REGENERATED`` (medium, first
        time) or ``FALLBACK`` (high, or medium after a regeneration).

    """
    severity = result.severity or max_severity(result.findings)
    if severity is None:
        return ValidationAction.NONE
    if severity is Severity.LOW:
        return ValidationAction.LOGGED
    if severity is Severity.MEDIUM and not regenerated:
        return ValidationAction.REGENERATED
    return ValidationAction.FALLBACK
