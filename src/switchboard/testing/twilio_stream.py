"""Twilio Media Streams messages as Twilio sends them, for tests and benches.

The shapes follow Twilio's docs ("Media Streams - WebSocket Messages"): a
``connected`` message, then ``start`` (with the ``<Parameter>`` values of the
TwiML as ``customParameters``), then ``media`` every 20 ms (μ-law 8 kHz, base64).
"""

from __future__ import annotations

import base64
import json

#: The one media format Twilio streams (and the only one we accept).
MULAW_FORMAT = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}


def connected() -> str:
    """The first message of a stream."""
    return json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})


def start(stream_sid: str, call_sid: str, account_sid: str, custom: dict[str, str | None]) -> str:
    """The ``start`` message: the stream's ids, inbound track, our TwiML parameters."""
    return json.dumps({
        "event": "start", "sequenceNumber": "1", "streamSid": stream_sid,
        "start": {
            "accountSid": account_sid, "streamSid": stream_sid, "callSid": call_sid,
            "tracks": ["inbound"], "customParameters": custom, "mediaFormat": MULAW_FORMAT,
        },
    })  # fmt: skip


def media(stream_sid: str, n: int, payload: bytes) -> str:
    """The ``n``-th inbound ``media`` message (n ≥ 1; 20 ms of μ-law each)."""
    return json.dumps({
        "event": "media", "sequenceNumber": str(n + 1), "streamSid": stream_sid,
        "media": {"track": "inbound", "chunk": str(n), "timestamp": str(20 * n),
                  "payload": base64.b64encode(payload).decode()},
    })  # fmt: skip
