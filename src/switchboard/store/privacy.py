"""Erasure, retention purge and chain heads over :class:`~switchboard.store.sql.SqlStore`.

* :func:`erase_contact_rows`: GDPR Art. 17 erasure of one contact in one
  transaction: its messages, contact row (state with the summary) and
  hallucination-log rows are deleted; its audit events stay, with their data
  replaced by a tombstone that keeps the digest the hash chain commits to
  (:func:`switchboard.audit.records.tombstone`), so ``audit verify`` still
  passes and the event types and times remain as evidence of what happened.
* :func:`purge_expired`: the retention purge of whole contacts (messages,
  events, contact row, hallucination logs) ended before a cutoff, and of
  hallucination-log rows older than their own cutoff.
* :func:`chain_heads`: every contact's last ``(seq, hash)``, for the anchors.
* :func:`rewrap_store`: every sealed value moved to the current KEK after a
  key rotation (``switchboard keys rewrap``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from switchboard.audit.records import SEALED_KEY, is_tombstone, tombstone
from switchboard.crypto import Envelope, is_sealed_text, key_id_of
from switchboard.errors import ConfigError
from switchboard.store.models import ContactRow, EventRow, HallucinationLogRow, MessageRow
from switchboard.store.sealing import is_sealed_json
from switchboard.store.sql import SqlStore


@dataclass
class EraseCounts:
    """What one erasure or purge removed.

    Attributes:
        contacts: contact ids erased or purged.
        messages / contact_rows / hallucination_logs: rows deleted.
        events_tombstoned: events whose data was replaced by a tombstone.
        events_deleted: events deleted (purge only).
        heads: each purged contact's last ``(seq, hash)`` before deletion.
    """

    contacts: list[str] = field(default_factory=list)
    messages: int = 0
    contact_rows: int = 0
    hallucination_logs: int = 0
    events_tombstoned: int = 0
    events_deleted: int = 0
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)

    def add(self, other: EraseCounts) -> None:
        """Add ``other``'s counts to these."""
        self.contacts.extend(other.contacts)
        self.messages += other.messages
        self.contact_rows += other.contact_rows
        self.hallucination_logs += other.hallucination_logs
        self.events_tombstoned += other.events_tombstoned
        self.events_deleted += other.events_deleted
        self.heads.update(other.heads)


def contacts_of_customer(store: SqlStore, ref: str) -> list[str]:
    """Contact ids whose ``customer_ref`` is ``ref`` (:func:`switchboard.crypto.customer_ref`)."""
    stmt = select(ContactRow.contact_id).where(ContactRow.customer_ref == ref)
    with store.engine.connect() as conn:
        return [str(r[0]) for r in conn.execute(stmt)]


def event_contact_ids(store: SqlStore) -> list[str]:
    """Every contact id that has audit events, sorted."""
    stmt = select(EventRow.contact_id).distinct().order_by(EventRow.contact_id)
    with store.engine.connect() as conn:
        return [str(r[0]) for r in conn.execute(stmt)]


def chain_heads(store: SqlStore) -> dict[str, tuple[int, str]]:
    """Every contact's chain head: ``contact_id -> (last seq, its hash)`` (chained events only)."""
    last = (
        select(EventRow.contact_id, func.max(EventRow.seq).label("seq"))
        .group_by(EventRow.contact_id)
        .subquery()
    )
    stmt = select(EventRow.contact_id, EventRow.seq, EventRow.hash).join(
        last, (EventRow.contact_id == last.c.contact_id) & (EventRow.seq == last.c.seq)
    )
    with store.engine.connect() as conn:
        return {str(c): (int(s), str(h)) for c, s, h in conn.execute(stmt) if h is not None}


def erase_contact_rows(
    store: SqlStore, contact_id: str, now: datetime | None = None
) -> EraseCounts:
    """Erase one contact's data from the database, keeping its chain verifiable (module doc).

    Raises:
        switchboard.errors.StoreError: the transaction failed (nothing changed).
    """
    erased_at = (now or datetime.now(UTC)).isoformat(timespec="microseconds")
    counts = EraseCounts(contacts=[contact_id])
    with store.unit_of_work(), store._connect("erase contact") as conn:
        rows = conn.execute(
            select(EventRow.event_id, EventRow.data).where(EventRow.contact_id == contact_id)
        ).all()
        for event_id, data in rows:
            if is_tombstone(data):
                continue
            conn.execute(
                update(EventRow)
                .where(EventRow.event_id == event_id)
                .values(data=tombstone(data, erased_at))
            )
            counts.events_tombstoned += 1
        counts.messages = _deleted(
            conn, delete(MessageRow).where(MessageRow.contact_id == contact_id)
        )
        counts.hallucination_logs = _deleted(
            conn, delete(HallucinationLogRow).where(HallucinationLogRow.session_id == contact_id)
        )
        counts.contact_rows = _deleted(
            conn, delete(ContactRow).where(ContactRow.contact_id == contact_id)
        )
    return counts


