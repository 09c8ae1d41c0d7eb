"""Turn stage: closed caller turns → the conversation → spoken replies, one at a time, in order.

:class:`TurnRunner` is the call's turn worker. Work items (a caller's speech
turn with its pending transcript, DTMF digits, a session prompt, the goodbye
of a silent call) queue up; each is answered in order through a
:class:`Conversation`, the narrow port the voice pipeline needs from the
conversation service (it never imports the agent package nor reads the
store), and spoken through the :class:`~switchboard.voice.stages.speak.Speaker`.
Nothing one turn does ends the call by itself: an agent failure is spoken as
a polite prompt; only a handover, an ended contact or the no-input goodbye end it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from switchboard.domain.types import AgentReply, ContactStatus, Event, EventType, Locale, Source
from switchboard.errors import InputError, SwitchboardError
from switchboard.ports import SttResult
from switchboard.speech.say import say
from switchboard.voice.events import Error, HandoverInfo, Transcript, VoiceEvent
from switchboard.voice.prompts import prompt
from switchboard.voice.spoken import (
    FollowUpOffer,
    is_no,
    is_yes,
    reply_after_offer,
    spoken_reply,
)
from switchboard.voice.stages.speak import Speaker
from switchboard.voice.turns import last_question, unclear

log = logging.getLogger("switchboard.voice")


@runtime_checkable
class Conversation(Protocol):
    """What a voice call needs from the conversation service (one contact's spine).

    :class:`~switchboard.voice.conversation.ServiceConversation` adapts the
    agent service to it; tests may pass any implementation.
    """

    @property
    def locale(self) -> Locale:
        """The service's default locale."""
        ...

    def greeting(self, locale: Locale) -> str:
        """The opening line for a new contact in ``locale``."""
        ...

    async def start_contact(self, *, locale: Locale, customer_endpoint: str | None) -> str:
        """Create a voice contact; return its id."""
        ...

    async def contact_locale(self, contact_id: str) -> Locale:
        """The locale of an existing contact.

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
        """
        ...

    async def handle_turn(
        self,
        contact_id: str,
        text: str,
        *,
        input_mode: str = "text",
        confidence: float | None = None,
    ) -> AgentReply:
        """Run one customer turn (redact, store, answer, validate, decide handover).

        A voice call passes ``input_mode="speech"`` and the recogniser's ``confidence``
        (0..1), recorded on the turn's ``user_input`` event (seed 2).

        Raises:
            InputError: bad text, or the contact has ended ("… has ended").
            SwitchboardError: the agent could not answer.
        """
        ...

    async def handover_info(self, contact_id: str, reason: str) -> HandoverInfo:
        """The queue and attributes of the handover just decided for ``contact_id``."""
        ...

    async def end_contact(self, contact_id: str, status: ContactStatus) -> None:
        """End the contact (a transferred contact keeps ``transferred``)."""
        ...

    def record(self, event: Event) -> None:
        """Add an event to the contact's audit trail (must not raise)."""
        ...

    async def answer_offer(
        self, contact_id: str, customer_text: str, reply_text: str, offer: FollowUpOffer | None
    ) -> None:
        """The caller answered a spoken offer: store both words, record ``offer`` if accepted.

        Raises:
            InputError: bad text, or the contact has ended.
        """
        ...


@dataclass
class TurnTiming:
    """Timings of one caller turn, in ms on the call clock (wall time since the session began).

    ``speech_end_ms`` is the wall time at which the caller's last voiced audio
    frame was spoken, derived from when the frame holding it arrived; with a
    caller streaming in real time, the differences are voice-to-voice latencies.

    Attributes:
        turn: 1-based turn number within the call.
        transcript: the final transcript sent to the agent.
        source: ``"speech"`` or ``"dtmf"``.
        speech_end_ms: end of the caller's speech (last voiced VAD frame).
        closed_ms: when the turn was closed (endpoint, hint or watchdog).
        transcript_ready_ms: when the final transcript was available.
        reply_ready_ms: when the agent's reply text was available.
        first_audio_ms: when the first reply audio byte was emitted.
        close_reason: ``"silence"``, ``"early"`` (complete sentence), ``"hint"``,
            ``"watchdog"``, ``"max_length"``, ``"dtmf"``.
        speculative_hit: True when the speculative transcription was used.
        stt_ms: wall-clock STT time for the final transcript, ms.
        agent_ms: wall-clock ``handle_turn`` time, ms.
        tts_first_ms: wall-clock synthesis time of the first sentence, ms.
        gap_ms: silence inside the reply, ms: how late its later sentences were
            sent after the audio before them had (by estimate) played out.
        confidence: the recogniser's confidence in the transcript (mean word
            probability, 0..1; None for DTMF or an engine without word probabilities).
        no_speech_prob: the recogniser's probability that the audio held no speech.
    """

    turn: int
    transcript: str = ""
    source: str = "speech"
    speech_end_ms: float = 0.0
    closed_ms: float = 0.0
    transcript_ready_ms: float | None = None
    reply_ready_ms: float | None = None
    first_audio_ms: float | None = None
    close_reason: str = "silence"
    speculative_hit: bool = False
    stt_ms: float = 0.0
    agent_ms: float = 0.0
    tts_first_ms: float = 0.0
    gap_ms: float = 0.0
    confidence: float | None = None
    no_speech_prob: float = 0.0

    @property
    def voice_to_voice_ms(self) -> float | None:
        """End of caller speech → first reply audio byte, ms (None if no audio)."""
        if self.first_audio_ms is None:
            return None
        return self.first_audio_ms - self.speech_end_ms


@dataclass
class TurnInput:
    """Work for the turn worker.

    Attributes:
        kind: ``"speech"``, ``"dtmf"``, ``"prompt"`` or ``"goodbye"``.
        timing: the caller turn's timing (speech and DTMF).
        stt: the pending transcript (speech).
        stt_done: call-clock ms when ``stt`` finished (filled by the transcriber).
        text: digits (DTMF) or the prompt to speak.
        start_ms: input time where the utterance began (speech).
        end_ms: input time where it ended (speech).
    """

    kind: str
    timing: TurnTiming | None = None
    stt: Awaitable[SttResult] | None = None
    stt_done: list[float] = field(default_factory=list)
    text: str = ""
    start_ms: float = 0.0
    end_ms: float = 0.0


#: ``finish(reason, handover)``: end the call (cancels the worker too).
Finish = Callable[[str, HandoverInfo | None], Awaitable[None]]


class TurnRunner:
    """The turn worker of one call.

    Args:
        conversation: the conversation port.
        speaker: speaks replies and prompts.
        emit: puts an event on the call's output queue.
        call_ms: the call's wall clock, ms.
        finish: ends the call (``"handover"``, ``"no_speech"``, ``"error"``).
        on_idle: called after each work item (the no-input timer restarts).
        min_confidence: transcripts below this confidence are not answered; the
            caller is asked to repeat (``VoiceSettings.min_confidence``).
    """

    def __init__(
        self,
        conversation: Conversation,
        speaker: Speaker,
        *,
        emit: Callable[[VoiceEvent], None],
        call_ms: Callable[[], float],
        finish: Finish,
        on_idle: Callable[[], None],
        min_confidence: float = 0.0,
    ) -> None:
        self._conversation = conversation
        self._speaker = speaker
        self._emit = emit
        self._call_ms = call_ms
        self._finish = finish
        self._on_idle = on_idle
        self.min_confidence = min_confidence
        self._asked_again = False
        #: The question the agent's last reply (or the greeting) ended on, if it asked one.
        self.last_question: str | None = None
        self._queue: asyncio.Queue[TurnInput | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.contact_id = ""
        self.locale = speaker.locale
        #: Work items queued or running.
        self.pending = 0
        #: Caller turns numbered so far.
        self.turns = 0
        #: Timings of the caller turns answered (or being answered).
        self.timings: list[TurnTiming] = []
        #: The follow-up offered in the last reply, until the caller's next turn.
        self.offer: FollowUpOffer | None = None

    def start(self, contact_id: str, locale: Locale) -> None:
        """Start the worker for ``contact_id``."""
        self.contact_id = contact_id
        self.locale = locale
        self._task = asyncio.create_task(self._run(), name=f"voice-{contact_id}")

    def next_turn(self) -> int:
        """Number the next caller turn (1-based)."""
        self.turns += 1
        return self.turns

    def submit(self, item: TurnInput) -> None:
        """Queue a work item (answered after those already queued)."""
        self.pending += 1
        self._queue.put_nowait(item)

    def cancel(self) -> None:
        """Stop the worker unless it is the task calling (the call ended)."""
        task = self._task
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()

    async def _run(self) -> None:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            try:
                ended = await self.run_one(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the call must survive anything one turn does
                log.exception("voice turn failed", extra={"contact_id": self.contact_id})
                self._emit(Error("agent_failed", f"{type(exc).__name__}: {exc}"))
                ended = False
            finally:
                self.pending -= 1
                self._on_idle()
            if ended:
                return

    async def run_one(self, item: TurnInput) -> bool:
        """Answer one work item; True when the call ended."""
        if item.kind == "prompt":
            kind = "greeting" if self._speaker.replies == 0 else "prompt"
            if kind == "greeting":
                self.last_question = last_question(item.text)
            await self._speaker.speak(item.text, kind=kind)
            return False
        if item.kind == "goodbye":
            await self._speaker.speak(item.text, kind="prompt", interruptible=False)
            await self._finish("no_speech", None)
            return True
        timing = item.timing
        if timing is None:
            raise InputError(f"a {item.kind} turn needs its timing")
        text = await self._transcript(item, timing)
        timing.transcript = text
        self.timings.append(timing)
        if not text.strip():
            self._emit(Transcript("", True, item.kind, item.start_ms, item.end_ms))
            await self._prompt("not_understood", timing)
            return False
        self._emit(Transcript(text, True, item.kind, item.start_ms, item.end_ms))
        if item.kind == "speech":
            why = unclear(text, timing.confidence, timing.no_speech_prob, self.min_confidence)
            if why is not None and not self._asked_again:
                # Not an answer, never a handover on its own: ask the caller to repeat
                # (once: an unclear repeat goes to the agent, so nobody loops).
                self._asked_again = True
                self._record_unclear(text, timing, why)
                await self._prompt("not_understood", timing)
                return False
            self._asked_again = False
        return await self._answer(text, timing, "speech" if item.kind == "speech" else item.kind)

    async def _transcript(self, item: TurnInput, timing: TurnTiming) -> str:
        if item.kind == "speech":
            if item.stt is None:
                raise InputError("a speech turn needs its transcript")
            result = await item.stt
            timing.stt_ms = result.elapsed_ms
            timing.confidence = result.confidence
            timing.no_speech_prob = result.no_speech_prob
            done_at = item.stt_done[0] if item.stt_done else self._call_ms()
            timing.transcript_ready_ms = max(timing.closed_ms, done_at)
            text = result.text
        else:
            text = item.text
        if timing.transcript_ready_ms is None:
            timing.transcript_ready_ms = self._call_ms()
        return text

    def _record_unclear(self, text: str, timing: TurnTiming, why: str) -> None:
        """Put the transcript the call did not act on in the contact's audit trail."""
        self._conversation.record(Event(
            contact_id=self.contact_id, type=EventType.USER_INPUT, source=Source.CUSTOMER,
            data={
                "transcript": text, "input_mode": "speech", "channel": "voice",
                "confidence": None if timing.confidence is None else round(timing.confidence, 3),
                "unclear": why,
            },
        ))
        log.info("voice turn: asked to repeat (%s)", why, extra={"contact_id": self.contact_id})

    async def _answer(self, text: str, timing: TurnTiming, input_mode: str) -> bool:
        started = time.perf_counter()
        offer, self.offer = self.offer, None
        if offer is not None and (is_yes(text, self.locale) or is_no(text, self.locale)):
            return await self._answer_offer(text, offer, timing)
        try:
            reply = await self._conversation.handle_turn(
                self.contact_id, text, input_mode=input_mode, confidence=timing.confidence
            )
        except InputError as exc:
            ended = "ended" in exc.message
            self._emit(Error("contact_ended" if ended else exc.code, exc.message))
            if ended:
                await self._finish("error", None)
                return True
            await self._prompt("not_understood", timing)
            return False
        except SwitchboardError as exc:
            log.warning("voice turn: agent failed: %s", exc, extra={"contact_id": self.contact_id})
            self._emit(Error("agent_failed", exc.message))
            await self._prompt("agent_failed", timing)
            return False
        timing.agent_ms = 1000.0 * (time.perf_counter() - started)
        timing.reply_ready_ms = self._call_ms()
        handover = None
        if reply.handover is not None:
            handover = await self._conversation.handover_info(
                self.contact_id, reply.handover.reason.value
            )
        # The spoken form: ≤ 2 sentences in spoken words, an offer to text the rest.
        spoken = spoken_reply(reply, self.locale)
        self.last_question = last_question(spoken.text)
        await self._speaker.speak(
            spoken.text, kind="turn", turn_index=reply.turn_index, handover=handover,
            timing=timing, interruptible=handover is None,
        )
        _log_timing(self.contact_id, timing)
        if handover is not None:
            await self._finish("handover", handover)
            return True
        self.offer = spoken.offer
        return False

    async def _answer_offer(self, text: str, offer: FollowUpOffer, timing: TurnTiming) -> bool:
        """The caller said yes or no to the offer just made: record it, confirm, go on."""
        accepted = is_yes(text, self.locale)
        reply = reply_after_offer(accepted, self.locale)
        try:
            await self._conversation.answer_offer(
                self.contact_id, text, reply, offer if accepted else None
            )
        except SwitchboardError as exc:
            log.warning("voice: offer answer not stored: %s", exc,
                        extra={"contact_id": self.contact_id})
            self._emit(Error(exc.code, exc.message))
        timing.reply_ready_ms = self._call_ms()
        await self._speaker.speak(say(reply, self.locale), kind="turn", timing=timing)
        return False

    async def _prompt(self, key: str, timing: TurnTiming) -> None:
        await self._speaker.speak(prompt(key, self.locale), kind="prompt", timing=timing)


def _log_timing(contact_id: str, t: TurnTiming) -> None:
    """One INFO line per answered turn with its stage times, ms (read by bench/voice_socket.py)."""
    if not log.isEnabledFor(logging.INFO) or t.first_audio_ms is None:
        return

    def since(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else round(a - b, 1)

    log.info("voice turn timing", extra={"contact_id": contact_id, "data": {
        "turn": t.turn, "close_reason": t.close_reason, "speculative_hit": t.speculative_hit,
        "confidence": None if t.confidence is None else round(t.confidence, 3),
        "no_speech_prob": round(t.no_speech_prob, 3),
        "endpoint_ms": since(t.closed_ms, t.speech_end_ms),
        "stt_wait_ms": since(t.transcript_ready_ms, t.closed_ms),
        "stt_ms": round(t.stt_ms, 1),
        "agent_ms": since(t.reply_ready_ms, t.transcript_ready_ms),
        "tts_first_ms": round(t.tts_first_ms, 1),
        "gap_ms": round(t.gap_ms, 1),
        "speak_ms": since(t.first_audio_ms, t.reply_ready_ms),
        "v2v_ms": since(t.first_audio_ms, t.speech_end_ms),
    }})
