"""``CachedTts``: an LRU cache of synthesised sentences in front of any TTS engine.

A call speaks the same fixed sentences again and again: the greeting, the
call's own prompts ("Sorry, I didn't catch that."), the spoken offers ("Shall
I text you its opening hours and phone number?") and the first sentences of
common catalog answers. Each costs the Piper voice ~25 ms + ~85 ms per second
of audio on a free core (more under load); a cached one costs nothing. The
key is the exact text, the locale and the engine, so a cache hit is the same
audio the engine would have produced (the default voice is sampled with noise,
so a hit repeats one sample of it). Nothing is put in the cache ahead of use.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from switchboard.domain.types import Locale
from switchboard.ports import TTS, Speech

__all__ = ["CachedTts"]

#: Sentences longer than this (characters) are not kept: they rarely repeat word for word
#: and their audio is large (~5 s of 22 050 Hz float32 is ~440 KB).
MAX_TEXT_CHARS = 160


class CachedTts:
    """A :class:`~switchboard.ports.TTS` that remembers the last ``entries`` sentences.

    Thread-safe (synthesis of a miss runs outside the lock; two calls missing the
    same sentence at once both synthesise it). A hit returns the stored samples
    (read-only) with ``elapsed_ms`` 0.

    Args:
        inner: the engine that synthesises misses.
        entries: sentences kept, least recently used dropped first (≥ 1).
    """

    def __init__(self, inner: TTS, entries: int = 128) -> None:
        self.inner = inner
        self.name = str(getattr(inner, "name", "tts"))
        self.entries = max(1, entries)
        self._cache: OrderedDict[tuple[str, str], Speech] = OrderedDict()
        self._lock = threading.Lock()
        #: Sentences served from the cache / synthesised, so far.
        self.hits = 0
        self.misses = 0

    def synthesize(self, text: str, locale: Locale) -> Speech:
        """The sentence's speech, from the cache when it was synthesised recently.

        Raises:
            switchboard.errors.TtsError: the engine failed (nothing is cached then).
        """
        key = (text, locale.value)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                return Speech(found.samples, found.sample_rate, 0.0)
            self.misses += 1
        speech = self.inner.synthesize(text, locale)
        if len(text) <= MAX_TEXT_CHARS and speech.samples.size:
            speech.samples.setflags(write=False)
            with self._lock:
                self._cache[key] = speech
                self._cache.move_to_end(key)
                while len(self._cache) > self.entries:
                    self._cache.popitem(last=False)
        return speech
