"""Error mapping of the API and WebSocket frame parsing (no server, no model)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from switchboard.api.errors import error_body, product_error_body, status_for
from switchboard.api.frames import frame_for_error, parse_frame
from switchboard.api.schemas import ClientFrame, EndFrame, MessageFrame, PingFrame
from switchboard.errors import (
    BrainError,
    ConfigError,
    InputError,
    RouterModelError,
    StoreError,
    SwitchboardError,
    ToolArgumentError,
    ToolUnavailableError,
    UnknownContactError,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (UnknownContactError("no such contact"), 404),
        (InputError("empty"), 422),
        (BrainError("down"), 503),
        (StoreError("locked"), 503),
        (ToolUnavailableError("timeout"), 503),
        (ToolArgumentError("bad postcode"), 500),
        (ConfigError("bad"), 500),
        (RouterModelError("missing"), 500),
        (SwitchboardError("plain"), 500),
        (SwitchboardError("made retryable", retryable=True), 503),
        (InputError("input stays 422 even when retryable", retryable=True), 422),
    ],
)
def test_status_for_every_error_kind(error: SwitchboardError, status: int) -> None:
    assert status_for(error) == status


def test_error_body_shape() -> None:
    assert product_error_body(UnknownContactError("no contact x")) == {
        "error": {"code": "unknown_contact", "message": "no contact x", "retryable": False}
    }
    assert product_error_body(StoreError("db locked"))["error"]["retryable"] is True
    assert error_body("invalid_input", "bad", details=[{"loc": ["body"]}])["error"]["details"] == [
        {"loc": ["body"]}
    ]
    assert frame_for_error(BrainError("slow")) == {
        "type": "error",
        "code": "brain_error",
        "message": "slow",
        "retryable": True,
    }


ADAPTER: TypeAdapter[Any] = TypeAdapter(ClientFrame)


def test_parse_good_frames() -> None:
    message = parse_frame('{"type": "message", "text": "hello"}', ADAPTER)
    assert isinstance(message, MessageFrame) and message.text == "hello"
    assert isinstance(parse_frame('{"type": "ping"}', ADAPTER), PingFrame)
    end = parse_frame('{"type": "end", "status": "abandoned"}', ADAPTER)
    assert isinstance(end, EndFrame) and end.status.value == "abandoned"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", '"type" field'),
        ('{"text": "no type"}', '"type" field'),
        ('{"type": "message"}', "text"),
        ('{"type": "message", "text": 42}', "text"),
        ('{"type": "message", "text": "x", "extra": 1}', "extra"),
        ('{"type": "shout", "text": "x"}', "type"),
        ('{"type": "end", "status": "exploded"}', "status"),
        ('{"type": "message", "text": "' + "x" * 20_001 + '"}', "text"),
    ],
)
def test_parse_bad_frames_raise_input_error(raw: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_frame(raw, ADAPTER)
    assert fragment in caught.value.message
