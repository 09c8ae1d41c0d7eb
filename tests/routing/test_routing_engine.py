"""Routing engine: hours of operation, priority/FIFO dispatch, callbacks, restart, simulated day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from switchboard.domain.attributes import GENERAL_QUEUE, PRIORITY_QUEUE
from switchboard.errors import InputError, QueueClosedError, QueueFullError, RoutingError
from switchboard.routing import (
    AgentStatus,
    CallbackStatus,
    HoursOfOperation,
    QueueConfig,
    RoutingEngine,
    RoutingStore,
    route_for,
)
from switchboard.routing.simulation import simulate_day

MONDAY_10_LONDON = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # GMT in November


def make_engine(db: tuple[str, str | None], **queue_kw: object) -> RoutingEngine:
    url, schema = db
    queues = [
        QueueConfig(name=GENERAL_QUEUE, hours=HoursOfOperation.weekdays(), **queue_kw),  # type: ignore[arg-type]
        QueueConfig(name=PRIORITY_QUEUE, hours=HoursOfOperation.weekdays()),
    ]
    return RoutingEngine(
        RoutingStore.from_url(url, schema=schema), queues, clock=lambda: MONDAY_10_LONDON
    )


def test_hours_follow_the_queue_time_zone_and_daylight_saving() -> None:
    hours = HoursOfOperation.weekdays("09:00", "17:00", time_zone="Europe/London")
    assert hours.is_open(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # GMT: 09:00 local
    assert not hours.is_open(datetime(2026, 6, 22, 16, 30, tzinfo=UTC))  # BST: 17:30 local
    assert hours.is_open(datetime(2026, 6, 22, 8, 0, tzinfo=UTC))  # BST: 09:00 local
    assert not hours.is_open(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))  # Saturday
    friday_evening = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    assert hours.next_open(friday_evening) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    new_york = HoursOfOperation.weekdays(time_zone="America/New_York")
    assert not new_york.is_open(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # 05:00 in NY
    assert HoursOfOperation.parse("always").is_open(friday_evening)
    with pytest.raises(ValueError):
        HoursOfOperation.parse("sometimes")


def test_route_for_raises_priority_for_frustration_and_negative_sentiment() -> None:
    assert route_for({"handover_reason": "explicit_request"}) == (GENERAL_QUEUE, 5)
    assert route_for({"handover_reason": "customer_frustration"}) == (PRIORITY_QUEUE, 1)
    assert route_for({"handover_reason": "explicit_request", "RealTimeSentiment": "NEGATIVE"}) == (
        PRIORITY_QUEUE,
        1,
    )
    assert route_for({"target_queue": GENERAL_QUEUE, "routing_priority": "3"}) == (GENERAL_QUEUE, 3)
    with pytest.raises(InputError):
        route_for({"routing_priority": "urgent"})


def test_priority_first_then_fifo_and_no_double_assignment(
    routing_db: tuple[str, str | None],
) -> None:
    engine = make_engine(routing_db)
    t0 = MONDAY_10_LONDON
    assert engine.enqueue("a", GENERAL_QUEUE, 5, now=t0).position == 1
    assert engine.enqueue("b", GENERAL_QUEUE, 5, now=t0 + timedelta(seconds=1)).position == 2
    c = engine.enqueue("c", GENERAL_QUEUE, 1, now=t0 + timedelta(seconds=2))
    assert c.position == 1  # higher priority goes ahead of earlier arrivals
    again = engine.enqueue("a", GENERAL_QUEUE, 5, now=t0 + timedelta(seconds=3))
    assert again.position == 2 and engine.counts()["waiting"] == 3  # idempotent
    alice = engine.sign_in("alice")
    engine.set_status(alice.agent_id, AgentStatus.AVAILABLE, now=t0)
    order = []
    for step in range(3):
        now = t0 + timedelta(minutes=step + 1)
        made = engine.dispatch(now)
        assert len(made) == 1
        order.append(made[0].contact_id)
        assert engine.dispatch(now) == []  # the agent is busy: nothing more
        with pytest.raises(RoutingError):
            engine.enqueue(made[0].contact_id, GENERAL_QUEUE, 5, now=now)
        engine.complete(made[0].contact_id, "resolved", now=now + timedelta(seconds=90))
    assert order == ["c", "a", "b"]
    assert engine.aht_s(GENERAL_QUEUE) == pytest.approx(90.0)


def test_closed_and_full_queues_refuse_and_a_callback_is_kept(
    routing_db: tuple[str, str | None],
) -> None:
    engine = make_engine(routing_db, max_contacts=1)
    saturday = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    with pytest.raises(QueueClosedError):
        engine.enqueue("x", GENERAL_QUEUE, now=saturday)
    status = engine.queue_status(GENERAL_QUEUE, at=saturday)
    assert not status.open and status.offer_callback
    engine.enqueue("y", GENERAL_QUEUE, now=MONDAY_10_LONDON)
    with pytest.raises(QueueFullError):
        engine.enqueue("z", GENERAL_QUEUE, now=MONDAY_10_LONDON)
    with pytest.raises(InputError):
        engine.book_callback("x", "call me maybe", GENERAL_QUEUE, now=saturday)
    cb = engine.book_callback("x", "+44 7700 900123", GENERAL_QUEUE, now=saturday)
    assert cb.customer_phone == "+447700900123"
    assert cb.due_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # next opening
    assert cb.ttl == int((saturday + timedelta(days=7)).timestamp())
    assert cb.status is CallbackStatus.PENDING


def test_due_callback_goes_to_the_front_when_an_agent_is_free_and_survives_restart(
    routing_db: tuple[str, str | None],
) -> None:
    engine = make_engine(routing_db)
    t0 = MONDAY_10_LONDON
    engine.enqueue("urgent", GENERAL_QUEUE, 1, now=t0)
    engine.enqueue("normal", GENERAL_QUEUE, 5, now=t0)
    engine.book_callback("cb", "+447700900111", GENERAL_QUEUE, t0 + timedelta(minutes=10), now=t0)
    # Restart: a new engine over the same database sees everything.
    engine.store.engine.dispose()
    engine = make_engine(routing_db)
    assert set(engine.placements(now=t0)) == {"urgent", "normal"}
    assert [c.contact_id for c in engine.callbacks(CallbackStatus.PENDING)] == ["cb"]
    assert engine.release_due_callbacks(t0 + timedelta(minutes=11)) == []  # no agent free
    bob = engine.sign_in("bob")
    engine.set_status(bob.agent_id, AgentStatus.AVAILABLE, now=t0)
    first = engine.dispatch(t0 + timedelta(minutes=11))
    assert [a.contact_id for a in first] == ["cb"] and first[0].callback_id is not None
    engine.complete("cb", "called back", now=t0 + timedelta(minutes=15))
    assert engine.callbacks(CallbackStatus.COMPLETED)[0].contact_id == "cb"
    assert [a.contact_id for a in engine.dispatch(t0 + timedelta(minutes=16))] == ["urgent"]
    # Restart with a contact in the hands of an agent: the assignment is kept.
    engine.store.engine.dispose()
    engine = make_engine(routing_db)
    held = engine.assignment_for(bob.agent_id)
    assert held is not None and held.contact_id == "urgent"
    assert engine.placement("normal", now=t0) is not None


def test_simulated_day_loses_nothing_honours_priority_and_reports_ewt_error(
    routing_db: tuple[str, str | None],
) -> None:
    url, schema = routing_db
    result = simulate_day(url, schema=schema, contacts=1000, agents=20, restart_after=500)
    print(
        f"\n[{result.backend}] EWT MAE {result.ewt_mae_s} s (bias {result.ewt_bias_s} s, "
        f"naive {result.naive_mae_s} s) over {result.ewt_samples} contacts; mean wait "
        f"{result.mean_wait_s} s; callbacks {result.callbacks_booked}; wall {result.wall_s} s"
    )
    assert result.lost == [] and result.duplicated == []
    assert result.completed == 1000 and result.restarts == 1
    assert result.priority_violations == 0 and result.fifo_violations == 0
    assert result.callbacks_completed == result.callbacks_booked > 0
    assert result.ewt_samples > 900
