"""Who may call what: authentication and authorisation of every route and socket.

Every HTTP route in the OpenAPI and every WebSocket names a :class:`Rule`
(``tests/security/test_authz_matrix.py`` enumerates both and fails on a route
without one). A request carries a bearer token (``Authorization: Bearer``;
sockets may send the subprotocols ``["bearer", "<jwt>"]``, see
:mod:`switchboard.identity.tokens`):

* no or bad token → **401** (``unauthorized``), socket: ``error`` frame, close 4401;
* a token whose role/contact/agent the rule does not allow → **403**
  (``forbidden``), socket: close 4403.

Every refusal is also an ``access_denied`` audit event
(:class:`switchboard.identity.SecurityAudit`). Staff tokens are re-checked
against the ``users`` table on every request, so disabling a user takes
effect at once.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, WebSocket
from fastapi.requests import HTTPConnection
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from switchboard.config import Settings
from switchboard.identity import (
    AuthenticationError,
    PermissionDeniedError,
    Principal,
    Role,
    SecurityAudit,
    TokenService,
    UserDirectory,
    token_from_handshake,
)
from switchboard.ports import Store

#: Close codes of refused sockets (4000-4999 are the application's, RFC 6455 §7.4.2).
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403

#: OpenAPI security scheme: ``Authorization: Bearer <jwt>`` (auto_error off: we answer 401).
bearer_scheme = HTTPBearer(auto_error=False, description="staff or per-contact bearer token")

STAFF = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Rule:
    """Who may use one route or socket.

    Attributes:
        roles: roles allowed whatever the path names.
        own_contact: a customer whose token is for the path's ``contact_id``.
        assigned_contact: an agent the path's ``contact_id`` is assigned to now.
        own_agent: an agent (or admin) whose desk agent (same name) is the path's ``agent_id``.
        public: no token needed at all.
        metrics: the scraper token (``identity.metrics_token``) also opens it.
    """

    roles: frozenset[Role] = field(default_factory=frozenset)
    own_contact: bool = False
    assigned_contact: bool = False
    own_agent: bool = False
    public: bool = False
    metrics: bool = False


class IdentityRuntime:
    """The app's identity pieces: tokens, users, refusal audit (``app.state.identity``).

    Args:
        settings: the app's settings.
        store: the conversation store; a ``SqlStore`` holds the ``users`` table.
    """

    def __init__(self, settings: Settings, store: Store | None) -> None:
        self.settings = settings
        self.store = store
        self.tokens = TokenService(settings.identity)
        engine = getattr(store, "engine", None)
        self.users: UserDirectory | None = UserDirectory(engine) if engine is not None else None
        self.audit: SecurityAudit | None = SecurityAudit(store) if store is not None else None

    def close(self) -> None:
        """Store queued audit events."""
        if self.audit is not None:
            self.audit.close()


def identity_of(conn: HTTPConnection) -> IdentityRuntime:
    """The app's :class:`IdentityRuntime`, built on first use over the service's store.

    Synchronous (no await between the check and the assignment), so one event
    loop builds it once; a restarted service (a new lifespan) gets a new one.
    """
    state = conn.app.state
    runtime = getattr(state, "identity", None)
    service = getattr(state, "service", None)
    store = getattr(service, "store", None)
    if not isinstance(runtime, IdentityRuntime) or runtime.store is not store:
        runtime = IdentityRuntime(state.settings, store)
        state.identity = runtime
    return runtime


def client_ip(conn: HTTPConnection) -> str:
    """The peer address of a request or socket (``"?"`` when unknown)."""
    return conn.client.host if conn.client else "?"


async def principal_of(conn: HTTPConnection, token: str | None) -> Principal:
    """Verify ``token`` and return its holder (staff re-checked against ``users``).

    Raises:
        AuthenticationError: no token, a bad one, or a disabled/changed user.
        PermissionDeniedError: an OIDC user without any of our roles.
    """
    if not token:
        raise AuthenticationError("sign in: this needs a bearer token")
    identity = identity_of(conn)
    principal = await asyncio.to_thread(identity.tokens.verify, token)
    if principal.issuer == "local" and principal.is_staff:
        users = identity.users
        user = None if users is None else await asyncio.to_thread(users.get, principal.subject)
        if user is None or user.disabled or user.role is not principal.role:
            raise AuthenticationError("this user is disabled or changed; sign in again")
    return principal


async def _desk_agent_name(conn: HTTPConnection, agent_id: str) -> str | None:
    desk = getattr(conn.app.state, "desk", None)
    if desk is None:
        return None
    try:
        agent = await asyncio.to_thread(desk.engine.agent, agent_id)
    except Exception:  # unknown agent: not theirs (the route then says 404 to its owner)
        return None
    return str(agent.name)


async def _assigned_to(conn: HTTPConnection, contact_id: str, username: str) -> bool:
    desk = getattr(conn.app.state, "desk", None)
    if desk is None:
        return False
    assignment = await asyncio.to_thread(desk.engine.assignment_of_contact, contact_id)
    if assignment is None:
        return False
    return await _desk_agent_name(conn, assignment.agent_id) == username


async def allowed(rule: Rule, principal: Principal, conn: HTTPConnection) -> bool:
    """True when ``rule`` lets ``principal`` use this path (path params from ``conn``)."""
    if principal.role in rule.roles:
        return True
    params = conn.path_params
    contact_id = str(params.get("contact_id", ""))
    if rule.own_contact and principal.role is Role.CUSTOMER:
        return bool(contact_id) and secrets.compare_digest(principal.contact_id or "", contact_id)
    if principal.role not in (Role.AGENT, Role.ADMIN) or principal.username is None:
        return False
    if rule.assigned_contact and contact_id and principal.role is Role.AGENT:
        return await _assigned_to(conn, contact_id, principal.username)
    if rule.own_agent and "agent_id" in params:  # an admin may staff a desk of its own too
        return await _desk_agent_name(conn, str(params["agent_id"])) == principal.username
    return False


def _metrics_token_ok(conn: HTTPConnection, token: str | None) -> bool:
    configured = identity_of(conn).settings.identity.metrics_token
    if configured is None or not token:
        return False
    return secrets.compare_digest(token.encode(), configured.get_secret_value().encode())


async def authorize(conn: HTTPConnection, rule: Rule, token: str | None) -> Principal | None:
    """Apply ``rule`` to the caller of ``conn``; audit and raise on refusal.

    Returns:
        The principal (None for a public rule or the metrics scraper).

    Raises:
        AuthenticationError: 401 — no or bad credential.
        PermissionDeniedError: 403 — a good credential that the rule refuses.
    """
    if rule.public:
        return None
    if rule.metrics and _metrics_token_ok(conn, token):
        return None
    principal: Principal | None = None
    try:
        principal = await principal_of(conn, token)
        if not await allowed(rule, principal, conn):
            raise PermissionDeniedError(f"a {principal.role.value} may not use this")
    except (AuthenticationError, PermissionDeniedError) as exc:
        record_refusal(conn, exc, principal)
        raise
    return principal


def record_refusal(
    conn: HTTPConnection, exc: AuthenticationError | PermissionDeniedError, who: Principal | None
) -> None:
    """Write the ``access_denied`` audit event of one refusal."""
    audit = identity_of(conn).audit
    if audit is None:
        return
    method = conn.scope.get("method") or "WEBSOCKET"
    audit.denied(
        status=status_of(exc),
        method=str(method),
        path=conn.url.path,
        reason=exc.message,
        role=who.role.value if who else "",
        subject=(who.username or who.subject) if who and who.is_staff else "",
        client=client_ip(conn),
    )


def record_socket_refusal(conn: HTTPConnection, reason: str) -> None:
    """Audit a 401 of a socket that checks its own credential (the voice sockets)."""
    record_refusal(conn, AuthenticationError(reason), None)


def status_of(exc: AuthenticationError | PermissionDeniedError) -> int:
    """401 for authentication, 403 for permission."""
    if isinstance(exc, AuthenticationError):
        return int(HTTPStatus.UNAUTHORIZED)
    return int(HTTPStatus.FORBIDDEN)


def guard(rule: Rule) -> Any:
    """A FastAPI dependency enforcing ``rule`` on an HTTP route (yields the principal)."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    ) -> Principal | None:
        token = credentials.credentials if credentials else None
        try:
            return await authorize(request, rule, token)
        except (AuthenticationError, PermissionDeniedError) as exc:
            status = status_of(exc)
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            raise HTTPException(status, detail=exc.message, headers=headers) from None

    if rule.public:

        async def public() -> None:
            return None

        return Depends(public)
    return Depends(dependency)


