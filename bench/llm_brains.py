"""Turn-loop overhead of the openai brain and of the fallback chain, against a local server.

The model is the scripted chat-completions server (switchboard.testing.chat_server)
on a loopback port, which answers at once: what is measured is everything
switchboard adds around a real LLM (request building, HTTP through the openai
client, MCP tools, validation, store), not model speed. Each contact plays
seed 2 Example 1 (three turns; the third calls a tool: two HTTP round trips).

Scenarios:
  openai            SWITCHBOARD_BRAIN=openai, server healthy
  openai-down>local server answers 503, SWITCHBOARD_BRAIN_FALLBACK=local answers

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/llm_brains.py [contacts]
Prints p50/p95/max latency in ms per turn kind.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

import numpy as np

from switchboard.compose import build_service

os.environ.setdefault("HF_HUB_OFFLINE", "1")

EXAMPLE_1 = ("Hi, I want to open an account", "Checking account", "Online would be easier")


def report(name: str, values: list[float]) -> None:
    arr = np.array(values)
    print(
        f"{name:34s} n={len(arr):4d}  p50={np.percentile(arr, 50):7.1f} ms  "
        f"p95={np.percentile(arr, 95):7.1f} ms  max={arr.max():7.1f} ms"
    )


async def scenario(name: str, script: Any, fallback: str, contacts: int, router: Any) -> None:
    from switchboard.config import Settings
    from switchboard.store import SqlStore
    from switchboard.testing.chat_server import ChatServer

    with ChatServer(script) as server:
        os.environ.update(
            SWITCHBOARD_BRAIN="openai",
            SWITCHBOARD_BRAIN_FALLBACK=fallback,
            SWITCHBOARD_OPENAI__BASE_URL=server.base_url,
            SWITCHBOARD_OPENAI__MODEL="scripted",
            SWITCHBOARD_OPENAI__MAX_RETRIES="0",
            SWITCHBOARD_BRAIN_COOLDOWN_S="0",
        )
        svc = await build_service(
            Settings(database_url="sqlite://"), store=SqlStore("sqlite://"), router=router
        )
        per_turn: list[list[float]] = [[], [], []]
        handovers = 0
        for _ in range(contacts):
            c = await svc.start_contact()
            for i, line in enumerate(EXAMPLE_1):
                r = await svc.handle_turn(c.contact_id, line)
                per_turn[i].append(r.latency_ms)
                handovers += r.handover is not None
        await svc.aclose()
    print(f"-- {name}: {contacts} contacts, {handovers} handovers, "
          f"{len(server.requests)} HTTP requests")
    for i, values in enumerate(per_turn):
        report(f"turn {i + 1} ({EXAMPLE_1[i][:22]})", values)


async def main(contacts: int) -> None:
    from switchboard.brains.local.router import EmbeddingRouter
    from switchboard.config import RouterSettings
    from switchboard.testing.chat_server import Fail
    from switchboard.testing.scripted_llm import BankerScript

    logging.getLogger("switchboard").setLevel(logging.ERROR)  # the chain logs each fallback
    router = await asyncio.to_thread(EmbeddingRouter.load, RouterSettings())
    router.classify("warm up")
    await scenario("openai", BankerScript(), "", contacts, router)
    await scenario("openai-down>local", lambda body: Fail(503), "local", contacts, router)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
