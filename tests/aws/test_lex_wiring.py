"""The Lex code hook as the Lambda builds it: hallucination logs reach DynamoDB, audit reaches S3.

Tables come from deploy/terraform/dynamodb.tf, in moto; the brain lies once
(a fabricated document) so the validation agent writes a hallucination log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from deploy.tf import dynamodb_create_table_kwargs, load
from switchboard.audit.chain import verify_chain
from switchboard.aws.dynamo import HallucinationLogTable
from switchboard.aws.lex import build_hook
from switchboard.aws.s3 import S3AuditSink
from switchboard.aws.settings import AwsSettings
from switchboard.config import Settings
from switchboard.testing.lying_brain import LyingBrain

from .lex_contract import assert_valid_lex_response
from .test_lex_handler import event_with

REGION = "eu-west-2"
AWS = AwsSettings(
    region=REGION,
    hallucination_table="sb-hallucination-logs",
    audit_bucket="sb-audit",
    kms_key_id="arn:aws:kms:eu-west-2:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    tf = load()["resource"]["aws_dynamodb_table"]
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        ddb.create_table(
            **dynamodb_create_table_kwargs(tf["hallucination_logs"], AWS.hallucination_table)
        )
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(
            Bucket=AWS.audit_bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield ddb, s3


async def test_lie_is_logged_to_dynamodb_and_the_turn_audited_in_s3(
    aws_env: Any, router: Any
) -> None:
    ddb, s3 = aws_env
    hook = await build_hook(
        Settings(database_url="sqlite://"),
        AWS,
        brain=LyingBrain("fabricated_document", scenario="branch_account"),
        router=router,
    )
    try:
        resp = await hook.handle(
            event_with("What documents do I need for a checking account?", sessionId="lie-1"),
            remaining_ms=30_000,
        )
    finally:
        await hook.service.aclose()
    assert_valid_lex_response(resp)
    rows = HallucinationLogTable(ddb, AWS.hallucination_table).by_type("incorrect_documents")
    rows += HallucinationLogTable(ddb, AWS.hallucination_table).by_type("fabricated_data")
    assert rows and {r["session_id"] for r in rows} == {"lie-1"}
    assert all(r["action_taken"] in ("regenerated", "fallback") for r in rows)
    audit = S3AuditSink(s3, AWS)
    report = verify_chain(audit, "lie-1")  # type: ignore[arg-type]
    assert report.ok and report.events_checked >= 5
    types = [r.event.type.value for r in audit.event_records("lie-1")]
    assert types[0] == "conversation_start" and "validation_check" in types
    state = json.loads(resp["sessionState"]["sessionAttributes"]["switchboard_state"])
    assert state["audit_head"] == audit.event_records("lie-1")[-1].hash


async def test_handover_writes_the_transcript_to_s3(aws_env: Any, router: Any) -> None:
    _, s3 = aws_env
    hook = await build_hook(Settings(database_url="sqlite://"), AWS, router=router)
    try:
        first = await hook.handle(
            event_with("How do I open a savings account?", sessionId="ho-1"), 30_000
        )
        attrs = first["sessionState"]["sessionAttributes"]
        resp = await hook.handle(
            event_with("I want to speak to a real person please", attrs, sessionId="ho-1"), 30_000
        )
    finally:
        await hook.service.aclose()
    assert resp["sessionState"]["dialogAction"]["type"] == "Close"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=AWS.audit_bucket)["Contents"]]
    (key,) = [k for k in keys if k.startswith("transcripts/")]
    assert key.endswith("/ho-1.json")
    body = json.loads(s3.get_object(Bucket=AWS.audit_bucket, Key=key)["Body"].read())
    assert [m["content"] for m in body["messages"] if m["role"] == "user"] == [
        "How do I open a savings account?",
        "I want to speak to a real person please",
    ]
    assert s3.head_object(Bucket=AWS.audit_bucket, Key=key)["ServerSideEncryption"] == "aws:kms"
