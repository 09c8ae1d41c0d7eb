"""Shared e2e fixtures: ONE real app (real AgentService, local brain, MCP tools,
SQLite in a tmp dir) served by uvicorn on a free loopback port for the session."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from switchboard.config import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

#: Startup loads the embedded router model (~5 s on 2 cores); allow for a slow machine.
STARTUP_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class LiveServer:
    """Where the session's server listens."""

    base_url: str
    ws_url: str
    settings: Settings


@pytest.fixture(scope="session")
def e2e_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    database = tmp_path_factory.mktemp("e2e-db") / "switchboard.db"
    return Settings(database_url=f"sqlite:///{database}", log_json=False, log_level="WARNING")


@pytest.fixture(scope="session")
def live_server(e2e_settings: Settings) -> Iterator[LiveServer]:
    """Run ``create_app(settings)`` under uvicorn in a background thread.

    The app creates its AgentService in the lifespan (in the server's own event
    loop) and closes it at shutdown, exactly as ``switchboard serve`` does.
    """
    from switchboard.api import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(e2e_settings), log_level="warning", lifespan="on", ws_ping_interval=None
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="e2e-uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive():
            sock.close()
            pytest.fail(
                "the app failed to start (see the log above); if the router model is "
                "missing run `make train`"
            )
        if time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail(f"the app did not start within {STARTUP_TIMEOUT_S:.0f} s")
        time.sleep(0.05)
    try:
        yield LiveServer(
            base_url=f"http://127.0.0.1:{port}",
            ws_url=f"ws://127.0.0.1:{port}",
            settings=e2e_settings,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.base_url, timeout=60.0) as http:
        yield http
