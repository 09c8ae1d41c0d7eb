"""Users, passwords and tokens (issue 13): argon2 hashes, staff/contact tokens, OIDC via JWKS.

The OIDC provider is real enough: an RSA key made here, its public half served
as a JWKS by a loopback HTTP server, tokens signed RS256 with the private half.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from switchboard.config import AuthSettings, IdentitySettings
from switchboard.errors import InputError
from switchboard.identity import (
    AuthenticationError,
    PermissionDeniedError,
    Role,
    TokenService,
    UserDirectory,
    token_from_handshake,
)
from switchboard.voice.transports.auth import AuthError, verify_token


@pytest.fixture
def users(tmp_path: Path) -> UserDirectory:
    return UserDirectory(create_engine(f"sqlite:///{tmp_path / 'users.db'}"))


def test_passwords_are_stored_as_argon2id_hashes_only(users: UserDirectory) -> None:
    users.add("alice", "agent", "a long enough password")
    with users.engine.begin() as conn:
        stored = conn.execute(text("select password_hash from users")).scalar_one()
    assert stored.startswith("$argon2id$") and "a long enough password" not in stored
    user = users.authenticate("alice", "a long enough password")
    assert user is not None and user.role is Role.AGENT
    assert users.authenticate("alice", "wrong password!") is None
    assert users.authenticate("nobody", "a long enough password") is None


def test_disabled_users_cannot_sign_in_and_bad_input_is_refused(users: UserDirectory) -> None:
    users.add("sue", Role.SUPERVISOR, "supervisor-password")
    users.set_disabled("sue")
    assert users.authenticate("sue", "supervisor-password") is None
    assert users.get("sue") is not None and users.get("sue").disabled  # type: ignore[union-attr]
    users.set_disabled("sue", False)
    assert users.authenticate("sue", "supervisor-password") is not None
    for name, role, password, message in [
        ("sue", "agent", "another password", "exists"),
        ("bad name", "agent", "long enough pw", "user name"),
        ("carl", "customer", "long enough pw", "role"),
        ("carl", "agent", "short", "password"),
    ]:
        with pytest.raises(InputError, match=message):
            users.add(name, role, password)
    with pytest.raises(InputError, match="no user"):
        users.set_disabled("ghost")


@pytest.fixture
def tokens(tmp_path: Path) -> TokenService:
    return TokenService(IdentitySettings(dev_secret_file=tmp_path / "secret"))


def test_staff_and_contact_tokens_name_their_holder(tokens: TokenService) -> None:
    staff, ttl = tokens.issue_staff("sue", Role.SUPERVISOR)
    who = tokens.verify(staff)
    assert (who.role, who.username, ttl) == (Role.SUPERVISOR, "sue", 900)
    customer = tokens.verify(tokens.issue_contact("c-42"))
    assert (customer.role, customer.contact_id, customer.username) == (Role.CUSTOMER, "c-42", None)


def test_forged_expired_and_foreign_tokens_are_refused(tokens: TokenService) -> None:
    now = int(time.time())
    claims = {"sub": "eve", "aud": "switchboard-staff", "role": "admin", "iat": now}
    for token, message in [
        (jwt.encode({**claims, "exp": now + 60}, "not-our-secret-" * 3, "HS256"), "Signature"),
        (tokens._sign("switchboard-staff", "eve", -120, role="admin"), "expired"),
        (jwt.encode({**claims, "aud": "x", "exp": now + 60}, tokens._secret, "HS256"), "not for"),
        (jwt.encode({**claims, "exp": now + 60}, None, "none"), "none"),
        ("garbage", "not a JWT"),
    ]:
        with pytest.raises(AuthenticationError, match=message):
            tokens.verify(token)


def test_tokens_are_found_in_headers_subprotocols_and_query() -> None:
    assert token_from_handshake({"authorization": "Bearer abc"}, {}) == ("abc", None)
    assert token_from_handshake({"sec-websocket-protocol": "bearer, xyz"}, {}) == (
        "xyz",
        "bearer",
    )
    assert token_from_handshake({}, {"token": "q"}) == ("q", None)
    assert token_from_handshake({}, {}) == (None, None)


class JwksServer:
    """An identity provider's JWKS endpoint on loopback, with its signing key."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        body = json.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]})

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/.well-known/jwks.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def sign(self, key: Any = None, **claims: Any) -> str:
        now = int(time.time())
        base = {"iss": "https://idp.test", "iat": now, "exp": now + 300}
        return jwt.encode({**base, **claims}, key or self.key, "RS256", headers={"kid": "k1"})


