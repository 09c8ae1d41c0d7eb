"""JWT bearer auth for the voice sockets (seed 4 "Security Architecture").

Seed 4: "WebSocket connection includes auth token; backend validates token
before establishing connection". Tokens are HS256 JWTs (PyJWT) with ``sub``
(who), ``aud`` (``switchboard-voice``), ``iat`` and ``exp``.

Where a client puts the token, in the order they are read:

1. ``Authorization: Bearer <jwt>`` header (servers, gateways, test clients);
2. the WebSocket subprotocols ``["bearer", "<jwt>"]`` (browsers cannot set
   headers on a WebSocket, but ``new WebSocket(url, ["bearer", jwt])`` sends
   them in ``Sec-WebSocket-Protocol``; the server then accepts ``bearer``);
3. a ``token`` query parameter (last resort: URLs end up in logs);
4. Twilio only: ``start.customParameters.token`` (TwiML ``<Parameter>``;
   Twilio's ``<Stream url>`` takes no query string).

With ``SWITCHBOARD_AUTH__JWKS_URL`` set, RS256 tokens signed by a key of that
JWKS (an identity provider's; ``SWITCHBOARD_AUTH__ISSUER`` checked when set)
are accepted too, with the same audience (issue 13).

The secret is ``SWITCHBOARD_AUTH__JWT_SECRET``. When unset, a random development
secret is generated once and kept in ``var/dev-jwt-secret`` (mode 0600), so the
token ``make run`` prints keeps working across restarts; never use that in
production.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from typing import Any

import jwt

from switchboard.config import AuthSettings
from switchboard.errors import InputError
from switchboard.identity.errors import AuthenticationError
from switchboard.identity.roles import Role
from switchboard.identity.tokens import CONTACT_AUDIENCE, TokenService, token_alg, verify_rs256

logger = logging.getLogger(__name__)

#: Subprotocol name a browser sends before its token (``Sec-WebSocket-Protocol``).
BEARER_SUBPROTOCOL = "bearer"
#: Application close code for a missing or bad token (4000-4999 are free, RFC 6455 §7.4.2).
CLOSE_UNAUTHORIZED = 4401


class AuthError(InputError):
    """A voice socket was opened without a valid token."""

    code = "unauthorized"


def resolve_secret(settings: AuthSettings) -> str:
    """Return the signing secret: the configured one, else the persisted dev secret.

    Raises:
        OSError: the dev secret file cannot be written (read-only checkout).
    """
    if settings.jwt_secret is not None and settings.jwt_secret.get_secret_value():
        return settings.jwt_secret.get_secret_value()
    path = settings.dev_secret_file
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    logger.warning("voice auth: generated a development JWT secret in %s", path)
    return value


def issue_token(
    settings: AuthSettings,
    subject: str,
    *,
    ttl_s: int | None = None,
    extra: dict[str, str] | None = None,
) -> str:
    """Sign a token for ``subject`` valid ``ttl_s`` seconds (default: the dev token's).

    ``extra``: more claims (e.g. ``contact_id``, the contact a Twilio stream continues);
    they cannot override ``sub``, ``aud``, ``iat`` or ``exp``.
    """
    now = int(time.time())
    claims: dict[str, object] = dict(extra or {})
    claims.update({
        "sub": subject,
        "aud": settings.audience,
        "iat": now,
        "exp": now + (ttl_s if ttl_s is not None else settings.dev_token_ttl_s),
    })
    return jwt.encode(claims, resolve_secret(settings), algorithm=settings.algorithm)


def verify_token(
    settings: AuthSettings, token: str | None, contacts: TokenService | None = None
) -> dict[str, Any]:
    """Check a token's signature, audience and times; return its claims.

    HS256 tokens are checked with the shared secret; RS256 ones against
    ``settings.jwks_url`` when it is set (blocking: the keys are fetched once
    and cached). With ``contacts``, a customer's per-contact token from
    ``POST /v1/contacts`` is accepted too: its claims then carry ``contact_id``,
    the contact the call continues (issue 13).

    Raises:
        AuthError: missing, malformed, expired, wrong audience or bad signature
            (the message says which, never echoing the token).
    """
    if not token:
        raise AuthError("a bearer token is required (see the voice docs for where to put it)")
    if contacts is not None and _audience(token) == CONTACT_AUDIENCE:
        try:
            who = contacts.verify(token)
        except AuthenticationError as exc:
            raise AuthError(exc.message) from None
        if who.role is not Role.CUSTOMER or who.contact_id is None:
            raise AuthError("not a contact token")
        return {"sub": who.contact_id, "contact_id": who.contact_id}
    if settings.jwks_url:
        try:
            if token_alg(token) == "RS256":
                return verify_rs256(
                    token,
                    settings.jwks_url,
                    audience=settings.audience,
                    issuer=settings.issuer,
                    leeway=settings.leeway_s,
                )
        except AuthenticationError as exc:
            raise AuthError(exc.message) from None
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            resolve_secret(settings),
            algorithms=[settings.algorithm],
            audience=settings.audience,
            leeway=settings.leeway_s,
            options={"require": ["exp", "iat", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("the token has expired") from None
    except jwt.InvalidAudienceError:
        raise AuthError("the token is not for the voice service") from None
    except jwt.InvalidTokenError as exc:
        raise AuthError(f"invalid token ({type(exc).__name__})") from None
    return claims


def _audience(token: str) -> str | None:
    """The unverified ``aud`` of a token (only to pick the verifier), or None."""
    try:
        aud = jwt.decode(token, options={"verify_signature": False}).get("aud")
    except jwt.InvalidTokenError:
        return None
    return aud if isinstance(aud, str) else None


def token_from_request(
    headers: dict[str, str], query: dict[str, str]
) -> tuple[str | None, str | None]:
    """Find a token in a WebSocket handshake.

    Args:
        headers: request headers, lower-case names.
        query: query parameters.

    Returns:
        ``(token, subprotocol to accept)``; the subprotocol is ``"bearer"`` when the
        token came in ``Sec-WebSocket-Protocol`` (the server must echo it), else None.
    """
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), None
    protocols = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")]
    if len(protocols) >= 2 and protocols[0] == BEARER_SUBPROTOCOL and protocols[1]:
        return protocols[1], BEARER_SUBPROTOCOL
    token = query.get("token")
    return (token or None), None
