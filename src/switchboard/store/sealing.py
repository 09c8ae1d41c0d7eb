"""Sealing of stored columns (encryption at rest through :mod:`switchboard.crypto`).

:class:`ColumnSealer` turns a value into its stored form and back:

* text columns (message text, hallucination-log text, callback numbers)
  hold ``"sbe1:" + base64(envelope)`` (:meth:`ColumnSealer.text`);
* JSON columns (contact state with its summary, event data) hold
  ``{"_sealed": "sbe1:..."}`` (:meth:`ColumnSealer.json`), so the column
  keeps its type and the row stays valid JSON.

The associated data names the table, the column and the record (contact id,
event id, timestamp...), so a ciphertext copied into another row does not
open. Reads accept unsealed legacy values (written before encryption was
turned on) and return them as they are; with no envelope (``crypto.enabled``
false, or a store built without one) values are stored in clear.

An erased event's data is a tombstone (:data:`switchboard.audit.records.ERASED_KEY`)
that keeps only the SHA-256 of the ciphertext it replaced; it reads back as
``{"erased": true}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from switchboard.audit.records import ERASED_KEY, SEALED_KEY
from switchboard.crypto import CryptoError, Envelope, is_sealed_text
from switchboard.errors import StoreError


class ColumnSealer:
    """Seal and open column values with an optional envelope (module docstring).

    Args:
        envelope: the envelope; None stores values in clear.
    """

    def __init__(self, envelope: Envelope | None) -> None:
        self.envelope = envelope

    @property
    def enabled(self) -> bool:
        """True when values are sealed on write."""
        return self.envelope is not None

    def text(self, value: str, aad: str) -> str:
        """The stored form of a text value."""
        if self.envelope is None:
            return value
        return self.envelope.seal_text(value, aad)

    def open_text(self, value: str, aad: str) -> str:
        """The clear form of a stored text value (legacy clear values pass through).

        Raises:
            switchboard.crypto.DecryptError / UnknownKeyError: a sealed value that
                does not open (tampered, moved to another record, key retired).
            switchboard.crypto.CryptoError: a sealed value read without an envelope.
        """
        if not is_sealed_text(value):
            return value
        return self._envelope().open_text(value, aad)

    def json(self, data: dict[str, Any], aad: str) -> dict[str, Any]:
        """The stored form of a JSON object (``data`` must be JSON-compatible)."""
        if self.envelope is None or is_sealed_json(data):
            return data
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return {SEALED_KEY: self.envelope.seal_text(text, aad)}

    def open_json(self, data: Any, aad: str) -> Any:
        """The clear form of a stored JSON value; a tombstone reads ``{"erased": true}``.

        Raises:
            switchboard.crypto.CryptoError: see :meth:`open_text`.
        """
        if isinstance(data, dict) and ERASED_KEY in data:
            return {"erased": True}
        if not is_sealed_json(data):
            return data
        return json.loads(self._envelope().open_text(data[SEALED_KEY], aad))

    def _envelope(self) -> Envelope:
        """The envelope, or an error saying sealed data needs one."""
        if self.envelope is None:
            raise CryptoError("sealed data in the database but encryption is not configured")
        return self.envelope


def is_sealed_json(data: Any) -> bool:
    """True when a JSON column value is the sealed form ``{"_sealed": "sbe1:..."}``."""
    return (
        isinstance(data, dict)
        and len(data) == 1
        and isinstance(data.get(SEALED_KEY), str)
        and is_sealed_text(data[SEALED_KEY])
    )


def open_sealed(opener: Callable[[Any, str], Any], value: Any, aad: str) -> Any:
    """``opener(value, aad)``; a value that does not open is a corrupt row.

    Raises:
        StoreError: tampered, moved or unreadable ciphertext (not retryable).
    """
    try:
        return opener(value, aad)
    except CryptoError as exc:
        raise StoreError(f"sealed value does not open: {exc.message}", retryable=False) from exc


def utc_key(value: datetime) -> str:
    """A timestamp as it goes into associated data: UTC ISO 8601 with microseconds."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def message_aad(contact_id: str, timestamp: datetime) -> str:
    """Associated data of a message's text: its contact and timestamp."""
    return f"messages.content|{contact_id}|{utc_key(timestamp)}"


def event_aad(contact_id: str, event_id: str) -> str:
    """Associated data of an event's data: its contact and event id."""
    return f"events.data|{contact_id}|{event_id}"


def state_aad(contact_id: str) -> str:
    """Associated data of a contact's state (dialogue, attributes, summary)."""
    return f"contacts.state|{contact_id}"
