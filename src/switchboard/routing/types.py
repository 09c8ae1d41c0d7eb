"""Routing value types: queues, hours of operation, agents, routing profiles, callbacks.

Names follow Amazon Connect: a *queue* holds contacts waiting for a human
agent; *hours of operation* say when a queue is staffed (Connect
"HoursOfOperation": a time zone plus per-day start/end times); a *routing
profile* lists the queues an agent serves with a priority and a delay per
queue (Connect "RoutingProfileQueueConfig": ``Priority`` 1 is served first,
``Delay`` is the seconds a contact must have waited before it is offered to
agents of this profile); an agent's *status* is available, busy (on a
contact), after-contact work (ACW) or offline.

Every datetime here is aware; times are compared in UTC and hours of
operation are evaluated in the queue's own time zone (``zoneinfo``).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from switchboard.domain.attributes import DEFAULT_PRIORITY

#: Callback records live 7 days (seed 2 "Callback Lambda Function": ``ttl``).
CALLBACK_TTL = timedelta(days=7)
#: Queue priority given to a due callback: ahead of every live contact (1..10).
CALLBACK_FRONT_PRIORITY = 0

_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


class AgentStatus(StrEnum):
    """A human agent's state (Connect agent states, simplified)."""

    AVAILABLE = "available"
    BUSY = "busy"
    AFTER_CONTACT_WORK = "acw"
    OFFLINE = "offline"


class EntryState(StrEnum):
    """Lifecycle of one contact in a queue."""

    WAITING = "waiting"
    ASSIGNED = "assigned"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class CallbackStatus(StrEnum):
    """Lifecycle of a callback (seed 2 ``status``: starts ``PENDING``)."""

    PENDING = "PENDING"
    QUEUED = "QUEUED"
    COMPLETED = "COMPLETED"
    EXPIRED = "EXPIRED"


class DayHours(BaseModel):
    """One opening window on one weekday, local time; ``end`` 00:00 means midnight."""

    model_config = ConfigDict(frozen=True)

    day: str = Field(description="MONDAY .. SUNDAY (Connect HoursOfOperationConfig.Day)")
    start: time
    end: time

    @field_validator("day")
    @classmethod
    def _known_day(cls, value: str) -> str:
        day = value.upper()
        if day not in _DAYS:
            raise ValueError(f"unknown day {value!r}; expected one of {', '.join(_DAYS)}")
        return day


class HoursOfOperation(BaseModel):
    """When a queue is open, in its own time zone.

    Args:
        time_zone: IANA name (``Europe/London``).
        config: opening windows; a day with no window is closed all day.
    """

    model_config = ConfigDict(frozen=True)

    name: str = "default"
    time_zone: str = "Europe/London"
    config: tuple[DayHours, ...] = ()

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @classmethod
    def weekdays(
        cls, start: str = "09:00", end: str = "17:00", *, time_zone: str = "Europe/London"
    ) -> HoursOfOperation:
        """Monday to Friday ``start``-``end`` (seed 2: "Monday to Friday, 9 AM to 5 PM")."""
        return cls(
            name=f"weekdays {start}-{end}",
            time_zone=time_zone,
            config=tuple(
                DayHours(day=d, start=time.fromisoformat(start), end=time.fromisoformat(end))
                for d in _DAYS[:5]
            ),
        )

    @classmethod
    def always(cls, *, time_zone: str = "UTC") -> HoursOfOperation:
        """Open 24 hours a day, 7 days a week."""
        return cls(
            name="24x7",
            time_zone=time_zone,
            config=tuple(DayHours(day=d, start=time(0), end=time(0)) for d in _DAYS),
        )

    @classmethod
    def parse(cls, spec: str, *, time_zone: str = "Europe/London") -> HoursOfOperation:
        """Hours from a short spec: ``always`` or ``weekdays HH:MM-HH:MM``.

        Raises:
            ValueError: any other spec.
        """
        text = spec.strip().lower()
        if text in ("always", "24x7", "24/7"):
            return cls.always(time_zone=time_zone)
        kind, _, span = text.partition(" ")
        start, _, end = span.partition("-")
        if kind != "weekdays" or not start or not end:
            raise ValueError(f"hours must be 'always' or 'weekdays HH:MM-HH:MM', got {spec!r}")
        return cls.weekdays(start.strip(), end.strip(), time_zone=time_zone)

    def is_open(self, at: datetime) -> bool:
        """Return True when ``at`` (aware) falls in an opening window, local time.

        Raises:
            ValueError: ``at`` is naive.
        """
        if at.tzinfo is None:
            raise ValueError("is_open needs an aware datetime")
        local = at.astimezone(ZoneInfo(self.time_zone))
        day = _DAYS[local.weekday()]
        now = local.timetz().replace(tzinfo=None)
        for window in self.config:
            if window.day != day:
                continue
            if window.end == time(0):  # open until midnight
                if now >= window.start:
                    return True
            elif window.start <= now < window.end:
                return True
        return False

    def next_open(self, at: datetime, *, horizon: timedelta = timedelta(days=8)) -> datetime | None:
        """The first instant at or after ``at`` when the queue is open (minute precision).

        Returns:
            An aware datetime in ``at``'s zone, or None when never open within ``horizon``.
        """
        if self.is_open(at):
            return at
        zone = ZoneInfo(self.time_zone)
        local = at.astimezone(zone)
        best: datetime | None = None
        for offset in range(0, horizon.days + 1):
            day_date = (local + timedelta(days=offset)).date()
            day = _DAYS[day_date.weekday()]
            for window in self.config:
                if window.day != day:
                    continue
                candidate = datetime.combine(day_date, window.start, tzinfo=zone)
                if candidate >= local and (best is None or candidate < best):
                    best = candidate
            if best is not None:
                return best.astimezone(at.tzinfo)
        return None


