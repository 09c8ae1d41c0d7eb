"""The routing engine: queues, human agents, dispatch, EWT and callbacks, all in the store.

Public interface (what the contact-flow interpreter and the API use)::

    engine = RoutingEngine(RoutingStore.from_url(url), queues=default_queues())
    engine.queue_status("GeneralAgentQueue", at=now)      # open? size, full, EWT
    engine.enqueue(contact_id, "GeneralAgentQueue", priority=5, attributes={...})
        # -> Placement(position, ewt_s); QueueClosedError / QueueFullError
    engine.placement(contact_id)                          # position + EWT now
    engine.book_callback(contact_id, "+447700900123", "GeneralAgentQueue")
    engine.sign_in("alice"); engine.set_status(agent_id, AgentStatus.AVAILABLE)
    engine.dispatch(now)     # -> [Assignment]: available agents take waiting contacts
    engine.complete(contact_id, "resolved")                # agent goes to ACW

Rules:

* Order within a queue: priority (1 first; 0 is a due callback, ahead of
  all), then arrival time, then insertion order (FIFO within priority).
* An agent takes, among the queues of its routing profile, the contact with
  the best (profile queue priority, contact priority, arrival), skipping
  contacts that have not yet waited the profile's delay for that queue.
  Agents idle longest are served first.
* Every state change is one database transaction and claims rows with a
  conditional UPDATE, so two engines (or a restarted one) over the same
  database never hand one contact to two agents, and a restart loses no
  waiting contact and no callback: the engine keeps no state of its own
  except its queue configuration.
* Time comes from ``clock`` (default: UTC wall clock) unless a method gets
  ``now=``; the simulated day passes a simulated clock.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from switchboard.config import RoutingSettings
from switchboard.domain.attributes import (
    ATTR_HANDOVER_REASON,
    ATTR_PRIORITY,
    ATTR_SENTIMENT,
    ATTR_TARGET_QUEUE,
    DEFAULT_PRIORITY,
    GENERAL_QUEUE,
    PRIORITY_QUEUE,
    queue_for,
)
from switchboard.domain.types import HandoverReason, new_id, utcnow
from switchboard.errors import (
    ConfigError,
    InputError,
    QueueClosedError,
    QueueFullError,
    RoutingError,
    UnknownQueueError,
)
from switchboard.routing.estimator import (
    Server,
    WaitingContact,
    busy_residual_s,
    estimate_waits,
    jump_in_factor,
)
from switchboard.routing.models import AgentRow, CallbackRow, EntryRow
from switchboard.routing.store import RoutingStore
from switchboard.routing.types import (
    CALLBACK_FRONT_PRIORITY,
    CALLBACK_TTL,
    Agent,
    AgentStatus,
    Assignment,
    Callback,
    CallbackStatus,
    EntryState,
    HoursOfOperation,
    Placement,
    ProfileQueue,
    QueueConfig,
    QueueStatus,
    RoutingProfile,
)

log = logging.getLogger("switchboard.routing")

#: E.164: "+", country code, up to 15 digits in all (ITU-T E.164 §6).
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
#: Window over which arrival rates are measured for the jump-in correction.
ARRIVAL_WINDOW = timedelta(hours=1)


def default_queues(hours: HoursOfOperation | None = None) -> list[QueueConfig]:
    """Seed 2's two queues with the same hours (default: Mon-Fri 09:00-17:00 Europe/London)."""
    hours = hours or HoursOfOperation.weekdays()
    return [
        QueueConfig(name=GENERAL_QUEUE, hours=hours),
        QueueConfig(name=PRIORITY_QUEUE, hours=hours, callback_offer_after_s=180.0),
    ]


def queues_from_settings(settings: RoutingSettings) -> list[QueueConfig]:
    """Seed 2's queues with the hours, zone and capacity of ``settings.routing``.

    Raises:
        ConfigError: unparseable hours or unknown time zone.
    """
    try:
        hours = HoursOfOperation.parse(settings.hours, time_zone=settings.time_zone)
    except ValueError as exc:
        raise ConfigError(f"routing hours: {exc}") from exc
    return [
        q.model_copy(update={"max_contacts": settings.max_contacts}) for q in default_queues(hours)
    ]


