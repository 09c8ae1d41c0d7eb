"""Chained event records and the store capability the audit chain needs.

Kept free of SQLAlchemy so that :mod:`switchboard.store` can implement
:class:`ChainStore` and :mod:`switchboard.audit` can use it without either
package importing the other's internals.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from switchboard.domain.types import Event

#: Key of a sealed JSON column value: ``{"_sealed": "sbe1:<base64 envelope>"}``.
SEALED_KEY = "_sealed"
#: Key of an erased event's data: ``{"_erased": "<UTC ISO time>", "_data_sha256": "<hex>"}``.
ERASED_KEY = "_erased"
#: The SHA-256 of the stored data an event hash commits to (kept by a tombstone).
DIGEST_KEY = "_data_sha256"


def data_digest(data: Any) -> str:
    """Hex SHA-256 of an event's stored ``data``: what the chain commits to.

    * sealed data (``{"_sealed": text}``): the digest of its nonce and
      ciphertext (not of the wrapped data key, so ``switchboard keys rewrap``
      leaves the chain intact), never a hash of clear customer data;
    * a tombstone: the digest it kept from the data it replaced;
    * clear data (no encryption configured): the digest of its canonical JSON.

    Raises:
        TypeError, ValueError: clear data that is not JSON-compatible.
    """
    if isinstance(data, dict):
        if ERASED_KEY in data and isinstance(data.get(DIGEST_KEY), str):
            return str(data[DIGEST_KEY])
        sealed = data.get(SEALED_KEY)
        if len(data) == 1 and isinstance(sealed, str):
            return hashlib.sha256(_sealed_body(sealed)).hexdigest()
    text = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sealed_body(sealed: str) -> bytes:
    """Nonce + ciphertext + tag of a sealed text (layout of ``switchboard.crypto.envelope``).

    ``"sbe1:" + base64(magic:4 | kid_len:1 | kid | wrapped_len:2 | wrapped | body)``;
    anything that does not parse is hashed whole (so it still fails verification
    if edited).
    """
    try:
        blob = base64.b64decode(sealed.removeprefix("sbe1:"), validate=True)
        pos = 4
        pos += 1 + blob[pos]
        pos += 2 + int.from_bytes(blob[pos : pos + 2], "big")
    except (ValueError, IndexError, binascii.Error):
        return sealed.encode("utf-8")
    return blob[pos:] if pos < len(blob) else sealed.encode("utf-8")


def tombstone(data: Any, erased_at: str) -> dict[str, Any]:
    """The data that replaces an erased event's: the erase time and :func:`data_digest`."""
    return {ERASED_KEY: erased_at, DIGEST_KEY: data_digest(data)}


def is_tombstone(data: Any) -> bool:
    """True when an event's stored data is a tombstone left by erasure."""
    return isinstance(data, dict) and ERASED_KEY in data


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event as stored in the audit trail.

    Attributes:
        event: the (already redacted) event.
        prev_hash: hex SHA-256 of the contact's previous event, None for the
            first event of a contact or for an unchained event.
        hash: hex SHA-256 of this event (see :func:`switchboard.audit.chain.event_hash`),
            None for an event stored without chaining.
        seq: 1-based position among the contact's events; assigned by the
            store on write, so None until the record has been read back.

    """

    event: Event
    prev_hash: str | None = None
    hash: str | None = None
    seq: int | None = None


@runtime_checkable
class ChainStore(Protocol):
    """What the audit sink and :func:`verify_chain` need beyond ``ports.Store``.

    :class:`switchboard.store.SqlStore` implements it; a store without it still
    receives events through ``Store.add_event`` (no chain).
    """

    def add_event_records(self, records: Sequence[EventRecord]) -> None:
        """Store records in one transaction, in order; seq is assigned per contact.

        Raises:
            switchboard.errors.StoreError: the write failed; nothing was stored.

        """
        ...

    def event_records(self, contact_id: str) -> list[EventRecord]:
        """Return the contact's records in seq order, with seq, prev_hash and hash."""
        ...

    def last_event_hash(self, contact_id: str) -> str | None:
        """Return the hash of the contact's last event (None when it has none)."""
        ...

    def add_rollback_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` whenever a unit of work is rolled back."""
        ...
