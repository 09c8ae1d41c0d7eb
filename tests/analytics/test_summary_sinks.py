"""Summary export: the file sink, and the S3 sink's PutObject checked with botocore's Stubber."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from switchboard.analytics.summary import CallSummary, Note
from switchboard.analytics.summary_sinks import FileSummarySink, S3SummarySink, summary_json
from switchboard.errors import SummaryExportError

SUMMARY = CallSummary(
    contact_id="0b7c2c3e-1111-4222-8333-944445555666",
    channel="chat",
    locale="en_GB",
    status="resolved",
    started_at=datetime(2026, 1, 2, 10, 0, tzinfo=UTC),
    bullets=["Reason: x", "Actions: y", "Outcome: z"],
    outcome=Note(text="Resolved by the AI agent in 1 turn"),
)


def s3_client() -> Any:
    return boto3.client(
        "s3", region_name="eu-west-2", aws_access_key_id="test", aws_secret_access_key="test"
    )


def test_file_sink_writes_the_json_atomically(tmp_path: Path) -> None:
    sink = FileSummarySink(tmp_path / "out")
    where = sink.export(SUMMARY)
    assert where == str(tmp_path / "out" / f"{SUMMARY.contact_id}.json")
    assert json.loads(Path(where).read_text())["bullets"] == SUMMARY.bullets
    assert [p.name for p in (tmp_path / "out").iterdir()] == [f"{SUMMARY.contact_id}.json"]


def test_file_sink_failure_is_a_summary_export_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(SummaryExportError):
        FileSummarySink(blocker / "out").export(SUMMARY)


def test_s3_put_object_request_shape() -> None:
    client = s3_client()
    sink = S3SummarySink("call-notes", prefix="summaries/", client=client, kms_key_id="alias/k")
    with Stubber(client) as stub:
        stub.add_response(
            "put_object",
            {"ETag": '"abc"'},
            {
                "Bucket": "call-notes",
                "Key": f"summaries/{SUMMARY.contact_id}.json",
                "Body": summary_json(SUMMARY),
                "ContentType": "application/json",
                "Metadata": {"contact-id": SUMMARY.contact_id, "status": "resolved"},
                "ServerSideEncryption": "aws:kms",
                "SSEKMSKeyId": "alias/k",
            },
        )
        uri = sink.export(SUMMARY)
        stub.assert_no_pending_responses()
    assert uri == f"s3://call-notes/summaries/{SUMMARY.contact_id}.json"


def test_s3_error_is_a_retryable_summary_export_error() -> None:
    client = s3_client()
    sink = S3SummarySink("call-notes", client=client)
    with Stubber(client) as stub:
        stub.add_client_error(
            "put_object",
            service_error_code="AccessDenied",
            http_status_code=403,
            expected_params={
                "Bucket": "call-notes",
                "Key": ANY,
                "Body": ANY,
                "ContentType": "application/json",
                "Metadata": ANY,
                "ServerSideEncryption": "AES256",
            },
        )
        with pytest.raises(SummaryExportError) as info:
            sink.export(SUMMARY)
    assert info.value.retryable
