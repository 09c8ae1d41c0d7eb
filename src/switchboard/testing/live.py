"""Run a real app on a loopback port for end-to-end tests (real HTTP and WebSocket).

``LiveApp`` owns one uvicorn server in a daemon thread with its own event loop,
bound to ``127.0.0.1`` on a free port. Used as a context manager::

    with LiveApp(create_app(settings)) as live:
        httpx.get(live.http_url + "/health")
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn


class LiveApp:
    """An ASGI app served by uvicorn on 127.0.0.1 in a background thread.

    Args:
        app: the ASGI app (its lifespan runs in the server's loop).
        startup_timeout_s: how long to wait for the lifespan to finish starting.

    Raises:
        RuntimeError: from ``__enter__`` when the server dies or does not start in time.
    """

    def __init__(self, app: Any, *, startup_timeout_s: float = 180.0) -> None:
        self.app = app
        self.startup_timeout_s = startup_timeout_s
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on", ws_ping_interval=None)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="live-app", daemon=True)

    @property
    def http_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """``ws://127.0.0.1:PORT``."""
        return f"ws://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._sock]))

    def __enter__(self) -> LiveApp:
        self._thread.start()
        give_up = time.monotonic() + self.startup_timeout_s
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the app failed to start (see the log)")
            if time.monotonic() > give_up:
                self._server.should_exit = True
                raise RuntimeError(f"the app did not start in {self.startup_timeout_s:.0f} s")
            time.sleep(0.05)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()
