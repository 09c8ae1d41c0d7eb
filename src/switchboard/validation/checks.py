"""The four checks of seed 2 §3 "Validation Rules", each reply fact against the evidence.

Each check returns an :class:`Outcome`: its findings and how many claims it
judged (the confidence score is the share of claims that held). Severities
follow the policy table in :mod:`switchboard.validation.policy`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from switchboard.domain.types import Finding, HallucinationType, Severity
from switchboard.validation.evidence import Evidence, doc_only_generic, doc_supported
from switchboard.validation.facts import Facts
from switchboard.validation.hours import day_names
from switchboard.validation.lexicon import (
    DECLINE_CUES,
    DOC_BY_KEY,
    GENERIC_PLACES,
    REFERRAL_CUES,
    expand_covers,
    parents_of,
)
from switchboard.validation.places import fold, norm_address
from switchboard.validation.quantities import KM, MINUTES, Quantity

FABRICATED_DATA = "fabricated_data"
DOMAIN_BOUNDARY = "domain_boundary"
DOCUMENT_ACCURACY = "document_accuracy"
BRANCH_ACCURACY = "branch_accuracy"

#: Names of the checks, in the order they run (seed 2 ``checks_performed``).
CHECKS = (FABRICATED_DATA, DOMAIN_BOUNDARY, DOCUMENT_ACCURACY, BRANCH_ACCURACY)


@dataclass
class CheckContext:
    """What every check may read besides the reply.

    Attributes:
        evidence: the turn's tool data.
        query: facts of the customer's own words (echoes such as a postcode
            or a town are not fabrications).
        known_names: names the operator allows in branch mentions (the bank's brand).
        fuzzy_threshold: rapidfuzz score (0-100) at which two names or document
            phrases are the same.

    """

    evidence: Evidence
    query: Facts
    known_names: tuple[str, ...] = ()
    fuzzy_threshold: int = 88


@dataclass
class Outcome:
    """Findings of one check and the number of claims it judged."""

    findings: list[Finding] = field(default_factory=list)
    claims: int = 0

    def flag(
        self, check: str, kind: HallucinationType, severity: Severity, claim: str, detail: str
    ) -> None:
        """Record one finding."""
        self.findings.append(
            Finding(type=kind, severity=severity, claim=claim.strip().rstrip(".,;:"),
                    detail=detail, check=check)
        )


# -- fabricated data -------------------------------------------------------------------


def _close(a: float, b: float, rel: float = 0.0, abs_tol: float = 0.005) -> bool:
    return abs(a - b) <= max(abs_tol, rel * max(abs(a), abs(b)))


def _money_ok(value: float, cur: str | None, ev: Evidence, rel: float = 0.0) -> bool:
    return any(
        _close(value, v, rel) and (cur is None or c is None or c == cur) for v, c in ev.money
    )


def _fmt_money(ev: Evidence) -> str:
    vals = sorted({f"{v:g} {c or ''}".strip() for v, c in ev.money})
    return ", ".join(vals[:6]) or "none"


def check_fabricated_data(reply: Facts, ctx: CheckContext) -> Outcome:
    """Check amounts, percentages, durations, distances, counts, timing words and numbers.

    E-mail and web addresses are checked here too (a made-up one is high).

    Seed 2 §3 rule 1: "Extract key facts from model response (documents,
    steps, timelines) ... Flag any information not present in tool data".
    """
    ev = ctx.evidence
    out = Outcome()
    query_numbers = {v for q in ctx.query.quantities for v in q.values}
    for q in reply.quantities:
        out.claims += 1
        if q.kind == "money":
            _judge_money(q, ev, out)
        elif q.kind == "percent":
            if not all(any(_close(v, p) for p in ev.percents) for v in q.values):
                out.flag(FABRICATED_DATA, HallucinationType.FABRICATED_DATA, Severity.HIGH,
                         q.text, "percentage not in the tool results")
        elif q.kind == "duration":
            _judge_duration(q, ev, out)
        elif q.kind == "distance":
            rel = 0.1 if q.approx else 0.02
            km = [v * KM[q.unit or "km"] for v in q.values]
            if not all(any(_close(v, d, rel) for d in ev.distances) for v in km):
                out.flag(FABRICATED_DATA, HallucinationType.FABRICATED_DATA, Severity.MEDIUM,
                         q.text, "distance not in the tool results")
        elif q.kind == "count":
            known = ev.numbers | {float(n) for n in ev.list_lengths}
            if not all(v in known for v in q.values):
                out.flag(FABRICATED_DATA, HallucinationType.FABRICATED_DATA, Severity.MEDIUM,
                         q.text, f"count not in the tool results (lists hold "
                         f"{sorted(ev.list_lengths) or 'no'} items)")
        else:
            _judge_number(q, ev, query_numbers, out)
    for c in reply.contacts:
        out.claims += 1
        listed = c.value in ev.contacts or any(
            c.kind == "url" and c.value.startswith(k + "/") for k in ev.contacts
        )
        if not listed:
            what = "e-mail address" if c.kind == "email" else "web address"
            out.flag(FABRICATED_DATA, HallucinationType.FABRICATED_DATA, Severity.HIGH, c.text,
                     f"{what} not in the tool results")
    for t in reply.timing:
        out.claims += 1
        if t.key not in ev.timing:
            out.flag(FABRICATED_DATA, HallucinationType.FABRICATED_DATA, Severity.MEDIUM,
                     t.text, "timing not in the tool results")
    return out


def _judge_money(q: Quantity, ev: Evidence, out: Outcome) -> None:
    if all(_money_ok(v, q.unit, ev) for v in q.values):
        return
    if all(any(_close(v, ev_v) for ev_v, _ in ev.money) for v in q.values):
        out.flag(FABRICATED_DATA, HallucinationType.FABRICATED_DATA, Severity.HIGH, q.text,
                 f"currency {q.unit} does not match the tool results ({_fmt_money(ev)})")
        return
    if q.approx and all(_money_ok(v, q.unit, ev, rel=0.1) for v in q.values):
        out.flag(FABRICATED_DATA, HallucinationType.FABRICATED_DATA, Severity.LOW, q.text,
                 "rounded amount; the tool gives the exact figure")
        return
    label = "free/no fee" if q.values == (0.0,) else "amount"
    out.flag(FABRICATED_DATA, HallucinationType.FABRICATED_DATA, Severity.HIGH, q.text,
             f"{label} not in the tool results (tool amounts: {_fmt_money(ev)})")


def _judge_duration(q: Quantity, ev: Evidence, out: Outcome) -> None:
    if all(any(_close(v, d, 0.03) for d in ev.durations) for v in q.values):
        return
    unit = q.raw_unit or "minute"
    raw = [v / MINUTES[unit] for v in q.values]
    if unit == "year" and all(r in ev.numbers for r in raw):
        return  # an age ("18 years old") the tool states as "18+"
    out.flag(FABRICATED_DATA, HallucinationType.FABRICATED_DATA, Severity.MEDIUM, q.text,
             "timing not in the tool results")


def _judge_number(q: Quantity, ev: Evidence, query_numbers: set[float], out: Outcome) -> None:
    v = q.values[0]
    if v in ev.numbers or v in query_numbers:
        return
    longest = max(ev.list_lengths, default=0)
    if v.is_integer() and 1 <= v <= max(longest, 1):
        return  # a list position ("step 3")
    out.flag(FABRICATED_DATA, HallucinationType.FABRICATED_DATA, Severity.LOW, q.text,
             "number not in the tool results")


# -- domain boundary -------------------------------------------------------------------


def check_domain_boundary(reply: Facts, ctx: CheckContext) -> Outcome:
    """Flag sentences that give information on products outside the agent's scope.

    Seed 2 §3 rule 2 ("Flag responses discussing unrelated topics (loans,
    mortgages, investments)"). A sentence that declines ("I can't help with
    mortgages") or refers the customer on without stating facts ("a specialist
    can talk you through mortgages") is not a violation; nor is a question, nor
    a product the tool data itself names (a premium card's travel insurance).
    """
    out = Outcome()
    for t in reply.topics:
        if t.question or fold(t.text) in ctx.evidence.blob:
            continue
        out.claims += 1
        sentence = reply.sentence_at(t.start)
        if DECLINE_CUES.search(sentence):
            continue
        if REFERRAL_CUES.search(sentence) and not _states_facts(reply, sentence):
            continue
        out.flag(DOMAIN_BOUNDARY, HallucinationType.OFF_TOPIC, Severity.MEDIUM, t.text,
                 f"discusses {t.key.replace('_', ' ')}, outside account opening, debit cards "
                 "and branches")
    return out


def _states_facts(reply: Facts, sentence: str) -> bool:
    return any(q.text in sentence for q in reply.quantities if q.kind != "number")


# -- documents -------------------------------------------------------------------------


def check_document_accuracy(reply: Facts, ctx: CheckContext) -> Outcome:
    """Documents named in the reply against the tools' document lists.

    Seed 2 §3 rule 3 ("Flag additions, omissions, or modifications") and
    Scenario 3 ("proof of income" when the tool said proof of address).
    A generic term passes when it covers a listed document ("photo ID" for
    "Valid passport"); a specific example of a listed generic term ("utility
    bill" for "proof of address") is low; anything else is medium. Omitting
    a listed document is low (a summary is not a lie).
    """
    ev = ctx.evidence
    out = Outcome()
    mentioned: set[str] = set()
    for d in reply.documents:
        if d.question:
            continue
        out.claims += 1
        listed = doc_supported(d.key, ev.doc_keys)
        label = DOC_BY_KEY[d.key].label
        if d.negated:
            if listed and d.key in ev.doc_keys:
                out.flag(DOCUMENT_ACCURACY, HallucinationType.INCORRECT_DOCUMENTS, Severity.MEDIUM,
                         d.text, f"says {label} is not needed; the tool lists it")
            continue
        mentioned.add(d.key)
        if listed:
            continue
        if doc_only_generic(d.key, ev.doc_keys):
            out.flag(DOCUMENT_ACCURACY, HallucinationType.INCORRECT_DOCUMENTS, Severity.LOW,
                     d.text, f"{label} is an example the tool does not give")
            continue
        phrase = fold(d.text)
        if ev.has_data and any(
            len(s) >= len(phrase) and fuzz.partial_ratio(phrase, s) >= ctx.fuzzy_threshold + 4
            for s in ev.folded
        ):
            continue
        out.flag(DOCUMENT_ACCURACY, HallucinationType.INCORRECT_DOCUMENTS, Severity.MEDIUM,
                 d.text, f"{label} is not in the tool's document list")
    if mentioned and ev.required_docs:
        for item, keys in ev.required_docs:
            if keys and not _covered(keys, mentioned):
                out.flag(DOCUMENT_ACCURACY, HallucinationType.INCORRECT_DOCUMENTS, Severity.LOW,
                         item, "a required document is left out")
    return out


def _covered(item_keys: frozenset[str], mentioned: set[str]) -> bool:
    for k in mentioned:
        if expand_covers(k) & item_keys:
            return True
        if any(k in expand_covers(ik) for ik in item_keys):
            return True
        if parents_of(k) & item_keys:
            return True
    return False


# -- branches --------------------------------------------------------------------------


def check_branch_accuracy(reply: Facts, ctx: CheckContext) -> Outcome:
    """Phone numbers, postcodes, addresses, branch names and opening hours.

    Seed 2 §3 rule 4 ("Extract branch details (address, phone, hours) ...
    Flag any discrepancies"). All findings are high: a wrong phone, address,
    name or opening time sends the customer somewhere we are not.
    """
    ev = ctx.evidence
    out = Outcome()
    kind = (HallucinationType.INCORRECT_BRANCH if ev.branch_records
            else HallucinationType.FABRICATED_DATA)
    high = Severity.HIGH
    for p in reply.phones:
        out.claims += 1
        digits = re.sub(r"\D", "", p.text).lstrip("0")[-9:]
        if p.value not in ev.phones and digits not in ev.phone_digits:
            out.flag(BRANCH_ACCURACY, kind, high, p.text, "phone number not in the tool results")
    query_codes = {p.value for p in ctx.query.postcodes}
    for p in reply.postcodes:
        out.claims += 1
        if p.value not in ev.postcodes and p.value not in query_codes:
            out.flag(BRANCH_ACCURACY, kind, high, p.text, "postcode not in the tool results")
    flagged: set[str] = set()
    for p in reply.addresses:
        out.claims += 1
        if not _address_ok(p.value, ev, ctx.fuzzy_threshold):
            flagged.add(p.value)
            out.flag(BRANCH_ACCURACY, kind, high, p.text, "address not in the tool results")
    if ev.streets:
        folded = norm_address(reply.text)
        known = set(ev.streets)
        for number, street in ev.streets:
            for m in re.finditer(rf"(?<![\w])(\d{{1,5}}[a-z]?) {re.escape(street)}(?![\w])",
                                 folded):
                claim = f"{m.group(1)} {street}"
                if (m.group(1), street) in known or any(claim in f for f in flagged):
                    continue
                flagged.add(claim)
                out.claims += 1
                out.flag(BRANCH_ACCURACY, kind, high, claim,
                         f"house number differs from the tool's address ({number} {street})")
    for p in reply.branch_names:
        out.claims += 1
        if not _name_ok(p.value, ctx):
            out.flag(BRANCH_ACCURACY, kind, high, p.text,
                     f"branch name not in the tool results (branches: "
                     f"{', '.join(ev.branch_names[:5]) or 'none'})")
    for h in reply.hours:
        out.claims += 1
        # "Closed on Sunday" is true of the branch that is closed then, even when
        # another branch in the same results opens on Sunday.
        closed_somewhere = h.kind == "closed" and any(
            s.supports(h) for s in ev.branch_schedules
        )
        if not ev.schedule.supports(h) and not closed_somewhere:
            days = f" on {day_names(h.days)}" if h.days is not None else ""
            what = {"closed": "closed", "open_day": "open"}.get(h.kind, "opening hours")
            out.flag(BRANCH_ACCURACY, kind, high, h.text,
                     f"{what}{days} does not match the tool's opening hours")
    return out


def _address_ok(claim: str, ev: Evidence, threshold: int) -> bool:
    padded = f" {claim} "
    if any(padded in f" {a} " for a in ev.addresses):
        return True
    numbers = set(re.findall(r"\d+[a-z]?", claim))
    for a in ev.addresses:
        tokens = set(a.split())
        if (numbers <= tokens and len(a) >= len(claim)
                and fuzz.partial_ratio(claim, a) >= max(threshold, 90)):
            return True
    return False


def _name_ok(name: str, ctx: CheckContext) -> bool:
    ev = ctx.evidence
    tokens = name.split()
    if all(fold(t) in GENERIC_PLACES for t in tokens):
        return True
    names = [*ev.branch_names, *ctx.known_names]
    query = fold(ctx.query.text)
    for i in range(len(tokens)):
        suffix = " ".join(tokens[i:])
        folded = fold(suffix)
        if any(fuzz.token_set_ratio(folded, fold(n)) >= ctx.fuzzy_threshold + 2 for n in names):
            return True
        if _contains_words(ev.blob, folded) or _contains_words(query, folded):
            return True
    return False


def _contains_words(haystack: str, needle: str) -> bool:
    if not needle:
        return False
    return re.search(rf"(?<![\w]){re.escape(needle)}(?![\w])", haystack) is not None


def run_checks(reply: Facts, ctx: CheckContext, names: Iterable[str] = CHECKS) -> list[Outcome]:
    """Run the named checks in order and return their outcomes.

    Raises:
        KeyError: for an unknown check name.

    """
    table = {
        FABRICATED_DATA: check_fabricated_data,
        DOMAIN_BOUNDARY: check_domain_boundary,
        DOCUMENT_ACCURACY: check_document_accuracy,
        BRANCH_ACCURACY: check_branch_accuracy,
    }
    return [table[n](reply, ctx) for n in names]
