"""Persistence: SQLAlchemy 2 models and the ``ports.Store`` implementation.

``SqlStore(url)`` / ``create_store(settings)``: SQLite file by default,
in-memory SQLite for tests (``sqlite://``), PostgreSQL via
``postgresql+psycopg://``.
"""

from switchboard.store.models import (
    Base,
    ContactRow,
    EventRow,
    HallucinationLogRow,
    MessageRow,
)
from switchboard.store.sql import SqlStore, create_store

__all__ = [
    "Base",
    "ContactRow",
    "EventRow",
    "HallucinationLogRow",
    "MessageRow",
    "SqlStore",
    "create_store",
]
