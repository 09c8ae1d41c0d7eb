"""Speech-out stage: reply text → TTS sentence by sentence → audio chunks and marks; barge-in.

:class:`Speaker` emits :class:`~switchboard.voice.events.ReplyText`, then for
each chunk of :func:`~switchboard.speech.tts.split_sentences` the TTS audio
resampled and encoded to the call's output spec in ``chunk_ms``
:class:`~switchboard.voice.events.AudioOut` pieces followed by a
:class:`~switchboard.voice.events.Mark`, and a last mark. It keeps the
:class:`~switchboard.voice.playback.Playback` of the reply being heard, so a
barge-in (caller speech or a key over an interruptible reply still playing)
emits :class:`~switchboard.voice.events.Clear` with the text actually heard.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from switchboard.domain.audio import AudioSpec
from switchboard.domain.types import Locale
from switchboard.errors import TtsError
from switchboard.ports import TTS, Speech
from switchboard.speech.audio import Float32, encode, resample
from switchboard.speech.tts import split_sentences
from switchboard.voice.events import (
    AudioOut,
    Clear,
    Error,
    HandoverInfo,
    Mark,
    ReplyText,
    VoiceEvent,
)
from switchboard.voice.playback import Playback

if TYPE_CHECKING:
    from switchboard.speech.pool import InferencePool
    from switchboard.voice.stages.turn import TurnTiming

#: ``on_barge_in(playback, heard_text, speech_start_ms, clear_at_ms)``.
BargeInHook = Callable[[Playback, str, float, float], None]
#: ``on_audio(samples, rate_hz, at_ms)``: reply audio as synthesised, and the input time it
#: starts playing (the call recorder's ``bot`` leg).
AudioHook = Callable[[Float32, int, float], None]

#: A later sentence is wanted this long before the audio already sent runs out, ms
#: (its synthesis takes 0.1-0.5 s on a free core; the pool's deadline, not a wait).
_NEXT_SENTENCE_MARGIN_MS = 600.0


class Speaker:
    """Speaks one call's replies, one at a time, and stops them on barge-in.

    Args:
        tts: the shared TTS engine (blocking; run in a worker thread).
        spec: the call's output encoding and rate.
        chunk_ms: duration of each ``AudioOut``, ms.
        emit: puts an event on the call's output queue.
        input_ms: the call's input clock (playback position is estimated on it).
        call_ms: the call's wall clock, ms (first-audio timing).
        caller_speech: start ms of the caller's open utterance, or None when silent.
        on_barge_in: told of every barge-in after ``Clear`` is emitted (audit trail).
        locale: the voice's locale (the session updates it for a resumed contact).
        pool: the process's inference threads (:class:`~switchboard.speech.pool.InferencePool`):
            the first sentence of a reply is synthesised as urgent, a later one by the
            time the audio already sent has played; None: ``asyncio.to_thread``.
    """

    def __init__(
        self,
        tts: TTS,
        spec: AudioSpec,
        *,
        chunk_ms: int,
        emit: Callable[[VoiceEvent], None],
        input_ms: Callable[[], float],
        call_ms: Callable[[], float],
        caller_speech: Callable[[], float | None],
        on_barge_in: BargeInHook | None = None,
        locale: Locale = Locale.EN_US,
        pool: InferencePool | None = None,
    ) -> None:
        self._tts = tts
        self._pool = pool
        self.spec = spec
        self._chunk_bytes = max(
            spec.bytes_per_sample, spec.sample_rate * chunk_ms // 1000 * spec.bytes_per_sample
        )
        self._emit = emit
        self._input_ms = input_ms
        self._call_ms = call_ms
        self._caller_speech = caller_speech
        self._on_barge_in = on_barge_in
        self.locale = locale
        #: The reply being sent or heard (None once it has been heard to its end).
        self.current: Playback | None = None
        #: Replies started so far (the next reply id is ``replies + 1``).
        self.replies = 0
        #: Told of every sentence's audio as it is sent (None: nobody listens).
        self.on_audio: AudioHook | None = None
        self._task: asyncio.Task[None] | None = None

    async def speak(
        self,
        text: str,
        *,
        kind: str,
        turn_index: int = 0,
        handover: HandoverInfo | None = None,
        timing: TurnTiming | None = None,
        interruptible: bool = True,
    ) -> None:
        """Emit ``ReplyText`` then the reply's audio; returns when it is all sent or cut.

        ``kind`` is ``"greeting"``, ``"turn"`` or ``"prompt"`` (see ``ReplyText``).
        A TTS failure on one chunk emits ``Error("tts_failed")`` and goes on.
        """
        self.replies += 1
        pb = Playback(self.replies, text, interruptible)
        self.current = pb
        self._emit(ReplyText(text, pb.reply_id, turn_index, kind, handover))
        self._task = asyncio.create_task(self._stream(pb, timing))
        await asyncio.wait({self._task})
        self._task = None

    def barge_in(self, speech_start_ms: float, at_ms: float) -> bool:
        """Stop an interruptible reply that is still playing; True when one was cut."""
        pb = self.current
        if pb is None or not pb.interruptible:
            return False
        wall = time.perf_counter()
        now = self._input_ms()
        if not pb.playing(now, wall):
            return False
        heard = pb.heard_text(now, wall)
        if self._task is not None and not self._task.done():
            self._task.cancel()
        pb.done_sending = True
        self.current = None
        self._emit(Clear(pb.reply_id, heard, speech_start_ms, at_ms))
        if self._on_barge_in is not None:
            self._on_barge_in(pb, heard, speech_start_ms, at_ms)
        return True

    def ack(self, mark: str) -> None:
        """The client played the current reply up to ``mark``."""
        if self.current is not None:
            self.current.ack(mark)

    def still_playing(self) -> bool:
        """True while the current reply is being sent or (by estimate) heard.

        Once it has been heard to its end, forgets it and returns False.
        """
        pb = self.current
        if pb is None:
            return False
        if pb.playing(self._input_ms(), time.perf_counter()):
            return True
        self.current = None
        return False

    def cancel(self) -> None:
        """Stop sending (the call ended)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def _synthesize(self, sentence: str, pb: Playback) -> Speech:
        """One chunk's speech; urgent for a reply's first, else due when the sent audio ends."""
        if self._pool is None:
            return await asyncio.to_thread(self._tts.synthesize, sentence, self.locale)
        queued = pb.queued_ms(self._input_ms(), time.perf_counter())
        slack_s = max(0.0, queued - _NEXT_SENTENCE_MARGIN_MS) / 1000.0
        return await self._pool.run(self._tts.synthesize, sentence, self.locale, slack_s=slack_s)

    async def _stream(self, pb: Playback, timing: TurnTiming | None) -> None:
        spec = self.spec
        for i, sentence in enumerate(split_sentences(pb.text)):
            started = self._caller_speech()
            if pb.interruptible and started is not None:
                # The caller is already talking over a reply that has not started.
                self.barge_in(started, self._input_ms())
                return
            try:
                speech = await self._synthesize(sentence, pb)
            except TtsError as exc:
                self._emit(Error("tts_failed", exc.message))
                continue
            if timing is not None and i == 0:
                timing.tts_first_ms = speech.elapsed_ms
            data = encode(resample(speech.samples, speech.sample_rate, spec.sample_rate), spec)
            if not data:
                continue
            if timing is not None and i > 0:
                timing.gap_ms += pb.late_ms(self._input_ms(), time.perf_counter())
            pb.start(self._input_ms(), time.perf_counter())
            if self.on_audio is not None:
                self.on_audio(speech.samples, speech.sample_rate, self._input_ms())
            if timing is not None and timing.first_audio_ms is None:
                timing.first_audio_ms = self._call_ms()
            for offset in range(0, len(data), self._chunk_bytes):
                chunk = data[offset : offset + self._chunk_bytes]
                self._emit(AudioOut(chunk, spec.sample_rate, spec.format, pb.reply_id))
            mark = f"r{pb.reply_id}-s{i}"
            pb.add_sentence(sentence, spec.duration_ms(len(data)), mark)
            self._emit(Mark(mark, pb.reply_id))
            await asyncio.sleep(0)
        end_mark = f"r{pb.reply_id}-end"
        pb.add_sentence("", 0.0, end_mark)
        self._emit(Mark(end_mark, pb.reply_id, last=True))
        pb.done_sending = True
