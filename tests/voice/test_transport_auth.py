"""JWT auth of the voice sockets: the token functions, and sockets refusing bad tokens."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest
from pydantic import SecretStr
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from switchboard.config import AuthSettings
from switchboard.voice.transports.auth import (
    AuthError,
    issue_token,
    resolve_secret,
    token_from_request,
    verify_token,
)


@pytest.fixture
def auth(tmp_path: Path) -> AuthSettings:
    return AuthSettings(jwt_secret=SecretStr("s" * 40), dev_secret_file=tmp_path / "unused")


def test_issued_token_verifies_with_its_claims(auth: AuthSettings) -> None:
    claims = verify_token(auth, issue_token(auth, "agent-7", ttl_s=60))
    assert claims["sub"] == "agent-7"
    assert claims["aud"] == "switchboard-voice"
    assert 55 <= claims["exp"] - claims["iat"] <= 60


@pytest.mark.parametrize(
    ("token_of", "message"),
    [
        (lambda a: None, "required"),
        (lambda a: "not-a-jwt", "invalid token"),
        (lambda a: issue_token(a, "x", ttl_s=-120), "expired"),
        (
            lambda a: jwt.encode(
                {"sub": "x", "aud": "other", "iat": int(time.time()), "exp": int(time.time()) + 60},
                "s" * 40,
                algorithm="HS256",
            ),
            "not for the voice service",
        ),
        (
            lambda a: jwt.encode(
                {"sub": "x", "aud": a.audience, "iat": int(time.time()), "exp": 2**31},
                "another secret of enough length 12345",
                algorithm="HS256",
            ),
            "InvalidSignatureError",
        ),
        (
            lambda a: jwt.encode({"aud": a.audience, "exp": 2**31}, "s" * 40, algorithm="HS256"),
            "MissingRequiredClaimError",
        ),
    ],
)
def test_bad_tokens_are_refused_with_a_reason(auth: AuthSettings, token_of, message: str) -> None:  # type: ignore[no-untyped-def]
    token = token_of(auth)
    with pytest.raises(AuthError, match=message) as caught:
        verify_token(auth, token)
    if token:
        assert token not in caught.value.message  # never echo the token


def test_dev_secret_is_generated_once_and_private(tmp_path: Path) -> None:
    settings = AuthSettings(dev_secret_file=tmp_path / "var" / "dev-jwt-secret")
    first = resolve_secret(settings)
    assert len(first) >= 48
    assert resolve_secret(settings) == first  # kept across restarts
    assert (settings.dev_secret_file.stat().st_mode & 0o777) == 0o600
    assert verify_token(settings, issue_token(settings, "dev"))["sub"] == "dev"


def test_token_places_in_the_handshake() -> None:
    assert token_from_request({"authorization": "Bearer abc"}, {}) == ("abc", None)
    assert token_from_request({"sec-websocket-protocol": "bearer, abc"}, {}) == ("abc", "bearer")
    assert token_from_request({}, {"token": "abc"}) == ("abc", None)
    assert token_from_request({"sec-websocket-protocol": "chat"}, {}) == (None, None)


@pytest.mark.e2e
@pytest.mark.parametrize("path", ["/v1/voice", "/connect/call-1"])
def test_sockets_refuse_a_missing_or_bad_token_with_4401(voice_server, path: str) -> None:  # type: ignore[no-untyped-def]
    for headers in ({}, {"Authorization": "Bearer nope"}):
        with connect(voice_server.ws_url + path, additional_headers=headers) as ws:
            frame = json.loads(ws.recv(timeout=30))
            assert frame["type"] == "error" and frame["code"] == "unauthorized"
            assert frame["fatal"] is True
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=30)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


@pytest.mark.e2e
def test_browser_subprotocol_token_is_accepted(voice_server) -> None:  # type: ignore[no-untyped-def]
    with connect(
        voice_server.ws_url + "/v1/voice", subprotocols=["bearer", voice_server.token]
    ) as ws:
        assert ws.subprotocol == "bearer"
        frame = json.loads(ws.recv(timeout=120))
        assert frame["type"] in {"ready", "error"}
        assert frame.get("code") != "unauthorized"


def test_serve_prints_a_working_dev_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from switchboard.cli import _print_dev_token
    from switchboard.config import Settings

    settings = Settings(auth=AuthSettings(dev_secret_file=tmp_path / "dev-jwt-secret"))
    _print_dev_token(settings, "http://127.0.0.1:8000")
    out = capsys.readouterr().out
    url = next(line for line in out.splitlines() if line.startswith("voice page:"))
    token = url.split("#token=", 1)[1]
    assert url.startswith("voice page: http://127.0.0.1:8000/voice#token=")
    assert verify_token(settings.auth, token)["sub"] == "dev"

    configured = Settings(auth=AuthSettings(jwt_secret=SecretStr("x" * 40)))
    _print_dev_token(configured, "http://127.0.0.1:8000")
    assert "#token=" not in capsys.readouterr().out  # never print a production token
