"""The S3 audit sink: SSE-KMS on every object, and the hash chain verifiable from S3 alone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from switchboard.audit.chain import event_hash, verify_chain
from switchboard.audit.records import EventRecord
from switchboard.aws.s3 import S3AuditSink
from switchboard.aws.settings import AwsSettings
from switchboard.domain.types import Event, EventType, Message, Role, Source
from switchboard.errors import StoreError

REGION = "eu-west-2"
KEY_ARN = "arn:aws:kms:eu-west-2:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"


def chained(contact_id: str, n: int, prev: str | None = None) -> list[EventRecord]:
    records = []
    for i in range(n):
        ev = Event(
            contact_id=contact_id,
            type=EventType.USER_INPUT if i % 2 == 0 else EventType.AGENT_REPLY,
            source=Source.CUSTOMER if i % 2 == 0 else Source.AI_AGENT,
            data={"turn": i, "transcript" if i % 2 == 0 else "text": f"message {i}"},
        )
        digest = event_hash(ev, prev)
        records.append(EventRecord(event=ev, prev_hash=prev, hash=digest))
        prev = digest
    return records


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket="sb-audit", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield client


def sink(client: Any) -> S3AuditSink:
    return S3AuditSink(client, AwsSettings(audit_bucket="sb-audit", kms_key_id=KEY_ARN))


def test_turns_are_stored_encrypted_and_the_chain_verifies(s3: Any) -> None:
    audit = sink(s3)
    turn1 = chained("c-1", 3)
    turn2 = chained("c-1", 4, prev=turn1[-1].hash)
    k1 = audit.write_records("c-1", turn1)
    k2 = audit.write_records("c-1", turn2)
    audit.write_records("c-2", chained("c-2", 2))
    assert k1 is not None and k2 is not None and k1 < k2
    assert k1.startswith("audit/") and "/c-1/" in k1 and k1.endswith(".jsonl")
    head = s3.head_object(Bucket="sb-audit", Key=k1)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == KEY_ARN
    assert head["ContentType"] == "application/x-ndjson"
    report = verify_chain(audit, "c-1")  # type: ignore[arg-type]
    assert report.ok and report.events_checked == 7


def test_an_edited_object_breaks_the_chain(s3: Any) -> None:
    audit = sink(s3)
    key = audit.write_records("c-3", chained("c-3", 3))
    assert key is not None
    body = s3.get_object(Bucket="sb-audit", Key=key)["Body"].read().decode()
    s3.put_object(Bucket="sb-audit", Key=key, Body=body.replace("message 1", "message X"))
    report = verify_chain(audit, "c-3")  # type: ignore[arg-type]
    assert not report.ok and report.reason == "hash_mismatch" and report.first_bad_seq == 2


def test_transcript_object(s3: Any) -> None:
    key = sink(s3).write_transcript(
        "c-4",
        [Message(role=Role.USER, content="hi"), Message(role=Role.ASSISTANT, content="hello")],
    )
    assert key.startswith("transcripts/") and key.endswith("/c-4.json")
    assert s3.head_object(Bucket="sb-audit", Key=key)["ServerSideEncryption"] == "aws:kms"


def test_nothing_to_write_writes_nothing(s3: Any) -> None:
    assert sink(s3).write_records("c-5", []) is None
    assert s3.list_objects_v2(Bucket="sb-audit").get("KeyCount") == 0


def test_put_object_request_matches_the_s3_model() -> None:
    client = boto3.client(
        "s3", region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
    )
    with Stubber(client) as stub:
        stub.add_response(
            "put_object",
            {"ETag": '"abc"', "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY_ARN},
            {
                "Bucket": "sb-audit",
                "Key": ANY,
                "Body": ANY,
                "ContentType": "application/x-ndjson",
                "ServerSideEncryption": "aws:kms",
                "SSEKMSKeyId": KEY_ARN,
                "BucketKeyEnabled": True,
            },
        )
        stub.add_client_error("put_object", service_error_code="AccessDenied", http_status_code=403)
        audit = sink(client)
        assert audit.write_records("c-6", chained("c-6", 1))
        with pytest.raises(StoreError):
            audit.write_records("c-6", chained("c-6", 1))
        stub.assert_no_pending_responses()
