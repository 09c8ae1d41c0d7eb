"""The SQLAlchemy engine of the store: pool and connection settings per backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from switchboard.errors import ConfigError

#: Seconds after which a pooled PostgreSQL connection is replaced at checkout.
POOL_RECYCLE_S = 300


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Set the SQLite pragmas on a new DBAPI connection (SQLite docs: WAL, pragma)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


def build_engine(
    url: str,
    *,
    schema: str | None,
    echo: bool,
    pool_size: int | None = None,
    max_overflow: int | None = None,
) -> Engine:
    """Create the engine for ``url`` with the pool and pragmas its backend needs.

    SQLite: a file (its directory made if missing) or memory with one shared
    connection, WAL and foreign keys on every connection; PostgreSQL: pre-ping
    pool of ``pool_size`` (+ ``max_overflow`` at peaks; None: SQLAlchemy's 5 + 10),
    and ``schema`` as a schema translate map.

    Raises:
        ConfigError: malformed URL, unknown driver, ``schema`` on SQLite, or a
            SQLite directory that cannot be made.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"malformed database URL: {exc}") from exc
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {"echo": echo}
    if backend == "sqlite":
        if schema is not None:
            raise ConfigError("schema= is only supported on PostgreSQL")
        database = parsed.database or ""
        kwargs["connect_args"] = {"check_same_thread": False}
        if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
            kwargs["poolclass"] = StaticPool
        else:
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create the SQLite directory: {exc}") from exc
    else:
        # No ping before every checkout (a round trip per transaction, ~4% of a replica's
        # CPU under load): connections are replaced after ``POOL_RECYCLE_S``, and a dead
        # one fails its first statement as ``ConnectionLostError``, which invalidates
        # the pool and is retried once by ``ThreadedStore``.
        kwargs["pool_recycle"] = POOL_RECYCLE_S
        if pool_size is not None:
            kwargs["pool_size"] = pool_size
        if max_overflow is not None:
            kwargs["max_overflow"] = max_overflow
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise ConfigError(f"unsupported database URL {parsed.drivername!r}: {exc}") from exc
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if schema is not None:
        engine = engine.execution_options(schema_translate_map={None: schema})
    return engine
