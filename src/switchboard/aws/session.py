"""The contact's state carried in Lex V2 session attributes, and the store it is loaded into.

Why session attributes: a Lambda container keeps nothing that another
container can see, and Lex may send the three turns of one conversation to
three containers. Amazon Lex V2 keeps ``sessionState.sessionAttributes``
(a ``str → str`` map, Lex V2 "Setting session attributes") for the whole
session and hands it to the code hook on every turn, so the contact's
dialogue state and history travel with the conversation itself: no table
read or write on the turn path, nothing to expire or clean up.

Two attributes hold it:

* ``conversation_history`` (seed 2 "Conversation History Model"): a JSON
  list of ``{"role", "content"[, "route"]}``, the last 20 messages, each
  cut to ``message_chars``; customer messages are already PII-redacted by
  the turn loop.
* ``switchboard_state``: JSON ``{"v", "contact": {...}, "state": {...},
  "audit_head"}`` — the contact (id, locale, channel, status, created_at),
  ``Contact.state`` (dialogue slots, pending question, the loop's counters)
  and the hash of the contact's last audit event, so the tamper-evident
  chain continues across containers.

Bound: Amazon Lex allows 12 KB of session attributes in a Lambda response
(Lex quotas: "The maximum output size is 25 KB, of which 12 KB can be
session attributes"; the runtime API caps session and request attributes
at 12 KB as well). :func:`encode_session` keeps *all* attributes — ours and
whatever the contact flow set — under ``budget_bytes`` (10,000 by default)
by dropping the oldest history messages first.

:class:`SessionStore` is the ``ports.Store`` (and audit ``ChainStore``) of a
Lambda container: it holds one contact at a time, loaded from the session
attributes before the turn and read back after it. Events and hallucination
logs leave the container through callbacks (S3, DynamoDB).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from switchboard.audit.records import EventRecord
from switchboard.domain.types import (
    Channel,
    Contact,
    ContactStatus,
    Event,
    HallucinationLog,
    Locale,
    Message,
    Role,
    Route,
    utcnow,
)
from switchboard.errors import InputError, UnknownContactError

log = logging.getLogger("switchboard.aws.session")

ATTR_HISTORY = "conversation_history"
"""Seed 2's session attribute for the conversation history (JSON list)."""
ATTR_STATE = "switchboard_state"
"""The contact, its dialogue state and audit chain head (JSON object)."""
STATE_VERSION = 1
_SESSION_ID = re.compile(r"[0-9a-zA-Z._:-]{2,100}")
LEX_SESSION_ATTRIBUTES_MAX_BYTES = 12 * 1024
"""Lex: at most 12 KB of session attributes in a code hook response."""


def attributes_size(attrs: Mapping[str, str]) -> int:
    """Return the UTF-8 size in bytes of ``attrs`` as Lex receives it (a JSON object)."""
    return len(json.dumps(dict(attrs), ensure_ascii=False, separators=(",", ":")).encode())


def _dumps(obj: Any) -> str:
    return json.dumps(
        to_jsonable_python(obj, serialize_unknown=True), ensure_ascii=False, separators=(",", ":")
    )


@dataclass
class SessionSnapshot:
    """What a conversation carries between Lambda invocations.

    Attributes:
        contact: the contact with its ``state``.
        history: messages, oldest first.
        audit_head: hash of the contact's last audit event (None before the first).
        problems: why parts of the attributes were ignored (malformed input), for the log.
    """

    contact: Contact
    history: list[Message] = field(default_factory=list)
    audit_head: str | None = None
    problems: list[str] = field(default_factory=list)


def _message_to_json(m: Message, max_chars: int) -> dict[str, str]:
    content = m.content if len(m.content) <= max_chars else m.content[: max_chars - 1] + "…"
    item = {"role": m.role.value, "content": content}
    if m.route is not None:
        item["route"] = m.route.value
    return item


