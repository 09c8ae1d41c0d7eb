"""SIGTERM drains a real ``switchboard serve``: replies in flight first, then ``reconnect``.

Session 4 saw a reply frame arrive after the ``reconnect`` frame. Here several
customers each send a message, the server gets SIGTERM while their turns run,
and every socket must end with ``reconnect`` (close 1012) *after* any reply it
gets; readiness must never say ``ready`` again once SIGTERM is sent; the
process exits by itself with code 0.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from switchboard.testing.replicas import free_port

pytestmark = pytest.mark.e2e

CUSTOMERS = 8
QUESTIONS = [
    "How do I open a current account?",
    "what does the premium debit card cost",
    "where is your nearest branch to Leeds",
    "can I open an account online",
    "is there a fee on the standard card",
    "what time does the Manchester branch open",
    "what documents do I need for a new account",
    "how do I activate my new card",
]


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        result: dict[str, Any] = json.loads(r.read())
        return result


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "SWITCHBOARD_DATABASE_URL": f"sqlite:///{tmp_path}/drain.db",
            "SWITCHBOARD_CLUSTER__DRAIN_S": "30",
            "SWITCHBOARD_LOG_LEVEL": "WARNING",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
        }
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "switchboard.cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    try:
        while True:
            assert proc.poll() is None, f"serve exited: {log.read_text()[-2000:]}"
            with contextlib.suppress(OSError):
                if _get(f"{base}/health/ready")[0] == 200:
                    break
            assert time.monotonic() < deadline, "serve did not become ready"
            time.sleep(0.5)
        yield proc, base, log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _read_all(ws: ClientConnection, frames: list[tuple[float, dict[str, Any]]]) -> None:
    with contextlib.suppress(ConnectionClosed, TimeoutError):
        while True:
            frame = json.loads(ws.recv(timeout=90))
            frames.append((time.monotonic(), frame))  # when it arrived


def test_sigterm_sends_replies_in_flight_before_reconnect(
    server: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    proc, base, log = server
    ws_base = base.replace("http://", "ws://")
    assert _get(f"{base}/health/live")[0] == 200
    sockets: list[ClientConnection] = []
    for _ in range(CUSTOMERS):
        started = _post(f"{base}/v1/contacts", {"locale": "en_GB"})
        url = f"{ws_base}/v1/contacts/{started['contact_id']}/chat"
        ws = connect(url, subprotocols=["bearer", started["contact_token"]])  # type: ignore[list-item]
        assert json.loads(ws.recv(timeout=30))["type"] == "ready"
        sockets.append(ws)
    for _ in range(100):  # each socket registers for the drain just after its ready frame
        if _get(f"{base}/health/ready")[1]["open_chat_sockets"] == CUSTOMERS:
            break
        time.sleep(0.05)
    assert _get(f"{base}/health/ready")[1]["open_chat_sockets"] == CUSTOMERS
    frames: list[list[tuple[float, dict[str, Any]]]] = [[] for _ in sockets]
    readers = [
        threading.Thread(target=_read_all, args=(ws, got), daemon=True)
        for ws, got in zip(sockets, frames, strict=True)
    ]
    for reader in readers:
        reader.start()
    for i, ws in enumerate(sockets):
        # Long messages (several questions, ~1,000 characters): turns of a few hundred ms,
        # so SIGTERM, sent at once, finds them running.
        text = " Also, ".join([QUESTIONS[i], *QUESTIONS[:i], *QUESTIONS[i + 1 :]]) * 2
        ws.send(json.dumps({"type": "message", "text": text, "id": f"m-{i}"}))
    proc.send_signal(signal.SIGTERM)
    sigterm_at = time.monotonic()
    readiness: list[int] = []
    while proc.poll() is None and len(readiness) < 200:
        try:
            status, body = _get(f"{base}/health/ready")
        except OSError:
            break  # the listener is closed: uvicorn is shutting down
        readiness.append(status)
        assert status == 503 and body["status"] == "draining", body
        time.sleep(0.02)
    # uvicorn re-raises the signal it captured once it has shut down: -SIGTERM, not 0
    assert proc.wait(120) in (0, -signal.SIGTERM), log.read_text()[-3000:]
    for reader in readers:
        reader.join(30)
    answered_after_sigterm = 0
    for i, (ws, got) in enumerate(zip(sockets, frames, strict=True)):
        kinds = [f["type"] for _, f in got]
        assert kinds and kinds[-1] == "reconnect", (i, kinds, log.read_text()[-2000:])
        assert kinds.count("reconnect") == 1
        assert ws.close_code == 1012, (i, ws.close_code)
        replies = [(t, f) for t, f in got if f["type"] == "reply"]
        assert all(f["in_reply_to"] == f"m-{i}" for _, f in replies)
        assert len(replies) <= 1, "a message was answered twice"
        reconnect = got[-1][1]
        seqs = [f["seq"] for _, f in got if "seq" in f]
        assert reconnect["last_seq"] == (max(seqs) if seqs else 0)
        answered_after_sigterm += sum(1 for t, _ in replies if t >= sigterm_at)
        ws.close()
    # Turns in flight when SIGTERM came were finished and their replies sent first.
    assert answered_after_sigterm >= 1, [[f["type"] for _, f in got] for got in frames]
