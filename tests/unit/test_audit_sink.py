"""AuditSink: redaction, JSON log line, hash chain, tamper evidence, store failures."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, update

from switchboard.audit import AuditSink, EventRecord, configure_logging, event_hash, verify_chain
from switchboard.domain.types import Event, EventType, Source
from switchboard.errors import StoreError
from switchboard.ports import EventSink
from switchboard.store import EventRow, SqlStore

PHONE = "+447700900123"
CARD = "4111 1111 1111 1111"
T0 = datetime(2025, 10, 12, 14, 30, tzinfo=UTC)


def _event(cid: str, n: int, **data: object) -> Event:
    return Event(
        contact_id=cid,
        type=EventType.TOOL_INVOCATION,
        source=Source.AI_AGENT,
        timestamp=T0 + timedelta(milliseconds=n),
        data={"tool_name": "find_nearest_branch", "tool_input": {"n": n}, **data},
    )


def _n(event: Event) -> object:
    """The ``n`` an :func:`_event` carries in its tool input."""
    return event.data["tool_input"]["n"]


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    yield stream
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


class FlakyStore(SqlStore):
    """A real store whose event writes fail while ``down`` is set."""

    down = False

    def add_event_records(self, records: Sequence[EventRecord]) -> None:
        if self.down:
            raise StoreError("database unavailable")
        super().add_event_records(records)


class ListStore:
    """A minimal non-chain store: only what the sink calls."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add_event(self, event: Event) -> None:
        self.events.append(event)


def test_emit_redacts_stores_and_chains(store: SqlStore) -> None:
    sink = AuditSink(store)
    assert isinstance(sink, EventSink)
    sink.emit(
        _event("c1", 0, tool_output={"customer_phone": PHONE, "card": CARD, "pc": "M1 1AE"})
    )
    sink.emit(_event("c1", 1, tool_output={"when": T0, "items": ("a", 2)}))
    sink.emit(_event("c2", 0))
    stored = store.events("c1")
    assert stored[0].data == {
        "tool_name": "find_nearest_branch",
        "tool_input": {"n": 0},
        "tool_output": {"customer_phone": "[PHONE]", "card": "[CARD]", "pc": "M1 1AE"},
    }
    assert stored[1].data["tool_output"] == {"when": "2025-10-12T14:30:00Z", "items": ["a", 2]}
    records = store.event_records("c1")
    assert records[0].prev_hash is None
    assert records[1].prev_hash == records[0].hash
    assert records[1].hash == event_hash(records[1].event, records[0].hash)
    report = verify_chain(store, "c1")
    assert report.ok and report.events_checked == 2
    assert verify_chain(store, "c2").ok
    assert verify_chain(store, "nobody").ok


def test_edited_event_row_is_detected(store: SqlStore) -> None:
    sink = AuditSink(store)
    for n in range(5):
        sink.emit(_event("c1", n, tool_output={"fee": "£5.00"}))
    victim = store.event_records("c1")[2]
    with store.engine.begin() as conn:
        conn.execute(
            update(EventRow)
            .where(EventRow.event_id == victim.event.event_id)
            .values(data={"tool_input": {"n": 2}, "tool_output": {"fee": "£0.00"}})
        )
    report = verify_chain(store, "c1")
    assert not report.ok
    assert report.reason == "hash_mismatch"
    assert report.first_bad_event_id == victim.event.event_id
    assert report.first_bad_seq == 3
    assert report.events_checked == 3


