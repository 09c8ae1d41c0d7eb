"""The synthetic caller of the pipeline, call and WER tests."""

from __future__ import annotations

from functools import cache

import numpy as np

from switchboard.domain.types import Locale
from switchboard.errors import ConfigError
from switchboard.speech.tts import EspeakTts, PiperTts, Synthesizer


@cache
def caller_voice() -> Synthesizer:
    """Piper without sampling noise (the same audio every run), or espeak-ng without Piper."""
    try:
        return PiperTts(noise_scale=0.0, noise_w_scale=0.0)
    except ConfigError:
        return EspeakTts()


@cache
def line(text: str, locale: Locale = Locale.EN_US) -> tuple[np.ndarray, int]:
    """A customer line as (float32 samples, sample rate)."""
    speech = caller_voice().synthesize(text, locale)
    return speech.samples, speech.sample_rate
