"""The web chat page in a real headless Chromium (Debian's /usr/bin/chromium, never downloaded)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from switchboard.testing.identity import staff_headers

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
BRANCH_QUESTION = "Where is the nearest branch in Manchester?"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="no /usr/bin/chromium (run `make browser`); page not tested"
    ),
]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def records_mentioning(value: Any, word: str) -> list[dict[str, Any]]:
    """The innermost dicts of a tool output whose own string fields mention ``word``."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        for item in value.values():
            found.extend(records_mentioning(item, word))
        own = [v for v in value.values() if isinstance(v, str)]
        if not found and any(word.lower() in v.lower() for v in own):
            found.append(value)
    elif isinstance(value, list):
        for item in value:
            found.extend(records_mentioning(item, word))
    return found


def send(page: Page, text: str) -> None:
    agent_messages = page.locator(".msg--agent[data-route]").count()
    page.get_by_label("Type your message").fill(text)
    page.get_by_role("button", name="Send message").click()
    page.locator(".msg--agent[data-route]").nth(agent_messages).wait_for(timeout=60_000)


def test_branch_question_gets_a_grounded_answer_over_the_websocket(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    frames: list[dict[str, Any]] = []

    def on_socket(ws: Any) -> None:
        ws.on("framereceived", lambda payload: frames.append(json.loads(payload)))

    page.on("websocket", on_socket)
    page.goto(live_server.base_url + "/")
    greeting = page.locator(".msg--agent").first
    greeting.wait_for()
    assert greeting.inner_text().strip()
    page.locator("#chat[data-transport='websocket']").wait_for()  # the socket said "ready"

    send(page, BRANCH_QUESTION)

    answer = page.locator(".msg--agent[data-route]").last
    text = answer.locator(".msg__bubble").inner_text()
    assert answer.get_attribute("data-route") == "branch"
    assert answer.get_attribute("data-action") == "answer"
    assert "Manchester" in text

    replies = [f for f in frames if f.get("type") == "reply"]
    assert len(replies) == 1, "the reply did not come over the WebSocket"
    outputs = [t["output"] for t in replies[0]["tools"] if t.get("output")]
    assert outputs, replies[0]["tools"]
    branches = [r for output in outputs for r in records_mentioning(output, "Manchester")]
    assert branches, f"no Manchester branch in the tool output: {outputs}"
    facts = [v for b in branches for v in b.values() if isinstance(v, str) and len(v) >= 6]
    assert any(fact in text for fact in facts), (text, facts)

    badges = answer.locator(".badge").all_inner_texts()
    assert "Branches" in badges and "Answered" in badges
    assert page.locator("#handover-banner").is_hidden()

    shot = tmp_path / "web_chat_branch.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


def test_handover_banner_and_end_chat_with_post_fallback(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    # No WebSocket in this browser: the page must fall back to POST /messages.
    page.add_init_script("delete window.WebSocket;")
    page.goto(live_server.base_url + "/")
    page.locator(".msg--agent").first.wait_for()
    assert page.locator("#chat").get_attribute("data-transport") == "http"

    send(page, "I want to speak to a real person please")

    answer = page.locator(".msg--agent[data-route]").last
    assert answer.get_attribute("data-action") == "handover"
    banner = page.get_by_role("alert")
    banner.wait_for()
    assert "Transferred to a human agent" in banner.inner_text()
    assert page.locator("#handover-banner").get_attribute("data-reason") == "explicit_request"
    assert "Transferred" in answer.locator(".badge").all_inner_texts()
    page.screenshot(path=str(tmp_path / "web_chat_handover.png"))

    contact_id = page.locator("#chat").get_attribute("data-contact-id")
    assert contact_id
    page.get_by_role("button", name="End chat").click()
    page.get_by_role("button", name="Start a new chat").wait_for()
    assert page.get_by_label("Type your message").is_hidden()

    view = httpx.get(
        f"{live_server.base_url}/v1/contacts/{contact_id}",
        headers=staff_headers(live_server.settings, "supervisor"),
        timeout=30,
    ).json()
    assert view["contact"]["status"] == "transferred"
    assert view["contact"]["ended_at"] is not None
    assert [m["content"] for m in view["messages"] if m["role"] == "user"] == [
        "I want to speak to a real person please"
    ]
