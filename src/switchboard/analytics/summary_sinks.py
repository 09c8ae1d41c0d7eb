"""Where post-call summaries are exported as JSON: a local directory, or S3.

Seed 3 "Post-Call Path" saves call notes to S3 / a CRM. The file sink is the
embedded default (``var/summaries/<contact_id>.json``, written atomically);
:class:`S3SummarySink` puts the same JSON into a bucket with boto3 (an optional
extra, imported lazily; request shapes tested with botocore's Stubber).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from switchboard.analytics.summary import CallSummary
from switchboard.errors import ConfigError, SummaryExportError


def summary_json(summary: CallSummary) -> bytes:
    """Serialise ``summary`` as UTF-8 JSON (keys sorted, ISO timestamps)."""
    payload = summary.model_dump(mode="json")
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


class SummarySink(Protocol):
    """Receives every stored summary."""

    def export(self, summary: CallSummary) -> str:
        """Write ``summary``; return where it went (a path or ``s3://`` URI).

        Raises:
            SummaryExportError: when the write failed (the stored summary is kept).
        """
        ...


class FileSummarySink:
    """Writes ``<directory>/<contact_id>.json`` (atomic rename; the directory is created).

    Args:
        directory: where the files go (default in settings: ``var/summaries``).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def export(self, summary: CallSummary) -> str:
        """Write the summary file and return its path.

        Raises:
            SummaryExportError: the directory cannot be created or written.
        """
        name = _safe_name(summary.contact_id)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(summary_json(summary))
            target = self.directory / f"{name}.json"
            os.replace(tmp, target)
        except OSError as exc:
            raise SummaryExportError(f"cannot write summary to {self.directory}: {exc}") from exc
        return str(target)


class S3SummarySink:
    """Puts ``<prefix><contact_id>.json`` into an S3 bucket (``s3:PutObject``).

    Args:
        bucket: the bucket name.
        prefix: key prefix, e.g. ``"summaries/"``.
        client: a boto3 S3 client; None creates one with the default credentials chain.
        kms_key_id: when set, objects are encrypted with this KMS key (``aws:kms``),
            else with S3-managed keys (``AES256``).

    Raises:
        ConfigError: boto3 is not installed (``pip install 'switchboard[aws]'``).
    """

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "summaries/",
        client: Any | None = None,
        kms_key_id: str | None = None,
    ) -> None:
        if client is None:
            try:
                import boto3
            except ImportError as exc:  # optional extra
                raise ConfigError(
                    "the S3 summary sink needs boto3: pip install 'switchboard[aws]'"
                ) from exc
            client = boto3.client("s3")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.kms_key_id = kms_key_id

    def request(self, summary: CallSummary) -> dict[str, Any]:
        """The ``PutObject`` parameters for ``summary`` (AWS S3 API reference, PutObject)."""
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": f"{self.prefix}{_safe_name(summary.contact_id)}.json",
            "Body": summary_json(summary),
            "ContentType": "application/json",
            "Metadata": {"contact-id": summary.contact_id, "status": summary.status},
        }
        if self.kms_key_id:
            params["ServerSideEncryption"] = "aws:kms"
            params["SSEKMSKeyId"] = self.kms_key_id
        else:
            params["ServerSideEncryption"] = "AES256"
        return params

    def export(self, summary: CallSummary) -> str:
        """Put the summary object and return its ``s3://`` URI.

        Raises:
            SummaryExportError: the put failed (botocore ``ClientError`` or connection error).
        """
        params = self.request(summary)
        try:
            self.client.put_object(**params)
        except Exception as exc:  # botocore raises ClientError / BotoCoreError subclasses
            raise SummaryExportError(
                f"cannot put summary into s3://{self.bucket}: {type(exc).__name__}",
                retryable=True,
            ) from exc
        return f"s3://{self.bucket}/{params['Key']}"


def _safe_name(contact_id: str) -> str:
    """A file/key name for a contact id (ids are UUIDs; anything else is made safe)."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in contact_id)[:128] or "contact"
