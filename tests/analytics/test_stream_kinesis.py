"""Kinesis adapter: request and response shapes checked by botocore's Stubber."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from switchboard.analytics.stream import TranscriptSegment
from switchboard.analytics.stream_consumer import StreamConsumer
from switchboard.analytics.stream_kinesis import KinesisStream
from switchboard.domain.types import Source
from switchboard.errors import StreamError

boto3 = pytest.importorskip("boto3")
from botocore.stub import ANY, Stubber  # noqa: E402

STREAM = "LiveTranscriptStream"
SHARD = "shardId-000000000000"


@pytest.fixture
def stubbed() -> Iterator[tuple[KinesisStream, Stubber]]:
    client = boto3.client(
        "kinesis", region_name="eu-west-2", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        yield KinesisStream(STREAM, client=client), stub
        stub.assert_no_pending_responses()


def _seg(text: str, contact: str = "c-1") -> TranscriptSegment:
    return TranscriptSegment(contact_id=contact, speaker=Source.CUSTOMER, text=text, turn=1)


def _record(seq: str, seg: TranscriptSegment) -> dict[str, Any]:
    return {
        "SequenceNumber": seq,
        "Data": json.dumps(seg.to_kinesis()).encode(),
        "PartitionKey": seg.contact_id,
    }


async def test_publish_is_a_put_record_with_the_seed3_payload(stubbed: Any) -> None:
    stream, stub = stubbed
    seg = _seg("my card is late")
    stub.add_response(
        "put_record",
        {"ShardId": SHARD, "SequenceNumber": "4955"},
        {"StreamName": STREAM, "Data": ANY, "PartitionKey": "c-1"},
    )
    assert await stream.publish(seg) == f"{SHARD}:4955"
    payload = seg.to_kinesis()
    assert {k: payload[k] for k in ("contactId", "transcript", "isPartial")} == {
        "contactId": "c-1",
        "transcript": "my card is late",
        "isPartial": False,
    }


async def test_group_reads_acks_and_resumes_after_its_checkpoint(stubbed: Any) -> None:
    stream, stub = stubbed
    a, b = _seg("one"), _seg("two")
    stub.add_response(
        "list_shards",
        {
            "Shards": [
                {
                    "ShardId": SHARD,
                    "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "1"},
                    "SequenceNumberRange": {"StartingSequenceNumber": "1"},
                }
            ]
        },
        {"StreamName": STREAM},
    )
    stub.add_response(
        "get_shard_iterator",
        {"ShardIterator": "it-1"},
        {"StreamName": STREAM, "ShardId": SHARD, "ShardIteratorType": "TRIM_HORIZON"},
    )
    stub.add_response(
        "get_records",
        {
            "Records": [_record("10", a), _record("11", b)],
            "NextShardIterator": "it-2",
            "MillisBehindLatest": 0,
        },
        {"ShardIterator": "it-1", "Limit": 32},
    )
    await stream.ensure_group("sentiment")
    got = await stream.read("sentiment", "c1")
    assert [d.segment for d in got] == [a, b]
    assert await stream.pending_count("sentiment") == 2
    await stream.ack("sentiment", [got[0].entry_id])
    assert stream.checkpoint("sentiment", SHARD) == "10"
    # The second record was never acknowledged: it is claimed again after it goes stale.
    [again] = await stream.claim_stale("sentiment", "c2", min_idle_ms=0)
    assert again.segment == b and again.delivery_count == 2
    await stream.ack("sentiment", [again.entry_id])
    assert stream.checkpoint("sentiment", SHARD) == "11"
    # A new reader of the group (iterator lost) resumes after the checkpoint.
    stream._groups["sentiment"].iterators.clear()
    stub.add_response(
        "get_shard_iterator",
        {"ShardIterator": "it-3"},
        {
            "StreamName": STREAM,
            "ShardId": SHARD,
            "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
            "StartingSequenceNumber": "11",
        },
    )
    stub.add_response(
        "get_records",
        {"Records": [], "NextShardIterator": "it-4"},
        {"ShardIterator": "it-3", "Limit": 32},
    )
    assert await stream.read("sentiment", "c1") == []


async def test_seed3_minimal_record_is_read_with_the_sequence_number_as_id(stubbed: Any) -> None:
    stream, stub = stubbed
    minimal = {"contactId": "c-7", "transcript": "this is ridiculous", "isPartial": False}
    stub.add_response(
        "list_shards",
        {
            "Shards": [
                {
                    "ShardId": SHARD,
                    "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "1"},
                    "SequenceNumberRange": {"StartingSequenceNumber": "1"},
                }
            ]
        },
        {"StreamName": STREAM},
    )
    stub.add_response("get_shard_iterator", {"ShardIterator": "it"}, None)
    stub.add_response(
        "get_records",
        {
            "Records": [
                {
                    "SequenceNumber": "77",
                    "Data": json.dumps(minimal).encode(),
                    "PartitionKey": "c-7",
                },
                {"SequenceNumber": "78", "Data": b"not json", "PartitionKey": "c-7"},
            ],
            "NextShardIterator": "it2",
        },
        None,
    )
    seen: list[TranscriptSegment] = []

    async def handler(s: TranscriptSegment) -> None:
        seen.append(s)

    consumer = StreamConsumer(stream, "g", handler, consumer="c", block_ms=0)
    await consumer.poll()
    assert [(s.contact_id, s.speaker, s.segment_id) for s in seen] == [
        ("c-7", Source.CUSTOMER, f"{SHARD}:77")
    ]
    assert stream.checkpoint("g", SHARD) == "78"  # the malformed record is skipped, logged


async def test_service_error_becomes_stream_error(stubbed: Any) -> None:
    stream, stub = stubbed
    stub.add_client_error("put_record", "ResourceNotFoundException", "no such stream")
    with pytest.raises(StreamError):
        await stream.publish(_seg("hello"))
