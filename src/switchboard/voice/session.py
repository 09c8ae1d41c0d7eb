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

Inside, per call: decode (μ-law → PCM) and resample to 16 kHz (soxr) → Silero
VAD on 32 ms frames → endpointing (``VoiceSettings.silence_ms`` of silence
closes the turn; seed 4's 2 s watchdog closes it when audio stops arriving; a
client ``endOfUtterance`` closes it at once) → speculative faster-whisper
transcription at the first pause (kept when the customer stays silent,
discarded when they go on) → ``AgentService.handle_turn`` (unchanged) → TTS
sentence by sentence → resample/encode to the output spec → ``AudioOut`` chunks
with a ``Mark`` after each sentence.

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
from collections import deque
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from switchboard.domain.attributes import queue_for
from switchboard.domain.types import Channel, ContactStatus, Event, EventType, Locale, Source
from switchboard.errors import InputError, SwitchboardError
from switchboard.speech.audio import MODEL_RATE, Float32, Resampler, decode, encode, resample
from switchboard.speech.stt import SttResult
from switchboard.speech.tts import TtsError, split_sentences
from switchboard.voice.endpoint import (
    Endpointer,
    EndpointEvent,
    Onset,
    Pause,
    Resume,
    SpeechStart,
    TurnEnd,
)
from switchboard.voice.events import (
    MULAW_8K,
    AudioFormat,
    AudioOut,
    AudioSpec,
    CallEnded,
    Clear,
    Error,
    HandoverInfo,
    Mark,
    ReplyText,
    Transcript,
    VoiceEvent,
)
from switchboard.voice.playback import Playback
from switchboard.voice.prompts import prompt
from switchboard.voice.settings import VoiceSettings
from switchboard.voice.turns import looks_complete

if TYPE_CHECKING:
    from switchboard.agent.service import AgentService
    from switchboard.speech.stack import SpeechStack

log = logging.getLogger("switchboard.voice")

_DTMF_DIGITS = frozenset("0123456789*#ABCD")
#: Trailing audio kept after the end of speech for the final transcription, ms.
_TAIL_MS = 200.0


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

    @property
    def voice_to_voice_ms(self) -> float | None:
        """End of caller speech → first reply audio byte, ms (None if no audio)."""
        if self.first_audio_ms is None:
            return None
        return self.first_audio_ms - self.speech_end_ms


@dataclass
class _Speculation:
    """A transcription started at the first pause of an utterance."""

    start_ms: float
    task: asyncio.Future[SttResult]
    done_wall: list[float] = field(default_factory=list)


@dataclass
class _TurnInput:
    """Work for the turn worker: a closed caller turn, DTMF digits or a session prompt."""

    kind: str  # "speech" | "dtmf" | "prompt" | "goodbye"
    timing: TurnTiming | None = None
    stt: Awaitable[SttResult] | None = None
    stt_done: list[float] = field(default_factory=list)
    text: str = ""
    start_ms: float = 0.0
    end_ms: float = 0.0


