"""Estimated wait time (EWT): replay the dispatcher over expected agent release times.

The estimator answers "when will this waiting contact reach an agent?" with
the same rules the dispatcher uses, fed with expectations instead of facts:

1. Every staffed agent (not offline) whose routing profile serves some queue
   gets an expected *free time* (seconds from now):

   * available: 0;
   * after-contact work: the rest of the ACW period;
   * busy: ``max(AHT(q) − elapsed, AHT(q) / 4) + ACW`` where ``q`` is the queue
     of the contact on hand. The floor keeps an overdue contact from being
     counted as finished (a long call has a long residual).

2. AHT per queue is the mean handle time (assigned → completed, seconds) of
   the queue's last ``window`` completed contacts, or the queue's
   configured default before any is measured.

3. The waiting contacts are replayed in dispatch order: the agent that frees
   up first takes the contact the dispatcher would give it (profile queue
   priority, then contact priority, then arrival; a profile's per-queue delay
   holds a contact back until it has waited that long), and is then busy for
   ``AHT + ACW`` of that queue. A contact's EWT is the time its replayed agent
   takes it.

4. A queue no staffed agent serves: the contact waits ``position × AHT`` (as
   if one agent signed in now).

5. Jump-ins: work that arrives *after* the contact but is served before it
   (a better contact priority in the same queue, a queue its agents serve
   first, a callback released to the front) stretches the wait. With ``λ``
   the arrival rate of such work over the last hour and ``N`` the agents
   serving the contact's queue, that work takes a share
   ``ρ = Σ λ·(AHT + ACW) / N`` of those agents, so the replayed wait ``W0``
   becomes ``W0 / (1 − ρ)`` (ρ capped at 0.9): the classic preemptive-priority
   slow-down of a lower class.

What it cannot see: agents signing in or out, and handle-time variance.
The simulated day (``bench/routing_day.py``) measures the resulting error.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from switchboard.routing.types import RoutingProfile


@dataclass(frozen=True)
class WaitingContact:
    """A waiting entry as the estimator sees it."""

    key: int
    queue: str
    priority: int
    enqueued_at: datetime


@dataclass(frozen=True)
class Server:
    """A staffed agent: its profile and when it is expected to be free (s from now)."""

    agent_id: str
    profile: RoutingProfile
    free_in_s: float


def ewt_minutes(ewt_s: float) -> int:
    """An EWT in seconds as the whole minutes ``EstimatedWaitTime`` carries (rounded up).

    0 s stays 0 (an agent is free now); any positive wait is at least 1 minute.
    """
    return max(1, int(-(-ewt_s // 60))) if ewt_s > 0 else 0


def busy_residual_s(aht_s: float, elapsed_s: float) -> float:
    """Expected seconds left on a contact handled for ``elapsed_s`` (rule 1 above)."""
    return max(aht_s - elapsed_s, aht_s / 4)


def estimate_waits(
    waiting: Sequence[WaitingContact],
    servers: Sequence[Server],
    aht_s: Mapping[str, float],
    *,
    acw_s: float,
    now: datetime,
    target: int | None = None,
) -> dict[int, float]:
    """Estimate each waiting contact's wait from ``now``, in seconds.

    Args:
        waiting: every waiting contact (all queues).
        servers: staffed agents with their expected free time.
        aht_s: AHT per queue name, seconds.
        acw_s: after-contact work per contact, seconds.
        now: the instant the estimate is for (aware).
        target: stop once this entry key is estimated (cheaper for one contact).

    Returns:
        ``{entry key: EWT seconds}`` for every contact estimated.
    """
    order = sorted(waiting, key=lambda w: (w.priority, w.enqueued_at, w.key))
    result: dict[int, float] = {}
    served_queues = {pq.queue for s in servers for pq in s.profile.queues}
    # Rule 4: queues nobody serves.
    unserved_pos: dict[str, int] = {}
    pending: list[WaitingContact] = []
    for w in order:
        if w.queue in served_queues:
            pending.append(w)
            continue
        unserved_pos[w.queue] = unserved_pos.get(w.queue, 0) + 1
        result[w.key] = unserved_pos[w.queue] * aht_s.get(w.queue, 0.0)
    if target is not None and target in result:
        return result
    heap: list[tuple[float, int]] = [(max(0.0, s.free_in_s), i) for i, s in enumerate(servers)]
    heapq.heapify(heap)
    while pending and heap:
        t, idx = heapq.heappop(heap)
        profile = servers[idx].profile
        best: tuple[tuple[float, int, datetime, int], int] | None = None
        earliest_eligible: float | None = None
        for pos, w in enumerate(pending):
            cfg = profile.config_for(w.queue)
            if cfg is None:
                continue
            eligible_in = (w.enqueued_at - now).total_seconds() + cfg.delay_s
            if eligible_in > t:
                if earliest_eligible is None or eligible_in < earliest_eligible:
                    earliest_eligible = eligible_in
                continue
            rank = (float(cfg.priority), w.priority, w.enqueued_at, w.key)
            if best is None or rank < best[0]:
                best = (rank, pos)
        if best is None:
            if earliest_eligible is not None:
                heapq.heappush(heap, (earliest_eligible, idx))
            continue
        chosen = pending.pop(best[1])
        result[chosen.key] = t
        if chosen.key == target:
            return result
        heapq.heappush(heap, (t + aht_s.get(chosen.queue, 0.0) + acw_s, idx))
    return result


#: Largest share of the agents that jump-in work is assumed to take (rule 5).
MAX_JUMP_IN_LOAD = 0.9


def jump_in_factor(
    contact: WaitingContact,
    servers: Sequence[Server],
    arrivals_per_s: Mapping[tuple[str, int], float],
    aht_s: Mapping[str, float],
    *,
    acw_s: float,
) -> float:
    """``1 / (1 − ρ)`` for ``contact`` (rule 5 above); 1.0 when nothing can jump in.

    Args:
        contact: the waiting contact.
        servers: staffed agents.
        arrivals_per_s: recent arrival rate per ``(queue, priority)``, contacts/s.
        aht_s: AHT per queue, seconds.
        acw_s: after-contact work per contact, seconds.
    """
    serving = [s for s in servers if s.profile.config_for(contact.queue) is not None]
    if not serving:
        return 1.0
    own = serving[0].profile.config_for(contact.queue)
    assert own is not None  # filtered above
    load = 0.0
    for (queue, priority), rate in arrivals_per_s.items():
        cfg = serving[0].profile.config_for(queue)
        if cfg is None:
            continue
        ahead = cfg.priority < own.priority or (
            queue == contact.queue and priority < contact.priority
        )
        if ahead:
            load += rate * (aht_s.get(queue, 0.0) + acw_s)
    rho = min(load / len(serving), MAX_JUMP_IN_LOAD)
    return 1.0 / (1.0 - rho)
