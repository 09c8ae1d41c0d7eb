"""Input stage: decode the caller's bytes, resample to 16 kHz, keep the clock and the utterance.

Pure bookkeeping over audio, no model: :class:`AudioInput` turns frames in
the call's :class:`~switchboard.domain.audio.AudioSpec` (any length; a PCM16
frame with an odd byte count keeps its last byte for the next frame) into
16 kHz float32 samples for the VAD and STT, counts input audio time (the
call's clock, ``input_ms``), remembers when each frame arrived on the wall
clock (to date the end of speech for latency), and buffers the audio of the
open utterance plus ``pre_roll_ms`` before it for transcription.
"""

from __future__ import annotations

import time
from collections import deque

import numpy as np

from switchboard.domain.audio import AudioFormat, AudioSpec
from switchboard.speech.audio import MODEL_RATE, Float32, Resampler, decode


class AudioInput:
    """One call's inbound audio: codec, resampler, clocks and the utterance buffer.

    Args:
        spec: encoding and rate of the bytes given to :meth:`push`.
        pre_roll_ms: audio kept before an utterance's first voiced frame, ms.
        idle_keep_ms: audio kept while nobody speaks, ms (≥ ``pre_roll_ms``, so an
            utterance detected a few frames late still has its pre-roll).
        t0: wall-clock origin of the call clock (``time.perf_counter()`` seconds).
        rate: the models' rate, Hz.
    """

    def __init__(
        self,
        spec: AudioSpec,
        *,
        pre_roll_ms: float,
        idle_keep_ms: float,
        t0: float | None = None,
        rate: int = MODEL_RATE,
    ) -> None:
        self.spec = spec
        self.rate = rate
        self.pre_roll_ms = pre_roll_ms
        self.idle_keep_ms = idle_keep_ms
        self.t0 = time.perf_counter() if t0 is None else t0
        self.last_feed_wall = self.t0
        self._resampler = Resampler(spec.sample_rate, rate)
        self._carry = b""
        self._samples_in = 0
        self._feeds: deque[tuple[float, float]] = deque(maxlen=2000)
        self._buf: Float32 = np.zeros(0, dtype=np.float32)
        self._buf_start = 0  # absolute sample index (at ``rate``) of _buf[0]
        self._buf_end = 0  # absolute sample index after the last sample

    @property
    def input_ms(self) -> float:
        """Input audio time received so far, ms (the call clock of every event)."""
        return 1000.0 * self._samples_in / self.spec.sample_rate

    def call_ms(self, wall_s: float | None = None) -> float:
        """Wall-clock ms since ``t0`` (now, or at ``wall_s``)."""
        return 1000.0 * ((time.perf_counter() if wall_s is None else wall_s) - self.t0)

    def clock_ms(self) -> float:
        """Input time, advanced by wall time while no audio arrives (for timers), ms."""
        return self.input_ms + 1000.0 * max(0.0, time.perf_counter() - self.last_feed_wall)

    def push(self, data: bytes) -> Float32 | None:
        """Take the next frame; return its audio at ``rate`` (None when it held no whole sample).

        The returned samples are appended to the utterance buffer. Bad content
        cannot raise: μ-law decodes any byte, PCM16 keeps an odd last byte.
        """
        raw = self._carry + bytes(data)
        if self.spec.format is AudioFormat.PCM16 and len(raw) % 2:
            raw, self._carry = raw[:-1], raw[-1:]
        else:
            self._carry = b""
        if not raw:
            return None
        samples = decode(raw, self.spec)
        self._samples_in += len(samples)
        self.last_feed_wall = time.perf_counter()
        self._feeds.append((self.input_ms, self.last_feed_wall))
        out = self._resampler.process(samples)
        self._buf = np.concatenate([self._buf, out])
        self._buf_end += len(out)
        return out

    def slice(self, start_ms: float, end_ms: float) -> Float32:
        """Audio at ``rate`` between two input times, ``pre_roll_ms`` added before ``start_ms``.

        Clipped to what the buffer still holds.
        """
        first = int((start_ms - self.pre_roll_ms) * self.rate / 1000)
        last = int(end_ms * self.rate / 1000)
        lo = max(first, self._buf_start) - self._buf_start
        hi = max(lo, min(last, self._buf_end) - self._buf_start)
        return self._buf[lo:hi].copy()

    def trim(self, open_start_ms: float | None) -> None:
        """Drop audio no transcription can need, in ≥ 1 s steps.

        Args:
            open_start_ms: start of the open utterance (its pre-roll is kept), or None
                while nobody speaks (the last ``idle_keep_ms`` are kept).
        """
        if open_start_ms is not None:
            keep_from = int((open_start_ms - self.pre_roll_ms) * self.rate / 1000)
        else:
            keep_from = self._buf_end - int(self.idle_keep_ms * self.rate / 1000)
        drop = keep_from - self._buf_start
        if drop > self.rate:
            self._buf = self._buf[drop:]
            self._buf_start += drop

    @property
    def buffered_ms(self) -> float:
        """Audio held in the utterance buffer, ms."""
        return 1000.0 * len(self._buf) / self.rate

    def call_ms_of_input(self, input_ms: float) -> float:
        """Call-clock ms at which input audio time ``input_ms`` was spoken.

        Dated from the arrival of the frame holding it (a caller streams in real
        time); now, when no frame recorded reaches that far.
        """
        for end_ms, wall in self._feeds:
            if end_ms >= input_ms:
                return self.call_ms(wall) - (end_ms - input_ms)
        return self.call_ms()
