"""The human line: a voice caller handed over to a person, from the queue to the agent.

When the AI agent hands a voice call over, the conversation service has already
queued the contact (:meth:`switchboard.routing.desk.Desk.enqueue_handover`). The
caller's socket then stays open and is served by one :class:`HumanLine`:

* **queued** — the caller hears a :class:`~switchboard.voice.hold.HoldProgram`
  (position/EWT announcements, hold music; never silence). The line follows the
  desk's customer channel (the async subscription, ``Subscription.queue``) and
  announces every change of position; after hours, with the queue full, or when
  the wait passes the queue's callback threshold, it offers a callback: the
  caller keys their number (DTMF, then ``#``) or the page sends it, and
  :meth:`Desk.book_callback` books it, as for chat.
* **connected** — the desk assigned an agent (``agent_joined``); the agent's
  browser joins over ``WS /v1/contacts/{id}/agent-audio`` (:meth:`attach_agent`).
  Caller audio (16 kHz PCM16) goes to the agent; agent audio (any rate,
  resampled with soxr) goes to the caller. Both legs are endpointed (Silero
  VAD) and transcribed with the call's STT (:class:`LegTranscriber`); each
  utterance is written by the conversation service (customer ones relayed to the
  agent's desk, agent ones stored ``HUMAN_AGENT``) and sent to the agent's socket.
  What the agent types on the desk (``agent_message``) is spoken to the caller (TTS).
* **on hold** — the agent pressed hold: the caller hears hold audio, neither side
  hears the other. **Mute** stops the agent's audio (and its transcript).
* **ended** — the agent hung up or closed the contact (``agent_left``), the caller
  hung up (a caller still waiting is taken out of the queue as abandoned), or a
  callback was booked.

Audio to the caller and JSON frames (``queue``, ``announcement``, ``agent_joined``,
``hold``, ``callback_booked``) come out of :meth:`HumanLine.events`; the transport
renders them (:mod:`switchboard.voice.transports.held`). Lines are per process
(:class:`HumanLines`): the agent's audio socket must reach the replica that holds
the caller's socket (sticky routing by contact id; see docs/scaling.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from switchboard.domain.types import ContactStatus, EventType, Locale, Source
from switchboard.errors import InputError, SwitchboardError
from switchboard.speech.audio import MODEL_RATE, Resampler, encode, pcm16_to_float
from switchboard.voice.endpoint import TurnEnd
from switchboard.voice.events import (
    PCM16_16K,
    AudioOut,
    CallEnded,
    Clear,
    VoiceEvent,
    until_call_ended,
)
from switchboard.voice.hold import HoldProgram, say
from switchboard.voice.settings import VoiceSettings
from switchboard.voice.stages.input import AudioInput
from switchboard.voice.stages.listen import Listener

if TYPE_CHECKING:
    from switchboard.speech.stack import SpeechStack
    from switchboard.voice.recording import CallRecorder

__all__ = ["AgentLeg", "DeskPort", "HumanLine", "HumanLines", "LegTranscriber", "LineOut"]

log = logging.getLogger("switchboard.voice.human")

#: What the line sends the caller: audio events or a JSON frame.
LineOut = VoiceEvent | dict[str, Any]

#: Audio sent ahead of real time when hold audio starts, ms (covers network jitter).
LEAD_MS = 300
#: Seconds between "still waiting" reminders when the position does not change.
REMINDER_S = 45.0
#: Trailing audio kept after the end of speech for the transcription, ms.
_TAIL_MS = 200.0
#: Agent audio rates accepted, Hz (browsers capture at 8-96 kHz).
RATES = range(8000, 96001)


class DeskPort(Protocol):
    """What the line uses of ``switchboard.routing.desk.Desk``.

    Duck-typed: ``voice`` imports no ``routing``; the composition root puts the
    desk on ``app.state.desk``.

    Attributes:
        customers: the customers' frame channels (``subscribe(key)`` → a subscription
            with an ``asyncio.Queue`` ``queue``; ``unsubscribe(sub)``).
        engine: the routing engine (``abandon``, ``placement``).
        conversation: the conversation service (``end_contact``, ``human_agent_message``).
        db: the async store (``get_contact``).
    """

    customers: Any
    engine: Any
    conversation: Any
    db: Any

    def take_handover_frame(self, contact_id: str) -> dict[str, Any] | None:
        """The contact's last handover frame, once."""
        ...

    def queue_frame(self, placement: Any) -> dict[str, Any]:
        """The ``queue`` frame of a placement."""
        ...

    async def resume(self, contact_id: str) -> None:
        """Re-publish where the contact stands (position or agent)."""
        ...

    async def customer_message(self, contact_id: str, text: str) -> dict[str, Any]:
        """Store a customer message of a handed-over contact; relay it to its agent."""
        ...

    async def book_callback(self, contact_id: str, phone: str) -> Any:
        """Book a callback (InputError for a malformed number)."""
        ...


