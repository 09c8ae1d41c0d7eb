"""Play recorded caller audio into a :class:`CallSession` and record everything that comes back.

Used by ``switchboard call FILE.wav``, ``bench/voice_latency.py`` and the
voice tests. The caller audio is cut into ``frame_ms`` frames in the
session's input spec (20 ms μ-law frames are what Twilio sends) and fed
either in real time (one frame per 20 ms of wall time, as a phone would) or
as fast as the session takes it (``realtime=False``, for tests; then only
audio-time measurements are meaningful).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from switchboard.speech.audio import Float32, decode, encode, resample
from switchboard.voice.events import (
    AudioOut,
    CallEnded,
    Clear,
    ReplyText,
    Transcript,
    VoiceEvent,
)
from switchboard.voice.session import CallSession


@dataclass
class CallRecord:
    """Everything a played call produced.

    Attributes:
        events: every event with its call-clock time (ms since the session began).
        reply_audio: the reply audio as float32 at the output rate, in the order sent.
        first_audio_after: call-clock ms of the first ``AudioOut`` after each ``ReplyText``
            (keyed by reply id).
    """

    events: list[tuple[float, VoiceEvent]] = field(default_factory=list)
    reply_audio: list[Float32] = field(default_factory=list)
    first_audio: dict[int, float] = field(default_factory=dict)

    def of(self, kind: type[VoiceEvent]) -> list[VoiceEvent]:
        """The events of one type, in order."""
        return [e for _, e in self.events if isinstance(e, kind)]

    def transcripts(self) -> list[str]:
        """Final caller transcripts."""
        return [e.text for e in self.of(Transcript) if isinstance(e, Transcript) and e.final]

    def replies(self) -> list[ReplyText]:
        """Reply texts (greeting, turns, prompts)."""
        return [e for e in self.of(ReplyText) if isinstance(e, ReplyText)]

    def clears(self) -> list[Clear]:
        """Barge-in clears."""
        return [e for e in self.of(Clear) if isinstance(e, Clear)]

    def ended(self) -> CallEnded | None:
        """The ``CallEnded`` event, if the call ended."""
        found = [e for e in self.of(CallEnded) if isinstance(e, CallEnded)]
        return found[0] if found else None


class Collector:
    """Consumes a session's events in a background task."""

    def __init__(self, session: CallSession) -> None:
        self.session = session
        self.record = CallRecord()
        self._new = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        out_spec = self.session.output_spec
        async for event in self.session.events():
            now = self.session.call_ms()
            self.record.events.append((now, event))
            if isinstance(event, AudioOut):
                self.record.reply_audio.append(decode(event.data, out_spec))
                self.record.first_audio.setdefault(event.reply_id, now)
            self._new.set()

    async def wait_for(
        self, predicate: Callable[[CallRecord], bool], timeout_s: float = 60.0
    ) -> None:
        """Wait until ``predicate(record)`` holds.

        Raises:
            TimeoutError: it did not within ``timeout_s`` (wall clock).
        """
        deadline = time.perf_counter() + timeout_s
        while not predicate(self.record):
            if self._task.done():
                if predicate(self.record):
                    return
                raise TimeoutError(
                    f"the call ended before the condition held: {self.record.ended()}"
                )
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError("condition not met in time")
            self._new.clear()
            try:
                await asyncio.wait_for(self._new.wait(), min(remaining, 0.2))
            except TimeoutError:
                pass

    async def done(self, timeout_s: float = 60.0) -> CallRecord:
        """Wait for ``CallEnded`` and return the record."""
        await asyncio.wait_for(self._task, timeout_s)
        return self.record


def to_input(samples: Float32, rate: int, session: CallSession) -> bytes:
    """Encode float32 caller audio at ``rate`` in the session's input spec."""
    spec = session.input_spec
    return encode(resample(samples, rate, spec.sample_rate), spec)


async def feed(
    session: CallSession,
    data: bytes,
    *,
    frame_ms: int = 20,
    realtime: bool = False,
) -> None:
    """Feed input-spec bytes in ``frame_ms`` frames (paced to wall time when ``realtime``)."""
    spec = session.input_spec
    step = spec.sample_rate * frame_ms // 1000 * spec.bytes_per_sample
    start = time.perf_counter()
    for i, offset in enumerate(range(0, len(data), step)):
        await session.feed_audio(data[offset : offset + step])
        if realtime:
            due = start + (i + 1) * frame_ms / 1000.0
            delay = due - time.perf_counter()
            await asyncio.sleep(max(0.0, delay))
        else:
            await asyncio.sleep(0)


def silence(ms: float, rate: int) -> Float32:
    """``ms`` of digital silence at ``rate``."""
    return np.zeros(int(rate * ms / 1000), dtype=np.float32)


def speech_bounds(samples: Float32, rate: int, relative: float = 0.1) -> tuple[float, float]:
    """Start and end (ms) of the audible part of a clip.

    A 10 ms window is audible when its RMS exceeds ``relative`` × the loudest window's.
    """
    hop = max(1, rate // 100)
    n = len(samples) // hop
    if n == 0:
        return 0.0, 0.0
    rms = np.sqrt(np.mean(samples[: n * hop].reshape(n, hop) ** 2, axis=1))
    loud = np.flatnonzero(rms > relative * float(rms.max()))
    if loud.size == 0:
        return 0.0, 0.0
    return 10.0 * float(loud[0]), 10.0 * float(loud[-1] + 1)
