"""In-place upgrade of a database created before encryption at rest (until Alembic runs)."""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from switchboard.store.models import ContactRow


def ensure_privacy_columns(conn: Connection, schema: str | None = None) -> None:
    """Bring a database created before encryption at rest up to date (idempotent).

    Adds ``contacts.customer_ref`` (+ index) and, on PostgreSQL, widens
    ``routing_callbacks.customer_phone`` to ``TEXT`` for sealed numbers. The
    Alembic migration does the same; this keeps an existing development
    database working until it runs.
    """
    inspector = inspect(conn)
    prefix = f'"{schema}".' if schema else ""
    if inspector.has_table(ContactRow.__tablename__, schema=schema):
        columns = {
            c["name"] for c in inspector.get_columns(ContactRow.__tablename__, schema=schema)
        }
        if "customer_ref" not in columns:
            conn.execute(text(f"ALTER TABLE {prefix}contacts ADD COLUMN customer_ref VARCHAR(64)"))
            conn.execute(
                text(f"CREATE INDEX ix_contacts_customer_ref ON {prefix}contacts (customer_ref)")
            )
    if conn.dialect.name == "postgresql" and inspector.has_table(
        "routing_callbacks", schema=schema
    ):
        phone = next(
            (
                c
                for c in inspector.get_columns("routing_callbacks", schema=schema)
                if c["name"] == "customer_phone"
            ),
            None,
        )
        if phone is not None and getattr(phone["type"], "length", None) is not None:
            conn.execute(
                text(f"ALTER TABLE {prefix}routing_callbacks ALTER COLUMN customer_phone TYPE TEXT")
            )
