"""VAD + endpointing stage: 16 kHz audio in, per-frame turn-taking events out.

:class:`Listener` runs one call's :class:`~switchboard.ports.VADStream` (a
speech probability per 32 ms frame) into the
:class:`~switchboard.voice.endpoint.Endpointer` (onset for barge-in, speech
start, pause, resume, turn end; the rules and their sources are in
:mod:`switchboard.voice.endpoint`).
"""

from __future__ import annotations

from collections.abc import Iterator

from switchboard.ports import VAD, Samples
from switchboard.voice.endpoint import Endpointer, EndpointEvent, TurnEnd
from switchboard.voice.settings import VoiceSettings


class Listener:
    """One call's voice-activity state and endpointer.

    Args:
        vad: the shared VAD model (a per-call stream is opened on it).
        settings: thresholds and durations (``VoiceSettings``).
    """

    def __init__(self, vad: VAD, settings: VoiceSettings) -> None:
        self._stream = vad.stream()
        self.endpointer = Endpointer(settings)

    def frames(self, samples: Samples) -> Iterator[list[EndpointEvent]]:
        """Run the VAD on ``samples`` (16 kHz), then yield each completed frame's events.

        Lazy on purpose: the endpointer advances one frame per ``next()``, so what
        the consumer does between frames (an early close through
        :meth:`force_close`) is seen by the following frames.
        """
        for prob in self._stream.process(samples):
            yield self.endpointer.push(prob)

    @property
    def in_speech(self) -> bool:
        """True while an utterance is open."""
        return self.endpointer.in_speech

    @property
    def start_ms(self) -> float:
        """Start of the open (or last) utterance, input ms."""
        return self.endpointer.start_ms

    @property
    def now_ms(self) -> float:
        """End of the last frame seen by the endpointer, input ms (VAD frame clock)."""
        return self.endpointer.now_ms

    @property
    def silent_ms(self) -> float:
        """Silence since the open utterance's last voiced frame, ms (0 when idle)."""
        return self.endpointer.silent_ms

    def force_close(self, why: str) -> TurnEnd | None:
        """Close the open utterance now (``"hint"``, ``"watchdog"``, ``"early"``); None if idle."""
        return self.endpointer.force_close(why)
