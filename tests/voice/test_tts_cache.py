"""The TTS cache: a repeated sentence is not synthesised again; least recently used goes first."""

from __future__ import annotations

import numpy as np
import pytest

from switchboard.domain.types import Locale
from switchboard.errors import TtsError
from switchboard.ports import Speech
from switchboard.speech.tts_cache import MAX_TEXT_CHARS, CachedTts


class _CountingTts:
    name = "counting"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def synthesize(self, text: str, locale: Locale) -> Speech:
        if text == "fail":
            raise TtsError("engine failed")
        self.calls.append(text)
        return Speech(np.full(len(text) * 10, 0.1, np.float32), 22050, 123.0)


def test_a_repeated_sentence_comes_from_the_cache_with_the_same_audio() -> None:
    inner = _CountingTts()
    tts = CachedTts(inner, entries=4)
    first = tts.synthesize("Sorry, I didn't catch that.", Locale.EN_GB)
    again = tts.synthesize("Sorry, I didn't catch that.", Locale.EN_GB)
    assert inner.calls == ["Sorry, I didn't catch that."]
    assert np.array_equal(first.samples, again.samples) and again.elapsed_ms == 0.0
    assert first.elapsed_ms == 123.0 and (tts.hits, tts.misses) == (1, 1)
    with pytest.raises(ValueError):
        again.samples[0] = 1.0  # shared audio is read-only
    tts.synthesize("Sorry, I didn't catch that.", Locale.EN_US)  # another locale: a miss
    assert len(inner.calls) == 2


def test_the_least_recently_used_sentence_is_dropped_first() -> None:
    inner = _CountingTts()
    tts = CachedTts(inner, entries=2)
    for text in ["one.", "two.", "one.", "three.", "one.", "two."]:
        tts.synthesize(text, Locale.EN_GB)
    # "two." was the least recently used when "three." came in, so it was synthesised again.
    assert inner.calls == ["one.", "two.", "three.", "two."]


def test_long_sentences_and_failures_are_not_kept() -> None:
    inner = _CountingTts()
    tts = CachedTts(inner, entries=8)
    long = "word " * (MAX_TEXT_CHARS // 5 + 1)
    tts.synthesize(long, Locale.EN_GB)
    tts.synthesize(long, Locale.EN_GB)
    assert inner.calls == [long, long]
    for _ in range(2):
        with pytest.raises(TtsError):
            tts.synthesize("fail", Locale.EN_GB)
