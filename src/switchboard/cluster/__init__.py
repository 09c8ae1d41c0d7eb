"""Several replicas of one server: shared relay, leases with fencing, supervisor feed.

:func:`build_cluster` gives the pieces a server process shares with its peers
(``SWITCHBOARD_CLUSTER__BACKEND``; ``auto`` = Redis when the transcript stream
is on Redis):

=====================  ==========================  =============================
piece                  one machine (default)       replicas (Redis)
=====================  ==========================  =============================
customer/agent frames  :class:`LocalChannels`      :class:`RedisChannels`
contact turn lock      ``ContactLocks`` (asyncio)  :class:`ClusterContactLocks`
message claims         :class:`LocalClaims`        :class:`MessageClaims`
supervisor feed        — (one board)               :class:`SupervisorFeed`
=====================  ==========================  =============================

The queues, callbacks and assignments are already shared through the database
(the routing engine claims rows with conditional updates). Design and limits:
``docs/scaling.md``.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from switchboard.agent.conversation import ContactLocks
from switchboard.cluster.frames import Frame, FrameChannels, LocalChannels, RedisChannels
from switchboard.cluster.locks import ClusterContactLocks, LocalClaims, MessageClaims
from switchboard.config import Settings
from switchboard.errors import ConfigError

if TYPE_CHECKING:
    from switchboard.analytics.supervisor import SupervisorBoard
    from switchboard.cluster.feed import SupervisorFeed

log = logging.getLogger("switchboard.cluster")

__all__ = ["Cluster", "Frame", "FrameChannels", "build_cluster", "chat_key", "desk_key"]


def chat_key(contact_id: str) -> str:
    """Frame-channel key of a contact's chat socket(s)."""
    return f"c:{contact_id}"


def desk_key(agent_id: str) -> str:
    """Frame-channel key of an agent's desk socket(s)."""
    return f"a:{agent_id}"


@dataclass
class Cluster:
    """What one replica shares with the others (see the module doc).

    Attributes:
        backend: ``local`` or ``redis``.
        replica_id: this process's id (metrics label, feed origin).
        channels: sequenced frames for chat and desk sockets.
        claims: customer-message claims (no turn runs twice).
        locks: the contact turn locks given to the conversation service.
        redis: the asyncio client (None when local).
    """

    backend: str
    replica_id: str
    channels: FrameChannels
    claims: MessageClaims | LocalClaims
    locks: ContactLocks
    redis: Any = None
    prefix: str = "switchboard"
    _feeds: list[SupervisorFeed] = field(default_factory=list)

    async def attach_board(self, board: SupervisorBoard, events: object) -> None:
        """Share ``board`` with the other replicas (Redis only; a no-op on one machine).

        ``events``: the audit sink (its ``subscribe(listener)`` feeds the board).
        """
        subscribe_events = getattr(events, "subscribe", None)
        if self.redis is None or subscribe_events is None:
            return
        from switchboard.cluster.feed import SupervisorFeed

        feed = SupervisorFeed(
            self.redis, prefix=self.prefix, replica_id=self.replica_id, board=board
        )
        await feed.start(subscribe_events)
        self._feeds.append(feed)

    async def aclose(self) -> None:
        """Stop the feed, the frame tasks and close the client."""
        for feed in self._feeds:
            await feed.aclose()
        self._feeds.clear()
        closer = getattr(self.channels, "aclose", None)
        if closer is not None:
            await closer()
        if self.redis is not None:
            await self.redis.aclose()


def _backend(settings: Settings) -> str:
    chosen = settings.cluster.backend
    if chosen == "auto":
        return "redis" if settings.stream.backend == "redis" else "local"
    if chosen not in ("local", "redis"):
        raise ConfigError(f"unknown cluster backend {chosen!r}: auto | local | redis")
    return chosen


async def build_cluster(settings: Settings) -> Cluster:
    """Build this replica's shared pieces (Redis connected and listening when chosen).

    Raises:
        ConfigError: unknown backend, or Redis chosen without the ``redis`` extra.
        OSError / redis.ConnectionError: Redis is not reachable at start.
    """
    options = settings.cluster
    replica = options.replica_id or f"{socket.gethostname()}-{os.getpid()}"
    if _backend(settings) == "local":
        local = LocalChannels(retain=options.frame_retention)
        return Cluster("local", replica, local, LocalClaims(), ContactLocks())
    try:
        from redis.asyncio import BlockingConnectionPool, Redis
    except ImportError as exc:
        raise ConfigError("Redis cluster backend: pip install switchboard[redis]") from exc
    url = options.redis_url or settings.stream.redis_url
    pool = BlockingConnectionPool.from_url(  # waits for a free connection, never "too many"
        url,
        max_connections=options.redis_max_connections,
        timeout=options.redis_pool_wait_s,
        socket_timeout=10,
        health_check_interval=15,
    )
    client = Redis.from_pool(pool)  # owns the pool: aclose() closes it
    await client.ping()
    prefix = options.key_prefix
    channels = RedisChannels(
        client, prefix=prefix, retain=options.frame_retention, ttl_s=options.frame_ttl_s
    )
    await channels.start()
    log.info("cluster on Redis", extra={"replica": replica, "prefix": prefix})
    return Cluster(
        "redis",
        replica,
        channels,
        MessageClaims(client, prefix=prefix, ttl_ms=options.lease_ms),
        ClusterContactLocks(client, prefix=prefix, ttl_ms=options.lease_ms),
        redis=client,
        prefix=prefix,
    )
