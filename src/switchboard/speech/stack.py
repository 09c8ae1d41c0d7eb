"""``SpeechStack``: the speech models one process shares across all its calls."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import numpy as np

from switchboard.domain.types import Locale
from switchboard.ports import STT, TTS, VAD
from switchboard.speech.pool import InferencePool
from switchboard.speech.stt import WhisperStt
from switchboard.speech.tts import load_synthesizer
from switchboard.speech.tts_cache import CachedTts
from switchboard.speech.vad import VadModel

log = logging.getLogger("switchboard.speech")

_lock = asyncio.Lock()
_cache: dict[tuple[str, int, int, int], SpeechStack] = {}


@dataclass
class SpeechStack:
    """VAD, STT and TTS engines behind their ports (thread-safe; one per process).

    Any adapters of :class:`~switchboard.ports.VAD`, :class:`~switchboard.ports.STT`
    and :class:`~switchboard.ports.TTS` compose a stack (the fakes of
    :mod:`switchboard.testing.speech` in unit tests); :meth:`load` builds the
    shipped one.

    Attributes:
        vad: Silero VAD session (each call opens its own stream on it).
        stt: faster-whisper tiny.en.
        tts: the Piper voice through onnxruntime (English) and espeak-ng (French),
            or espeak-ng alone when the voice cannot load (:func:`load_synthesizer`).
        pool: the threads that run every call's STT and TTS, most urgent first
            (one per CPU; :class:`~switchboard.speech.pool.InferencePool`).
    """

    vad: VAD
    stt: STT
    tts: TTS
    pool: InferencePool = field(default_factory=InferencePool)

    @classmethod
    def load_sync(
        cls, *, tts: str = "piper", stt_workers: int = 2, beam_size: int = 1, tts_cache: int = 0
    ) -> SpeechStack:
        """Load the models and warm them up (first inference is several times slower).

        Args:
            tts: ``"piper"`` (the Piper voice; espeak-ng when it cannot load) or ``"espeak"``.
            stt_workers: faster-whisper transcriptions that may run at once.
            beam_size: Whisper beam size (1 = greedy).
            tts_cache: sentences of synthesised speech kept (LRU,
                :class:`~switchboard.speech.tts_cache.CachedTts`); 0: no cache.

        Raises:
            switchboard.errors.ConfigError: a model package is missing.
        """
        engine = load_synthesizer(tts)
        stack = cls(
            vad=VadModel(),
            stt=WhisperStt(num_workers=stt_workers, beam_size=beam_size),
            tts=CachedTts(engine, tts_cache) if tts_cache > 0 else engine,
        )
        stack.vad.stream().process(np.zeros(1024, dtype=np.float32))
        # The engine itself warms up (a cached phrase would be a call's hit later).
        speech = engine.synthesize("Hello, how can I help?", Locale.EN_US)
        from switchboard.speech.audio import MODEL_RATE, resample

        stack.stt.transcribe(resample(speech.samples, speech.sample_rate, MODEL_RATE))
        log.info("speech stack ready (tts=%s)", stack.tts.name)
        return stack

    @classmethod
    async def load(
        cls, *, tts: str = "piper", stt_workers: int = 2, beam_size: int = 1, tts_cache: int = 0
    ) -> SpeechStack:
        """Load (once per process and arguments) in a worker thread; see :meth:`load_sync`."""
        key = (tts, stt_workers, beam_size, tts_cache)
        async with _lock:
            if key not in _cache:
                _cache[key] = await asyncio.to_thread(
                    cls.load_sync, tts=tts, stt_workers=stt_workers, beam_size=beam_size,
                    tts_cache=tts_cache,
                )
            return _cache[key]
