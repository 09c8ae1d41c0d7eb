"""The server freezes its startup heap (api/heap.py): full collections skip it.

A replica's full garbage collections walked millions of startup objects in
300-630 ms under load (issue 14); ``run_server`` now freezes what the app's
startup built, before it listens. Checked in a real uvicorn process: an object
made during the lifespan's startup is out of the collector's generations when
the first request arrives, one made by a request is not, a request's garbage
cycle is still collected, and the young generation's threshold is raised.
"""

from __future__ import annotations

import gc
import json
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator

import pytest

from switchboard.api.heap import OLDER_THRESHOLDS, YOUNG_THRESHOLD, freeze_startup_heap
from switchboard.testing.replicas import free_port


@pytest.fixture
def unfrozen() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()  # the test process keeps collecting everything, as before
    gc.set_threshold(*thresholds)


def test_freeze_moves_tracked_objects_out_and_later_garbage_is_still_collected(
    unfrozen: None,
) -> None:
    before = [["startup"]]  # a tracked container made before the freeze
    frozen = freeze_startup_heap()
    assert frozen > 0 and gc.get_freeze_count() > 0  # (frozen objects freed meanwhile leave it)
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    assert not any(obj is before for obj in gc.get_objects())  # in the permanent generation

    class Cycle:
        pass

    cycle = Cycle()
    cycle.me = cycle  # type: ignore[attr-defined]
    del cycle
    assert gc.collect() >= 1  # made after the freeze: collected as before


def test_thresholds_can_be_left_alone_and_a_bad_one_is_refused(unfrozen: None) -> None:
    before = gc.get_threshold()
    freeze_startup_heap(None)
    assert gc.get_threshold() == before
    with pytest.raises(ValueError, match="at least 1"):
        freeze_startup_heap(0)


SERVER = textwrap.dedent(
    """
    import gc, sys
    from contextlib import asynccontextmanager
    from fastapi import FastAPI
    from switchboard.api.drain import Drain, run_server

    made = {}

    @asynccontextmanager
    async def lifespan(app):
        made["startup"] = [["built at startup"]]
        yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/heap")
    def heap():
        made["request"] = [["built by a request"]]
        tracked = gc.get_objects()
        return {
            "frozen": gc.get_freeze_count(),
            "thresholds": list(gc.get_threshold()),
            "startup_tracked": any(o is made["startup"] for o in tracked),
            "request_tracked": any(o is made["request"] for o in tracked),
        }

    run_server(app, Drain(1.0), freeze_heap=sys.argv[2] == "1",
               host="127.0.0.1", port=int(sys.argv[1]), log_config=None)
    """
)


def _heap_of_server(freeze: bool) -> dict[str, object]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port), "1" if freeze else "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/heap", timeout=5) as r:
                    heap: dict[str, object] = json.loads(r.read())
                    break
            except OSError:
                assert time.monotonic() < deadline, "server did not answer"
                time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)  # drains and stops (uvicorn re-raises the signal)
        assert proc.wait(30) in (0, -signal.SIGTERM)
        return heap
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_run_server_freezes_what_startup_built_before_serving() -> None:
    heap = _heap_of_server(freeze=True)
    assert isinstance(heap["frozen"], int) and heap["frozen"] > 0
    assert heap["startup_tracked"] is False  # skipped by every later collection
    assert heap["request_tracked"] is True  # a turn's objects are collected as before
    assert heap["thresholds"] == [YOUNG_THRESHOLD, *OLDER_THRESHOLDS]


def test_run_server_without_freeze_keeps_everything_collected() -> None:
    heap = _heap_of_server(freeze=False)
    assert heap == {
        "frozen": 0,
        "thresholds": list(gc.get_threshold()),  # CPython's defaults, as in this process
        "startup_tracked": True,
        "request_tracked": True,
    }
