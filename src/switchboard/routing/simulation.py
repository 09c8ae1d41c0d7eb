"""A simulated contact-center day for the routing engine (tests and ``bench/routing_day.py``).

Discrete-event simulation on a simulated clock with a seeded RNG, over a
real database (SQLite file or PostgreSQL): contacts arrive (more around
midday), a share is frustrated or negative and goes to the priority queue,
agents work staggered shifts, handle times are log-normal per queue, every
completion is followed by after-contact work. When the engine says to offer
a callback (EWT over the queue's threshold, queue full) half the customers
book one, due 10-40 minutes later; the engine dials them back at the front
of the queue. Optionally the engine is thrown away mid-day and a new one is
built over the same database (a restart).

What it checks (:class:`DayResult`): every contact is completed exactly
once (none lost, none handled twice); within a queue a waiting contact of
better priority is never passed over, and equal priorities go FIFO; and how
far the EWT given at enqueue was from the wait that followed (MAE), next to
the naive ``position × AHT / staffed agents`` rule for comparison.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from switchboard.domain.attributes import GENERAL_QUEUE, PRIORITY_QUEUE
from switchboard.errors import QueueFullError
from switchboard.routing.engine import RoutingEngine, default_profile
from switchboard.routing.store import RoutingStore
from switchboard.routing.types import AgentStatus, EntryState, HoursOfOperation, QueueConfig

#: Mean handle time per queue in the simulation, seconds (priority contacts take longer).
SIM_AHT_S = {GENERAL_QUEUE: 330.0, PRIORITY_QUEUE: 450.0}
SIM_ACW_S = 30.0
_DAY_START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday
_OPEN_HOURS = 11.0
_SHIFT_HOURS = 8.0


@dataclass
class DayResult:
    """What the simulated day measured."""

    contacts: int
    completed: int
    lost: list[str]
    duplicated: list[str]
    priority_violations: int
    fifo_violations: int
    ewt_samples: int
    ewt_mae_s: float
    ewt_bias_s: float
    naive_mae_s: float
    mean_wait_s: float
    p95_wait_s: float
    max_waiting: int
    callbacks_booked: int
    callbacks_completed: int
    restarts: int
    wall_s: float
    backend: str
    per_queue_mae_s: dict[str, float] = field(default_factory=dict)


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    kind: str = field(compare=False)
    payload: str = field(compare=False, default="")


def _lognormal(rng: random.Random, mean: float, sigma: float = 0.6) -> float:
    mu = math.log(mean) - sigma * sigma / 2
    return rng.lognormvariate(mu, sigma)


def _arrivals(rng: random.Random, n: int) -> list[datetime]:
    """``n`` arrival times over the opening hours, denser around midday (sine-shaped rate)."""
    times: list[float] = []
    span = (_OPEN_HOURS - 1.0) * 3600
    while len(times) < n:
        t = rng.uniform(0, span)
        if rng.random() < 0.35 + 0.65 * math.sin(math.pi * t / span):
            times.append(t)
    return [_DAY_START + timedelta(seconds=s) for s in sorted(times)]


def simulate_day(
    url: str,
    *,
    schema: str | None = None,
    contacts: int = 1000,
    agents: int = 20,
    seed: int = 20261123,
    restart_after: int | None = 500,
    on_restart: Callable[[RoutingEngine], None] | None = None,
) -> DayResult:
    """Run one simulated day on the database at ``url`` (tables must be empty).

    Args:
        url: SQLAlchemy URL (SQLite file or PostgreSQL).
        schema: PostgreSQL schema for the tables.
        contacts: arrivals over the day.
        agents: agents (staggered 8 h shifts; about three quarters on at a time).
        seed: RNG seed (same seed, same day).
        restart_after: build a new engine over the same database after this
            many arrivals (None: never).
        on_restart: called with the new engine right after the restart.

    Returns:
        The :class:`DayResult`.
    """
    rng = random.Random(seed)
    wall0 = time.perf_counter()
    day = _Day(url, schema, rng, restart_after=restart_after, on_restart=on_restart)
    backend = day.engine.store.engine.dialect.name
    day.open(contacts, agents)
    day.run(max_steps=200 * contacts + 10_000)
    return _result(
        day.engine,
        contacts,
        day.handled,
        day.predicted,
        day.waits,
        day.booked,
        day.max_waiting,
        day.restarts,
        time.perf_counter() - wall0,
        backend,
    )


def _sim_queues() -> list[QueueConfig]:
    """The day's two queues, open all day."""
    return [
        QueueConfig(
            name=GENERAL_QUEUE,
            hours=HoursOfOperation.always(),
            max_contacts=60,
            callback_offer_after_s=900.0,
            default_aht_s=SIM_AHT_S[GENERAL_QUEUE],
        ),
        QueueConfig(
            name=PRIORITY_QUEUE,
            hours=HoursOfOperation.always(),
            max_contacts=40,
            callback_offer_after_s=600.0,
            default_aht_s=SIM_AHT_S[PRIORITY_QUEUE],
        ),
    ]


