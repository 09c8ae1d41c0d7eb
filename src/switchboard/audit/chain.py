"""Per-contact SHA-256 hash chain over audit events (tamper evidence).

Each stored event carries ``prev_hash`` (the hash of the contact's previous
event, None for the first) and ``hash`` = SHA-256 over the canonical JSON of
the event and ``prev_hash`` (:func:`event_hash`). Editing, deleting,
inserting or reordering a stored event breaks the recomputation or the links,
and :func:`verify_chain` reports the first event where that happens.

The hashed document commits to the event's data through its digest
(:func:`switchboard.audit.records.data_digest`): the SHA-256 of the sealed
ciphertext when the store encrypts event data, of the canonical JSON
otherwise. Erasure (GDPR Art. 17) replaces the data by a tombstone that keeps
that digest, so an erased contact's chain still verifies while the content is
gone. Hashes of the first format (the data itself in the document) still
verify for events that were not erased.

Limits: a plain hash chain shows accidental or naive edits; someone with
write access who recomputes every later hash, or who deletes the newest
events, is not detected by the chain alone. :mod:`switchboard.audit.anchor`
writes signed chain heads outside the database for that.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from switchboard.audit.records import ChainStore, data_digest, is_tombstone
from switchboard.domain.types import Event


def _utc_iso(value: datetime) -> str:
    """Return ``value`` as ISO 8601 UTC with microseconds (naive means UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(obj: Any) -> str:
    """Serialise JSON-compatible ``obj`` deterministically.

    Sorted keys, no whitespace, UTF-8 characters kept, NaN/Infinity refused
    (RFC 8785-style canonical form, without its number normalisation).

    Raises:
        TypeError: ``obj`` holds a value JSON cannot represent.
        ValueError: ``obj`` holds NaN or an infinity.

    """
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def event_hash(event: Event, prev_hash: str | None) -> str:
    """Return the hex SHA-256 of ``event`` chained to ``prev_hash``.

    The hashed document is the canonical JSON of ``event_id``, ``contact_id``,
    ``type``, ``source``, ``timestamp`` (UTC, microseconds), ``data_sha256``
    (:func:`~switchboard.audit.records.data_digest` of the stored data) and
    ``prev_hash``. ``event.data`` must be the stored form: JSON-compatible,
    sealed by the store, or a tombstone.

    Raises:
        TypeError, ValueError: ``event.data`` is not JSON-compatible.

    """
    document = _header(event, prev_hash)
    document["data_sha256"] = data_digest(event.data)
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def legacy_event_hash(event: Event, prev_hash: str | None) -> str:
    """The first format's hash: the data itself in the document (verification only)."""
    document = _header(event, prev_hash)
    document["data"] = event.data
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def _header(event: Event, prev_hash: str | None) -> dict[str, Any]:
    """The hashed fields other than the data."""
    return {
        "event_id": event.event_id,
        "contact_id": event.contact_id,
        "type": str(event.type),
        "source": str(event.source),
        "timestamp": _utc_iso(event.timestamp),
        "prev_hash": prev_hash,
    }


def _recomputes(event: Event, prev_hash: str | None, expected: str) -> bool:
    """True when ``expected`` is the event's hash in the current or the first format."""
    try:
        if event_hash(event, prev_hash) == expected:
            return True
        return not is_tombstone(event.data) and legacy_event_hash(event, prev_hash) == expected
    except (TypeError, ValueError):
        return False


class ChainReport(BaseModel):
    """The result of :func:`verify_chain` for one contact.

    Attributes:
        contact_id: the contact checked.
        ok: True when every event links to its predecessor and its hash recomputes.
        events_checked: how many events were examined (all of them when ok).
        first_bad_event_id / first_bad_seq: the first event that fails, if any.
        reason: ``hash_mismatch`` (the row was edited), ``broken_link``
            (``prev_hash`` is not the previous event's hash: a row was
            deleted, inserted or reordered) or ``unchained`` (the row has no
            hash: it was written without the audit sink).

    """

    model_config = ConfigDict(frozen=True)

    contact_id: str
    ok: bool
    events_checked: int
    first_bad_event_id: str | None = None
    first_bad_seq: int | None = None
    reason: str | None = None


def verify_chain(store: ChainStore, contact_id: str) -> ChainReport:
    """Recompute a contact's hash chain and report the first tampered event.

    Args:
        store: a store with chained records (:class:`switchboard.store.SqlStore`).
        contact_id: the contact whose events to check; no events is ok.

    Raises:
        switchboard.errors.StoreError: the events could not be read.

    """
    expected_prev: str | None = None
    checked = 0
    for record in store.event_records(contact_id):
        checked += 1
        reason: str | None = None
        if record.hash is None:
            reason = "unchained"
        elif record.prev_hash != expected_prev:
            reason = "broken_link"
        elif not _recomputes(record.event, record.prev_hash, record.hash):
            reason = "hash_mismatch"
        if reason is not None:
            return ChainReport(
                contact_id=contact_id,
                ok=False,
                events_checked=checked,
                first_bad_event_id=record.event.event_id,
                first_bad_seq=record.seq,
                reason=reason,
            )
        expected_prev = record.hash
    return ChainReport(contact_id=contact_id, ok=True, events_checked=checked)
