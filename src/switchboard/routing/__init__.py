"""Routing: queues with hours of operation, human agents, routing profiles, EWT, callbacks.

Entry point: :class:`~switchboard.routing.engine.RoutingEngine` over a
:class:`~switchboard.routing.store.RoutingStore` (the store's database).
"""

from switchboard.routing.engine import RoutingEngine, default_profile, default_queues, route_for
from switchboard.routing.store import RoutingStore
from switchboard.routing.types import (
    Agent,
    AgentStatus,
    Assignment,
    Callback,
    CallbackStatus,
    HoursOfOperation,
    Placement,
    ProfileQueue,
    QueueConfig,
    QueueStatus,
    RoutingProfile,
)

__all__ = [
    "Agent",
    "AgentStatus",
    "Assignment",
    "Callback",
    "CallbackStatus",
    "HoursOfOperation",
    "Placement",
    "ProfileQueue",
    "QueueConfig",
    "QueueStatus",
    "RoutingEngine",
    "RoutingProfile",
    "RoutingStore",
    "default_profile",
    "default_queues",
    "route_for",
]
