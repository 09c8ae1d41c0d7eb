"""Erasure, retention purge, audit verification and anchors (issue 13 acceptance line 3)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from switchboard.audit import AuditSink
from switchboard.config import (
    CryptoSettings,
    RetentionSettings,
    Settings,
    SummarySettings,
)
from switchboard.domain.types import (
    Contact,
    ContactStatus,
    Event,
    EventType,
    Message,
    Role,
    Source,
)
from switchboard.privacy import PrivacyService
from switchboard.store import SqlStore
from switchboard.store.sql import create_store

PHONE_A = "+44 7700 900123"


def make_settings(tmp: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp / 'sb.db'}",
        crypto=CryptoSettings(
            keyring_file=tmp / "keyring.json",
            index_key_file=tmp / "index-key",
            anchor_key_file=tmp / "anchor.pem",
        ),
        retention=RetentionSettings(
            anchor_file=tmp / "anchors.jsonl", recordings_dir=tmp / "recordings"
        ),
        summaries=SummarySettings(directory=tmp / "summaries"),
    )


def contact_with_history(
    store: SqlStore, sink: AuditSink, settings: Settings, endpoint: str | None, words: str
) -> str:
    contact = store.create_contact(Contact(customer_endpoint=endpoint))
    cid = contact.contact_id
    for i in range(3):
        store.add_message(cid, Message(role=Role.USER, content=f"{words} {i}"))
        sink.emit(
            Event(
                contact_id=cid,
                type=EventType.USER_INPUT,
                source=Source.CUSTOMER,
                data={"transcript": f"{words} {i}", "turn": i},
            )
        )
        sink.emit(
            Event(
                contact_id=cid,
                type=EventType.AGENT_REPLY,
                source=Source.AI_AGENT,
                data={"text": f"reply {i}", "turn": i},
            )
        )
    contact.status = ContactStatus.RESOLVED
    contact.ended_at = datetime.now(UTC)
    store.update_contact(contact)
    assert settings.summaries.directory is not None
    settings.summaries.directory.mkdir(parents=True, exist_ok=True)
    (settings.summaries.directory / f"{cid}.json").write_text(json.dumps({"contact_id": cid}))
    recordings = settings.retention.recordings_dir
    recordings.mkdir(parents=True, exist_ok=True)
    (recordings / f"{cid}.wav.sbe").write_bytes(b"sealed audio")
    return cid


@pytest.fixture
def world(tmp_path: Path) -> tuple[Settings, SqlStore, AuditSink, PrivacyService]:
    settings = make_settings(tmp_path)
    store = create_store(settings)
    return settings, store, AuditSink(store), PrivacyService(settings, store)


def test_erase_customer_everywhere_then_verify_passes(world) -> None:  # type: ignore[no-untyped-def]
    settings, store, sink, privacy = world
    a1 = contact_with_history(store, sink, settings, PHONE_A, "alpha secret")
    a2 = contact_with_history(store, sink, settings, "+447700900123", "alpha again")
    b = contact_with_history(store, sink, settings, "+33 6 12 34 56 78", "bravo")
    assert privacy.anchor() == 3
    report = privacy.erase(customer="07700 900123".replace("07700", "+44 7700"))
    assert sorted(report.contacts) == sorted([a1, a2])
    assert report.messages == 6 and report.contact_rows == 2 and report.events_tombstoned == 12
    assert report.summary_files == 2 and report.recordings == 2
    assert store.recent_messages(a1, 10) == [] and store.recent_messages(b, 10) != []
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT data FROM events WHERE contact_id = :c"), {"c": a1})
        datas = [json.loads(r[0]) if isinstance(r[0], str) else r[0] for r in rows]
    assert datas and all(set(d) == {"_erased", "_data_sha256"} for d in datas)
    files = [p.name for p in (settings.summaries.directory or Path()).iterdir()]
    assert files == [f"{b}.json"]
    verified = privacy.verify()
    assert verified.ok, verified
    assert verified.contacts_checked == 3 and verified.events_checked == 18
    assert privacy.verify(a1).ok


def test_active_contacts_are_not_erased(world) -> None:  # type: ignore[no-untyped-def]
    _settings, store, _sink, privacy = world
    live = store.create_contact(Contact(customer_endpoint=PHONE_A))
    report = privacy.erase(customer=PHONE_A)
    assert report.skipped_active == [live.contact_id] and report.contacts == []
    with pytest.raises(Exception, match="exactly one"):
        privacy.erase()


def _raw(store: SqlStore, sql: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


@pytest.mark.parametrize("seq", [1, 3, 6])
@pytest.mark.parametrize("attack", ["edit", "delete"])
def test_tampering_with_or_deleting_any_event_is_detected(world, seq: int, attack: str) -> None:  # type: ignore[no-untyped-def]
    settings, store, sink, privacy = world
    cid = contact_with_history(store, sink, settings, PHONE_A, "words")  # 6 events
    other = contact_with_history(store, sink, settings, None, "other")
    privacy.anchor()
    assert privacy.verify().ok
    if attack == "edit":
        _raw(
            store,
            "UPDATE events SET type = 'error' WHERE contact_id = :c AND seq = :s",
            c=cid,
            s=seq,
        )
    else:
        _raw(store, "DELETE FROM events WHERE contact_id = :c AND seq = :s", c=cid, s=seq)
    report = privacy.verify()
    assert not report.ok
    bad = {c.contact_id for c in report.chain_failures} | {
        p.contact_id for p in report.anchor_problems
    }
    assert bad == {cid}
    assert privacy.verify(other).ok
    if attack == "delete" and seq == 6:  # the newest: only the anchor can tell
        assert report.chain_failures == []
        assert [p.reason for p in report.anchor_problems] == ["anchored_head_missing"]


def test_edited_sealed_data_and_edited_anchor_file_are_detected(world) -> None:  # type: ignore[no-untyped-def]
    settings, store, sink, privacy = world
    a = contact_with_history(store, sink, settings, PHONE_A, "one")
    b = contact_with_history(store, sink, settings, None, "two")
    privacy.anchor()
    # swap the sealed data of two events: each still opens nowhere else, and the chain breaks
    with store.engine.begin() as conn:
        data_b = conn.execute(
            text("SELECT data FROM events WHERE contact_id = :c AND seq = 1"), {"c": b}
        ).scalar_one()
        conn.execute(
            text("UPDATE events SET data = :d WHERE contact_id = :c AND seq = 1"),
            {"d": data_b if isinstance(data_b, str) else json.dumps(data_b), "c": a},
        )
    failures = privacy.verify().chain_failures
    assert [(f.contact_id, f.reason) for f in failures] == [(a, "hash_mismatch")]
    # an edited anchor line fails its signature
    path = settings.retention.anchor_file
    line = json.loads(path.read_text().splitlines()[0])
    line["heads"][b][0] = 99
    path.write_text(json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n")
    reasons = [p.reason for p in privacy.verify(b).anchor_problems]
    assert "bad_signature" in reasons


def test_retention_purge_deletes_expired_contacts_and_keeps_verification(world) -> None:  # type: ignore[no-untyped-def]
    settings, store, sink, privacy = world
    old = contact_with_history(store, sink, settings, PHONE_A, "old")
    new = contact_with_history(store, sink, settings, None, "new")
    privacy.anchor()
    contact = store.get_contact(old)
    contact.ended_at = datetime.now(UTC) - timedelta(days=2556)
    store.update_contact(contact)
    ancient = (datetime.now(UTC) - timedelta(days=2600)).timestamp()
    summary = (settings.summaries.directory or Path()) / f"{new}.json"
    os.utime(summary, (ancient, ancient))  # an export older than its retention
    report = privacy.purge()
    assert report.contacts == [old] and report.events_deleted == 6 and report.messages == 3
    assert report.summary_files == 2  # the old contact's, and the stale export
    assert store.recent_messages(new, 10) != []
    kinds = [json.loads(x)["kind"] for x in settings.retention.anchor_file.read_text().splitlines()]
    assert kinds == ["anchor", "purge"]
    assert privacy.verify().ok  # the purged head is expected to be gone
    assert privacy.purge().contacts == []
