"""SQLAlchemy 2 tables of the routing engine (own ``MetaData``, same engine as the store).

* ``routing_entries``: one row per time a contact joins a queue. ``active_key``
  holds the contact id while the entry is waiting or assigned and NULL
  afterwards; its unique constraint makes a second live entry for the same
  contact impossible on every backend (NULLs are distinct in SQLite and
  PostgreSQL). ``id`` (autoincrement) breaks ties between equal timestamps.
* ``routing_agents``: human agents, their status and routing profile (JSON).
* ``routing_callbacks``: seed 2 "Callback Lambda Function" item (``callback_id``,
  ``contact_id``, ``customer_phone``, ``requested_at``, ``status``,
  ``queue_id``, ``priority``, ``ttl`` in epoch seconds, 7 days) plus
  ``due_at`` (when to dial back) and ``entry_id`` (the queue entry made when
  it was dialled back). ``customer_phone`` is the real E.164 number: it is
  PII, kept only for the callback and purged with the row at ``ttl``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from switchboard.store.models import UTCDateTime


class RoutingBase(DeclarativeBase):
    """Declarative base of the routing tables (created next to the store's tables)."""

    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class EntryRow(RoutingBase):
    """A contact's stay in a queue."""

    __tablename__ = "routing_entries"
    __table_args__ = (Index("ix_routing_entries_state_queue", "state", "queue"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(String(64), index=True)
    active_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    queue: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int]
    state: Mapped[str] = mapped_column(String(16))
    enqueued_at: Mapped[datetime]
    assigned_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    agent_id: Mapped[str | None] = mapped_column(String(64))
    disposition: Mapped[str | None] = mapped_column(String(64))
    callback_id: Mapped[str | None] = mapped_column(String(64))
    ewt_s: Mapped[float | None] = mapped_column(Float)
    attributes: Mapped[dict[str, Any]]


class AgentRow(RoutingBase):
    """A human agent."""

    __tablename__ = "routing_agents"

    agent_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    status_since: Mapped[datetime]
    profile: Mapped[dict[str, Any]]
    contact_id: Mapped[str | None] = mapped_column(String(64))


class CallbackRow(RoutingBase):
    """A callback request (seed 2 schema + ``due_at``, ``entry_id``, ``attributes``)."""

    __tablename__ = "routing_callbacks"
    __table_args__ = (Index("ix_routing_callbacks_status_due", "status", "due_at"),)

    callback_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(64), index=True)
    #: Sealed at rest (``sbe1:...``, ~150 characters): Text, not String(32).
    customer_phone: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    queue_id: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(16))
    ttl: Mapped[int] = mapped_column(BigInteger, index=True)
    due_at: Mapped[datetime]
    entry_id: Mapped[int | None]
    attributes: Mapped[dict[str, Any]]
