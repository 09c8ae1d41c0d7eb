"""Graceful drain on SIGTERM (issue 14): finish turns, flush their frames, then ``reconnect``.

Kubernetes (and ``bench/cluster_load.py``) stop a replica with SIGTERM. What
the replica does, in order:

1. ``/health/ready`` answers 503 ``draining`` at once, so the load balancer
   sends no new sockets or requests here (the pod's ``preStop`` pause covers
   the endpoints update; see ``deploy/kubernetes``). ``/health/live`` stays 200.
2. Every open chat socket stops reading new customer messages, lets the turn
   it is running finish (its reply is appended to the socket's frame log) and
   waits until its pump has *sent* every frame queued for it — so the reply
   reaches the customer before step 3 (the race seen in session 4: the reply
   frame arrived after ``reconnect``).
3. The socket gets ``{"type": "reconnect", "reason": "draining", "last_seq": n}``
   (``n``: the last frame sent on it) and is closed with code 1012 (service
   restart, RFC 6455 registry). The page reconnects at once to any replica
   with ``?after=<its last seq>``; a message it sent that was not read here is
   re-sent by the page (it has no answer) and run there once.
4. Uvicorn's own shutdown follows (remaining connections, the lifespan).

Everything is bounded by ``cluster.drain_s`` (20 s by default; a socket past it
gets ``reconnect`` anyway, the resume protocol replays what it missed). A
second SIGTERM/SIGINT exits at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from switchboard.api.heap import YOUNG_THRESHOLD, freeze_startup_heap

log = logging.getLogger("switchboard.api.drain")

#: Close code sent after ``reconnect`` (RFC 6455 §7.4.1 registry: 1012 "Service Restart").
CLOSE_SERVICE_RESTART = 1012

DrainFn = Callable[[float], Awaitable[None]]


class Drain:
    """The replica's drain state and the sockets to drain (``app.state.drain``).

    Args:
        timeout_s: how long :meth:`run` waits for all sockets, seconds.
    """

    def __init__(self, timeout_s: float = 20.0) -> None:
        self.timeout_s = timeout_s
        self.draining = False
        self._sockets: dict[int, DrainFn] = {}
        self._next = 0

    def register(self, fn: DrainFn) -> int:
        """Add a socket's drain coroutine (called with its deadline, ``time.monotonic()``)."""
        self._next += 1
        self._sockets[self._next] = fn
        return self._next

    def unregister(self, handle: int) -> None:
        """Forget a closed socket."""
        self._sockets.pop(handle, None)

    @property
    def open_sockets(self) -> int:
        """How many sockets are registered."""
        return len(self._sockets)

    async def run(self) -> None:
        """Mark the replica draining and drain every open socket (bounded by ``timeout_s``).

        Never raises: a socket whose drain fails is logged and left to the server.
        """
        self.draining = True
        started = time.monotonic()
        deadline = started + self.timeout_s
        tasks = [asyncio.ensure_future(fn(deadline)) for fn in list(self._sockets.values())]
        log.info("draining", extra={"sockets": len(tasks), "timeout_s": self.timeout_s})
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=self.timeout_s + 1)
            for task in pending:
                task.cancel()
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.warning("a socket's drain failed", exc_info=task.exception())
        log.info("drained", extra={"seconds": round(time.monotonic() - started, 3)})


async def wait_until(check: Callable[[], bool], deadline: float, step_s: float = 0.01) -> bool:
    """Poll ``check`` until it is true or ``deadline`` (monotonic) passes; its last value."""
    while not check():
        if time.monotonic() >= deadline:
            return check()
        await asyncio.sleep(step_s)
    return True


def drain_of(app: Any) -> Drain:
    """The app's :class:`Drain` (a fresh, never-draining one when the app has none)."""
    drain = getattr(app.state, "drain", None)
    if drain is None:
        drain = Drain()
        app.state.drain = drain
    return drain


def run_server(
    app: Any,
    drain: Drain,
    *,
    freeze_heap: bool = True,
    gc_young_threshold: int | None = YOUNG_THRESHOLD,
    **config: Any,
) -> None:
    """Run ``app`` with uvicorn; the first SIGTERM/SIGINT drains before uvicorn shuts down.

    ``freeze_heap``: once the app's startup has run, move what it built out of the
    garbage collector's walks and set the young generation's threshold to
    ``gc_young_threshold`` (:func:`switchboard.api.heap.freeze_startup_heap`).
    ``config``: :class:`uvicorn.Config` keyword arguments (host, port, ...).
    """
    import uvicorn

    class DrainingServer(uvicorn.Server):
        """uvicorn's server with :meth:`Drain.run` between the signal and the shutdown."""

        _loop: asyncio.AbstractEventLoop | None = None
        _draining: asyncio.Future[None] | None = None

        async def serve(self, sockets: Any = None) -> None:
            self._loop = asyncio.get_running_loop()
            await super().serve(sockets)

        async def startup(self, sockets: Any = None) -> None:
            # Between the app's startup (service built, models loaded) and the first
            # listening socket: no request waits for the one full collection.
            lifespan_startup = self.lifespan.startup

            async def started_then_frozen() -> None:
                await lifespan_startup()
                if freeze_heap and not self.lifespan.should_exit:
                    freeze_startup_heap(gc_young_threshold)

            self.lifespan.startup = started_then_frozen
            await super().startup(sockets)

        def handle_exit(self, sig: int, frame: Any) -> None:
            if self._draining is not None or self._loop is None or not self.started:
                super().handle_exit(sig, frame)  # a second signal, or not serving yet
                return
            loop = self._loop
            loop.call_soon_threadsafe(self._start_drain, sig, frame)

        def _start_drain(self, sig: int, frame: Any) -> None:
            if self._draining is None:
                self._draining = asyncio.ensure_future(self._drain_then_exit(sig, frame))

        async def _drain_then_exit(self, sig: int, frame: Any) -> None:
            try:
                await drain.run()
            finally:
                uvicorn.Server.handle_exit(self, sig, frame)

    server = DrainingServer(uvicorn.Config(app, **config))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