async def accept_socket(websocket: WebSocket, rule: Rule) -> Principal | None:
    """Accept ``websocket`` and apply ``rule``; on refusal say why and close.

    A browser cannot read an HTTP status on a refused handshake, so the socket
    is accepted (echoing the ``bearer`` subprotocol when the token came in it),
    sent ``{"type": "error", "code": "unauthorized"|"forbidden", ...}`` and
    closed with 4401/4403.

    Returns:
        The principal, or None when the socket was refused and closed.
    """
    headers = {k.lower(): v for k, v in websocket.headers.items()}
    token, subprotocol = token_from_handshake(headers, dict(websocket.query_params))
    await websocket.accept(subprotocol=subprotocol)
    try:
        principal = await authorize(websocket, rule, token)
    except (AuthenticationError, PermissionDeniedError) as exc:
        code = CLOSE_UNAUTHORIZED if isinstance(exc, AuthenticationError) else CLOSE_FORBIDDEN
        try:
            await websocket.send_json(
                {"type": "error", "code": exc.code, "message": exc.message, "retryable": False}
            )
            await websocket.close(code=code, reason=exc.code)
        except (RuntimeError, OSError):
            pass
        return None
    return principal or Principal(Role.CUSTOMER, "anonymous")


# -- the rules of the product's routes (one place to read who may do what) ---------------

