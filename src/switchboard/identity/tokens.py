"""Bearer tokens: staff sessions, per-contact customer tokens, OIDC (RS256 via JWKS).

=================  =========  ============================  =====================
token              alg        ``aud``                       made by
=================  =========  ============================  =====================
staff session      HS256      ``switchboard-staff``         ``POST /v1/auth/login``
customer contact   HS256      ``switchboard-contact``       ``POST /v1/contacts``
OIDC staff         RS256      ``oidc_audience``             an IdP (Cognito...)
=================  =========  ============================  =====================

Staff tokens carry ``sub`` (the user name), ``role``, ``iat``, ``exp``
(``access_token_ttl_s``, 15 minutes by default). A contact token's ``sub``
is the contact id. OIDC tokens are checked against the provider's JWKS
(``PyJWKClient``, keys cached), its issuer and audience; the role is the
highest of ours named in ``oidc_role_claim`` (a list or a string).

The HS256 secret is ``SWITCHBOARD_IDENTITY__SECRET``; unset, a random
development secret is generated once into ``var/dev-identity-secret``
(mode 0600). Browsers cannot set headers on a WebSocket, so sockets also
take the token as the subprotocols ``["bearer", "<jwt>"]``
(:func:`token_from_handshake`).
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Mapping
from typing import Any

import jwt

from switchboard.config import IdentitySettings
from switchboard.identity.errors import AuthenticationError, PermissionDeniedError
from switchboard.identity.roles import Principal, Role

logger = logging.getLogger(__name__)

STAFF_AUDIENCE = "switchboard-staff"
CONTACT_AUDIENCE = "switchboard-contact"
#: Subprotocol a browser sends before its token (``Sec-WebSocket-Protocol``).
BEARER_SUBPROTOCOL = "bearer"
#: Our roles from the most to the least powerful (an OIDC user gets the first it holds).
_RANK = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)
_LOCAL_ALGORITHM = "HS256"
_JWKS_CLIENTS: dict[str, jwt.PyJWKClient] = {}


def persisted_secret(configured: str | None, path: os.PathLike[str] | str) -> str:
    """Return ``configured`` when set, else the secret kept in ``path`` (created once, 0600).

    Raises:
        OSError: the file cannot be written (read-only checkout).
    """
    if configured:
        return configured
    file = os.fspath(path)
    if os.path.exists(file):
        with open(file, encoding="utf-8") as handle:
            value = handle.read().strip()
        if value:
            return value
    os.makedirs(os.path.dirname(file) or ".", exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    logger.warning("identity: generated a development token secret in %s", file)
    return value


def jwks_client(url: str) -> jwt.PyJWKClient:
    """The (process-wide, key-caching) JWKS client of ``url``."""
    client = _JWKS_CLIENTS.get(url)
    if client is None:
        client = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)
        _JWKS_CLIENTS[url] = client
    return client


def verify_rs256(
    token: str, jwks_url: str, *, audience: str | None, issuer: str | None, leeway: int
) -> dict[str, Any]:
    """Verify an RS256 token against the keys at ``jwks_url`` (blocking: fetches keys once).

    Returns:
        The token's claims.

    Raises:
        AuthenticationError: unknown key, bad signature, expired, wrong issuer or audience.
    """
    try:
        key = jwks_client(jwks_url).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=audience,
            issuer=issuer,
            leeway=leeway,
            options={"require": ["exp", "sub"], "verify_aud": audience is not None},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("the token has expired") from None
    except jwt.PyJWKClientError as exc:
        raise AuthenticationError(f"the token's signing key is unknown ({exc})") from None
    except jwt.InvalidTokenError as exc:
        raise AuthenticationError(f"invalid token ({type(exc).__name__})") from None
    return claims


def token_alg(token: str) -> str:
    """The ``alg`` of a token's header (unverified).

    Raises:
        AuthenticationError: not a JWT.
    """
    try:
        return str(jwt.get_unverified_header(token).get("alg", ""))
    except jwt.InvalidTokenError:
        raise AuthenticationError("the bearer token is not a JWT") from None


class TokenService:
    """Issue and verify the tokens of the module table.

    Args:
        settings: the identity settings (secret, lifetimes, OIDC provider).
    """

    def __init__(self, settings: IdentitySettings) -> None:
        self.settings = settings
        configured = settings.secret.get_secret_value() if settings.secret else None
        self._secret = persisted_secret(configured, settings.dev_secret_file)

    def issue_staff(self, username: str, role: Role) -> tuple[str, int]:
        """A staff session token for ``username`` → ``(token, lifetime in seconds)``."""
        ttl = self.settings.access_token_ttl_s
        return self._sign(STAFF_AUDIENCE, username, ttl, role=role.value), ttl

    def issue_contact(self, contact_id: str) -> str:
        """The customer's token for one contact (``sub`` = contact id)."""
        return self._sign(CONTACT_AUDIENCE, contact_id, self.settings.contact_token_ttl_s)

    def _sign(self, audience: str, subject: str, ttl: int, **extra: str) -> str:
        now = int(time.time())
        claims = {"sub": subject, "aud": audience, "iat": now, "exp": now + ttl, **extra}
        return jwt.encode(claims, self._secret, algorithm=_LOCAL_ALGORITHM)

    def verify(self, token: str) -> Principal:
        """Who holds ``token`` (blocking for OIDC tokens: keys may be fetched).

        Raises:
            AuthenticationError: the token does not verify.
            PermissionDeniedError: an OIDC token that names none of our roles.
        """
        alg = token_alg(token)
        if alg == _LOCAL_ALGORITHM:
            return self._verify_local(token)
        if alg == "RS256" and self.settings.oidc_jwks_url:
            return self._verify_oidc(token, self.settings.oidc_jwks_url)
        raise AuthenticationError(f"tokens signed with {alg or 'no algorithm'} are not accepted")

    def _verify_local(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_LOCAL_ALGORITHM],
                audience=[STAFF_AUDIENCE, CONTACT_AUDIENCE],
                leeway=self.settings.leeway_s,
                options={"require": ["exp", "iat", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("the token has expired; sign in again") from None
        except jwt.InvalidAudienceError:
            raise AuthenticationError("the token is not for this service") from None
        except jwt.InvalidTokenError as exc:
            raise AuthenticationError(f"invalid token ({type(exc).__name__})") from None
        subject = str(claims["sub"])
        if claims["aud"] == CONTACT_AUDIENCE:
            return Principal(Role.CUSTOMER, subject, contact_id=subject)
        try:
            role = Role(str(claims.get("role", "")))
        except ValueError:
            raise AuthenticationError("the token names no role") from None
        if role is Role.CUSTOMER:
            raise AuthenticationError("a staff token cannot hold the customer role")
        return Principal(role, subject, username=subject)

    def _verify_oidc(self, token: str, url: str) -> Principal:
        s = self.settings
        claims = verify_rs256(
            token, url, audience=s.oidc_audience, issuer=s.oidc_issuer, leeway=s.leeway_s
        )
        role = oidc_role(claims, s.oidc_role_claim)
        if role is None:
            raise PermissionDeniedError(
                f"the identity provider gave this user no switchboard role ({s.oidc_role_claim})"
            )
        name = str(claims.get(s.oidc_username_claim) or claims["sub"])
        return Principal(role, str(claims["sub"]), username=name, issuer="oidc")


def oidc_role(claims: Mapping[str, Any], claim: str) -> Role | None:
    """The highest of our staff roles named in ``claims[claim]`` (list or space-separated)."""
    raw = claims.get(claim)
    names = set(raw.split()) if isinstance(raw, str) else {str(x) for x in raw or ()}
    return next((r for r in _RANK if r.value in names), None)


def token_from_handshake(
    headers: Mapping[str, str], query: Mapping[str, str]
) -> tuple[str | None, str | None]:
    """Find a bearer token in a request or WebSocket handshake.

    Args:
        headers: request headers with lower-case names.
        query: query parameters (``token`` is read last: URLs end up in logs).

    Returns:
        ``(token, subprotocol to accept)``: the subprotocol is ``"bearer"`` when
        the token came in ``Sec-WebSocket-Protocol`` (the server must echo it).
    """
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None, None
    protocols = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")]
    if len(protocols) >= 2 and protocols[0] == BEARER_SUBPROTOCOL and protocols[1]:
        return protocols[1], BEARER_SUBPROTOCOL
    return query.get("token") or None, None
