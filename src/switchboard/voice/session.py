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

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from switchboard.domain.types import Locale
from switchboard.voice.events import MULAW_8K, AudioSpec, VoiceEvent

if TYPE_CHECKING:
    from switchboard.agent.service import AgentService
    from switchboard.speech.stack import SpeechStack
    from switchboard.voice.settings import VoiceSettings


@dataclass
class TurnTiming:
    """Timings of one caller turn, input audio time in ms (see ``events`` module).

    Attributes:
        turn: 1-based turn number within the call.
        transcript: the final transcript sent to the agent.
        speech_end_ms: end of the caller's speech (last voiced VAD frame).
        closed_ms: when the turn was closed (endpoint, hint or watchdog).
        transcript_ready_ms: when the final transcript was available.
        reply_ready_ms: when the agent's reply text was available.
        first_audio_ms: when the first reply audio byte was emitted.
        speculative_hit: True when the speculative transcription was used.
        stt_ms: wall-clock STT time for the final transcript, ms.
        agent_ms: wall-clock ``handle_turn`` time, ms.
        tts_first_ms: wall-clock synthesis time of the first sentence, ms.
    """

    turn: int
    transcript: str = ""
    speech_end_ms: float = 0.0
    closed_ms: float = 0.0
    transcript_ready_ms: float | None = None
    reply_ready_ms: float | None = None
    first_audio_ms: float | None = None
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


class CallSession:
    """One voice call: audio in, agent turns, audio and events out.

    Args:
        service: the running :class:`AgentService` (its turn loop is used unchanged).
        speech: loaded speech models (VAD, STT, TTS), shared by every call of the process.
        locale: the contact's locale.
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
        raise NotImplementedError

    @property
    def contact_id(self) -> str:
        """The contact holding this call's transcript (set by :meth:`start`)."""
        raise NotImplementedError

    @property
    def input_ms(self) -> float:
        """Input audio time fed so far, ms."""
        raise NotImplementedError

    @property
    def timings(self) -> list[TurnTiming]:
        """Per-turn timings so far (for ``switchboard call`` and the bench)."""
        raise NotImplementedError

    async def start(self, *, greet: bool = True) -> str:
        """Create (or resume) the contact and speak the greeting.

        Returns:
            The contact id.
        """
        raise NotImplementedError

    async def feed_audio(self, data: bytes) -> None:
        """Give the session caller audio in ``input_spec`` (any length, may be empty).

        Never raises for bad content: a PCM16 frame with an odd byte count keeps its
        last byte for the next frame; audio fed after :meth:`close` is ignored.

        Raises:
            InputError: ``data`` is not bytes-like.
        """
        raise NotImplementedError

    async def dtmf(self, digit: str) -> None:
        """A keypad digit (``0-9``, ``*``, ``#``).

        Digits collect until ``#`` or ``VoiceSettings.dtmf_timeout_ms`` without a
        new digit; then they go to the agent as the caller's turn (e.g. ``"1234"``).
        An invalid digit yields ``Error(code="invalid_input")``.
        """
        raise NotImplementedError

    async def end_of_utterance(self) -> None:
        """Client hint that the caller stopped talking (seed 4 ``endOfUtterance``).

        Closes the caller's turn now if speech is pending; otherwise does nothing.
        """
        raise NotImplementedError

    async def playback_done(self, mark: str) -> None:
        """The client played audio up to ``mark`` (a :class:`Mark` name echoed back)."""
        raise NotImplementedError

    def events(self) -> AsyncIterator[VoiceEvent]:
        """Iterate output events until (and including) :class:`CallEnded`.

        Only one consumer per session.
        """
        raise NotImplementedError

    async def close(self, reason: str = "hangup") -> None:
        """End the call: cancel pending work, end the contact, emit :class:`CallEnded`.

        Idempotent. A contact handed over keeps its ``transferred`` status.
        """
        raise NotImplementedError
