"""Replicas starting at once on one PostgreSQL database all get their tables (issue 14).

Found with ``bench/cluster_load.py``: two replicas raced on ``create_all`` of the
routing tables; the loser logged "human-agent desk not started" and served on
with no desk, so every handover on it failed. ``store.ddl.run_ddl`` tries again.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from switchboard.routing.store import RoutingStore
from switchboard.store.sql import SqlStore

pytestmark = pytest.mark.integration


@pytest.fixture
def schema(postgres_url: str) -> Iterator[str]:
    """A fresh, empty schema name (dropped afterwards)."""
    name = f"sbrace_{uuid.uuid4().hex[:10]}"
    yield name
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def test_six_starters_at_once_all_get_the_store_and_routing_tables(
    postgres_url: str, schema: str
) -> None:
    starters = 6
    barrier = threading.Barrier(starters)
    failures: list[BaseException] = []
    routing: list[RoutingStore] = []

    stores = [SqlStore(postgres_url, schema=schema, create_schema=False) for _ in range(starters)]

    def start(store: SqlStore) -> None:
        try:
            barrier.wait(timeout=30)
            store.create_schema()  # what a replica does first
            barrier.wait(timeout=30)
            routing.append(RoutingStore.for_store(store))  # then the desk's tables, at once
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=start, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert len(routing) == starters
    with routing[0].engine.connect() as conn:
        tables = set(
            conn.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema},
            ).scalars()
        )
    assert {"contacts", "events", "routing_entries", "routing_agents"} <= tables
