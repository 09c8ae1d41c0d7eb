"""A PostgreSQL outage (issue 14 fault): the store fails clearly while the server is
down, loses nothing it had committed, and works again on the same pool once it is back.

Runs a private server (:class:`switchboard.testing.pg.PrivatePostgres`), never the
machine's shared one; skips visibly when the server binaries are not installed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from switchboard.domain.types import Contact
from switchboard.errors import StoreError
from switchboard.store import SqlStore
from switchboard.testing.pg import PrivatePostgres, server_binaries

pytestmark = pytest.mark.skipif(
    server_binaries() is None, reason="PostgreSQL server binaries (initdb, pg_ctl) not installed"
)


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    with PrivatePostgres() as pg:
        yield pg


def test_store_fails_retryably_while_down_and_recovers_with_its_data(
    private_pg: PrivatePostgres,
) -> None:
    store = SqlStore(private_pg.url)
    kept = store.create_contact(Contact(customer_endpoint="+447700900123"))
    private_pg.stop()
    with pytest.raises(StoreError) as down:
        store.get_contact(kept.contact_id)
    assert down.value.retryable  # the caller may try again (busy, re-send), not give up
    private_pg.start()
    # The pooled connections died with the server; the next call must not fail on them.
    assert store.get_contact(kept.contact_id).contact_id == kept.contact_id
    again = store.create_contact(Contact(customer_endpoint="+447700900124"))
    assert store.get_contact(again.contact_id).customer_endpoint == again.customer_endpoint
