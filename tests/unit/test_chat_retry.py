"""A chat turn that fails on the infrastructure is retried, never dropped (api/ws.py).

``_answer`` is replaced by a scripted one; the socket is a recorder of sent frames.
The end-to-end version (a real server, PostgreSQL really stopped) is
tests/e2e/test_database_outage_chat.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from switchboard.api import retry, ws
from switchboard.api.errors import INFRASTRUCTURE_MESSAGE, product_error_body
from switchboard.cluster.locks import LeaseTimeoutError
from switchboard.errors import InputError, StoreError, StreamError


class Recorder:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_json(self, frame: dict[str, Any]) -> None:
        self.sent.append(frame)


def chat(retry_s: float) -> tuple[ws._Chat, Recorder]:
    socket = Recorder()
    return ws._Chat(socket, "c-1", None, None, None, retry_s=retry_s), socket  # type: ignore[arg-type]


def scripted(monkeypatch: pytest.MonkeyPatch, failures: list[Exception]) -> list[int]:
    calls: list[int] = []

    async def answer(*_: Any) -> list[dict[str, Any]]:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return [{"type": "reply", "text": "ok"}]

    monkeypatch.setattr(ws, "_answer", answer)
    monkeypatch.setattr(retry, "RETRY_PAUSES_S", (0.01, 0.02))
    return calls


async def test_store_and_stream_failures_are_retried_with_one_delayed_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = scripted(monkeypatch, [StoreError("down"), StreamError("down"), StoreError("down")])
    c, socket = chat(5.0)
    assert await ws._answer_retrying(c, "hi", "m-1", None) == [{"type": "reply", "text": "ok"}]
    assert len(calls) == 4
    delayed = {"type": "delayed", "code": "store_error", "retry_s": 5.0, "in_reply_to": "m-1"}
    assert socket.sent == [delayed]


async def test_still_down_after_the_window_raises_the_last_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = scripted(monkeypatch, [StoreError("down")] * 100)
    c, socket = chat(0.1)
    with pytest.raises(StoreError):
        await ws._answer_retrying(c, "hi", None, None)
    assert 2 <= len(calls) < 100
    assert [f["type"] for f in socket.sent] == ["delayed"] and "in_reply_to" not in socket.sent[0]


@pytest.mark.parametrize(
    "failure",
    [InputError("bad text"), StoreError("dup", retryable=False), LeaseTimeoutError("lock held")],
)
async def test_input_and_permanent_failures_are_not_retried(
    monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    calls = scripted(monkeypatch, [failure])
    c, socket = chat(5.0)
    with pytest.raises(type(failure)):
        await ws._answer_retrying(c, "hi", "m-1", None)
    assert len(calls) == 1 and socket.sent == []


def test_infrastructure_errors_never_show_the_driver_message() -> None:
    body = product_error_body(StoreError("connection to server at 127.0.0.1, port 5432 failed"))
    assert body["error"]["message"] == INFRASTRUCTURE_MESSAGE
    assert body["error"]["code"] == "store_error" and body["error"]["retryable"] is True
    assert product_error_body(InputError("text is empty"))["error"]["message"] == "text is empty"
