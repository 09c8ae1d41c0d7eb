"""``NovaSonicCall``: a Nova Sonic session behind the same port as ``CallSession``.

The voice transports drive a :class:`~switchboard.voice.transports.base.Call`;
this adapter lets them carry a Nova Sonic call instead of the local pipeline
(``SWITCHBOARD_VOICE_ENGINE=nova_sonic``). It converts the caller's audio
(any :class:`AudioSpec`) to the 16 kHz PCM16 the model takes, the model's
24 kHz PCM16 (and the local TTS's audio for greetings and handovers) to the
transport's output spec, creates and ends the contact through the
:class:`AgentService`, and speaks the greeting with the local TTS (the model
only speaks after the caller has).

Turn-taking is the model's own (Nova 2 turn detection): ``end_of_utterance``
and ``playback_done`` do nothing; keypad digits are not supported and get an
``Error(invalid_input)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

import numpy as np

from switchboard.domain.types import Channel, ContactStatus, Locale
from switchboard.errors import InputError, SwitchboardError
from switchboard.speech.audio import Resampler, decode, encode, float_to_pcm16, pcm16_to_float
from switchboard.voice.engines.nova_sonic.events import INPUT_SAMPLE_RATE
from switchboard.voice.engines.nova_sonic.session import NovaSonicSession
from switchboard.voice.engines.nova_sonic.stream import NovaStream
from switchboard.voice.events import (
    MULAW_8K,
    AudioFormat,
    AudioOut,
    AudioSpec,
    CallEnded,
    Error,
    ReplyText,
    VoiceEvent,
)

if TYPE_CHECKING:
    from switchboard.agent.service import AgentService
    from switchboard.speech.stack import SpeechStack

#: Opens a Nova Sonic stream (``BedrockNovaStream(...).open`` in production).
StreamFactory = Callable[[], Awaitable[NovaStream]]


class NovaSonicCall:
    """One call through Nova Sonic, with the ``CallSession`` interface.

    Args:
        service: the running agent service (store, audit sink, tools, validator).
        open_stream: opens the bidirectional stream.
        speech: the local speech stack, for the greeting and handover messages.
        locale: the contact's locale.
        input_spec: the transport's caller audio.
        output_spec: the transport's playback audio.
        customer_endpoint: caller number or id, stored on the contact.
        voice_id: the model's voice.
    """

    def __init__(
        self,
        service: AgentService,
        open_stream: StreamFactory,
        *,
        speech: SpeechStack | None,
        locale: Locale | None = None,
        input_spec: AudioSpec = MULAW_8K,
        output_spec: AudioSpec = MULAW_8K,
        customer_endpoint: str | None = None,
        voice_id: str = "matthew",
    ) -> None:
        self.service = service
        self.voice_id = voice_id
        self.open_stream = open_stream
        self.speech = speech
        self.locale = locale or service.settings.locale
        self.input_spec = input_spec
        self.output_spec = output_spec
        self.customer_endpoint = customer_endpoint
        self._to_model = Resampler(input_spec.sample_rate, INPUT_SAMPLE_RATE)
        self._from: dict[int, Resampler] = {}
        self._session: NovaSonicSession | None = None
        self._contact_id = ""
        self._greeting: list[VoiceEvent] = []
        self._closed = False

    @property
    def contact_id(self) -> str:
        """The contact holding the call's transcript (set by :meth:`start`)."""
        return self._contact_id

    async def _speak(self, text: str) -> tuple[bytes, int]:
        if self.speech is None:
            raise SwitchboardError("no local TTS for Nova Sonic's fixed messages")
        spoken = await asyncio.to_thread(self.speech.tts.synthesize, text, self.locale)
        return float_to_pcm16(spoken.samples), spoken.sample_rate

    async def start(self, *, greet: bool = True) -> str:
        """Create the contact, open the stream, start the session; greet with the local TTS.

        Raises:
            switchboard.errors.BrainError: the stream could not be opened.
        """
        contact = await self.service.start_contact(
            channel=Channel.VOICE, locale=self.locale, customer_endpoint=self.customer_endpoint
        )
        self._contact_id = contact.contact_id
        self._session = NovaSonicSession(
            await self.open_stream(),
            tools=self.service.tools,
            validator=self.service.validator,
            locale=self.locale,
            contact_id=contact.contact_id,
            conversation=self.service.conversation,
            speak=self._speak if self.speech is not None else None,
            voice_id=self.voice_id,
            hallucination_ttl_days=self.service.settings.hallucination_ttl_days,
        )
        await self._session.start()
        if greet:
            text = self.service.greeting(self.locale)
            self._greeting.append(ReplyText(text=text, reply_id=0, kind="greeting"))
            if self.speech is not None:
                pcm, rate = await self._speak(text)
                self._greeting.append(AudioOut(pcm, rate, AudioFormat.PCM16, 0))
        return contact.contact_id

    async def feed_audio(self, data: bytes) -> None:
        """Convert caller audio to 16 kHz PCM16 and stream it to the model."""
        if self._session is None or self._closed or not data:
            return
        samples = self._to_model.process(decode(data, self.input_spec))
        if samples.size:
            await self._session.send_audio(float_to_pcm16(samples))

    async def dtmf(self, digit: str) -> None:
        """Keypad input is not supported by the speech-to-speech model."""
        if self._session is not None:
            self._session.notify(
                Error("invalid_input", f"keypad input ({digit!r}) is not supported on this line")
            )

    async def end_of_utterance(self) -> None:
        """Nothing to do: the model detects the end of the caller's turn itself."""

    async def playback_done(self, mark: str) -> None:
        """Nothing to do: the model reports interruptions itself."""

    def _convert(self, event: AudioOut) -> AudioOut | None:
        samples = pcm16_to_float(event.data)
        rate = event.sample_rate
        if rate != self.output_spec.sample_rate:
            resampler = self._from.setdefault(rate, Resampler(rate, self.output_spec.sample_rate))
            samples = resampler.process(samples)
        if not samples.size:
            return None
        data = encode(np.asarray(samples, dtype=np.float32), self.output_spec)
        return AudioOut(data, self.output_spec.sample_rate, self.output_spec.format, event.reply_id)

    async def events(self) -> AsyncIterator[VoiceEvent]:
        """The session's events with audio in the output spec; ends with ``CallEnded``."""
        for event in self._greeting:
            converted = self._convert(event) if isinstance(event, AudioOut) else event
            if converted is not None:
                yield converted
        if self._session is None:
            return
        async for event in self._session.events():
            if isinstance(event, AudioOut):
                converted = self._convert(event)
                if converted is not None:
                    yield converted
                continue
            yield event
            if isinstance(event, CallEnded):
                return

    async def close(self, reason: str = "hangup") -> None:
        """End the model session and the contact (a handed-over contact stays transferred)."""
        if self._closed:
            return
        self._closed = True
        if self._session is not None:
            await self._session.close()
        if self._contact_id:
            try:
                await self.service.end_contact(self._contact_id, ContactStatus.RESOLVED)
            except InputError:
                pass