class CallSession:
    """One voice call: audio in, agent turns, audio and events out.

    Args:
        service: the running :class:`AgentService` (its turn loop is used unchanged).
        speech: loaded speech models (VAD, STT, TTS), shared by every call of the process.
        locale: the contact's locale (default: the service's).
        input_spec: encoding/rate of audio given to :meth:`feed_audio`.
        output_spec: encoding/rate of :class:`AudioOut` chunks.
        settings: endpointing, watchdog, barge-in and prompt settings.
        customer_endpoint: caller number or id, stored on the contact.
        contact_id: continue an existing contact instead of creating one.
    """

    def __init__(
        self,
        service: AgentService,
        speech: SpeechStack,
        *,
        locale: Locale | None = None,
        input_spec: AudioSpec = MULAW_8K,
        output_spec: AudioSpec = MULAW_8K,
        settings: VoiceSettings | None = None,
        customer_endpoint: str | None = None,
        contact_id: str | None = None,
    ) -> None:
        self._service = service
        self._speech = speech
        self.locale = locale or service.settings.locale
        self.input_spec = input_spec
        self.output_spec = output_spec
        self.settings = settings or _service_voice_settings(service)
        self._customer_endpoint = customer_endpoint
        self._contact_id = contact_id
        self._queue: asyncio.Queue[VoiceEvent] = asyncio.Queue()
        self._vad = speech.vad.stream()
        self._ep = Endpointer(self.settings)
        self._in_rs = Resampler(input_spec.sample_rate, MODEL_RATE)
        self._carry = b""
        self._input_samples = 0
        self._buf: Float32 = np.zeros(0, dtype=np.float32)
        self._buf_start = 0  # absolute 16 kHz sample index of _buf[0]
        self._buf_end = 0  # absolute 16 kHz sample index after the last sample
        self._feeds: deque[tuple[float, float]] = deque(maxlen=2000)
        self._t0 = time.perf_counter()
        self._last_feed_wall = self._t0
        self._turns: asyncio.Queue[_TurnInput | None] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._speak_task: asyncio.Task[None] | None = None
        self._dtmf_task: asyncio.Task[None] | None = None
        self._spec: _Speculation | None = None
        self._current: Playback | None = None
        self._reply_seq = 0
        self._turn_seq = 0
        self._timings: list[TurnTiming] = []
        self._dtmf_digits: list[str] = []
        self._busy = 0  # turn inputs queued or running
        self._last_activity_ms = 0.0
        self._no_input_prompts = 0
        self._ended = False
        self.speculations = 0
        self.speculations_discarded = 0

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
        return 1000.0 * self._input_samples / self.input_spec.sample_rate

    @property
    def timings(self) -> list[TurnTiming]:
        """Per-turn timings so far (for ``switchboard call`` and the bench)."""
        return list(self._timings)

    @property
    def speculation_ready(self) -> bool:
        """True when a speculative transcript of the open utterance has finished."""
        return self._spec is not None and self._spec.task.done()

    @property
    def busy(self) -> bool:
        """True while the caller is speaking or a turn/prompt is queued or being answered."""
        return self._busy > 0 or self._ep.in_speech or bool(self._dtmf_digits)

    @property
    def ended(self) -> bool:
        """True once :class:`CallEnded` has been emitted."""
        return self._ended

    def call_ms(self) -> float:
        """Wall-clock ms since the session was created (the clock of :class:`TurnTiming`)."""
        return 1000.0 * (time.perf_counter() - self._t0)

    # ----------------------------------------------------------------- lifecycle

    async def start(self, *, greet: bool = True) -> str:
        """Create (or resume) the contact and speak the greeting.

        Returns:
            The contact id.

        Raises:
            switchboard.errors.UnknownContactError: ``contact_id`` was given and does not exist.
        """
        if self._contact_id is None:
            contact = await self._service.start_contact(
                channel=Channel.VOICE, locale=self.locale,
                customer_endpoint=self._customer_endpoint,
            )
            self._contact_id = contact.contact_id
        else:
            self.locale = self._service.store.get_contact(self._contact_id).locale
        self._worker = asyncio.create_task(self._run_turns(), name=f"voice-{self._contact_id}")
        self._watchdog = asyncio.create_task(self._run_watchdog(), name="voice-watchdog")
        if greet:
            self._submit(_TurnInput("prompt", text=self._service.greeting(self.locale)))
        return self._contact_id

    async def close(self, reason: str = "hangup") -> None:
        """End the call: cancel pending work, end the contact, emit :class:`CallEnded`.

        Idempotent. A contact handed over keeps its ``transferred`` status.
        """
        await self._finish(reason, None)

    def events(self) -> AsyncIterator[VoiceEvent]:
        """Iterate output events until (and including) :class:`CallEnded`.

        Only one consumer per session.
        """
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[VoiceEvent]:
        while True:
            event = await self._queue.get()
            yield event
            if isinstance(event, CallEnded):
                return

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
        raw = self._carry + bytes(data)
        if self.input_spec.format is AudioFormat.PCM16 and len(raw) % 2:
            raw, self._carry = raw[:-1], raw[-1:]
        else:
            self._carry = b""
        if not raw:
            return
        samples = decode(raw, self.input_spec)
        self._input_samples += len(samples)
        self._last_feed_wall = time.perf_counter()
        self._feeds.append((self.input_ms, self._last_feed_wall))
        x16 = self._in_rs.process(samples)
        self._buf = np.concatenate([self._buf, x16])
        self._buf_end += len(x16)
        for prob in self._vad.process(x16):
            for event in self._ep.push(prob):
                await self._on_endpoint(event)
            await self._maybe_close_early()
        self._trim_buffer()
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
        if not isinstance(digit, str) or digit not in _DTMF_DIGITS:
            self._emit(Error("invalid_input", f"not a DTMF digit: {digit!r}"))
            return
        self._barge_in(self.input_ms, self.input_ms)
        self._no_input_prompts = 0
        self._last_activity_ms = self._clock_ms()
        if self._dtmf_task is not None:
            self._dtmf_task.cancel()
            self._dtmf_task = None
        if digit == "#":
            self._submit_dtmf()
            return
        self._dtmf_digits.append(digit)
        self._dtmf_task = asyncio.create_task(self._dtmf_timeout())

    async def end_of_utterance(self) -> None:
        """Client hint that the caller stopped talking (seed 4 ``endOfUtterance``).

        Closes the caller's turn now if speech is pending; otherwise does nothing.
        """
        event = self._ep.force_close("hint")
        if event is not None:
            await self._on_endpoint(event)

    async def playback_done(self, mark: str) -> None:
        """The client played audio up to ``mark`` (a :class:`Mark` name echoed back)."""
        if self._current is not None:
            self._current.ack(mark)

    # ----------------------------------------------------------------- endpointing

    async def _on_endpoint(self, event: EndpointEvent) -> None:
        if isinstance(event, Onset | SpeechStart):
            self._no_input_prompts = 0
            # Decided on input received so far: input_ms (≥ the VAD's frame clock).
            self._barge_in(event.start_ms, self.input_ms)
        elif isinstance(event, Pause):
            self._speculate(event)
        elif isinstance(event, Resume):
            if self._spec is not None:
                self.speculations_discarded += 1
                self._spec = None
        else:
            self._close_turn(event)

    async def _maybe_close_early(self) -> None:
        """Close the turn after ``early_silence_ms`` if the speculation is a full sentence."""
        spec = self._spec
        early = self.settings.early_silence_ms
        if (
            spec is None
            or not early
            or not spec.task.done()
            or spec.task.cancelled()
            or self._ep.silent_ms < early
            or spec.task.exception() is not None
        ):
            return
        if looks_complete(spec.task.result().text):
            event = self._ep.force_close("early")
            if event is not None:
                await self._on_endpoint(event)

    def _speculate(self, pause: Pause) -> None:
        """Start transcribing what was said so far (kept if the caller stays silent)."""
        audio = self._slice(self._ep_start_ms(), self._ep.now_ms)
        done: list[float] = []
        task = asyncio.ensure_future(self._transcribe(audio, done))
        self._spec = _Speculation(self._ep_start_ms(), task, done)
        self.speculations += 1

    def _close_turn(self, end: TurnEnd) -> None:
        self._turn_seq += 1
        timing = TurnTiming(
            turn=self._turn_seq,
            speech_end_ms=self._call_ms_of_input(end.end_ms),
            closed_ms=self.call_ms(),
            close_reason=end.why,
        )
        spec = self._spec
        self._spec = None
        stt: Awaitable[SttResult]
        if spec is not None and spec.start_ms == end.start_ms:
            timing.speculative_hit = True
            stt = spec.task
            done = spec.done_wall
        else:
            if spec is not None:
                self.speculations_discarded += 1
            done = []
            stt = asyncio.ensure_future(
                self._transcribe(
                    self._slice(end.start_ms, min(end.closed_ms, end.end_ms + _TAIL_MS)), done
                )
            )
        self._last_activity_ms = self._clock_ms()
        self._submit(
            _TurnInput(
                "speech", timing, stt, stt_done=done, start_ms=end.start_ms, end_ms=end.end_ms
            )
        )

    def _ep_start_ms(self) -> float:
        return self._ep.start_ms

    async def _transcribe(self, audio: Float32, done: list[float]) -> SttResult:
        result = await asyncio.to_thread(self._speech.stt.transcribe, audio)
        done.append(self.call_ms())
        return result

    # ----------------------------------------------------------------- barge-in

    def _barge_in(self, speech_start_ms: float, at_ms: float) -> None:
        """Stop an interruptible reply the caller speaks (or keys) over."""
        pb = self._current
        if pb is None or not pb.interruptible:
            return
        wall = time.perf_counter()
        if not pb.playing(self.input_ms, wall):
            return
        heard = pb.heard_text(self.input_ms, wall)
        if self._speak_task is not None and not self._speak_task.done():
            self._speak_task.cancel()
        pb.done_sending = True
        self._current = None
        self._emit(Clear(pb.reply_id, heard, speech_start_ms, at_ms))
        self._record(EventType.BARGE_IN, {
            "reply_id": pb.reply_id, "reply_text": pb.text, "heard_text": heard,
            "interrupted": True, "speech_start_ms": round(speech_start_ms, 1),
            "clear_at_ms": round(at_ms, 1),
        })

    # ----------------------------------------------------------------- turns

    def _submit(self, item: _TurnInput) -> None:
        self._busy += 1
        self._turns.put_nowait(item)

    def _submit_dtmf(self) -> None:
        digits = "".join(self._dtmf_digits)
        self._dtmf_digits.clear()
        if not digits:
            return
        self._turn_seq += 1
        now = self.call_ms()
        timing = TurnTiming(
            turn=self._turn_seq, source="dtmf", speech_end_ms=now, closed_ms=now,
            transcript_ready_ms=now, close_reason="dtmf",
        )
        self._submit(_TurnInput("dtmf", timing, text=digits))

    async def _dtmf_timeout(self) -> None:
        await asyncio.sleep(self.settings.dtmf_timeout_ms / 1000.0)
        self._dtmf_task = None
        self._submit_dtmf()

    async def _run_turns(self) -> None:
        """The turn worker: one caller turn (or session prompt) at a time, in order."""
        while True:
            item = await self._turns.get()
            if item is None:
                return
            try:
                ended = await self._run_one(item)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the call must survive anything one turn does
                log.exception("voice turn failed", extra={"contact_id": self._contact_id})
                self._emit(Error("agent_failed", f"{type(exc).__name__}: {exc}"))
                ended = False
            finally:
                self._busy -= 1
                self._last_activity_ms = self._clock_ms()
            if ended:
                return

    async def _run_one(self, item: _TurnInput) -> bool:
        """Run one work item; True when the call ended."""
        if item.kind == "prompt":
            kind = "greeting" if self._reply_seq == 0 else "prompt"
            await self._speak(item.text, kind=kind)
            return False
        if item.kind == "goodbye":
            await self._speak(item.text, kind="prompt", interruptible=False)
            await self._finish("no_speech", None)
            return True
        timing = item.timing
        assert timing is not None
        if item.kind == "speech":
            assert item.stt is not None
            result = await item.stt
            text = result.text
            timing.stt_ms = result.elapsed_ms
            done_at = item.stt_done[0] if item.stt_done else self.call_ms()
            timing.transcript_ready_ms = max(timing.closed_ms, done_at)
        else:
            text = item.text
        if timing.transcript_ready_ms is None:
            timing.transcript_ready_ms = self.call_ms()
        timing.transcript = text
        self._timings.append(timing)
        if not text.strip():
            self._emit(Transcript("", True, item.kind, item.start_ms, item.end_ms))
            await self._speak(prompt("not_understood", self.locale), kind="prompt", timing=timing)
            return False
        self._emit(Transcript(text, True, item.kind, item.start_ms, item.end_ms))
        started = time.perf_counter()
        try:
            reply = await self._service.handle_turn(self.contact_id, text)
        except InputError as exc:
            self._emit(Error("contact_ended" if "ended" in exc.message else exc.code, exc.message))
            if "ended" in exc.message:
                await self._finish("error", None)
                return True
            await self._speak(prompt("not_understood", self.locale), kind="prompt", timing=timing)
            return False
        except SwitchboardError as exc:
            log.warning("voice turn: agent failed: %s", exc, extra={"contact_id": self._contact_id})
            self._emit(Error("agent_failed", exc.message))
            await self._speak(prompt("agent_failed", self.locale), kind="prompt", timing=timing)
            return False
        timing.agent_ms = 1000.0 * (time.perf_counter() - started)
        timing.reply_ready_ms = self.call_ms()
        handover = self._handover_info(reply.handover.reason.value) if reply.handover else None
        await self._speak(
            reply.text, kind="turn", turn_index=reply.turn_index, handover=handover,
            timing=timing, interruptible=handover is None,
        )
        if handover is not None:
            await self._finish("handover", handover)
            return True
        return False

    def _handover_info(self, reason: str) -> HandoverInfo:
        from switchboard.domain.types import HandoverReason

        contact = self._service.store.get_contact(self.contact_id)
        attributes = {str(k): str(v) for k, v in (contact.state.get("attributes") or {}).items()}
        queue = attributes.get("target_queue") or queue_for(HandoverReason(reason))[0]
        return HandoverInfo(reason=reason, queue=queue, attributes=attributes)

    # ----------------------------------------------------------------- speaking

    async def _speak(
        self,
        text: str,
        *,
        kind: str,
        turn_index: int = 0,
        handover: HandoverInfo | None = None,
        timing: TurnTiming | None = None,
        interruptible: bool = True,
    ) -> None:
        """Emit ``ReplyText`` then the reply's audio sentence by sentence (barge-in cancels)."""
        self._reply_seq += 1
        pb = Playback(self._reply_seq, text, interruptible)
        self._current = pb
        self._emit(ReplyText(text, pb.reply_id, turn_index, kind, handover))
        self._speak_task = asyncio.create_task(self._stream_reply(pb, timing))
        await asyncio.wait({self._speak_task})
        self._speak_task = None

    async def _stream_reply(self, pb: Playback, timing: TurnTiming | None) -> None:
        sentences = split_sentences(pb.text)
        spec = self.output_spec
        chunk_bytes = max(
            spec.bytes_per_sample,
            spec.sample_rate * self.settings.chunk_ms // 1000 * spec.bytes_per_sample,
        )
        for i, sentence in enumerate(sentences):
            if pb.interruptible and self._ep.in_speech:
                # The caller is already talking over a reply that has not started.
                self._barge_in(self._ep_start_ms(), self.input_ms)
                return
            try:
                speech = await asyncio.to_thread(self._speech.tts.synthesize, sentence, self.locale)
            except TtsError as exc:
                self._emit(Error("tts_failed", exc.message))
                continue
            if timing is not None and i == 0:
                timing.tts_first_ms = speech.elapsed_ms
            data = encode(resample(speech.samples, speech.sample_rate, spec.sample_rate), spec)
            if not data:
                continue
            pb.start(self.input_ms, time.perf_counter())
            if timing is not None and timing.first_audio_ms is None:
                timing.first_audio_ms = self.call_ms()
            for offset in range(0, len(data), chunk_bytes):
                self._emit(AudioOut(data[offset : offset + chunk_bytes], spec.sample_rate,
                                    spec.format, pb.reply_id))
            mark = f"r{pb.reply_id}-s{i}"
            pb.add_sentence(sentence, spec.duration_ms(len(data)), mark)
            self._emit(Mark(mark, pb.reply_id))
            await asyncio.sleep(0)
        end_mark = f"r{pb.reply_id}-end"
        pb.add_sentence("", 0.0, end_mark)
        self._emit(Mark(end_mark, pb.reply_id, last=True))
        pb.done_sending = True

    # ----------------------------------------------------------------- timers

    async def _run_watchdog(self) -> None:
        """Seed 4's server watchdog and the no-input timer, on the wall clock."""
        tick = 0.1
        while not self._ended:
            await asyncio.sleep(tick)
            silent_s = time.perf_counter() - self._last_feed_wall
            if self._ep.in_speech and silent_s >= self.settings.watchdog_s:
                event = self._ep.force_close("watchdog")
                if event is not None:
                    log.info("watchdog closed the turn after %.1f s without audio", silent_s)
                    await self._on_endpoint(event)
            self._check_no_input(self._clock_ms())

    def _check_no_input(self, now_ms: float) -> None:
        """Prompt a silent caller; end the call after ``max_no_input_prompts`` prompts."""
        if self._ended or self._busy or self._ep.in_speech or self._dtmf_digits:
            return
        pb = self._current
        if pb is not None:
            if pb.playing(self.input_ms, time.perf_counter()):
                return
            # The reply has just finished playing: the caller's silence counts from now.
            self._current = None
            self._last_activity_ms = self._clock_ms()
            return
        if now_ms - self._last_activity_ms < self.settings.no_input_ms:
            return
        self._last_activity_ms = now_ms
        if self._no_input_prompts >= self.settings.max_no_input_prompts:
            self._submit(_TurnInput("goodbye", text=prompt("goodbye_no_input", self.locale)))
            return
        self._no_input_prompts += 1
        self._submit(_TurnInput("prompt", text=prompt("no_input", self.locale)))

    def _clock_ms(self) -> float:
        """Input time, advanced by wall time while no audio arrives (for timers)."""
        return self.input_ms + 1000.0 * max(0.0, time.perf_counter() - self._last_feed_wall)

    # ----------------------------------------------------------------- ending

    async def _finish(self, reason: str, handover: HandoverInfo | None) -> None:
        if self._ended:
            return
        self._ended = True
        current = asyncio.current_task()
        for task in (self._speak_task, self._dtmf_task, self._watchdog, self._worker):
            if task is not None and task is not current and not task.done():
                task.cancel()
        if self._spec is not None:
            self._spec.task.cancel()
        if self._contact_id is not None:
            status = ContactStatus.ABANDONED if reason == "no_speech" else ContactStatus.RESOLVED
            try:
                await self._service.end_contact(self._contact_id, status)
            except SwitchboardError as exc:
                log.warning(
                    "could not end contact: %s", exc, extra={"contact_id": self._contact_id}
                )
        self._emit(CallEnded(reason, self._contact_id or "", handover))

    # ----------------------------------------------------------------- helpers

    def _emit(self, event: VoiceEvent) -> None:
        self._queue.put_nowait(event)

    def _record(self, type_: EventType, data: dict[str, object]) -> None:
        """Add an event to the contact's audit trail."""
        if self._contact_id is None:
            return
        self._service.events.emit(
            Event(contact_id=self._contact_id, type=type_, source=Source.SYSTEM, data=data)
        )

    def _slice(self, start_ms: float, end_ms: float) -> Float32:
        """16 kHz audio between two input times (pre-roll added before ``start_ms``)."""
        first = int((start_ms - self.settings.pre_roll_ms) * MODEL_RATE / 1000)
        last = int(end_ms * MODEL_RATE / 1000)
        lo = max(first, self._buf_start) - self._buf_start
        hi = max(lo, min(last, self._buf_end) - self._buf_start)
        return self._buf[lo:hi].copy()

    def _trim_buffer(self) -> None:
        """Keep only the open utterance (or the pre-roll while idle)."""
        keep_ms = self.settings.pre_roll_ms + 2 * self.settings.min_speech_ms
        if self._ep.in_speech:
            keep_from = int((self._ep_start_ms() - self.settings.pre_roll_ms) * MODEL_RATE / 1000)
        else:
            keep_from = self._buf_end - int(keep_ms * MODEL_RATE / 1000)
        drop = keep_from - self._buf_start
        if drop > MODEL_RATE:  # trim in ≥ 1 s steps
            self._buf = self._buf[drop:]
            self._buf_start += drop

    def _call_ms_of_input(self, input_ms: float) -> float:
        """Call-clock time at which input audio time ``input_ms`` was spoken."""
        for end_ms, wall in self._feeds:
            if end_ms >= input_ms:
                return 1000.0 * (wall - self._t0) - (end_ms - input_ms)
        return self.call_ms()


def _service_voice_settings(service: AgentService) -> VoiceSettings:
    """The service's ``settings.voice`` when present, else defaults."""
    found = getattr(service.settings, "voice", None)
    return found if isinstance(found, VoiceSettings) else VoiceSettings()
