"""Baseline: the tables of release 0.1.0 (store and routing), as ``create_all`` made them.

A database created by 0.1.0 (no ``alembic_version``) is stamped at this revision
by :func:`switchboard.store.migrate.upgrade` instead of running it.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _store_tables() -> None:
    """contacts, messages, events, hallucination_logs (``switchboard.store.models``)."""
    op.create_table(
        "contacts",
        sa.Column("contact_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("customer_endpoint", sa.String(256), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
    )
    op.create_index("ix_contacts_created_at", "contacts", ["created_at"])
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "contact_id",
            sa.String(64),
            sa.ForeignKey("contacts.contact_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("route", sa.String(32), nullable=True),
        sa.Column("intent", sa.String(128), nullable=True),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("contact_id", "seq", name="uq_messages_contact_seq"),
    )
    op.create_index("ix_messages_contact_id", "messages", ["contact_id"])
    op.create_table(
        "events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("contact_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=True),
        sa.Column("hash", sa.String(64), nullable=True),
        sa.UniqueConstraint("contact_id", "seq", name="uq_events_contact_seq"),
    )
    op.create_index("ix_events_contact_id", "events", ["contact_id"])
    op.create_table(
        "hallucination_logs",
        sa.Column("log_id", sa.String(64), primary_key=True),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("user_query", sa.Text(), nullable=False),
        sa.Column("tool_name", sa.String(128), nullable=False),
        sa.Column("tool_results", sa.JSON(), nullable=False),
        sa.Column("model_response", sa.Text(), nullable=False),
        sa.Column("hallucination_type", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("validation_details", sa.JSON(), nullable=False),
        sa.Column("action_taken", sa.String(16), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("ttl", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_hallucination_logs_timestamp", "hallucination_logs", ["timestamp"])
    op.create_index(
        "ix_hallucination_logs_hallucination_type", "hallucination_logs", ["hallucination_type"]
    )
    op.create_index("ix_hallucination_logs_session_id", "hallucination_logs", ["session_id"])
    op.create_index("ix_hallucination_logs_ttl", "hallucination_logs", ["ttl"])


def _routing_tables() -> None:
    """routing_entries, routing_agents, routing_callbacks (``switchboard.routing.models``)."""
    op.create_table(
        "routing_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("contact_id", sa.String(64), nullable=False),
        sa.Column("active_key", sa.String(64), nullable=True, unique=True),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("agent_id", sa.String(64), nullable=True),
        sa.Column("disposition", sa.String(64), nullable=True),
        sa.Column("callback_id", sa.String(64), nullable=True),
        sa.Column("ewt_s", sa.Float(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
    )
    op.create_index("ix_routing_entries_contact_id", "routing_entries", ["contact_id"])
    op.create_index("ix_routing_entries_state_queue", "routing_entries", ["state", "queue"])
    op.create_table(
        "routing_agents",
        sa.Column("agent_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_since", sa.DateTime(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("contact_id", sa.String(64), nullable=True),
    )
    op.create_table(
        "routing_callbacks",
        sa.Column("callback_id", sa.String(64), primary_key=True),
        sa.Column("contact_id", sa.String(64), nullable=False),
        sa.Column("customer_phone", sa.String(32), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("queue_id", sa.String(64), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("ttl", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
    )
    op.create_index("ix_routing_callbacks_contact_id", "routing_callbacks", ["contact_id"])
    op.create_index("ix_routing_callbacks_ttl", "routing_callbacks", ["ttl"])
    op.create_index("ix_routing_callbacks_status_due", "routing_callbacks", ["status", "due_at"])


def upgrade() -> None:
    """Create the 0.1.0 tables."""
    _store_tables()
    _routing_tables()


def downgrade() -> None:
    """Drop every table (all data is lost)."""
    for table in (
        "routing_callbacks",
        "routing_agents",
        "routing_entries",
        "hallucination_logs",
        "events",
        "messages",
        "contacts",
    ):
        op.drop_table(table)