def expired_contacts(store: SqlStore, cutoff: datetime) -> list[str]:
    """Contacts that ended (or, never ended, started) before ``cutoff``."""
    age = func.coalesce(ContactRow.ended_at, ContactRow.created_at)
    stmt = select(ContactRow.contact_id).where(age < cutoff).order_by(ContactRow.contact_id)
    with store.engine.connect() as conn:
        return [str(r[0]) for r in conn.execute(stmt)]


def purge_contacts(store: SqlStore, contact_ids: list[str]) -> EraseCounts:
    """Delete whole contacts (messages, events, row, hallucination logs); record their heads.

    Raises:
        switchboard.errors.StoreError: the transaction failed (nothing changed).
    """
    counts = EraseCounts(contacts=list(contact_ids))
    if not contact_ids:
        return counts
    heads = chain_heads(store)
    counts.heads = {cid: heads[cid] for cid in contact_ids if cid in heads}
    with store.unit_of_work(), store._connect("purge contacts") as conn:
        counts.messages = _deleted(
            conn, delete(MessageRow).where(MessageRow.contact_id.in_(contact_ids))
        )
        counts.events_deleted = _deleted(
            conn, delete(EventRow).where(EventRow.contact_id.in_(contact_ids))
        )
        counts.hallucination_logs = _deleted(
            conn, delete(HallucinationLogRow).where(HallucinationLogRow.session_id.in_(contact_ids))
        )
        counts.contact_rows = _deleted(
            conn, delete(ContactRow).where(ContactRow.contact_id.in_(contact_ids))
        )
    return counts


def purge_hallucination_logs(store: SqlStore, cutoff: datetime) -> int:
    """Delete hallucination-log rows written before ``cutoff``; return how many."""
    with store._connect("purge hallucination logs") as conn:
        return _deleted(
            conn, delete(HallucinationLogRow).where(HallucinationLogRow.timestamp < cutoff)
        )


def _deleted(conn: Connection, stmt: object) -> int:
    """Run a DELETE and return its row count."""
    return int(conn.execute(stmt).rowcount)  # type: ignore[call-overload]  # DML statement


def rewrap_value(envelope: Envelope, value: Any) -> Any | None:
    """The value re-wrapped under the current KEK, or None when it needs nothing.

    Handles sealed text (``sbe1:...``) and sealed JSON (``{"_sealed": ...}``);
    clear values and tombstones are left alone.

    Raises:
        switchboard.crypto.UnknownKeyError: the value's KEK is no longer held.
    """
    current = envelope.wrapper.current_key_id
    if isinstance(value, str) and is_sealed_text(value):
        return None if key_id_of(value) == current else envelope.rewrap_text(value)
    if is_sealed_json(value):
        sealed = value[SEALED_KEY]
        if key_id_of(sealed) == current:
            return None
        return {SEALED_KEY: envelope.rewrap_text(sealed)}
    return None


def rewrap_store(store: SqlStore) -> dict[str, int]:
    """Move every sealed column value of the store to the current KEK (``keys rewrap``).

    Only the wrapped data keys change (ciphertexts and chain digests stay), so
    the audit chains still verify afterwards. Returns ``table.column -> rows
    re-wrapped``. Rows are read and updated one table column at a time.

    Raises:
        ConfigError: the store has no envelope (encryption is off).
        switchboard.crypto.UnknownKeyError: a value's KEK was retired already.
    """
    envelope = store.sealer.envelope
    if envelope is None:
        raise ConfigError("encryption at rest is off (crypto.enabled=false): nothing to re-wrap")
    targets: list[tuple[Any, Any]] = [
        (MessageRow.id, MessageRow.content),
        (ContactRow.contact_id, ContactRow.state),
        (EventRow.event_id, EventRow.data),
        (HallucinationLogRow.log_id, HallucinationLogRow.user_query),
        (HallucinationLogRow.log_id, HallucinationLogRow.model_response),
    ]
    done: dict[str, int] = {}
    for key, column in targets:
        name = f"{column.class_.__tablename__}.{column.key}"
        with store._connect(f"rewrap {name}") as conn:
            count = 0
            for pk, value in conn.execute(select(key, column)).all():
                new = rewrap_value(envelope, value)
                if new is not None:
                    conn.execute(update(column.class_).where(key == pk).values({column.key: new}))
                    count += 1
        done[name] = count
    return done
