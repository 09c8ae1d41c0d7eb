"""SqlStore against in-memory SQLite and (when reachable) PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text, update

from switchboard.audit.records import EventRecord
from switchboard.config import Settings
from switchboard.domain.types import (
    Channel,
    Contact,
    ContactStatus,
    Event,
    EventType,
    HallucinationLog,
    HallucinationType,
    Locale,
    Message,
    Role,
    Route,
    Severity,
    Source,
    ValidationAction,
)
from switchboard.errors import ConfigError, InputError, StoreError, UnknownContactError
from switchboard.ports import Store
from switchboard.store import ContactRow, MessageRow, SqlStore, create_store

T0 = datetime(2025, 10, 12, 14, 30, 45, 123456, tzinfo=UTC)


def _event(contact_id: str, n: int, **data: object) -> Event:
    """An event as a row may hold it: the store keeps any JSON ``data`` (no payload check)."""
    return Event.from_stored(
        {
            "contact_id": contact_id,
            "type": EventType.USER_INPUT,
            "source": Source.CUSTOMER,
            "timestamp": T0 + timedelta(seconds=n),
            "data": {"n": n, **data},
        }
    )


def _log(session_id: str, ttl: int, kind: HallucinationType, at: datetime) -> HallucinationLog:
    return HallucinationLog(
        timestamp=at,
        user_query="which documents do I need?",
        tool_name="get_branch_account_opening_info",
        tool_results={"documents": ["passport", "proof of address"]},
        model_response="Bring your passport and a utility bill from 2019.",
        hallucination_type=kind,
        severity=Severity.MEDIUM,
        validation_details={"claims": ["utility bill from 2019"], "score": 0.4},
        action_taken=ValidationAction.REGENERATED,
        session_id=session_id,
        ttl=ttl,
    )


def test_satisfies_store_protocol(store: SqlStore) -> None:
    assert isinstance(store, Store)


def test_contact_round_trip(store: SqlStore) -> None:
    contact = Contact(
        channel=Channel.VOICE,
        locale=Locale.FR_FR,
        created_at=datetime(2025, 1, 2, 15, 0, 0, 250000, tzinfo=timezone(timedelta(hours=1))),
        customer_endpoint="+447700900123",
        state={
            "dialogue": {"slots": {"postcode": "75001"}, "pending": None, "counts": [1, 2.5]},
            "attributes": {"RealTimeSentiment": "NEUTRAL", "FlowLanguage": "fr"},
        },
    )
    stored = store.create_contact(contact)
    assert stored.customer_endpoint == "+44******0123"
    got = store.get_contact(contact.contact_id)
    assert got == stored
    assert got.created_at == datetime(2025, 1, 2, 14, 0, 0, 250000, tzinfo=UTC)
    assert got.created_at.tzinfo is not None
    dialogue = {"slots": {"postcode": "75001"}, "pending": None, "counts": [1, 2.5]}
    assert got.state.dialogue == dialogue
    assert got.state.attributes.real_time_sentiment == "NEUTRAL"
    assert got.state.attributes.as_map() == {"RealTimeSentiment": "NEUTRAL", "FlowLanguage": "fr"}
    assert got.channel is Channel.VOICE and got.locale is Locale.FR_FR


def test_unknown_contact_raises(store: SqlStore) -> None:
    with pytest.raises(UnknownContactError) as info:
        store.get_contact("nope")
    assert isinstance(info.value, InputError)
    with pytest.raises(UnknownContactError):
        store.update_contact(Contact(contact_id="nope"))
    with pytest.raises(UnknownContactError):
        store.add_message("nope", Message(role=Role.USER, content="hi"))


def test_duplicate_contact_is_a_store_error(store: SqlStore) -> None:
    contact = store.create_contact(Contact())
    with pytest.raises(StoreError) as info:
        store.create_contact(contact)
    assert info.value.retryable is False
    assert info.value.__cause__ is not None


def test_update_contact_persists_status_state_end_and_locale(store: SqlStore) -> None:
    contact = store.create_contact(Contact(state={"agent": {"turns": 1}}))
    contact.status = ContactStatus.TRANSFERRED
    contact.state = {"agent": {"turns": 2}, "when": T0}  # validated into a ContactState
    contact.ended_at = T0
    contact.locale = Locale.EN_US
    store.update_contact(contact)
    got = store.get_contact(contact.contact_id)
    assert got.status is ContactStatus.TRANSFERRED
    assert got.ended_at == T0
    assert got.locale is Locale.EN_US
    # JSON columns hold JSON: a datetime in the state comes back as its ISO string.
    assert got.state.agent.turns == 2
    assert got.state["when"] == "2025-10-12T14:30:45.123456Z"  # an unknown key is kept


def test_list_contacts_newest_first_with_limit(store: SqlStore) -> None:
    ids = [
        store.create_contact(Contact(created_at=T0 + timedelta(minutes=i))).contact_id
        for i in range(5)
    ]
    listed = store.list_contacts(limit=3)
    assert [c.contact_id for c in listed] == ids[::-1][:3]
    assert len(store.list_contacts()) == 5
    with pytest.raises(InputError):
        store.list_contacts(limit=0)


def test_messages_are_numbered_per_contact_and_returned_oldest_first(store: SqlStore) -> None:
    a = store.create_contact(Contact()).contact_id
    b = store.create_contact(Contact()).contact_id
    for i in range(6):
        store.add_message(
            a,
            Message(
                role=Role.USER if i % 2 == 0 else Role.ASSISTANT,
                content=f"a{i}",
                timestamp=T0 + timedelta(seconds=i),
                route=Route.BRANCH if i == 1 else None,
                intent="find_branch" if i == 1 else None,
            ),
        )
        if i < 2:
            store.add_message(b, Message(role=Role.USER, content=f"b{i}"))
    last = store.recent_messages(a, 4)
    assert [m.content for m in last] == ["a2", "a3", "a4", "a5"]
    assert [m.role for m in last] == [Role.USER, Role.ASSISTANT, Role.USER, Role.ASSISTANT]
    everything = store.recent_messages(a, 100)
    assert everything[1].route is Route.BRANCH and everything[1].intent == "find_branch"
    assert everything[0].timestamp == T0
    assert [m.content for m in store.recent_messages(b, 10)] == ["b0", "b1"]
    assert store.recent_messages(a, 0) == []
    assert store.recent_messages("nobody", 5) == []
    with pytest.raises(InputError):
        store.recent_messages(a, -1)
    with store.engine.connect() as conn:
        seqs = conn.execute(select(MessageRow.seq)).scalars().all()
    assert sorted(seqs) == [1, 1, 2, 2, 3, 4, 5, 6]


def test_events_round_trip_in_order(store: SqlStore) -> None:
    data = {"text": "café £5.00", "nested": {"list": [1, 2.5, None, True]}, "big": 10**16}
    store.add_event(_event("c1", 0, **data))
    store.add_events([_event("c1", 1), _event("c2", 0), _event("c1", 2)])
    events = store.events("c1")
    assert [e.data["n"] for e in events] == [0, 1, 2]
    assert events[0].data == {"n": 0, **data}
    assert events[0].timestamp == T0
    assert events[0].type is EventType.USER_INPUT and events[0].source is Source.CUSTOMER
    assert [r.seq for r in store.event_records("c1")] == [1, 2, 3]
    assert [r.seq for r in store.event_records("c2")] == [1]
    assert store.events("nobody") == []


def test_event_records_keep_hashes_and_number_interleaved_contacts(store: SqlStore) -> None:
    store.add_event(_event("x", 0))
    records = [
        EventRecord(event=_event("x", 1), prev_hash="a" * 64, hash="b" * 64),
        EventRecord(event=_event("y", 0), prev_hash=None, hash="c" * 64),
        EventRecord(event=_event("x", 2), prev_hash="b" * 64, hash="d" * 64),
    ]
    store.add_event_records(records)
    got = store.event_records("x")
    assert [(r.seq, r.prev_hash, r.hash) for r in got] == [
        (1, None, None),
        (2, "a" * 64, "b" * 64),
        (3, "b" * 64, "d" * 64),
    ]
    assert store.last_event_hash("x") == "d" * 64
    assert store.last_event_hash("y") == "c" * 64
    assert store.last_event_hash("z") is None
    store.add_event_records([])  # no-op


def test_duplicate_event_id_fails_without_partial_batch(store: SqlStore) -> None:
    first = _event("c", 0)
    store.add_event(first)
    with pytest.raises(StoreError):
        store.add_events([_event("c", 1), first])
    assert [e.data["n"] for e in store.events("c")] == [0]


def test_hallucination_logs_filter_and_purge(store: SqlStore) -> None:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    expired = int((now - timedelta(seconds=1)).timestamp())
    live = int((now + timedelta(days=90)).timestamp())
    store.add_hallucination_log(_log("s1", expired, HallucinationType.FABRICATED_DATA, T0))
    keep = _log("s1", live, HallucinationType.INCORRECT_DOCUMENTS, T0 + timedelta(seconds=1))
    store.add_hallucination_log(keep)
    store.add_hallucination_log(_log("s2", live, HallucinationType.OFF_TOPIC, T0))
    assert len(store.hallucination_logs()) == 3
    s1 = store.hallucination_logs("s1")
    assert [log.hallucination_type for log in s1] == [
        HallucinationType.FABRICATED_DATA,
        HallucinationType.INCORRECT_DOCUMENTS,
    ]
    assert s1[1] == keep
    assert store.purge_expired_hallucination_logs(now) == 1
    assert store.purge_expired_hallucination_logs(now) == 0
    assert {log.log_id for log in store.hallucination_logs("s1")} == {keep.log_id}


def test_database_failure_is_a_retryable_store_error_with_cause(store: SqlStore) -> None:
    contact = store.create_contact(Contact())
    with store.engine.begin() as conn:
        MessageRow.__table__.drop(conn)
    with pytest.raises(StoreError) as info:
        store.add_message(contact.contact_id, Message(role=Role.USER, content="my card 4111"))
    assert info.value.retryable is True
    assert info.value.__cause__ is not None
    assert "4111" not in str(info.value)  # bound parameters never reach the message


def test_corrupt_row_is_a_store_error(store: SqlStore) -> None:
    contact = store.create_contact(Contact())
    with store.engine.begin() as conn:
        conn.execute(update(ContactRow).values(status="bogus"))
    with pytest.raises(StoreError) as info:
        store.get_contact(contact.contact_id)
    assert info.value.retryable is False


def test_unit_of_work_commits_once_and_rolls_back_everything(store: SqlStore) -> None:
    contact = store.create_contact(Contact())
    cid = contact.contact_id
    rollbacks: list[int] = []
    store.add_rollback_listener(lambda: rollbacks.append(1))
    with store.unit_of_work():
        store.add_message(cid, Message(role=Role.USER, content="one"))
        with store.unit_of_work():  # nested blocks join the outer transaction
            store.add_event(_event(cid, 0))
        assert [m.content for m in store.recent_messages(cid, 5)] == ["one"]
    assert len(store.recent_messages(cid, 5)) == 1
    with pytest.raises(RuntimeError), store.unit_of_work():
        store.add_message(cid, Message(role=Role.USER, content="two"))
        store.add_event(_event(cid, 1))
        contact.status = ContactStatus.ABANDONED
        store.update_contact(contact)
        raise RuntimeError("turn failed")
    assert [m.content for m in store.recent_messages(cid, 5)] == ["one"]
    assert len(store.events(cid)) == 1
    assert store.get_contact(cid).status is ContactStatus.ACTIVE
    assert rollbacks == [1]


def test_store_error_inside_unit_of_work_rolls_back(store: SqlStore) -> None:
    cid = store.create_contact(Contact()).contact_id
    with pytest.raises(UnknownContactError), store.unit_of_work():
        store.add_message(cid, Message(role=Role.USER, content="kept?"))
        store.add_message("nobody", Message(role=Role.USER, content="fails"))
    assert store.recent_messages(cid, 5) == []


def test_schema_creation_is_idempotent(store: SqlStore) -> None:
    cid = store.create_contact(Contact()).contact_id
    store.create_schema()
    assert store.get_contact(cid).contact_id == cid


def test_sqlite_file_store_sets_pragmas_and_creates_directory(tmp_path) -> None:
    db = tmp_path / "nested" / "var" / "switchboard.db"
    first = SqlStore(f"sqlite:///{db}")
    cid = first.create_contact(Contact()).contact_id
    with first.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    first.close()
    second = SqlStore(f"sqlite:///{db}")  # create_all again on an existing file
    assert second.get_contact(cid).contact_id == cid
    second.close()


def test_sqlite_file_store_is_safe_across_threads(tmp_path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'threads.db'}")
    ids = [store.create_contact(Contact()).contact_id for _ in range(4)]
    errors: list[BaseException] = []

    def write(cid: str) -> None:
        try:
            for i in range(25):
                store.add_message(cid, Message(role=Role.USER, content=str(i)))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(cid,)) for cid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for cid in ids:
        assert [m.content for m in store.recent_messages(cid, 3)] == ["22", "23", "24"]
    store.close()


def test_create_store_uses_settings_database_url(tmp_path) -> None:
    db = tmp_path / "var" / "from-settings.db"
    store = create_store(Settings(database_url=f"sqlite:///{db}"))
    store.create_contact(Contact())
    assert db.exists()
    assert store.dialect == "sqlite"
    store.close()


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        ("not a url", {}),
        ("nosuchdb+driver://x/y", {}),
        ("sqlite://", {"schema": "audit"}),
    ],
)
def test_bad_configuration_is_a_config_error(url: str, kwargs: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        SqlStore(url, **kwargs)


def test_unreachable_database_is_a_store_error() -> None:
    with pytest.raises(StoreError):
        SqlStore("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