PUBLIC = Rule(public=True)
CUSTOMER_OWN = Rule(own_contact=True)
CONTACT_READ = Rule(roles=SUPERVISORS, own_contact=True, assigned_contact=True)
CONTACT_END = Rule(roles=SUPERVISORS, own_contact=True)
SUMMARY_READ = Rule(roles=SUPERVISORS, assigned_contact=True)
AGENT_SELF = Rule(roles=SUPERVISORS, own_agent=True)
DESK_SOCKET = Rule(own_agent=True)
#: The agent's microphone/speaker on a voice contact: only the agent it is assigned to now.
AGENT_AUDIO_SOCKET = Rule(assigned_contact=True)
DESK_SIGN_IN = Rule(roles=frozenset({Role.AGENT, Role.ADMIN}))
STAFF_ONLY = Rule(roles=STAFF)
SUPERVISOR_ONLY = Rule(roles=SUPERVISORS)
ADMIN_ONLY = Rule(roles=ADMINS)
METRICS = Rule(roles=SUPERVISORS, metrics=True)

# ``Annotated`` aliases (habit 5): a route names the rule as a parameter, ``_: StaffDep``.
PublicDep = Annotated[Principal | None, guard(PUBLIC)]
CustomerDep = Annotated[Principal | None, guard(CUSTOMER_OWN)]
ContactReadDep = Annotated[Principal | None, guard(CONTACT_READ)]
ContactEndDep = Annotated[Principal | None, guard(CONTACT_END)]
SummaryReadDep = Annotated[Principal | None, guard(SUMMARY_READ)]
AgentSelfDep = Annotated[Principal | None, guard(AGENT_SELF)]
DeskSignInDep = Annotated[Principal | None, guard(DESK_SIGN_IN)]
StaffDep = Annotated[Principal | None, guard(STAFF_ONLY)]
SupervisorDep = Annotated[Principal | None, guard(SUPERVISOR_ONLY)]
AdminDep = Annotated[Principal | None, guard(ADMIN_ONLY)]
MetricsDep = Annotated[Principal | None, guard(METRICS)]
