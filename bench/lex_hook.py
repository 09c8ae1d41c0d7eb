"""Lex V2 code hook: cold build, warm invocation latency, and session-attribute size.

Plays seed 2 Example 1 (three turns, state carried only in the session
attributes) many times through one warm container (embedded brain, in-memory
session store, no AWS adapters), and a 25-turn conversation to show the
attribute size staying under its budget.

Prints: build time (s), p50/p95 per invocation (ms), p50/p95 of the encode
+ decode of the session attributes (ms), attribute bytes per turn of the
long conversation.

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/lex_hook.py [N_CONVERSATIONS]
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from importlib import resources

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

LINES = ["Hi, I want to open an account", "Checking account", "Online would be easier"]
LONG = [
    "Where is the nearest branch to Manchester?",
    "What debit cards do you offer?",
    "Tell me about the premium card",
    "How do I open a savings account?",
    "At a branch please",
]


def event(text: str, attrs: dict[str, str], session: str) -> dict:
    raw = resources.files("switchboard.aws").joinpath("events/lex_v2_text_event.json").read_text()
    ev = json.loads(raw)
    ev.update(sessionId=session, inputTranscript=text)
    ev["sessionState"]["sessionAttributes"] = attrs
    return ev


def pct(name: str, ms: list[float]) -> None:
    print(f"{name:<40} p50 {np.percentile(ms, 50):8.2f} ms   p95 {np.percentile(ms, 95):8.2f} ms")


async def main(n: int) -> None:
    from switchboard.aws.lex import build_hook
    from switchboard.aws.session import attributes_size, decode_session, encode_session
    from switchboard.aws.settings import AwsSettings
    from switchboard.config import Settings
    from switchboard.domain.types import Channel, Locale

    t0 = time.perf_counter()
    hook = await build_hook(Settings(database_url="sqlite://"), AwsSettings())
    print(f"cold build (router, tools, warm-ups)         {time.perf_counter() - t0:8.2f} s")
    per_turn: list[float] = []
    codec: list[float] = []
    for i in range(n):
        attrs: dict[str, str] = {}
        for line in LINES:
            t = time.perf_counter()
            resp = await hook.handle(event(line, attrs, f"bench-{i}"), remaining_ms=30_000)
            per_turn.append((time.perf_counter() - t) * 1000)
            attrs = resp["sessionState"]["sessionAttributes"]
        t = time.perf_counter()
        snap = decode_session(
            attrs, session_id=f"bench-{i}", locale=Locale.EN_GB, channel=Channel.CHAT
        )
        encode_session(snap, base=attrs)
        codec.append((time.perf_counter() - t) * 1000)
    pct(f"invocation ({n} x Example 1, warm)", per_turn)
    pct("session attributes decode + encode", codec)
    attrs = {}
    sizes = []
    for k in range(25):
        resp = await hook.handle(event(LONG[k % len(LONG)], attrs, "bench-long"), 30_000)
        attrs = resp["sessionState"]["sessionAttributes"]
        sizes.append(attributes_size(attrs))
        if resp["sessionState"]["dialogAction"]["type"] == "Close":
            print(f"long conversation handed over at turn {k + 1}")
            break
    history = json.loads(attrs["conversation_history"])
    print(f"attribute bytes per turn (long conversation) {sizes}")
    print(
        f"max {max(sizes)} bytes (budget {AwsSettings().session_budget_bytes}); "
        f"history kept {len(history)} messages"
    )
    # The bound itself: 40 messages of 600 characters (more than any real conversation
    # reaches before a repeated-query handover) plus 2 KB of the flow's own attributes.
    from switchboard.domain.types import Message, Role

    snap = decode_session(attrs, session_id="bench-long", locale=Locale.EN_GB, channel=Channel.CHAT)
    snap.history = [
        Message(role=Role.USER if j % 2 == 0 else Role.ASSISTANT, content="x" * 600)
        for j in range(40)
    ]
    flow_attrs = {"flow_note": "y" * 2000}
    t = time.perf_counter()
    big = encode_session(snap, base=flow_attrs)
    ms = (time.perf_counter() - t) * 1000
    kept = len(json.loads(big["conversation_history"]))
    print(
        f"synthetic 40 x 600-char history + 2 KB flow attributes: {attributes_size(big)} bytes, "
        f"{kept} messages kept, encoded in {ms:.2f} ms"
    )
    await hook.service.aclose()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