@pytest.fixture(scope="module")
def idp() -> Iterator[JwksServer]:
    server = JwksServer()
    yield server
    server.httpd.shutdown()


def test_oidc_tokens_verify_against_the_jwks(idp: JwksServer, tmp_path: Path) -> None:
    settings = IdentitySettings(
        dev_secret_file=tmp_path / "s",
        oidc_jwks_url=idp.url,
        oidc_issuer="https://idp.test",
        oidc_audience="switchboard",
        oidc_role_claim="cognito:groups",
        oidc_username_claim="cognito:username",
    )
    tokens = TokenService(settings)
    good = idp.sign(
        sub="u-1",
        aud="switchboard",
        **{"cognito:groups": ["agent", "supervisor"], "cognito:username": "sue"},
    )
    who = tokens.verify(good)
    assert (who.role, who.username, who.issuer) == (Role.SUPERVISOR, "sue", "oidc")
    with pytest.raises(PermissionDeniedError, match="no switchboard role"):
        tokens.verify(idp.sign(sub="u-2", aud="switchboard", **{"cognito:groups": ["staff"]}))
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for token, message in [
        (idp.sign(other_key, sub="u", aud="switchboard"), "Signature"),
        (idp.sign(sub="u", aud="someone-else"), "Audience"),
        (idp.sign(sub="u", aud="switchboard", iss="https://evil.test"), "Issuer"),
        (idp.sign(sub="u", aud="switchboard", exp=int(time.time()) - 600), "expired"),
    ]:
        with pytest.raises(AuthenticationError, match=message):
            tokens.verify(token)


def test_rs256_voice_tokens_from_the_jwks(idp: JwksServer, tmp_path: Path) -> None:
    auth = AuthSettings(jwt_secret=SecretStr("v" * 40), jwks_url=idp.url, issuer="https://idp.test")
    claims = verify_token(auth, idp.sign(sub="caller-1", aud="switchboard-voice"))
    assert claims["sub"] == "caller-1"
    with pytest.raises(AuthError, match="Audience"):
        verify_token(auth, idp.sign(sub="caller-1", aud="switchboard-staff"))
    without_jwks = AuthSettings(jwt_secret=SecretStr("v" * 40))
    with pytest.raises(AuthError):
        verify_token(without_jwks, idp.sign(sub="caller-1", aud="switchboard-voice"))


def test_users_cli_adds_lists_and_disables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from switchboard.cli import build_cli

    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    cli, runner = build_cli(), CliRunner()
    added = runner.invoke(
        cli, ["users", "add", "ada", "--role", "admin", "--password-stdin"], input="ada-password\n"
    )
    assert added.exit_code == 0, added.output
    assert "added ada (admin)" in added.output
    again = runner.invoke(cli, ["users", "add", "ada", "--password-stdin"], input="x" * 12 + "\n")
    assert again.exit_code == 2 and "exists" in again.output
    listed = runner.invoke(cli, ["users", "list", "--json"])
    (row,) = [json.loads(line) for line in listed.output.splitlines()]
    assert row["username"] == "ada" and row["role"] == "admin" and not row["disabled"]
    assert "hash" not in listed.output
    assert runner.invoke(cli, ["users", "disable", "ada"]).exit_code == 0
    assert "\tdisabled" in runner.invoke(cli, ["users", "list"]).output
    assert runner.invoke(cli, ["users", "disable", "ghost"]).exit_code == 2


def test_dev_admin_is_created_once_and_its_password_printed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from switchboard.cli import _ensure_dev_admin
    from switchboard.config import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'dev.db'}")
    _ensure_dev_admin(settings)
    first = capsys.readouterr().out
    assert "dev admin created" in first
    password = first.split("password: ")[1].split()[0]
    _ensure_dev_admin(settings)
    assert password not in capsys.readouterr().out  # printed once only
    users = UserDirectory(create_engine(settings.database_url))
    assert users.authenticate("admin", password) is not None
