"""Refusals as audit events (issue 13: "every refusal is ... an audit event").

:class:`SecurityAudit` writes one ``access_denied`` event per 401/403 through
an :class:`~switchboard.audit.AuditSink` of its own on the conversation store:
redacted, logged on ``switchboard.audit`` and stored on the ``security`` hash
chain (:data:`SECURITY_CHAIN`), so refusals are tamper-evident like contact
events yet never enter a contact's chain, the metrics or the supervisor board.
"""

from __future__ import annotations

from switchboard.audit import AuditSink
from switchboard.domain.types import Event, EventType, Source
from switchboard.ports import Store

#: The chain (``contact_id`` of the events) that holds every refusal.
SECURITY_CHAIN = "security"


class SecurityAudit:
    """Record refusals (never raises: ``AuditSink.emit`` does not).

    Args:
        store: the conversation store (a ``SqlStore`` chains the events).
    """

    def __init__(self, store: Store) -> None:
        self.sink = AuditSink(store)

    def denied(
        self,
        *,
        status: int,
        method: str,
        path: str,
        reason: str,
        role: str = "",
        subject: str = "",
        client: str = "",
    ) -> Event:
        """Write (and return) one ``access_denied`` event."""
        event = Event(
            contact_id=SECURITY_CHAIN,
            type=EventType.ACCESS_DENIED,
            source=Source.SYSTEM,
            data={
                "status": status,
                "method": method,
                "path": path[:512],
                "role": role,
                "subject": subject[:128],
                "client": client,
                "reason": reason[:256],
            },
        )
        self.sink.emit(event)
        return event

    def close(self) -> None:
        """Store anything queued."""
        self.sink.close()
