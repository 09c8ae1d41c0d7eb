"""The generic telephony gateway socket ``WS /connect/{call_id}`` (seed 5 "Message Format").

For any SIP or telephony gateway that can stream call audio over a WebSocket
(Amazon Connect itself cannot: it streams to Kinesis Video Streams; see
``seeds/README.md``). Audio is 8 kHz PCM16 by default, described on each frame.

Gateway → switchboard (JSON text frames)::

    {"type": "audio", "data": "<base64>",
     "metadata": {"sampleRate": 8000, "encoding": "pcm"}}   # pcm = PCM16 LE; or "mulaw"
    {"type": "dtmf", "digit": "1"}
    {"type": "mark", "name": "r1-s0"}          # optional: audio up to this mark was played
    {"type": "hangup"}

The first audio frame fixes the call's format (``pcm`` at 8000 or 16000 Hz, or
``mulaw`` at 8000 Hz); a later frame with another format gets an error and is dropped.

switchboard → gateway::

    {"type": "audio", "data": "<base64>", "metadata": {"sampleRate": 8000, "encoding": "pcm"}}
    {"type": "mark", "name": "r1-s0"}
    {"type": "clear"}                          # barge-in: drop queued audio now
    {"type": "transcript" | "reply" | "error" | "ended", ...}   # as on /v1/voice

Auth: ``Authorization: Bearer <jwt>`` (or ``?token=``). Malformed frames get an
``error`` frame; the call goes on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket

from switchboard.errors import InputError
from switchboard.voice.events import (
    MULAW_8K,
    PCM16_8K,
    PCM16_16K,
    AudioFormat,
    AudioOut,
    AudioSpec,
    Clear,
    Mark,
    VoiceEvent,
)
from switchboard.voice.transports.base import (
    Call,
    b64,
    b64decode_audio,
    error_json,
    event_frame,
    frame_limit,
    mark_or_dtmf,
    parse_frame,
    read_frames,
    receive_text,
    send_json,
)

#: Formats a gateway may declare: (encoding, sampleRate) → spec.
GATEWAY_FORMATS: dict[tuple[str, int], AudioSpec] = {
    ("pcm", 8000): PCM16_8K,
    ("pcm", 16000): PCM16_16K,
    ("mulaw", 8000): MULAW_8K,
}

#: Builds and starts the call once the first audio frame tells the format.
CallFactory = Callable[[AudioSpec], Awaitable[Call]]


def spec_of(metadata: Any) -> AudioSpec:
    """Read a frame's ``metadata`` into an audio spec (missing = 8 kHz PCM16, seed 5).

    Raises:
        InputError: an unsupported encoding or sample rate.
    """
    if metadata is None:
        return PCM16_8K
    if not isinstance(metadata, dict):
        raise InputError("metadata must be an object with sampleRate and encoding")
    encoding = str(metadata.get("encoding", "pcm")).lower()
    rate = metadata.get("sampleRate", 8000)
    spec = GATEWAY_FORMATS.get((encoding, rate)) if isinstance(rate, int) else None
    if spec is None:
        allowed = ", ".join(f"{e}@{r}" for e, r in GATEWAY_FORMATS)
        raise InputError(f"unsupported audio {encoding!r} at {rate!r} Hz; use one of {allowed}")
    return spec


def metadata_of(spec: AudioSpec) -> dict[str, Any]:
    """The ``metadata`` object describing ``spec``."""
    encoding = "mulaw" if spec.format is AudioFormat.MULAW else "pcm"
    return {"sampleRate": spec.sample_rate, "encoding": encoding}


class GatewayProtocol:
    """One gateway call on one socket.

    Args:
        websocket: the accepted socket.
        make_call: builds and starts the call for the input spec of the first audio frame.
    """

    def __init__(self, websocket: WebSocket, make_call: CallFactory) -> None:
        self.websocket = websocket
        self.make_call = make_call
        self.call: Call | None = None
        self.spec: AudioSpec | None = None
        self.hung_up = False

    async def wait_started(self) -> Call | None:
        """Read frames until the first audio frame starts the call (None: the gateway left)."""
        while self.call is None and not self.hung_up:
            raw = await receive_text(self.websocket)
            if raw is None:
                return None
            try:
                frame = parse_frame(raw, frame_limit(self.websocket))
                if frame.get("type") == "audio":
                    self.spec = spec_of(frame.get("metadata"))
                    self.call = await self.make_call(self.spec)
                    await self._handle(frame)
                elif frame.get("type") == "hangup":
                    self.hung_up = True
                else:
                    raise InputError("send an audio frame first (it fixes the call's format)")
            except InputError as exc:
                if not await send_json(self.websocket, error_json(exc.code, exc.message)):
                    return None
        return self.call

    async def read(self) -> None:
        """Read gateway frames until hang-up or disconnect."""
        await read_frames(self.websocket, self._handle, lambda: self.hung_up)

    async def _handle(self, frame: dict[str, Any]) -> None:
        assert self.call is not None and self.spec is not None
        kind = frame.get("type")
        if kind == "audio":
            spec = spec_of(frame.get("metadata")) if "metadata" in frame else self.spec
            if spec != self.spec:
                raise InputError(
                    f"this call's audio is {metadata_of(self.spec)}; frame dropped "
                    f"(it declared {metadata_of(spec)})"
                )
            data = b64decode_audio(frame.get("data"), sample_width=spec.bytes_per_sample)
            await self.call.feed_audio(data)
        elif await mark_or_dtmf(self.call, frame):
            return
        elif kind in {"hangup", "stop"}:
            self.hung_up = True
        else:
            raise InputError(f"unknown frame type {kind!r}")

    async def render(self, event: VoiceEvent) -> bool:
        """Send one call event as gateway JSON; False when the gateway has gone."""
        match event:
            case AudioOut():
                spec = AudioSpec(event.format, event.sample_rate)
                frame: dict[str, Any] | None = {
                    "type": "audio",
                    "data": b64(event.data),
                    "metadata": metadata_of(spec),
                }
            case Mark():
                frame = {"type": "mark", "name": event.name}
            case Clear():
                frame = {"type": "clear", "heardText": event.heard_text}
            case _:
                frame = event_frame(event)
        if frame is None:
            return True
        return await send_json(self.websocket, frame)
