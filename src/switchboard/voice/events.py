"""What a :class:`~switchboard.voice.session.CallSession` emits, and the audio formats it speaks.

Every transport (browser socket, Twilio Media Streams, the telephony gateway
socket, the ``switchboard call`` CLI) reads these dataclasses from
``CallSession.events()`` and renders them in its own wire format. They are
plain frozen dataclasses so a transport can pattern-match on them::

    async for event in session.events():
        match event:
            case AudioOut(data=data):      send media / audio frame
            case Clear():                  Twilio "clear" / browser stop message
            case Mark(name=name):          Twilio "mark" (echo it back to playback_done)
            case Transcript(text=t, final=True): caption
            case ReplyText():              reply caption (+ handover info)
            case Error(code=c):            log / show; the call goes on unless fatal
            case CallEnded():              drain playback, then hang up

Times are **audio time** of the caller's input stream, in milliseconds from
the first byte fed to the session (``input_ms``): the session counts samples,
so the numbers are the same in real time, faster than real time (tests) and
under CPU contention.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TypeVar

# The audio formats live in the domain layer (speech/ uses them too); re-exported here.
from switchboard.domain.audio import (
    MULAW_8K,
    PCM16_8K,
    PCM16_16K,
    SUPPORTED_RATES,
    AudioFormat,
    AudioSpec,
)

__all__ = [
    "MULAW_8K", "PCM16_8K", "PCM16_16K", "SUPPORTED_RATES", "AudioFormat", "AudioOut",
    "AudioSpec", "CallEnded", "Clear", "Error", "HandoverInfo", "Mark", "ReplyText",
    "Transcript", "VoiceEvent",
]


@dataclass(frozen=True)
class HandoverInfo:
    """The handover decided on a turn (the human queue the caller goes to).

    Attributes:
        reason: ``HandoverReason`` value (``explicit_request``, ``customer_frustration`` …).
        queue: target queue name (``GeneralAgentQueue`` / ``PriorityAgentQueue``).
        attributes: the contact attributes set for the handover (flat ``str → str``).
    """

    reason: str
    queue: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AudioOut:
    """A chunk of reply audio to play to the caller, in the session's output spec.

    Attributes:
        data: audio bytes (PCM16 LE or μ-law, per ``format``), at most ~100 ms each.
        sample_rate: Hz.
        format: encoding of ``data``.
        reply_id: which reply this chunk belongs to (0 = greeting, then one per turn/prompt).
    """

    data: bytes
    sample_rate: int
    format: AudioFormat
    reply_id: int


@dataclass(frozen=True)
class Mark:
    """A playback checkpoint placed after a sentence of reply audio.

    Transports that can learn when audio has been played (Twilio echoes ``mark``
    messages back) send it on and call ``CallSession.playback_done(name)`` when
    the client reports it; the session then knows that the reply was heard up to
    here. Transports that cannot may ignore marks.

    Attributes:
        name: unique within the call, e.g. ``"r3-s1"`` (reply 3, sentence 1).
        reply_id: the reply it belongs to.
        last: True on the mark after the final sentence of the reply.
    """

    name: str
    reply_id: int
    last: bool = False


@dataclass(frozen=True)
class Clear:
    """Stop playback now and drop queued audio (barge-in).

    Emitted within 200 ms of audio time after the caller starts speaking over a
    reply (seed/issue 3 acceptance). Twilio: send ``{"event": "clear"}``; browser:
    a stop message.

    Attributes:
        reply_id: the reply that was cut.
        heard_text: the part of the reply the caller actually heard (sentences whose
            audio was played, estimated from audio sent, elapsed input audio time and
            acknowledged marks).
        speech_start_ms: input audio time at which the caller's speech began.
        at_ms: input audio received when the session decided to clear (the end of the
            frame that completed the detection), ms.
    """

    reply_id: int
    heard_text: str
    speech_start_ms: float
    at_ms: float


@dataclass(frozen=True)
class Transcript:
    """What the caller said (speech-to-text, or DTMF digits).

    Attributes:
        text: transcript text (digits for DTMF, e.g. ``"1234#"``).
        final: True when the caller's turn is closed and this text goes to the agent.
        source: ``"speech"`` or ``"dtmf"``.
        start_ms: input audio time where the utterance began.
        end_ms: input audio time where the utterance ended (end of speech).
    """

    text: str
    final: bool
    source: str = "speech"
    start_ms: float = 0.0
    end_ms: float = 0.0


@dataclass(frozen=True)
class ReplyText:
    """The agent's reply text, emitted before its audio.

    Attributes:
        text: the full reply text (what will be spoken).
        reply_id: matches the ``AudioOut``/``Mark`` of this reply.
        turn_index: the agent turn number (``AgentReply.turn_index``); 0 for the
            greeting and session prompts.
        kind: ``"greeting"``, ``"turn"`` (an agent turn), ``"prompt"`` (the session's
            own "are you still there?" / "sorry, I didn't catch that").
        handover: set when this reply hands the caller to a human queue.
    """

    text: str
    reply_id: int
    turn_index: int = 0
    kind: str = "turn"
    handover: HandoverInfo | None = None


@dataclass(frozen=True)
class Error:
    """Something went wrong that the transport should know about.

    The session keeps going unless ``fatal`` is True (then a :class:`CallEnded`
    follows). Codes: ``bad_audio`` (undecodable frames), ``stt_failed``,
    ``tts_failed``, ``agent_failed``, ``contact_ended``, ``invalid_input``.

    Attributes:
        code: short machine-readable code.
        message: human-readable explanation.
        fatal: True if the call cannot continue.
    """

    code: str
    message: str
    fatal: bool = False


@dataclass(frozen=True)
class CallEnded:
    """The call is over; no event follows.

    Transports should let already-sent audio finish (e.g. wait for the ``Mark``
    with ``last=True`` of the final reply) before hanging up.

    Attributes:
        reason: ``"hangup"`` (caller/transport closed), ``"handover"`` (passed to a
            human queue), ``"no_speech"`` (caller silent after repeated prompts),
            ``"error"``, :data:`MOVED` (the replica drained the socket; the contact
            stays open for the caller's reconnect to another replica).
        contact_id: the contact whose transcript holds the call.
        handover: set when ``reason == "handover"``.
    """

    reason: str
    contact_id: str
    handover: HandoverInfo | None = None


#: ``CallEnded.reason`` of a call moved off a draining replica (issue 14): its contact
#: is not ended, the caller's page reconnects to another replica and resumes it.
MOVED = "moved"


#: Every event a session emits.
VoiceEvent = AudioOut | Mark | Clear | Transcript | ReplyText | Error | CallEnded


_Out = TypeVar("_Out")


async def until_call_ended(queue: asyncio.Queue[_Out]) -> AsyncIterator[_Out]:
    """Yield a line's output queue item by item, up to and including its :class:`CallEnded`.

    Shared by the voice session and the held human line: one consumer per queue; the
    generator returns right after the ``CallEnded`` so the transport can close the socket.
    """
    while True:
        item = await queue.get()
        yield item
        if isinstance(item, CallEnded):
            return
