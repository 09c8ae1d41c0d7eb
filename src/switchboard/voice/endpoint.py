"""Endpointing: turning per-frame speech probabilities into caller utterances.

A small state machine over Silero's 32 ms frames (our own turn-taking code):

* **idle → speech** after ``min_speech_ms`` of consecutive voiced frames: the
  first ≥ ``vad_threshold``, the next ones ≥ ``vad_neg_threshold``; the
  utterance starts at the first of them. After ``barge_in_ms`` of such
  frames (≤ ``min_speech_ms``) an :class:`Onset` is raised: barge-in fires then.
* in speech, a frame is silent when its probability is < ``vad_neg_threshold``
  (hysteresis, as Silero's own ``get_speech_timestamps`` does);
* the first ``speculate_ms`` of silence raise :class:`Pause` (the session starts
  transcribing speculatively); a voiced frame after a pause raises
  :class:`Resume` (the speculation is discarded);
* ``silence_ms`` of silence (or ``max_utterance_ms`` of speech, or a forced
  close: client hint, watchdog, the session's early close) raise :class:`TurnEnd`.

Times are input-audio milliseconds from the start of the call.
"""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.speech.vad import FRAME_MS
from switchboard.voice.settings import VoiceSettings


@dataclass(frozen=True)
class SpeechStart:
    """The caller started speaking at ``start_ms``; detected at ``detected_ms``."""

    start_ms: float
    detected_ms: float


@dataclass(frozen=True)
class Onset:
    """Voice for ``barge_in_ms`` (before an utterance opens): enough to stop playback."""

    start_ms: float
    detected_ms: float


@dataclass(frozen=True)
class Pause:
    """The caller paused; voiced audio ended at ``end_ms``."""

    end_ms: float
    detected_ms: float


@dataclass(frozen=True)
class Resume:
    """The caller went on talking after a :class:`Pause`."""

    at_ms: float


@dataclass(frozen=True)
class TurnEnd:
    """The caller's turn is closed.

    Attributes:
        start_ms: first voiced frame of the utterance.
        end_ms: end of the last voiced frame (end of speech).
        closed_ms: when the turn was closed.
        why: ``"silence"``, ``"max_length"``, ``"hint"`` (client), ``"watchdog"``.
    """

    start_ms: float
    end_ms: float
    closed_ms: float
    why: str


EndpointEvent = Onset | SpeechStart | Pause | Resume | TurnEnd


class Endpointer:
    """Per-call endpointing state; feed it one probability per 32 ms frame."""

    def __init__(self, settings: VoiceSettings) -> None:
        self.s = settings
        self.frame_ms = FRAME_MS
        self.now_ms = 0.0
        self.in_speech = False
        self._voiced_run = 0
        self._silence_run = 0
        self._start_ms = 0.0
        self._last_voiced_end = 0.0
        self._paused = False

    @property
    def silent_ms(self) -> float:
        """Silence since the last voiced frame of the open utterance, ms (0 when idle)."""
        return self._silence_run * self.frame_ms if self.in_speech else 0.0

    @property
    def start_ms(self) -> float:
        """Start of the open (or last) utterance, input ms."""
        return self._start_ms

    def push(self, prob: float) -> list[EndpointEvent]:
        """Advance one frame with its speech probability; return what happened."""
        frame_start = self.now_ms
        self.now_ms += self.frame_ms
        out: list[EndpointEvent] = []
        if not self.in_speech:
            # A run starts at a frame ≥ vad_threshold and goes on while frames stay
            # ≥ vad_neg_threshold (fricative onsets hover around the threshold).
            floor = self.s.vad_neg_threshold if self._voiced_run else self.s.vad_threshold
            if prob >= floor:
                self._voiced_run += 1
                if self._voiced_run == 1:
                    self._start_ms = frame_start
                voiced_ms = self._voiced_run * self.frame_ms
                if voiced_ms >= self.s.barge_in_ms and (voiced_ms - self.frame_ms) < min(
                    self.s.barge_in_ms, self.s.min_speech_ms
                ):
                    out.append(Onset(self._start_ms, self.now_ms))
                if voiced_ms >= self.s.min_speech_ms:
                    self.in_speech = True
                    self._silence_run = 0
                    self._paused = False
                    self._last_voiced_end = self.now_ms
                    out.append(SpeechStart(self._start_ms, self.now_ms))
            else:
                self._voiced_run = 0
            return out
        if prob >= self.s.vad_neg_threshold:
            self._last_voiced_end = self.now_ms
            self._silence_run = 0
            if self._paused and prob >= self.s.vad_threshold:
                self._paused = False
                out.append(Resume(self.now_ms))
        else:
            self._silence_run += 1
            silent_ms = self._silence_run * self.frame_ms
            if not self._paused and silent_ms >= self.s.speculate_ms:
                self._paused = True
                out.append(Pause(self._last_voiced_end, self.now_ms))
            if silent_ms >= self.s.silence_ms:
                out.append(self._close("silence"))
                return out
        if self.now_ms - self._start_ms >= self.s.max_utterance_ms:
            out.append(self._close("max_length"))
        return out

    def force_close(self, why: str) -> TurnEnd | None:
        """Close the open utterance now (client hint, watchdog); None when idle."""
        if not self.in_speech:
            return None
        return self._close(why)

    def _close(self, why: str) -> TurnEnd:
        self.in_speech = False
        self._voiced_run = 0
        self._silence_run = 0
        self._paused = False
        return TurnEnd(self._start_ms, self._last_voiced_end, self.now_ms, why)
