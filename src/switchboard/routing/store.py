"""Persistence of the routing engine: the ``routing_*`` tables on the store's engine.

:class:`RoutingStore` runs on the same SQLAlchemy engine as
:class:`switchboard.store.SqlStore` (SQLite by default, PostgreSQL, with the
store's schema translation), and creates its tables next to the store's.
Every method takes the open connection of the caller's transaction
(:meth:`RoutingStore.begin`), so the engine composes several reads and
claims into one atomic step.

Callback numbers are sealed at rest with the store's envelope
(``routing_callbacks.customer_phone`` holds ``sbe1:...``, associated data
``routing_callbacks.customer_phone|<callback_id>``) and opened on read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from switchboard.crypto import Envelope
from switchboard.errors import UnknownAgentError
from switchboard.routing.estimator import WaitingContact
from switchboard.routing.models import AgentRow, CallbackRow, EntryRow, RoutingBase
from switchboard.routing.types import (
    Agent,
    AgentStatus,
    Assignment,
    Callback,
    CallbackStatus,
    EntryState,
    RoutingProfile,
)
from switchboard.store.ddl import run_ddl
from switchboard.store.privacy import rewrap_value
from switchboard.store.privacy_columns import ensure_privacy_columns
from switchboard.store.sealing import ColumnSealer, open_sealed
from switchboard.store.sql import SqlStore
from switchboard.store.sql import _error as store_error

_WAITING = EntryState.WAITING.value
_ASSIGNED = EntryState.ASSIGNED.value


class RoutingStore:
    """The routing tables over one SQLAlchemy engine.

    Args:
        engine: the engine of a :class:`~switchboard.store.SqlStore` (its
            ``engine`` property) or any engine of a supported backend.
        create: create the tables if missing (idempotent).
        envelope: seals callback numbers at rest (None: stored in clear).

    Raises:
        StoreError: the tables cannot be created.
    """

    def __init__(
        self, engine: Engine, *, create: bool = True, envelope: Envelope | None = None
    ) -> None:
        self.engine = engine
        self.sealer = ColumnSealer(envelope)
        if create:  # replicas starting at once race here: run_ddl tries again

            def build(conn: Connection) -> None:
                RoutingBase.metadata.create_all(conn)
                schema = engine.get_execution_options().get("schema_translate_map", {})
                ensure_privacy_columns(conn, schema.get(None))

            run_ddl(engine, build, "create routing tables")

    @classmethod
    def from_url(cls, url: str, *, schema: str | None = None) -> RoutingStore:
        """Open ``url`` the way the store does (pragmas, pool, PostgreSQL ``schema``).

        Raises:
            ConfigError: malformed URL or unknown driver.
            StoreError: the database cannot be reached.
        """
        return cls(SqlStore(url, schema=schema).engine)

    @classmethod
    def for_store(cls, store: object) -> RoutingStore:
        """The routing store on the same database as ``store`` (a ``SqlStore``).

        Raises:
            TypeError: ``store`` is not a ``SqlStore``.
        """
        if not isinstance(store, SqlStore):
            raise TypeError("routing needs the SQL store (SqlStore)")
        return cls(store.engine, envelope=store.sealer.envelope)

    @contextmanager
    def begin(self, conn: Connection | None = None) -> Iterator[Connection]:
        """Yield ``conn`` when given (join its transaction), else a new transaction.

        Raises:
            StoreError: mapped from any SQLAlchemy error (rolled back).
        """
        if conn is not None:
            yield conn
            return
        try:
            with self.engine.begin() as new:
                yield new
        except SQLAlchemyError as exc:
            raise store_error("routing", exc) from exc

    def drop_all(self) -> None:
        """Drop the routing tables (tests and cleanup only)."""
        RoutingBase.metadata.drop_all(self.engine)

    # -- entries ---------------------------------------------------------------------

    @staticmethod
    def waiting(conn: Connection) -> list[WaitingContact]:
        """Every waiting entry, as the estimator and dispatcher see it."""
        rows = conn.execute(
            select(EntryRow.id, EntryRow.queue, EntryRow.priority, EntryRow.enqueued_at).where(
                EntryRow.state == _WAITING
            )
        ).all()
        return [WaitingContact(r.id, r.queue, r.priority, r.enqueued_at) for r in rows]

    @staticmethod
    def waiting_contact_ids(conn: Connection) -> dict[int, str]:
        """``{entry id: contact id}`` of every waiting entry."""
        rows = conn.execute(
            select(EntryRow.id, EntryRow.contact_id).where(EntryRow.state == _WAITING)
        ).all()
        return {r.id: r.contact_id for r in rows}

    @staticmethod
    def entry_contact(conn: Connection, entry_id: int) -> str:
        """The contact id of entry ``entry_id``."""
        return str(
            conn.execute(select(EntryRow.contact_id).where(EntryRow.id == entry_id)).scalar_one()
        )

    @staticmethod
    def active_entry(conn: Connection, contact_id: str) -> Any:
        """The contact's waiting or assigned entry row (``id``, ``state``), or None."""
        return conn.execute(
            select(EntryRow.id, EntryRow.state).where(EntryRow.active_key == contact_id)
        ).first()

    @staticmethod
    def count_waiting(conn: Connection, queue: str) -> int:
        """Contacts waiting in ``queue``."""
        stmt = select(func.count()).where(EntryRow.state == _WAITING, EntryRow.queue == queue)
        return int(conn.execute(stmt).scalar_one())

    @staticmethod
    def insert_entry(
        conn: Connection,
        *,
        contact_id: str,
        queue: str,
        priority: int,
        enqueued_at: datetime,
        attributes: dict[str, str],
        callback_id: str | None,
    ) -> int:
        """Insert a waiting entry and return its id."""
        result = conn.execute(
            insert(EntryRow).returning(EntryRow.id),
            {
                "contact_id": contact_id,
                "active_key": contact_id,
                "queue": queue,
                "priority": priority,
                "state": _WAITING,
                "enqueued_at": enqueued_at,
                "attributes": attributes,
                "callback_id": callback_id,
            },
        )
        return int(result.scalar_one())

    @staticmethod
    def close_waiting(
        conn: Connection, contact_id: str, state: EntryState, now: datetime, disposition: str
    ) -> bool:
        """End a contact's waiting entry (abandoned, callback booked). True if one was waiting."""
        result = conn.execute(
            update(EntryRow)
            .where(EntryRow.active_key == contact_id, EntryRow.state == _WAITING)
            .values(state=state.value, active_key=None, completed_at=now, disposition=disposition)
        )
        return result.rowcount > 0

    @staticmethod
    def claim(conn: Connection, entry_id: int, agent_id: str, now: datetime) -> Assignment | None:
        """Give entry ``entry_id`` to ``agent_id`` if both are still free; else None."""
        entry = conn.execute(
            select(EntryRow.__table__).where(EntryRow.id == entry_id, EntryRow.state == _WAITING)
        ).first()
        if entry is None:
            return None
        took_agent = conn.execute(
            update(AgentRow)
            .where(
                AgentRow.agent_id == agent_id,
                AgentRow.status == AgentStatus.AVAILABLE.value,
                AgentRow.contact_id.is_(None),
            )
            .values(status=AgentStatus.BUSY.value, status_since=now, contact_id=entry.contact_id)
        )
        if took_agent.rowcount == 0:
            return None
        took_entry = conn.execute(
            update(EntryRow)
            .where(EntryRow.id == entry_id, EntryRow.state == _WAITING)
            .values(state=_ASSIGNED, agent_id=agent_id, assigned_at=now)
        )
        if took_entry.rowcount == 0:  # raced: give the agent back
            conn.execute(
                update(AgentRow)
                .where(AgentRow.agent_id == agent_id)
                .values(status=AgentStatus.AVAILABLE.value, contact_id=None)
            )
            return None
        return Assignment(
            contact_id=entry.contact_id,
            agent_id=agent_id,
            queue=entry.queue,
            priority=entry.priority,
            enqueued_at=entry.enqueued_at,
            assigned_at=now,
            attributes={str(k): str(v) for k, v in (entry.attributes or {}).items()},
            callback_id=entry.callback_id,
        )

    @staticmethod
    def _assignment(conn: Connection, *where: Any) -> Assignment | None:
        row = conn.execute(
            select(EntryRow.__table__).where(EntryRow.state == _ASSIGNED, *where)
        ).first()
        if row is None:
            return None
        return Assignment(
            contact_id=row.contact_id,
            agent_id=row.agent_id,
            queue=row.queue,
            priority=row.priority,
            enqueued_at=row.enqueued_at,
            assigned_at=row.assigned_at,
            attributes={str(k): str(v) for k, v in (row.attributes or {}).items()},
            callback_id=row.callback_id,
        )

    def assignment_of_agent(self, conn: Connection, agent_id: str) -> Assignment | None:
        """The entry an agent is handling, or None."""
        return self._assignment(conn, EntryRow.agent_id == agent_id)

    def assignment_of_contact(self, conn: Connection, contact_id: str) -> Assignment | None:
        """The assigned entry of a contact, or None."""
        return self._assignment(conn, EntryRow.active_key == contact_id)

    @staticmethod
    def assigned(conn: Connection) -> dict[str, tuple[str, datetime]]:
        """``{agent id: (queue, assigned_at)}`` of every contact being handled."""
        rows = conn.execute(
            select(EntryRow.agent_id, EntryRow.queue, EntryRow.assigned_at).where(
                EntryRow.state == _ASSIGNED
            )
        ).all()
        return {r.agent_id: (r.queue, r.assigned_at) for r in rows}

    @staticmethod
    def finish(
        conn: Connection, assignment: Assignment, disposition: str, now: datetime, *, acw: bool
    ) -> None:
        """Complete an assigned entry, free its agent (ACW or available), close its callback."""
        conn.execute(
            update(EntryRow)
            .where(EntryRow.active_key == assignment.contact_id, EntryRow.state == _ASSIGNED)
            .values(
                state=EntryState.COMPLETED.value,
                active_key=None,
                completed_at=now,
                disposition=disposition,
            )
        )
        status = AgentStatus.AFTER_CONTACT_WORK if acw else AgentStatus.AVAILABLE
        conn.execute(
            update(AgentRow)
            .where(AgentRow.agent_id == assignment.agent_id)
            .values(status=status.value, status_since=now, contact_id=None)
        )
        if assignment.callback_id is not None:
            conn.execute(
                update(CallbackRow)
                .where(CallbackRow.callback_id == assignment.callback_id)
                .values(status=CallbackStatus.COMPLETED.value)
            )

    def handle_time_means(self, queues: Sequence[str], window: int) -> dict[str, float]:
        """Mean handle time (s) of each queue's last ``window`` completed contacts."""
        means: dict[str, float] = {}
        with self.begin() as conn:
            for queue in queues:
                rows = conn.execute(
                    select(EntryRow.assigned_at, EntryRow.completed_at)
                    .where(
                        EntryRow.queue == queue,
                        EntryRow.state == EntryState.COMPLETED.value,
                        EntryRow.assigned_at.is_not(None),
                    )
                    .order_by(EntryRow.completed_at.desc())
                    .limit(window)
                ).all()
                spans = [(r.completed_at - r.assigned_at).total_seconds() for r in rows]
                if spans:
                    means[queue] = sum(spans) / len(spans)
        return means

    def arrival_rates(self, since: datetime, until: datetime) -> dict[tuple[str, int], float]:
        """Entries per second per ``(queue, priority)`` enqueued in ``[since, until]``."""
        span = max((until - since).total_seconds(), 1.0)
        with self.begin() as conn:
            rows = conn.execute(
                select(EntryRow.queue, EntryRow.priority, func.count())
                .where(EntryRow.enqueued_at >= since, EntryRow.enqueued_at <= until)
                .group_by(EntryRow.queue, EntryRow.priority)
            ).all()
        return {(str(r[0]), int(r[1])): int(r[2]) / span for r in rows}

    @staticmethod
    def entry_counts(conn: Connection) -> dict[str, int]:
        """Entries per state."""
        rows = conn.execute(select(EntryRow.state, func.count()).group_by(EntryRow.state)).all()
        return {str(r[0]): int(r[1]) for r in rows}

    # -- agents ----------------------------------------------------------------------

    @staticmethod
    def _agent(row: Any) -> Agent:
        return Agent(
            agent_id=row.agent_id,
            name=row.name,
            status=AgentStatus(row.status),
            status_since=row.status_since,
            profile=RoutingProfile.model_validate(row.profile),
            contact_id=row.contact_id,
        )

    def agents(self, conn: Connection) -> list[Agent]:
        """Every agent, by name."""
        rows = conn.execute(select(AgentRow.__table__).order_by(AgentRow.name)).all()
        return [self._agent(r) for r in rows]

    def agent(self, conn: Connection, agent_id: str) -> Agent:
        """One agent.

        Raises:
            UnknownAgentError: no such agent.
        """
        row = conn.execute(select(AgentRow.__table__).where(AgentRow.agent_id == agent_id)).first()
        if row is None:
            raise UnknownAgentError(f"unknown agent {agent_id!r}")
        return self._agent(row)

    def agent_by_name(self, conn: Connection, name: str) -> Agent | None:
        """The agent called ``name``, or None."""
        row = conn.execute(select(AgentRow.__table__).where(AgentRow.name == name)).first()
        return None if row is None else self._agent(row)

    @staticmethod
    def end_acw(conn: Connection, started_before: datetime, now: datetime) -> int:
        """Make agents whose ACW began at or before ``started_before`` available since ``now``.

        Reads first and writes only when some agent is due, so that the
        periodic dispatch does not take SQLite's write lock for nothing.
        """
        due = (
            AgentRow.status == AgentStatus.AFTER_CONTACT_WORK.value,
            AgentRow.status_since <= started_before,
        )
        if conn.execute(select(AgentRow.agent_id).where(*due).limit(1)).first() is None:
            return 0
        result = conn.execute(
            update(AgentRow)
            .where(*due)
            .values(status=AgentStatus.AVAILABLE.value, status_since=now)
        )
        return int(result.rowcount)

    # -- callbacks -------------------------------------------------------------------

    def callback_params(self, cb: Callback) -> dict[str, Any]:
        """Column values of a callback (the number sealed)."""
        data = cb.model_dump()
        data["status"] = cb.status.value
        data["entry_id"] = None
        data["customer_phone"] = self.sealer.text(cb.customer_phone, _phone_aad(cb.callback_id))
        return data

    def callbacks_where(self, conn: Connection, *where: Any) -> list[Callback]:
        """Callbacks matching the SQLAlchemy ``where`` clauses, oldest request first.

        Raises:
            StoreError: a sealed number does not open (tampered or moved row).
        """
        rows = conn.execute(
            select(CallbackRow.__table__).where(*where).order_by(CallbackRow.requested_at)
        ).all()
        found: list[Callback] = []
        for r in rows:
            mapping = dict(r._mapping)
            phone = mapping["customer_phone"]
            if phone:  # an expired callback's number is erased to ""
                mapping["customer_phone"] = open_sealed(
                    self.sealer.open_text, phone, _phone_aad(mapping["callback_id"])
                )
            found.append(Callback.model_validate(mapping))
        return found

    def rewrap_callbacks(self) -> int:
        """Move every sealed callback number to the current KEK; return how many rows changed.

        Raises:
            StoreError: the update failed.
            switchboard.crypto.UnknownKeyError: a number's KEK was retired already.
        """
        envelope = self.sealer.envelope
        if envelope is None:
            return 0
        count = 0
        with self.begin() as conn:
            rows = conn.execute(select(CallbackRow.callback_id, CallbackRow.customer_phone)).all()
            for callback_id, phone in rows:
                new = rewrap_value(envelope, phone)
                if new is not None:
                    conn.execute(
                        update(CallbackRow)
                        .where(CallbackRow.callback_id == callback_id)
                        .values(customer_phone=new)
                    )
                    count += 1
        return count

    @staticmethod
    def erase_contact(conn: Connection, contact_id: str) -> int:
        """Delete a contact's callbacks and queue entries (erasure); return rows deleted."""
        callbacks = conn.execute(delete(CallbackRow).where(CallbackRow.contact_id == contact_id))
        entries = conn.execute(delete(EntryRow).where(EntryRow.contact_id == contact_id))
        return int(callbacks.rowcount) + int(entries.rowcount)

    def callbacks(self, conn: Connection, status: CallbackStatus | None) -> list[Callback]:
        """Stored callbacks, optionally of one status."""
        where = [] if status is None else [CallbackRow.status == status.value]
        return self.callbacks_where(conn, *where)

    def due_callbacks(self, conn: Connection, now: datetime) -> list[Callback]:
        """``PENDING`` callbacks whose ``due_at`` has come, earliest due first."""
        found = self.callbacks_where(
            conn,
            CallbackRow.status == CallbackStatus.PENDING.value,
            CallbackRow.due_at <= now,
        )
        return sorted(found, key=lambda c: (c.due_at, c.requested_at))

    @staticmethod
    def mark_callback(
        conn: Connection,
        callback_id: str,
        status: CallbackStatus,
        *,
        expect: CallbackStatus = CallbackStatus.PENDING,
    ) -> bool:
        """Move a callback from ``expect`` to ``status``; False when it was not in ``expect``."""
        result = conn.execute(
            update(CallbackRow)
            .where(CallbackRow.callback_id == callback_id, CallbackRow.status == expect.value)
            .values(status=status.value)
        )
        return result.rowcount > 0

    @staticmethod
    def expire_callbacks(conn: Connection, now_epoch: int) -> int:
        """Mark callbacks past ``ttl`` expired and erase their phone number; return how many."""
        due = (
            CallbackRow.ttl <= now_epoch,
            CallbackRow.status != CallbackStatus.EXPIRED.value,
        )
        if conn.execute(select(CallbackRow.callback_id).where(*due).limit(1)).first() is None:
            return 0
        result = conn.execute(
            update(CallbackRow)
            .where(*due)
            .values(status=CallbackStatus.EXPIRED.value, customer_phone="")
        )
        return int(result.rowcount)

    @staticmethod
    def purge_callbacks(conn: Connection, now_epoch: int) -> int:
        """Delete callback rows past ``ttl`` (the DynamoDB TTL sweep); return how many."""
        result = conn.execute(delete(CallbackRow).where(CallbackRow.ttl <= now_epoch))
        return int(result.rowcount)


def _phone_aad(callback_id: str) -> str:
    """Associated data of a callback's sealed number."""
    return f"routing_callbacks.customer_phone|{callback_id}"
