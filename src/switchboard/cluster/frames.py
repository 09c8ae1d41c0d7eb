"""Sequenced frame logs: what a socket missed, replayed on reconnect, on any replica.

A *key* is one live audience: a contact's chat socket(s) (``c:<contact_id>``) or
an agent's desk (``a:<agent_id>``). Every frame published for a key gets the
next sequence number of that key (1, 2, 3 …, carried as ``"seq"`` in the
frame) and is kept in a bounded log. A socket subscribes with the last ``seq``
it saw (``after``) and receives every later frame exactly once, in order:
first the ones it missed, then the live ones.

Two implementations of one interface (:class:`FrameChannels`):

* :class:`LocalChannels` — in process memory (the single-machine default): a
  ring of the last ``retain`` frames per key.
* :class:`RedisChannels` — Redis (``SWITCHBOARD_STREAM__BACKEND=redis``): a
  Lua script increments ``<prefix>:{k}:seq``, appends the frame to the Redis
  Stream ``<prefix>:{k}:log`` with the stream id ``<seq>-1`` (``MAXLEN ~
  retain``, keys expire ``ttl_s`` after the last frame) and PUBLISHes it on one
  channel ``<prefix>:frames`` that every replica listens to. A replica delivers
  a published frame to its local subscribers when its ``seq`` is the next one;
  a gap (a message lost while Redis restarted, a subscriber that joined while
  frames were in flight) is filled by ``XRANGE`` from the log, a duplicate is
  dropped. The append can be *fenced* (:class:`~switchboard.cluster.locks.Fence`):
  it is refused when the lease it was made under has been taken over.

A subscriber whose ``after`` is ahead of the log (the log was lost: a restarted
process in-memory, Redis without persistence) gets a ``{"type": "resync",
"seq": n}`` frame: its client re-reads the transcript over REST. Redis must
persist (AOF) for resume to survive a Redis restart (docs/scaling.md).

Frames hold text as written (card numbers included, as the live relay shows
them): the Redis keys expire (``ttl_s``, 1 h by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from switchboard.cluster.locks import Fence

log = logging.getLogger("switchboard.cluster.frames")

Frame = dict[str, Any]
T = TypeVar("T")

#: Frames kept per key for replay.
DEFAULT_RETAIN = 1000


class StaleFenceError(RuntimeError):
    """A fenced append was refused: the lease it was made under is no longer held."""


@dataclass(eq=False)
class Subscription:
    """One socket's view of a key: frames to send, in ``seq`` order, each once.

    Attributes:
        key: the channel key.
        queue: frames for the socket (``seq`` set; ``resync`` frames have no gap).
        last: the last ``seq`` put on the queue.
    """

    key: str
    queue: asyncio.Queue[Frame]
    last: int
    pending: dict[int, Frame] = field(default_factory=dict)
    filling: bool = False

    def offer(self, seq: int, frame: Frame) -> bool:
        """Take frame ``seq``; queue every frame now contiguous. True when a gap remains."""
        if seq <= self.last:
            return bool(self.pending)
        self.pending[seq] = frame
        while self.last + 1 in self.pending:
            self.last += 1
            item = self.pending.pop(self.last)
            with contextlib.suppress(asyncio.QueueFull):  # a stuck client loses frames, not us
                self.queue.put_nowait({**item, "seq": self.last})
        return bool(self.pending)


class FrameChannels(Protocol):
    """Sequenced, replayable frames per key (see the module doc)."""

    async def subscribe(self, key: str, after: int | None = None) -> Subscription:
        """Subscribe; ``after=None`` starts after the current last frame."""
        ...

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop delivering to ``sub``."""
        ...

    async def append(self, key: str, frame: Frame, *, fence: Fence | None = None) -> int:
        """Append ``frame`` and return its ``seq``. Raises StaleFenceError when fenced out."""
        ...

    async def append_many(
        self, frames: list[tuple[str, Frame]], *, fence: Fence | None = None
    ) -> list[int]:
        """Append frames to several keys at once (all or none); their ``seq`` in order."""
        ...

    def publish(self, key: str, frame: Frame) -> None:
        """Append without waiting (in order per process); never raises."""
        ...

    def keys(self) -> list[str]:
        """Keys with a subscriber in this process."""
        ...


