"""Sign-in over HTTP (issue 13): an admin adds a user, who signs in; disabling ends the session."""

from __future__ import annotations

import httpx

from .conftest import World


def test_admin_adds_a_user_who_signs_in_until_disabled(world: World) -> None:
    with httpx.Client(base_url=world.http_url, timeout=60) as http:
        admin = world.headers("admin")
        created = http.post(
            "/v1/users",
            json={"username": "carol", "role": "agent", "password": "carol-password-1"},
            headers=admin,
        )
        assert created.status_code == 201, created.text
        assert "password" not in created.text and "hash" not in created.text
        clash = http.post(
            "/v1/users",
            json={"username": "carol", "role": "agent", "password": "carol-password-1"},
            headers=admin,
        )
        assert clash.status_code == 409 and clash.json()["error"]["code"] == "user_exists"

        wrong = http.post("/v1/auth/login", json={"username": "carol", "password": "nope-nope"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthorized"
        login = http.post(
            "/v1/auth/login", json={"username": "carol", "password": "carol-password-1"}
        )
        assert login.status_code == 200, login.text
        session = login.json()
        assert session["role"] == "agent" and session["token_type"] == "bearer"
        assert session["expires_in"] == 900
        carol = {"Authorization": f"Bearer {session['access_token']}"}
        me = http.get("/v1/auth/me", headers=carol).json()
        assert me == {"username": "carol", "role": "agent", "issuer": "local"}
        assert http.get("/v1/queues", headers=carol).status_code == 200
        assert http.get("/v1/users", headers=carol).status_code == 403

        listed = {u["username"]: u for u in http.get("/v1/users", headers=admin).json()}
        assert listed["carol"]["role"] == "agent" and not listed["carol"]["disabled"]
        assert http.post("/v1/users/carol/disable", headers=admin).json()["disabled"] is True
        assert http.get("/v1/queues", headers=carol).status_code == 401  # at once
        again = http.post(
            "/v1/auth/login", json={"username": "carol", "password": "carol-password-1"}
        )
        assert again.status_code == 401
        assert http.post("/v1/users/carol/enable", headers=admin).json()["disabled"] is False
        assert http.get("/v1/queues", headers=carol).status_code == 200

        shown = http.get("/v1/settings", headers=admin).json()
        assert shown["identity"]["secret"] == "**********"
        assert shown["identity"]["metrics_token"] == "**********"
