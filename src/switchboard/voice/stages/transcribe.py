"""Speculative STT stage: transcribe at the first pause, keep it if the caller stays silent.

At a :class:`~switchboard.voice.endpoint.Pause` (``speculate_ms`` of
silence) the audio so far is transcribed in a worker thread; if the caller
goes on (:class:`~switchboard.voice.endpoint.Resume`) that speculation is
discarded, and if the turn closes on the same utterance it is the final
transcript, ready sooner. A finished speculation that reads as a complete
sentence lets the session close the turn after ``early_silence_ms``
(:func:`switchboard.voice.turns.looks_complete`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from switchboard.ports import STT, Samples, SttResult
from switchboard.voice.turns import looks_complete

if TYPE_CHECKING:
    from switchboard.speech.pool import InferencePool


@dataclass
class _Speculation:
    start_ms: float
    task: asyncio.Future[SttResult]
    done_wall: list[float] = field(default_factory=list)
    end_ms: float = float("inf")  # input time its audio reaches


@dataclass
class PendingTranscript:
    """The transcript of a closed utterance, possibly still being computed.

    Attributes:
        result: awaitable of the STT result.
        done_ms: call-clock ms when it finished (one element once done).
        speculative: True when it is the speculation started at the pause.
    """

    result: Awaitable[SttResult]
    done_ms: list[float]
    speculative: bool


class Transcriber:
    """Runs the STT port for one call: speculations and final transcriptions.

    Args:
        stt: the shared STT engine (blocking; run in worker threads).
        call_ms: the call clock (ms), to date when each transcription finished.
        pool: the process's inference threads: a final transcript (the caller is
            waiting) runs before other calls' speculations, a speculation is due
            ``speculation_slack_ms`` after it starts; None: ``asyncio.to_thread``.
        speculation_slack_ms: how long after a pause a speculation's result is
            needed, ms (the session passes ``early_silence_ms − speculate_ms``).
    """

    def __init__(
        self,
        stt: STT,
        call_ms: Callable[[], float],
        *,
        pool: InferencePool | None = None,
        speculation_slack_ms: float = 0.0,
    ) -> None:
        self._stt = stt
        self._call_ms = call_ms
        self._pool = pool
        self._slack_s = max(0.0, speculation_slack_ms) / 1000.0
        self._spec: _Speculation | None = None
        #: Speculations started so far.
        self.speculations = 0
        #: Speculations thrown away (the caller went on, or the turn closed on another start).
        self.discarded = 0

    @property
    def ready(self) -> bool:
        """True when the open utterance's speculation has finished."""
        return self._spec is not None and self._spec.task.done()

    def speculate(self, start_ms: float, audio: Samples, end_ms: float = float("inf")) -> None:
        """Start transcribing the utterance begun at ``start_ms`` (``audio`` up to ``end_ms``)."""
        done: list[float] = []
        task = asyncio.ensure_future(self._run(audio, done, self._slack_s))
        self._spec = _Speculation(start_ms, task, done, end_ms)
        self.speculations += 1

    def resume(self) -> None:
        """The caller went on after the pause: the speculation no longer covers the turn."""
        if self._spec is not None:
            self.discarded += 1
            self._spec.task.cancel()  # not run at all if no worker has taken it yet
            self._spec = None

    def complete_sentence(self) -> bool:
        """True when the speculation finished and reads as a finished sentence."""
        spec = self._spec
        if spec is None or not spec.task.done() or spec.task.cancelled():
            return False
        if spec.task.exception() is not None:
            return False
        return looks_complete(spec.task.result().text)

    def final(
        self, start_ms: float, audio: Callable[[], Samples], end_ms: float = 0.0
    ) -> PendingTranscript:
        """The transcript of the utterance that started at ``start_ms`` and just closed.

        Reuses the speculation when it covers the same utterance up to its last
        voiced frame (``end_ms``: speech that went on after the pause without a
        clear :class:`~switchboard.voice.endpoint.Resume`, frames between the two
        VAD thresholds, would otherwise be lost); else discards it and transcribes
        ``audio()`` (called only then).
        """
        spec, self._spec = self._spec, None
        if spec is not None and spec.start_ms == start_ms and spec.end_ms >= end_ms:
            return PendingTranscript(spec.task, spec.done_wall, True)
        if spec is not None:
            self.discarded += 1
            spec.task.cancel()
        done: list[float] = []
        return PendingTranscript(asyncio.ensure_future(self._run(audio(), done, 0.0)), done, False)

    def cancel(self) -> None:
        """Stop the pending speculation (the call ended)."""
        if self._spec is not None:
            self._spec.task.cancel()

    async def _run(self, audio: Samples, done: list[float], slack_s: float) -> SttResult:
        if self._pool is None:
            result = await asyncio.to_thread(self._stt.transcribe, audio)
        else:
            result = await self._pool.run(self._stt.transcribe, audio, slack_s=slack_s)
        done.append(self._call_ms())
        return result
