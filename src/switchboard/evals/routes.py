"""Route-safety figures for ``switchboard eval routes`` (issue 10's route bars).

``switchboard eval routes FILE`` plays each row as the first turn of a fresh
contact and writes one result per row (``route``, ``action``, ``tools``,
``expected_route`` when the file carries one). This module turns those results
into the three figures the issue sets bars for, overall and per ``source``
column (``banking77``, ``clinc150``...) when the rows have one:

- ``handover_recall``: rows that need a human (their expected routes include
  ``handover`` and no tool route) that were handed over;
- ``tool_on_human``: rows that need a human answered from a tool instead
  (lower is better);
- ``off_topic_declined``: rows expected ``out_of_scope`` only, declined
  (routed to out_of_scope or smalltalk, no tool, no handover).

:func:`route_set_rows` builds such a file from the BANKING77 and CLINC150
copies in ``../shared/data`` with the routes of the product's own route maps
(:mod:`switchboard.brains.local.training`, overrides included).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from switchboard.domain.types import TOOL_ROUTES, Route

#: Route names the agent may use to decline an off-topic line.
DECLINE_ROUTES = frozenset({Route.OUT_OF_SCOPE.value, Route.SMALLTALK.value})
_TOOL_NAMES = frozenset(route.value for route in TOOL_ROUTES)


def outcome(result: Mapping[str, Any]) -> str:
    """What one ``eval routes`` result did: handover, tool, decline, clarify or error.

    A reply that hands over (action or route ``handover``) is ``handover`` even
    when it answered other parts of the message first.
    """
    route, action = result.get("route"), result.get("action")
    if route is None:
        return "error"
    if action == "handover" or route == Route.HANDOVER.value:
        return "handover"
    if action == "clarify":
        return "clarify"
    return "tool" if route in _TOOL_NAMES else "decline"


def _expected(result: Mapping[str, Any]) -> set[str]:
    cell = str(result.get("expected_route") or "")
    return {part for part in cell.split("|") if part}


def needs_human(expected: set[str]) -> bool:
    """A row needs a human when handover is right for it and no tool route is."""
    return Route.HANDOVER.value in expected and not expected & _TOOL_NAMES


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _figures(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    human = [r for r in results if needs_human(_expected(r))]
    oos = [r for r in results if _expected(r) == {Route.OUT_OF_SCOPE.value}]
    outcomes_h = [outcome(r) for r in human]
    outcomes_o = [outcome(r) for r in oos]
    return {
        "rows": len(results),
        "need_human": len(human),
        "handover_recall": _rate(outcomes_h.count("handover"), len(human)),
        "tool_on_human": _rate(outcomes_h.count("tool"), len(human)),
        "tool_on_human_n": outcomes_h.count("tool"),
        "off_topic": len(oos),
        "off_topic_declined": _rate(outcomes_o.count("decline"), len(oos)),
    }


def route_safety(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Route-safety figures (module docstring), ``{"all": {...}, "<source>": {...}}``.

    Returns:
        Rates are 0–1 (None when a figure has no rows); only rows with an
        ``expected_route`` count. Empty dict when no row is labelled.
    """
    labelled = [r for r in results if r.get("expected_route")]
    if not labelled:
        return {}
    out: dict[str, Any] = {"all": _figures(labelled)}
    for source in sorted({str(r["source"]) for r in labelled if r.get("source")}):
        out[source] = _figures([r for r in labelled if r.get("source") == source])
    return out


def format_route_safety(figures: Mapping[str, Mapping[str, Any]]) -> str:
    """A fixed-width table of :func:`route_safety` figures (percentages)."""

    def pct(value: Any) -> str:
        return "   -  " if value is None else f"{100 * value:6.2f}"

    lines = [
        f"{'set':<10} {'rows':>6} {'human':>6} {'recall%':>8} {'tool-on-human%':>15} "
        f"{'off-topic':>9} {'declined%':>9}"
    ]
    for name, row in figures.items():
        lines.append(
            f"{name:<10} {row['rows']:>6} {row['need_human']:>6} {pct(row['handover_recall']):>8} "
            f"{pct(row['tool_on_human']):>11} ({row['tool_on_human_n']}) "
            f"{row['off_topic']:>9} {pct(row['off_topic_declined']):>9}"
        )
    return "\n".join(lines)


def route_set_rows(data_dir: Path) -> list[dict[str, str]]:
    """BANKING77 train and CLINC150 train/val/oos rows with the product's expected routes.

    Args:
        data_dir: the folder holding ``banking77/`` and ``clinc150/`` (``../shared/data``).

    Returns:
        ``{"text", "expected_route", "intent", "source"}`` per utterance, in file order.

    Raises:
        TrainingDataMissingError: a dataset file is absent.
    """
    from switchboard.brains.local.training import load_banking77, load_clinc150

    rows = load_banking77(data_dir / "banking77") + load_clinc150(data_dir / "clinc150")
    return [
        {"text": u.text, "expected_route": u.route, "intent": u.intent, "source": u.source}
        for u in rows
    ]
