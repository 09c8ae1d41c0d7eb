"""The voice socket enforces ``limits.max_voice_frame_bytes`` with an error frame (issue 13).

An oversized frame is refused with ``frame_too_large`` naming the limit; the socket,
the call and its contact stay up and the next frames are heard.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from test_transport_browser import QUESTION, ask, open_call
from voice_audio import collect

pytestmark = pytest.mark.e2e


def test_an_oversized_voice_frame_gets_an_error_and_the_call_goes_on(
    voice_server: Any, speak: Any
) -> None:
    limit = voice_server.settings.limits.max_voice_frame_bytes
    pcm = bytes(2 * ((limit // 4) * 3 // 2 + 1000))  # base64 of it is over the limit
    ws, ready = open_call(voice_server)
    with ws:
        ws.send(json.dumps({"type": "audio", "data": base64.b64encode(pcm).decode()}))
        frames = collect(ws, lambda fs: any(f["type"] == "error" for f in fs), 60)
        error = next(f for f in frames if f["type"] == "error")
        assert error["code"] == "frame_too_large" and not error["fatal"]
        assert str(limit) in error["message"]
        frames = ask(ws, speak, QUESTION)  # the same call still hears and answers
        reply = [f for f in frames if f["type"] == "reply" and f["kind"] == "turn"][-1]
        assert "Manchester" in reply["text"]
        ws.send(json.dumps({"type": "hangup"}))
        ended = collect(ws, lambda fs: any(f["type"] == "ended" for f in fs), 60)
        assert ended[-1]["contactId"] == ready["contactId"]
