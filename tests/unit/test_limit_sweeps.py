"""The rate limiter's memory storage sweeps at most once a second (issue 14: CPU per turn).

``limits``' own memory storage starts a thread 10 ms after every hit that walks every
key (one per customer and address): at 500 customers that cost more than a millisecond
of CPU per message. Limits still hold; expired entries are still freed.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from limits import parse
from limits.strategies import MovingWindowRateLimiter

from switchboard.api import limits as api_limits


def test_rapid_hits_start_one_sweep_not_one_per_hit(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[float] = []
    real_timer = threading.Timer

    def counting_timer(interval: float, function: Any) -> threading.Timer:
        started.append(interval)
        return real_timer(interval, function)

    storage = api_limits.SweepingMemoryStorage()
    monkeypatch.setattr(threading, "Timer", counting_timer)
    limiter = MovingWindowRateLimiter(storage)
    item = parse("1000/minute")
    for i in range(30):  # 30 hits over ~0.3 s: the base storage sweeps after each pause
        limiter.hit(item, f"customer-{i % 7}")
        time.sleep(0.01)
    assert len(started) <= 1


def test_limits_hold_and_expired_entries_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_limits, "SWEEP_S", 0.05)
    storage = api_limits.SweepingMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    item = parse("2/second")
    assert [limiter.hit(item, "c") for _ in range(3)] == [True, True, False]
    time.sleep(1.2)
    assert limiter.hit(item, "c")  # the window moved on
    time.sleep(1.2)
    limiter.hit(item, "other")  # schedules a sweep, which frees "c"'s expired entries
    time.sleep(0.3)
    assert not storage.events.get("c")
