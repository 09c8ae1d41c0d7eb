"""DynamoDB adapters: every request checked against the service model (Stubber), behaviour on moto.

The moto tables are created from deploy/terraform/dynamodb.tf itself, so the
adapters and the Terraform cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from deploy.tf import dynamodb_create_table_kwargs, load
from switchboard.aws.dynamo import (
    HALLUCINATION_TYPE_INDEX,
    TIMESTAMP_INDEX,
    CallbackTable,
    CustomerTable,
    HallucinationLogTable,
)
from switchboard.domain.types import (
    HallucinationLog,
    HallucinationType,
    Severity,
    ValidationAction,
)
from switchboard.errors import InputError, StoreError

REGION = "eu-west-2"
TABLES = {
    "hallucination_logs": "sb-hallucination-logs",
    "callbacks": "sb-callbacks",
    "customers": "sb-customers",
}


def row(kind: HallucinationType, when: datetime, session: str = "c-1") -> HallucinationLog:
    return HallucinationLog(
        timestamp=when,
        user_query="What documents do I need for a savings account?",
        tool_name="get_branch_account_opening_info",
        tool_results={"results": [{"name": "x", "output": {"fee": 2.5, "docs": ["passport"]}}]},
        model_response="You need a passport and proof of income.",
        hallucination_type=kind,
        severity=Severity.MEDIUM,
        validation_details={"confidence_score": 0.4, "findings": []},
        action_taken=ValidationAction.REGENERATED,
        session_id=session,
        ttl=int((when + timedelta(days=90)).timestamp()),
    )


@pytest.fixture
def ddb() -> Iterator[Any]:
    tf = load()["resource"]["aws_dynamodb_table"]
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        for key, name in TABLES.items():
            client.create_table(**dynamodb_create_table_kwargs(tf[key], name))
            if tf[key].get("ttl"):
                client.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={
                        "Enabled": True,
                        "AttributeName": tf[key]["ttl"][0]["attribute_name"],
                    },
                )
        yield client


def test_terraform_tables_have_the_indexes_the_adapters_query(ddb: Any) -> None:
    desc = ddb.describe_table(TableName=TABLES["hallucination_logs"])["Table"]
    assert {i["IndexName"] for i in desc["GlobalSecondaryIndexes"]} == {
        HALLUCINATION_TYPE_INDEX,
        TIMESTAMP_INDEX,
    }
    ttl = ddb.describe_time_to_live(TableName=TABLES["callbacks"])["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "ttl"


def test_hallucination_logs_by_type_and_by_day(ddb: Any) -> None:
    table = HallucinationLogTable(ddb, TABLES["hallucination_logs"])
    t0 = datetime(2026, 11, 20, 23, 59, tzinfo=UTC)
    table.put(row(HallucinationType.INCORRECT_DOCUMENTS, t0))
    table.put(row(HallucinationType.INCORRECT_DOCUMENTS, t0 + timedelta(minutes=2)))
    table.put(row(HallucinationType.INCORRECT_BRANCH, t0 + timedelta(minutes=3)))
    docs = table.by_type("incorrect_documents")
    assert [d["timestamp"] for d in docs] == ["2026-11-20T23:59:00Z", "2026-11-21T00:01:00Z"]
    assert docs[0]["tool_results"]["results"][0]["output"]["fee"] == pytest.approx(2.5)
    assert docs[0]["ttl"] == int((t0 + timedelta(days=90)).timestamp())
    later = table.by_type("incorrect_documents", since=t0 + timedelta(minutes=1))
    assert len(later) == 1
    assert {d["hallucination_type"] for d in table.on_day("2026-11-21")} == {
        "incorrect_documents",
        "incorrect_branch",
    }
    assert len(table.on_day("2026-11-20")) == 1


def test_callback_request_and_worklist(ddb: Any) -> None:
    table = CallbackTable(ddb, TABLES["callbacks"], ttl_days=7)
    now = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    item = table.request(contact_id="c-9", customer_phone="+442079460123", queue_id="q-1", now=now)
    assert item["status"] == "PENDING" and item["priority"] == "NORMAL"
    assert item["ttl"] == int((now + timedelta(days=7)).timestamp())
    table.request(contact_id="c-10", customer_phone="+12025550143", queue_id=None, priority="HIGH")
    pending = table.pending()
    assert [p["contact_id"] for p in pending] == ["c-9", "c-10"]
    assert "queue_id" not in pending[1]  # None is not stored
    with pytest.raises(InputError):
        table.request(contact_id="c", customer_phone="+1", queue_id=None, priority="URGENT")


def test_customer_lookup(ddb: Any) -> None:
    table = CustomerTable(ddb, TABLES["customers"])
    table.put({"phone_number": "+442079460123", "customer_id": "CUST-1", "segment": "premier"})
    assert table.by_phone("+442079460123")["customer_id"] == "CUST-1"
    assert table.by_phone("+442079460999") is None
    with pytest.raises(InputError):
        table.put({"customer_id": "no-phone"})


def test_missing_table_becomes_a_store_error(ddb: Any) -> None:
    table = HallucinationLogTable(ddb, "no-such-table")
    with pytest.raises(StoreError):
        table.put(row(HallucinationType.OFF_TOPIC, datetime.now(UTC)))
    table.put_safely(row(HallucinationType.OFF_TOPIC, datetime.now(UTC)))  # logged, not raised


# -- every request shape against the DynamoDB service model ------------------------------


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "dynamodb",
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_stubbed_requests_match_the_service_model(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    when = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    log_row = row(HallucinationType.FABRICATED_DATA, when)
    stub.add_response(
        "put_item",
        {},
        {"TableName": "logs", "Item": HallucinationLogTable.to_item(log_row)},
    )
    stub.add_response(
        "query",
        {"Items": [HallucinationLogTable.to_item(log_row)], "Count": 1, "ScannedCount": 1},
        {
            "TableName": "logs",
            "IndexName": HALLUCINATION_TYPE_INDEX,
            "KeyConditionExpression": "hallucination_type = :t AND #ts >= :since",
            "ExpressionAttributeValues": {
                ":t": {"S": "fabricated_data"},
                ":since": {"S": "2026-11-21T00:00:00Z"},
            },
            "ExpressionAttributeNames": {"#ts": "timestamp"},
        },
    )
    stub.add_response(
        "query",
        {"Items": [], "Count": 0, "ScannedCount": 0},
        {
            "TableName": "logs",
            "IndexName": TIMESTAMP_INDEX,
            "KeyConditionExpression": "log_date = :d",
            "ExpressionAttributeValues": {":d": {"S": "2026-11-21"}},
        },
    )
    stub.add_response(
        "put_item",
        {},
        {
            "TableName": "callbacks",
            "Item": ANY,
            "ConditionExpression": "attribute_not_exists(callback_id)",
        },
    )
    stub.add_response(
        "query",
        {"Items": [], "Count": 0, "ScannedCount": 0},
        {
            "TableName": "callbacks",
            "IndexName": "status-index",
            "KeyConditionExpression": "#s = :p",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":p": {"S": "PENDING"}},
        },
    )
    stub.add_response(
        "get_item",
        {"Item": {"phone_number": {"S": "+442079460123"}, "customer_id": {"S": "CUST-1"}}},
        {
            "TableName": "customers",
            "Key": {"phone_number": {"S": "+442079460123"}},
            "ConsistentRead": False,
        },
    )
    logs = HallucinationLogTable(client, "logs")
    logs.put(log_row)
    assert (
        logs.by_type("fabricated_data", since=datetime(2026, 11, 21, tzinfo=UTC))[0]["session_id"]
        == "c-1"
    )
    assert logs.on_day("2026-11-21") == []
    CallbackTable(client, "callbacks").request(
        contact_id="c-1", customer_phone="+442079460123", queue_id="q"
    )
    assert CallbackTable(client, "callbacks").pending() == []
    assert CustomerTable(client, "customers").by_phone("+442079460123") == {
        "phone_number": "+442079460123",
        "customer_id": "CUST-1",
    }


def test_throttling_is_a_retryable_store_error(stubbed: tuple[Any, Stubber]) -> None:
    client, stub = stubbed
    stub.add_client_error(
        "put_item",
        service_error_code="ProvisionedThroughputExceededException",
        http_status_code=400,
    )
    with pytest.raises(StoreError) as err:
        HallucinationLogTable(client, "logs").put(
            row(HallucinationType.OFF_TOPIC, datetime.now(UTC))
        )
    assert err.value.retryable
