"""What every voice transport shares: the call port, base64 frames, and the pump.

A transport is a thin adapter: it reads its wire format into calls on a
:class:`Call` (``feed_audio``, ``dtmf``, ``end_of_utterance``,
``playback_done``, ``close``) and renders the call's events
(:mod:`switchboard.voice.events`) into its wire format. :func:`pump` runs the
two directions of one socket: a writer task draining ``call.events()`` into
``render`` and the transport's own reader loop; whichever side ends first
(the caller hangs up, or the call ends with a handover) stops the other, and
the call is always closed so the contact and its transcript are kept.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, Protocol

from fastapi import WebSocket, WebSocketDisconnect

from switchboard.errors import InputError
from switchboard.voice.events import (
    MOVED,
    AudioOut,
    CallEnded,
    Clear,
    Error,
    HandoverInfo,
    Mark,
    ReplyText,
    Transcript,
    VoiceEvent,
)

logger = logging.getLogger("switchboard.voice.transport")

#: Largest text frame a voice socket accepts when the app has no settings, characters
#: (~3 s of 16 kHz PCM16 in base64). An app's limit is ``limits.max_voice_frame_bytes``.
MAX_FRAME_CHARS = 256_000


class FrameTooLargeError(InputError):
    """A socket frame over the voice frame limit (refused with an error frame; call kept)."""

    code = "frame_too_large"


def frame_limit(websocket: WebSocket) -> int:
    """The largest client frame this socket accepts, characters.

    The app's ``settings.limits.max_voice_frame_bytes`` (``SWITCHBOARD_LIMITS__*``,
    issue 13) when the app was created with settings, else :data:`MAX_FRAME_CHARS`.
    """
    settings = getattr(getattr(websocket.scope.get("app"), "state", None), "settings", None)
    limits = getattr(settings, "limits", None)
    limit = getattr(limits, "max_voice_frame_bytes", None)
    return limit if isinstance(limit, int) and limit > 0 else MAX_FRAME_CHARS


class Call(Protocol):
    """What a transport drives: :class:`~switchboard.voice.session.CallSession` or Nova Sonic."""

    @property
    def contact_id(self) -> str:
        """The contact holding the call's transcript."""
        ...

    async def start(self, *, greet: bool = True) -> str:
        """Create the contact (and greet); return its id."""
        ...

    async def feed_audio(self, data: bytes) -> None:
        """Caller audio in the call's input format."""
        ...

    async def dtmf(self, digit: str) -> None:
        """A keypad digit."""
        ...

    async def end_of_utterance(self) -> None:
        """Client hint: the caller stopped talking (seed 4)."""
        ...

    async def playback_done(self, mark: str) -> None:
        """The client played audio up to ``mark``."""
        ...

    def events(self) -> AsyncIterator[VoiceEvent]:
        """The call's output events, ending with ``CallEnded``."""
        ...

    async def close(self, reason: str = "hangup") -> None:
        """End the call (idempotent)."""
        ...


def b64decode_audio(data: Any, *, sample_width: int) -> bytes:
    """Decode one base64 audio payload strictly.

    Args:
        data: the frame's ``data``/``payload`` field.
        sample_width: bytes per sample (2 for PCM16, 1 for μ-law).

    Returns:
        The audio bytes (may be empty).

    Raises:
        InputError: not a string, not valid base64 (a truncated or padded-wrong
            payload), or not a whole number of samples.
    """
    if not isinstance(data, str):
        raise InputError("audio data must be a base64 string")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError(f"audio data is not valid base64 ({exc})") from None
    if len(raw) % sample_width:
        raise InputError(
            f"audio data is {len(raw)} bytes, not whole {sample_width}-byte samples "
            "(truncated frame?)"
        )
    return raw


def b64(data: bytes) -> str:
    """Base64-encode audio bytes as ASCII text."""
    return base64.b64encode(data).decode("ascii")


def handover_json(info: HandoverInfo | None) -> dict[str, Any] | None:
    """A handover as JSON (reason, queue and the contact attributes set)."""
    if info is None:
        return None
    return {"reason": info.reason, "queue": info.queue, "attributes": dict(info.attributes)}


def event_frame(event: VoiceEvent) -> dict[str, Any] | None:
    """The JSON frame of a non-audio event, shared by the browser and gateway sockets.

    Returns None for ``AudioOut``/``Mark``/``Clear``, which each transport renders
    in its own way.
    """
    match event:
        case Transcript():
            return {
                "type": "transcript",
                "text": event.text,
                "final": event.final,
                "source": event.source,
                "startMs": round(event.start_ms, 1),
                "endMs": round(event.end_ms, 1),
            }
        case ReplyText():
            return {
                "type": "reply",
                "text": event.text,
                "replyId": event.reply_id,
                "turn": event.turn_index,
                "kind": event.kind,
                "handover": handover_json(event.handover),
            }
        case Error():
            return error_json(event.code, event.message, fatal=event.fatal)
        case CallEnded():
            return {
                "type": "ended",
                "reason": event.reason,
                "contactId": event.contact_id,
                "handover": handover_json(event.handover),
            }
        case AudioOut() | Mark() | Clear():
            return None
    return None  # pragma: no cover - VoiceEvent is closed


def error_json(code: str, message: str, *, fatal: bool = False) -> dict[str, Any]:
    """An ``error`` frame (browser and gateway sockets)."""
    return {"type": "error", "code": code, "message": message, "fatal": fatal}


