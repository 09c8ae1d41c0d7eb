"""The inference pool: at most ``workers`` jobs at once, earliest deadline first, drops the gone."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from switchboard.speech.pool import InferencePool


class _Gate:
    """A blocking job that waits for the test to open it, recording the order jobs ran in."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.order: list[str] = []
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def job(self, name: str) -> str:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.opened.wait(5)
        with self._lock:
            self.order.append(name)
            self.running -= 1
        return name


async def _until(predicate: object, timeout_s: float = 5.0) -> None:
    give_up = time.perf_counter() + timeout_s
    while not predicate():  # type: ignore[operator]
        assert time.perf_counter() < give_up, "timed out"
        await asyncio.sleep(0.005)


async def test_runs_at_most_workers_jobs_at_once_and_returns_results() -> None:
    pool, gate = InferencePool(2), _Gate()
    jobs = [asyncio.ensure_future(pool.run(gate.job, f"j{i}")) for i in range(5)]
    await _until(lambda: gate.running == 2)
    await asyncio.sleep(0.05)
    assert gate.running == 2 and pool.queued == 3
    gate.opened.set()
    assert sorted(await asyncio.gather(*jobs)) == [f"j{i}" for i in range(5)]
    assert gate.most == 2 and pool.ran == 5


async def test_waiting_jobs_run_earliest_deadline_first() -> None:
    pool, gate = InferencePool(1), _Gate()
    blocker = asyncio.ensure_future(pool.run(gate.job, "blocker"))
    await _until(lambda: gate.running == 1)
    later = asyncio.ensure_future(pool.run(gate.job, "later sentence", slack_s=2.0))
    spec = asyncio.ensure_future(pool.run(gate.job, "speculation", slack_s=0.2))
    await asyncio.sleep(0)
    urgent = asyncio.ensure_future(pool.run(gate.job, "first sentence"))
    await asyncio.sleep(0.02)
    gate.opened.set()
    await asyncio.gather(blocker, later, spec, urgent)
    assert gate.order == ["blocker", "first sentence", "speculation", "later sentence"]


async def test_a_cancelled_job_that_has_not_started_is_dropped() -> None:
    pool, gate = InferencePool(1), _Gate()
    blocker = asyncio.ensure_future(pool.run(gate.job, "blocker"))
    await _until(lambda: gate.running == 1)
    gone = asyncio.ensure_future(pool.run(gate.job, "talked over"))
    kept = asyncio.ensure_future(pool.run(gate.job, "kept"))
    await asyncio.sleep(0)
    gone.cancel()
    gate.opened.set()
    assert await kept == "kept" and await blocker == "blocker"
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert gate.order == ["blocker", "kept"] and pool.dropped == 1


async def test_errors_reach_the_caller_and_idle_workers_exit() -> None:
    pool = InferencePool(2, idle_s=0.05)

    def boom() -> None:
        raise ValueError("inference failed")

    with pytest.raises(ValueError, match="inference failed"):
        await pool.run(boom)
    assert await pool.run(lambda: 7) == 7
    assert pool.threads >= 1
    await _until(lambda: pool.threads == 0)
