"""PostgreSQL-only store behaviour (the shared store tests also run on PostgreSQL).

Skips with the reason when PostgreSQL is not reachable (see tests/conftest.py).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from switchboard.audit import AuditSink, verify_chain
from switchboard.domain.types import Contact, Event, EventType, Message, Role, Source
from switchboard.store import SqlStore

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[SqlStore]:
    """A store in its own fresh schema, dropped afterwards."""
    schema = f"sbtest_{uuid.uuid4().hex[:12]}"
    store = SqlStore(postgres_url, schema=schema)
    yield store
    store.close()
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def test_tables_live_in_the_requested_schema(pg_store: SqlStore, postgres_url: str) -> None:
    schema = pg_store.engine.get_execution_options()["schema_translate_map"][None]
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        tables = set(
            conn.execute(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema},
            ).scalars()
        )
        column_type = conn.execute(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_schema = :s AND table_name = 'events' AND column_name = 'data'"
            ),
            {"s": schema},
        ).scalar()
    engine.dispose()
    assert tables == {"contacts", "messages", "events", "hallucination_logs"}
    assert column_type == "json"  # not jsonb: stored JSON text round-trips exactly
    assert pg_store.dialect == "postgresql"


def test_json_numbers_and_text_keep_the_chain_valid(pg_store: SqlStore) -> None:
    sink = AuditSink(pg_store, log_events=False)
    output = {
        "big_float": 1e16,
        "tiny": 1e-7,
        "tenth": 0.1,
        "big_int": 2**62,
        "text": "Crédit Agricole — 9:00-17:00 « ouvert » 🙂",
        "z": 1,
        "a": [1.0, 2, {"b": None}],
    }
    data = {"tool_name": "t", "tool_output": output}
    sink.emit(
        Event(contact_id="c1", type=EventType.TOOL_INVOCATION, source=Source.AI_AGENT, data=data)
    )
    sink.emit(Event(contact_id="c1", type=EventType.AGENT_REPLY, source=Source.AI_AGENT))
    assert pg_store.events("c1")[0].data == data
    assert verify_chain(pg_store, "c1").ok


def test_non_utc_timestamps_come_back_as_the_same_instant(pg_store: SqlStore) -> None:
    moment = datetime(
        2025, 3, 30, 1, 30, 15, 999999, tzinfo=timezone(timedelta(hours=5, minutes=30))
    )
    contact = pg_store.create_contact(Contact(created_at=moment))
    got = pg_store.get_contact(contact.contact_id)
    assert got.created_at == moment
    assert got.created_at.tzinfo == UTC


def test_threads_write_concurrently(pg_store: SqlStore) -> None:
    ids = [pg_store.create_contact(Contact()).contact_id for _ in range(4)]
    errors: list[BaseException] = []

    def write(cid: str) -> None:
        try:
            for i in range(10):
                pg_store.add_message(cid, Message(role=Role.USER, content=str(i)))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(cid,)) for cid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(len(pg_store.recent_messages(cid, 20)) == 10 for cid in ids)


def test_turns_in_one_unit_of_work_keep_a_valid_chain(pg_store: SqlStore) -> None:
    """2 reads + 2 messages + 8 chained events + 1 update per turn, committed once."""
    contact = pg_store.create_contact(Contact())
    cid = contact.contact_id
    sink = AuditSink(pg_store, batch_size=64, log_events=False)
    for turn in range(20):
        with pg_store.unit_of_work():
            pg_store.get_contact(cid)
            pg_store.recent_messages(cid, 20)
            pg_store.add_message(cid, Message(role=Role.USER, content=f"question {turn}"))
            pg_store.add_message(cid, Message(role=Role.ASSISTANT, content=f"answer {turn}"))
            for k in range(8):
                sink.emit(
                    Event(
                        contact_id=cid,
                        type=EventType.BRAIN_RESPONSE,
                        source=Source.AI_AGENT,
                        data={"latency_ms": k},
                    )
                )
            sink.flush()
            pg_store.update_contact(contact)
    assert verify_chain(pg_store, cid).ok
    assert verify_chain(pg_store, cid).events_checked == 160
    assert len(pg_store.recent_messages(cid, 100)) == 40


def test_two_replicas_writing_one_contacts_events_keep_every_event_and_one_chain(
    pg_store: SqlStore,
) -> None:
    """Two processes' stores and audit sinks (each with its own cached chain head)
    append to the same contact at the same time: no event lost, seq 1..N, a valid chain."""
    schema = pg_store.engine.get_execution_options()["schema_translate_map"][None]
    other = SqlStore(pg_store.engine.url.render_as_string(hide_password=False), schema=schema)
    contact = pg_store.create_contact(Contact())
    cid = contact.contact_id
    errors: list[BaseException] = []

    def replica(store: SqlStore, name: str) -> None:
        sink = AuditSink(store, batch_size=4, log_events=False)
        try:
            for k in range(40):
                sink.emit(
                    Event(
                        contact_id=cid,
                        type=EventType.BRAIN_RESPONSE,
                        source=Source.AI_AGENT,
                        data={"latency_ms": k + (1000 if name == "b" else 0)},
                    )
                )
                if k % 3 == 0:
                    sink.flush()
            sink.flush()
        except BaseException as exc:
            errors.append(exc)

    try:
        threads = [
            threading.Thread(target=replica, args=(store, name))
            for store, name in ((pg_store, "a"), (other, "b"))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        other.close()
    assert errors == []
    records = pg_store.event_records(cid)
    assert len(records) == 80
    assert [r.seq for r in records] == list(range(1, 81))
    assert verify_chain(pg_store, cid).ok


async def test_a_killed_connection_is_retried_on_a_fresh_one(
    pg_store: SqlStore, postgres_url: str
) -> None:
    """No ping per checkout: a dead pooled connection costs one retry, not a failed call."""
    from switchboard.errors import ConnectionLostError
    from switchboard.store.aio import ThreadedStore

    db = ThreadedStore(pg_store)
    contact = await db.create_contact(Contact())
    with pg_store.engine.connect() as conn:  # the pooled connection the next call reuses
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    admin.dispose()
    with pytest.raises(ConnectionLostError):  # the synchronous store says what happened
        pg_store.get_contact(contact.contact_id)
    with pg_store.engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    admin.dispose()
    assert (await db.get_contact(contact.contact_id)).contact_id == contact.contact_id
    assert await db.transaction(lambda: pg_store.get_contact(contact.contact_id)) is not None
