"""The audit sink: every event is redacted, logged as JSON and stored, chained.

:class:`AuditSink` implements ``ports.EventSink``. For each event it:

1. converts ``event.data`` to JSON-compatible values and redacts PII
   (:func:`switchboard.audit.redact.redact_data`);
2. writes one JSON log line on the ``switchboard.audit`` logger (seed 2
   "Structured Logging Format": contact_id, event_type, data);
3. stores the event. With a :class:`~switchboard.audit.records.ChainStore`
   (``SqlStore``) each event gets ``prev_hash`` and ``hash`` of the contact's
   SHA-256 chain (:mod:`switchboard.audit.chain`); with any other
   ``ports.Store`` it goes through ``Store.add_event`` unchained.

``emit`` never raises: a failure is logged (without PII) and the event stays
queued for the next write. Listeners added with :meth:`AuditSink.subscribe`
(metrics, the supervisor board) receive every redacted event as it is emitted;
a failing listener is logged and never reaches the conversation.

With ``batch_size > 1`` events are queued and written together by
:meth:`AuditSink.flush` (one transaction), which the turn loop calls at the
end of a turn; a full batch flushes on its own.

A store with a ``seal_event(event) -> Event`` method (``SqlStore`` with
encryption at rest) seals each event's data before it is hashed, so the
chain commits to the ciphertext (see :mod:`switchboard.audit.chain`);
listeners and the JSON log still receive the redacted clear event.

The last hash of each contact is kept in memory (an LRU of
``max_cached_contacts``), so chaining costs no read per event; a contact not
in the cache costs one indexed read. When the store rolls back a unit of
work the cache is dropped, since the rolled-back events are gone.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

from pydantic_core import to_jsonable_python

from switchboard.audit.chain import event_hash
from switchboard.audit.records import ChainStore, EventRecord
from switchboard.audit.redact import redact_data
from switchboard.domain.types import Event, EventType
from switchboard.ports import Store

AUDIT_LOGGER = "switchboard.audit"

_failure_log = logging.getLogger("switchboard.audit.sink")

#: Receives every redacted event (metrics, the supervisor board); must be quick.
EventListener = Callable[[Event], None]


class AuditSink:
    """Redact, log and store every event of every contact (``ports.EventSink``).

    Args:
        store: where events go; a ``ChainStore`` gets hash-chained records.
        batch_size: events queued before a write; 1 (the default) writes on
            every ``emit``. Call :meth:`flush` at the end of a turn (and
            :meth:`close` at shutdown) when it is larger.
        max_pending: queued events kept while the store is failing; beyond
            it the oldest are dropped with an error log and counted in
            :attr:`dropped` (they never enter the chain; their JSON log lines
            remain).
        max_cached_contacts: contacts whose last hash is kept in memory.
        log_events: write the JSON log line for each event.

    Raises:
        ValueError: a size argument is below 1.

    """

    def __init__(
        self,
        store: Store,
        *,
        batch_size: int = 1,
        max_pending: int = 10_000,
        max_cached_contacts: int = 10_000,
        log_events: bool = True,
    ) -> None:
        if min(batch_size, max_pending, max_cached_contacts) < 1:
            raise ValueError("batch_size, max_pending and max_cached_contacts must be >= 1")
        self._store = store
        self._chain: ChainStore | None = store if isinstance(store, ChainStore) else None
        self._seal: Callable[[Event], Event] | None = getattr(store, "seal_event", None)
        self._batch_size = batch_size
        self._max_pending = max_pending
        self._max_cached = max_cached_contacts
        self._log_events = log_events
        self._logger = logging.getLogger(AUDIT_LOGGER)
        self._pending: list[Event] = []
        self._last_hash: OrderedDict[str, str | None] = OrderedDict()
        self._lock = threading.RLock()
        #: One lock per contact with a write under way or a cached chain head (PostgreSQL);
        #: on any other store one lock for every write, as SQLite has one writer anyway
        #: and an in-memory database is one connection that threads must not share.
        self._contact_locks: dict[str, threading.Lock] = {}
        engine = getattr(store, "engine", None)
        dialect = getattr(getattr(engine, "dialect", None), "name", "")
        self._one_writer = None if dialect == "postgresql" else threading.Lock()
        self.dropped = 0
        self._listeners: list[EventListener] = []
        if self._chain is not None:
            self._chain.add_rollback_listener(self._forget_hashes)

    @property
    def pending(self) -> int:
        """Number of events queued and not yet stored."""
        return len(self._pending)

    def subscribe(self, listener: EventListener) -> Callable[[], None]:
        """Call ``listener`` with every event from now on (redacted, before it is stored).

        Returns:
            A function that removes the listener.
        """
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _notify(self, event: Event) -> None:
        """Hand ``event`` to every listener; a failing one is logged, the others still run."""
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception as exc:
                self._report("listener", event, exc)

    def emit(self, event: Event) -> None:
        """Redact, log and queue ``event``; store the queue when it reaches ``batch_size``.

        Never raises (``ports.EventSink`` contract): failures are logged on
        ``switchboard.audit.sink`` with the event id and type only.
        """
        try:
            try:
                clean = self._redacted(event)
            except Exception as exc:  # store the event without its data rather than lose it
                self._report("redact", event, exc)
                clean = event.model_copy(update={"data": {"redaction_failed": True}})
            if self._log_events:
                self._log(clean)
            if self._listeners:
                self._notify(clean)
            with self._lock:
                self._pending.append(clean)
                self._trim()
                full = len(self._pending) >= self._batch_size
            if full:
                self.flush()
        except Exception as exc:  # the conversation path must not fail on audit
            self._report("emit", event, exc)

    def flush(self, contact_id: str | None = None) -> int:
        """Store the queued events (every contact's, or only ``contact_id``'s); return how many.

        A turn flushes its own contact's events inside its own transaction, so it
        takes no other contact's locks (PostgreSQL advisory locks per contact in
        ``add_event_records``) and waits for no other contact's write. The sink's
        own lock guards only the queue and the hash cache; the database write
        runs under per-contact locks (taken in sorted order), so two writes of
        one contact stay in chain order while other contacts' writes go on.

        On failure the events go back to the front of the queue (the next flush
        retries them), the failure is logged and 0 is returned. Never raises.
        """
        with self._lock:
            batch = [e for e in self._pending if contact_id is None or e.contact_id == contact_id]
            if not batch:
                return 0
            taken = {id(e) for e in batch}
            self._pending = [e for e in self._pending if id(e) not in taken]
            contacts = sorted({e.contact_id for e in batch})
            if self._one_writer is not None:
                locks = [self._one_writer]
            else:
                locks = [self._contact_locks.setdefault(cid, threading.Lock()) for cid in contacts]
        with contextlib.ExitStack() as held:
            for lock in locks:
                held.enter_context(lock)
            stored = 0
            try:
                if self._chain is None:
                    for event in batch:
                        self._store.add_event(event)
                        stored += 1
                    return len(batch)
                records, heads = self._chain_records(self._chain, batch)
                self._chain.add_event_records(records)
            except Exception as exc:  # keep the events for the next flush
                unstored = batch[stored:]
                with self._lock:
                    self._pending[:0] = unstored
                    self._trim()
                self._report("flush", unstored[0], exc, count=len(unstored))
                return 0
            with self._lock:
                for cid, head in heads.items():
                    self._remember(cid, head)
            return len(batch)

    def close(self) -> None:
        """Flush what is queued (call at shutdown). Never raises."""
        self.flush()

    def forget(self, contact_id: str) -> None:
        """Drop a contact's cached last hash (e.g. after its conversation ends)."""
        with self._lock:
            self._last_hash.pop(contact_id, None)
            self._contact_locks.pop(contact_id, None)

    # -- internals -----------------------------------------------------------------

    @staticmethod
    def _redacted(event: Event) -> Event:
        """Return ``event`` with JSON-compatible, redacted ``data``."""
        data = to_jsonable_python(event.data, serialize_unknown=True, inf_nan_mode="strings")
        return event.model_copy(update={"data": redact_data(data)})

    def _log(self, event: Event) -> None:
        """Write the event's JSON log line (seed 2 "Log Event Types")."""
        level = logging.ERROR if event.type is EventType.ERROR else logging.INFO
        if not self._logger.isEnabledFor(level):
            return
        self._logger.log(
            level,
            "audit event %s",
            event.type.value,
            extra={
                "contact_id": event.contact_id,
                "event_type": event.type.value,
                "event_id": event.event_id,
                "source": event.source.value,
                "event_timestamp": event.timestamp.isoformat(),
                "data": event.data,
            },
        )

    def _chain_records(
        self, store: ChainStore, batch: Sequence[Event]
    ) -> tuple[list[EventRecord], dict[str, str]]:
        """Hash ``batch`` onto each contact's chain; return the records and new heads."""
        heads: dict[str, str] = {}
        records: list[EventRecord] = []
        for clear in batch:
            event = self._seal(clear) if self._seal is not None else clear
            cid = event.contact_id
            if cid in heads:
                prev: str | None = heads[cid]
            else:
                with self._lock:
                    cached, prev = cid in self._last_hash, self._last_hash.get(cid)
                if not cached:
                    prev = store.last_event_hash(cid)
            digest = event_hash(event, prev)
            heads[cid] = digest
            records.append(EventRecord(event=event, prev_hash=prev, hash=digest))
        return records, heads

    def _remember(self, contact_id: str, head: str) -> None:
        """Cache a contact's last hash, evicting the least recently used contact."""
        self._last_hash[contact_id] = head
        self._last_hash.move_to_end(contact_id)
        while len(self._last_hash) > self._max_cached:
            evicted, _ = self._last_hash.popitem(last=False)
            self._contact_locks.pop(evicted, None)  # untouched for max_cached contacts

    def _forget_hashes(self) -> None:
        """Drop every cached hash (a unit of work was rolled back)."""
        with self._lock:
            self._last_hash.clear()

    def _trim(self) -> None:
        """Drop the oldest queued events beyond ``max_pending`` (caller holds the lock)."""
        excess = len(self._pending) - self._max_pending
        if excess > 0:
            del self._pending[:excess]
            self.dropped += excess
            _failure_log.error(
                "audit queue full: dropped %d oldest events",
                excess,
                extra={"event_type": "audit_dropped", "data": {"dropped": excess}},
            )

    @staticmethod
    def _report(stage: str, event: Event, exc: BaseException, count: int = 1) -> None:
        """Log an audit failure with ids and the error class only (no event data)."""
        _failure_log.error(
            "audit %s failed for %d event(s): %s",
            stage,
            count,
            type(exc).__name__,
            extra={
                "contact_id": event.contact_id,
                "event_type": "audit_failure",
                "data": {
                    "stage": stage,
                    "event_id": event.event_id,
                    "type": str(event.type),
                    "error": type(exc).__name__,
                    "retryable": bool(getattr(exc, "retryable", False)),
                },
            },
        )
