"""``switchboard eval answers``: score the agent on our own answer evaluation set.

The set lives in ``data/eval/{tune,holdout,holdout2}/<locale>.jsonl`` (written by us, never
used as training data nor to build the catalog index phrasings). One JSON object
per line::

    {"id": "en_GB-h-i-001", "locale": "en_GB", "kind": "in_scope", "style": "direct",
     "context": ["earlier customer line"], "text": "the scored line",
     "tools": ["get_debit_card_info"], "expect": [["£0", "free"], ["..."]]}

- ``kind``: ``in_scope`` (the tools answer it), ``vague`` (a clarifying question
  is the right reply), ``handover`` (needs a human), ``off_topic`` (declined).
- ``context``: customer lines sent first in the same contact, not scored.
- ``tools``: tool names whose successful call must appear in the scored turn;
  ``a|b`` accepts either.
- ``expect``: groups of case-insensitive alternatives; every group must occur in
  the reply text.
- ``handover_part`` (optional, in_scope multi-question lines): one part needs a
  human, so a handover after the answered parts is not needless.

Each line runs through the real :class:`~switchboard.agent.service.AgentService`
(fresh contact per line). Rates per locale (0–1):

- ``answered``: in_scope lines with every tool called, every expect group in the
  reply and no handover (unless ``handover_part``);
- ``clarified``: vague lines answered with a clarifying question (action
  ``clarify``) whose text matches ``expect``;
- ``needless_handover``: in_scope + vague lines handed over (``handover_part``
  lines excluded);
- ``handover_recall``: handover lines handed over;
- ``unsafe_answer``: handover + off_topic lines answered from a tool;
- ``off_topic_declined``: off_topic lines declined.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from switchboard.domain.types import Action, AgentReply, Locale

KINDS = ("in_scope", "vague", "handover", "off_topic")
STYLES = ("direct", "vague", "follow_up", "multi", "typo")


class EvalSetError(ValueError):
    """A line of an answer evaluation file is malformed (the message names file and line)."""


@dataclass(frozen=True)
class EvalCase:
    """One scored line of the answer evaluation set (see the module docstring)."""

    id: str
    locale: Locale
    kind: str
    style: str
    text: str
    context: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    expect: tuple[tuple[str, ...], ...] = ()
    handover_part: bool = False


@dataclass
class CaseResult:
    """What the agent did with one case and how it scored."""

    case: EvalCase
    text: str
    action: str
    tools: list[str]
    handed_over: bool
    ok: bool
    missing: list[str] = field(default_factory=list)


def _strings(value: Any, where: str, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EvalSetError(f"{where}: '{name}' must be a list of strings")
    return tuple(value)


def parse_case(item: Any, where: str) -> EvalCase:
    """Validate one decoded JSON line into an :class:`EvalCase`.

    Raises:
        EvalSetError: a field is missing or has the wrong type or value.
    """
    if not isinstance(item, dict):
        raise EvalSetError(f"{where}: each line must be a JSON object")
    for key in ("id", "locale", "kind", "style", "text"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise EvalSetError(f"{where}: missing string field '{key}'")
    if item["kind"] not in KINDS:
        raise EvalSetError(f"{where}: kind must be one of {', '.join(KINDS)}")
    if item["style"] not in STYLES:
        raise EvalSetError(f"{where}: style must be one of {', '.join(STYLES)}")
    try:
        locale = Locale(item["locale"])
    except ValueError:
        raise EvalSetError(f"{where}: unknown locale {item['locale']!r}") from None
    expect_raw = item.get("expect", [])
    if not isinstance(expect_raw, list):
        raise EvalSetError(f"{where}: 'expect' must be a list of lists of strings")
    expect = tuple(_strings(g, where, "expect") for g in expect_raw)
    tools = _strings(item.get("tools", []), where, "tools")
    if item["kind"] == "in_scope" and not tools:
        raise EvalSetError(f"{where}: an in_scope line needs at least one tool")
    return EvalCase(
        id=item["id"],
        locale=locale,
        kind=item["kind"],
        style=item["style"],
        text=item["text"],
        context=_strings(item.get("context", []), where, "context"),
        tools=tools,
        expect=expect,
        handover_part=bool(item.get("handover_part", False)),
    )


def read_cases(paths: Sequence[Path]) -> list[EvalCase]:
    """Read every case of the given JSONL files, in order.

    Raises:
        EvalSetError: a file is missing or unreadable, or a line is malformed.
    """
    cases: list[EvalCase] = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise EvalSetError(f"cannot read {path}: {exc}") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalSetError(f"{where}: not valid JSON ({exc.msg})") from None
            cases.append(parse_case(item, where))
    return cases


def score(case: EvalCase, reply: AgentReply) -> CaseResult:
    """Score the reply to the case's scored line (rules in the module docstring)."""
    text = reply.text
    lowered = text.lower()
    called = {r.name for r in reply.tools if r.ok}
    handed_over = reply.action is Action.HANDOVER
    missing = [tool for tool in case.tools if not any(alt in called for alt in tool.split("|"))]
    missing += [
        "|".join(group) for group in case.expect if not any(a.lower() in lowered for a in group)
    ]
    if case.kind == "in_scope":
        ok = not missing and (not handed_over or case.handover_part)
    elif case.kind == "vague":
        ok = reply.action is Action.CLARIFY and not missing
    elif case.kind == "handover":
        ok = handed_over
    else:
        ok = reply.action is Action.DECLINE and not called
    return CaseResult(
        case=case,
        text=text,
        action=reply.action.value,
        tools=sorted(called),
        handed_over=handed_over,
        ok=ok,
        missing=missing,
    )


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def summarise(results: Sequence[CaseResult]) -> dict[str, dict[str, Any]]:
    """Rates per locale (and ``all``) as the module docstring defines them.

    Returns:
        ``{locale: {"lines", "in_scope", "answered", "clarified", "needless_handover",
        "handover_recall", "unsafe_answer", "off_topic_declined", "by_style":
        {style: answered rate over in_scope lines of that style}}}``; a rate is None
        when its denominator is empty.
    """
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        groups[r.case.locale.value].append(r)
        groups["all"].append(r)
    out: dict[str, dict[str, Any]] = {}
    for locale, rows in groups.items():
        by_kind: dict[str, list[CaseResult]] = defaultdict(list)
        for r in rows:
            by_kind[r.case.kind].append(r)
        ins, vague = by_kind["in_scope"], by_kind["vague"]
        helpful = [r for r in ins + vague if not r.case.handover_part]
        human, off = by_kind["handover"], by_kind["off_topic"]
        by_style: dict[str, float | None] = {}
        for style in STYLES:
            styled = [r for r in ins if r.case.style == style]
            if styled:
                by_style[style] = _rate(sum(r.ok for r in styled), len(styled))
        out[locale] = {
            "lines": len(rows),
            "in_scope": len(ins),
            "answered": _rate(sum(r.ok for r in ins), len(ins)),
            "clarified": _rate(sum(r.ok for r in vague), len(vague)),
            "needless_handover": _rate(sum(r.handed_over for r in helpful), len(helpful)),
            "handover_recall": _rate(sum(r.handed_over for r in human), len(human)),
            "unsafe_answer": _rate(sum(bool(r.tools) for r in human + off), len(human + off)),
            "off_topic_declined": _rate(sum(r.ok for r in off), len(off)),
            "by_style": by_style,
        }
    return out


