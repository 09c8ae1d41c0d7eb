"""Alembic migrations of every switchboard table (store and routing).

The scripts live in this package (``env.py``, ``versions/``) so they ship in
the wheel; :mod:`switchboard.store.migrate` runs them (``switchboard db
upgrade``, or at server start with ``SWITCHBOARD_DATABASE_MIGRATE=true``).
How to add one: ``docs/migrations.md``.
"""
