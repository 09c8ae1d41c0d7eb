"""Leases with fencing tokens: a contact's turn lock and a customer message's claim.

A *lease* is a Redis key ``SET … PX ttl`` holding a *fencing token*: the next value
of a counter that only grows (``INCR``). The holder renews the lease every
``ttl/3`` while it works; if it dies (SIGKILL) the lease expires after ``ttl``
and another replica takes it with a larger token. Writes made under a lease pass
the token along; a store that checks it (the frame log's Lua script) refuses a
write whose token is no longer the lease's, so a holder that stalled past its
lease (a long GC pause, a frozen VM) cannot write after its successor
(Kleppmann, "How to do distributed locking", 2016: a lock without fencing is
not safe against paused holders).

* :class:`ClusterContactLocks` — the per-contact turn lock (turns, live-sentiment
  writes, handovers take it) across replicas; a local ``asyncio.Lock`` in front
  keeps one process's tasks off Redis while they queue.
* :class:`MessageClaims` — at most one replica runs a customer message's turn:
  the claim is a lease on ``(contact, message id)``; the reply frame is appended
  *fenced* and marks the claim ``done:<seq>``. A message re-sent after a
  reconnect finds the claim done (its reply is in the frame log) or still held
  (it waits) or expired with its holder (it runs the turn again).
* :class:`LocalClaims` — the same in one process (single machine).

Not fenced: the database writes of a turn (they have no token column); the
renewal makes a lost lease rare (the event loop must stall for ``ttl``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from switchboard.agent.conversation import ContactLocks
from switchboard.cluster.frames import retry_unavailable
from switchboard.errors import StoreError

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("switchboard.cluster.locks")

#: Longest a lease holder waits for its renewer to stop when it leaves (seconds).
RENEWER_STOP_S = 1.0

# KEYS: lease, fence counter · ARGV: ttl_ms. > 0 token (taken), 0 busy, < 0 -seq (done).
_TAKE = """
local v = redis.call('GET', KEYS[1])
if v then
  if string.sub(v, 1, 5) == 'done:' then return -tonumber(string.sub(v, 6)) end
  return 0
end
local t = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], t, 'PX', ARGV[1])
return t
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass
class Fence:
    """A held lease: its key and fencing token (``local`` for the in-process claims)."""

    key: str
    token: int
    local: LocalClaims | None = field(default=None, repr=False)

    def valid_locally(self) -> bool:
        """True while this token still holds the in-process claim."""
        return self.local is not None and self.local.holds(self)

    def mark_done(self, seq: int) -> None:
        """Record the reply's ``seq`` on the in-process claim."""
        if self.local is not None:
            self.local.done(self, seq)


@dataclass
class Claim:
    """The outcome of claiming a message: ``fence`` (run it) or ``done_seq`` (already ran)."""

    fence: Fence | None = None
    done_seq: int | None = None


class LeaseTimeoutError(StoreError):
    """A lease stayed held by someone else longer than the caller would wait."""


class _Leases:
    """The Lua scripts over one client, and the take / renew / release steps."""

    def __init__(self, redis: Redis, ttl_ms: int) -> None:
        self.redis = redis
        self.ttl_ms = ttl_ms
        self._take = redis.register_script(_TAKE)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    async def take(self, key: str, fence_key: str, timeout_s: float) -> Claim:
        """Take the lease, waiting (10 → 100 ms steps) while another holds it.

        Raises:
            LeaseTimeoutError: still held after ``timeout_s``.
        """
        deadline = time.monotonic() + timeout_s
        pause = 0.01
        while True:
            got = int(
                await retry_unavailable(
                    lambda: self._take(keys=[key, fence_key], args=[self.ttl_ms])
                )
            )
            if got > 0:
                return Claim(fence=Fence(key, got))
            if got < 0:
                return Claim(done_seq=-got)
            if time.monotonic() > deadline:
                raise LeaseTimeoutError(f"lease {key} still held after {timeout_s:.0f} s")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)

    @asynccontextmanager
    async def renewing(self, fence: Fence) -> AsyncIterator[None]:
        """Renew ``fence``'s lease every ttl/3 while the block runs.

        The renewer stops on a flag, not only on cancellation: a cancellation that
        lands inside a Redis call can come out of the client as an ordinary error
        (seen under overload in ``bench/cluster_load.py``: the pool's wait for a
        free connection timed out as the cancel arrived), which the renewer treats
        as a blip. It then renewed the lease for ever while its holder waited for it
        to end: the contact's turns were refused as ``busy`` until the customer gave
        up. Leaving waits at most :data:`RENEWER_STOP_S` for the renewer; one still
        inside its last Redis call ends there (a renewal after the release is a
        no-op: the script renews only the holder's own token).
        """
        stop = asyncio.Event()

        async def renew() -> None:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.ttl_ms / 3000)
                if stop.is_set():
                    return
                try:
                    await self._renew(keys=[fence.key], args=[fence.token, self.ttl_ms])
                except Exception as exc:  # Redis blip (or a cancel turned into an error)
                    log.debug("lease renewal failed: %s", exc)

        task = asyncio.get_running_loop().create_task(renew())
        try:
            yield
        finally:
            stop.set()
            task.cancel()
            await asyncio.wait({task}, timeout=RENEWER_STOP_S)

    async def release(self, fence: Fence) -> None:
        """Delete the lease if ``fence`` still holds it (never raises)."""
        try:
            await self._release(keys=[fence.key], args=[fence.token])
        except Exception as exc:  # it expires by itself after ttl
            log.warning("lease release failed: %s", exc)