def test_edited_type_and_deleted_row_are_detected(store: SqlStore) -> None:
    sink = AuditSink(store)
    for n in range(4):
        sink.emit(_event("c1", n))
    records = store.event_records("c1")
    with store.engine.begin() as conn:
        conn.execute(
            update(EventRow)
            .where(EventRow.event_id == records[0].event.event_id)
            .values(type="not_a_type")
        )
    first = verify_chain(store, "c1")
    assert (first.ok, first.reason, first.first_bad_seq) == (False, "hash_mismatch", 1)
    with store.engine.begin() as conn:
        conn.execute(
            update(EventRow)
            .where(EventRow.event_id == records[0].event.event_id)
            .values(type=str(EventType.TOOL_INVOCATION))
        )
        conn.execute(delete(EventRow).where(EventRow.event_id == records[1].event.event_id))
    second = verify_chain(store, "c1")
    assert (second.ok, second.reason) == (False, "broken_link")
    assert second.first_bad_event_id == records[2].event.event_id


def test_unchained_event_is_reported(store: SqlStore) -> None:
    AuditSink(store).emit(_event("c1", 0))
    store.add_event(_event("c1", 1))
    report = verify_chain(store, "c1")
    assert (report.ok, report.reason, report.first_bad_seq) == (False, "unchained", 2)


def test_new_sink_continues_the_chain_from_the_database(store: SqlStore) -> None:
    AuditSink(store).emit(_event("c1", 0))
    AuditSink(store).emit(_event("c1", 1))  # no cache: reads the last hash
    assert verify_chain(store, "c1").ok
    assert len(store.events("c1")) == 2


def test_sink_survives_store_failure_and_retries(log_stream: io.StringIO) -> None:
    store = FlakyStore("sqlite://")
    sink = AuditSink(store)
    sink.emit(_event("c1", 0))
    store.down = True
    sink.emit(_event("c1", 1, tool_output={"customer_phone": PHONE}))  # must not raise
    sink.emit(_event("c1", 2))
    assert sink.pending == 2
    assert len(store.events("c1")) == 1
    failures = [
        line
        for line in map(json.loads, log_stream.getvalue().splitlines())
        if line["event_type"] == "audit_failure"
    ]
    assert failures and failures[0]["level"] == "ERROR"
    assert failures[0]["contact_id"] == "c1"
    assert failures[0]["data"]["error"] == "StoreError"
    store.down = False
    assert sink.flush() == 2
    assert sink.pending == 0
    assert [_n(e) for e in store.events("c1")] == [0, 1, 2]
    assert verify_chain(store, "c1").ok
    store.close()


def test_sink_survives_a_dropped_table(store: SqlStore) -> None:
    sink = AuditSink(store)
    with store.engine.begin() as conn:
        EventRow.__table__.drop(conn)
    sink.emit(_event("c1", 0))  # must not raise
    assert sink.pending == 1
    store.create_schema()
    assert sink.flush() == 1
    assert verify_chain(store, "c1").ok


def test_queue_is_bounded_while_the_store_is_down() -> None:
    store = FlakyStore("sqlite://")
    store.down = True
    sink = AuditSink(store, max_pending=3)
    for n in range(5):
        sink.emit(_event("c1", n))
    assert (sink.pending, sink.dropped) == (3, 2)
    store.down = False
    sink.flush()
    assert [_n(e) for e in store.events("c1")] == [2, 3, 4]
    assert verify_chain(store, "c1").ok
    store.close()


def test_batched_sink_writes_on_flush_and_when_full(store: SqlStore) -> None:
    sink = AuditSink(store, batch_size=4)
    for n in range(3):
        sink.emit(_event("c1", n))
        sink.emit(_event("c2", n))  # the 4th emit fills the batch
        if n == 0:
            assert store.events("c1") == []
    assert sink.pending == 2
    assert len(store.events("c1")) == 2
    sink.close()
    assert sink.pending == 0
    assert [_n(e) for e in store.events("c1")] == [0, 1, 2]
    assert verify_chain(store, "c1").ok and verify_chain(store, "c2").ok