def default_profile() -> RoutingProfile:
    """An agent serving the priority queue first, then the general queue."""
    return RoutingProfile(
        name="banking",
        queues=(
            ProfileQueue(queue=PRIORITY_QUEUE, priority=1),
            ProfileQueue(queue=GENERAL_QUEUE, priority=2),
        ),
    )


def route_for(attributes: Mapping[str, str]) -> tuple[str, int]:
    """Queue and priority for a handed-over contact, from its contact attributes.

    ``target_queue`` / ``routing_priority`` win when set (the agent's
    :func:`~switchboard.domain.attributes.handover_attributes`); otherwise
    :func:`~switchboard.domain.attributes.queue_for` decides from
    ``handover_reason`` and ``RealTimeSentiment``. A ``NEGATIVE`` sentiment
    raises the priority to at least the priority queue's.

    Raises:
        InputError: ``routing_priority`` is not an integer 0..10.
    """
    sentiment = attributes.get(ATTR_SENTIMENT)
    try:
        reason = HandoverReason(attributes.get(ATTR_HANDOVER_REASON, "explicit_request"))
    except ValueError:
        reason = HandoverReason.EXPLICIT_REQUEST
    queue, priority = queue_for(reason, sentiment=sentiment)
    queue = attributes.get(ATTR_TARGET_QUEUE) or queue
    raw = attributes.get(ATTR_PRIORITY)
    if raw is not None:
        try:
            given = int(raw)
        except ValueError as exc:
            raise InputError(f"routing_priority must be an integer, got {raw!r}") from exc
        if not 0 <= given <= 10:
            raise InputError(f"routing_priority must be 0..10, got {given}")
        priority = min(given, priority) if sentiment == "NEGATIVE" else given
    return queue, priority


