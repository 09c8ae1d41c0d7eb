"""Kinesis Data Streams adapter of the transcript stream (seed 3 ``LiveTranscriptStream``).

Publishing is ``PutRecord`` with the seed 3 payload (``{contactId,
transcript, isPartial}`` plus our fields) as ``Data`` and the contact id as
``PartitionKey``, so one contact's segments stay ordered on one shard
(Kinesis API reference, "PutRecord"). Reading maps Kinesis onto the port's
consumer-group model the way the Kinesis Client Library does: per group and
shard a shard iterator (``GetShardIterator``: ``TRIM_HORIZON`` /
``LATEST`` for a new group, ``AFTER_SEQUENCE_NUMBER`` from the checkpoint
after a restart) and ``GetRecords``; delivered records stay *pending* until
acknowledged, the checkpoint advances past acknowledged records only, and
records left pending by a dead consumer are handed to another after
``min_idle_ms``. Checkpoints live in memory here (the KCL keeps them in a
DynamoDB lease table: not implemented), so a restarted process re-reads from
``TRIM_HORIZON`` and relies on the idempotent consumer.

boto3 (``pip install switchboard[aws]``) is imported lazily; its calls run in
a worker thread so the event loop never blocks on the network.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from switchboard.analytics.stream import Delivery, TranscriptSegment
from switchboard.errors import ConfigError, InputError, StreamError

log = logging.getLogger("switchboard.analytics.stream")

#: Kinesis allows 5 GetRecords calls per second per shard; a blocking read polls no faster.
_POLL_INTERVAL_S = 0.2


def _kinesis_client(region: str | None) -> Any:
    try:
        import boto3
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError("the Kinesis stream needs boto3: pip install 'switchboard[aws]'") from exc
    return boto3.client("kinesis", region_name=region)


@dataclass
class _Pending:
    delivery: Delivery
    consumer: str
    delivered_at: float


@dataclass
class _Group:
    from_start: bool
    iterators: dict[str, str | None] = field(default_factory=dict)
    checkpoints: dict[str, str] = field(default_factory=dict)
    delivered: dict[str, list[str]] = field(default_factory=dict)
    pending: dict[str, _Pending] = field(default_factory=dict)


class KinesisStream:
    """Transcript stream on a Kinesis data stream.

    Args:
        stream_name: the data stream (seed 3: ``LiveTranscriptStream``).
        region: AWS region (default from the environment).
        client: a boto3 Kinesis client to use (tests pass one wrapped in a Stubber).
    """

    def __init__(
        self, stream_name: str, *, region: str | None = None, client: Any | None = None
    ) -> None:
        self.stream_name = stream_name
        self.name = f"kinesis:{stream_name}"
        self.client: Any = client or _kinesis_client(region)
        self._shards: list[str] | None = None
        self._groups: dict[str, _Group] = {}

    async def _call(self, op: str, **params: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = await asyncio.to_thread(getattr(self.client, op), **params)
            return result
        except Exception as exc:
            raise StreamError(f"kinesis {op} failed: {type(exc).__name__}: {exc}") from exc

    async def publish(self, segment: TranscriptSegment) -> str:
        """``PutRecord``; return ``"<shard id>:<sequence number>"``.

        Raises:
            StreamError: the call failed.
        """
        data = json.dumps(segment.to_kinesis(), ensure_ascii=False).encode("utf-8")
        resp = await self._call(
            "put_record",
            StreamName=self.stream_name,
            Data=data,
            PartitionKey=segment.contact_id,
        )
        return f"{resp['ShardId']}:{resp['SequenceNumber']}"

    async def _shard_ids(self) -> list[str]:
        if self._shards is None:
            resp = await self._call("list_shards", StreamName=self.stream_name)
            self._shards = [s["ShardId"] for s in resp.get("Shards", [])]
        return self._shards

    async def ensure_group(self, group: str, *, from_start: bool = True) -> None:
        """Register ``group`` (iterators are opened on the first read)."""
        self._groups.setdefault(group, _Group(from_start=from_start))

    def _group(self, group: str) -> _Group:
        try:
            return self._groups[group]
        except KeyError:
            raise InputError(f"no consumer group {group!r}; call ensure_group first") from None

    async def _iterator(self, g: _Group, shard: str) -> str | None:
        if shard in g.iterators:
            return g.iterators[shard]
        params: dict[str, Any] = {"StreamName": self.stream_name, "ShardId": shard}
        checkpoint = g.checkpoints.get(shard)
        if checkpoint:
            params |= {
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "StartingSequenceNumber": checkpoint,
            }
        else:
            params["ShardIteratorType"] = "TRIM_HORIZON" if g.from_start else "LATEST"
        resp = await self._call("get_shard_iterator", **params)
        iterator: str | None = resp["ShardIterator"]
        g.iterators[shard] = iterator
        return iterator

    async def _read_once(self, g: _Group, consumer: str, count: int) -> list[Delivery]:
        out: list[Delivery] = []
        for shard in await self._shard_ids():
            iterator = await self._iterator(g, shard)
            if iterator is None or len(out) >= count:
                continue  # a closed shard, or enough for this call
            resp = await self._call("get_records", ShardIterator=iterator, Limit=count - len(out))
            g.iterators[shard] = resp.get("NextShardIterator")
            for record in resp.get("Records", []):
                seq = record["SequenceNumber"]
                entry_id = f"{shard}:{seq}"
                try:
                    payload = json.loads(record["Data"])
                    segment = TranscriptSegment.from_kinesis(payload, fallback_id=entry_id)
                except (ValueError, InputError):
                    log.error("malformed Kinesis record skipped", extra={"entry_id": entry_id})
                    g.delivered.setdefault(shard, []).append(seq)
                    continue
                d = Delivery(entry_id, segment, 1)
                g.pending[entry_id] = _Pending(d, consumer, time.monotonic())
                g.delivered.setdefault(shard, []).append(seq)
                out.append(d)
        return out

    async def read(
        self, group: str, consumer: str, *, count: int = 32, block_ms: int = 0
    ) -> list[Delivery]:
        """``GetRecords`` on every shard; polls (≤ 5 calls/s/shard) up to ``block_ms``.

        Raises:
            StreamError: a call failed.
            InputError: the group does not exist.
        """
        g = self._group(group)
        deadline = time.monotonic() + block_ms / 1000
        while True:
            out = await self._read_once(g, consumer, count)
            if out or time.monotonic() >= deadline:
                return out
            await asyncio.sleep(min(_POLL_INTERVAL_S, max(0.0, deadline - time.monotonic())))

    async def ack(self, group: str, entry_ids: list[str]) -> int:
        """Forget acknowledged records and advance each shard's checkpoint past them."""
        g = self._group(group)
        done = 0
        for entry_id in entry_ids:
            if g.pending.pop(entry_id, None) is not None:
                done += 1
        for shard, seqs in g.delivered.items():
            while seqs and f"{shard}:{seqs[0]}" not in g.pending:
                g.checkpoints[shard] = seqs.pop(0)
        return done

    async def claim_stale(
        self, group: str, consumer: str, *, min_idle_ms: int, count: int = 32
    ) -> list[Delivery]:
        """Hand records pending for ``min_idle_ms`` or longer to ``consumer``."""
        g = self._group(group)
        now = time.monotonic()
        out: list[Delivery] = []
        for entry_id, p in list(g.pending.items()):
            if len(out) >= count:
                break
            if (now - p.delivered_at) * 1000 < min_idle_ms:
                continue
            d = Delivery(entry_id, p.delivery.segment, p.delivery.delivery_count + 1)
            g.pending[entry_id] = _Pending(d, consumer, now)
            out.append(d)
        return out

    async def pending_count(self, group: str) -> int:
        """Delivered, unacknowledged records of ``group`` in this process."""
        return len(self._group(group).pending)

    def checkpoint(self, group: str, shard: str) -> str | None:
        """The sequence number up to which ``group`` has acknowledged ``shard``."""
        return self._group(group).checkpoints.get(shard)

    async def aclose(self) -> None:
        """Nothing to release (boto3 clients close with the process)."""