class _Day:
    """The simulated day: its clock, event heap, engine, staff and what it measured."""

    def __init__(
        self,
        url: str,
        schema: str | None,
        rng: random.Random,
        *,
        restart_after: int | None,
        on_restart: Callable[[RoutingEngine], None] | None,
    ) -> None:
        self.url, self.schema, self.rng = url, schema, rng
        self.restart_after, self.on_restart = restart_after, on_restart
        self.now = _DAY_START
        self.queues = _sim_queues()
        self.engine = self.build()
        self.events: list[_Event] = []
        self.seq = 0
        self.staff: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.off_duty: set[str] = set()
        self.predicted: dict[str, tuple[float, float, str]] = {}  # contact -> (ewt, naive, queue)
        self.waits: dict[str, float] = {}
        self.handled: dict[str, int] = {}
        self.booked = self.arrived = self.restarts = self.max_waiting = 0

    def build(self) -> RoutingEngine:
        """A routing engine over the day's database, on the simulated clock."""
        return RoutingEngine(
            RoutingStore.from_url(self.url, schema=self.schema),
            self.queues,
            clock=lambda: self.now,
            acw_s=SIM_ACW_S,
        )

    def push(self, at: datetime, kind: str, payload: str = "") -> None:
        """Schedule one event."""
        self.seq += 1
        heapq.heappush(self.events, _Event(at, self.seq, kind, payload))

    def open(self, contacts: int, agents: int) -> None:
        """Schedule the arrivals and sign the agents in with staggered shifts."""
        for i, at in enumerate(_arrivals(self.rng, contacts)):
            self.push(at, "arrive", f"c{i:04d}")
        for k in range(agents):
            name = f"agent{k:02d}"
            self.staff[name] = self.engine.sign_in(name, default_profile(), now=_DAY_START).agent_id
            offset = (_OPEN_HOURS - _SHIFT_HOURS) * k / max(1, agents - 1)
            start = _DAY_START + timedelta(hours=offset)
            self.push(start, "shift_start", name)
            self.push(start + timedelta(hours=_SHIFT_HOURS), "shift_end", name)
        self.names = {aid: name for name, aid in self.staff.items()}

    def run(self, *, max_steps: int) -> None:
        """Play events until none is left and no work remains.

        Raises:
            RuntimeError: the day does not settle within ``max_steps`` events.
        """
        steps = 0
        while self.events:
            steps += 1
            if steps > max_steps:
                raise RuntimeError("simulated day did not settle (a contact or callback is stuck)")
            ev = heapq.heappop(self.events)
            self.now = ev.at
            self.handle(ev)
            self.dispatch()
            waiting_now = self.engine.counts().get(EntryState.WAITING.value, 0)
            self.max_waiting = max(self.max_waiting, waiting_now)
            if not self.events and _work_left(self.engine, waiting_now):
                # The last shift ended with work left: everyone stays on until it is done.
                for aid in self.staff.values():
                    if self.engine.agent(aid).status is AgentStatus.OFFLINE:
                        self.engine.set_status(aid, AgentStatus.AVAILABLE, now=ev.at)
                self.push(ev.at + timedelta(minutes=1), "overtime")

    def handle(self, ev: _Event) -> None:
        """Apply one event (arrival, completion, shift start or end)."""
        engine = self.engine
        if ev.kind == "arrive":
            self.arrive(ev)
        elif ev.kind == "complete":
            done = engine.complete(ev.payload, "resolved", now=ev.at)
            self.push(ev.at + timedelta(seconds=SIM_ACW_S), "acw_over")
            name = self.names[done.agent_id]
            if name in self.off_duty:
                self.off_duty.discard(name)
                engine.set_status(done.agent_id, AgentStatus.OFFLINE, now=ev.at)
        elif ev.kind == "shift_start":
            self.off_duty.discard(ev.payload)
            engine.set_status(self.staff[ev.payload], AgentStatus.AVAILABLE, now=ev.at)
        elif ev.kind == "shift_end":
            agent = engine.agent(self.staff[ev.payload])
            if agent.contact_id is None:
                engine.set_status(agent.agent_id, AgentStatus.OFFLINE, now=ev.at)
            else:
                self.off_duty.add(ev.payload)

    def arrive(self, ev: _Event) -> None:
        """A contact arrives: a callback when offered (half take it), else the queue."""
        rng, engine = self.rng, self.engine
        self.arrived += 1
        frustrated = rng.random() < 0.2
        negative = rng.random() < 0.1
        attrs = {
            "handover_reason": "customer_frustration" if frustrated else "explicit_request",
            "RealTimeSentiment": "NEGATIVE" if negative else "NEUTRAL",
        }
        queue = PRIORITY_QUEUE if (frustrated or negative) else GENERAL_QUEUE
        status = engine.queue_status(queue, at=ev.at)
        if status.offer_callback and rng.random() < 0.5:
            due = ev.at + timedelta(minutes=rng.uniform(10, 40))
            phone = f"+4477009{rng.randrange(10**5):05d}"
            engine.book_callback(ev.payload, phone, queue, due, attributes=attrs, now=ev.at)
            self.booked += 1
            self.push(due, "callback_due")
        else:
            try:
                placement = engine.enqueue_handover(ev.payload, attrs, now=ev.at)
            except QueueFullError:
                due = ev.at + timedelta(minutes=30)
                engine.book_callback(
                    ev.payload, "+447700900000", queue, due, attributes=attrs, now=ev.at
                )
                self.booked += 1
                self.push(due, "callback_due")
            else:
                staffed = max(1, status.agents_staffed)
                naive = (placement.position - 1) * engine.aht_s(queue) / staffed
                self.predicted[ev.payload] = (placement.ewt_s, naive, queue)
        if self.restart_after is not None and self.arrived == self.restart_after:
            engine.store.engine.dispose()
            self.engine = self.build()
            self.restarts += 1
            if self.on_restart is not None:
                self.on_restart(self.engine)

    def dispatch(self) -> None:
        """Offer waiting contacts to available agents; schedule each handled one's end."""
        for a in self.engine.dispatch(self.now):
            self.handled[a.contact_id] = self.handled.get(a.contact_id, 0) + 1
            if a.callback_id is None and a.contact_id in self.predicted:
                self.waits[a.contact_id] = a.waited_s
            self.push(
                self.now + timedelta(seconds=_lognormal(self.rng, SIM_AHT_S[a.queue])),
                "complete",
                a.contact_id,
            )