class LegTranscriber:
    """VAD, endpointing and STT of one leg (16 kHz PCM16 in, utterances out).

    Args:
        speech: the call's speech stack (its VAD and STT; the same models as the AI leg).
        settings: endpointing thresholds.
        on_text: awaited with each non-empty transcript, in order.
    """

    def __init__(
        self,
        speech: SpeechStack,
        settings: VoiceSettings,
        on_text: Callable[[str], Awaitable[None]],
    ) -> None:
        self._stt = speech.stt
        self._input = AudioInput(
            PCM16_16K,
            pre_roll_ms=settings.pre_roll_ms,
            idle_keep_ms=settings.pre_roll_ms + 2 * settings.min_speech_ms,
        )
        self._listener = Listener(speech.vad, settings)
        self._on_text = on_text
        self._work: asyncio.Queue[np.ndarray | None] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self.utterances = 0

    def feed(self, pcm16: bytes) -> None:
        """Take 16 kHz PCM16 audio of this leg; closed utterances are transcribed in order."""
        x16 = self._input.push(pcm16)
        if x16 is None:
            return
        for events in self._listener.frames(x16):
            for event in events:
                if isinstance(event, TurnEnd):
                    self._close(event)
        self._input.trim(self._listener.start_ms if self._listener.in_speech else None)

    def flush(self) -> None:
        """Close an utterance still open (the leg went quiet: mute, hold or hang-up)."""
        event = self._listener.force_close("hint")
        if event is not None:
            self._close(event)

    def _close(self, end: TurnEnd) -> None:
        audio = self._input.slice(end.start_ms, min(end.closed_ms, end.end_ms + _TAIL_MS))
        if self._worker is None:
            self._worker = asyncio.create_task(self._run(), name="leg-stt")
        self._work.put_nowait(audio)

    async def _run(self) -> None:
        while (audio := await self._work.get()) is not None:
            try:
                result = await asyncio.to_thread(self._stt.transcribe, audio)
            except SwitchboardError as exc:
                log.warning("leg transcription failed: %s", exc)
                continue
            text = result.text.strip()
            if text:
                self.utterances += 1
                try:
                    await self._on_text(text)
                except SwitchboardError as exc:  # a bad transcript must not stop the leg
                    log.warning("leg transcript not stored: %s", exc)

    async def aclose(self) -> None:
        """Transcribe what is pending, then stop (bounded by 30 s)."""
        self.flush()
        if self._worker is None:
            return
        self._work.put_nowait(None)
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(self._worker, timeout=30.0)


@dataclass
class AgentLeg:
    """The agent's side of a line: frames for the agent's audio socket.

    Attributes:
        agent: the agent's name (shown to the caller).
        frames: JSON frames to send to the agent's socket, in order.
        muted: the agent's microphone is muted (no audio to the caller, no transcript).
    """

    agent: str
    frames: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    muted: bool = False
    resampler: Resampler | None = None
    rate: int = 0

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a frame for the agent's socket (dropped when the socket is stuck)."""
        if self.frames.qsize() < 2000:
            self.frames.put_nowait(frame)


