"""Contact flows: validator and interpreter speed (tests check behaviour; speed is measured here).

Prints p50/p95 in ms for ``validate`` on each flow in ``flows/`` and on seed 2's
queue-management flow, and for whole contacts played through
``flows/switchboard-inbound.json``: a handover in hours (bot turn, queueing,
two passes of the customer queue flow) and a handover at 22:00 (callback
booked). The bot is our agent with a scripted router (the embedding model is
measured in ``bench/components.py``), the routing engine runs on a SQLite
file, as ``switchboard flow run`` does.

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/flows.py [--contacts 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from switchboard.compose import build_service

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]


def report(name: str, ms: list[float]) -> None:
    print(f"{name:<52} p50 {np.percentile(ms, 50):8.2f} ms   p95 {np.percentile(ms, 95):8.2f} ms")


def bench_validate(n: int) -> None:
    from switchboard.contactflow import load_flow, validate

    paths = [
        *sorted((ROOT / "flows").glob("*.json")),
        ROOT / "tests/contactflow/fixtures/seed2_flow_queue_management.json",
    ]
    for path in paths:
        doc = load_flow(path)
        ms = []
        for _ in range(n):
            t0 = time.perf_counter()
            validate(doc)
            ms.append((time.perf_counter() - t0) * 1000)
        report(f"validate {path.stem} ({len(doc.Actions)} actions)", ms)


async def bench_runs(contacts: int) -> None:
    from switchboard.config import Settings
    from switchboard.contactflow.commands import FLOW_BINDINGS, load_library
    from switchboard.contactflow.interpreter import FlowRunner
    from switchboard.contactflow.players import AgentBot, Caller
    from switchboard.domain.types import Route
    from switchboard.routing.engine import RoutingEngine, default_queues
    from switchboard.routing.store import RoutingStore
    from switchboard.store import SqlStore
    from switchboard.testing.fakes import ScriptedRouter

    table = {"i want to speak to a person": (Route.HANDOVER, "sb_human_request", 0.95)}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/flows.db"
        service = await build_service(
            Settings(database_url=url), router=ScriptedRouter(table), store=SqlStore(url)
        )
        engine = RoutingEngine(RoutingStore.for_store(service.store), default_queues())
        library = load_library(ROOT / "flows")
        runner = FlowRunner(library, bot=AgentBot(service), queues=engine, bindings=FLOW_BINDINGS)
        inbound = library["switchboard-inbound"]
        for label, at in [
            ("in hours (queued, queue flow x2)", datetime(2026, 11, 23, 10, tzinfo=UTC)),
            ("at 22:00 (callback booked)", datetime(2026, 11, 23, 22, tzinfo=UTC)),
        ]:
            ms, steps = [], []
            for _ in range(contacts):
                caller = Caller(say=["I want to speak to a person"], phone="+447700900123")
                t0 = time.perf_counter()
                result = await runner.run(inbound, caller, at=at)
                ms.append((time.perf_counter() - t0) * 1000)
                steps.append(len(result.steps))
            report(f"run {label}, {steps[0]} steps", ms)
        await service.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=30)
    parser.add_argument("--validations", type=int, default=200)
    args = parser.parse_args()
    bench_validate(args.validations)
    asyncio.run(bench_runs(args.contacts))


if __name__ == "__main__":
    main()