def _contact_tag(prefix: str, contact_id: str) -> str:
    """Key stem of a contact: one Redis Cluster hash slot with its chat frame log."""
    return f"{prefix}:{{c:{contact_id}}}"


class ClusterContactLocks(ContactLocks):
    """Per-contact turn locks across replicas (a lease with a fencing token, see module doc).

    Args:
        redis: asyncio client. prefix: key prefix. ttl_ms: lease time.
        wait_s: how long a turn waits for another replica's turn of the same contact.
    """

    def __init__(self, redis: Redis, *, prefix: str, ttl_ms: int = 10_000, wait_s: float = 30):
        super().__init__()
        self._leases = _Leases(redis, ttl_ms)
        self._prefix = prefix
        self._wait_s = wait_s

    def lock(self, contact_id: str) -> AbstractAsyncContextManager[Any]:
        """The contact's lock: the local lock, then the Redis lease (renewed while held)."""
        return self._hold(contact_id)

    @asynccontextmanager
    async def _hold(self, contact_id: str) -> AsyncIterator[Fence]:
        async with super().lock(contact_id):
            stem = _contact_tag(self._prefix, contact_id)
            claim = await self._leases.take(f"{stem}:lock", f"{stem}:fence", self._wait_s)
            assert claim.fence is not None  # a lock key is never marked done
            try:
                async with self._leases.renewing(claim.fence):
                    yield claim.fence
            finally:
                await self._leases.release(claim.fence)


class MessageClaims:
    """Claims on customer messages in Redis (see the module doc).

    Args:
        redis: asyncio client. prefix: key prefix. ttl_ms: lease time.
    """

    def __init__(self, redis: Redis, *, prefix: str, ttl_ms: int = 10_000) -> None:
        self._leases = _Leases(redis, ttl_ms)
        self._prefix = prefix

    async def claim(self, contact_id: str, message_id: str, *, wait_s: float = 30) -> Claim:
        """Claim ``message_id`` of ``contact_id`` (waits while another replica runs it).

        Raises:
            LeaseTimeoutError: another holder kept it longer than ``wait_s``.
        """
        stem = _contact_tag(self._prefix, contact_id)
        return await self._leases.take(f"{stem}:msg:{message_id}", f"{stem}:fence", wait_s)

    def renewing(self, fence: Fence) -> AbstractAsyncContextManager[None]:
        """Keep the claim alive while its turn runs."""
        return self._leases.renewing(fence)

    async def release(self, fence: Fence) -> None:
        """Give a claim up (the turn failed: a re-send may run it again)."""
        await self._leases.release(fence)


class LocalClaims:
    """:class:`MessageClaims` in one process (no lease expiry: the process is the holder)."""

    def __init__(self, *, keep: int = 100_000) -> None:
        self._state: dict[str, int | str] = {}
        self._token = 0
        self._keep = keep

    async def claim(self, contact_id: str, message_id: str, *, wait_s: float = 30) -> Claim:
        """Claim ``message_id``; waits while another task of this process runs it.

        Raises:
            LeaseTimeoutError: still running after ``wait_s``.
        """
        key = f"{contact_id}:{message_id}"
        deadline = time.monotonic() + wait_s
        while True:
            state = self._state.get(key)
            if isinstance(state, str):
                return Claim(done_seq=int(state[5:]))
            if state is None:
                self._token += 1
                self._state[key] = self._token
                if len(self._state) > self._keep:  # forget the oldest claims
                    self._state.pop(next(iter(self._state)))
                return Claim(fence=Fence(key, self._token, local=self))
            if time.monotonic() > deadline:
                raise LeaseTimeoutError(f"message {message_id} still running")
            await asyncio.sleep(0.02)

    @asynccontextmanager
    async def renewing(self, fence: Fence) -> AsyncIterator[None]:
        """Nothing to renew in one process."""
        yield

    async def release(self, fence: Fence) -> None:
        """Give the claim up."""
        if self.holds(fence):
            self._state.pop(fence.key, None)

    def holds(self, fence: Fence) -> bool:
        """True while ``fence`` is the claim's current token."""
        return self._state.get(fence.key) == fence.token

    def done(self, fence: Fence, seq: int) -> None:
        """Mark the claim done with the reply's ``seq``."""
        if self.holds(fence):
            self._state[fence.key] = f"done:{seq}"
