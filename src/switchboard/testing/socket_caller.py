"""A synthetic caller on the real browser voice socket ``WS /v1/voice``, from its own process.

Used by ``bench/voice_socket.py`` and the first-words regression test
(``tests/voice/test_first_words.py``, issue 12). It behaves like the
browser voice page:

* it streams 16 kHz PCM16 in 20 ms ``audio`` frames **in real time** on an
  absolute clock, all call long: line silence (digital zeros, what a browser's
  noise suppression sends) while it listens, the customer's recorded line
  when it speaks; the server endpoints on its own (no ``endOfUtterance`` hint);
* it "plays" the reply audio it receives in real time, back to back, and echoes
  each ``mark`` when the audio before it would have finished playing; a
  ``stop`` (barge-in) drops what is still queued;
* after a reply has played to its last mark it waits ``think_ms``, then asks the
  next question.

:class:`ServerProcess` runs ``switchboard serve`` as a child process (a temp
SQLite database, its own JWT secret, loopback port), so the server's event
loop and the caller's never share a process.

Per question it reports the final transcript(s), the reply, whether the
transcript kept the question's first word, and the voice-to-voice latency:
end of the customer's speech (the wall time the frame holding the line's last
audible sample was sent, less the part of the frame after it) → arrival of the
first audio frame of the reply.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from switchboard.speech.audio import float_to_pcm16, resample

#: The socket's audio rate, Hz (seed 4: PCM16 at 16 kHz).
RATE = 16000
#: Caller frame length, ms (a browser AudioWorklet sends 20 ms).
FRAME_MS = 20
_FRAME_BYTES = RATE * FRAME_MS // 1000 * 2
_WORD = re.compile(r"[a-z0-9']+")


def words(text: str) -> list[str]:
    """Lower-case words of ``text`` without punctuation."""
    return _WORD.findall(text.lower().replace("’", "'"))


@dataclass(frozen=True)
class Question:
    """One customer line to say on the socket.

    Attributes:
        text: what the customer says (the reference transcript).
        pcm: the line as 16 kHz PCM16 LE.
        speech_start_ms: first audible sample within ``pcm``, ms.
        speech_end_ms: last audible sample within ``pcm``, ms.
    """

    text: str
    pcm: bytes
    speech_start_ms: float
    speech_end_ms: float

    @classmethod
    def from_samples(cls, text: str, samples: np.ndarray, rate: int) -> Question:
        """Build from float32 samples at ``rate`` Hz (resampled to 16 kHz with soxr)."""
        from switchboard.voice.caller import speech_bounds

        audio = resample(samples.astype(np.float32), rate, RATE)
        start, end = speech_bounds(audio, RATE)
        return cls(text, float_to_pcm16(audio), start, end)


@dataclass
class Answer:
    """What happened to one question.

    Attributes:
        question: the reference text.
        transcript: the final transcript(s) the server sent for it, joined.
        reply: the text of the first reply after it ("" when none came).
        reply_kind: ``turn`` (the agent's answer) or ``prompt`` (the call's own, e.g.
            "could you say that again?").
        handover: the reply's handover reason, if any.
        v2v_ms: end of the customer's speech → first reply audio received, ms.
    """

    question: str
    transcript: str = ""
    reply: str = ""
    reply_kind: str = ""
    handover: str | None = None
    v2v_ms: float | None = None

    @property
    def first_word_kept(self) -> bool:
        """True when the transcript starts with the question's first word."""
        said, heard = words(self.question), words(self.transcript)
        return bool(said and heard and heard[0] == said[0])


@dataclass
class CallReport:
    """One call's outcome.

    Attributes:
        contact_id: the contact the server created.
        answers: one per question asked (a call that ended early has fewer).
        ended: the server's ``ended`` reason when it ended the call itself.
        errors: ``error`` frames received (code: message).
    """

    contact_id: str
    answers: list[Answer] = field(default_factory=list)
    ended: str | None = None
    errors: list[str] = field(default_factory=list)


