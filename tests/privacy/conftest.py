"""Fixtures of the privacy tests: sealed stores on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from switchboard.crypto import Envelope, LocalKeyring
from switchboard.store import Base, SqlStore

INDEX_KEY = bytes(range(32))


@pytest.fixture
def keyring() -> LocalKeyring:
    """A fresh in-memory keyring."""
    return LocalKeyring.generate()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def sealed_store(request: pytest.FixtureRequest, keyring: LocalKeyring) -> Iterator[SqlStore]:
    """An empty ``SqlStore`` that seals its columns, on each backend."""
    from switchboard.routing.models import RoutingBase

    envelope = Envelope(keyring)
    if request.param == "sqlite":
        store = SqlStore("sqlite://", envelope=envelope, index_key=INDEX_KEY)
    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        store = SqlStore(url, schema=schema, envelope=envelope, index_key=INDEX_KEY)
        with store.engine.begin() as conn:
            RoutingBase.metadata.create_all(conn)
            for table in [*RoutingBase.metadata.sorted_tables, *Base.metadata.sorted_tables]:
                conn.execute(table.delete())
    yield store
    store.close()
