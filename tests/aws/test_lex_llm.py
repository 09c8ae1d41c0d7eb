"""The Lex code hook driving an LLM brain: history carried in session attributes reaches the model.

Three containers, one turn each, against the scripted OpenAI-compatible
server (switchboard.testing.chat_server): the model on the third container
must receive the whole dialogue, rebuilt from the session attributes alone.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from switchboard.aws.lex import LexCodeHook
from switchboard.aws.session import SessionStore
from switchboard.aws.settings import AwsSettings
from switchboard.compose import build_service
from switchboard.config import Settings
from switchboard.testing.chat_server import ChatServer, Fail
from switchboard.testing.scripted_llm import BankerScript

from .lex_contract import assert_valid_lex_response
from .test_lex_handler import event_with

EXAMPLE_1 = ("Hi, I want to open an account", "Checking account", "Online would be easier")


def openai_settings(monkeypatch: pytest.MonkeyPatch, server: ChatServer) -> Settings:
    monkeypatch.setenv("SWITCHBOARD_BRAIN", "openai")
    monkeypatch.setenv("SWITCHBOARD_BRAIN_FALLBACK", "")
    monkeypatch.setenv("SWITCHBOARD_OPENAI__BASE_URL", server.base_url)
    monkeypatch.setenv("SWITCHBOARD_OPENAI__MODEL", "scripted-banker")
    monkeypatch.setenv("SWITCHBOARD_OPENAI__MAX_RETRIES", "0")
    monkeypatch.setenv("SWITCHBOARD_OPENAI__TIMEOUT_S", "5")
    return Settings(database_url="sqlite://")


async def container(settings: Settings, router: Any) -> LexCodeHook:
    store = SessionStore()
    svc = await build_service(settings, store=store, router=router)
    return LexCodeHook(svc, store, AwsSettings())


async def test_example_1_over_openai_across_three_containers(
    monkeypatch: pytest.MonkeyPatch, router: Any
) -> None:
    with ChatServer(BankerScript()) as server:
        settings = openai_settings(monkeypatch, server)
        hooks = [await container(settings, router) for _ in range(3)]
        attrs: dict[str, str] = {}
        replies = []
        try:
            for hook, line in zip(hooks, EXAMPLE_1, strict=True):
                assert hook.service.brain.name == "openai"
                resp = await hook.handle(event_with(line, attrs, sessionId="llm-1"), 30_000)
                assert_valid_lex_response(resp)
                assert resp["sessionState"]["dialogAction"]["type"] == "ElicitIntent"
                attrs = resp["sessionState"]["sessionAttributes"]
                replies.append(resp["messages"][0]["content"])
        finally:
            for hook in hooks:
                await hook.service.aclose()
    assert server.rejected == []
    last = server.requests[-1]["messages"]
    users = [m["content"] for m in last if m["role"] == "user"]
    assert users == list(EXAMPLE_1)  # container 3's model saw turns 1 and 2
    assert last[-1]["role"] == "tool"
    assert "proof of address" in replies[2].lower()
    state = json.loads(attrs["switchboard_state"])
    assert state["state"]["agent"]["tools_used"] == ["get_digital_account_opening_info"]


@pytest.mark.parametrize("fallback", ["", "local"])
async def test_provider_outage_through_lex(
    monkeypatch: pytest.MonkeyPatch, router: Any, fallback: str
) -> None:
    """Outage: the fallback brain answers (ElicitIntent), or the customer is handed over (Close)."""
    with ChatServer(lambda body: Fail(503)) as server:
        settings = openai_settings(monkeypatch, server)
        monkeypatch.setenv("SWITCHBOARD_BRAIN_FALLBACK", fallback)
        hook = await container(Settings(database_url="sqlite://"), router)
        try:
            ev = event_with("How do I open a checking account online?", sessionId="llm-2")
            resp = await hook.handle(ev, 30_000)
        finally:
            await hook.service.aclose()
    assert server.requests, "the openai brain was tried first"
    assert settings.brain == "openai"
    assert_valid_lex_response(resp)
    state = resp["sessionState"]
    if fallback:
        assert state["dialogAction"]["type"] == "ElicitIntent"
        assert "proof of address" in resp["messages"][0]["content"].lower()
    else:
        assert state["dialogAction"]["type"] == "Close"
        assert state["intent"]["name"] == "TransferToAgent"
        assert state["sessionAttributes"]["handover"] == "true"
