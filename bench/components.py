"""Per-component latency on the turn path (tests check behaviour; speed is measured here).

Prints p50/p95 in ms for: router classification (uncached), one MCP tool call
through the in-memory client, the validation agent on a full embedded-brain
reply (cold and cached evidence), PII redaction, and one turn's store writes
in a single unit of work (SQLite file; PostgreSQL when reachable at
SWITCHBOARD_TEST_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test).

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/components.py
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Callable

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def report(name: str, ms: list[float]) -> None:
    print(f"{name:<44} p50 {np.percentile(ms, 50):7.2f} ms   p95 {np.percentile(ms, 95):7.2f} ms")


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def store_turn_ms(url: str, schema: str | None, n: int) -> list[float]:
    from switchboard.audit import AuditSink
    from switchboard.domain.types import Contact, Event, EventType, Message, Role, Source
    from switchboard.store import SqlStore

    store = SqlStore(url, schema=schema)
    sink = AuditSink(store, batch_size=64, log_events=False)
    contact = store.create_contact(Contact())
    cid = contact.contact_id

    def turn() -> None:
        with store.unit_of_work():
            store.get_contact(cid)
            store.recent_messages(cid, 20)
            store.add_message(cid, Message(role=Role.USER, content="question"))
            store.add_message(cid, Message(role=Role.ASSISTANT, content="answer"))
            for k in range(8):
                sink.emit(
                    Event(
                        contact_id=cid,
                        type=EventType.BRAIN_RESPONSE,
                        source=Source.AI_AGENT,
                        data={"k": k},
                    )
                )
            sink.flush()
            store.update_contact(contact)

    ms = timed(turn, n)
    if schema:
        from sqlalchemy import text

        with store.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    store.close()
    return ms


async def main() -> None:
    from switchboard.audit import redact
    from switchboard.brains.local.nlg import Renderer
    from switchboard.brains.local.router import EmbeddingRouter
    from switchboard.config import load_settings
    from switchboard.domain.types import Locale, ToolCall
    from switchboard.tools.host import McpToolHost
    from switchboard.validation import ValidationAgent

    router = EmbeddingRouter.load(load_settings().router)
    router.classify("warm up")
    texts = [f"can I open a savings account at branch number {i}" for i in range(200)]
    it = iter(texts)
    report("router.classify (uncached)", timed(lambda: router.classify(next(it)), 200))

    host = McpToolHost()
    await host.prepare(Locale.EN_GB)
    call = ToolCall(name="find_nearest_branch", arguments={"location": "M1 1AE"})
    for _ in range(10):
        await host.call(call, Locale.EN_GB)
    results = [await host.call(call, Locale.EN_GB) for _ in range(200)]
    report("MCP find_nearest_branch (in-memory)", [r.latency_ms for r in results])
    account = await host.call(
        ToolCall(name="get_digital_account_opening_info", arguments={"account_type": "checking"}),
        Locale.EN_GB,
    )
    await host.aclose()

    assert account.output is not None
    reply = Renderer(Locale.EN_GB).account_info(account.output)
    cold = ValidationAgent(cache_size=0)
    cold.validate("q", [account], reply, Locale.EN_GB)
    report(
        "validation, full reply (cold evidence)",
        timed(lambda: cold.validate("q", [account], reply, Locale.EN_GB), 200),
    )
    warm = ValidationAgent()
    report(
        "validation, full reply (cached evidence)",
        timed(lambda: warm.validate("q", [account], reply, Locale.EN_GB), 200),
    )
    report(
        "redact(), customer sentence",
        timed(lambda: redact("Call me on 07700 900123 about SW1A 1AA, fee £5.00"), 1000),
    )

    with tempfile.TemporaryDirectory() as tmp:
        report(
            "store turn, one unit of work (SQLite file)",
            store_turn_ms(f"sqlite:///{tmp}/bench.db", None, 200),
        )
    pg = os.environ.get(
        "SWITCHBOARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    try:
        report(
            "store turn, one unit of work (PostgreSQL)",
            store_turn_ms(pg, f"sbbench_{uuid.uuid4().hex[:8]}", 100),
        )
    except Exception as exc:  # no server: say so, do not fail
        print(f"store turn (PostgreSQL): skipped, {type(exc).__name__}: {exc}".splitlines()[0])


if __name__ == "__main__":
    asyncio.run(main())