def test_flush_of_one_contact_writes_only_its_events(store: SqlStore) -> None:
    """A turn flushes its own contact's events in its own transaction (issue 14)."""
    sink = AuditSink(store, batch_size=100)
    for n in range(3):
        sink.emit(_event("c1", n))
        sink.emit(_event("c2", n))
    assert sink.flush("c2") == 3
    assert [_n(e) for e in store.events("c2")] == [0, 1, 2]
    assert store.events("c1") == [] and sink.pending == 3
    sink.emit(_event("c1", 3))
    assert sink.flush("c1") == 4
    assert [_n(e) for e in store.events("c1")] == [0, 1, 2, 3]
    assert sink.flush("c1") == 0 and sink.pending == 0
    assert verify_chain(store, "c1").ok and verify_chain(store, "c2").ok


def test_failed_flush_of_one_contact_keeps_its_events_first_in_line() -> None:
    store = FlakyStore("sqlite://")
    sink = AuditSink(store, batch_size=100)
    sink.emit(_event("c1", 0))
    sink.emit(_event("c2", 0))
    store.down = True
    assert sink.flush("c1") == 0
    sink.emit(_event("c1", 1))
    store.down = False
    assert sink.flush("c1") == 2
    assert [_n(e) for e in store.events("c1")] == [0, 1]
    assert sink.pending == 1  # c2's event waits for its own flush
    assert verify_chain(store, "c1").ok
    store.close()


def test_concurrent_flushes_keep_every_chain_whole(store: SqlStore) -> None:
    """Threads flushing their own contacts at once (the turn workers) lose and break nothing."""
    import threading

    sink = AuditSink(store, batch_size=1000)
    contacts = [f"c{i}" for i in range(6)]

    def turns(cid: str) -> None:
        for n in range(20):
            sink.emit(_event(cid, n))
            sink.emit(_event(contacts[(contacts.index(cid) + 1) % 6], 100 + n))  # a neighbour's
            sink.flush(cid)

    threads = [threading.Thread(target=turns, args=(cid,)) for cid in contacts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sink.flush()
    assert sink.pending == 0
    for cid in contacts:
        assert len(store.events(cid)) == 40
        assert verify_chain(store, cid).ok


def test_rolled_back_unit_of_work_keeps_the_chain_valid(store: SqlStore) -> None:
    sink = AuditSink(store)
    sink.emit(_event("c1", 0))
    with pytest.raises(RuntimeError), store.unit_of_work():
        sink.emit(_event("c1", 1))  # written, cached, then rolled back
        raise RuntimeError("turn failed")
    sink.emit(_event("c1", 2))
    assert [_n(e) for e in store.events("c1")] == [0, 2]
    assert verify_chain(store, "c1").ok


def test_sink_log_line_carries_contact_and_no_raw_pii(log_stream: io.StringIO) -> None:
    sink = AuditSink(ListStore())  # type: ignore[arg-type]  # a partial fake is enough here
    sink.emit(
        Event(
            contact_id="c-42",
            type=EventType.USER_INPUT,
            source=Source.CUSTOMER,
            data={"channel": "voice", "transcript": f"call {PHONE} about card {CARD}"},
        )
    )
    (line,) = [json.loads(x) for x in log_stream.getvalue().splitlines()]
    assert line["logger"] == "switchboard.audit"
    assert line["contact_id"] == "c-42"
    assert line["event_type"] == "user_input"
    assert line["data"] == {"channel": "voice", "transcript": "call [PHONE] about card [CARD]"}
    assert "7700900123" not in log_stream.getvalue() and "4111" not in log_stream.getvalue()


def test_non_chain_store_receives_redacted_events() -> None:
    fake = ListStore()
    sink = AuditSink(fake, log_events=False)  # type: ignore[arg-type]  # partial fake
    sink.emit(_event("c1", 0, tool_output={"customer_phone": PHONE}))
    assert [e.data["tool_output"] for e in fake.events] == [{"customer_phone": "[PHONE]"}]


def test_invalid_sizes_are_rejected(store: SqlStore) -> None:
    with pytest.raises(ValueError):
        AuditSink(store, batch_size=0)
