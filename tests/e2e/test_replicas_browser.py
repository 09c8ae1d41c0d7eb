"""Issue 14 acceptance: two replicas behind nginx, a replica SIGKILLed mid-conversation.

A customer chats through the proxy (its socket lands on replica A), is handed over;
the agent's desk is connected through replica B; they talk; replica A is SIGKILLed;
the agent writes while the customer's socket is down; the customer's page
reconnects by itself (to B) and the conversation goes on with nothing lost and
nothing shown twice. Real processes (``switchboard serve`` ×2), real nginx, a
private Redis, PostgreSQL in a throw-away schema of this branch's database, and
Chromium with two browser contexts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from switchboard.config import Settings
from switchboard.testing.identity import ensure_user, staff_headers
from switchboard.testing.replicas import Rig, missing_tools, throwaway_schema

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium"),
    pytest.mark.skipif(bool(missing_tools()), reason=f"not installed: {missing_tools()}"),
]


@pytest.fixture(scope="module")
def rig(postgres_url: str) -> Iterator[Rig]:
    """Two replicas behind nginx on PostgreSQL (database sb_i14, a fresh schema)."""
    with throwaway_schema(postgres_url, "accept") as database_url:
        cluster = Rig(database_url=database_url, replicas=2)
        try:
            started = cluster.start()
            # The desk signs in (issue 13): the agent is a user of the replicas' database.
            ensure_user(Settings(database_url=database_url), "Alice", "agent", AGENT_PASSWORD)
            yield started
        finally:
            cluster.stop()


#: The desk agent's password (a user made in the replicas' database).
AGENT_PASSWORD = "alice-has-a-long-password"


def watch_frames(page: Page, path_part: str) -> list[dict[str, Any]]:
    """Every JSON frame the page receives on sockets whose URL contains ``path_part``."""
    frames: list[dict[str, Any]] = []

    def on_socket(ws: Any) -> None:
        if path_part in ws.url:
            ws.on("framereceived", lambda payload: frames.append(json.loads(payload)))

    page.on("websocket", on_socket)
    return frames


def replicas_seen(frames: list[dict[str, Any]], kind: str) -> list[str]:
    return [f["replica"] for f in frames if f.get("type") == kind and "replica" in f]


def say(chat: Page, words: str) -> None:
    chat.get_by_label("Type your message").fill(words)
    chat.get_by_role("button", name="Send message").click()


def test_a_replica_dies_mid_conversation_and_nothing_is_lost_or_doubled(
    browser: Browser, rig: Rig
) -> None:
    base = rig.proxy_url
    errors: list[str] = []
    customer_ctx = browser.new_context(locale="en-GB")
    agent_ctx = browser.new_context(locale="en-GB")
    try:
        chat = customer_ctx.new_page()
        chat.on("pageerror", lambda exc: errors.append(f"customer: {exc}"))
        chat_frames = watch_frames(chat, "/chat")
        chat.goto(base)
        chat.wait_for_selector("#chat[data-transport='websocket']", timeout=60_000)
        replica_a = replicas_seen(chat_frames, "ready")[-1]
        say(chat, "How do I open a current account?")
        chat.wait_for_selector(".msg--agent >> nth=1", timeout=60_000)
        say(chat, "I want to speak to a person")
        chat.wait_for_selector(".msg--agent[data-action='handover']", timeout=60_000)
        contact_id = chat.locator("#chat").get_attribute("data-contact-id")
        assert contact_id

        desk = agent_ctx.new_page()
        desk.on("pageerror", lambda exc: errors.append(f"agent: {exc}"))
        desk_frames = watch_frames(desk, "/desk")
        for _ in range(6):  # least_conn sends it to B; make sure it is not on A
            desk.goto(f"{base}/agent")
            desk.get_by_label("User name").fill("Alice")
            desk.get_by_label("Password").fill(AGENT_PASSWORD)
            desk.get_by_role("button", name="Sign in").click()
            desk.wait_for_selector("body[data-desk='connected']", timeout=30_000)
            seen = replicas_seen(desk_frames, "agent")
            if seen and seen[-1] != replica_a:
                break
            # On A: sign out, or the reloaded page reopens the stored session by itself
            # and hides the sign-in form (the retry then timed out filling it).
            desk.get_by_role("button", name="Sign out").click()
            desk.wait_for_selector("body[data-signed-in='false']", timeout=30_000)
            desk_frames.clear()
        replica_b = replicas_seen(desk_frames, "agent")[-1]
        assert replica_b != replica_a, "the agent's desk must be on the other replica"

        desk.get_by_role("button", name="Go available").click()
        desk.wait_for_selector(f"#contact[data-contact-id='{contact_id}']", timeout=30_000)
        chat.wait_for_selector("#chat[data-human='Alice']", timeout=30_000)
        desk.get_by_label("Message to the customer").fill("Hello, this is Alice.")
        desk.get_by_role("button", name="Send", exact=True).click()
        chat.wait_for_selector(".msg--human >> text=Hello, this is Alice.", timeout=30_000)
        say(chat, "My card was charged twice")
        desk.wait_for_selector(
            "#transcript [data-source='CUSTOMER'] >> text=My card was charged twice",
            timeout=30_000,
        )

        # Replica A dies with the customer's socket on it.
        rig.kill(int(replica_a.rsplit("-", 1)[1]))
        desk.get_by_label("Message to the customer").fill("I see two charges; refunding one.")
        desk.get_by_role("button", name="Send", exact=True).click()
        chat.wait_for_selector(
            ".msg--human >> text=I see two charges; refunding one.", timeout=60_000
        )
        assert replicas_seen(chat_frames, "ready")[-1] == replica_b, "reconnected to B"
        say(chat, "Thank you so much")
        desk.wait_for_selector(
            "#transcript [data-source='CUSTOMER'] >> text=Thank you so much", timeout=30_000
        )
        desk.get_by_label("Message to the customer").fill("You're welcome.")
        desk.get_by_role("button", name="Send", exact=True).click()
        chat.wait_for_selector(".msg--human >> text=You're welcome.", timeout=30_000)

        shown = chat.locator(".msg--human").all_text_contents()
        agent_lines = (
            "Hello, this is Alice.",
            "I see two charges; refunding one.",
            "You're welcome.",
        )
        for line in agent_lines:
            assert sum(line in s for s in shown) == 1, (line, shown)
        said = desk.locator("#transcript [data-source='CUSTOMER']").all_text_contents()
        for line in ("My card was charged twice", "Thank you so much"):
            assert sum(line in s for s in said) == 1, (line, said)
        supervisor = staff_headers(
            Settings(database_url=rig.database_url), "supervisor", "rig-supervisor"
        )
        stored = httpx.get(
            f"{base}/v1/contacts/{contact_id}", headers=supervisor, timeout=30
        ).json()["messages"]
        texts = [m["content"] for m in stored]
        for line in ("My card was charged twice", "Thank you so much", "You're welcome."):
            assert texts.count(line) == 1, (line, texts)
        assert texts.count("I see two charges; refunding one.") == 1
    finally:
        customer_ctx.close()
        agent_ctx.close()
    assert errors == [], errors
