"""``ThreadedStore``: the :class:`~switchboard.ports.AsyncStore` port over any sync ``Store``.

Every call runs in a worker thread (``asyncio.to_thread``), so a database
round trip never blocks the event loop that carries the other contacts'
turns, sockets and voice calls.

Why threads rather than SQLAlchemy's asyncio extension: the store's unit of
work (one transaction per turn, joined by every call of the same task and
thread, with rollback listeners for the audit hash chain) and its SQLite /
PostgreSQL set-up stay in one implementation (``SqlStore``); the asyncio
extension would need async drivers (aiosqlite, asyncpg) and a second copy of
every query. A turn makes a handful of store calls; a thread hop costs tens
of microseconds (``bench/turn_latency.py`` before and after are in the
issue 11 report). ``asyncio.to_thread`` copies the context, so the calls of
one :meth:`ThreadedStore.transaction` share its unit of work.

The pool does not ping a connection before each checkout (``store/engine.py``): a
call (or a whole transaction) that fails with
:class:`~switchboard.errors.ConnectionLostError` is run once more, on a fresh
connection (the failed transaction was rolled back, so nothing is written twice).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TypeVar

from switchboard.domain.types import Contact, Event, HallucinationLog, Message
from switchboard.errors import ConnectionLostError
from switchboard.ports import Store

T = TypeVar("T")


class ThreadedStore:
    """Awaitable calls over a synchronous :class:`~switchboard.ports.Store`.

    Args:
        store: the synchronous store (``SqlStore``, the Lex ``SessionStore``...).
    """

    def __init__(self, store: Store) -> None:
        self.sync = store

    async def create_contact(self, contact: Contact) -> Contact:
        """Insert a new contact and return it."""
        return await self._call(self.sync.create_contact, contact)

    async def get_contact(self, contact_id: str) -> Contact:
        """Return a contact. Raises UnknownContactError when absent."""
        return await self._call(self.sync.get_contact, contact_id)

    async def update_contact(self, contact: Contact) -> None:
        """Persist status, state and end time of an existing contact."""
        await self._call(self.sync.update_contact, contact)

    async def add_message(self, contact_id: str, message: Message) -> None:
        """Append one message to the contact's transcript."""
        await self._call(self.sync.add_message, contact_id, message)

    async def recent_messages(self, contact_id: str, limit: int) -> list[Message]:
        """Return the last ``limit`` messages, oldest first."""
        return await self._call(self.sync.recent_messages, contact_id, limit)

    async def events(self, contact_id: str) -> list[Event]:
        """Return the contact's events in order."""
        return await self._call(self.sync.events, contact_id)

    async def add_hallucination_log(self, log: HallucinationLog) -> None:
        """Store one hallucination-log row."""
        await self._call(self.sync.add_hallucination_log, log)

    async def transaction(self, work: Callable[[], T]) -> T:
        """Run ``work`` in one worker thread inside the store's unit of work (if it has one).

        Raises:
            Whatever ``work`` raises (the transaction is rolled back).
        """
        return await self._call(self._in_unit, work)

    @staticmethod
    async def _call(fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` in a worker thread, run once more after a lost connection."""
        try:
            return await asyncio.to_thread(fn, *args)
        except ConnectionLostError:
            return await asyncio.to_thread(fn, *args)

    def _in_unit(self, work: Callable[[], T]) -> T:
        unit = getattr(self.sync, "unit_of_work", None)
        with unit() if callable(unit) else contextlib.nullcontext():
            return work()
