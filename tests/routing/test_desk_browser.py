"""Customer and human agent in two Chromium contexts: handover, queue position, live chat."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium; desk not tested"),
]


def test_customer_hands_over_waits_in_line_and_chats_with_the_agent(
    browser: Browser,
    open_desk_server: str,
    desk_login: tuple[str, str],
    desk_supervisor_headers: dict[str, str],
) -> None:
    base = open_desk_server
    errors: list[str] = []
    agent_ctx = browser.new_context(locale="en-GB")
    customer_ctx = browser.new_context(locale="en-GB")
    try:
        desk = agent_ctx.new_page()
        desk.on("pageerror", lambda exc: errors.append(f"agent: {exc}"))
        desk.goto(f"{base}/agent")
        desk.get_by_label("User name").fill(desk_login[0])
        desk.get_by_label("Password").fill(desk_login[1])
        desk.get_by_role("button", name="Sign in").click()
        desk.wait_for_selector("body[data-desk='connected'][data-agent-status='offline']")

        chat = customer_ctx.new_page()
        chat.on("pageerror", lambda exc: errors.append(f"customer: {exc}"))
        chat.goto(base)
        chat.wait_for_selector("#chat[data-transport='websocket']", timeout=60_000)
        chat.get_by_label("Type your message").fill("I want to speak to a person")
        chat.get_by_role("button", name="Send message").click()
        chat.wait_for_selector(".msg--agent[data-action='handover']", timeout=60_000)
        queue = chat.locator("#queue-info")
        queue.wait_for(state="visible")
        assert queue.get_attribute("data-position") == "1"
        assert "in line" in (queue.text_content() or "")
        contact_id = chat.locator("#chat").get_attribute("data-contact-id")
        assert contact_id

        # Customer writes while waiting: kept for the agent, not answered by the bot.
        chat.get_by_label("Type your message").fill("My card was charged twice")
        chat.get_by_role("button", name="Send message").click()

        desk.get_by_role("button", name="Go available").click()
        desk.wait_for_selector(f"#contact[data-contact-id='{contact_id}']", timeout=15_000)
        summary = desk.locator("#summary").text_content() or ""
        assert "I want to speak to a person" in summary
        transcript = desk.locator("#transcript")
        assert "My card was charged twice" in (transcript.text_content() or "")
        assert desk.locator("#transcript [data-source='AI_AGENT']").count() >= 1

        chat.wait_for_selector("#chat[data-human='Alice']", timeout=15_000)
        assert chat.locator("#queue-info").is_hidden()

        desk.get_by_label("Message to the customer").fill("Hello, this is Alice. Let me look.")
        desk.get_by_role("button", name="Send", exact=True).click()
        chat.wait_for_selector(".msg--human >> text=Hello, this is Alice.", timeout=15_000)

        chat.get_by_label("Type your message").fill("Thank you Alice")
        chat.get_by_role("button", name="Send message").click()
        desk.wait_for_selector(
            "#transcript [data-source='CUSTOMER'] >> text=Thank you Alice", timeout=15_000
        )

        desk.get_by_label("Disposition").select_option("resolved")
        desk.get_by_role("button", name="Close contact").click()
        desk.wait_for_selector("#contact", state="hidden", timeout=15_000)
        chat.wait_for_selector("#ended:not([hidden])", timeout=15_000)

        view = httpx.get(
            f"{base}/v1/contacts/{contact_id}", headers=desk_supervisor_headers, timeout=30
        ).json()
        human = [e for e in view["events"] if e["source"] == "HUMAN_AGENT"]
        kinds = {e["type"] for e in human}
        assert {"agent_connected", "agent_reply", "disposition"} <= kinds
        assert any(e["data"].get("text") == "Hello, this is Alice. Let me look." for e in human)
        texts = [m["content"] for m in view["messages"]]
        # the agent saw the customer's words live; the record keeps names out (issue 13)
        assert "Thank you [NAME]" in texts and "Hello, this is Alice. Let me look." in texts
        assert view["contact"]["ended_at"] is not None
    finally:
        agent_ctx.close()
        customer_ctx.close()
    assert errors == [], errors