class HumanLine:
    """One held or connected caller (see the module doc).

    Args:
        contact_id: the handed-over contact.
        desk: the routing desk (queues, the customer channel, callbacks).
        speech: the speech stack (TTS of announcements, VAD and STT of both legs).
        locale: the caller's locale (announcements).
        settings: endpointing of the transcribed legs.
        chunk_ms: size of the hold audio chunks, ms.
        recorder: the call's recorder when the deployment records calls
            (:mod:`switchboard.voice.recording`): the line appends the caller's
            audio to its ``caller`` leg and the agent's microphone to the ``agent``
            leg, on the caller's clock, and stores both when the line ends.
    """

    def __init__(
        self,
        contact_id: str,
        desk: DeskPort,
        speech: SpeechStack,
        locale: Locale,
        settings: VoiceSettings | None = None,
        *,
        chunk_ms: int = 100,
        recorder: CallRecorder | None = None,
    ) -> None:
        self.contact_id = contact_id
        self.recorder = recorder
        self.desk = desk
        self.speech = speech
        self.locale = locale
        self.settings = settings or VoiceSettings()
        self.chunk_ms = chunk_ms
        self.state = "queued"
        self.position: int | None = None
        self.agent_name: str | None = None
        self.agent: AgentLeg | None = None
        self.end_reason: str | None = None
        self._out: asyncio.Queue[LineOut] = asyncio.Queue()
        self._program = HoldProgram(MODEL_RATE)
        self._digits = ""
        self._offered = False
        self._last_announce = time.monotonic()
        self._tasks: list[asyncio.Task[None]] = []
        self.caller_stt = LegTranscriber(speech, self.settings, self._caller_said)
        self.agent_stt = LegTranscriber(speech, self.settings, self._agent_said)
        self.hold_ms = 0.0

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Follow the desk's customer channel and start the hold audio."""
        sub = await self.desk.customers.subscribe(self.contact_id)
        first = self.desk.take_handover_frame(self.contact_id)
        self._tasks.append(asyncio.create_task(self._follow(sub), name="line-desk"))
        self._tasks.append(asyncio.create_task(self._pace(), name="line-hold"))
        if first is not None:
            await self._on_desk(first)
        else:
            await self.desk.resume(self.contact_id)

    def events(self) -> AsyncIterator[LineOut]:
        """Frames and audio for the caller until (and including) ``CallEnded``."""
        return until_call_ended(self._out)

    async def end(self, reason: str) -> None:
        """End the line (idempotent): stop hold audio, flush transcripts, tell both sides.

        A caller who hangs up while still waiting is abandoned in the queue and the
        contact ends; a connected call stays with its agent until the disposition.
        """
        if self.end_reason is not None:
            return
        self.end_reason = reason
        previous, self.state = self.state, "ended"
        for task in self._tasks:
            if task is not asyncio.current_task():
                task.cancel()
        if previous in {"queued", "callback"} and reason == "hangup":
            await self._abandon()
        if self.agent is not None:
            self.agent.send({"type": "caller_left", "reason": reason})
        await self.caller_stt.aclose()
        await self.agent_stt.aclose()
        await self._store_recording()
        self._out.put_nowait(CallEnded(reason, self.contact_id))

    async def _store_recording(self) -> None:
        """Seal and store the call's legs; link each from the contact (``recording`` events)."""
        recorder = self.recorder
        if recorder is None or recorder.closed:
            return
        try:
            stored = await asyncio.to_thread(recorder.close)
        except OSError as exc:
            log.error("call recording not stored: %s", exc, extra={"contact_id": self.contact_id})
            return
        for leg in stored:
            await self.desk.conversation.record(
                self.contact_id, EventType.RECORDING, Source.SYSTEM, leg=leg.leg, key=leg.key,
                duration_ms=round(leg.duration_ms, 1), sample_rate=MODEL_RATE, bytes=leg.bytes,
            )

    async def _abandon(self) -> None:
        try:
            await asyncio.to_thread(self.desk.engine.abandon, self.contact_id)
            await self.desk.conversation.end_contact(self.contact_id, ContactStatus.ABANDONED)
        except SwitchboardError as exc:
            log.warning("could not abandon: %s", exc, extra={"contact_id": self.contact_id})

    # ----------------------------------------------------------------- desk side

    async def _follow(self, sub: Any) -> None:
        try:
            while self.end_reason is None:
                frame = await sub.queue.get()
                await self._on_desk(frame)
        finally:
            self.desk.customers.unsubscribe(sub)

    async def _on_desk(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "queue" and self.state in {"queued", "callback"}:
            await self._on_queue(frame)
        elif kind == "queue_closed":
            self.state = "callback"
            self._send({"type": "queue_closed", "queue": frame.get("queue"),
                        "next_open": frame.get("next_open"), "callback": True})
            await self._announce("callback_offer", replace=True)
        elif kind == "agent_joined":
            self.state = "connected"
            self.agent_name = str(frame.get("agent", ""))
            self._program.clear()
            self._out.put_nowait(Clear(reply_id=0, heard_text="", speech_start_ms=0.0, at_ms=0.0))
            self._send({"type": "agent_joined", "agent": self.agent_name})
        elif kind == "agent_message" and self.state in {"connected", "on_hold"}:
            text = str(frame.get("text", ""))
            self._send({"type": "agent_message", "text": text, "agent": frame.get("agent")})
            await self._speak_to_caller(text)
        elif kind == "agent_left":
            self._send({"type": "agent_left", "disposition": frame.get("disposition")})
            if self.state != "ended":
                await self._speak_to_caller(say("agent_left", self.locale))
                await self.end("agent_left")

    async def _on_queue(self, frame: dict[str, Any]) -> None:
        position = int(frame.get("position") or 0)
        minutes = int(frame.get("ewt_minutes") or 0)
        self._send({**{k: v for k, v in frame.items() if k != "seq"}, "type": "queue"})
        changed = position != self.position
        self.position = position
        if changed:
            key = "first" if position == 1 else "position"
            await self._announce(key, replace=True, position=position, minutes=minutes)
        if frame.get("offer_callback") and not self._offered:
            self._offered = True
            self._send({"type": "callback_offer"})
            await self._announce("callback_long_wait")

    # ----------------------------------------------------------------- caller side

    async def caller_audio(self, pcm16: bytes) -> None:
        """Caller audio (16 kHz PCM16): recorded; to the agent and transcribed when connected."""
        if self.recorder is not None and pcm16 and self.end_reason is None:
            self.recorder.write("caller", pcm16, MODEL_RATE)
        if self.state != "connected" or not pcm16:
            return
        if self.agent is not None:
            self.agent.send({"type": "audio", "data": _b64(pcm16), "sampleRate": MODEL_RATE})
        self.caller_stt.feed(pcm16)

    async def caller_dtmf(self, digit: str) -> None:
        """A keypad digit: collects a callback number until ``#`` when one is offered.

        Raises:
            InputError: not a DTMF digit.
        """
        if not isinstance(digit, str) or not re.fullmatch(r"[0-9*#A-D]", digit):
            raise InputError(f"not a DTMF digit: {digit!r}")
        if self.state not in {"queued", "callback"}:
            return
        if digit == "#":
            digits, self._digits = self._digits, ""
            if digits:
                await self.caller_callback(_e164(digits))
        elif digit == "*":
            self._digits = ""
        else:
            self._digits = (self._digits + digit)[-16:]

    async def caller_callback(self, phone: str) -> None:
        """Book a callback to ``phone`` (E.164) and end the call once it is confirmed.

        A malformed number is answered (spoken and as ``callback_failed``); the caller
        stays in the queue and may try again.
        """
        if self.state not in {"queued", "callback"}:
            raise InputError("a callback can be booked only while waiting in the queue")
        try:
            callback = await self.desk.book_callback(self.contact_id, phone)
        except InputError as exc:
            self._send({"type": "callback_failed", "message": exc.message})
            await self._announce("callback_failed", replace=True)
            return
        last4 = " ".join(callback.customer_phone[-4:])
        self._send({"type": "callback_booked", "callback_id": callback.callback_id,
                    "due_at": callback.due_at.isoformat()})
        self.state = "callback_booked"
        await self._speak_to_caller(say("callback_booked", self.locale, last4=last4))
        await self.end("callback")

    # ----------------------------------------------------------------- agent side

    def attach_agent(self, agent: str) -> AgentLeg:
        """Join the agent's audio socket to the line (a reconnect replaces the old leg)."""
        leg = AgentLeg(agent)
        self.agent = leg
        leg.send({"type": "line", "state": self.state, "contactId": self.contact_id,
                  "sampleRate": MODEL_RATE})
        return leg

    def detach_agent(self, leg: AgentLeg) -> None:
        """The agent's socket closed (the caller stays on the line, hearing nothing new)."""
        if self.agent is leg:
            self.agent_stt.flush()
            self.agent = None

    async def agent_audio(self, leg: AgentLeg, pcm16: bytes, rate: int) -> None:
        """Agent microphone audio (PCM16 at ``rate`` Hz): resampled to 16 kHz for the caller.

        Raises:
            InputError: a rate outside 8-96 kHz.
        """
        if rate not in RATES:
            raise InputError(f"sampleRate {rate!r} is not 8000-96000 Hz")
        if leg is not self.agent or self.state != "connected" or leg.muted or not pcm16:
            return
        if leg.resampler is None or leg.rate != rate:
            leg.resampler, leg.rate = Resampler(rate, MODEL_RATE, quality="HQ"), rate
        x16 = leg.resampler.process(pcm16_to_float(pcm16))
        if not len(x16):
            return
        data = encode(x16, PCM16_16K)
        self._out.put_nowait(AudioOut(data, MODEL_RATE, PCM16_16K.format, reply_id=0))
        self.agent_stt.feed(data)
        if self.recorder is not None:  # on the caller's clock: it ends now, as this chunk does
            now = self.recorder.duration_ms("caller")
            self.recorder.write("agent", data, MODEL_RATE, at_ms=max(0.0, now - _ms(data)))

    async def agent_control(self, leg: AgentLeg, kind: str, on: bool) -> None:
        """``mute`` or ``hold`` on/off from the agent.

        Raises:
            InputError: unknown control, or no call to control.
        """
        if leg is not self.agent or self.state not in {"connected", "on_hold"}:
            raise InputError("there is no connected call to control")
        announce = False
        if kind == "mute":
            leg.muted = on
            if on:
                self.agent_stt.flush()
        elif kind == "hold":
            if on and self.state == "connected":
                self.state = "on_hold"
                self.caller_stt.flush()
                self.agent_stt.flush()
                announce = True  # after the state frames: the page knows it is held first
            elif not on and self.state == "on_hold":
                self.state = "connected"
                self._program.clear()
                self._out.put_nowait(
                    Clear(reply_id=0, heard_text="", speech_start_ms=0.0, at_ms=0.0)
                )
        else:
            raise InputError(f"unknown control {kind!r}")
        leg.send({"type": "control", "mute": leg.muted, "hold": self.state == "on_hold"})
        self._send({"type": "hold", "on": self.state == "on_hold"})
        if announce:  # synthesis takes a while: hold audio already plays meanwhile
            await self._announce("on_hold", replace=True)

    # ----------------------------------------------------------------- transcripts

    async def _caller_said(self, text: str) -> None:
        await self.desk.customer_message(self.contact_id, text)  # stored, relayed to the desk
        if self.agent is not None:
            self.agent.send({"type": "transcript", "leg": "customer", "text": text})
        self._send({"type": "transcript", "source": "speech", "text": text, "final": True})

    async def _agent_said(self, text: str) -> None:
        name = self.agent.agent if self.agent is not None else (self.agent_name or "agent")
        stored = await self.desk.conversation.human_agent_message(
            self.contact_id, text, agent=name
        )
        if self.agent is not None:
            self.agent.send({"type": "transcript", "leg": "agent", "text": stored})
        self._send({"type": "agent_transcript", "text": stored, "agent": name})

    # ----------------------------------------------------------------- audio out

    def _send(self, frame: dict[str, Any]) -> None:
        self._out.put_nowait(frame)

    async def _synth(self, text: str) -> np.ndarray:
        from switchboard.speech.audio import resample

        try:
            speech = await asyncio.to_thread(self.speech.tts.synthesize, text, self.locale)
        except SwitchboardError as exc:
            log.warning("announcement not synthesised: %s", exc)
            return np.zeros(0, np.float32)
        return resample(np.asarray(speech.samples, np.float32), speech.sample_rate, MODEL_RATE)

    async def _announce(self, key: str, *, replace: bool = False, **values: object) -> None:
        """Queue a spoken announcement in the hold audio (its text also goes to the page)."""
        text = say(key, self.locale, **values)
        self._send({"type": "announcement", "key": key, "text": text})
        samples = await self._synth(text)
        if replace:
            self._program.clear()
        self._program.announce(samples)
        self._last_announce = time.monotonic()

    async def _speak_to_caller(self, text: str) -> None:
        """Say ``text`` to a connected caller now (outside the hold program)."""
        samples = await self._synth(text)
        step = int(MODEL_RATE * self.chunk_ms / 1000)
        for i in range(0, len(samples), step):
            data = encode(samples[i : i + step], PCM16_16K)
            self._out.put_nowait(AudioOut(data, MODEL_RATE, PCM16_16K.format, reply_id=0))

    async def _pace(self) -> None:
        """Hold audio in real time while queued or on hold (``LEAD_MS`` ahead)."""
        step_s = self.chunk_ms / 1000
        samples = int(MODEL_RATE * step_s)
        ahead = 0.0
        clock = time.monotonic()
        while self.end_reason is None:
            if self.state in {"queued", "callback", "on_hold"}:
                now = time.monotonic()
                ahead = max(0.0, ahead - (now - clock))
                clock = now
                while ahead < LEAD_MS / 1000:
                    chunk = encode(self._program.next_chunk(samples), PCM16_16K)
                    self._out.put_nowait(AudioOut(chunk, MODEL_RATE, PCM16_16K.format, 0))
                    ahead += step_s
                    self.hold_ms += self.chunk_ms
                if (
                    self.state == "queued"
                    and self.position
                    and time.monotonic() - self._last_announce > REMINDER_S
                ):
                    await self._announce("still_waiting", position=self.position)
            else:
                ahead, clock = 0.0, time.monotonic()
            await asyncio.sleep(step_s)


def _ms(pcm16: bytes) -> float:
    """Duration of 16 kHz PCM16 audio, ms."""
    return len(pcm16) / 2 / MODEL_RATE * 1000


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def _e164(digits: str) -> str:
    """Keyed digits as an E.164 number: ``00`` → ``+``; otherwise a ``+`` is put in front."""
    return "+" + digits[2:] if digits.startswith("00") else "+" + digits


class HumanLines:
    """The lines of this process by contact id (``app.state.human_lines``)."""

    def __init__(self) -> None:
        self._lines: dict[str, HumanLine] = {}

    def add(self, line: HumanLine) -> None:
        """Register a line (replaces one of the same contact)."""
        self._lines[line.contact_id] = line

    def get(self, contact_id: str) -> HumanLine | None:
        """The live line of ``contact_id``, or None."""
        return self._lines.get(contact_id)

    def remove(self, line: HumanLine) -> None:
        """Forget a line that ended."""
        if self._lines.get(line.contact_id) is line:
            del self._lines[line.contact_id]

    def __len__(self) -> int:
        """Lines live now."""
        return len(self._lines)
