"""Routing fixtures: a routing store on SQLite and PostgreSQL, and a live app with open queues."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def routing_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """``(url, schema)`` of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'routing.db'}", None
        return
    from sqlalchemy import create_engine, text

    url = request.getfixturevalue("postgres_url")
    schema = f"sbroute_{uuid.uuid4().hex[:10]}"
    yield url, schema
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="module")
def open_desk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app (router model, MCP tools, SQLite) with queues open 24x7; yields its URL."""
    from switchboard.api import create_app
    from switchboard.config import RoutingSettings, Settings
    from switchboard.testing.live import LiveApp

    db = tmp_path_factory.mktemp("desk-db") / "switchboard.db"
    settings = Settings(
        database_url=f"sqlite:///{db}",
        log_json=False,
        log_level="WARNING",
        routing=RoutingSettings(hours="always"),
    )
    from switchboard.testing.identity import ensure_user

    ensure_user(settings, DESK_USER, "agent", DESK_PASSWORD)
    ensure_user(settings, "desk-supervisor", "supervisor", DESK_PASSWORD)
    DESK_SETTINGS.append(settings)
    with LiveApp(create_app(settings)) as live:
        yield live.http_url


#: The agent who signs in on the desk page of ``open_desk_server`` (and a supervisor).
DESK_USER = "Alice"
DESK_PASSWORD = "alice-has-a-long-password"
DESK_SETTINGS: list[object] = []


@pytest.fixture
def desk_login() -> tuple[str, str]:
    """(user name, password) of the desk's agent."""
    return DESK_USER, DESK_PASSWORD


@pytest.fixture
def desk_supervisor_headers(open_desk_server: str) -> dict[str, str]:
    """Supervisor headers for reading contacts on ``open_desk_server``."""
    from switchboard.config import Settings
    from switchboard.testing.identity import staff_headers

    settings = DESK_SETTINGS[-1]
    assert isinstance(settings, Settings)
    return staff_headers(settings, "supervisor", "desk-supervisor")