class _Subscribers:
    """Local subscriptions per key (both implementations)."""

    def __init__(self) -> None:
        self.by_key: dict[str, set[Subscription]] = {}

    def add(self, sub: Subscription) -> None:
        self.by_key.setdefault(sub.key, set()).add(sub)

    def remove(self, sub: Subscription) -> None:
        subs = self.by_key.get(sub.key)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                self.by_key.pop(sub.key, None)

    def of(self, key: str) -> list[Subscription]:
        return list(self.by_key.get(key, ()))


def _new_subscription(key: str, last: int) -> Subscription:
    return Subscription(key, asyncio.Queue(maxsize=1024), last)


def _resync_if_ahead(sub: Subscription, after: int | None, last: int) -> None:
    """Tell a subscriber whose ``after`` is ahead of the log that the log was lost."""
    if after is not None and after > last:
        sub.queue.put_nowait({"type": "resync", "seq": last})


class LocalChannels:
    """In-process frame logs (single machine). Args: retain: frames kept per key."""

    def __init__(self, *, retain: int = DEFAULT_RETAIN) -> None:
        self._retain = retain
        self._logs: dict[str, deque[tuple[int, Frame]]] = {}
        self._seq: dict[str, int] = {}
        self._subs = _Subscribers()

    async def subscribe(self, key: str, after: int | None = None) -> Subscription:
        """Subscribe and queue every retained frame after ``after`` (see the module doc)."""
        last = self._seq.get(key, 0)
        start = last if after is None or after > last else after
        sub = _new_subscription(key, start)
        _resync_if_ahead(sub, after, last)
        for seq, frame in self._logs.get(key, ()):
            sub.offer(seq, frame)
        if sub.last < last:  # the ring no longer holds what it missed
            sub.queue.put_nowait({"type": "resync", "seq": last})
            sub.last = last
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop delivering to ``sub``."""
        self._subs.remove(sub)

    async def append(self, key: str, frame: Frame, *, fence: Fence | None = None) -> int:
        """Append and deliver at once. Raises StaleFenceError for a stale ``fence``."""
        if fence is not None and not fence.valid_locally():
            raise StaleFenceError(f"fence {fence.token} of {fence.key} is stale")
        seq = self._store(key, frame)
        if fence is not None:
            fence.mark_done(seq)
        return seq

    async def append_many(
        self, frames: list[tuple[str, Frame]], *, fence: Fence | None = None
    ) -> list[int]:
        """Append several frames at once. Raises StaleFenceError for a stale ``fence``."""
        if fence is not None and not fence.valid_locally():
            raise StaleFenceError(f"fence {fence.token} of {fence.key} is stale")
        seqs = [self._store(key, frame) for key, frame in frames]
        if fence is not None:
            fence.mark_done(seqs[-1])
        return seqs

    def publish(self, key: str, frame: Frame) -> None:
        """Append and deliver at once."""
        self._store(key, frame)

    def _store(self, key: str, frame: Frame) -> int:
        seq = self._seq.get(key, 0) + 1
        self._seq[key] = seq
        ring = self._logs.setdefault(key, deque(maxlen=self._retain))
        ring.append((seq, frame))
        for sub in self._subs.of(key):
            sub.offer(seq, frame)
        return seq

    def keys(self) -> list[str]:
        """Keys with a local subscriber."""
        return list(self._subs.by_key)

    async def aclose(self) -> None:
        """Nothing to release (symmetry with :class:`RedisChannels`)."""


# KEYS: seq, log, fence-claim ("" unused) · ARGV: frame, retain, ttl_s, token ("" = unfenced),
# channel, key. Returns the new seq, or -1 when the fence is stale.
_APPEND = """
if ARGV[4] ~= '' then
  if redis.call('GET', KEYS[3]) ~= ARGV[4] then return -1 end
