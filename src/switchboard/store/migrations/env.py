"""Alembic environment of switchboard: online migrations over a given connection or URL.

:mod:`switchboard.store.migrate` passes the open connection in
``config.attributes["connection"]`` (so an advisory lock and the upgrade share
it); the ``alembic`` command line passes ``sqlalchemy.url`` instead. The target
metadata is every table of the product (:func:`switchboard.store.migrate.target_metadata`).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from switchboard.store.migrate import configure_context, target_metadata

config = context.config


def _run(connection: Connection) -> None:
    """Configure the context on ``connection`` and run the migrations in one transaction."""
    configure_context(context, connection, target_metadata())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the caller's connection, or one opened from ``sqlalchemy.url``."""
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url or pass a connection in config.attributes")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) mode is not supported; run against a database")
run_migrations_online()
