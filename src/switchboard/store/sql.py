"""SQLAlchemy 2 implementation of ``ports.Store`` (SQLite by default, PostgreSQL).

:class:`SqlStore` also implements :class:`switchboard.audit.records.ChainStore`
(chained event records for the tamper-evident audit trail) and adds
:meth:`SqlStore.unit_of_work`, :meth:`SqlStore.add_events`,
:meth:`SqlStore.list_contacts` and :meth:`SqlStore.purge_expired_hallucination_logs`.

Connections: one engine per store; each standalone call checks a pooled
connection out, runs one short transaction and commits. Inside
``with store.unit_of_work():`` every call of the same thread / asyncio task
joins one transaction, committed once at the end (rolled back on error).

URLs:

* ``sqlite:///path/to/file.db``: the parent directory is created; pragmas
  ``journal_mode=WAL``, ``synchronous=NORMAL``, ``foreign_keys=ON``,
  ``busy_timeout=5000`` on every connection.
* ``sqlite://`` (or ``sqlite:///:memory:``): one shared in-memory connection
  (``StaticPool``), for tests.
* ``postgresql+psycopg://user@host:5432/db`` (psycopg 3); ``schema=`` puts
  the tables in that PostgreSQL schema (created if missing).

Values stored as JSON (contact state, event data, hallucination-log details)
are first converted with ``pydantic_core.to_jsonable_python`` (datetimes
become ISO strings, NaN becomes ``"NaN"``).

Encryption at rest (``envelope=``): message text, contact state (with the
summary), event data and hallucination-log text are sealed on write, opened
on read (:mod:`switchboard.store.sealing`). ``contacts.customer_ref`` is an
HMAC of the customer's endpoint (``switchboard erase --customer`` finds them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError, StatementError
from sqlalchemy.schema import CreateSchema

from switchboard.audit.chain import event_hash
from switchboard.audit.records import EventRecord
from switchboard.audit.redact import mask_endpoint, redact
from switchboard.config import Settings
from switchboard.crypto import Envelope, build_envelope, customer_ref, load_index_key
from switchboard.domain.types import STORED, Contact, Event, HallucinationLog, Message, utcnow
from switchboard.errors import (
    ConnectionLostError,
    InputError,
    StoreError,
    SwitchboardError,
    UnknownContactError,
)
from switchboard.store.ddl import run_ddl
from switchboard.store.engine import build_engine
from switchboard.store.models import (
    Base,
    ContactRow,
    EventRow,
    HallucinationLogRow,
    MessageRow,
)
from switchboard.store.privacy_columns import ensure_privacy_columns
from switchboard.store.sealing import (
    ColumnSealer,
    event_aad,
    message_aad,
    open_sealed,
    state_aad,
)

_log = logging.getLogger(__name__)
#: ``pg_advisory_xact_lock(namespace, hashtext(contact_id))``: one event writer per contact.
_ADVISORY_XACT_LOCK = text("SELECT pg_advisory_xact_lock(:ns, hashtext(:cid))")
#: A lock wait longer than this aborts the transaction: the audit sink holds a Python
#: lock while it writes, so a cycle through it and PostgreSQL locks across replicas is
#: invisible to PostgreSQL's deadlock detector; the timeout breaks it (StoreError).
_LOCK_TIMEOUT = text("SET LOCAL lock_timeout = '2s'")
_EVENT_LOCK_NS = 7316914
_MESSAGE_LOCK_NS = 7316915
#: ``Connection.info`` key: the advisory locks the open unit of work holds.
_HELD_LOCKS = "switchboard_xact_locks"

_M = TypeVar("_M", bound=BaseModel)

_EVENT_COLUMNS = (
    EventRow.seq,
    EventRow.event_id,
    EventRow.contact_id,
    EventRow.type,
    EventRow.source,
    EventRow.timestamp,
    EventRow.data,
    EventRow.prev_hash,
    EventRow.hash,
)
_EVENT_FIELDS = ("event_id", "contact_id", "type", "source", "timestamp", "data")
_CONTACT_COLUMNS = tuple(c for c in ContactRow.__table__.c if c.name != "customer_ref")
_LOG_COLUMNS = tuple(HallucinationLogRow.__table__.c)


def _jsonable(value: Any) -> Any:
    """Return ``value`` as JSON-compatible data (see module docstring)."""
    return to_jsonable_python(value, serialize_unknown=True, inf_nan_mode="strings")


def _error(op: str, exc: SQLAlchemyError) -> SwitchboardError:
    """Map a SQLAlchemy error to the switchboard error tree, without SQL parameters.

    The message holds the operation and the driver's first line (redacted);
    bound parameters (message text, event data) are left out so that no PII
    reaches an error log. The original stays chained as ``__cause__``.
    """
    orig = getattr(exc, "orig", None)
    lines = str(orig if orig is not None else exc).splitlines()
    first_line = redact(lines[0]) if lines else ""
    if isinstance(exc, IntegrityError):
        sqlstate = getattr(orig, "sqlstate", None)
        if sqlstate == "23503" or "FOREIGN KEY" in first_line.upper():
            return UnknownContactError(f"{op}: unknown contact ({first_line})")
        return StoreError(f"{op}: integrity error ({first_line})", retryable=False)
    if isinstance(exc, StatementError) and isinstance(orig, TypeError | ValueError):
        return InputError(f"{op}: value cannot be stored ({type(orig).__name__})")
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return ConnectionLostError(f"{op}: connection lost ({first_line})")
    return StoreError(f"{op} failed: {type(orig or exc).__name__}: {first_line}")


class SqlStore:
    """Contacts, messages, chained events and hallucination logs over SQLAlchemy 2.

    Implements ``switchboard.ports.Store`` and ``switchboard.audit.records.ChainStore``.
    Safe to share between threads and asyncio tasks (each call uses its own
    pooled connection, except inside a unit of work).

    Args:
        url: SQLAlchemy URL (see the module docstring).
        schema: PostgreSQL schema for the tables (created if missing).
        create_schema: run ``metadata.create_all`` now (idempotent).
        echo: log SQL statements (debugging only: parameters may hold PII).
        envelope: seal sensitive columns (module docstring); None stores them in clear.
        index_key: HMAC key of ``customer_ref`` (None: no customer reference kept).
        pool_size, max_overflow: PostgreSQL connection pool (None: SQLAlchemy's 5 + 10).

    Raises:
        ConfigError: the URL is malformed, names an unknown driver, or a
            schema is given for SQLite.
        StoreError: the database cannot be reached or the tables created.
    """

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        create_schema: bool = True,
        echo: bool = False,
        envelope: Envelope | None = None,
        index_key: bytes | None = None,
        pool_size: int | None = None,
        max_overflow: int | None = None,
    ) -> None:
        self._engine = build_engine(
            url, schema=schema, echo=echo, pool_size=pool_size, max_overflow=max_overflow
        )
        self.sealer = ColumnSealer(envelope)
        self.index_key = index_key
        self._schema = schema
        self._uow: ContextVar[Connection | None] = ContextVar(
            f"switchboard_store_uow_{id(self)}", default=None
        )
        self._rollback_listeners: list[Callable[[], None]] = []
        self._build_statements()
        if create_schema:
            self.create_schema()

    # -- lifecycle -----------------------------------------------------------------

    def _build_statements(self) -> None:
        """Prepare the hot statements once (SQLAlchemy caches their compiled form)."""
        next_message_seq = (
            select(func.coalesce(func.max(MessageRow.seq), 0) + 1)
            .where(MessageRow.contact_id == bindparam("seq_contact_id"))
            .scalar_subquery()
        )
        self._insert_message = insert(MessageRow).values(seq=next_message_seq)
        next_event_seq = (
            select(func.coalesce(func.max(EventRow.seq), 0) + 1)
            .where(EventRow.contact_id == bindparam("seq_contact_id"))
            .scalar_subquery()
        )
        self._insert_event_next = insert(EventRow).values(seq=next_event_seq)
        self._insert_event = insert(EventRow)
        self._select_contact = select(*_CONTACT_COLUMNS).where(
            ContactRow.contact_id == bindparam("cid")
        )
        self._update_contact = (
            update(ContactRow)
            .where(ContactRow.contact_id == bindparam("cid"))
            .values(
                status=bindparam("status"),
                state=bindparam("state"),
                ended_at=bindparam("ended_at"),
                locale=bindparam("locale"),
            )
        )
        self._select_recent = (
            select(
                MessageRow.role,
                MessageRow.content,
                MessageRow.timestamp,
                MessageRow.route,
                MessageRow.intent,
            )
            .where(MessageRow.contact_id == bindparam("cid"))
            .order_by(MessageRow.seq.desc())
            .limit(bindparam("n"))
        )
        self._select_events = (
            select(*_EVENT_COLUMNS)
            .where(EventRow.contact_id == bindparam("cid"))
            .order_by(EventRow.seq)
        )
        self._select_max_event_seq = select(func.max(EventRow.seq)).where(
            EventRow.contact_id == bindparam("cid")
        )
        self._select_last_hash = (
            select(EventRow.hash)
            .where(EventRow.contact_id == bindparam("cid"))
            .order_by(EventRow.seq.desc())
            .limit(1)
        )

    def create_schema(self) -> None:
        """Create the schema (PostgreSQL) and the tables if missing; idempotent.

        Raises:
            StoreError: the database cannot be reached or DDL failed.
        """

        def build(conn: Connection) -> None:
            if self._schema is not None:
                conn.execute(CreateSchema(self._schema, if_not_exists=True))
            Base.metadata.create_all(conn)
            ensure_privacy_columns(conn, self._schema)

        run_ddl(self._engine, build, "create schema")

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for migrations, admin tools and tests)."""
        return self._engine

    @property
    def dialect(self) -> str:
        """The backend name: ``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def close(self) -> None:
        """Close every pooled connection. The store can still be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqlStore({self._engine.url.render_as_string(hide_password=True)!r})"

    # -- transactions --------------------------------------------------------------

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """Run every store call in the block in one transaction; commit once at the end.

        Calls made from the same thread or asyncio task join the transaction
        (nested blocks join the outer one). An exception rolls everything
        back, tells the rollback listeners (the audit sink drops its cached
        hashes) and propagates.

        Keep ``await`` out of the block: on SQLite the open write transaction
        would block other contacts' writes while the task waits. The intended
        use is the end of a turn: messages, contact update and the audit
        sink's ``flush()`` in one commit.

        Raises:
            StoreError: the transaction could not begin or commit.
        """
        if self._uow.get() is not None:
            yield
            return
        try:
            conn = self._engine.connect()
            tx = conn.begin()
        except SQLAlchemyError as exc:
            raise _error("begin", exc) from exc
        conn.info[_HELD_LOCKS] = set()  # advisory locks taken by this transaction
        token = self._uow.set(conn)
        try:
            yield
        except BaseException:
            self._uow.reset(token)
            self._abort(conn)
            raise
        self._uow.reset(token)
        try:
            tx.commit()
        except SQLAlchemyError as exc:
            self._abort(conn)
            raise _error("commit", exc) from exc
        conn.close()

    def _abort(self, conn: Connection) -> None:
        """Roll back and close ``conn``, then call the rollback listeners."""
        try:
            conn.rollback()
            conn.close()
        except SQLAlchemyError:
            _log.warning("rollback failed", exc_info=True)
        for listener in list(self._rollback_listeners):
            try:
                listener()
            except Exception:  # a listener must not hide the original error
                _log.exception("rollback listener failed")

    def _xact_lock(self, conn: Connection, namespace: int, contact_id: str) -> None:
        """Take a contact's advisory lock (and the lock timeout) once per unit of work."""
        held: set[tuple[int, str]] | None = None
        if self._uow.get() is conn:
            held = conn.info.get(_HELD_LOCKS)
            if held is not None and (namespace, contact_id) in held:
                return
        if not held:  # the first lock of this transaction: its timeout first
            conn.execute(_LOCK_TIMEOUT)
        conn.execute(_ADVISORY_XACT_LOCK, {"ns": namespace, "cid": contact_id})
        if held is not None:
            held.add((namespace, contact_id))

    def add_rollback_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every rolled-back unit of work."""
        self._rollback_listeners.append(listener)

    @contextmanager
    def _connect(self, op: str) -> Iterator[Connection]:
        """Yield the unit-of-work connection, or a fresh one in its own transaction.

        Raises:
            StoreError / UnknownContactError / InputError: mapped from SQLAlchemy.
        """
        active = self._uow.get()
        try:
            if active is not None:
                yield active
            else:
                with self._engine.begin() as conn:
                    yield conn
        except SQLAlchemyError as exc:
            raise _error(op, exc) from exc

    # -- contacts ------------------------------------------------------------------

    def create_contact(self, contact: Contact) -> Contact:
        """Insert ``contact`` and return it as stored (endpoint masked).

        Raises:
            StoreError: the id exists already (not retryable) or the write failed.
        """
        stored = contact.model_copy(
            update={"customer_endpoint": mask_endpoint(contact.customer_endpoint)}
        )
        row = {
            "contact_id": stored.contact_id,
            "channel": stored.channel.value,
            "locale": stored.locale.value,
            "status": stored.status.value,
            "created_at": stored.created_at,
            "ended_at": stored.ended_at,
            "customer_endpoint": stored.customer_endpoint,
            "customer_ref": customer_ref(self.index_key, contact.customer_endpoint),
            "state": self._seal_state(stored.contact_id, stored.state),
        }
        with self._connect("create contact") as conn:
            conn.execute(insert(ContactRow), row)
        return stored

    def get_contact(self, contact_id: str) -> Contact:
        """Return the contact ``contact_id``.

        Raises:
            UnknownContactError: no such contact.
            StoreError: the read failed or the row is corrupt.
        """
        with self._connect("get contact") as conn:
            row = conn.execute(self._select_contact, {"cid": contact_id}).first()
        if row is None:
            raise UnknownContactError(f"unknown contact {contact_id!r}")
        return self._contact(row)

    def update_contact(self, contact: Contact) -> None:
        """Persist ``status``, ``state``, ``ended_at`` and ``locale`` of an existing contact.

        Raises:
            UnknownContactError: no such contact.
            StoreError: the write failed.

        """
        params = {
            "cid": contact.contact_id,
            "status": contact.status.value,
            "state": self._seal_state(contact.contact_id, contact.state),
            "ended_at": contact.ended_at,
            "locale": contact.locale.value,
        }
        with self._connect("update contact") as conn:
            result = conn.execute(self._update_contact, params)
        if result.rowcount == 0:
            raise UnknownContactError(f"unknown contact {contact.contact_id!r}")

    def list_contacts(self, limit: int = 50) -> list[Contact]:
        """Return up to ``limit`` contacts, newest ``created_at`` first.

        Raises:
            InputError: ``limit`` is below 1.
            StoreError: the read failed.

        """
        if limit < 1:
            raise InputError("limit must be >= 1")
        stmt = (
            select(*_CONTACT_COLUMNS)
            .order_by(ContactRow.created_at.desc(), ContactRow.contact_id)
            .limit(limit)
        )
        with self._connect("list contacts") as conn:
            rows = conn.execute(stmt).all()
        return [self._contact(row) for row in rows]

    def _seal_state(self, contact_id: str, state: Any) -> Any:
        """The stored form of a contact's state (sealed JSON when encryption is on)."""
        return self.sealer.json(_jsonable(state), state_aad(contact_id))

    def _contact(self, row: Any) -> Contact:
        """A contact from its row, state opened.

        Raises:
            StoreError: the row is corrupt or its state does not open.
        """
        mapping = dict(row._mapping)
        mapping["state"] = open_sealed(
            self.sealer.open_json, mapping["state"], state_aad(mapping["contact_id"])
        )
        return self._validate(Contact, mapping, "contact")

    # -- messages ------------------------------------------------------------------

    def add_message(self, contact_id: str, message: Message) -> None:
        """Append ``message`` to the contact's transcript (next ``seq``).

        Raises:
            UnknownContactError: no such contact (foreign key).
            StoreError: the write failed.

        """
        params = {
            "seq_contact_id": contact_id,
            "contact_id": contact_id,
            "role": message.role.value,
            "content": self.sealer.text(
                message.content, message_aad(contact_id, message.timestamp)
            ),
            "route": message.route.value if message.route is not None else None,
            "intent": message.intent,
            "timestamp": message.timestamp,
        }
        with self._connect("add message") as conn:
            if self._engine.dialect.name == "postgresql":  # replicas: one writer per contact
                self._xact_lock(conn, _MESSAGE_LOCK_NS, contact_id)
            conn.execute(self._insert_message, params)

    def recent_messages(self, contact_id: str, limit: int) -> list[Message]:
        """Return the contact's last ``limit`` messages, oldest first ([] when none).

        Raises:
            InputError: ``limit`` is negative.
            StoreError: the read failed.

        """
        if limit < 0:
            raise InputError("limit must be >= 0")
        if limit == 0:
            return []
        with self._connect("recent messages") as conn:
            rows = conn.execute(self._select_recent, {"cid": contact_id, "n": limit}).all()
        messages: list[Message] = []
        for row in reversed(rows):
            mapping = dict(row._mapping)
            mapping["content"] = open_sealed(
                self.sealer.open_text,
                mapping["content"],
                message_aad(contact_id, mapping["timestamp"]),
            )
            messages.append(self._validate(Message, mapping, "message"))
        return messages

    # -- events --------------------------------------------------------------------

    def seal_event(self, event: Event) -> Event:
        """``event`` with its data in the stored (sealed) form; unchanged without encryption.

        The audit sink calls it before hashing, so the chain commits to the ciphertext.
        """
        if not self.sealer.enabled:
            return event
        aad = event_aad(event.contact_id, event.event_id)
        sealed = self.sealer.json(_jsonable(event.data), aad)
        return event.model_copy(update={"data": sealed})

    def _event_params(self, event: Event, *, seal: bool = True) -> dict[str, Any]:
        """Column values of ``event`` (without seq and hashes); data sealed when ``seal``."""
        data = self.seal_event(event).data if seal else _jsonable(event.data)
        return {
            "event_id": event.event_id,
            "contact_id": event.contact_id,
            "type": str(event.type),
            "source": str(event.source),
            "timestamp": event.timestamp,
            "data": data,
        }

    def add_event(self, event: Event) -> None:
        """Store one unchained event (next ``seq`` of its contact).

        The audit sink writes chained records through :meth:`add_event_records`.

        Raises:
            StoreError: the write failed (e.g. a duplicate ``event_id``).

        """
        self.add_event_records([EventRecord(event=event)])

    def add_events(self, events: Sequence[Event]) -> None:
        """Store several unchained events in one transaction, in order."""
        self.add_event_records([EventRecord(event=e) for e in events])

    def add_event_records(self, records: Sequence[EventRecord]) -> None:
        """Store records (with their hashes) in one transaction, in order.

        ``seq`` continues each contact's numbering: one statement for a single
        record, else one indexed read per contact in the batch and one
        executemany insert. A ``seq`` set on a record is ignored. A chained
        record is stored as given (its hash covers that form: the audit sink
        seals it first); an unchained one is sealed here.

        Raises:
            StoreError: the write failed; nothing was stored.

        """
        if not records:
            return
        with self._connect("add events") as conn:  # one transaction (or the unit of work's)
            if self._engine.dialect.name == "postgresql":
                records = self._serialise_writers(conn, records)
            if len(records) == 1:  # one statement: the database numbers it
                record = records[0]
                params = self._event_params(record.event, seal=record.hash is None)
                params.update(
                    seq_contact_id=record.event.contact_id,
                    prev_hash=record.prev_hash,
                    hash=record.hash,
                )
                conn.execute(self._insert_event_next, params)
                return
            next_seq: dict[str, int] = {}
            rows: list[dict[str, Any]] = []
            for record in records:
                cid = record.event.contact_id
                if cid not in next_seq:
                    last = conn.execute(self._select_max_event_seq, {"cid": cid}).scalar()
                    next_seq[cid] = int(last or 0) + 1
                row = self._event_params(record.event, seal=record.hash is None)
                row.update(seq=next_seq[cid], prev_hash=record.prev_hash, hash=record.hash)
                next_seq[cid] += 1
                rows.append(row)
            conn.execute(self._insert_event, rows)

    def _serialise_writers(
        self, conn: Connection, records: Sequence[EventRecord]
    ) -> Sequence[EventRecord]:
        """Several replicas write one contact's events: take turns, keep one chain (PostgreSQL).

        A transaction-scoped advisory lock per contact (in sorted order, so two
        writers cannot deadlock) makes the ``max(seq) + 1`` numbering and the chain
        head read safe against another process appending at the same time. A
        record whose ``prev_hash`` is not the stored head (the writer's cached head
        is stale: another replica appended since) is re-hashed onto the stored head;
        records whose hash is not the chain hash of their own ``prev_hash`` (not made
        by a sink) are stored as given.
        """
        contacts = sorted({r.event.contact_id for r in records if r.hash is not None})
        for cid in sorted({r.event.contact_id for r in records}):
            self._xact_lock(conn, _EVENT_LOCK_NS, cid)
        if not contacts:
            return records
        heads = {
            cid: conn.execute(self._select_last_hash, {"cid": cid}).scalar() for cid in contacts
        }
        out: list[EventRecord] = []
        for record in records:
            cid = record.event.contact_id
            if record.hash is None:
                out.append(record)
                continue
            stale = record.prev_hash != heads[cid]  # (the records after a re-hashed one follow)
            if stale and record.hash == event_hash(record.event, record.prev_hash):
                digest = event_hash(record.event, heads[cid])
                record = EventRecord(event=record.event, prev_hash=heads[cid], hash=digest)
            heads[cid] = record.hash
            out.append(record)
        return out

    def _event_rows(self, contact_id: str) -> list[Any]:
        """Read the contact's event rows in ``seq`` order."""
        with self._connect("read events") as conn:
            return list(conn.execute(self._select_events, {"cid": contact_id}).all())

    def events(self, contact_id: str) -> list[Event]:
        """Return the contact's events in ``seq`` order ([] when none).

        Raises:
            StoreError: the read failed or a row is corrupt.

        """
        events: list[Event] = []
        for row in self._event_rows(contact_id):
            fields = {k: row._mapping[k] for k in _EVENT_FIELDS}
            fields["data"] = open_sealed(
                self.sealer.open_json, fields["data"], event_aad(contact_id, fields["event_id"])
            )
            events.append(self._validate(Event, fields, "event"))
        return events

    def event_records(self, contact_id: str) -> list[EventRecord]:
        """Return the contact's events with ``seq``, ``prev_hash`` and ``hash``, data as stored.

        The data stays in its stored form (sealed, or a tombstone) since that
        is what the chain hashes commit to.

        A row whose values no longer validate (e.g. an edited ``type``) is
        returned unvalidated so that :func:`switchboard.audit.verify_chain`
        can report it instead of failing.

        Raises:
            StoreError: the read failed.

        """
        records: list[EventRecord] = []
        for row in self._event_rows(contact_id):
            fields = {k: row._mapping[k] for k in _EVENT_FIELDS}
            try:
                ev = Event.from_stored(fields)
            except ValidationError:
                ev = Event.model_construct(**fields)
            records.append(
                EventRecord(event=ev, prev_hash=row.prev_hash, hash=row.hash, seq=row.seq)
            )
        return records

    def last_event_hash(self, contact_id: str) -> str | None:
        """Return the hash of the contact's last event (None when it has none).

        Raises:
            StoreError: the read failed.

        """
        with self._connect("last event hash") as conn:
            value = conn.execute(self._select_last_hash, {"cid": contact_id}).scalar()
        return None if value is None else str(value)

    # -- hallucination logs --------------------------------------------------------

    def add_hallucination_log(self, log: HallucinationLog) -> None:
        """Store one hallucination-log row (seed 2 "Hallucination Log Model").

        Raises:
            StoreError: the write failed (e.g. a duplicate ``log_id``).

        """
        row = log.model_dump()
        for key in ("hallucination_type", "severity", "action_taken"):
            row[key] = str(row[key])
        for key in ("user_query", "model_response"):
            row[key] = self.sealer.text(row[key], f"hallucination_logs.{key}|{log.log_id}")
        for key in ("tool_results", "validation_details"):
            row[key] = _jsonable(row[key])
        with self._connect("add hallucination log") as conn:
            conn.execute(insert(HallucinationLogRow), row)

    def hallucination_logs(self, session_id: str | None = None) -> list[HallucinationLog]:
        """Return hallucination-log rows, oldest first, optionally for one contact.

        Raises:
            StoreError: the read failed or a row is corrupt.

        """
        stmt = select(*_LOG_COLUMNS).order_by(
            HallucinationLogRow.timestamp, HallucinationLogRow.log_id
        )
        if session_id is not None:
            stmt = stmt.where(HallucinationLogRow.session_id == session_id)
        with self._connect("hallucination logs") as conn:
            rows = conn.execute(stmt).all()
        logs: list[HallucinationLog] = []
        for row in rows:
            mapping = dict(row._mapping)
            for key in ("user_query", "model_response"):
                mapping[key] = open_sealed(
                    self.sealer.open_text,
                    mapping[key],
                    f"hallucination_logs.{key}|{mapping['log_id']}",
                )
            logs.append(self._validate(HallucinationLog, mapping, "hallucination log"))
        return logs

    def purge_expired_hallucination_logs(self, now: datetime | None = None) -> int:
        """Delete rows whose ``ttl`` (epoch seconds) is at or before ``now``.

        The DynamoDB TTL behaviour of seed 2 "Compliance and Retention"
        (hallucination logs kept 90 days). ``now`` defaults to the current
        time; a naive ``now`` is taken as UTC.

        Returns:
            The number of rows deleted.

        Raises:
            StoreError: the delete failed.

        """
        moment = now if now is not None else utcnow()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=utcnow().tzinfo)
        cutoff = int(moment.timestamp())
        with self._connect("purge hallucination logs") as conn:
            result = conn.execute(
                delete(HallucinationLogRow).where(HallucinationLogRow.ttl <= cutoff)
            )
        return int(result.rowcount)

    # -- helpers -------------------------------------------------------------------

    @staticmethod
    def _validate(model: type[_M], mapping: Mapping[Any, Any], what: str) -> _M:
        """Build ``model`` from a row mapping; a row that does not validate is corrupt.

        Raises:
            StoreError: the row does not validate (not retryable).

        """
        try:
            return model.model_validate(dict(mapping), context=STORED)
        except ValidationError as exc:
            raise StoreError(
                f"corrupt {what} row: {exc.error_count()} invalid field(s)", retryable=False
            ) from exc


def create_store(settings: Settings) -> SqlStore:
    """Build the store named by ``settings.database_url`` (SQLite file by default).

    Sensitive columns are sealed with the envelope of ``settings.crypto``
    (a development keyring is generated under ``var/`` when none is set).

    Raises:
        ConfigError: the URL is malformed or names an unknown driver, or the
            crypto settings are incomplete.
        StoreError: the database cannot be reached.

    """
    return SqlStore(
        settings.database_url,
        envelope=build_envelope(settings.crypto),
        index_key=load_index_key(settings.crypto),
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
