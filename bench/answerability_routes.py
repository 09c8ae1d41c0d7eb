"""Route safety of answerability: BANKING77/CLINC150 before and after the CatalogRouter.

For every utterance of BANKING77 train and CLINC150 train/val (+ out-of-scope),
from ``../shared/data``, the first-turn decision is computed twice:

* before: the embedded router alone, then the handover policy (agent/handover.py);
* after: :class:`~switchboard.brains.local.catalog_router.CatalogRouter` around the
  same router, then the same policy.

A line "hands over" when the policy fires or the route is ``handover``; it is a
"tool answer" when the route is a tool route and the policy lets it through (a
vague opener, answered with a clarifying question, is neither). Figures:

* handover recall: lines that need a human (handover right, no tool route right;
  ``evals/routes.py``) that hand over;
* tool answers to lines that need a human (lower is better; issue bar ≤ 0.3 %);
* off-topic declined: CLINC150 out-of-scope and out_of_scope-routed lines routed
  to out_of_scope or smalltalk.

This is the router + policy stage of ``switchboard eval routes`` without the
brain, tools and store (the stages answerability changes), so the whole set runs
in minutes. Every changed decision on a handover line is listed.

Run: .venv/bin/python bench/answerability_routes.py [--limit N] [--data /work/shared/data]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from switchboard.agent.handover import HandoverPolicy
from switchboard.brains.local.catalog_router import PROTECTED_INTENTS, CatalogRouter
from switchboard.brains.local.router import EmbeddingRouter
from switchboard.config import load_settings
from switchboard.domain.types import TOOL_ROUTES, Locale, Route
from switchboard.evals.routes import needs_human, route_set_rows
from switchboard.ports import RouteDecision


def load_rows(data: Path) -> list[tuple[str, str, set[str]]]:
    """(source, text, acceptable routes) for BANKING77 train and CLINC150 train/val/oos.

    Routes are the product's (``training.py`` route maps with their overrides).
    """
    return [
        (r["source"], r["text"], set(r["expected_route"].split("|"))) for r in route_set_rows(data)
    ]


def outcome(decision: RouteDecision, policy: HandoverPolicy, text: str) -> str:
    """``handover``, ``tool``, ``clarify`` or ``decline`` for a first turn."""
    fired = policy.evaluate(
        text, decision, {"intents": [decision.intent]}, answers_pending_question=False
    )
    if fired is not None or decision.route is Route.HANDOVER:
        return "handover"
    if any(p.route is Route.HANDOVER or p.intent in PROTECTED_INTENTS for p in decision.parts):
        return "handover"  # the brain answers the other parts, then hands over
    if decision.intent == "sb_vague":
        return "clarify"
    if decision.route in TOOL_ROUTES:
        return "tool"
    return "decline"


def main() -> None:
    """Print before/after figures per source and the changed handover lines."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--limit", type=int, default=0, help="every k-th line only (0: all)")
    args = parser.parse_args()
    rows = load_rows(args.data)
    if args.limit:
        rows = rows[:: max(1, len(rows) // args.limit)]
    inner = EmbeddingRouter.load(load_settings().router)
    router = CatalogRouter(inner)
    router.warm(Locale.EN_GB)
    policy = HandoverPolicy()
    stats: dict[str, dict[str, int]] = {}
    changed: list[str] = []
    started = time.perf_counter()
    for i, (source, text, routes) in enumerate(rows):
        before = outcome(inner.classify(text), policy, text)
        after = outcome(router.classify(text), policy, text)
        for name, tag in ((source, ""), ("all", "")):
            s = stats.setdefault(name + tag, {})
            if needs_human(routes):
                s["human"] = s.get("human", 0) + 1
                s["recall_before"] = s.get("recall_before", 0) + (before == "handover")
                s["recall_after"] = s.get("recall_after", 0) + (after == "handover")
                s["tool_before"] = s.get("tool_before", 0) + (before == "tool")
                s["tool_after"] = s.get("tool_after", 0) + (after == "tool")
            if routes == {"out_of_scope"}:
                s["oos"] = s.get("oos", 0) + 1
                s["decl_before"] = s.get("decl_before", 0) + (before == "decline")
                s["decl_after"] = s.get("decl_after", 0) + (after == "decline")
        if (needs_human(routes) or routes == {"out_of_scope"}) and before != after:
            changed.append(f"{source}: {before} -> {after}: {text}")
        if i % 2000 == 0:
            print(f"{i}/{len(rows)} lines", file=sys.stderr)
    elapsed = time.perf_counter() - started

    def pct(a: int, b: int) -> str:
        return f"{100.0 * a / b:.2f} %" if b else "-"

    for name, s in stats.items():
        human, oos = s.get("human", 0), s.get("oos", 0)
        print(
            f"{name:10} handover lines {human:6}"
            f"  recall {pct(s.get('recall_before', 0), human)}"
            f" -> {pct(s.get('recall_after', 0), human)}"
            f"   tool answers {pct(s.get('tool_before', 0), human)}"
            f" -> {pct(s.get('tool_after', 0), human)}"
            f"   off-topic lines {oos:5} declined {pct(s.get('decl_before', 0), oos)}"
            f" -> {pct(s.get('decl_after', 0), oos)}"
        )
    print(f"{len(rows)} lines in {elapsed:.0f} s")
    print(f"changed decisions on lines that need a human or are off-topic ({len(changed)}):")
    for line in changed:
        print("  " + line)


if __name__ == "__main__":
    main()
