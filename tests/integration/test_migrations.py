"""Alembic migrations: empty database, a 0.1.0 (``create_all``) database with data, and
the models matching the migration head — on SQLite and on PostgreSQL.

PostgreSQL runs in this branch's own database (``sb_i14``, created if missing) in a
fresh schema per test (``search_path``), dropped afterwards; it skips with the
reason when PostgreSQL is not reachable.
"""

from __future__ import annotations

import ast
import importlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, insert, inspect, select, text
from sqlalchemy.engine import make_url

import switchboard
from switchboard.compose import schema_metadata
from switchboard.domain.types import Contact
from switchboard.routing.models import AgentRow
from switchboard.store import SqlStore
from switchboard.store.migrate import BASELINE, current_revision, head_revision, upgrade_url
from switchboard.testing.replicas import ensure_database

FIXTURES = Path(__file__).parents[1] / "fixtures" / "schema"
PG_DATABASE = "sb_i14"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    base = ensure_database(request.getfixturevalue("postgres_url"), PG_DATABASE)
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _differences(url: str) -> list[object]:
    """Alembic's autogenerate comparison of the database with every model's tables."""
    combined = MetaData()
    for metadata in schema_metadata():
        for table in metadata.tables.values():
            table.to_metadata(combined)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, combined))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_head_on_an_empty_database_matches_the_models(db_url: str) -> None:
    assert upgrade_url(db_url) == head_revision()
    expected = {t for m in schema_metadata() for t in m.tables}
    assert expected | {"alembic_version"} == _tables(db_url)
    assert _differences(db_url) == [], "models and migration head differ: add a migration"
    # Idempotent: a second replica starting finds the database at head.
    assert upgrade_url(db_url) == head_revision()


def test_a_release_0_1_0_database_is_stamped_upgraded_and_keeps_its_rows(db_url: str) -> None:
    dialect = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    ddl = (FIXTURES / f"v0_1_0_{dialect}.sql").read_text(encoding="utf-8")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for statement in ddl.split(";"):
            body = "\n".join(
                line for line in statement.splitlines() if not line.startswith("--")
            ).strip()
            if body:
                conn.execute(text(body))
    # Rows written as release 0.1.0 wrote them (its columns only, text in clear).
    contact = Contact(customer_endpoint="+447700900123")
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contacts (contact_id, channel, locale, status, created_at,"
                " customer_endpoint, state) VALUES (:cid, 'chat', 'en_GB', 'active', :now,"
                " '+44******0123', '{}')"
            ),
            {"cid": contact.contact_id, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO messages (contact_id, seq, role, content, timestamp)"
                " VALUES (:cid, 1, 'user', 'hello there', :now)"
            ),
            {"cid": contact.contact_id, "now": now},
        )
        conn.execute(
            insert(AgentRow),
            {
                "agent_id": "agent-1",
                "name": "Alice",
                "status": "offline",
                "status_since": datetime.now(UTC),
                "profile": {"queues": {"GeneralAgentQueue": {"priority": 1, "delay_s": 0}}},
                "contact_id": None,
            },
        )
    engine.dispose()

    assert upgrade_url(db_url) == head_revision()

    store = SqlStore(db_url, create_schema=False)
    try:
        kept = store.get_contact(contact.contact_id)
        assert kept.contact_id == contact.contact_id
        assert [m.content for m in store.recent_messages(contact.contact_id, 10)] == [
            "hello there"
        ]
        assert kept.created_at <= datetime.now(UTC)
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as conn:
            agent = conn.execute(select(AgentRow.name, AgentRow.profile)).one()
        assert agent.name == "Alice" and "GeneralAgentQueue" in agent.profile["queues"]
    finally:
        store.close()
    assert _differences(db_url) == []


def test_the_baseline_is_the_first_revision_and_there_is_one_head() -> None:
    from alembic.script import ScriptDirectory

    from switchboard.store.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config())
    bases = scripts.get_bases()
    assert bases == [BASELINE]
    assert len(scripts.get_heads()) == 1


def _model_modules() -> list[str]:
    """Modules under src/switchboard that define a ``DeclarativeBase`` subclass or a MetaData."""
    src = Path(switchboard.__file__).parent
    found = []
    for path in src.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            bases = [ast.unparse(b) for b in getattr(node, "bases", [])]
            if isinstance(node, ast.ClassDef) and "DeclarativeBase" in bases:
                parts = ["switchboard", *path.relative_to(src).with_suffix("").parts]
                found.append(".".join(parts))
    return found


def test_every_model_base_is_in_the_migration_target() -> None:
    """A new table module must be listed in ``compose.schema_metadata`` (and migrated)."""
    known = {id(m) for m in schema_metadata()}
    modules = _model_modules()
    assert "switchboard.store.models" in modules and "switchboard.routing.models" in modules
    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            metadata = getattr(value, "metadata", None)
            if isinstance(value, type) and isinstance(metadata, MetaData) and metadata.tables:
                assert id(metadata) in known, (
                    f"{name}.{value.__name__}: add its metadata to compose.schema_metadata "
                    "and write a migration (docs/migrations.md)"
                )
