"""Test helpers for the identity room: real users, real tokens (no bypass).

``staff_headers(settings, "supervisor")`` creates the user in the app's own
database (``users`` table, argon2 hash) when missing and returns the
``Authorization`` header of a token signed with the app's secret, so a test
goes through exactly the checks a signed-in browser does.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Generator

import httpx

from switchboard.config import Settings
from switchboard.identity import Role, TokenService, UserDirectory


def ensure_user(
    settings: Settings, username: str, role: Role | str, password: str | None = None
) -> None:
    """Create ``username`` with ``role`` unless it exists (random password unless given)."""
    from switchboard.store.sql import SqlStore

    store = SqlStore(settings.database_url)
    try:
        users = UserDirectory(store.engine)
        if users.get(username) is None:
            users.add(username, role, password or secrets.token_urlsafe(16))
    finally:
        store.close()


def staff_token(settings: Settings, role: Role | str, username: str | None = None) -> str:
    """A staff bearer token for ``username`` (default: the role's name), user created if new."""
    role = Role(role)
    name = username or f"test-{role.value}"
    ensure_user(settings, name, role)
    token, _ = TokenService(settings.identity).issue_staff(name, role)
    return token


def staff_headers(
    settings: Settings, role: Role | str, username: str | None = None
) -> dict[str, str]:
    """``{"Authorization": "Bearer <staff token>"}``."""
    return {"Authorization": f"Bearer {staff_token(settings, role, username)}"}


def bearer(token: str) -> dict[str, str]:
    """``{"Authorization": "Bearer <token>"}`` (e.g. a contact token)."""
    return {"Authorization": f"Bearer {token}"}


def bearer_subprotocols(token: str) -> list[str]:
    """The WebSocket subprotocols a browser sends its token in."""
    return ["bearer", token]


#: Customer routes: the contact's own token is what opens them.
_CUSTOMER_PATH = re.compile(r"^/v1/contacts/([^/]+)/(messages|callback|end)$")


class ContactAndStaffAuth(httpx.Auth):
    """httpx auth for a test that plays customers and a staff member on one client.

    Customer routes (``/messages``, ``/callback``, ``/end``) of a contact whose
    token was :meth:`remember`-ed go with that contact token; everything else
    with the staff token. Nothing is bypassed: the server checks every token.
    """

    def __init__(self, staff: str) -> None:
        self.staff = staff
        self.contacts: dict[str, str] = {}

    def remember(self, started: dict[str, object]) -> str:
        """Keep the token of a ``POST /v1/contacts`` answer; return the contact id."""
        contact_id = str(started["contact_id"])
        self.contacts[contact_id] = str(started["contact_token"])
        return contact_id

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Set ``Authorization`` for ``request`` (see the class doc)."""
        match = _CUSTOMER_PATH.match(request.url.path)
        token = self.contacts.get(match.group(1)) if match else None
        request.headers["Authorization"] = f"Bearer {token or self.staff}"
        yield request


def app_staff_headers(
    app: object, role: Role | str, username: str | None = None
) -> dict[str, str]:
    """Staff headers for a running app (after its lifespan), on the app's own user store.

    For apps over an in-memory database that no second connection can reach.

    Raises:
        RuntimeError: the app's lifespan has not run (no service, or no SQL store).
    """
    state = getattr(app, "state", None)
    engine = getattr(getattr(getattr(state, "service", None), "store", None), "engine", None)
    if state is None or engine is None:
        raise RuntimeError("start the app first (TestClient as a context manager)")
    role = Role(role)
    name = username or f"test-{role.value}"
    users = UserDirectory(engine)
    if users.get(name) is None:
        users.add(name, role, secrets.token_urlsafe(16))
    token, _ = TokenService(state.settings.identity).issue_staff(name, role)
    return {"Authorization": f"Bearer {token}"}