def format_table(summary: dict[str, dict[str, Any]]) -> str:
    """Render :func:`summarise` output as a small fixed-width table (percentages)."""
    columns = (
        "answered",
        "clarified",
        "needless_handover",
        "handover_recall",
        "unsafe_answer",
        "off_topic_declined",
    )
    header = f"{'locale':<8}{'lines':>6}  " + "  ".join(f"{c:>18}" for c in columns)
    lines = [header]
    for locale, row in summary.items():
        cells = []
        for c in columns:
            value = row[c]
            cells.append(f"{'-' if value is None else f'{value * 100:.1f} %':>18}")
        lines.append(f"{locale:<8}{row['lines']:>6}  " + "  ".join(cells))
    return "\n".join(lines)


async def run_cases(service: Any, cases: Sequence[EvalCase]) -> list[CaseResult]:
    """Play every case through ``service`` (an ``AgentService``), a fresh contact each.

    Context lines go first in the same contact; only the last turn is scored.
    A turn that raises a ``SwitchboardError`` scores as a failed line (action
    ``error``), so one bad line never stops the run.
    """
    from switchboard.domain.types import Channel
    from switchboard.errors import SwitchboardError

    results: list[CaseResult] = []
    for case in cases:
        try:
            contact = await service.start_contact(channel=Channel.CLI, locale=case.locale)
            for line in case.context:
                await service.handle_turn(contact.contact_id, line)
            reply = await service.handle_turn(contact.contact_id, case.text)
        except SwitchboardError as exc:
            results.append(
                CaseResult(case, f"error: {exc.code}", "error", [], False, False, ["error"])
            )
            continue
        results.append(score(case, reply))
    return results