class QueueConfig(BaseModel):
    """A queue: its name, its hours and how many contacts it may hold.

    ``max_contacts`` is Connect's ``MaxContacts``: beyond it ``enqueue`` raises
    :class:`~switchboard.errors.QueueFullError` (the flow's ``QueueAtCapacity``
    error branch). ``callback_offer_after_s`` is the EWT in seconds above which
    the engine suggests a callback (``QueueStatus.offer_callback``).
    """

    model_config = ConfigDict(frozen=True)

    name: str
    hours: HoursOfOperation = Field(default_factory=HoursOfOperation.always)
    max_contacts: int = Field(100, ge=1)
    callback_offer_after_s: float = Field(300.0, ge=0)
    default_aht_s: float = Field(300.0, gt=0, description="AHT used before any is measured")


class ProfileQueue(BaseModel):
    """One queue of a routing profile (Connect ``RoutingProfileQueueConfig``)."""

    model_config = ConfigDict(frozen=True)

    queue: str
    priority: int = Field(1, ge=1, le=99, description="1 is served first")
    delay_s: float = Field(0.0, ge=0, description="minimum wait before this profile takes it")


class RoutingProfile(BaseModel):
    """The queues an agent serves, in order (Connect "routing profile")."""

    model_config = ConfigDict(frozen=True)

    name: str
    queues: tuple[ProfileQueue, ...]

    @model_validator(mode="after")
    def _non_empty(self) -> RoutingProfile:
        if not self.queues:
            raise ValueError("a routing profile needs at least one queue")
        return self

    def config_for(self, queue: str) -> ProfileQueue | None:
        """The profile's settings for ``queue``, or None when it does not serve it."""
        for item in self.queues:
            if item.queue == queue:
                return item
        return None


class Agent(BaseModel):
    """A human agent as stored."""

    agent_id: str
    name: str
    status: AgentStatus
    status_since: datetime
    profile: RoutingProfile
    contact_id: str | None = None


class QueueStatus(BaseModel):
    """A queue at one instant (what ``CheckHoursOfOperation`` and queue metrics read)."""

    queue: str
    at: datetime
    open: bool
    size: int = Field(description="contacts waiting")
    capacity: int
    full: bool
    agents_staffed: int = Field(description="agents not offline whose profile serves the queue")
    agents_available: int
    aht_s: float = Field(description="mean measured handle time, seconds")
    ewt_s: float = Field(description="EWT for a contact joining now at default priority")
    offer_callback: bool = Field(description="closed, full, or EWT above the offer threshold")


class Placement(BaseModel):
    """Where a waiting contact stands."""

    contact_id: str
    queue: str
    priority: int
    position: int = Field(description="1-based, in dispatch order within the queue")
    ewt_s: float = Field(description="estimated wait from now, seconds")
    enqueued_at: datetime

    @property
    def ewt_minutes(self) -> int:
        """EWT rounded up to whole minutes (what ``EstimatedWaitTime`` carries)."""
        from switchboard.routing.estimator import ewt_minutes

        return ewt_minutes(self.ewt_s)


class Assignment(BaseModel):
    """A contact routed to an agent."""

    contact_id: str
    agent_id: str
    queue: str
    priority: int
    enqueued_at: datetime
    assigned_at: datetime
    attributes: dict[str, str] = Field(default_factory=dict)
    callback_id: str | None = None

    @property
    def waited_s(self) -> float:
        """Seconds between joining the queue and reaching the agent."""
        return (self.assigned_at - self.enqueued_at).total_seconds()


class Callback(BaseModel):
    """A callback request (seed 2 "Callback Lambda Function" item, plus ``due_at``).

    ``customer_phone`` is the real number (the contacts table keeps only a
    masked endpoint); it is needed to dial back and expires with ``ttl``.
    """

    callback_id: str
    contact_id: str
    customer_phone: str
    requested_at: datetime
    status: CallbackStatus = CallbackStatus.PENDING
    queue_id: str
    priority: str = "NORMAL"
    ttl: int = Field(description="epoch seconds after which the record expires")
    due_at: datetime
    attributes: dict[str, Any] = Field(default_factory=dict)


DEFAULT_PRIORITY_STR = str(DEFAULT_PRIORITY)
