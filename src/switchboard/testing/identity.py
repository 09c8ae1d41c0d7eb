"""Test helpers for the identity room: real users, real tokens (no bypass).

``staff_headers(settings, "supervisor")`` creates the user in the app's own
database (``users`` table, argon2 hash) when missing and returns the
``Authorization`` header of a token signed with the app's secret, so a test
goes through exactly the checks a signed-in browser does.
"""

from __future__ import annotations

import secrets

from switchboard.config import Settings
from switchboard.identity import Role, TokenService, UserDirectory


def ensure_user(settings: Settings, username: str, role: Role | str) -> None:
    """Create ``username`` with ``role`` (random password) unless it exists."""
    from switchboard.store.sql import SqlStore

    store = SqlStore(settings.database_url)
    try:
        users = UserDirectory(store.engine)
        if users.get(username) is None:
            users.add(username, role, secrets.token_urlsafe(16))
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
