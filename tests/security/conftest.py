"""One real app for the security tests: SQLite in a tmp dir, queues open 24x7.

``world`` holds the principals of the role matrix with real tokens: two
customers (contact tokens from ``POST /v1/contacts``), an agent the first
contact is assigned to (by a real handover and the desk's dispatch), another
agent, a supervisor, an admin, and the metrics scraper token.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from switchboard.config import AuthSettings, IdentitySettings, RoutingSettings, Settings
from switchboard.testing.identity import bearer, staff_token
from switchboard.testing.live import LiveApp

METRICS_TOKEN = "metrics-scraper-token-for-tests-0123456789"
TO_HUMAN = "I want to speak to a person"


@dataclass
class World:
    """The live app and the credentials of every principal of the matrix."""

    http_url: str
    ws_url: str
    settings: Settings
    tokens: dict[str, str | None] = field(default_factory=dict)
    contact_id: str = ""
    other_contact_id: str = ""
    agent_id: str = ""
    other_agent_id: str = ""

    def headers(self, who: str) -> dict[str, str]:
        token = self.tokens[who]
        return bearer(token) if token else {}


def security_settings(tmp: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp / 'switchboard.db'}",
        log_json=False,
        log_level="WARNING",
        routing=RoutingSettings(hours="always"),
        identity=IdentitySettings(
            secret=SecretStr("identity-secret-for-tests-" + "x" * 24),
            metrics_token=SecretStr(METRICS_TOKEN),
        ),
        auth=AuthSettings(jwt_secret=SecretStr("voice-secret-for-tests-" + "y" * 24)),
    )


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from switchboard.api import create_app

    settings = security_settings(tmp_path_factory.mktemp("security-db"))
    with (
        LiveApp(create_app(settings)) as live,
        httpx.Client(base_url=live.http_url, timeout=60) as http,
    ):
        w = World(live.http_url, live.ws_url, settings)
        first = http.post("/v1/contacts", json={}).json()
        second = http.post("/v1/contacts", json={}).json()
        w.contact_id, w.other_contact_id = first["contact_id"], second["contact_id"]
        w.tokens = {
            "anonymous": None,
            "customer": first["contact_token"],
            "other_customer": second["contact_token"],
            "agent": staff_token(settings, "agent", "alice"),
            "other_agent": staff_token(settings, "agent", "bob"),
            "supervisor": staff_token(settings, "supervisor", "sue"),
            "admin": staff_token(settings, "admin", "ada"),
            "metrics": METRICS_TOKEN,
        }
        w.agent_id = _desk(http, w, "agent", available=True)
        w.other_agent_id = _desk(http, w, "other_agent", available=False)
        said = http.post(
            f"/v1/contacts/{w.contact_id}/messages",
            json={"text": TO_HUMAN},
            headers=w.headers("customer"),
        )
        assert said.status_code == 200, said.text
        _wait_assigned(http, w)
        yield w


def _desk(http: httpx.Client, w: World, who: str, *, available: bool) -> str:
    agent = http.post("/v1/agents", json={}, headers=w.headers(who))
    assert agent.status_code == 200, agent.text
    agent_id = str(agent.json()["agent_id"])
    if available:
        done = http.post(
            f"/v1/agents/{agent_id}/status",
            json={"status": "available"},
            headers=w.headers(who),
        )
        assert done.status_code == 200, done.text
    return agent_id


def _wait_assigned(http: httpx.Client, w: World) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        view = http.get(f"/v1/contacts/{w.contact_id}", headers=w.headers("agent"))
        if view.status_code == 200:
            return
        time.sleep(0.2)
    pytest.fail("the handed-over contact was never assigned to the agent")
