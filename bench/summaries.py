"""Post-call summary and metrics cost (tests check behaviour; speed is measured here).

Plays 60 scripted contacts (seed 2 examples: account opening over three turns,
a branch search, a complex-scenario and a frustration handover) through the
real embedded agent on a SQLite file store, then prints p50/p95 in ms for:
the extractive summary build, the grounding check (validation agent included),
the whole end-of-contact hook (read back + summarise + check + store + file
export), one metrics event and one ``/metrics`` render.

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/summaries.py
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from switchboard.compose import build_service

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SCRIPTS = [
    ("Hi, I want to open an account", "Checking account", "Online would be easier"),
    ("Where is the nearest branch in Manchester?",),
    ("I need to open a business account but I have some tax issues I'm dealing with",),
    ("I've asked this three times already! Why can't you just tell me?",),
]


def report(name: str, ms: list[float]) -> None:
    print(f"{name:<44} p50 {np.percentile(ms, 50):7.2f} ms   p95 {np.percentile(ms, 95):7.2f} ms")


async def main() -> None:
    from switchboard.analytics.summary import build_summary
    from switchboard.analytics.summary_sinks import FileSummarySink
    from switchboard.analytics.telemetry_runtime import AnalyticsRuntime
    from switchboard.config import Settings
    from switchboard.domain.types import Contact

    root = Path(tempfile.mkdtemp())
    settings = Settings(database_url=f"sqlite:///{root / 'bench.db'}", log_level="WARNING")
    svc = await build_service(settings)
    runtime = AnalyticsRuntime.attach(
        svc, settings, sinks=[FileSummarySink(root / "summaries")], start_sweeper=False
    )
    hook_ms: list[float] = []
    hook = runtime.summaries.on_contact_end

    async def timed_hook(contact: Contact) -> None:
        t0 = time.perf_counter()
        await hook(contact)
        hook_ms.append((time.perf_counter() - t0) * 1000)

    svc.end_hooks[:] = [timed_hook]
    ids = []
    for i in range(60):
        contact = await svc.start_contact()
        for line in SCRIPTS[i % len(SCRIPTS)]:
            await svc.handle_turn(contact.contact_id, line)
        await svc.end_contact(contact.contact_id)
        ids.append(contact.contact_id)
    build_ms, check_ms = [], []
    for cid in ids:
        record = runtime.summaries.record(cid)
        t0 = time.perf_counter()
        draft = build_summary(record)
        t1 = time.perf_counter()
        runtime.summaries.checker.check(draft, record)
        t2 = time.perf_counter()
        build_ms.append((t1 - t0) * 1000)
        check_ms.append((t2 - t1) * 1000)
    events = svc.store.events(ids[0])
    event_ms = []
    for _ in range(200):
        for event in events:
            t0 = time.perf_counter()
            runtime.metrics.observe(event)
            event_ms.append((time.perf_counter() - t0) * 1000)
    render_ms = []
    for _ in range(200):
        t0 = time.perf_counter()
        runtime.metrics.render()
        render_ms.append((time.perf_counter() - t0) * 1000)
    print(f"{len(ids)} contacts, {sum(len(s) for s in SCRIPTS) * 15} turns")
    report("summary build (extractive)", build_ms)
    report("grounding check (incl. validation agent)", check_ms)
    report("end-of-contact hook (whole)", hook_ms)
    report("metrics: one event", event_ms)
    report("metrics: /metrics render", render_ms)
    await runtime.aclose()
    await svc.aclose()


if __name__ == "__main__":
    asyncio.run(main())