def _history_from_json(raw: str, problems: list[str]) -> list[Message]:
    try:
        items = json.loads(raw)
    except ValueError:
        problems.append(f"{ATTR_HISTORY}: not JSON")
        return []
    if not isinstance(items, list):
        problems.append(f"{ATTR_HISTORY}: not a list")
        return []
    history: list[Message] = []
    for item in items:
        try:
            route = item.get("route")
            history.append(
                Message(
                    role=Role(item["role"]),
                    content=str(item["content"]),
                    route=Route(route) if route else None,
                )
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            problems.append(f"{ATTR_HISTORY}: skipped a malformed message")
    return history


def decode_session(
    attrs: Mapping[str, Any],
    *,
    session_id: str,
    locale: Locale,
    channel: Channel,
) -> SessionSnapshot:
    """Rebuild the contact and its history from Lex session attributes.

    Never raises on malformed attributes (seed 2 "Session Attribute Parse
    Error: initialize new session"): a broken ``switchboard_state`` starts a
    fresh contact *but keeps the history*, a broken history message is
    skipped; each is listed in ``problems``.

    Args:
        attrs: ``sessionState.sessionAttributes`` (values should be strings).
        session_id: the Lex ``sessionId``; it becomes the contact id.
        locale: the locale of this invocation (``bot.localeId``).
        channel: ``voice`` for speech/DTMF input, ``chat`` for text.

    Returns:
        The snapshot; ``contact.state`` is empty for a new conversation.
    """
    problems: list[str] = []
    history: list[Message] = []
    raw_history = attrs.get(ATTR_HISTORY)
    if isinstance(raw_history, str) and raw_history:
        history = _history_from_json(raw_history, problems)
    contact = Contact(contact_id=session_id, channel=channel, locale=locale)
    audit_head: str | None = None
    raw_state = attrs.get(ATTR_STATE)
    if isinstance(raw_state, str) and raw_state:
        try:
            blob = json.loads(raw_state)
            if not isinstance(blob, dict) or blob.get("v") != STATE_VERSION:
                raise ValueError("unknown state version")
            meta = blob.get("contact") or {}
            state = blob.get("state") or {}
            if not isinstance(state, dict):
                raise ValueError("state is not an object")
            contact = Contact(
                contact_id=session_id,
                channel=Channel(meta.get("channel", channel.value)),
                locale=locale,
                status=ContactStatus(meta.get("status", ContactStatus.ACTIVE.value)),
                created_at=datetime.fromisoformat(meta["created_at"])
                if meta.get("created_at")
                else utcnow(),
                state=state,
            )
            head = blob.get("audit_head")
            audit_head = head if isinstance(head, str) else None
        except (ValueError, TypeError, KeyError, ValidationError) as exc:
            problems.append(f"{ATTR_STATE}: {type(exc).__name__}; starting a fresh dialogue state")
    return SessionSnapshot(
        contact=contact, history=history, audit_head=audit_head, problems=problems
    )


def encode_session(
    snapshot: SessionSnapshot,
    *,
    base: Mapping[str, str],
    extra: Mapping[str, str] | None = None,
    history_messages: int = 20,
    message_chars: int = 600,
    budget_bytes: int = 10_000,
) -> dict[str, str]:
    """Write the snapshot into session attributes, bounded in size.

    Args:
        snapshot: the contact, its history and audit head after the turn.
        base: the session attributes received (the contact flow's are kept).
        extra: attributes to set on top (e.g. the handover attributes).
        history_messages: most messages kept (seed 2: 20).
        message_chars: longest message kept; longer ones are cut with "…".
        budget_bytes: UTF-8 size every attribute together may take.

    Returns:
        The new ``sessionAttributes`` (``str → str``). Oldest history
        messages are dropped until the whole map fits; if even no history
        does not fit (the flow's own attributes are too large), the map is
        returned without history and the overflow is logged.
    """
    attrs = {str(k): v for k, v in base.items() if isinstance(v, str)}
    attrs.update(extra or {})
    c = snapshot.contact
    attrs[ATTR_STATE] = _dumps(
        {
            "v": STATE_VERSION,
            "contact": {
                "channel": c.channel.value,
                "status": c.status.value,
                "created_at": c.created_at.isoformat(),
            },
            "state": c.state,
            "audit_head": snapshot.audit_head,
        }
    )
    items = [_message_to_json(m, message_chars) for m in snapshot.history[-history_messages:]]
    while True:
        attrs[ATTR_HISTORY] = _dumps(items)
        size = attributes_size(attrs)
        if size <= budget_bytes or not items:
            break
        items = items[1:] if len(items) > 1 else []
    if size > budget_bytes:
        log.warning(
            "session attributes over budget",
            extra={"data": {"bytes": size, "budget": budget_bytes, "keys": len(attrs)}},
        )
    return attrs


class SessionStore:
    """``ports.Store`` and audit ``ChainStore`` of one Lambda container.

    It holds the one contact being served: :meth:`load` puts the snapshot
    from the session attributes in place (dropping any earlier contact),
    the turn loop reads and writes it, :meth:`snapshot` reads it back.
    Chained event records are kept until :meth:`drain_events`.

    Args:
        on_hallucination_log: called with every hallucination-log row (e.g.
            ``HallucinationLogTable.put``); rows are also kept in memory
            until the next :meth:`load`.
    """

    def __init__(
        self, on_hallucination_log: Callable[[HallucinationLog], None] | None = None
    ) -> None:
        self._on_log = on_hallucination_log
        self._contacts: dict[str, Contact] = {}
        self._messages: dict[str, list[Message]] = {}
        self._records: dict[str, list[EventRecord]] = {}
        self._heads: dict[str, str | None] = {}
        self._logs: list[HallucinationLog] = []
        self._listeners: list[Callable[[], None]] = []

    # -- loading and reading back ----------------------------------------------------

    def load(self, snapshot: SessionSnapshot) -> None:
        """Make ``snapshot`` the contact this container serves (forgetting any other)."""
        cid = snapshot.contact.contact_id
        self._contacts = {cid: snapshot.contact.model_copy(deep=True)}
        self._messages = {cid: list(snapshot.history)}
        self._records = {cid: []}
        self._heads = {cid: snapshot.audit_head}
        self._logs = []

    def snapshot(self, contact_id: str) -> SessionSnapshot:
        """Return the contact, its history and audit head as they are now.

        Raises:
            UnknownContactError: the contact is not loaded.
        """
        return SessionSnapshot(
            contact=self.get_contact(contact_id),
            history=list(self._messages.get(contact_id, [])),
            audit_head=self._heads.get(contact_id),
        )

    def drain_events(self, contact_id: str) -> list[EventRecord]:
        """Return and forget the contact's event records written since the last drain."""
        records = self._records.get(contact_id, [])
        self._records[contact_id] = []
        return records

    # -- ports.Store -------------------------------------------------------------------

    def create_contact(self, contact: Contact) -> Contact:
        """Serve ``contact`` from now on (a new conversation)."""
        self.load(SessionSnapshot(contact=contact))
        return contact

    def get_contact(self, contact_id: str) -> Contact:
        """Return a copy of the loaded contact. Raises UnknownContactError otherwise."""
        try:
            return self._contacts[contact_id].model_copy(deep=True)
        except KeyError:
            raise UnknownContactError(f"contact {contact_id} is not loaded") from None

    def update_contact(self, contact: Contact) -> None:
        """Replace the loaded contact's status, state and end time."""
        if contact.contact_id not in self._contacts:
            raise UnknownContactError(f"contact {contact.contact_id} is not loaded")
        self._contacts[contact.contact_id] = contact.model_copy(deep=True)

    def add_message(self, contact_id: str, message: Message) -> None:
        """Append ``message`` to the loaded contact's history."""
        if contact_id not in self._contacts:
            raise UnknownContactError(f"contact {contact_id} is not loaded")
        self._messages[contact_id].append(message)

    def recent_messages(self, contact_id: str, limit: int) -> list[Message]:
        """Return the last ``limit`` messages, oldest first."""
        return list(self._messages.get(contact_id, [])[-limit:]) if limit > 0 else []

    def add_event(self, event: Event) -> None:
        """Store one unchained event."""
        self.add_event_records([EventRecord(event=event)])

    def events(self, contact_id: str) -> list[Event]:
        """Return the events written since the last drain."""
        return [r.event for r in self._records.get(contact_id, [])]

    def add_hallucination_log(self, log_row: HallucinationLog) -> None:
        """Keep the row and pass it to ``on_hallucination_log``."""
        self._logs.append(log_row)
        if self._on_log is not None:
            self._on_log(log_row)

    def hallucination_logs(self, session_id: str | None = None) -> list[HallucinationLog]:
        """Return the rows written since the last load."""
        return [r for r in self._logs if session_id is None or r.session_id == session_id]

    # -- audit ChainStore ----------------------------------------------------------------

    def add_event_records(self, records: Sequence[EventRecord]) -> None:
        """Keep records in order, numbering them per contact; chained ones move the head."""
        for record in records:
            cid = record.event.contact_id
            kept = self._records.setdefault(cid, [])
            kept.append(
                EventRecord(
                    event=record.event,
                    prev_hash=record.prev_hash,
                    hash=record.hash,
                    seq=len(kept) + 1,
                )
            )
            if record.hash is not None:
                self._heads[cid] = record.hash

    def event_records(self, contact_id: str) -> list[EventRecord]:
        """Return the records written since the last drain."""
        return list(self._records.get(contact_id, []))

    def last_event_hash(self, contact_id: str) -> str | None:
        """Return the chain head: carried in from the session, then moved by each write."""
        return self._heads.get(contact_id)

    def add_rollback_listener(self, listener: Callable[[], None]) -> None:
        """Record ``listener``; this store has no transactions, so it is never called."""
        self._listeners.append(listener)


def check_session_id(value: Any) -> str:
    """Return a usable contact id from a Lex ``sessionId``.

    Raises:
        InputError: missing, not a string, or not 2..100 characters of
            ``[0-9a-zA-Z._:-]`` (Lex V2 runtime service model, ``SessionId``).
    """
    if not isinstance(value, str) or not _SESSION_ID.fullmatch(value):
        raise InputError("sessionId must be 2 to 100 characters of [0-9a-zA-Z._:-]")
    return value