def _work_left(engine: RoutingEngine, waiting: int) -> bool:
    """True while contacts wait or callbacks are not yet dialled back."""
    if waiting:
        return True
    return any(cb.status.value in ("PENDING", "QUEUED") for cb in engine.callbacks())


def _result(
    engine: RoutingEngine,
    contacts: int,
    handled: dict[str, int],
    predicted: dict[str, tuple[float, float, str]],
    waits: dict[str, float],
    booked: int,
    max_waiting: int,
    restarts: int,
    wall_s: float,
    backend: str,
) -> DayResult:
    """Check the day's entries in the database and compute the error figures."""
    with engine.store.begin() as conn:
        from sqlalchemy import select

        from switchboard.routing.models import EntryRow

        rows = conn.execute(select(EntryRow.__table__).order_by(EntryRow.id)).all()
    ids = [f"c{i:04d}" for i in range(contacts)]
    done: dict[str, int] = {}
    for r in rows:
        if r.state == EntryState.COMPLETED.value:
            done[r.contact_id] = done.get(r.contact_id, 0) + 1
    lost = [c for c in ids if done.get(c, 0) == 0]
    duplicated = [c for c in ids if done.get(c, 0) > 1 or handled.get(c, 0) > 1]
    served = [r for r in rows if r.assigned_at is not None]
    prio_bad = fifo_bad = 0
    by_queue: dict[str, list[object]] = {}
    for r in served:
        by_queue.setdefault(r.queue, []).append(r)
    for group in by_queue.values():
        for a in group:
            for b in group:
                # a was waiting when b was taken, yet b went first.
                if a is b or not (a.enqueued_at <= b.assigned_at < a.assigned_at):  # type: ignore[attr-defined]
                    continue
                if a.priority < b.priority:  # type: ignore[attr-defined]
                    prio_bad += 1
                elif a.priority == b.priority and a.enqueued_at < b.enqueued_at:  # type: ignore[attr-defined]
                    fifo_bad += 1
    errors = [(predicted[c][0] - w, predicted[c][1] - w, predicted[c][2]) for c, w in waits.items()]
    mae = sum(abs(e[0]) for e in errors) / len(errors) if errors else 0.0
    per_queue: dict[str, float] = {}
    for q in (GENERAL_QUEUE, PRIORITY_QUEUE):
        qe = [abs(e[0]) for e in errors if e[2] == q]
        if qe:
            per_queue[q] = round(sum(qe) / len(qe), 1)
    all_waits = sorted(waits.values())
    return DayResult(
        contacts=contacts,
        completed=sum(1 for c in ids if done.get(c, 0) == 1),
        lost=lost,
        duplicated=duplicated,
        priority_violations=prio_bad,
        fifo_violations=fifo_bad,
        ewt_samples=len(errors),
        ewt_mae_s=round(mae, 1),
        ewt_bias_s=round(sum(e[0] for e in errors) / len(errors), 1) if errors else 0.0,
        naive_mae_s=round(sum(abs(e[1]) for e in errors) / len(errors), 1) if errors else 0.0,
        mean_wait_s=round(sum(all_waits) / len(all_waits), 1) if all_waits else 0.0,
        p95_wait_s=round(all_waits[int(0.95 * (len(all_waits) - 1))], 1) if all_waits else 0.0,
        max_waiting=max_waiting,
        callbacks_booked=booked,
        callbacks_completed=sum(1 for cb in engine.callbacks() if cb.status.value == "COMPLETED"),
        restarts=restarts,
        wall_s=round(wall_s, 1),
        backend=backend,
        per_queue_mae_s=per_queue,
    )
