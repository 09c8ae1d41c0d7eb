"""What the caller has heard of a reply: audio sent, time elapsed, marks acknowledged.

The session cannot hear the caller's loudspeaker; it estimates the playback
position of a reply as the larger of

* the time elapsed since its first audio chunk went out, on the input clock
  (callers stream audio continuously, so input audio time is playback time)
  or on the wall clock (for clients that stop streaming while listening), and
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
    start_ms: float
    duration_ms: float
    mark: str


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

    def add_sentence(self, text: str, duration_ms: float, mark: str) -> None:
        """Record a sentence whose audio (``duration_ms``) has been sent."""
        self.sentences.append(_Sentence(text, self.sent_ms, duration_ms, mark))
        self.sent_ms += duration_ms

    def start(self, input_ms: float, wall_s: float) -> None:
        """The first audio chunk went out now."""
        if self.started_input_ms is None:
            self.started_input_ms = input_ms
            self.started_wall_s = wall_s

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
        elapsed = max(input_ms - self.started_input_ms, 1000.0 * (wall_s - self.started_wall_s))
        return min(self.sent_ms, max(elapsed, self.acked_ms))

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
