"""Chained event records and the store capability the audit chain needs.

Kept free of SQLAlchemy so that :mod:`switchboard.store` can implement
:class:`ChainStore` and :mod:`switchboard.audit` can use it without either
package importing the other's internals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from switchboard.domain.types import Event


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