class _Caller:
    """One socket: a real-time sender, a receiver that plays audio and echoes marks."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.loop = asyncio.get_running_loop()
        self.outgoing: deque[tuple[bytes, float | None]] = deque()
        self.frames: list[tuple[float, dict[str, Any]]] = []
        self.speech_end: list[float] = []
        self.play_end = 0.0
        self.played: dict[int, float] = {}
        self.stopped: set[int] = set()
        self.pending_marks: dict[int, list[asyncio.TimerHandle]] = {}
        self.changed = asyncio.Event()
        self.closed = False
        self.tasks: set[asyncio.Future[None]] = set()

    async def send_loop(self) -> None:
        """Send a 20 ms frame every 20 ms on an absolute clock (speech or silence)."""
        silence = bytes(_FRAME_BYTES)
        start = self.loop.time()
        sent = 0
        while not self.closed:
            pcm, end_in_frame = self.outgoing.popleft() if self.outgoing else (silence, None)
            data = base64.b64encode(pcm).decode("ascii")
            await self.ws.send(json.dumps({"type": "audio", "data": data}))
            sent += 1
            if end_in_frame is not None:
                self.speech_end.append(self.loop.time() - (FRAME_MS - end_in_frame) / 1000)
            await asyncio.sleep(max(0.0, start + sent * FRAME_MS / 1000 - self.loop.time()))

    async def receive_loop(self) -> None:
        """Read server frames until the socket closes."""
        async for raw in self.ws:
            now = self.loop.time()
            frame = json.loads(raw)
            self.frames.append((now, frame))
            kind = frame.get("type")
            if kind == "audio":
                rid = int(frame.get("replyId", 0))
                if rid not in self.stopped:
                    pcm_len = len(base64.b64decode(frame["data"]))
                    self.play_end = max(self.play_end, now) + pcm_len / 2 / RATE
            elif kind == "mark":
                rid = int(frame.get("replyId", 0))
                if rid not in self.stopped:
                    at = max(self.play_end, now)
                    handle = self.loop.call_at(
                        at, self._echo, frame["name"], rid, bool(frame["last"])
                    )
                    self.pending_marks.setdefault(rid, []).append(handle)
            elif kind == "stop":
                rid = int(frame.get("replyId", 0))
                self.stopped.add(rid)
                for handle in self.pending_marks.pop(rid, []):
                    handle.cancel()
                self.play_end = now
                self.played[rid] = now
            self.changed.set()
        self.closed = True
        self.changed.set()

    def _echo(self, name: str, rid: int, last: bool) -> None:
        if self.closed:
            return
        self.tasks.add(task := asyncio.ensure_future(self._send_mark(name)))
        task.add_done_callback(self.tasks.discard)
        if last:
            self.played[rid] = self.loop.time()
            self.changed.set()

    async def _send_mark(self, name: str) -> None:
        with contextlib.suppress(Exception):
            await self.ws.send(json.dumps({"type": "mark", "name": name}))

    def say(self, question: Question) -> None:
        """Queue the line's frames; the frame holding its last audible sample is tagged."""
        pcm = question.pcm
        end_byte = int(question.speech_end_ms * RATE / 1000) * 2
        for offset in range(0, len(pcm), _FRAME_BYTES):
            chunk = pcm[offset : offset + _FRAME_BYTES].ljust(_FRAME_BYTES, b"\0")
            tag = None
            if offset <= end_byte < offset + _FRAME_BYTES:
                tag = (end_byte - offset) / 2 / RATE * 1000
            self.outgoing.append((chunk, tag))

    def ended(self) -> str | None:
        """The server's ``ended`` reason, once it has sent one."""
        for _, f in self.frames:
            if f.get("type") == "ended":
                return str(f.get("reason"))
        return None

    async def wait(self, predicate: Any, timeout_s: float) -> bool:
        """Wait until ``predicate()`` (re-checked on every frame) or the timeout."""
        give_up = self.loop.time() + timeout_s
        while not predicate():
            if self.closed:
                return False
            left = give_up - self.loop.time()
            if left <= 0:
                return False
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(left, 0.5))
        return True

    def first_reply_after(self, index: int) -> dict[str, Any] | None:
        """The first ``reply`` frame (turn or prompt) received after frame ``index``."""
        for _, f in self.frames[index:]:
            if f.get("type") == "reply" and f.get("kind") in {"turn", "prompt"}:
                return f
        return None


async def run_call(
    ws_url: str,
    token: str,
    questions: list[Question],
    *,
    locale: str = "en_GB",
    think_ms: float = 1000.0,
    turn_timeout_s: float = 90.0,
) -> CallReport:
    """Make one call over ``WS {ws_url}/v1/voice`` and ask ``questions`` in order.

    Args:
        ws_url: ``ws://host:port`` of the server.
        token: a voice token (sent as the ``["bearer", token]`` subprotocols).
        questions: the customer's lines.
        locale: the contact's locale.
        think_ms: silence after each reply has played before the next line, ms.
        turn_timeout_s: longest wait for a reply to be played, s.

    Returns:
        The call's report (fewer answers when the server ended the call early).

    Raises:
        RuntimeError: the socket did not answer ``ready``.
    """
    from websockets.asyncio.client import connect

    async with connect(
        f"{ws_url}/v1/voice?locale={locale}",
        subprotocols=["bearer", token],  # type: ignore[list-item]
        max_size=None,
        open_timeout=120,
        ping_interval=None,
    ) as ws:
        caller = _Caller(ws)
        receiver = asyncio.create_task(caller.receive_loop())
        await caller.wait(
            lambda: any(f.get("type") in {"ready", "error"} for _, f in caller.frames), 120
        )
        ready = next((f for _, f in caller.frames if f.get("type") == "ready"), None)
        if ready is None:
            receiver.cancel()
            raise RuntimeError(f"no ready frame: {[f for _, f in caller.frames][:3]}")
        report = CallReport(str(ready["contactId"]))
        sender = asyncio.create_task(caller.send_loop())
        try:
            starts = await _ask_all(caller, questions, think_ms, turn_timeout_s)
            with contextlib.suppress(Exception):
                await ws.send(json.dumps({"type": "hangup"}))
            await caller.wait(lambda: caller.ended() is not None, 15)
        finally:
            caller.closed = True
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(receiver, 5)
    report.answers = _answers(caller, questions, starts)
    report.errors = [
        f"{f.get('code')}: {f.get('message')}" for _, f in caller.frames if f.get("type") == "error"
    ]
    ended = caller.ended()
    report.ended = ended if ended not in {None, "hangup"} else None
    return report


