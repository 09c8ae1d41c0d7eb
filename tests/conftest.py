"""Shared fixtures.

Store fixtures: ``store`` runs a test against in-memory SQLite and, when
reachable, PostgreSQL (``SWITCHBOARD_TEST_POSTGRES_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). PostgreSQL tests use
a schema unique to the test session, emptied before each test and dropped
at the end, so reruns start clean.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

DEFAULT_TEST_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _reachable(url: str) -> str | None:
    """Return None when ``url`` accepts a connection, else the reason it does not."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    try:
        conn = psycopg.connect(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            dbname=parsed.database,
            connect_timeout=2,
        )
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    conn.close()
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A reachable PostgreSQL URL, or skip with the reason."""
    explicit = os.environ.get("SWITCHBOARD_TEST_POSTGRES_URL")
    candidates = (
        [explicit]
        if explicit
        else [
            DEFAULT_TEST_POSTGRES_URL,
            DEFAULT_TEST_POSTGRES_URL.replace("//postgres@", "//root@"),
        ]
    )
    reasons = []
    for url in candidates:
        reason = _reachable(url)
        if reason is None:
            return url
        reasons.append(reason)
    pytest.skip(f"PostgreSQL not reachable at {candidates[0]}: {reasons[0]}")


@pytest.fixture(scope="session")
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL schema unique to this session, dropped afterwards."""
    from sqlalchemy import create_engine, text

    schema = f"sbtest_{uuid.uuid4().hex[:12]}"
    yield schema
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh, empty ``SqlStore`` on each backend."""
    from switchboard.store import Base, SqlStore

    if request.param == "sqlite":
        sql_store = SqlStore("sqlite://")
    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        sql_store = SqlStore(url, schema=schema)
        with sql_store.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    yield sql_store
    sql_store.close()


CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium (``make browser`` installs it); page tests skip visibly without it."""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
"""Flags for headless Chromium here: root, no GPU, and no calls to Google's hosts."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Debian Chromium driven by Playwright, one per test module."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (run `make browser`); page not tested")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


# --- abuse limits (issue 13) ----------------------------------------------------------
# The suite opens hundreds of contacts and sockets from 127.0.0.1 against a few servers;
# the production rates would refuse it. Tests of the limits pass their own LimitSettings.
for _name, _rate in {
    "REST_PER_IP": "20000/minute",
    "CONTACTS_PER_IP": "5000/minute",
    "LOGIN_PER_IP": "5000/minute",
    "PER_CONTACT": "2000/minute",
    "SOCKETS_PER_IP": "5000/minute",
}.items():
    os.environ.setdefault(f"SWITCHBOARD_LIMITS__{_name}", _rate)
