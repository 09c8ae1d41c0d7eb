"""A turn's own sentiment reading is stored by the turn's transaction, once (issue 14).

The reading used to be stored later by the stream's sentiment consumer, in a second
transaction under a second take of the contact's lock. Now the turn scores its own
segment in process and commits the reading with its messages; the consumer skips it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
import pytest_asyncio

from switchboard.agent.service import AgentService
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.domain.types import EventType
from switchboard.store import SqlStore

pytestmark = pytest.mark.asyncio(loop_scope="module")


class CountingStore(SqlStore):
    """A SQLite store that counts its units of work (transactions)."""

    units = 0

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        with super().unit_of_work():
            type(self).units += 1
            yield


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service() -> AsyncIterator[AgentService]:
    settings = Settings(database_url="sqlite://", summaries={"directory": None})
    svc = await build_service(settings, store=CountingStore("sqlite://"))
    yield svc
    await svc.aclose()


async def test_the_reading_is_stored_when_the_turn_returns(service: AgentService) -> None:
    contact = await service.start_contact()
    await service.handle_turn(contact.contact_id, "This is useless, I am really angry!")
    # No waiting for the stream: the turn's own transaction holds the reading.
    stored = service.store.get_contact(contact.contact_id)
    assert stored.state.sentiment is not None
    assert [h.turn for h in stored.state.sentiment.history] == [1]
    assert stored.state.attributes.real_time_sentiment is not None
    kinds = [e.type for e in service.store.events(contact.contact_id)]
    assert kinds.count(EventType.SENTIMENT) == 1


async def test_the_consumer_does_not_score_it_again(service: AgentService) -> None:
    contact = await service.start_contact()
    for line in ("Hello", "What are the opening hours of the London branch?"):
        await service.handle_turn(contact.contact_id, line)
    assert service.sentiment is not None
    await service.sentiment.settle(5)
    stored = service.store.get_contact(contact.contact_id)
    assert stored.state.sentiment is not None
    assert [h.turn for h in stored.state.sentiment.history] == [1, 2]
    kinds = [e.type for e in service.store.events(contact.contact_id)]
    assert kinds.count(EventType.SENTIMENT) == 2


async def test_one_transaction_stores_a_turn(service: AgentService) -> None:
    contact = await service.start_contact()
    await service.handle_turn(contact.contact_id, "Hello")  # warm: first-turn reads
    assert service.sentiment is not None
    await service.sentiment.settle(5)
    before = CountingStore.units
    await service.handle_turn(contact.contact_id, "How do I open a current account?")
    await service.sentiment.settle(5)
    # The history read and the turn's writes (messages, state, events, the reading).
    assert CountingStore.units - before == 2