async def _ask_all(
    caller: _Caller, questions: list[Question], think_ms: float, turn_timeout_s: float
) -> list[int]:
    """Hear the greeting out, then say each question after the previous reply has played.

    Returns:
        The frame index at which each question was started.
    """
    await caller.wait(lambda: bool(caller.played) or caller.ended() is not None, turn_timeout_s)
    starts: list[int] = []
    for question in questions:
        if caller.ended() is not None:
            break
        await asyncio.sleep(think_ms / 1000)
        starts.append(len(caller.frames))
        caller.say(question)

        def answered(index: int = starts[-1]) -> bool:
            reply = caller.first_reply_after(index)
            if caller.ended() is not None:
                return True
            return reply is not None and int(reply["replyId"]) in caller.played

        await caller.wait(answered, turn_timeout_s)
    return starts


def _answers(caller: _Caller, questions: list[Question], starts: list[int]) -> list[Answer]:
    """Match transcripts, replies and latencies to the questions asked."""
    answers = []
    bounds = [*starts[1:], len(caller.frames)]
    for i, (start, stop) in enumerate(zip(starts, bounds, strict=True)):
        window = caller.frames[start:stop]
        answer = Answer(questions[i].text)
        answer.transcript = " ".join(
            str(f["text"]) for _, f in window
            if f.get("type") == "transcript" and f.get("final") and f.get("text")
        )
        reply = next(
            (
                f for _, f in window
                if f.get("type") == "reply" and f.get("kind") in {"turn", "prompt"}
            ),
            None,
        )
        if reply is not None:
            answer.reply = str(reply.get("text", ""))
            answer.reply_kind = str(reply.get("kind"))
            handover = reply.get("handover")
            answer.handover = str(handover.get("reason")) if isinstance(handover, dict) else None
            first_audio = next(
                (
                    t for t, f in window
                    if f.get("type") == "audio" and f.get("replyId") == reply["replyId"]
                ),
                None,
            )
            if first_audio is not None and i < len(caller.speech_end):
                answer.v2v_ms = 1000.0 * (first_audio - caller.speech_end[i])
        answers.append(answer)
    return answers


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``switchboard serve`` in a child process on a loopback port, with its own database.

    Args:
        env: extra ``SWITCHBOARD_*`` settings.
        nice: niceness added to the child (the machine is shared).
        startup_timeout_s: how long to wait for ``/health``.

    Raises:
        RuntimeError: from ``__enter__`` when the server exits or is not healthy in time
            (its log is :attr:`log_path`).
    """

    SECRET = "socket-caller-secret-0123456789abcdef0123456789"

    def __init__(
        self, *, env: dict[str, str] | None = None, nice: int = 0, startup_timeout_s: float = 240
    ) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="switchboard-socket-"))
        self.port = _free_port()
        self.log_path = self.root / "server.log"
        self.nice = nice
        self.startup_timeout_s = startup_timeout_s
        self.env = dict(os.environ)
        self.env.update({
            "SWITCHBOARD_DATABASE_URL": f"sqlite:///{self.root / 'calls.db'}",
            "SWITCHBOARD_AUTH__JWT_SECRET": self.SECRET,
            "SWITCHBOARD_LOG_LEVEL": "WARNING",
            "SWITCHBOARD_ROUTING__HOURS": "always",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
        })
        self.env.update(env or {})
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def http_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """``ws://127.0.0.1:PORT``."""
        return f"ws://127.0.0.1:{self.port}"

    def token(self, subject: str = "socket-caller") -> str:
        """A voice token signed with the server's secret (1 h)."""
        from pydantic import SecretStr

        from switchboard.config import AuthSettings
        from switchboard.voice.transports.auth import issue_token

        return issue_token(AuthSettings(jwt_secret=SecretStr(self.SECRET)), subject, ttl_s=3600)

    def __enter__(self) -> ServerProcess:
        log = open(self.log_path, "ab")
        cmd = [sys.executable, "-m", "switchboard.cli", "serve", "--host", "127.0.0.1",
               "--port", str(self.port)]  # fmt: skip
        if self.nice:
            cmd = ["nice", "-n", str(self.nice), *cmd]
        self._proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"the server exited; see {self.log_path}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.http_url}/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError(f"the server was not healthy in {self.startup_timeout_s:.0f} s")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
