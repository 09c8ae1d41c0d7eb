"""Idempotent schema DDL that survives replicas starting at once (issue 14).

Replicas starting together on one PostgreSQL database race between
``metadata.create_all``'s existence check and its ``CREATE TABLE``: the loser
gets a duplicate key in ``pg_type``. Seen in ``bench/cluster_load.py``: one of
two replicas lost its human-agent desk that way and every handover on it failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from switchboard.errors import StoreError


def run_ddl(engine: Engine, build: Callable[[Connection], None], what: str) -> None:
    """Run idempotent DDL ``build`` in one transaction, again if a concurrent starter raced it.

    The second try finds the tables the winner made and does nothing. Up to three
    tries, 0.2 s and 0.4 s apart.

    Raises:
        StoreError: the DDL failed three times (``what`` and the error class in the
            message; the driver's error chained, no SQL parameters).
    """
    for attempt in (1, 2, 3):
        try:
            with engine.begin() as conn:
                build(conn)
            return
        except SQLAlchemyError as exc:
            if attempt == 3:
                orig = getattr(exc, "orig", None) or exc
                raise StoreError(f"{what} failed: {type(orig).__name__}") from exc
            time.sleep(0.2 * attempt)
