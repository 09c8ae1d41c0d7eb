"""The whole agent on PostgreSQL: a conversation survives a restart, the audit chain holds.

Uses ``SWITCHBOARD_DATABASE_URL`` when it points at PostgreSQL, else the test
server on 127.0.0.1:5432 (skipped, with the reason, when none is reachable).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from switchboard.audit import verify_chain
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.domain.types import Action, ContactStatus, HandoverReason, Route
from switchboard.store import SqlStore

pytestmark = pytest.mark.integration


@pytest.fixture
def pg(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    env = os.environ.get("SWITCHBOARD_DATABASE_URL", "")
    url = env if env.startswith("postgresql") else request.getfixturevalue("postgres_url")
    schema = f"sbagent_{uuid.uuid4().hex[:10]}"
    yield url, schema
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


async def test_conversation_survives_restart_on_postgres(pg: tuple[str, str]) -> None:
    url, schema = pg
    settings = Settings(database_url=url)
    first = await build_service(settings, store=SqlStore(url, schema=schema))
    contact = await first.start_contact()
    r1 = await first.handle_turn(contact.contact_id, "Hi, I want to open an account")
    r2 = await first.handle_turn(contact.contact_id, "A savings account")
    assert (r1.action, r2.action) == (Action.CLARIFY, Action.CLARIFY)
    await first.aclose()

    # A new process: same database, nothing in memory. The pending question is remembered.
    second = await build_service(
        settings, store=SqlStore(url, schema=schema), router=first.router
    )
    r3 = await second.handle_turn(contact.contact_id, "I'll do it at a branch")
    assert r3.route is Route.ACCOUNT_OPENING and r3.action is Action.ANSWER
    assert [t.name for t in r3.tools] == ["get_branch_account_opening_info"]
    assert r3.tools[0].arguments == {"account_type": "savings"}
    r4 = await second.handle_turn(contact.contact_id, "can I speak to someone please")
    assert r4.handover is not None and r4.handover.reason is HandoverReason.EXPLICIT_REQUEST
    assert r4.handover.summary.information_collected["account_type"] == "savings"
    await second.end_contact(contact.contact_id)

    view = second.contact_view(contact.contact_id)
    assert view.contact.status is ContactStatus.TRANSFERRED
    assert len(view.messages) == 8
    types = [e.type.value for e in view.events]
    assert types[0] == "conversation_start" and types[-1] == "conversation_end"
    report = verify_chain(second.store, contact.contact_id)  # type: ignore[arg-type]
    assert report.ok and report.events_checked == len(view.events)
    await second.aclose()