end
local s = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], s .. '-1', 'f', ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], 'done:' .. s, 'EX', ARGV[3]) end
redis.call('PUBLISH', ARGV[5], ARGV[6] .. '\\n' .. s .. '\\n' .. ARGV[1])
return s
"""


# KEYS: fence-claim ("" unused), then seq_i, log_i per frame · ARGV: token, retain, ttl_s,
# channel, then key_i, frame_i. All frames or none (-1: stale fence); returns their seqs.
_APPEND_MANY = """
if ARGV[1] ~= '' then
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1} end
end
local out = {}
local n = (#KEYS - 1) / 2
for i = 1, n do
  local sk, lk = KEYS[2 * i], KEYS[2 * i + 1]
  local key, frame = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
  local s = redis.call('INCR', sk)
  redis.call('EXPIRE', sk, ARGV[3])
  redis.call('XADD', lk, 'MAXLEN', '~', ARGV[2], s .. '-1', 'f', frame)
  redis.call('EXPIRE', lk, ARGV[3])
  redis.call('PUBLISH', ARGV[4], key .. '\\n' .. s .. '\\n' .. frame)
  out[i] = s
end
if ARGV[1] ~= '' then redis.call('SET', KEYS[1], 'done:' .. out[n], 'EX', ARGV[3]) end
return out
"""


class RedisChannels:
    """Frame logs in Redis shared by every replica (see the module doc).

    Args:
        redis: an asyncio client (``decode_responses=False``).
        prefix: key prefix (the deployment's; tests use their branch's).
        retain: frames kept per key. ttl_s: key expiry after the last frame.
    """

    def __init__(
        self, redis: Redis, *, prefix: str, retain: int = DEFAULT_RETAIN, ttl_s: int = 3600
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._retain = retain
        self._ttl_s = ttl_s
        self._channel = f"{prefix}:frames"
        self._subs = _Subscribers()
        self._script = redis.register_script(_APPEND)
        self._many = redis.register_script(_APPEND_MANY)
        self._outbox: asyncio.Queue[tuple[str, Frame]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._listening = asyncio.Event()

    def _k(self, key: str, part: str) -> str:
        return f"{self._prefix}:{{{key}}}:{part}"

    async def start(self) -> None:
        """Start the listener and the ordered writer; returns once subscribed."""
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._listen(), name="frames-listen"),
            loop.create_task(self._write(), name="frames-write"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), 5)

    async def aclose(self) -> None:
        """Stop the tasks (frames still in the outbox are written first, 2 s at most)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._outbox.join(), 2)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def subscribe(self, key: str, after: int | None = None) -> Subscription:
        """Subscribe; missed frames are read from the log (see the module doc)."""
        raw = await retry_unavailable(lambda: self._redis.get(self._k(key, "seq")))
        last = int(raw or 0)
        start = last if after is None or after > last else after
        sub = _new_subscription(key, start)
        _resync_if_ahead(sub, after, last)
        self._subs.add(sub)
        if start < last:
            await self._fill(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop delivering to ``sub``."""
        self._subs.remove(sub)

    async def append(self, key: str, frame: Frame, *, fence: Fence | None = None) -> int:
        """Append through the Lua script. Raises StaleFenceError when ``fence`` is stale."""
        keys = [self._k(key, "seq"), self._k(key, "log"), fence.key if fence else ""]
        args: list[str | int] = [
            json.dumps(frame, separators=(",", ":")),
            self._retain,
            self._ttl_s,
            str(fence.token) if fence else "",
            self._channel,
            key,
        ]
        seq = int(await retry_unavailable(lambda: self._script(keys=keys, args=args)))
        if seq < 0:
            raise StaleFenceError(f"fence {fence.token if fence else ''} is stale")
        for sub in self._subs.of(key):  # local subscribers need not wait for the echo
            if sub.offer(seq, frame):
                self._schedule_fill(sub)
        return seq

    async def append_many(
        self, frames: list[tuple[str, Frame]], *, fence: Fence | None = None
    ) -> list[int]:
        """Append to several keys in one script (all or none). Raises StaleFenceError."""
        keys = [fence.key if fence else ""]
        args: list[str | int] = [str(fence.token) if fence else "", self._retain, self._ttl_s]
        args.append(self._channel)
        texts = [json.dumps(frame, separators=(",", ":")) for _, frame in frames]
        for (key, _), text in zip(frames, texts, strict=True):
            keys += [self._k(key, "seq"), self._k(key, "log")]
            args += [key, text]
        raw = await retry_unavailable(lambda: self._many(keys=keys, args=args))
        seqs = [int(x) for x in raw]
        if seqs and seqs[0] < 0:
            raise StaleFenceError(f"fence {fence.token if fence else ''} is stale")
        for (key, frame), seq in zip(frames, seqs, strict=True):
            for sub in self._subs.of(key):
                if sub.offer(seq, frame):
                    self._schedule_fill(sub)
        return seqs

    def publish(self, key: str, frame: Frame) -> None:
        """Queue for the writer task (order kept per process)."""
        self._outbox.put_nowait((key, frame))

    def keys(self) -> list[str]:
        """Keys with a subscriber in this process."""
        return list(self._subs.by_key)

    async def _write(self) -> None:
        while True:
            key, frame = await self._outbox.get()
            try:
                for attempt in range(50):  # Redis restarting: retry for ~10 s, then drop
                    try:
                        await self.append(key, frame)
                        break
                    except (OSError, ConnectionError, TimeoutError) as exc:
                        if attempt == 49:
                            log.error("frame dropped: Redis unreachable (%s)", exc)
                        await asyncio.sleep(0.2)
                    except Exception:
                        log.exception("frame dropped")
                        break
            finally:
                self._outbox.task_done()

    async def _listen(self) -> None:
        """Deliver published frames; re-subscribe and catch up after a Redis outage."""
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                self._listening.set()
                for sub in [s for subs in self._subs.by_key.values() for s in subs]:
                    self._schedule_fill(sub)  # whatever was published while we were away
                async for message in pubsub.listen():
                    self._on_message(message.get("data"))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: retry
                log.warning("frame listener reconnecting: %s", exc)
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _on_message(self, data: Any) -> None:
        if not isinstance(data, bytes | str):
            return
        text = data.decode() if isinstance(data, bytes) else data
        key, seq, payload = text.split("\n", 2)
        subs = self._subs.of(key)
        if not subs:
            return
        frame = json.loads(payload)
        for sub in subs:
            if sub.offer(int(seq), frame):
                self._schedule_fill(sub)

    def _schedule_fill(self, sub: Subscription) -> None:
        if not sub.filling:
            sub.filling = True
            asyncio.get_running_loop().create_task(self._fill(sub))

    async def _fill(self, sub: Subscription) -> None:
        """Read the frames after ``sub.last`` from the log (gap or catch-up)."""
        sub.filling = True
        try:
            raw: Any = await self._redis.xrange(self._k(sub.key, "log"), min=f"{sub.last + 1}-0")
            entries = [(_entry_seq(entry_id), fields[b"f"]) for entry_id, fields in raw or ()]
            if entries and entries[0][0] > sub.last + 1:  # trimmed away: cannot replay
                sub.queue.put_nowait({"type": "resync", "seq": entries[0][0] - 1})
                sub.last = entries[0][0] - 1
            for seq, payload in entries:
                sub.offer(seq, json.loads(payload))
        except Exception as exc:
            log.warning("frame catch-up failed: %s", exc)
        finally:
            sub.filling = False


async def retry_unavailable(call: Callable[[], Awaitable[T]], within_s: float = 10) -> T:
    """Run ``call``; while Redis is unreachable (restarting) retry every 0.2 s for ``within_s``.

    Raises:
        The last connection error after ``within_s``; any other error at once.
    """
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    deadline = time.monotonic() + within_s
    while True:
        try:
            return await call()
        except (RedisConnectionError, RedisTimeoutError, OSError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


def _entry_seq(entry_id: bytes | str) -> int:
    """The ``seq`` of a stream entry id ``b"<seq>-1"``."""
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])
