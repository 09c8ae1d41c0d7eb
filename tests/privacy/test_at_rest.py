"""Encryption at rest: rows hold ciphertext, reads decrypt, rotation and re-wrap keep them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from switchboard.audit import AuditSink, verify_chain
from switchboard.crypto import LocalKeyring, key_id_of
from switchboard.domain.types import (
    Contact,
    Event,
    EventType,
    HallucinationLog,
    HallucinationType,
    Message,
    Role,
    Severity,
    Source,
    ValidationAction,
)
from switchboard.errors import StoreError
from switchboard.routing.store import RoutingStore
from switchboard.routing.types import Callback
from switchboard.store import SqlStore
from switchboard.store.privacy import rewrap_store

SECRET = "ZEBRA-MARMALADE-42"
PHONE = "+447700900123"
TABLES = ["contacts", "messages", "events", "hallucination_logs", "routing_callbacks"]


def qual(store: SqlStore, table: str) -> str:
    """``table`` qualified with the store's PostgreSQL schema, for raw SQL."""
    schema = store._schema
    return f'"{schema}".{table}' if schema else table


def raw_dump(store: SqlStore) -> str:
    """Every row of every table, as the database returns it, in one string."""
    parts: list[str] = []
    with store.engine.connect() as conn:
        for table in TABLES:
            for row in conn.execute(text(f"SELECT * FROM {qual(store, table)}")):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def populate(store: SqlStore) -> tuple[Contact, RoutingStore]:
    contact = store.create_contact(Contact(customer_endpoint=PHONE))
    contact.state.attributes.conversation_summary = f"customer said {SECRET}"
    store.update_contact(contact)
    store.add_message(contact.contact_id, Message(role=Role.USER, content=f"I am {SECRET}"))
    store.add_message(contact.contact_id, Message(role=Role.ASSISTANT, content="Hello"))
    sink = AuditSink(store)
    sink.emit(
        Event(
            contact_id=contact.contact_id,
            type=EventType.USER_INPUT,
            source=Source.CUSTOMER,
            data={"transcript": f"I am {SECRET}"},
        )
    )
    store.add_hallucination_log(
        HallucinationLog(
            user_query=f"query {SECRET}",
            tool_name="t",
            tool_results={},
            model_response=f"answer {SECRET}",
            hallucination_type=HallucinationType.FABRICATED_DATA,
            severity=Severity.LOW,
            validation_details={},
            action_taken=ValidationAction.LOGGED,
            session_id=contact.contact_id,
            ttl=2_000_000_000,
        )
    )
    routing = RoutingStore.for_store(store)
    now = datetime.now(UTC)
    with routing.begin() as conn:
        from sqlalchemy import insert

        from switchboard.routing.models import CallbackRow

        cb = Callback(
            callback_id="cb-1",
            contact_id=contact.contact_id,
            customer_phone=PHONE,
            requested_at=now,
            queue_id="general",
            ttl=2_000_000_000,
            due_at=now + timedelta(minutes=5),
        )
        conn.execute(insert(CallbackRow), routing.callback_params(cb))
    return contact, routing


def test_rows_hold_ciphertext_and_reads_decrypt(sealed_store: SqlStore) -> None:
    contact, routing = populate(sealed_store)
    dump = raw_dump(sealed_store)
    assert SECRET not in dump
    assert PHONE not in dump and "7700900123" not in dump
    assert "sbe1:" in dump
    with sealed_store.engine.connect() as conn:
        content = (
            conn.execute(text(f"SELECT content FROM {qual(sealed_store, 'messages')}"))
            .scalars()
            .all()
        )
    assert all(c.startswith("sbe1:") for c in content)
    # transparent reads
    messages = sealed_store.recent_messages(contact.contact_id, 10)
    assert messages[0].content == f"I am {SECRET}"
    loaded = sealed_store.get_contact(contact.contact_id)
    assert loaded.state.attributes.conversation_summary == f"customer said {SECRET}"
    assert sealed_store.events(contact.contact_id)[0].data == {"transcript": f"I am {SECRET}"}
    logs = sealed_store.hallucination_logs(contact.contact_id)
    assert logs[0].user_query == f"query {SECRET}"
    with routing.begin() as conn:
        assert routing.callbacks(conn, None)[0].customer_phone == PHONE
    assert verify_chain(sealed_store, contact.contact_id).ok


def test_ciphertext_moved_to_another_record_does_not_open(sealed_store: SqlStore) -> None:
    a = sealed_store.create_contact(Contact())
    b = sealed_store.create_contact(Contact())
    sealed_store.add_message(a.contact_id, Message(role=Role.USER, content="for a only"))
    sealed_store.add_message(b.contact_id, Message(role=Role.USER, content="for b"))
    with sealed_store.engine.begin() as conn:
        stolen = conn.execute(
            text(f"SELECT content FROM {qual(sealed_store, 'messages')} WHERE contact_id = :c"),
            {"c": a.contact_id},
        ).scalar_one()
        conn.execute(
            text(f"UPDATE {qual(sealed_store, 'messages')} SET content = :v WHERE contact_id = :c"),
            {"v": stolen, "c": b.contact_id},
        )
    with pytest.raises(StoreError, match="does not open"):
        sealed_store.recent_messages(b.contact_id, 10)


def test_rotation_then_rewrap_keeps_rows_and_chain(
    sealed_store: SqlStore, keyring: LocalKeyring
) -> None:
    contact, routing = populate(sealed_store)
    old_id = keyring.current_key_id
    new_id = keyring.rotate()
    sealed_store.add_message(contact.contact_id, Message(role=Role.USER, content="after"))
    with sealed_store.engine.connect() as conn:
        ids = [
            key_id_of(v)
            for v in conn.execute(
                text(f"SELECT content FROM {qual(sealed_store, 'messages')} ORDER BY seq")
            ).scalars()
        ]
    assert ids == [old_id, old_id, new_id]  # new writes use the new key
    assert [m.content for m in sealed_store.recent_messages(contact.contact_id, 10)][-1] == "after"
    done = rewrap_store(sealed_store)
    assert done["messages.content"] == 2 and done["events.data"] >= 1
    assert done["contacts.state"] == 1
    assert routing.rewrap_callbacks() == 1
    keyring.retire(old_id)
    # everything still opens with only the new key, and the chain still verifies
    assert sealed_store.recent_messages(contact.contact_id, 10)[0].content == f"I am {SECRET}"
    assert sealed_store.events(contact.contact_id)[0].data["transcript"] == f"I am {SECRET}"
    with routing.begin() as conn:
        assert routing.callbacks(conn, None)[0].customer_phone == PHONE
    assert verify_chain(sealed_store, contact.contact_id).ok
    assert rewrap_store(sealed_store)["messages.content"] == 0


def test_legacy_clear_rows_still_read(sealed_store: SqlStore) -> None:
    clear = SqlStore.__new__(SqlStore)  # same engine, no envelope: a pre-encryption writer
    clear.__dict__.update(sealed_store.__dict__)
    from switchboard.store.sealing import ColumnSealer

    clear.sealer = ColumnSealer(None)
    contact = clear.create_contact(Contact())
    clear.add_message(contact.contact_id, Message(role=Role.USER, content="written in clear"))
    assert sealed_store.recent_messages(contact.contact_id, 5)[0].content == "written in clear"
