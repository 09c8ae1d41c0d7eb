"""Run the Alembic migrations of :mod:`switchboard.store.migrations` on a database.

Entry points: ``switchboard db upgrade | current | history | revision`` and, with
``SWITCHBOARD_DATABASE_MIGRATE=true``, the server's start (before the store is
opened). The scripts are a package resource (``switchboard.store:migrations``),
so an installed wheel migrates without a checkout.

* **Previous release.** Release 0.1.0 created its tables with
  ``metadata.create_all`` and has no ``alembic_version`` table. A database that
  holds the ``contacts`` table but no version is *stamped* at
  :data:`BASELINE` (the migration that reproduces exactly that schema) and then
  upgraded, so its rows are kept.
* **Several replicas starting at once.** On PostgreSQL the upgrade runs under a
  session advisory lock (:data:`ADVISORY_LOCK_KEY`): the first replica migrates,
  the others wait and then find the database at head. SQLite is one machine's
  file; its write lock serialises the DDL.
* **Target metadata** (autogenerate, the models-match-migrations test) is given by
  the caller (``switchboard.compose.schema_metadata``); the scripts themselves
  never import models, so a migration keeps meaning what it meant when written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from switchboard.errors import StoreError

log = logging.getLogger("switchboard.store.migrate")

#: The revision that creates release 0.1.0's tables (the ``create_all`` schema).
BASELINE = "0001"
#: ``pg_advisory_lock`` key that serialises concurrent upgrades (any fixed bigint).
ADVISORY_LOCK_KEY = 7_316_914_001
#: A table every release has had; present without ``alembic_version`` = a 0.1.0 database.
_LEGACY_MARKER = "contacts"


def script_location() -> str:
    """The filesystem path of the migration scripts inside the installed package."""
    return str(resources.files("switchboard.store") / "migrations")


def alembic_config(
    connection: Connection | None = None,
    *,
    url: str | None = None,
    metadata: Sequence[MetaData] | None = None,
) -> Config:
    """An Alembic ``Config`` for our scripts, bound to ``connection`` or ``url``.

    Args:
        connection: an open connection (``env.py`` runs on it, in its transaction).
        url: a SQLAlchemy URL instead (the ``alembic`` command-line way).
        metadata: the product's tables, for ``revision --autogenerate`` only.
    """
    config = Config()
    config.set_main_option("script_location", script_location())
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    config.attributes["target_metadata"] = list(metadata or [])
    return config


def configure_context(context: Any, connection: Connection, metadata: Sequence[MetaData]) -> None:
    """Configure Alembic's ``context`` in ``env.py`` (one place for every option).

    ``compare_type`` so that a changed column type shows in autogenerate;
    ``render_as_batch`` so that SQLite's ALTER limits are handled by batch mode.
    """
    given = context.config.attributes.get("target_metadata")
    context.configure(
        connection=connection,
        target_metadata=list(given or metadata) or None,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def target_metadata() -> list[MetaData]:
    """The metadata ``env.py`` falls back to: none (the caller passes the product's)."""
    return []


def head_revision() -> str:
    """The newest revision among the scripts.

    Raises:
        StoreError: the scripts have several heads (two branches each added one:
            merge them with ``alembic merge``, see docs/migrations.md).
    """
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise StoreError(f"migrations have {len(heads)} heads {heads}; merge them", retryable=False)
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Upgrade the database of ``engine`` to ``revision`` (stamping a 0.1.0 database first).

    Returns:
        The revision the database is at afterwards.

    Raises:
        StoreError: the database cannot be reached or a migration failed
            (the failed migration's transaction is rolled back).
    """
    try:
        with engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            if postgres:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
                conn.commit()
            try:
                _stamp_legacy(conn)
                command.upgrade(alembic_config(conn), revision)
                conn.commit()
                after = MigrationContext.configure(conn).get_current_revision()
            finally:
                if postgres:
                    conn.rollback()
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                    conn.commit()
    except SQLAlchemyError as exc:
        raise StoreError(f"database upgrade failed: {type(exc).__name__}: {exc}") from exc
    log.info("database at revision %s", after)
    return after


def _stamp_legacy(conn: Connection) -> None:
    """Stamp a database made by release 0.1.0's ``create_all`` at :data:`BASELINE`."""
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables or _LEGACY_MARKER not in tables:
        return
    log.info("database without migrations found: stamping it at %s", BASELINE)
    command.stamp(alembic_config(conn), BASELINE)
    conn.commit()


def revision(url: str, message: str, metadata: Sequence[MetaData]) -> None:
    """Write a new migration script, autogenerated against the database at ``url``.

    The database must be at head; the script lands in the package's ``versions/``
    (a checkout's source tree with an editable install). Review it before committing.

    Raises:
        StoreError: the database cannot be reached.
    """
    try:
        command.revision(
            alembic_config(url=url, metadata=metadata), message=message, autogenerate=True
        )
    except SQLAlchemyError as exc:
        raise StoreError(f"revision failed: {exc}") from exc


def upgrade_url(url: str, revision: str = "head") -> str | None:
    """Open ``url`` the way the store does (pragmas, pool) and upgrade it to ``revision``.

    Raises:
        ConfigError: malformed URL or unknown driver.
        StoreError: the database cannot be reached or a migration failed.
    """
    from switchboard.store.sql import SqlStore

    store = SqlStore(url, create_schema=False)
    try:
        return upgrade(store.engine, revision)
    finally:
        store.close()
