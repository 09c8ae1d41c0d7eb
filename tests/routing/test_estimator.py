"""The EWT estimator on hand-computable cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from switchboard.domain.attributes import GENERAL_QUEUE, PRIORITY_QUEUE
from switchboard.routing import ProfileQueue, RoutingProfile
from switchboard.routing.engine import default_profile
from switchboard.routing.estimator import (
    Server,
    WaitingContact,
    busy_residual_s,
    estimate_waits,
    jump_in_factor,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
AHT = {GENERAL_QUEUE: 100.0, PRIORITY_QUEUE: 200.0}


def waiting(
    key: int, queue: str = GENERAL_QUEUE, priority: int = 5, ago_s: float = 0
) -> WaitingContact:
    return WaitingContact(key, queue, priority, NOW - timedelta(seconds=ago_s))


def test_replays_agents_in_order_of_release() -> None:
    servers = [Server("a", default_profile(), 0.0), Server("b", default_profile(), 30.0)]
    contacts = [waiting(1, ago_s=50), waiting(2, ago_s=40), waiting(3, ago_s=30), waiting(4)]
    waits = estimate_waits(contacts, servers, AHT, acw_s=10.0, now=NOW)
    # a takes 1 at 0 (free at 110), b takes 2 at 30 (free at 140),
    # a takes 3 at 110, b takes 4 at 140.
    assert waits == {1: 0.0, 2: 30.0, 3: 110.0, 4: 140.0}


def test_profile_queue_priority_and_delay_are_honoured() -> None:
    profile = RoutingProfile(
        name="p",
        queues=(
            ProfileQueue(queue=PRIORITY_QUEUE, priority=1),
            ProfileQueue(queue=GENERAL_QUEUE, priority=2, delay_s=60),
        ),
    )
    servers = [Server("a", profile, 0.0)]
    contacts = [waiting(1, ago_s=100), waiting(2, PRIORITY_QUEUE, 1, ago_s=5)]
    assert estimate_waits(contacts, servers, AHT, acw_s=0, now=NOW) == {2: 0.0, 1: 200.0}
    fresh = [waiting(3, ago_s=0)]  # must wait the profile's 60 s delay
    assert estimate_waits(fresh, servers, AHT, acw_s=0, now=NOW) == {3: 60.0}


def test_unserved_queue_counts_position_times_aht() -> None:
    only_priority = RoutingProfile(name="p", queues=(ProfileQueue(queue=PRIORITY_QUEUE),))
    waits = estimate_waits(
        [waiting(1), waiting(2, ago_s=-1)], [Server("a", only_priority, 0)], AHT, acw_s=0, now=NOW
    )
    assert waits == {1: 100.0, 2: 200.0}


def test_busy_residual_is_floored_and_jump_ins_stretch_the_wait() -> None:
    assert busy_residual_s(100, 30) == 70
    assert busy_residual_s(100, 500) == 25
    servers = [Server("a", default_profile(), 0), Server("b", default_profile(), 0)]
    contact = waiting(1)
    # 1 priority contact per 400 s, 200 s each, over 2 agents: rho = 0.25.
    factor = jump_in_factor(contact, servers, {(PRIORITY_QUEUE, 1): 1 / 400}, AHT, acw_s=0)
    assert factor == pytest.approx(1 / 0.75)
    # Work in the contact's own class never jumps ahead; overload is capped at rho = 0.9.
    assert jump_in_factor(contact, servers, {(GENERAL_QUEUE, 5): 1.0}, AHT, acw_s=0) == 1.0
    assert jump_in_factor(contact, servers, {(GENERAL_QUEUE, 0): 1.0}, AHT, acw_s=0) == (
        pytest.approx(10.0)
    )
