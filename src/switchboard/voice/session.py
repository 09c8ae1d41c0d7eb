"""``CallSession``: one voice call driving the text agent's turn loop.

This is the interface every voice transport adapts to (``WS /v1/voice``,
``WS /v1/twilio/media``, ``WS /connect/{call_id}``, ``switchboard call``).
A transport's whole job is::

    speech = await SpeechStack.load()                 # once per process (models)
    session = CallSession(service, speech, locale=Locale.EN_US,
                          input_spec=MULAW_8K, output_spec=MULAW_8K)
    await session.start()                             # creates the contact, speaks the greeting
    # reader task: for each inbound frame
    await session.feed_audio(raw_bytes)               # any length, input_spec encoding
    await session.dtmf("5")                           # a keypad digit
    await session.end_of_utterance()                  # client hint (seed 4 endOfUtterance)
    await session.playback_done("r2-s0")              # a Mark came back from the client
    # writer task
    async for event in session.events(): ...          # AudioOut, Clear, Mark, Transcript, ...
    await session.close()                             # caller hung up / socket closed

Inside, per call, the stages of :mod:`switchboard.voice.stages`: decode
(μ-law → PCM) and resample to 16 kHz (soxr) [``AudioInput``] → VAD on 32 ms
frames and endpointing (``VoiceSettings.silence_ms`` of silence closes the
turn; seed 4's 2 s watchdog closes it when audio stops arriving; a client
``endOfUtterance`` closes it at once) [``Listener``] → speculative
transcription at the first pause (kept when the customer stays silent,
discarded when they go on) [``Transcriber``] → the conversation's
``handle_turn`` [``TurnRunner`` over the ``Conversation`` port] → TTS sentence
by sentence → resample/encode to the output spec → ``AudioOut`` chunks with a
``Mark`` after each sentence [``Speaker``]. VAD, STT and TTS are the ports of
:mod:`switchboard.ports` (``SpeechStack`` holds the shipped adapters).

Barge-in: caller speech while reply audio is playing emits :class:`Clear`
within ``VoiceSettings.barge_in_ms`` of input audio time; the reply is recorded
as interrupted with the text actually heard (see :class:`Clear`).

All methods are coroutine-safe for one reader and one writer task. Nothing a
caller sends ends the session by itself: undecodable audio yields an
``Error(code="bad_audio")``, silence yields polite prompts; the contact and its
transcript (stored by ``handle_turn``) always survive.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from switchboard.domain.types import ContactStatus, Event, EventType, Locale, Source
from switchboard.errors import InputError, SwitchboardError
from switchboard.voice.conversation import ServiceConversation, ServiceLike, as_conversation
from switchboard.voice.endpoint import EndpointEvent, Onset, Pause, Resume, SpeechStart, TurnEnd
from switchboard.voice.events import (
    MOVED,
    MULAW_8K,
    AudioSpec,
    CallEnded,
    Error,
    HandoverInfo,
    VoiceEvent,
    until_call_ended,
)
from switchboard.voice.playback import Playback
from switchboard.voice.prompts import no_input, prompt
from switchboard.voice.recording import RATE as RECORDING_RATE
from switchboard.voice.recording import CallRecorder, RecordingStore
from switchboard.voice.settings import VoiceSettings
from switchboard.voice.stages.input import AudioInput
from switchboard.voice.stages.listen import Listener
from switchboard.voice.stages.speak import Speaker
from switchboard.voice.stages.timers import DTMF_DIGITS, DtmfCollector, NoInputTimer
from switchboard.voice.stages.transcribe import Transcriber
from switchboard.voice.stages.turn import Conversation, TurnInput, TurnRunner, TurnTiming

if TYPE_CHECKING:
    from switchboard.speech.stack import SpeechStack

__all__ = ["CallSession", "TurnTiming"]

log = logging.getLogger("switchboard.voice")

#: Trailing audio kept after the end of speech for the final transcription, ms.
_TAIL_MS = 200.0


class CallSession:
    """One voice call: audio in, agent turns, audio and events out.

    Args:
        service: the conversation: the running agent service (adapted by
            :class:`~switchboard.voice.conversation.ServiceConversation`) or any
            :class:`~switchboard.voice.stages.turn.Conversation`.
        speech: the VAD, STT and TTS ports, shared by every call of the process.
        locale: the contact's locale (default: the service's).
        input_spec: encoding/rate of audio given to :meth:`feed_audio`.
        output_spec: encoding/rate of :class:`AudioOut` chunks.
        settings: endpointing, watchdog, barge-in and prompt settings.
        customer_endpoint: caller number or id, stored on the contact.
        contact_id: continue an existing contact instead of creating one.
        end_on_handover: end the contact when the call hands over (False when the
            transport keeps the caller on the line for a human agent, who ends it).
        recordings: where to record the call (default: the service's store when
            ``settings.record_calls``; see :mod:`switchboard.voice.recording`).
    """

    def __init__(
        self,
        service: Conversation | ServiceLike,
        speech: SpeechStack,
        *,
        locale: Locale | None = None,
        input_spec: AudioSpec = MULAW_8K,
        output_spec: AudioSpec = MULAW_8K,
        settings: VoiceSettings | None = None,
        customer_endpoint: str | None = None,
        contact_id: str | None = None,
        end_on_handover: bool = True,
        recordings: RecordingStore | None = None,
    ) -> None:
        self._conversation = as_conversation(service)
        self._end_on_handover = end_on_handover
        self.locale = locale or self._conversation.locale
        self.input_spec = input_spec
        self.output_spec = output_spec
        self.settings = s = settings or _voice_settings(self._conversation)
        self._customer_endpoint = customer_endpoint
        self._contact_id = contact_id
        self._queue: asyncio.Queue[VoiceEvent] = asyncio.Queue()
        self._ended = False
        self._watchdog: asyncio.Task[None] | None = None
        self._input = AudioInput(
            input_spec, pre_roll_ms=s.pre_roll_ms, idle_keep_ms=s.pre_roll_ms + 2 * s.min_speech_ms
        )
        self._listener = Listener(speech.vad, s)
        self._stt = Transcriber(
            speech.stt, self.call_ms, pool=getattr(speech, "pool", None),
            speculation_slack_ms=s.early_silence_ms - s.speculate_ms,
        )
        self._speaker = Speaker(
            speech.tts, output_spec, chunk_ms=s.chunk_ms, emit=self._emit,
            input_ms=lambda: self.input_ms, call_ms=self.call_ms,
            caller_speech=self._caller_speech, on_barge_in=self._record_barge_in,
            locale=self.locale, pool=getattr(speech, "pool", None),
        )
        self._turns = TurnRunner(
            self._conversation, self._speaker, emit=self._emit, call_ms=self.call_ms,
            finish=self._finish, on_idle=self._touch, min_confidence=s.min_confidence,
        )
        self._dtmf = DtmfCollector(s.dtmf_timeout_ms, self._submit_dtmf)
        self._no_input = NoInputTimer(s.no_input_ms, s.max_no_input_prompts)
        self._recordings = recordings
        #: The call's recorder (None unless recording is on); a human agent's bridge
        #: writes its leg with ``recorder.write("agent", pcm16, rate)``.
        self.recorder: CallRecorder | None = None

    # ----------------------------------------------------------------- properties

    @property
    def contact_id(self) -> str:
        """The contact holding this call's transcript (set by :meth:`start`).

        Raises:
            InputError: :meth:`start` has not run yet.
        """
        if self._contact_id is None:
            raise InputError("the call has not started")
        return self._contact_id

    @property
    def input_ms(self) -> float:
        """Input audio time fed so far, ms."""
        return self._input.input_ms

    @property
    def timings(self) -> list[TurnTiming]:
        """Per-turn timings so far (for ``switchboard call`` and the bench)."""
        return list(self._turns.timings)

    @property
    def speculation_ready(self) -> bool:
        """True when a speculative transcript of the open utterance has finished."""
        return self._stt.ready

    @property
    def speculations(self) -> int:
        """Speculative transcriptions started so far."""
        return self._stt.speculations

    @property
    def speculations_discarded(self) -> int:
        """Speculative transcriptions thrown away (the caller went on)."""
        return self._stt.discarded

    @property
    def busy(self) -> bool:
        """True while the caller is speaking or a turn/prompt is queued or being answered."""
        return self._turns.pending > 0 or self._listener.in_speech or self._dtmf.pending

    @property
    def ended(self) -> bool:
        """True once :class:`CallEnded` has been emitted."""
        return self._ended

    def call_ms(self) -> float:
        """Wall-clock ms since the session was created (the clock of :class:`TurnTiming`)."""
        return self._input.call_ms()

    # ----------------------------------------------------------------- lifecycle

    async def start(self, *, greet: bool = True, opening: str | None = None) -> str:
        """Create (or resume) the contact and speak the greeting.

        ``opening``: said instead of the greeting (e.g. the "we were cut off" prompt
        of a call resumed on another replica); only with ``greet``.

        Returns:
            The contact id.

        Raises:
            switchboard.errors.UnknownContactError: ``contact_id`` was given and does not exist.
        """
        if self._contact_id is None:
            self._contact_id = await self._conversation.start_contact(
                locale=self.locale, customer_endpoint=self._customer_endpoint
            )
        else:
            self.locale = await self._conversation.contact_locale(self._contact_id)
        self._speaker.locale = self.locale
        self._start_recording(self._contact_id)
        self._turns.start(self._contact_id, self.locale)
        self._watchdog = asyncio.create_task(self._run_watchdog(), name="voice-watchdog")
        if greet:
            opening = opening or self._conversation.greeting(self.locale)
            if self.recorder is not None:  # the caller is told first (seed 1, 5)
                opening = f"{prompt('recording_notice', self.locale)} {opening}"
            self._turns.submit(TurnInput("prompt", text=opening))
        return self._contact_id

    def _start_recording(self, contact_id: str) -> None:
        """Record the call when the deployment opted in and recordings can be sealed."""
        if not self.settings.record_calls:
            return
        store = self._recordings
        if store is None and isinstance(self._conversation, ServiceConversation):
            store = self._conversation.recording_store()
        if store is None:
            log.warning("record_calls is on but there is no envelope to seal recordings: "
                        "this call is not recorded", extra={"contact_id": contact_id})
            return
        recorder = CallRecorder(store, contact_id)
        self.recorder = recorder
        self._speaker.on_audio = lambda samples, rate, at_ms: recorder.write(
            "bot", samples, rate, at_ms=at_ms
        )

    async def close(self, reason: str = "hangup") -> None:
        """End the call: cancel pending work, end the contact, emit :class:`CallEnded`.

        Idempotent. A contact handed over keeps its ``transferred`` status.
        """
        await self._finish(reason, None)

    def events(self) -> AsyncIterator[VoiceEvent]:
        """Iterate output events until (and including) :class:`CallEnded`.

        Only one consumer per session.
        """
        return until_call_ended(self._queue)

    # ----------------------------------------------------------------- input

    async def feed_audio(self, data: bytes) -> None:
        """Give the session caller audio in ``input_spec`` (any length, may be empty).

        Never raises for bad content: a PCM16 frame with an odd byte count keeps its
        last byte for the next frame; audio fed after the call ended is ignored.

        Raises:
            InputError: ``data`` is not bytes-like.
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InputError(f"audio must be bytes, got {type(data).__name__}")
        if self._ended or self._contact_id is None:
            return
        x16 = self._input.push(bytes(data))
        if x16 is None:
            return
        if self.recorder is not None:
            self.recorder.write("caller", x16, self._input.rate)
        for events in self._listener.frames(x16):
            for event in events:
                await self._on_endpoint(event)
            await self._maybe_close_early()
        self._input.trim(self._listener.start_ms if self._listener.in_speech else None)
        self._check_no_input(self.input_ms)

    async def dtmf(self, digit: str) -> None:
        """A keypad digit (``0-9``, ``*``, ``#``, ``A-D``).

        Digits collect until ``#`` or ``VoiceSettings.dtmf_timeout_ms`` without a
        new digit; then they go to the agent as the caller's turn (e.g. ``"1234"``).
        A digit also barges in on an interruptible reply. An invalid digit yields
        ``Error(code="invalid_input")``.
        """
        if self._ended or self._contact_id is None:
            return
        if not isinstance(digit, str) or digit not in DTMF_DIGITS:
            self._emit(Error("invalid_input", f"not a DTMF digit: {digit!r}"))
            return
        self._speaker.barge_in(self.input_ms, self.input_ms)
        self._no_input.heard()
        self._no_input.touch(self._input.clock_ms())
        self._dtmf.press(digit)

    async def end_of_utterance(self) -> None:
        """Client hint that the caller stopped talking (seed 4 ``endOfUtterance``).

        Closes the caller's turn now if speech is pending; otherwise does nothing.
        """
        event = self._listener.force_close("hint")
        if event is not None:
            await self._on_endpoint(event)

    async def playback_done(self, mark: str) -> None:
        """The client played audio up to ``mark`` (a :class:`Mark` name echoed back)."""
        self._speaker.ack(mark)

    # ----------------------------------------------------------------- endpointing

    async def _on_endpoint(self, event: EndpointEvent) -> None:
        if isinstance(event, Onset | SpeechStart):
            self._no_input.heard()
            # Decided on input received so far: input_ms (≥ the VAD's frame clock).
            self._speaker.barge_in(event.start_ms, self.input_ms)
        elif isinstance(event, Pause):
            start, now = self._listener.start_ms, self._listener.now_ms
            self._stt.speculate(start, self._input.slice(start, now), now)
        elif isinstance(event, Resume):
            self._stt.resume()
        else:
            self._close_turn(event)

    async def _maybe_close_early(self) -> None:
        """Close the turn after ``early_silence_ms`` if the speculation is a full sentence."""
        early = self.settings.early_silence_ms
        if not early or self._listener.silent_ms < early or not self._stt.complete_sentence():
            return
        event = self._listener.force_close("early")
        if event is not None:
            await self._on_endpoint(event)

    def _close_turn(self, end: TurnEnd) -> None:
        timing = TurnTiming(
            turn=self._turns.next_turn(),
            speech_end_ms=self._input.call_ms_of_input(end.end_ms),
            closed_ms=self.call_ms(),
            close_reason=end.why,
        )
        pending = self._stt.final(
            end.start_ms,
            lambda: self._input.slice(end.start_ms, min(end.closed_ms, end.end_ms + _TAIL_MS)),
            end.end_ms,
        )
        timing.speculative_hit = pending.speculative
        self._touch()
        self._turns.submit(TurnInput(
            "speech", timing, pending.result, stt_done=pending.done_ms,
            start_ms=end.start_ms, end_ms=end.end_ms,
        ))

    def _caller_speech(self) -> float | None:
        return self._listener.start_ms if self._listener.in_speech else None

    def _submit_dtmf(self, digits: str) -> None:
        now = self.call_ms()
        timing = TurnTiming(
            turn=self._turns.next_turn(), source="dtmf", speech_end_ms=now, closed_ms=now,
            transcript_ready_ms=now, close_reason="dtmf",
        )
        self._turns.submit(TurnInput("dtmf", timing, text=digits))

    # ----------------------------------------------------------------- timers

    async def _run_watchdog(self) -> None:
        """Seed 4's server watchdog and the no-input timer, on the wall clock."""
        tick = 0.1
        while not self._ended:
            await asyncio.sleep(tick)
            silent_s = time.perf_counter() - self._input.last_feed_wall
            if self._listener.in_speech and silent_s >= self.settings.watchdog_s:
                event = self._listener.force_close("watchdog")
                if event is not None:
                    log.info("watchdog closed the turn after %.1f s without audio", silent_s)
                    await self._on_endpoint(event)
            self._check_no_input(self._input.clock_ms())

    def _check_no_input(self, now_ms: float) -> None:
        """Prompt a silent caller; end the call after ``max_no_input_prompts`` prompts."""
        if self._ended or self.busy:
            return
        if self._speaker.current is not None:
            if not self._speaker.still_playing():
                # The reply has just finished playing: the caller's silence counts from now.
                self._touch()
            return
        due = self._no_input.due(now_ms)
        if due == "goodbye_no_input":
            self._turns.submit(TurnInput("goodbye", text=prompt(due, self.locale)))
        elif due is not None:
            # Repeat the question the agent is waiting on (issue 12 item 7).
            text = no_input(self.locale, self._turns.last_question)
            self._turns.submit(TurnInput("prompt", text=text))

    def _touch(self) -> None:
        self._no_input.touch(self._input.clock_ms())

    # ----------------------------------------------------------------- ending

    async def _finish(self, reason: str, handover: HandoverInfo | None) -> None:
        if self._ended:
            return
        self._ended = True
        self._speaker.cancel()
        self._dtmf.cancel()
        watchdog = self._watchdog
        if watchdog is not None and watchdog is not asyncio.current_task():
            watchdog.cancel()
        self._turns.cancel()
        self._stt.cancel()
        held = reason == "handover" and not self._end_on_handover
        if not held:  # a held caller's recorder goes on with the human line (human_line.py)
            await self._store_recording()
        # a held caller's contact goes on with the human line; a moved call's on another
        # replica (the socket was drained, the caller reconnects elsewhere)
        if self._contact_id is not None and not held and reason != MOVED:
            status = ContactStatus.ABANDONED if reason == "no_speech" else ContactStatus.RESOLVED
            try:
                await self._conversation.end_contact(self._contact_id, status)
            except SwitchboardError as exc:
                log.warning(
                    "could not end contact: %s", exc, extra={"contact_id": self._contact_id}
                )
        self._emit(CallEnded(reason, self._contact_id or "", handover))

    async def _store_recording(self) -> None:
        """Seal and store the legs; link each from the contact with a ``recording`` event."""
        recorder = self.recorder
        if recorder is None or recorder.closed:
            return
        try:
            stored = await asyncio.to_thread(recorder.close)
        except OSError as exc:
            log.error("call recording not stored: %s", exc,
                      extra={"contact_id": recorder.contact_id})
            return
        for leg in stored:
            self._conversation.record(Event(
                contact_id=recorder.contact_id, type=EventType.RECORDING, source=Source.SYSTEM,
                data={"leg": leg.leg, "key": leg.key, "duration_ms": round(leg.duration_ms, 1),
                      "sample_rate": RECORDING_RATE, "bytes": leg.bytes},
            ))

    # ----------------------------------------------------------------- helpers

    def _emit(self, event: VoiceEvent) -> None:
        self._queue.put_nowait(event)

    def _record_barge_in(self, pb: Playback, heard: str, start_ms: float, at_ms: float) -> None:
        """Add the barge-in to the contact's audit trail (and cut the unheard reply audio)."""
        if self.recorder is not None:
            self.recorder.cut("bot", at_ms)
        if self._contact_id is None:
            return
        self._conversation.record(Event(
            contact_id=self._contact_id, type=EventType.BARGE_IN, source=Source.SYSTEM,
            data={
                "reply_id": pb.reply_id, "reply_text": pb.text, "heard_text": heard,
                "interrupted": True, "speech_start_ms": round(start_ms, 1),
                "clear_at_ms": round(at_ms, 1),
            },
        ))


def _voice_settings(conversation: Conversation) -> VoiceSettings:
    """The service's voice settings when the conversation knows them, else defaults."""
    if isinstance(conversation, ServiceConversation):
        return conversation.voice_settings()
    return VoiceSettings()
