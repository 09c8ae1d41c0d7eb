"""SQLAlchemy 2 table models for the store (typed ``DeclarativeBase`` / ``Mapped``).

Tables:

* ``contacts``: one row per contact; ``customer_endpoint`` is stored masked
  (see :func:`switchboard.audit.redact.mask_endpoint`); ``state`` is the
  brain's dialogue state as JSON.
* ``messages``: the transcript; ``seq`` numbers a contact's messages from 1;
  ``content`` holds sealed text (``sbe1:...``) when encryption at rest is on.
* ``events``: the audit trail (seed 2 "Log Event Types"); ``seq`` numbers a
  contact's events from 1 and ``prev_hash``/``hash`` form the per-contact
  SHA-256 chain written by :class:`switchboard.audit.AuditSink`.
* ``hallucination_logs``: seed 2 "Hallucination Log Model" (indexes on
  ``hallucination_type`` and ``timestamp`` as its GSIs, plus ``session_id``
  and ``ttl`` for per-contact reads and retention).

Every datetime column holds UTC; :class:`UTCDateTime` stores it naive (the
portable form on SQLite and PostgreSQL) and hands back aware UTC datetimes.
JSON columns use the plain ``JSON`` type on every dialect (``json``, not
``jsonb``, on PostgreSQL) so that stored text round-trips exactly, which the
hash chain relies on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime column that always round-trips as an aware UTC datetime.

    Aware values are converted to UTC and stored without tzinfo; naive values
    are taken to be UTC already. Values read back carry ``tzinfo=UTC``.
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC before it is written."""
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to a datetime read from the database."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the switchboard tables (one ``MetaData``)."""

    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class ContactRow(Base):
    """A contact (one customer conversation on one channel)."""

    __tablename__ = "contacts"

    contact_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    customer_endpoint: Mapped[str | None] = mapped_column(String(256))
    #: HMAC-SHA256 of the customer's endpoint (``switchboard.crypto.customer_ref``) for erasure.
    customer_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    state: Mapped[dict[str, Any]]


class MessageRow(Base):
    """One message of a contact's transcript."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("contact_id", "seq", name="uq_messages_contact_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("contacts.contact_id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int]
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    route: Mapped[str | None] = mapped_column(String(32))
    intent: Mapped[str | None] = mapped_column(String(128))
    timestamp: Mapped[datetime]


class EventRow(Base):
    """One audit event; ``hash`` chains it to the contact's previous event.

    No foreign key to ``contacts``: the audit trail must accept an event even
    when it arrives before (or without) its contact row.
    """

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("contact_id", "seq", name="uq_events_contact_seq"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(64), index=True)
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    timestamp: Mapped[datetime]
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class HallucinationLogRow(Base):
    """A validation finding (seed 2 "Hallucination Log Model"; ttl in epoch seconds)."""

    __tablename__ = "hallucination_logs"
    __table_args__ = (Index("ix_hallucination_logs_ttl", "ttl"),)

    log_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    timestamp: Mapped[datetime] = mapped_column(index=True)
    user_query: Mapped[str] = mapped_column(Text)
    tool_name: Mapped[str] = mapped_column(String(128))
    tool_results: Mapped[dict[str, Any]]
    model_response: Mapped[str] = mapped_column(Text)
    hallucination_type: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    validation_details: Mapped[dict[str, Any]]
    action_taken: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    ttl: Mapped[int] = mapped_column(BigInteger)
