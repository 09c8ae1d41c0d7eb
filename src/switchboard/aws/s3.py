"""The S3 audit sink: chained audit events and transcripts, encrypted with SSE-KMS.

Objects (bucket from ``SWITCHBOARD_AWS_AUDIT_BUCKET``, created by
``deploy/terraform/s3.tf`` with versioning, SSE-KMS and lifecycle rules):

* ``audit/YYYY/MM/DD/<contact_id>/<first seq timestamp>-<event_id>.jsonl`` —
  one object per turn: JSON Lines of ``{"event": ..., "prev_hash", "hash"}``
  (the per-contact SHA-256 chain of :mod:`switchboard.audit.chain`);
* ``transcripts/YYYY/MM/DD/<contact_id>.json`` — the conversation.

Every ``PutObject`` asks for ``ServerSideEncryption=aws:kms`` with the
configured key and an S3 Bucket Key (fewer KMS requests), so an object is
encrypted even if the bucket default changes. Event data is already
PII-redacted by the audit sink before it gets here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from switchboard.audit.records import EventRecord, is_tombstone, tombstone
from switchboard.aws.settings import AwsSettings
from switchboard.domain.types import Event, Message
from switchboard.errors import StoreError


def _record_line(record: EventRecord) -> str:
    return json.dumps(
        {
            "event": record.event.model_dump(mode="json"),
            "prev_hash": record.prev_hash,
            "hash": record.hash,
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


class S3AuditSink:
    """Writes audit records and transcripts to S3 with SSE-KMS.

    Args:
        s3: a boto3 S3 client.
        aws: bucket, prefixes and KMS key.
    """

    def __init__(self, s3: Any, aws: AwsSettings) -> None:
        self.client = s3
        self.bucket = aws.audit_bucket
        self.audit_prefix = aws.audit_prefix
        self.transcript_prefix = aws.transcript_prefix
        self.kms_key_id = aws.kms_key_id

    def _encryption(self) -> dict[str, Any]:
        params: dict[str, Any] = {"ServerSideEncryption": "aws:kms", "BucketKeyEnabled": True}
        if self.kms_key_id:
            params["SSEKMSKeyId"] = self.kms_key_id
        return params

    def _put(self, key: str, body: bytes, content_type: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                **self._encryption(),
            )
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
            raise StoreError(f"S3 PutObject failed: {code}", retryable=True) from exc

    def write_records(self, contact_id: str, records: Sequence[EventRecord]) -> str | None:
        """Store one turn's records as one JSON Lines object; return its key (None if empty).

        Raises:
            StoreError: the upload failed.
        """
        if not records:
            return None
        first = records[0].event
        day = first.timestamp.strftime("%Y/%m/%d")
        stamp = first.timestamp.strftime("%Y%m%dT%H%M%S%fZ")
        key = f"{self.audit_prefix}{day}/{contact_id}/{stamp}-{first.event_id}.jsonl"
        body = "\n".join(_record_line(r) for r in records) + "\n"
        self._put(key, body.encode(), "application/x-ndjson")
        return key

    def write_transcript(self, contact_id: str, messages: Sequence[Message]) -> str:
        """Store the conversation as one JSON object; return its key.

        Raises:
            StoreError: the upload failed.
        """
        when = messages[0].timestamp if messages else None
        day = when.strftime("%Y/%m/%d") if when else "undated"
        key = f"{self.transcript_prefix}{day}/{contact_id}.json"
        body = json.dumps(
            {
                "contact_id": contact_id,
                "messages": [m.model_dump(mode="json") for m in messages],
            },
            ensure_ascii=False,
        )
        self._put(key, body.encode(), "application/json")
        return key

    def event_records(self, contact_id: str) -> list[EventRecord]:
        """Read a contact's audit records back in order (for ``verify_chain``).

        Keys sort by time, so listing under the contact's day prefixes in key
        order gives the chain order. Reads every day prefix of the audit tree
        that holds the contact (fine for audits; not a hot path).

        Raises:
            StoreError: listing or reading failed.
        """
        records: list[EventRecord] = []
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            keys: list[str] = []
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.audit_prefix):
                keys.extend(
                    o["Key"] for o in page.get("Contents", []) if f"/{contact_id}/" in o["Key"]
                )
            for key in sorted(keys):
                body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
                for line in body.decode().splitlines():
                    raw = json.loads(line)
                    records.append(
                        EventRecord(
                            event=Event.from_stored(raw["event"]),
                            prev_hash=raw["prev_hash"],
                            hash=raw["hash"],
                            seq=len(records) + 1,
                        )
                    )
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"S3 read failed: {type(exc).__name__}", retryable=True) from exc
        return records

    def erase_contact(self, contact_id: str) -> int:
        """Erase a contact (GDPR Art. 17): delete its transcripts, tombstone its audit records.

        Each audit object of the contact is rewritten with every event's data
        replaced by a tombstone that keeps the digest the hash chain commits
        to (:func:`switchboard.audit.records.tombstone`), so
        :meth:`event_records` still verifies. Returns the objects changed.

        Raises:
            StoreError: listing, reading or writing failed.
        """
        changed = 0
        erased_at = datetime.now(UTC).isoformat(timespec="microseconds")
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            for prefix in (self.transcript_prefix, self.audit_prefix):
                for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                    for obj in page.get("Contents", []):
                        key = obj["Key"]
                        if prefix == self.transcript_prefix and key.endswith(f"/{contact_id}.json"):
                            self.client.delete_object(Bucket=self.bucket, Key=key)
                            changed += 1
                        elif prefix == self.audit_prefix and f"/{contact_id}/" in key:
                            changed += self._tombstone_object(key, erased_at)
        except StoreError:
            raise
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
            raise StoreError(f"S3 erasure failed: {code}", retryable=True) from exc
        return changed

    def _tombstone_object(self, key: str, erased_at: str) -> int:
        """Rewrite one audit object with tombstoned event data; 1 if it changed, else 0."""
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode()
        lines = []
        dirty = False
        for line in body.splitlines():
            raw = json.loads(line)
            data = raw["event"].get("data")
            if not is_tombstone(data):
                raw["event"]["data"] = tombstone(data, erased_at)
                dirty = True
            lines.append(json.dumps(raw, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
        if dirty:
            self._put(key, ("\n".join(lines) + "\n").encode(), "application/x-ndjson")
        return int(dirty)
