"""A scripted OpenAI-compatible chat-completions server on a loopback port, for tests.

:class:`ChatServer` is a real HTTP server (FastAPI under uvicorn, in a
background thread) that speaks the chat-completions wire format (OpenAI API
reference, "Create chat completion"): it checks each request the way a strict
server does — roles, ``tool_calls`` with a JSON-string ``arguments``, every
``tool`` message answering an earlier ``tool_call_id``, ``tools`` as
``function`` definitions — and answers 400 with an OpenAI-style error body
when the request breaks a rule. Valid requests are answered by a script: a
function of the request body returning one of

* :class:`Say` — an assistant message, ``finish_reason`` ``stop``;
* :class:`Call` (or a list of them) — ``tool_calls``, ``finish_reason`` ``tool_calls``;
* :class:`Fail` — an HTTP error status (429 throttling, 500, 503...);
* :class:`Hang` — no answer for a while (a hung provider).

Example::

    with ChatServer(lambda body: Say("Hello")) as server:
        OpenAISettings(base_url=server.base_url, model="scripted")
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@dataclass(frozen=True)
class Say:
    """Answer with assistant text (``finish_reason`` ``stop`` unless given)."""

    text: str
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Call:
    """Answer with one tool call; ``raw_arguments`` overrides the JSON encoding."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    raw_arguments: str | None = None


@dataclass(frozen=True)
class Fail:
    """Answer with an HTTP error ``status``."""

    status: int
    message: str = "scripted failure"


@dataclass(frozen=True)
class Hang:
    """Do not answer for ``seconds`` (then answer ``then``)."""

    seconds: float
    then: Say | None = None


Reply = Say | Call | list[Call] | Fail | Hang
Script = Callable[[dict[str, Any]], Reply]

_ROLES = {"system", "developer", "user", "assistant", "tool"}


def wire_errors(body: dict[str, Any]) -> list[str]:
    """Return every way ``body`` breaks the chat-completions request format (empty: valid)."""
    errors: list[str] = []
    if not isinstance(body.get("model"), str) or not body["model"]:
        errors.append("model: required string")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*errors, "messages: required non-empty array"]
    open_calls: set[str] = set()
    for i, m in enumerate(messages):
        role = m.get("role") if isinstance(m, dict) else None
        if role not in _ROLES:
            errors.append(f"messages[{i}].role: {role!r} is not a role")
            continue
        if role == "tool":
            call_id = m.get("tool_call_id")
            if call_id not in open_calls:
                errors.append(f"messages[{i}]: tool_call_id {call_id!r} answers no tool call")
            if not isinstance(m.get("content"), str):
                errors.append(f"messages[{i}].content: tool content must be a string")
            continue
        if role == "assistant" and m.get("tool_calls"):
            open_calls = set()
            for j, c in enumerate(m["tool_calls"]):
                fn = c.get("function") or {}
                where = f"messages[{i}].tool_calls[{j}]"
                if c.get("type") != "function" or not c.get("id"):
                    errors.append(f"{where}: needs id and type 'function'")
                if not isinstance(fn.get("name"), str) or not isinstance(fn.get("arguments"), str):
                    errors.append(f"{where}.function: name and arguments must be strings")
                else:
                    try:
                        json.loads(fn["arguments"])
                    except ValueError:
                        errors.append(f"{where}.function.arguments: not JSON")
                open_calls.add(str(c.get("id")))
            continue
        if not isinstance(m.get("content"), str):
            errors.append(f"messages[{i}].content: must be a string for role {role}")
    for k, tool in enumerate(body.get("tools") or []):
        fn = tool.get("function") or {}
        if tool.get("type") != "function" or not isinstance(fn.get("name"), str):
            errors.append(f"tools[{k}]: needs type 'function' and function.name")
        if not isinstance(fn.get("parameters", {}), dict):
            errors.append(f"tools[{k}].function.parameters: must be a JSON schema object")
    return errors


def completion(model: str, reply: Say | Call | list[Call]) -> dict[str, Any]:
    """Return the chat-completion response body for ``reply``."""
    if isinstance(reply, Say):
        message: dict[str, Any] = {"role": "assistant", "content": reply.text}
        finish = reply.finish_reason
    else:
        calls = reply if isinstance(reply, list) else [reply]
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"call_{uuid.uuid4().hex[:24]}",
                    "type": "function",
                    "function": {
                        "name": c.name,
                        "arguments": c.raw_arguments
                        if c.raw_arguments is not None
                        else json.dumps(c.arguments),
                    },
                }
                for c in calls
            ],
        }
        finish = "tool_calls"
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def _error(status: int, message: str, kind: str) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return JSONResponse(body, status_code=status)


class ChatServer:
    """A chat-completions server on ``127.0.0.1`` answering from ``script``.

    Args:
        script: request body → reply (see the module docstring).

    Attributes:
        requests: every request body received, in order (valid or not).
        rejected: the wire-format errors of each rejected request.
    """

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.rejected: list[list[str]] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(
            self._app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="chat-server", daemon=True)

    @property
    def base_url(self) -> str:
        """The URL a client is configured with (up to ``/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def chat(request: Request) -> JSONResponse:
            try:
                body = await request.json()
            except ValueError:
                return _error(400, "body is not JSON", "invalid_request_error")
            self.requests.append(body)
            errors = wire_errors(body)
            if errors:
                self.rejected.append(errors)
                return _error(400, "; ".join(errors), "invalid_request_error")
            reply = self.script(body)
            if isinstance(reply, Hang):
                await asyncio.sleep(reply.seconds)
                reply = reply.then or Say("sorry for the wait")
            if isinstance(reply, Fail):
                kind = "rate_limit_error" if reply.status == 429 else "server_error"
                return _error(reply.status, reply.message, kind)
            return JSONResponse(completion(str(body["model"]), reply))

        return app

    def _serve(self) -> None:
        self._server.run(sockets=[self._sock])

    def start(self) -> ChatServer:
        """Start serving; returns once the server accepts connections.

        Raises:
            RuntimeError: when the server does not start within 10 s.
        """
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("chat server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread (at most a few seconds)."""
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._sock.close()

    def __enter__(self) -> ChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
