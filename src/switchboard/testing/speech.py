"""Fake speech engines implementing the VAD, STT and TTS ports, for fast voice tests.

Deterministic and model-free, so each voice stage (and a whole
:class:`~switchboard.voice.session.CallSession`) can be tested in
milliseconds:

* :class:`EnergyVad`: a frame is speech when its RMS level is above a threshold.
* :class:`ScriptedStt`: returns the next scripted transcript, records what it heard.
* :class:`ToneTts`: a tone whose length grows with the text, records what it spoke.
* :func:`fake_speech_stack`: the three in a ``SpeechStack``.
* :class:`ScriptedConversation`: the conversation port, answering from a script.
* :func:`tone` and :func:`quiet`: 16 kHz test signals (a "voice" and silence).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from switchboard.domain.types import (
    Action,
    AgentReply,
    ContactStatus,
    ConversationSummary,
    Event,
    Handover,
    HandoverReason,
    Locale,
    Route,
)
from switchboard.errors import TtsError
from switchboard.ports import Samples, Speech, SttResult
from switchboard.speech.stack import SpeechStack
from switchboard.voice.events import HandoverInfo

#: Rate of the fakes' audio, Hz.
RATE = 16000


def tone(ms: float, *, rate: int = RATE, level: float = 0.3, hz: float = 220.0) -> Samples:
    """A sine of ``ms`` milliseconds at ``rate`` Hz (what :class:`EnergyVad` hears as speech)."""
    t = np.arange(int(rate * ms / 1000)) / rate
    return (level * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def quiet(ms: float, *, rate: int = RATE) -> Samples:
    """``ms`` milliseconds of digital silence at ``rate`` Hz."""
    return np.zeros(int(rate * ms / 1000), dtype=np.float32)


class EnergyVadStream:
    """Per-call state of :class:`EnergyVad`: the partial frame."""

    def __init__(self, vad: EnergyVad) -> None:
        self._vad = vad
        self._pending = np.zeros(0, dtype=np.float32)

    def process(self, samples: Samples) -> list[float]:
        """One probability per completed 512-sample frame: ``high`` if loud, else ``low``."""
        buf = np.concatenate([self._pending, np.nan_to_num(samples.astype(np.float32))])
        n = len(buf) // self._vad.frame_samples
        probs = []
        for i in range(n):
            frame = buf[i * self._vad.frame_samples : (i + 1) * self._vad.frame_samples]
            rms = float(np.sqrt(np.mean(frame**2)))
            probs.append(self._vad.high if rms >= self._vad.rms_threshold else self._vad.low)
        self._pending = buf[n * self._vad.frame_samples :]
        self._vad.frames += n
        return probs


@dataclass
class EnergyVad:
    """A :class:`~switchboard.ports.VAD` that calls a 32 ms frame speech when it is loud.

    Attributes:
        rms_threshold: RMS level (float samples) from which a frame is speech.
        high: probability given to a loud frame; low: to a quiet one.
        frames: frames classified so far (all streams).
    """

    rms_threshold: float = 0.02
    high: float = 0.95
    low: float = 0.02
    sample_rate: int = RATE
    frame_samples: int = 512
    frame_ms: float = 32.0
    frames: int = 0

    def stream(self) -> EnergyVadStream:
        """A fresh per-call state."""
        return EnergyVadStream(self)


@dataclass
class ScriptedStt:
    """A :class:`~switchboard.ports.STT` that returns scripted transcripts in order.

    Attributes:
        script: transcripts to return, one per call; "" once exhausted. A callable
            gets the audio and returns the text instead.
        delay_s: blocking time per transcription (to exercise speculation timing).
        heard_ms: length of each audio it was given, ms, in call order.
        fail: raise this error instead of transcribing, when set.
    """

    script: list[str] | Callable[[Samples], str] = field(default_factory=list)
    delay_s: float = 0.0
    name: str = "scripted"
    sample_rate: int = RATE
    heard_ms: list[float] = field(default_factory=list)
    fail: Exception | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def transcribe(self, audio: Samples) -> SttResult:
        """Return the next scripted transcript for ``audio``."""
        start = time.perf_counter()
        if self.delay_s:
            time.sleep(self.delay_s)
        audio_ms = 1000.0 * len(audio) / self.sample_rate
        with self._lock:
            self.heard_ms.append(audio_ms)
            if self.fail is not None:
                raise self.fail
            if callable(self.script):
                text = self.script(audio)
            else:
                text = self.script.pop(0) if self.script else ""
        return SttResult(text, audio_ms, 1000.0 * (time.perf_counter() - start))


@dataclass
class ToneTts:
    """A :class:`~switchboard.ports.TTS` speaking a tone of ``ms_per_char`` per character.

    Attributes:
        ms_per_char: audio length per character of text, ms.
        sample_rate: rate of the audio it returns, Hz.
        spoken: texts synthesised, in order.
        fail_on: texts for which it raises :class:`~switchboard.errors.TtsError`.
    """

    ms_per_char: float = 10.0
    sample_rate: int = 22050
    name: str = "tone"
    spoken: list[str] = field(default_factory=list)
    fail_on: set[str] = field(default_factory=set)

    def synthesize(self, text: str, locale: Locale) -> Speech:
        """A quiet tone as long as ``text`` would take to say (at ``ms_per_char``)."""
        if text in self.fail_on:
            raise TtsError(f"tone tts refused {text!r}")
        self.spoken.append(text)
        samples = tone(len(text) * self.ms_per_char, rate=self.sample_rate, level=0.1)
        return Speech(samples, self.sample_rate, 0.0)


def listen(session: Any) -> tuple[list[object], asyncio.Task[None]]:
    """Collect a call session's events as they come.

    Args:
        session: anything with an async ``events()`` iterator (a ``CallSession``).

    Returns:
        ``(events, reader)``: the list the events are appended to, in order, and the
        task reading them (it ends when the session's event stream does; await it).
    """
    events: list[object] = []

    async def collect() -> None:
        async for event in session.events():
            events.append(event)

    return events, asyncio.create_task(collect())


def fake_speech_stack(
    transcripts: Iterable[str] = (), *, stt_delay_s: float = 0.0, ms_per_char: float = 10.0
) -> SpeechStack:
    """A ``SpeechStack`` of :class:`EnergyVad`, :class:`ScriptedStt` and :class:`ToneTts`."""
    return SpeechStack(
        vad=EnergyVad(),
        stt=ScriptedStt(list(transcripts), delay_s=stt_delay_s),
        tts=ToneTts(ms_per_char=ms_per_char),
    )


@dataclass
class ScriptedConversation:
    """A :class:`~switchboard.voice.stages.turn.Conversation` answering from a script.

    Each ``handle_turn`` returns the next reply of ``replies`` (a plain answer),
    or hands over when the reply text starts with ``"HANDOVER:"`` (the rest is
    spoken). Raises ``fail`` instead when set. Records every call.

    Attributes:
        replies: reply texts, in order; "" once exhausted.
        turns: (contact id, customer text) received, in order.
        inputs: (input mode, confidence) of each turn, in order.
        events: events recorded (barge-ins...).
        ended: (contact id, status) of each ``end_contact``.
    """

    replies: list[str] = field(default_factory=list)
    locale: Locale = Locale.EN_US
    fail: Exception | None = None
    turns: list[tuple[str, str]] = field(default_factory=list)
    inputs: list[tuple[str, float | None]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    ended: list[tuple[str, ContactStatus]] = field(default_factory=list)
    contacts: int = 0
    #: (contact id, caller's words, reply, offer accepted or None) of each answered offer.
    offers: list[tuple[str, str, str, Any]] = field(default_factory=list)

    def greeting(self, locale: Locale) -> str:
        """The fixed opening line."""
        return "Hello, how can I help?"

    async def start_contact(self, *, locale: Locale, customer_endpoint: str | None) -> str:
        """A new contact id: ``"c1"``, then ``"c2"`` and so on."""
        self.contacts += 1
        return f"c{self.contacts}"

    async def contact_locale(self, contact_id: str) -> Locale:
        """The conversation's locale for any contact."""
        return self.locale

    async def handle_turn(
        self,
        contact_id: str,
        text: str,
        *,
        input_mode: str = "text",
        confidence: float | None = None,
    ) -> AgentReply:
        """Record the turn (and its ``input_mode``/``confidence``); answer the next reply."""
        self.turns.append((contact_id, text))
        self.inputs.append((input_mode, confidence))
        if self.fail is not None:
            raise self.fail
        reply = self.replies.pop(0) if self.replies else ""
        handover = None
        if reply.startswith("HANDOVER:"):
            reply = reply.removeprefix("HANDOVER:").strip()
            summary = ConversationSummary(
                customer_query=text, conversation_turns=len(self.turns), topics_discussed=[],
                information_collected={}, handover_reason=HandoverReason.EXPLICIT_REQUEST,
            )
            handover = Handover(
                reason=HandoverReason.EXPLICIT_REQUEST, message=reply, summary=summary
            )
        return AgentReply(
            contact_id=contact_id, text=reply, route=Route.SMALLTALK,
            action=Action.HANDOVER if handover else Action.ANSWER, handover=handover,
            turn_index=len(self.turns),
        )

    async def handover_info(self, contact_id: str, reason: str) -> HandoverInfo:
        """The general queue, no attributes."""
        return HandoverInfo(reason=reason, queue="GeneralAgentQueue")

    async def end_contact(self, contact_id: str, status: ContactStatus) -> None:
        """Record the ending."""
        self.ended.append((contact_id, status))

    def record(self, event: Event) -> None:
        """Record the event."""
        self.events.append(event)

    async def answer_offer(
        self, contact_id: str, customer_text: str, reply_text: str, offer: Any
    ) -> None:
        """Record the caller's answer to a spoken offer (``offer`` None: declined)."""
        self.offers.append((contact_id, customer_text, reply_text, offer))
