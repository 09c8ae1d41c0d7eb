"""Signed chain-head anchors kept outside the database (deleting the newest events is detected).

A hash chain alone cannot show that its newest events were deleted: the
shortened chain still verifies. Every ``anchor_interval_s`` the server (and
``switchboard audit anchor``) appends one line to the anchor file and writes
the same document on the ``switchboard.audit`` logger (the audit sink's JSON
log: CloudWatch on AWS)::

    {"v": 1, "kind": "anchor", "at": "2026-12-03T17:00:00.000000+00:00",
     "heads": {"<contact_id>": [<seq>, "<hash>"], ...},
     "prev": "<sha256 of the previous line>", "sig": "<base64 Ed25519 signature>"}

``heads`` lists the contacts whose chain head changed since the last anchor.
``kind: "purge"`` lines record contacts whose events the retention purge
deleted, so their anchored heads are no longer expected. The signature
(Ed25519, RFC 8032) covers the canonical JSON of every other field; ``prev``
chains the lines, so removing or editing a line in the middle is detected.

:func:`verify_anchors` checks the signatures and links, then that every
contact's latest anchored head is still in the database at its ``seq`` with
its hash. Events written after the last anchor are covered by the next one:
the window is the anchor interval. Truncating the anchor file's tail is not
visible from the file alone; the copies on the audit log are.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict

from switchboard.audit.chain import canonical_json
from switchboard.audit.records import ChainStore

AUDIT_LOGGER = "switchboard.audit"
#: A contact's chain head: (seq of its last event, that event's hash).
Head = tuple[int, str]


class AnchorProblem(BaseModel):
    """One finding of :func:`verify_anchors`.

    Attributes:
        reason: ``bad_signature``, ``broken_anchor_link``, ``malformed_anchor``
            (the anchor file was edited) or ``anchored_head_missing`` (events
            anchored earlier are gone or were changed).
        line: 1-based line of the anchor file, when the problem is in the file.
        contact_id / seq: the contact and the anchored event, for a missing head.
    """

    model_config = ConfigDict(frozen=True)

    reason: str
    line: int | None = None
    contact_id: str | None = None
    seq: int | None = None


class AnchorLog:
    """The append-only file of signed chain-head anchors (module docstring).

    Args:
        path: the JSON-lines file (created with its parents on first write).
        key: the Ed25519 private key that signs new lines.

    Thread-safe for appends within one process.
    """

    def __init__(self, path: Path, key: Ed25519PrivateKey) -> None:
        self.path = path
        self._key = key
        self.public_key: Ed25519PublicKey = key.public_key()
        self._lock = threading.Lock()
        self._logger = logging.getLogger(AUDIT_LOGGER)

    def _last_line_digest(self) -> str | None:
        """SHA-256 of the file's last line (None for an empty or missing file)."""
        if not self.path.exists():
            return None
        last = None
        with self.path.open("rb") as handle:
            for raw in handle:
                if raw.strip():
                    last = raw.strip()
        return None if last is None else hashlib.sha256(last).hexdigest()

    def append(self, kind: str, heads: Mapping[str, Head]) -> dict[str, Any]:
        """Sign and append one line; return its document (also logged on ``switchboard.audit``).

        Raises:
            OSError: the anchor file cannot be written.
        """
        with self._lock:
            body: dict[str, Any] = {
                "v": 1,
                "kind": kind,
                "at": datetime.now(UTC).isoformat(timespec="microseconds"),
                "heads": {cid: [seq, digest] for cid, (seq, digest) in sorted(heads.items())},
                "prev": self._last_line_digest(),
            }
            signature = self._key.sign(canonical_json(body).encode("utf-8"))
            body["sig"] = base64.b64encode(signature).decode("ascii")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(canonical_json(body) + "\n")
        self._logger.info(
            "audit anchor",
            extra={
                "event_type": "audit_anchor",
                "data": {k: body[k] for k in ("kind", "at", "prev", "sig")}
                | {"contacts": len(heads)},
            },
        )
        return body

    def read(self) -> tuple[list[dict[str, Any]], list[AnchorProblem]]:
        """Every line's document and the problems found in the file itself."""
        if not self.path.exists():
            return [], []
        docs: list[dict[str, Any]] = []
        problems: list[AnchorProblem] = []
        prev: str | None = None
        with self.path.open("rb") as handle:
            lines = [raw.strip() for raw in handle if raw.strip()]
        for number, raw in enumerate(lines, start=1):
            problem = self._check_line(raw, prev)
            prev = hashlib.sha256(raw).hexdigest()
            if problem is not None:
                problems.append(AnchorProblem(reason=problem, line=number))
                continue
            docs.append(json.loads(raw))
        return docs, problems

    def _check_line(self, raw: bytes, prev: str | None) -> str | None:
        """The problem of one line, or None when its link and signature hold."""
        try:
            doc = json.loads(raw)
            signature = base64.b64decode(doc.pop("sig"), validate=True)
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            return "malformed_anchor"
        if doc.get("prev") != prev:
            return "broken_anchor_link"
        try:
            self.public_key.verify(signature, canonical_json(doc).encode("utf-8"))
        except InvalidSignature:
            return "bad_signature"
        return None

    def anchored_heads(self, docs: Iterable[Mapping[str, Any]]) -> dict[str, Head]:
        """The latest anchored head of every contact not purged since."""
        heads: dict[str, Head] = {}
        for doc in docs:
            for cid, (seq, digest) in doc.get("heads", {}).items():
                if doc.get("kind") == "purge":
                    heads.pop(cid, None)
                else:
                    heads[cid] = (int(seq), str(digest))
        return heads


def write_anchor(log: AnchorLog, current: Mapping[str, Head]) -> int:
    """Anchor the heads in ``current`` that differ from the last anchored ones; return how many.

    ``current`` is every contact's head in the database
    (:func:`switchboard.store.privacy.chain_heads`). Nothing is written when
    nothing changed.

    Raises:
        OSError: the anchor file cannot be written.
    """
    docs, _ = log.read()
    anchored = log.anchored_heads(docs)
    changed = {cid: head for cid, head in current.items() if anchored.get(cid) != head}
    if changed:
        log.append("anchor", changed)
    return len(changed)


def verify_anchors(
    log: AnchorLog, store: ChainStore, contact_id: str | None = None
) -> list[AnchorProblem]:
    """Check the anchor file and that every anchored head is still in the database.

    Args:
        log: the anchor file.
        store: the chained store.
        contact_id: check only this contact's anchored head (the file is checked whole).

    Raises:
        switchboard.errors.StoreError: the events could not be read.
    """
    docs, problems = log.read()
    for cid, (seq, digest) in sorted(log.anchored_heads(docs).items()):
        if contact_id is not None and cid != contact_id:
            continue
        found = any(r.seq == seq and r.hash == digest for r in store.event_records(cid))
        if not found:
            problems.append(AnchorProblem(reason="anchored_head_missing", contact_id=cid, seq=seq))
    return problems
