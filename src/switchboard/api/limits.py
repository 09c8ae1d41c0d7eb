"""Abuse limits: rate limits per client IP and per contact, and request/frame sizes.

Rate limits use the ``limits`` library (moving window, in-process memory
storage: one process; a multi-replica deployment would point ``limits`` at
Redis, which this issue leaves out). The numbers are settings
(:class:`switchboard.config.LimitSettings`, ``SWITCHBOARD_LIMITS__*``):

=========================  ==========================================  ===============
limit                      applies to                                  when exceeded
=========================  ==========================================  ===============
``rest_per_ip``            every HTTP request under ``/v1``, ``/metrics``  429
``contacts_per_ip``        ``POST /v1/contacts``                        429
``login_per_ip``           ``POST /v1/auth/login``                      429
``per_contact``            customer messages (REST and chat socket)     429 / error frame
``sockets_per_ip``         every WebSocket handshake                    error frame, 4429
``max_body_bytes``         HTTP request bodies                          413
``max_chat_frame_bytes``   chat and desk socket frames                  error frame
``max_voice_frame_bytes``  voice socket frames                          error frame (4x: close 1009)
=========================  ==========================================  ===============

A refused chat frame keeps the socket and the contact open (nothing is lost);
429 answers carry ``Retry-After``.

The memory storage sweeps expired entries at most once a second
(:class:`SweepingMemoryStorage`); ``limits``' own starts a thread 10 ms after every
hit that walks every key (one per customer and address: measurable CPU at 500
customers, issue 14).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from switchboard.config import LimitSettings

#: Close code of a socket refused for its rate (application range, RFC 6455 §7.4.2).
CLOSE_RATE_LIMITED = 4429



#: Seconds between two sweeps of expired rate-limit entries.
SWEEP_S = 1.0


class SweepingMemoryStorage(MemoryStorage):
    """``limits``' memory storage, its expired entries swept at most every :data:`SWEEP_S`.

    The base class schedules a sweep of every key 10 ms after each hit (a new
    thread each time). Expiry does not depend on the sweep: moving windows compare
    entry times and counters check their expiry on read, so the sweep only frees
    memory and may run less often.
    """

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base class's private hook
        if not self.timer.is_alive():
            sweep = getattr(self, "_MemoryStorage__expire_events")  # noqa: B009  # private
            self.timer = threading.Timer(SWEEP_S, sweep)
            self.timer.daemon = True
            self.timer.start()

class Limiter:
    """Named rate limits over one in-memory moving window.

    Args:
        settings: the limit settings (rates in ``limits`` notation).

    Raises:
        ValueError: a rate string does not parse.
    """

    def __init__(self, settings: LimitSettings) -> None:
        self.settings = settings
        self._window = MovingWindowRateLimiter(SweepingMemoryStorage())
        self._items: dict[str, RateLimitItem] = {
            name: parse(getattr(settings, name))
            for name in (
                "rest_per_ip",
                "contacts_per_ip",
                "login_per_ip",
                "per_contact",
                "sockets_per_ip",
                "voice_frames_per_contact",
            )
        }

    def hit(self, name: str, key: str) -> bool:
        """Count one use of limit ``name`` by ``key``; False when over the limit."""
        if not self.settings.enabled:
            return True
        return bool(self._window.hit(self._items[name], name, key))

    def retry_after(self, name: str) -> int:
        """Seconds to suggest in ``Retry-After`` for limit ``name`` (its window, at least 1)."""
        return max(1, int(self._items[name].get_expiry()))


def _error(code: str, message: str, retryable: bool) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "retryable": retryable}}


class AbuseLimitMiddleware:
    """ASGI middleware applying the per-IP limits and the body size limit (module table)."""

    def __init__(self, app: ASGIApp, limiter: Limiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse over-limit requests and sockets; pass the rest on."""
        if scope["type"] == "websocket":
            await self._socket(scope, receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        ip = _ip(scope)
        if self.limiter.hit("sockets_per_ip", ip):
            await self.app(scope, receive, send)
            return
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        frame = {
            "type": "error",
            "code": "rate_limited",
            "message": "too many connections from this address; try again in a minute",
            "retryable": True,
        }
        await send({"type": "websocket.send", "text": json.dumps(frame)})
        await send({"type": "websocket.close", "code": CLOSE_RATE_LIMITED})

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method, ip = scope.get("path", ""), scope.get("method", ""), _ip(scope)
        limited = path.startswith("/v1/") or path == "/metrics"
        for name, applies in (
            ("rest_per_ip", limited),
            ("contacts_per_ip", method == "POST" and path == "/v1/contacts"),
            ("login_per_ip", method == "POST" and path == "/v1/auth/login"),
        ):
            if applies and not self.limiter.hit(name, ip):
                body = _error("rate_limited", "too many requests; slow down", True)
                headers = {"retry-after": str(self.limiter.retry_after(name))}
                await _respond(send, 429, body, headers)
                return
        if method in ("POST", "PUT", "PATCH"):
            replay = await self._bounded_body(scope, receive, send)
            if replay is None:
                return
            receive = replay
        await self.app(scope, receive, send)

    async def _bounded_body(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """Read the body up to the limit; answer 413 (and return None) beyond it."""
        limit = self.limiter.settings.max_body_bytes
        too_big = _error("payload_too_large", f"request bodies are limited to {limit} bytes", False)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _respond(send, 413, too_big)
                return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _respond(send, 413, too_big)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay


def _ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "?"


async def _respond(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    raw = json.dumps(body).encode()
    header_list = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(raw)).encode()),
    ]
    header_list += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": header_list})
    await send({"type": "http.response.body", "body": raw})


def limiter_of(app: Any) -> Limiter:
    """The app's :class:`Limiter` (``app.state.limiter``, set by ``create_app``)."""
    limiter = app.state.limiter
    assert isinstance(limiter, Limiter)  # set by create_app before any request
    return limiter
