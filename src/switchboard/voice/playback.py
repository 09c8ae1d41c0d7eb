"""What the caller has heard of a reply: audio sent, time elapsed, marks acknowledged.

The session cannot hear the caller's loudspeaker; it estimates the playback
position of a reply as the larger of

* how far a client that plays each sentence as soon as it arrives, back to
  back, has got: the time elapsed since the reply's first audio chunk went out,
  on the input clock (callers stream audio continuously, so input audio time is
  playback time) or on the wall clock (for clients that stop streaming while
  listening), with the playback stalled while a sentence had not been sent yet
  (when synthesis falls behind, under load, the caller hears a gap and the
  reply ends that much later), and
* the end of the last sentence whose :class:`~switchboard.voice.events.Mark`
  the client echoed back,

capped at the audio actually sent. Sentences wholly before that position were
heard; of the sentence being played, the words in proportion to its elapsed
part.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Sentence:
    text: str
    start_ms: float  # offset in the reply's audio
    duration_ms: float
    mark: str
    plays_at: float  # when the client starts playing it, ms since the first audio went out


@dataclass
class Playback:
    """One reply's audio as sent to the caller.

    Attributes:
        reply_id: the reply.
        text: the full reply text.
        interruptible: False for replies that must be heard (handover message, goodbye).
    """

    reply_id: int
    text: str
    interruptible: bool = True
    sentences: list[_Sentence] = field(default_factory=list)
    sent_ms: float = 0.0
    started_input_ms: float | None = None
    started_wall_s: float | None = None
    acked_ms: float = 0.0
    done_sending: bool = False
    released_at: float = 0.0

    def add_sentence(self, text: str, duration_ms: float, mark: str) -> None:
        """Record a sentence whose audio (``duration_ms``) has been sent (see :meth:`start`)."""
        last = self.sentences[-1] if self.sentences else None
        ready = last.plays_at + last.duration_ms if last is not None else 0.0
        plays_at = max(ready, self.released_at)
        self.sentences.append(_Sentence(text, self.sent_ms, duration_ms, mark, plays_at))
        self.sent_ms += duration_ms

    def start(self, input_ms: float, wall_s: float) -> None:
        """The next sentence's audio goes out now (the first call: the reply's first audio)."""
        if self.started_input_ms is None:
            self.started_input_ms = input_ms
            self.started_wall_s = wall_s
        self.released_at = self._elapsed(input_ms, wall_s)

    def _elapsed(self, input_ms: float, wall_s: float) -> float:
        """Time since the first audio went out, ms (input clock or wall clock, the larger)."""
        if self.started_input_ms is None or self.started_wall_s is None:
            return 0.0
        return max(input_ms - self.started_input_ms, 1000.0 * (wall_s - self.started_wall_s))

    def queued_ms(self, input_ms: float, wall_s: float) -> float:
        """Audio sent but not yet played (by the back-to-back estimate), ms; 0 before any."""
        return max(0.0, -self._ahead_ms(input_ms, wall_s))

    def late_ms(self, input_ms: float, wall_s: float) -> float:
        """How long the caller has heard silence since the audio sent ran out, ms (a gap)."""
        return max(0.0, self._ahead_ms(input_ms, wall_s)) if self.sentences else 0.0

    def _ahead_ms(self, input_ms: float, wall_s: float) -> float:
        """Elapsed time minus the end of the audio sent (negative: audio still queued), ms."""
        if not self.sentences:
            return 0.0
        last = self.sentences[-1]
        return self._elapsed(input_ms, wall_s) - (last.plays_at + last.duration_ms)

    def ack(self, mark: str) -> bool:
        """The client played up to ``mark``; False if the mark is not ours."""
        for s in self.sentences:
            if s.mark == mark:
                self.acked_ms = max(self.acked_ms, s.start_ms + s.duration_ms)
                return True
        return False

    def position_ms(self, input_ms: float, wall_s: float) -> float:
        """Estimated playback position in this reply's audio, ms."""
        if self.started_input_ms is None or self.started_wall_s is None:
            return self.acked_ms
        elapsed = self._elapsed(input_ms, wall_s)
        played = 0.0
        for s in self.sentences:
            if s.plays_at >= elapsed:
                break
            played = s.start_ms + min(s.duration_ms, elapsed - s.plays_at)
        return min(self.sent_ms, max(played, self.acked_ms))

    def playing(self, input_ms: float, wall_s: float) -> bool:
        """True while audio is (estimated to be) still playing or still to come."""
        return not self.done_sending or self.position_ms(input_ms, wall_s) < self.sent_ms

    def heard_text(self, input_ms: float, wall_s: float) -> str:
        """The part of the reply the caller heard (whole sentences, then words pro rata)."""
        pos = self.position_ms(input_ms, wall_s)
        parts: list[str] = []
        for s in self.sentences:
            end = s.start_ms + s.duration_ms
            if end <= pos:
                parts.append(s.text)
            elif s.start_ms < pos:
                words = s.text.split()
                n = int(len(words) * (pos - s.start_ms) / s.duration_ms) if s.duration_ms else 0
                if n:
                    parts.append(" ".join(words[:n]) + " …")
                break
            else:
                break
        return " ".join(parts)
