"""Turn latency of the embedded brain over 500 real customer utterances.

Each utterance is the first turn of a fresh contact, run through the whole
turn loop (guardrail, router, handover policy, local brain, MCP tools over the
in-memory transport, validation agent, SQLite store and audit sink).

Usage: HF_HUB_OFFLINE=1 .venv/bin/python bench/turn_latency.py [N]
Prints p50/p95/p99/max latency in ms, the CPU time per turn (robust to other
processes on a shared machine), the process CPU per turn for all the work
(contact start, live sentiment, audit) and so turns/s per core, the load average
and turns per second. ``SWITCHBOARD_ROUTER__ENCODER_BACKEND=torch|onnx`` picks
the MiniLM runtime (issue 14: compare the two).
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from switchboard.compose import build_service

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def utterances(n: int) -> list[str]:
    rng = random.Random(7)
    pool: list[str] = []
    b77 = SHARED / "banking77" / "train.csv"
    clinc = SHARED / "clinc150" / "data_full_train_val.json"
    if b77.exists() and clinc.exists():
        with b77.open() as fh:
            pool += [row["text"] for row in csv.DictReader(fh)]
        data = json.loads(clinc.read_text())
        pool += [t for t, _ in data["val"]] + [t for t, _ in data["oos_val"]]
        source = "../shared/data (BANKING77 train, CLINC150 val + oos_val)"
    else:
        for path in sorted((ROOT / "data" / "training").glob("*.jsonl")):
            pool += [json.loads(line)["text"] for line in path.open()]
        source = "data/training (shipped)"
    rng.shuffle(pool)
    print(f"utterances: {n} from {source}")
    return pool[:n]


def pct(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q))


async def main(n: int) -> None:
    from switchboard.config import Settings

    texts = utterances(n)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", log_json=False)
        import logging

        logging.getLogger("switchboard").setLevel(logging.WARNING)
        service = await build_service(settings)
        # warm up: model, tool clients, validation regexes
        for t in texts[:10]:
            c = await service.start_contact()
            await service.handle_turn(c.contact_id, t)
        inner: list[float] = []
        wall: list[float] = []
        cpu: list[float] = []
        started, started_cpu = time.perf_counter(), time.process_time()
        for t in texts:
            c = await service.start_contact()
            t0, c0 = time.perf_counter(), time.process_time()
            reply = await service.handle_turn(c.contact_id, t)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - t0) * 1000)
            inner.append(reply.latency_ms)
        await asyncio.sleep(0.5)  # let live sentiment finish the last segments
        elapsed = time.perf_counter() - started
        total_cpu_ms = (time.process_time() - started_cpu) * 1000
        backend = getattr(getattr(service.router, "embedder", None), "backend", "torch")
        await service.aclose()
    print(
        f"turn latency (turn loop, ms):  p50 {pct(inner, 50):.1f}  p95 {pct(inner, 95):.1f}  "
        f"p99 {pct(inner, 99):.1f}  max {max(inner):.1f}  mean {statistics.mean(inner):.1f}"
    )
    print(f"handle_turn wall (ms):         p50 {pct(wall, 50):.1f}  p95 {pct(wall, 95):.1f}")
    # CPU time of this process during the turn (all its threads): what the turn costs,
    # much less sensitive than wall time to other processes on a shared machine.
    print(f"handle_turn CPU (ms):          p50 {pct(cpu, 50):.1f}  p95 {pct(cpu, 95):.1f}")
    # Everything the process spent (contact start, turn, live sentiment, audit) per turn:
    # what one core can serve, whatever else the machine is doing.
    per_turn = total_cpu_ms / len(texts)
    print(f"encoder backend: {backend}")
    print(
        f"process CPU per turn, all work (ms): {per_turn:.1f}"
        f"  → {1000 / per_turn:.1f} turns/s per core"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"throughput incl. contact start: {len(texts) / elapsed:.1f} turns/s")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
