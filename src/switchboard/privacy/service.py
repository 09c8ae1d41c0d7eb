"""Retention purge, erasure of one customer, audit verification and chain anchors.

:class:`PrivacyService` is built by the composition roots (the server's
lifespan, the CLI) over the SQL store and the settings, and reaches every
place a contact's data lives:

* the database: messages, contact row (state with the summary) and
  hallucination logs deleted; audit events kept with tombstoned data
  (:func:`switchboard.store.privacy.erase_contact_rows`); routing queue
  entries and callbacks (with their sealed numbers) deleted;
* post-call summary files (``summaries.directory``) and S3 objects
  (``summaries.s3_bucket``: summaries; the audit bucket's transcripts and
  audit records through :class:`switchboard.aws.s3.S3AuditSink`);
* call recordings under ``retention.recordings_dir`` (files or directories
  whose name starts with the contact id).

Why tombstones rather than deleting events (erasure) or re-hashing (never):
the chain commits to the digest of each event's sealed data, not to the data
itself, so replacing the data by ``{"_erased": time, "_data_sha256": digest}``
removes the customer's words while every hash still recomputes, the event
types and times stay as evidence that the contact happened and was erased,
and no one ever needs the power to rewrite the chain. The retention purge
deletes whole contacts instead, and records their last heads in the signed
anchor file so their absence is expected, not reported as tampering.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from switchboard.audit.anchor import AnchorLog, AnchorProblem, verify_anchors, write_anchor
from switchboard.audit.chain import ChainReport, verify_chain
from switchboard.config import Settings
from switchboard.crypto import customer_ref, load_signing_key
from switchboard.errors import InputError
from switchboard.routing.store import RoutingStore
from switchboard.store.privacy import (
    EraseCounts,
    chain_heads,
    contacts_of_customer,
    erase_contact_rows,
    event_contact_ids,
    expired_contacts,
    purge_contacts,
    purge_hallucination_logs,
)
from switchboard.store.sql import SqlStore

log = logging.getLogger("switchboard.audit.privacy")


class ErasureReport(BaseModel):
    """What an erasure or a purge removed (counts, never the data)."""

    contacts: list[str] = Field(default_factory=list)
    messages: int = 0
    contact_rows: int = 0
    hallucination_logs: int = 0
    events_tombstoned: int = 0
    events_deleted: int = 0
    routing_rows: int = 0
    summary_files: int = 0
    recordings: int = 0
    s3_objects: int = 0
    skipped_active: list[str] = Field(default_factory=list)


class VerifyReport(BaseModel):
    """The result of ``switchboard audit verify``: every chain, then the anchors."""

    ok: bool
    contacts_checked: int
    events_checked: int
    chain_failures: list[ChainReport] = Field(default_factory=list)
    anchor_problems: list[AnchorProblem] = Field(default_factory=list)


class PrivacyService:
    """Erase, purge, verify and anchor (module docstring).

    Args:
        settings: ``retention``, ``summaries``, ``crypto`` sections are read.
        store: the SQL store (with its envelope and index key).
        s3: a boto3 S3 client for the summary bucket; None builds one when a
            bucket is configured.
        audit_s3: an :class:`~switchboard.aws.s3.S3AuditSink` whose objects are
            erased too (the Lambda deployment's audit bucket), or None.
    """

    def __init__(
        self, settings: Settings, store: SqlStore, *, s3: Any = None, audit_s3: Any = None
    ) -> None:
        self.settings = settings
        self.store = store
        self.routing = RoutingStore.for_store(store)
        self.anchors = AnchorLog(settings.retention.anchor_file, load_signing_key(settings.crypto))
        self._s3 = s3
        self._audit_s3 = audit_s3

    # -- erasure -------------------------------------------------------------------

    def contacts_for_customer(self, endpoint: str) -> list[str]:
        """Contact ids of the customer reached at ``endpoint`` (phone number or address)."""
        ref = customer_ref(self.store.index_key, endpoint)
        return [] if ref is None else contacts_of_customer(self.store, ref)

    def erase(self, *, customer: str | None = None, contact_id: str | None = None) -> ErasureReport:
        """Erase every contact of ``customer`` (or the one ``contact_id``) everywhere.

        Active contacts are skipped (listed in ``skipped_active``): end them first.

        Raises:
            InputError: neither or both of ``customer`` and ``contact_id`` given.
            switchboard.errors.StoreError: the database failed (that contact is unchanged).
        """
        if (customer is None) == (contact_id is None):
            raise InputError("give exactly one of customer or contact_id")
        ids = self.contacts_for_customer(customer) if customer else [str(contact_id)]
        report = ErasureReport()
        for cid in ids:
            try:
                contact = self.store.get_contact(cid)
            except InputError:
                contact = None  # the row is gone already: still erase what is left elsewhere
            if contact is not None and contact.ended_at is None:
                report.skipped_active.append(cid)
                continue
            counts = erase_contact_rows(self.store, cid)
            self._add(report, counts)
            self._erase_outside(cid, report)
        log.info(
            "erasure done",
            extra={
                "event_type": "erasure",
                "data": report.model_dump(exclude={"contacts"}) | {"contact_ids": report.contacts},
            },
        )
        return report

    def _erase_outside(self, contact_id: str, report: ErasureReport) -> None:
        """Routing rows, summary files and objects, recordings of one contact."""
        with self.routing.begin() as conn:
            report.routing_rows += self.routing.erase_contact(conn, contact_id)
        report.summary_files += _remove(self._summary_files(contact_id))
        report.recordings += _remove(self._recordings(contact_id))
        report.s3_objects += self._delete_summary_objects([contact_id])
        if self._audit_s3 is not None:
            report.s3_objects += int(self._audit_s3.erase_contact(contact_id))

    @staticmethod
    def _add(report: ErasureReport, counts: EraseCounts) -> None:
        """Add database counts to ``report``."""
        for key, value in asdict(counts).items():
            if key == "contacts":
                report.contacts.extend(value)
            elif key != "heads":
                setattr(report, key, getattr(report, key) + value)

    # -- retention -----------------------------------------------------------------

    def purge(self, now: datetime | None = None) -> ErasureReport:
        """Delete what is past its retention period (``retention`` settings); return the counts.

        Raises:
            switchboard.errors.StoreError: the database failed.
            OSError: the anchor file cannot be written.
        """
        now = now or datetime.now(UTC)
        cfg = self.settings.retention
        report = ErasureReport()
        if cfg.transcripts_days:
            ids = expired_contacts(self.store, now - timedelta(days=cfg.transcripts_days))
            counts = purge_contacts(self.store, ids)
            if counts.heads:
                self.anchors.append("purge", counts.heads)
            self._add(report, counts)
            for cid in ids:
                with self.routing.begin() as conn:
                    report.routing_rows += self.routing.erase_contact(conn, cid)
                report.summary_files += _remove(self._summary_files(cid))
                report.recordings += _remove(self._recordings(cid))
        if cfg.hallucination_logs_days:
            cutoff = now - timedelta(days=cfg.hallucination_logs_days)
            report.hallucination_logs += purge_hallucination_logs(self.store, cutoff)
        report.hallucination_logs += self.store.purge_expired_hallucination_logs(now)
        if cfg.summaries_days:
            report.summary_files += _remove(
                _older(self._summary_dir_files(), now - timedelta(days=cfg.summaries_days))
            )
            report.s3_objects += self._purge_summary_objects(
                now - timedelta(days=cfg.summaries_days)
            )
        if cfg.recordings_days:
            report.recordings += _remove(
                _older(_children(cfg.recordings_dir), now - timedelta(days=cfg.recordings_days))
            )
        log.info(
            "retention purge done",
            extra={
                "event_type": "retention_purge",
                "data": report.model_dump(exclude={"contacts"}),
            },
        )
        return report

    # -- audit ---------------------------------------------------------------------

    def anchor(self) -> int:
        """Write a signed anchor of the chain heads that changed; return how many contacts.

        Raises:
            OSError: the anchor file cannot be written.
        """
        return write_anchor(self.anchors, chain_heads(self.store))

    def verify(self, contact_id: str | None = None) -> VerifyReport:
        """Verify every contact's chain (or one) and the anchors.

        Raises:
            switchboard.errors.StoreError: the events could not be read.
        """
        ids = [contact_id] if contact_id else event_contact_ids(self.store)
        failures: list[ChainReport] = []
        events = 0
        for cid in ids:
            chain = verify_chain(self.store, cid)
            events += chain.events_checked
            if not chain.ok:
                failures.append(chain)
        problems = verify_anchors(self.anchors, self.store, contact_id)
        return VerifyReport(
            ok=not failures and not problems,
            contacts_checked=len(ids),
            events_checked=events,
            chain_failures=failures,
            anchor_problems=problems,
        )

    # -- files and objects ------------------------------------------------------------

    def _summary_dir_files(self) -> list[Path]:
        """Every file in the summary export directory."""
        directory = self.settings.summaries.directory
        return _children(directory) if directory is not None else []

    def _summary_files(self, contact_id: str) -> list[Path]:
        """The summary file(s) of one contact."""
        name = _safe_name(contact_id)
        return [p for p in self._summary_dir_files() if p.name.startswith(name)]

    def _recordings(self, contact_id: str) -> list[Path]:
        """Recordings (files or directories) of one contact."""
        return [
            p
            for p in _children(self.settings.retention.recordings_dir)
            if p.name.startswith(contact_id)
        ]

    def _s3_client(self) -> Any:
        """The S3 client for the summary bucket (None when no bucket is configured)."""
        if not self.settings.summaries.s3_bucket:
            return None
        if self._s3 is None:
            import boto3

            self._s3 = boto3.client("s3")
        return self._s3

    def _delete_summary_objects(self, contact_ids: list[str]) -> int:
        """Delete the S3 summary objects of these contacts; return how many."""
        client = self._s3_client()
        if client is None:
            return 0
        cfg = self.settings.summaries
        for cid in contact_ids:
            client.delete_object(Bucket=cfg.s3_bucket, Key=f"{cfg.s3_prefix}{_safe_name(cid)}.json")
        return len(contact_ids)

    def _purge_summary_objects(self, cutoff: datetime) -> int:
        """Delete S3 summary objects last modified before ``cutoff``; return how many."""
        client = self._s3_client()
        if client is None:
            return 0
        cfg = self.settings.summaries
        count = 0
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=cfg.s3_bucket, Prefix=cfg.s3_prefix
        ):
            for obj in page.get("Contents", []):
                if obj["LastModified"] < cutoff:
                    client.delete_object(Bucket=cfg.s3_bucket, Key=obj["Key"])
                    count += 1
        return count


def _safe_name(contact_id: str) -> str:
    """The summary sinks' file/key name of a contact (``analytics.summary_sinks``)."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in contact_id)[:128] or "contact"


def _children(directory: Path | None) -> list[Path]:
    """The entries of ``directory`` ([] when it does not exist)."""
    if directory is None or not directory.is_dir():
        return []
    return sorted(directory.iterdir())


def _older(paths: list[Path], cutoff: datetime) -> list[Path]:
    """The paths last modified before ``cutoff``."""
    stamp = cutoff.timestamp()
    return [p for p in paths if p.stat().st_mtime < stamp]


def _remove(paths: list[Path]) -> int:
    """Delete files and directories; return how many were removed."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    return len(paths)
