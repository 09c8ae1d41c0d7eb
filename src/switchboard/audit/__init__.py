"""Audit: PII redaction, structured JSON logs, the event sink and its hash chain.

* :func:`redact` / :func:`redact_data` / :func:`mask_endpoint`: PII placeholders.
* :func:`configure_logging` / :func:`bind_contact`: JSON log lines, redacted.
* :class:`AuditSink`: ``ports.EventSink`` that redacts, logs and stores events
  on a per-contact SHA-256 chain; :func:`verify_chain` checks that chain.
"""

from switchboard.audit.chain import ChainReport, canonical_json, event_hash, verify_chain
from switchboard.audit.logs import (
    RedactionFilter,
    SwitchboardJsonFormatter,
    bind_contact,
    configure_logging,
)
from switchboard.audit.records import ChainStore, EventRecord
from switchboard.audit.redact import mask_endpoint, redact, redact_data
from switchboard.audit.sink import AUDIT_LOGGER, AuditSink

__all__ = [
    "AUDIT_LOGGER",
    "AuditSink",
    "ChainReport",
    "ChainStore",
    "EventRecord",
    "RedactionFilter",
    "SwitchboardJsonFormatter",
    "bind_contact",
    "canonical_json",
    "configure_logging",
    "event_hash",
    "mask_endpoint",
    "redact",
    "redact_data",
    "verify_chain",
]
