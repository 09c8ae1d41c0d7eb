"""Roles and the authenticated caller (:class:`Principal`).

=============  ===========================================================
role           may
=============  ===========================================================
customer       its own contact only (per-contact token from POST /v1/contacts)
agent          its own desk, queues, and the contacts assigned to it
supervisor     every live contact, the board, queues, metrics
admin          everything a supervisor may, plus users and settings
=============  ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Who a caller is on the contact center."""

    CUSTOMER = "customer"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


#: Roles a user row may hold (customers are never users: they hold contact tokens).
STAFF_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    """The verified caller of one request or socket.

    Attributes:
        role: the caller's role.
        subject: the token's ``sub`` (a username, an OIDC subject, or a contact id).
        username: staff: the user name (also the desk agent's name); None for customers.
        contact_id: customers: the one contact the token opens; None for staff.
        issuer: ``local`` (our HS256 tokens), ``oidc`` (an IdP's RS256 token) or
            ``metrics`` (the scraper token).
    """

    role: Role
    subject: str
    username: str | None = None
    contact_id: str | None = None
    issuer: str = "local"

    @property
    def is_staff(self) -> bool:
        """True for agents, supervisors and admins."""
        return self.role in STAFF_ROLES

    def at_least_supervisor(self) -> bool:
        """True for supervisors and admins (who see every live contact)."""
        return self.role in (Role.SUPERVISOR, Role.ADMIN)
