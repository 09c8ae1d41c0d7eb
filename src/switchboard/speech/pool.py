"""``InferencePool``: a few threads running the calls' blocking model inference, most urgent first.

Why: every call of a process shares the CPU for Whisper (CTranslate2), the
Piper voice (onnxruntime) and espeak-ng. Each inference already uses one
intra-op thread, but ``asyncio.to_thread`` ran as many at once as there were
requests (up to the default executor's ``cpu_count + 4`` threads): with four
calls on two cores, the first sentence of one reply was time-sliced with the
later sentences and speculative transcripts of the others, so each took two
to four times its own time. Here at most ``workers`` jobs (default: the
process's CPU count) run at once and the waiting ones are taken in order of
their *deadline* — the wall-clock time by which their result is needed
(earliest deadline first):

* the final transcript of a closed turn and the first chunk of a reply: now
  (the caller is waiting in silence);
* a speculative transcript: when the early close could use it
  (``early_silence_ms − speculate_ms`` after it starts);
* a later sentence of a reply: when the audio already sent will have played.

A job whose awaiting coroutine was cancelled before a worker took it is
dropped without running (a speculation the caller talked over). Worker threads
start on demand and exit after ``idle_s`` without work, so an unused pool
holds no thread. They are not daemon threads: at interpreter exit the idle ones
are told to go and a running inference is finished (a daemon thread killed
inside CTranslate2 or onnxruntime aborts the process).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["InferencePool"]

T = TypeVar("T")


@dataclass(order=True)
class _Job:
    deadline: float
    seq: int
    fn: Callable[[], Any] = field(compare=False)
    future: asyncio.Future[Any] = field(compare=False)
    loop: asyncio.AbstractEventLoop = field(compare=False)


class InferencePool:
    """Earliest-deadline-first worker threads for blocking inference (thread-safe).

    Args:
        workers: jobs that may run at once (default: ``os.cpu_count()``, at least 1).
        idle_s: seconds a worker thread waits for work before it exits.
    """

    def __init__(self, workers: int | None = None, *, idle_s: float = 10.0) -> None:
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self.idle_s = idle_s
        self._heap: list[_Job] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._threads = 0
        self._idle = 0
        #: Jobs run so far (for tests and benches).
        self.ran = 0
        #: Jobs dropped because their caller had gone before a worker took them.
        self.dropped = 0
        self._closing = False
        _at_exit(weakref.WeakMethod(self.close))

    def close(self) -> None:
        """Let the workers exit once the queue is empty (called at interpreter exit)."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()

    @property
    def threads(self) -> int:
        """Worker threads alive now (0 once idle for ``idle_s``)."""
        with self._cond:
            return self._threads

    @property
    def queued(self) -> int:
        """Jobs waiting for a worker."""
        with self._cond:
            return len(self._heap)

    async def run(self, fn: Callable[..., T], *args: Any, slack_s: float = 0.0) -> T:
        """Run ``fn(*args)`` on a worker thread; return its result (or raise its error).

        Args:
            fn: a blocking callable (an inference).
            args: its positional arguments.
            slack_s: seconds from now until the result is needed (its deadline);
                0 for work a caller is waiting on now. Jobs with the earliest
                deadline run first; equal deadlines in submission order.

        Raises:
            Whatever ``fn`` raises; ``asyncio.CancelledError`` when the awaiting task
            is cancelled (the job is then dropped if it has not started).
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        job = _Job(time.perf_counter() + max(0.0, slack_s), next(self._seq),
                   lambda: fn(*args), future, loop)
        with self._cond:
            heapq.heappush(self._heap, job)
            if self._idle < len(self._heap) and self._threads < self.workers:
                self._threads += 1
                threading.Thread(target=self._work, name="inference").start()
            else:
                self._cond.notify()
        return await future

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    if self._closing:
                        self._threads -= 1
                        return
                    self._idle += 1
                    woke = self._cond.wait(self.idle_s)
                    self._idle -= 1
                    if not woke and not self._heap:
                        self._threads -= 1
                        return
                job = heapq.heappop(self._heap)
            if job.future.cancelled():
                self.dropped += 1
                continue
            self.ran += 1
            try:
                result = job.fn()
            except BaseException as exc:  # handed to the awaiting task, raised there
                _hand_back(job, _set_exception, exc)
            else:
                _hand_back(job, _set_result, result)


def _at_exit(close: weakref.WeakMethod[Callable[[], None]]) -> None:
    """Call ``close`` before the interpreter joins its threads (as concurrent.futures does)."""
    def run() -> None:
        method = close()
        if method is not None:
            method()

    register = getattr(threading, "_register_atexit", None)
    if register is None:  # pragma: no cover - CPython < 3.9
        import atexit

        atexit.register(run)
    else:
        register(run)


def _hand_back(job: _Job, setter: Callable[[asyncio.Future[Any], Any], None], value: Any) -> None:
    """Give the outcome to the job's event loop (nothing when that loop has closed)."""
    try:
        job.loop.call_soon_threadsafe(setter, job.future, value)
    except RuntimeError:  # the loop closed while the job ran: nobody is waiting
        pass


def _set_result(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