class RoutingEngine:
    """Queues, agents and callbacks over a :class:`RoutingStore` (see module doc).

    Args:
        store: the routing tables (SQLite or PostgreSQL).
        queues: the queue configurations (names must be unique).
        clock: returns the current aware UTC time.
        acw_s: after-contact work after each contact, seconds (0: straight back
            to available).
        aht_window: completed contacts per queue the AHT is averaged over.

    Raises:
        InputError: duplicate queue names.
    """

    def __init__(
        self,
        store: RoutingStore,
        queues: Iterable[QueueConfig] | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        acw_s: float = 0.0,
        aht_window: int = 100,
    ) -> None:
        self.store = store
        self.queues: dict[str, QueueConfig] = {}
        for q in queues if queues is not None else default_queues():
            if q.name in self.queues:
                raise InputError(f"duplicate queue {q.name!r}")
            self.queues[q.name] = q
        self.clock = clock
        self.acw_s = acw_s
        self.aht_window = aht_window
        self._aht: dict[str, float] | None = None

    # -- queues ----------------------------------------------------------------------

    def queue(self, name: str) -> QueueConfig:
        """The configuration of queue ``name``.

        Raises:
            UnknownQueueError: no such queue.
        """
        try:
            return self.queues[name]
        except KeyError:
            raise UnknownQueueError(
                f"unknown queue {name!r}; configured: {', '.join(self.queues)}"
            ) from None

    def is_open(self, queue: str, at: datetime | None = None) -> bool:
        """True when ``queue`` is within its hours of operation at ``at`` (default now).

        Raises:
            UnknownQueueError: no such queue.
        """
        return self.queue(queue).hours.is_open(at or self.clock())

    def aht_s(self, queue: str) -> float:
        """Mean handle time of ``queue``'s last ``aht_window`` completed contacts, seconds."""
        if self._aht is None:
            self._aht = self.store.handle_time_means(list(self.queues), self.aht_window)
        return self._aht.get(queue) or self.queue(queue).default_aht_s

    def queue_status(self, queue: str, at: datetime | None = None) -> QueueStatus:
        """Snapshot of ``queue``: open, size, capacity, staffing, AHT and EWT for a newcomer.

        Raises:
            UnknownQueueError: no such queue.
            StoreError: the database failed.
        """
        config = self.queue(queue)
        now = at or self.clock()
        with self.store.begin() as conn:
            waiting = self.store.waiting(conn)
            agents = self.store.agents(conn)
            assigned = self.store.assigned(conn)
        size = sum(1 for w in waiting if w.queue == queue)
        serving = [a for a in agents if a.profile.config_for(queue) is not None]
        staffed = [a for a in serving if a.status is not AgentStatus.OFFLINE]
        probe = WaitingContact(key=-1, queue=queue, priority=DEFAULT_PRIORITY, enqueued_at=now)
        ewt = self._estimate([*waiting, probe], agents, assigned, now, target=-1).get(-1, 0.0)
        is_open = config.hours.is_open(now)
        full = size >= config.max_contacts
        return QueueStatus(
            queue=queue,
            at=now,
            open=is_open,
            size=size,
            capacity=config.max_contacts,
            full=full,
            agents_staffed=len(staffed),
            agents_available=sum(1 for a in staffed if a.status is AgentStatus.AVAILABLE),
            aht_s=self.aht_s(queue),
            ewt_s=ewt,
            offer_callback=(not is_open) or full or ewt > config.callback_offer_after_s,
        )

    # -- contacts --------------------------------------------------------------------

    def enqueue(
        self,
        contact_id: str,
        queue: str,
        priority: int = DEFAULT_PRIORITY,
        attributes: Mapping[str, str] | None = None,
        *,
        now: datetime | None = None,
        check_hours: bool = True,
    ) -> Placement:
        """Put a contact in ``queue`` and return its position and EWT.

        Idempotent: a contact already waiting gets its current placement back
        (no duplicate entry).

        Args:
            contact_id: the contact (any id; the routing tables do not need a
                contacts row, so flows and simulations can queue too).
            queue: queue name.
            priority: 1 (highest) .. 10; 0 is reserved for due callbacks.
            attributes: contact attributes handed to the agent (summary...).
            now: the instant of joining (default ``clock()``).
            check_hours: refuse outside hours (False for a due callback,
                which is also never refused for capacity).

        Raises:
            UnknownQueueError: no such queue.
            InputError: priority outside 0..10.
            QueueClosedError: outside hours of operation.
            QueueFullError: the queue holds ``max_contacts`` already.
            RoutingError: the contact is with an agent already.
            StoreError: the database failed.
        """
        return self._enqueue(
            contact_id, queue, priority, attributes, now=now, check_hours=check_hours
        )

    def _enqueue(
        self,
        contact_id: str,
        queue: str,
        priority: int,
        attributes: Mapping[str, str] | None,
        *,
        now: datetime | None,
        check_hours: bool,
        callback_id: str | None = None,
        conn: Connection | None = None,
    ) -> Placement:
        config = self.queue(queue)
        if not 0 <= priority <= 10:
            raise InputError(f"priority must be 0..10, got {priority}")
        now = now or self.clock()
        with self.store.begin(conn) as c:
            current = self.store.active_entry(c, contact_id)
            if current is not None:
                if current.state == EntryState.WAITING.value:
                    return self._placement(c, current.id, now)
                raise RoutingError(f"contact {contact_id} is already with an agent")
            if check_hours and not config.hours.is_open(now):
                raise QueueClosedError(f"queue {queue} is closed at {now.isoformat()}")
            # A due callback is a promise already made: it is not refused for capacity.
            full = self.store.count_waiting(c, queue) >= config.max_contacts
            if callback_id is None and full:
                raise QueueFullError(f"queue {queue} is full ({config.max_contacts} contacts)")
            entry_id = self.store.insert_entry(
                c,
                contact_id=contact_id,
                queue=queue,
                priority=priority,
                enqueued_at=now,
                attributes=dict(attributes or {}),
                callback_id=callback_id,
            )
            placement = self._placement(c, entry_id, now)
            c.execute(update(EntryRow).where(EntryRow.id == entry_id).values(ewt_s=placement.ewt_s))
        log.info(
            "contact queued",
            extra={"contact_id": contact_id, "queue": queue, "priority": priority},
        )
        return placement

    def enqueue_handover(
        self,
        contact_id: str,
        attributes: Mapping[str, str],
        *,
        now: datetime | None = None,
    ) -> Placement:
        """Enqueue a contact the AI agent handed over, routed by :func:`route_for`.

        Raises:
            Same as :meth:`enqueue`.
        """
        queue, priority = route_for(attributes)
        return self.enqueue(contact_id, queue, priority, attributes, now=now)

    def placement(self, contact_id: str, *, now: datetime | None = None) -> Placement | None:
        """The waiting contact's position and EWT now, or None when it is not waiting."""
        now = now or self.clock()
        with self.store.begin() as c:
            entry = self.store.active_entry(c, contact_id)
            if entry is None or entry.state != EntryState.WAITING.value:
                return None
            return self._placement(c, entry.id, now)

    def placements(self, *, now: datetime | None = None) -> dict[str, Placement]:
        """Every waiting contact's placement, by contact id (one estimator run)."""
        now = now or self.clock()
        with self.store.begin() as c:
            waiting = self.store.waiting(c)
            if not waiting:  # the usual case: no agents, assignments or rates to read
                return {}
            rows = {w.key: w for w in waiting}
            contacts = self.store.waiting_contact_ids(c)
            ewts = self._estimate(waiting, self.store.agents(c), self.store.assigned(c), now)
        result: dict[str, Placement] = {}
        positions: dict[str, int] = {}
        for w in sorted(waiting, key=lambda x: (x.priority, x.enqueued_at, x.key)):
            positions[w.queue] = positions.get(w.queue, 0) + 1
            cid = contacts[w.key]
            result[cid] = Placement(
                contact_id=cid,
                queue=w.queue,
                priority=w.priority,
                position=positions[w.queue],
                ewt_s=round(ewts.get(w.key, 0.0), 3),
                enqueued_at=rows[w.key].enqueued_at,
            )
        return result

    def _placement(self, conn: Connection, entry_id: int, now: datetime) -> Placement:
        waiting = self.store.waiting(conn)
        mine = next(w for w in waiting if w.key == entry_id)
        order = sorted(
            (w for w in waiting if w.queue == mine.queue),
            key=lambda x: (x.priority, x.enqueued_at, x.key),
        )
        position = 1 + next(i for i, w in enumerate(order) if w.key == entry_id)
        ewts = self._estimate(
            waiting, self.store.agents(conn), self.store.assigned(conn), now, target=entry_id
        )
        contact_id = self.store.entry_contact(conn, entry_id)
        return Placement(
            contact_id=contact_id,
            queue=mine.queue,
            priority=mine.priority,
            position=position,
            ewt_s=round(ewts.get(entry_id, 0.0), 3),
            enqueued_at=mine.enqueued_at,
        )

    def _estimate(
        self,
        waiting: list[WaitingContact],
        agents: list[Agent],
        assigned: Mapping[str, tuple[str, datetime]],
        now: datetime,
        *,
        target: int | None = None,
    ) -> dict[int, float]:
        """Run the estimator (:mod:`switchboard.routing.estimator`) over the current state."""
        servers: list[Server] = []
        for agent in agents:
            if agent.status is AgentStatus.OFFLINE:
                continue
            since = (now - agent.status_since).total_seconds()
            if agent.status is AgentStatus.AVAILABLE:
                free = 0.0
            elif agent.status is AgentStatus.AFTER_CONTACT_WORK:
                free = max(0.0, self.acw_s - since)
            else:
                queue, assigned_at = assigned.get(agent.agent_id, (None, agent.status_since))
                held = self.aht_s(queue) if queue in self.queues else self._mean_aht()
                free = busy_residual_s(held, (now - assigned_at).total_seconds()) + self.acw_s
            servers.append(Server(agent.agent_id, agent.profile, free))
        ahts = {q: self.aht_s(q) for q in self.queues}
        waits = estimate_waits(waiting, servers, ahts, acw_s=self.acw_s, now=now, target=target)
        rates = self.store.arrival_rates(now - ARRIVAL_WINDOW, now)
        by_key = {w.key: w for w in waiting}
        factors: dict[tuple[str, int], float] = {}
        for key, wait in waits.items():
            w = by_key[key]
            cls = (w.queue, w.priority)
            if cls not in factors:
                factors[cls] = jump_in_factor(w, servers, rates, ahts, acw_s=self.acw_s)
            waits[key] = wait * factors[cls]
        return waits

    def _mean_aht(self) -> float:
        values = [self.aht_s(q) for q in self.queues]
        return sum(values) / len(values)

    def abandon(self, contact_id: str, *, now: datetime | None = None) -> bool:
        """Take a waiting contact out of its queue (customer hung up). True if it was waiting."""
        now = now or self.clock()
        with self.store.begin() as c:
            return self.store.close_waiting(c, contact_id, EntryState.ABANDONED, now, "abandoned")

    # -- agents ----------------------------------------------------------------------

    def sign_in(
        self,
        name: str,
        profile: RoutingProfile | None = None,
        *,
        now: datetime | None = None,
    ) -> Agent:
        """Sign an agent in by name (created on first sign-in), status offline until set.

        A returning agent keeps its id and any contact it was handling; the
        profile is replaced when one is given.

        Raises:
            InputError: empty name or a profile naming an unknown queue.
        """
        name = name.strip()
        if not name or len(name) > 128:
            raise InputError("agent name must be 1..128 characters")
        if profile is not None:
            for pq in profile.queues:
                self.queue(pq.queue)
        now = now or self.clock()
        with self.store.begin() as c:
            existing = self.store.agent_by_name(c, name)
            if existing is not None:
                if profile is not None:
                    c.execute(
                        update(AgentRow)
                        .where(AgentRow.agent_id == existing.agent_id)
                        .values(profile=profile.model_dump(mode="json"))
                    )
                    existing = existing.model_copy(update={"profile": profile})
                return existing
            agent = Agent(
                agent_id=new_id(),
                name=name,
                status=AgentStatus.OFFLINE,
                status_since=now,
                profile=profile or default_profile(),
            )
            c.execute(
                insert(AgentRow),
                {
                    "agent_id": agent.agent_id,
                    "name": agent.name,
                    "status": agent.status.value,
                    "status_since": now,
                    "profile": agent.profile.model_dump(mode="json"),
                    "contact_id": None,
                },
            )
        return agent

    def agent(self, agent_id: str) -> Agent:
        """The agent ``agent_id``.

        Raises:
            UnknownAgentError: no such agent.
        """
        with self.store.begin() as c:
            return self.store.agent(c, agent_id)

    def agents(self) -> list[Agent]:
        """Every agent, by name."""
        with self.store.begin() as c:
            return self.store.agents(c)

    def set_status(
        self, agent_id: str, status: AgentStatus, *, now: datetime | None = None
    ) -> Agent:
        """Set an agent available, in ACW or offline (busy is set by dispatch only).

        Raises:
            UnknownAgentError: no such agent.
            RoutingError: asked for busy, or to leave busy while holding a contact.
        """
        if status is AgentStatus.BUSY:
            raise RoutingError("an agent becomes busy only by taking a contact")
        now = now or self.clock()
        with self.store.begin() as c:
            agent = self.store.agent(c, agent_id)
            if agent.contact_id is not None:
                raise RoutingError(
                    f"agent {agent.name} holds contact {agent.contact_id}; complete it first"
                )
            if agent.status is status:
                return agent
            c.execute(
                update(AgentRow)
                .where(AgentRow.agent_id == agent_id)
                .values(status=status.value, status_since=now)
            )
        return agent.model_copy(update={"status": status, "status_since": now})

    # -- dispatch --------------------------------------------------------------------

    def dispatch(self, now: datetime | None = None) -> list[Assignment]:
        """Route waiting contacts to available agents; release due callbacks first.

        Agents in ACW whose ``acw_s`` is over become available (with
        ``acw_s == 0`` an agent who chose ACW stays there until it changes
        its status). Each
        assignment is one transaction (claim the entry if still waiting,
        the agent if still available).

        Returns:
            The assignments made, in order.

        Raises:
            StoreError: the database failed.
        """
        now = now or self.clock()
        self.release_due_callbacks(now)
        made: list[Assignment] = []
        with self.store.begin() as c:
            if self.acw_s > 0:  # with no ACW period, an agent leaves ACW by itself
                self.store.end_acw(c, now - timedelta(seconds=self.acw_s), now)
            # Waiting contacts first: with none (the usual case) the agents are not read.
            waiting = self.store.waiting(c)
            agents = (
                [a for a in self.store.agents(c) if a.status is AgentStatus.AVAILABLE]
                if waiting
                else []
            )
        agents.sort(key=lambda a: (a.status_since, a.name))
        for agent in agents:
            if not waiting:
                break
            pick = self._best_for(agent, waiting, now)
            if pick is None:
                continue
            waiting.remove(pick)
            with self.store.begin() as c:
                assignment = self.store.claim(c, pick.key, agent.agent_id, now)
            if assignment is not None:  # None: another engine took the contact or agent
                made.append(assignment)
        return made

    @staticmethod
    def _best_for(
        agent: Agent, waiting: list[WaitingContact], now: datetime
    ) -> WaitingContact | None:
        """The contact ``agent`` should take: best (profile queue priority, priority, arrival)."""
        best: tuple[tuple[int, int, datetime, int], WaitingContact] | None = None
        for w in waiting:
            cfg = agent.profile.config_for(w.queue)
            if cfg is None or (now - w.enqueued_at).total_seconds() < cfg.delay_s:
                continue
            rank = (cfg.priority, w.priority, w.enqueued_at, w.key)
            if best is None or rank < best[0]:
                best = (rank, w)
        return None if best is None else best[1]

    def assignment_for(self, agent_id: str) -> Assignment | None:
        """The contact an agent is handling now, or None."""
        with self.store.begin() as c:
            return self.store.assignment_of_agent(c, agent_id)

    def is_active(self, contact_id: str) -> bool:
        """True when the contact waits in a queue or is with an agent (one indexed read)."""
        with self.store.begin() as c:
            return self.store.active_entry(c, contact_id) is not None

    def assignment_of_contact(self, contact_id: str) -> Assignment | None:
        """The agent assignment of a contact being handled now, or None."""
        with self.store.begin() as c:
            return self.store.assignment_of_contact(c, contact_id)

    def complete(
        self, contact_id: str, disposition: str, *, now: datetime | None = None
    ) -> Assignment:
        """Close a contact an agent was handling; record its handle time; agent → ACW.

        With ``acw_s == 0`` the agent goes straight back to available. A
        dialled-back callback is marked ``COMPLETED``.

        Raises:
            InputError: empty disposition.
            RoutingError: the contact is not with an agent.
        """
        disposition = disposition.strip()
        if not disposition or len(disposition) > 64:
            raise InputError("disposition must be 1..64 characters")
        now = now or self.clock()
        with self.store.begin() as c:
            assignment = self.store.assignment_of_contact(c, contact_id)
            if assignment is None:
                raise RoutingError(f"contact {contact_id} is not with an agent")
            self.store.finish(c, assignment, disposition, now, acw=self.acw_s > 0)
        self._aht = None
        return assignment

    # -- callbacks -------------------------------------------------------------------

    def book_callback(
        self,
        contact_id: str,
        phone: str,
        queue: str,
        due: datetime | None = None,
        *,
        attributes: Mapping[str, str] | None = None,
        priority: str = "NORMAL",
        now: datetime | None = None,
    ) -> Callback:
        """Persist a callback (seed 2 schema, TTL 7 days); leave the queue if waiting.

        Args:
            contact_id: the contact asking to be called back.
            phone: E.164 number to dial (stored in clear: see module doc of
                :mod:`switchboard.routing.models` for its handling).
            queue: the queue the callback returns to.
            due: earliest dial-back time; default now, or the queue's next
                opening when it is closed.
            attributes: contact attributes for the agent who calls back.
            priority: seed 2's ``priority`` label (``NORMAL`` | ``HIGH``).
            now: booking time.

        Raises:
            InputError: malformed phone number or a due time past the TTL.
            UnknownQueueError: no such queue.
        """
        config = self.queue(queue)
        phone = re.sub(r"[\s\-().]", "", phone)
        if not _E164.fullmatch(phone):
            raise InputError("callback number must be E.164, e.g. +447700900123")
        now = now or self.clock()
        ttl_at = now + CALLBACK_TTL
        if due is None:
            due = config.hours.next_open(now) or now
        if due.tzinfo is None:
            raise InputError("callback due time must be timezone-aware")
        if due > ttl_at:
            raise InputError("callback due time is beyond the 7-day retention")
        callback = Callback(
            callback_id=new_id(),
            contact_id=contact_id,
            customer_phone=phone,
            requested_at=now,
            queue_id=queue,
            priority=priority,
            ttl=int(ttl_at.timestamp()),
            due_at=due,
            attributes=dict(attributes or {}),
        )
        with self.store.begin() as c:
            self.store.close_waiting(c, contact_id, EntryState.ABANDONED, now, "callback")
            c.execute(insert(CallbackRow), self.store.callback_params(callback))
        log.info("callback booked", extra={"contact_id": contact_id, "queue": queue})
        return callback

    def callback(self, callback_id: str) -> Callback | None:
        """One stored callback, or None."""
        with self.store.begin() as c:
            found = self.store.callbacks_where(c, CallbackRow.callback_id == callback_id)
        return found[0] if found else None

    def callbacks(self, status: CallbackStatus | None = None) -> list[Callback]:
        """Stored callbacks (optionally of one status), oldest request first."""
        with self.store.begin() as c:
            return self.store.callbacks(c, status)

    def release_due_callbacks(self, now: datetime | None = None) -> list[Placement]:
        """Dial back due callbacks: enqueue them at the front when an agent is free.

        A ``PENDING`` callback whose ``due_at`` has come, whose queue is open
        and served by at least one available agent is queued with priority
        0 (ahead of every live contact) and marked ``QUEUED``. Callbacks past
        their ``ttl`` are marked ``EXPIRED`` and their phone number erased.

        Returns:
            The placements made.
        """
        now = now or self.clock()
        made: list[Placement] = []
        with self.store.begin() as c:
            self.store.expire_callbacks(c, int(now.timestamp()))
            due = self.store.due_callbacks(c, now)
            if not due:
                return made
            free = [a for a in self.store.agents(c) if a.status is AgentStatus.AVAILABLE]
        for cb in due:
            if cb.queue_id not in self.queues or not self.queues[cb.queue_id].hours.is_open(now):
                continue
            if not any(a.profile.config_for(cb.queue_id) for a in free):
                continue
            with self.store.begin() as c:
                if not self.store.mark_callback(c, cb.callback_id, CallbackStatus.QUEUED):
                    continue  # another engine took it
                try:
                    placement = self._enqueue(
                        cb.contact_id,
                        cb.queue_id,
                        CALLBACK_FRONT_PRIORITY,
                        {str(k): str(v) for k, v in cb.attributes.items()},
                        now=now,
                        check_hours=False,
                        callback_id=cb.callback_id,
                        conn=c,
                    )
                except RoutingError:
                    log.warning(
                        "callback contact is busy; kept pending",
                        extra={"contact_id": cb.contact_id},
                    )
                    self.store.mark_callback(
                        c, cb.callback_id, CallbackStatus.PENDING, expect=CallbackStatus.QUEUED
                    )
                    continue
            made.append(placement)
        return made

    # -- inspection ------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Entries per state (waiting, assigned, completed, abandoned) over all time."""
        with self.store.begin() as c:
            return self.store.entry_counts(c)

    def history(self, contact_id: str) -> list[dict[str, Any]]:
        """Every queue entry of a contact, oldest first (for audits and tests)."""
        with self.store.begin() as c:
            rows = c.execute(
                select(EntryRow.__table__)
                .where(EntryRow.contact_id == contact_id)
                .order_by(EntryRow.id)
            ).all()
        return [dict(r._mapping) for r in rows]
