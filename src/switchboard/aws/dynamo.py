"""DynamoDB tables of the AWS deployment: hallucination logs, callbacks, customers.

Table layouts (created by ``deploy/terraform/dynamodb.tf``; the names are settings):

* **hallucination logs** (seed 2 "Hallucination Log Model"): partition key
  ``log_id`` (S), sort key ``timestamp`` (S, ISO 8601 UTC); TTL attribute
  ``ttl`` (epoch seconds, 90 days). GSI ``hallucination_type-index``
  (``hallucination_type`` / ``timestamp``) for analysis by kind, and GSI
  ``timestamp-index`` (``log_date`` = ``YYYY-MM-DD`` / ``timestamp``) for
  time-series queries: a day bucket as partition key, because a GSI can only
  range-query within one partition.
* **callbacks** (seed 2 "Callback Lambda Function"): partition key
  ``callback_id``; TTL ``ttl`` = request time + 7 days; GSI
  ``status-index`` (``status`` / ``requested_at``) for the agents' worklist.
* **customers** (seed 5 Step 4 "look up by phone number"): partition key
  ``phone_number`` (E.164).

All calls go through a low-level boto3 client (so botocore's Stubber can
check each request against the service model) with values marshalled by
``boto3.dynamodb.types.TypeSerializer`` (floats become ``Decimal``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from switchboard.aws.settings import AwsSettings
from switchboard.domain.types import HallucinationLog, new_id
from switchboard.errors import ConfigError, InputError, StoreError

log = logging.getLogger("switchboard.aws.dynamo")

HALLUCINATION_TYPE_INDEX = "hallucination_type-index"
TIMESTAMP_INDEX = "timestamp-index"
CALLBACK_STATUS_INDEX = "status-index"


def client(service: str, aws: AwsSettings | None = None) -> Any:
    """Return a boto3 client for ``service`` in the configured region.

    Raises:
        ConfigError: boto3 is not installed (``pip install 'switchboard[aws]'``).
    """
    try:
        import boto3
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError("boto3 is missing: pip install 'switchboard[aws]'") from exc
    region = aws.region if aws else None
    return boto3.client(service, region_name=region) if region else boto3.client(service)


def _marshal(item: Mapping[str, Any]) -> dict[str, Any]:
    """Marshal a plain dict into DynamoDB attribute values (floats → Decimal, None dropped)."""
    from boto3.dynamodb.types import TypeSerializer

    plain = json.loads(json.dumps(dict(item), default=str), parse_float=Decimal)
    ser = TypeSerializer()
    return {k: ser.serialize(v) for k, v in plain.items() if v is not None and v != ""}


def _unmarshal(item: Mapping[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeDeserializer

    de = TypeDeserializer()
    return {k: de.deserialize(v) for k, v in item.items()}


def _store_error(op: str, exc: Exception) -> StoreError:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
    retryable = code in {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
    return StoreError(f"DynamoDB {op} failed: {code}", retryable=retryable)


class HallucinationLogTable:
    """Writes and queries hallucination-log rows (seed 2 schema).

    Args:
        dynamodb: a boto3 DynamoDB client.
        table: the table name.
    """

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.client = dynamodb
        self.table = table

    @staticmethod
    def to_item(row: HallucinationLog) -> dict[str, Any]:
        """Return the row as DynamoDB attribute values (plus ``log_date`` for the time GSI)."""
        ts = row.timestamp.astimezone(UTC)
        data = row.model_dump(mode="json")
        data["timestamp"] = ts.isoformat().replace("+00:00", "Z")
        data["log_date"] = ts.date().isoformat()
        return _marshal(data)

    def put(self, row: HallucinationLog) -> None:
        """Store one row.

        Raises:
            StoreError: DynamoDB refused or failed (``retryable`` on throttling).
        """
        try:
            self.client.put_item(TableName=self.table, Item=self.to_item(row))
        except Exception as exc:
            raise _store_error("PutItem", exc) from exc

    def put_safely(self, row: HallucinationLog) -> None:
        """Store one row; a failure is logged, never raised.

        Seed 2 "Error Handling": "DynamoDB Write Failure: Log to CloudWatch, continue".
        """
        try:
            self.put(row)
        except StoreError as exc:
            log.error(
                "hallucination log not stored",
                extra={"contact_id": row.session_id, "data": {"error": exc.message}},
            )

    def by_type(
        self, hallucination_type: str, *, since: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Return rows of one type, oldest first, through ``hallucination_type-index``.

        Raises:
            StoreError: the query failed.
        """
        expr = "hallucination_type = :t"
        values: dict[str, Any] = {":t": {"S": hallucination_type}}
        if since is not None:
            expr += " AND #ts >= :since"
            values[":since"] = {"S": since.astimezone(UTC).isoformat().replace("+00:00", "Z")}
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": HALLUCINATION_TYPE_INDEX,
            "KeyConditionExpression": expr,
            "ExpressionAttributeValues": values,
        }
        if since is not None:
            kwargs["ExpressionAttributeNames"] = {"#ts": "timestamp"}
        return self._query(kwargs)

    def on_day(self, day: str) -> list[dict[str, Any]]:
        """Return the rows logged on ``day`` (``YYYY-MM-DD``), oldest first (``timestamp-index``).

        Raises:
            StoreError: the query failed.
        """
        return self._query(
            {
                "TableName": self.table,
                "IndexName": TIMESTAMP_INDEX,
                "KeyConditionExpression": "log_date = :d",
                "ExpressionAttributeValues": {":d": {"S": day}},
            }
        )

    def _query(self, kwargs: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        try:
            while True:
                page = self.client.query(**kwargs)
                items.extend(_unmarshal(i) for i in page.get("Items", []))
                last = page.get("LastEvaluatedKey")
                if not last:
                    return items
                kwargs["ExclusiveStartKey"] = last
        except Exception as exc:
            raise _store_error("Query", exc) from exc


class CallbackTable:
    """Callback requests (seed 2 "Callback Lambda Function"; TTL 7 days).

    Args:
        dynamodb: a boto3 DynamoDB client.
        table: the table name.
        ttl_days: days after which DynamoDB TTL removes the request.
    """

    def __init__(self, dynamodb: Any, table: str, ttl_days: int = 7) -> None:
        self.client = dynamodb
        self.table = table
        self.ttl_days = ttl_days

    def request(
        self,
        *,
        contact_id: str,
        customer_phone: str,
        queue_id: str | None,
        priority: str = "NORMAL",
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Store a ``PENDING`` callback and return the stored item (plain values).

        Raises:
            InputError: ``priority`` is not NORMAL or HIGH.
            StoreError: DynamoDB refused or failed.
        """
        if priority not in ("NORMAL", "HIGH"):
            raise InputError(f"priority must be NORMAL or HIGH, got {priority!r}")
        when = (now or datetime.now(UTC)).astimezone(UTC)
        item = {
            "callback_id": new_id(),
            "contact_id": contact_id,
            "customer_phone": customer_phone,
            "requested_at": when.isoformat().replace("+00:00", "Z"),
            "status": "PENDING",
            "queue_id": queue_id,
            "priority": priority,
            "ttl": int((when + timedelta(days=self.ttl_days)).timestamp()),
        }
        try:
            self.client.put_item(
                TableName=self.table,
                Item=_marshal(item),
                ConditionExpression="attribute_not_exists(callback_id)",
            )
        except Exception as exc:
            raise _store_error("PutItem", exc) from exc
        return {k: v for k, v in item.items() if v is not None}

    def mark(
        self, callback_id: str, status: str, *, outbound_contact_id: str | None = None
    ) -> bool:
        """Move a ``PENDING`` callback to ``status``; return False if it was not pending.

        The condition makes two dialers racing for one callback dial it once.

        Raises:
            StoreError: DynamoDB failed for another reason.
        """
        names = {"#s": "status"}
        values: dict[str, Any] = {":new": {"S": status}, ":pending": {"S": "PENDING"}}
        update = "SET #s = :new"
        if outbound_contact_id:
            update += ", outbound_contact_id = :oc"
            values[":oc"] = {"S": outbound_contact_id}
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"callback_id": {"S": callback_id}},
                UpdateExpression=update,
                ConditionExpression="#s = :pending",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code == "ConditionalCheckFailedException":
                return False
            raise _store_error("UpdateItem", exc) from exc
        return True

    def pending(self) -> list[dict[str, Any]]:
        """Return the pending callbacks, oldest request first (``status-index``).

        Raises:
            StoreError: the query failed.
        """
        try:
            page = self.client.query(
                TableName=self.table,
                IndexName=CALLBACK_STATUS_INDEX,
                KeyConditionExpression="#s = :p",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":p": {"S": "PENDING"}},
            )
        except Exception as exc:
            raise _store_error("Query", exc) from exc
        return [_unmarshal(i) for i in page.get("Items", [])]


class CustomerTable:
    """Customers by phone number (seed 5 Step 4).

    Args:
        dynamodb: a boto3 DynamoDB client.
        table: the table name (partition key ``phone_number``, E.164).
    """

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.client = dynamodb
        self.table = table

    def by_phone(self, e164: str) -> dict[str, Any] | None:
        """Return the customer whose ``phone_number`` is ``e164``, or None.

        Raises:
            StoreError: the read failed.
        """
        try:
            out = self.client.get_item(
                TableName=self.table,
                Key={"phone_number": {"S": e164}},
                ConsistentRead=False,
            )
        except Exception as exc:
            raise _store_error("GetItem", exc) from exc
        item = out.get("Item")
        return _unmarshal(item) if item else None

    def put(self, customer: Mapping[str, Any]) -> None:
        """Store a customer (must hold ``phone_number``).

        Raises:
            InputError: no ``phone_number``.
            StoreError: the write failed.
        """
        if not customer.get("phone_number"):
            raise InputError("customer needs a phone_number")
        try:
            self.client.put_item(TableName=self.table, Item=_marshal(customer))
        except Exception as exc:
            raise _store_error("PutItem", exc) from exc
