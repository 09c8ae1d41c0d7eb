"""Route-level evaluation of data/eval lines through the real AgentService.

Until ``switchboard eval answers`` (issue 10, the answers room) is on the
branch, this measures what the router decides for each scored line, after its
``context`` lines were sent in the same contact:

* in_scope: the turn went to a tool route (account_opening, card_info, branch)
  and, when the line names tools, to the route of those tools; also whether a
  tool was called in that turn;
* vague: not handed over and not declined;
* handover: the agent handed over (must be 100 %);
* off_topic: declined (out_of_scope or smalltalk route, no tool, no handover).

Run: .venv/bin/python bench/locale_eval.py data/eval/holdout/fr_FR.jsonl [--misses]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.domain.types import Channel, Locale

TOOL_ROUTE = {
    "find_nearest_branch": "branch",
    "get_branch_account_opening_info": "account_opening",
    "get_digital_account_opening_info": "account_opening",
    "get_debit_card_info": "card_info",
}
TOOL_ROUTES = set(TOOL_ROUTE.values())


def judge(row: dict[str, Any], route: str, action: str, tools: list[str], handed: bool) -> bool:
    """Return whether the scored turn did what the row's kind asks (route level)."""
    kind = row["kind"]
    if kind == "handover":
        return handed
    if kind == "off_topic":
        return route in {"out_of_scope", "smalltalk"} and not handed and not tools
    if kind == "vague":
        return not handed and route != "out_of_scope"
    want = {TOOL_ROUTE[t] for t in row.get("tools", [])} or TOOL_ROUTES
    return route in want and not handed


async def run(path: Path, rows: list[dict[str, Any]], misses: bool) -> None:
    """Play every line (``rows`` of ``path``) and print the rate per kind (and style)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/eval.db", log_level="WARNING")
        service = await build_service(settings)
        ok: Counter[str] = Counter()
        total: Counter[str] = Counter()
        tool_called: Counter[str] = Counter()
        bad: list[str] = []
        try:
            for row in rows:
                contact = await service.start_contact(
                    channel=Channel.CHAT, locale=Locale(row.get("locale", "fr_FR"))
                )
                handed = False
                for line in row.get("context", []):
                    reply = await service.handle_turn(contact.contact_id, line)
                    handed = handed or reply.handover is not None
                reply = await service.handle_turn(contact.contact_id, row["text"])
                route, action = reply.route.value, reply.action.value
                tools = [t.name for t in reply.tools]
                hit = judge(row, route, action, tools, reply.handover is not None)
                for key in (row["kind"], f"{row['kind']}/{row['style']}"):
                    total[key] += 1
                    ok[key] += hit
                    tool_called[key] += bool(tools)
                if not hit:
                    bad.append(
                        f"  {row['id']} {row['kind']:9s} -> {route}/{action} {tools}: {row['text']}"
                    )
        finally:
            await service.aclose()
    print(f"{path}:")
    for key in sorted(total, key=lambda k: ("/" in k, k)):
        print(
            f"  {key:20s} {ok[key]:3d}/{total[key]:3d} = {ok[key] / total[key]:6.1%}"
            f"   (a tool called: {tool_called[key]})"
        )
    if misses:
        print("\n".join(bad))


def main() -> int:
    """Parse arguments and evaluate each file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args()
    for path in args.files:
        rows = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln]
        asyncio.run(run(path, rows, args.misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