def parse_frame(raw: str, max_chars: int = MAX_FRAME_CHARS) -> dict[str, Any]:
    """Parse one client text frame of the JSON sockets (browser, gateway).

    Args:
        raw: the frame's text; ``""`` stands for a binary frame (see :func:`receive_text`).
        max_chars: the socket's frame limit (:func:`frame_limit`).

    Raises:
        FrameTooLargeError: longer than ``max_chars`` (the caller sends an ``error``
            frame ``frame_too_large``; the call goes on).
        InputError: binary, not JSON, or not a JSON object.
    """
    if not raw:
        raise InputError("binary frames are not supported; send JSON text frames")
    if len(raw) > max_chars:
        raise FrameTooLargeError(
            f"frame too large ({len(raw)} characters; the limit is {max_chars}): "
            "send audio in frames of 20-100 ms"
        )
    try:
        frame = json.loads(raw)
    except json.JSONDecodeError:
        raise InputError("frame is not JSON") from None
    except RecursionError:  # "[[[[..." nested past the interpreter's limit (socket fuzz)
        raise InputError("frame is nested too deeply") from None
    if not isinstance(frame, dict):
        raise InputError("frame must be a JSON object with a 'type'")
    return frame


async def mark_or_dtmf(call: Call, frame: dict[str, Any]) -> bool:
    """Handle the ``mark`` and ``dtmf`` frames the JSON sockets share.

    Returns:
        True when the frame was one of them, False for any other type.

    Raises:
        InputError: a ``mark`` without a name or a ``dtmf`` without a digit.
    """
    kind = frame.get("type")
    if kind == "mark":
        name = frame.get("name")
        if not isinstance(name, str) or not name:
            raise InputError("mark frame needs a 'name'")
        await call.playback_done(name)
        return True
    if kind == "dtmf":
        digit = frame.get("digit")
        if not isinstance(digit, str):
            raise InputError("dtmf frame needs a 'digit'")
        await call.dtmf(digit)
        return True
    return False


async def read_frames(
    websocket: WebSocket,
    handle: Callable[[dict[str, Any]], Coroutine[Any, Any, None]],
    stop: Callable[[], bool],
) -> None:
    """Read JSON frames into ``handle`` until ``stop()`` or the client goes.

    A malformed or oversized frame (over :func:`frame_limit`), or one ``handle``
    rejects with :class:`InputError`, gets an ``error`` frame and is dropped; the
    loop goes on.
    """
    limit = frame_limit(websocket)
    while not stop():
        raw = await receive_text(websocket)
        if raw is None:
            return
        try:
            await handle(parse_frame(raw, limit))
        except InputError as exc:
            if not await send_json(websocket, error_json(exc.code, exc.message)):
                return


async def send_json(websocket: WebSocket, frame: dict[str, Any]) -> bool:
    """Send one JSON frame; False when the client has gone."""
    try:
        await websocket.send_json(frame)
    except (WebSocketDisconnect, RuntimeError, OSError):
        return False
    return True


async def receive_text(websocket: WebSocket) -> str | None:
    """Next text frame; None on disconnect; ``""`` for a binary frame (caller reports it)."""
    try:
        message = await websocket.receive()
    except (WebSocketDisconnect, RuntimeError):
        return None
    if message["type"] == "websocket.disconnect":
        return None
    text = message.get("text")
    return "" if text is None else str(text)


async def pump(
    websocket: WebSocket,
    call: Call,
    *,
    read: Callable[[], Coroutine[Any, Any, None]],
    render: Callable[[VoiceEvent], Coroutine[Any, Any, bool]],
    hold_on_handover: bool = False,
) -> str:
    """Run one call over one socket until either side ends.

    Args:
        websocket: the accepted socket.
        call: the started call.
        read: the transport's reader loop; returns when the client hangs up or
            the socket closes.
        render: sends one event in the wire format; returns False when the
            client has gone.
        hold_on_handover: a call that ends with a handover leaves the socket open
            (and sends no ``ended``): the caller is then served by the human line
            (:mod:`switchboard.voice.transports.held`).

    Returns:
        Why the call ended (``CallEnded.reason``, or ``"hangup"``).

    Once the client has hung up, queued audio, marks and clears are dropped; the
    other events (the final transcript, ``ended``) are still sent while the socket
    is open.
    """
    ended: list[str] = []

    hung_up = asyncio.Event()

    async def write() -> None:
        async for event in call.events():
            if hung_up.is_set() and isinstance(event, AudioOut | Mark | Clear):
                continue  # nobody is listening any more: only the end is worth sending
            held = hold_on_handover and not hung_up.is_set()
            if held and isinstance(event, CallEnded) and event.reason == "handover":
                ended.append(event.reason)
                break
            if not await render(event):
                break
            if isinstance(event, CallEnded):
                ended.append(event.reason)
                break

    writer = asyncio.create_task(write(), name=f"voice-writer-{call.contact_id}")
    reader: asyncio.Task[None] = asyncio.create_task(read(), name=f"voice-reader-{call.contact_id}")
    try:
        done, _ = await asyncio.wait({writer, reader}, return_when=asyncio.FIRST_COMPLETED)
        if reader in done:
            hung_up.set()
            await call.close("hangup")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(writer), timeout=10.0)
        else:
            reader.cancel()
    finally:
        for task in (reader, writer):
            if not task.done():
                task.cancel()
        await asyncio.gather(reader, writer, return_exceptions=True)
        await call.close("hangup")
        if not (hold_on_handover and ended == ["handover"]):
            # 1012 "service restart" (RFC 6455 registry) for a call moved off a draining
            # replica: the page reconnects elsewhere; 1000 for every other end
            code = 1012 if ended == [MOVED] else 1000
            with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
                await websocket.close(code=code)
    for task in (reader, writer):
        if not task.cancelled() and task.exception() is not None:
            logger.error(
                "voice transport task failed",
                exc_info=task.exception(),
                extra={"contact_id": call.contact_id},
            )
    return ended[0] if ended else "hangup"
