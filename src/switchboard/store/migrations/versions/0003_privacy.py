"""Encryption at rest: ``contacts.customer_ref`` and sealed callback numbers.

* ``contacts.customer_ref`` (``String(64)``, indexed): the HMAC blind index of
  the customer's endpoint (:func:`switchboard.crypto.customer_ref`) that lets
  ``switchboard erase --customer`` find one customer's contacts without storing
  the endpoint in clear.
* ``routing_callbacks.customer_phone`` becomes ``TEXT``: a sealed number
  (``sbe1:…``) is longer than the 32 characters of an E.164 number.

Both steps are skipped when already done, because a database created by
``create_all`` at a later model version and then stamped at the baseline (see
:func:`switchboard.store.migrate.upgrade`) may already have them; the server's
in-place upgrade (:mod:`switchboard.store.privacy_columns`) does the same.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _columns(table: str) -> dict[str, dict[str, object]]:
    """The columns of ``table`` by name (empty when the table is missing)."""
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table(table):
        return {}
    return {str(c["name"]): dict(c) for c in inspector.get_columns(table)}


def upgrade() -> None:
    """Add the blind index column and widen the callback number column."""
    if "customer_ref" not in _columns("contacts"):
        with op.batch_alter_table("contacts") as batch:
            batch.add_column(sa.Column("customer_ref", sa.String(64), nullable=True))
            batch.create_index("ix_contacts_customer_ref", ["customer_ref"])
    phone = _columns("routing_callbacks").get("customer_phone")
    if phone is not None and getattr(phone["type"], "length", None) is not None:
        with op.batch_alter_table("routing_callbacks") as batch:
            batch.alter_column(
                "customer_phone",
                type_=sa.Text(),
                existing_type=sa.String(32),
                existing_nullable=False,
            )


def downgrade() -> None:
    """Drop the blind index column; callback numbers stay ``TEXT`` (sealed values would not fit)."""
    with op.batch_alter_table("contacts") as batch:
        batch.drop_index("ix_contacts_customer_ref")
        batch.drop_column("customer_ref")
