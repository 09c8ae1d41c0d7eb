"""Identity and roles (issue 13): users, passwords, tokens, and who may do what.

* :class:`Role` / :class:`Principal`: the four roles (customer, agent,
  supervisor, admin) and the authenticated caller of one request or socket.
* :class:`UserDirectory`: the ``users`` table (argon2 hashes via ``pwdlib``).
* :class:`TokenService`: short-lived HS256 staff tokens, per-contact customer
  tokens, and RS256 tokens of an OIDC provider checked against its JWKS.
* :class:`SecurityAudit`: every refusal as an ``access_denied`` audit event.

This room sits with the adapters (it owns a table); the API and the voice
transports use it, and it imports neither.
"""

from switchboard.identity.audit import SECURITY_CHAIN, SecurityAudit
from switchboard.identity.errors import AuthenticationError, PermissionDeniedError
from switchboard.identity.roles import STAFF_ROLES, Principal, Role
from switchboard.identity.tokens import (
    BEARER_SUBPROTOCOL,
    CONTACT_AUDIENCE,
    STAFF_AUDIENCE,
    TokenService,
    token_from_handshake,
)
from switchboard.identity.users import User, UserDirectory

__all__ = [
    "BEARER_SUBPROTOCOL",
    "CONTACT_AUDIENCE",
    "SECURITY_CHAIN",
    "STAFF_AUDIENCE",
    "STAFF_ROLES",
    "AuthenticationError",
    "PermissionDeniedError",
    "Principal",
    "Role",
    "SecurityAudit",
    "TokenService",
    "User",
    "UserDirectory",
    "token_from_handshake",
]
