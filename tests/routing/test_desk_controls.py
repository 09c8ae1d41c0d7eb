"""The agent desk's controls in Chromium (issue 13 item 8): visible, readable, by keyboard.

The desk used to draw "Go offline", the Disposition menu and "Close contact"
white on white, and kept the sign-in form after sign-in. Here a real agent
signs in with a password, the form goes away, every control has a WCAG AA
contrast (4.5:1) against the colour actually behind it, and each one is
reached with Tab and used with the keyboard: available, offline, available
again, a handed-over contact arrives, a disposition is chosen, the contact closed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium; desk not tested"),
]

#: WCAG 2.1 AA contrast ratio for normal text.
AA = 4.5

CONTRAST_JS = """(el) => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let node = el, bg = null;
  while (node && node.nodeType === 1) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) { bg = c; break; }
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const fg = rgb(getComputedStyle(el).color);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def tab_to(page: Page, element_id: str, limit: int = 40) -> None:
    """Press Tab until ``element_id`` has the focus (fails if it never gets it)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} is not reachable with the Tab key")


def readable(page: Page, element_id: str) -> float:
    control = page.locator(f"#{element_id}")
    assert control.is_visible(), element_id
    ratio = float(control.evaluate(CONTRAST_JS))
    assert ratio >= AA, f"#{element_id} contrast {ratio:.2f} < {AA}"
    return ratio


def handed_over_contact(base: str) -> str:
    started = httpx.post(f"{base}/v1/contacts", json={}, timeout=60).json()
    headers = {"Authorization": f"Bearer {started['contact_token']}"}
    said = httpx.post(
        f"{base}/v1/contacts/{started['contact_id']}/messages",
        json={"text": "I want to speak to a person"},
        headers=headers,
        timeout=60,
    )
    assert said.json()["action"] == "handover", said.text
    return str(started["contact_id"])


def test_every_desk_control_is_visible_readable_and_keyboard_operable(
    browser: Browser, open_desk_server: str, desk_login: tuple[str, str]
) -> None:
    base = open_desk_server
    context = browser.new_context(locale="en-GB")
    errors: list[str] = []
    try:
        desk = context.new_page()
        desk.on("pageerror", lambda exc: errors.append(str(exc)))
        desk.goto(f"{base}/agent")
        desk.get_by_label("User name").fill(desk_login[0])
        desk.get_by_label("Password").fill("not the password")
        desk.get_by_role("button", name="Sign in").click()
        desk.wait_for_selector("#desk-notice:has-text('wrong user name or password')")
        assert desk.locator("#controls").is_hidden()

        desk.get_by_label("Password").fill(desk_login[1])
        desk.get_by_label("Password").press("Enter")
        desk.wait_for_selector("body[data-desk='connected'][data-agent-status='offline']")
        assert desk.locator("#signin").is_hidden(), "the sign-in form stayed after sign-in"
        assert desk.get_by_label("Password").is_hidden()

        ratios = {c: readable(desk, c) for c in ("go-available", "go-offline", "sign-out")}

        tab_to(desk, "go-available")
        desk.keyboard.press("Enter")
        desk.wait_for_selector("body[data-agent-status='available']")
        tab_to(desk, "go-offline")
        desk.keyboard.press("Space")
        desk.wait_for_selector("body[data-agent-status='offline']")
        tab_to(desk, "go-available")
        desk.keyboard.press("Enter")
        desk.wait_for_selector("body[data-agent-status='available']")

        contact_id = handed_over_contact(base)
        desk.wait_for_selector(f"#contact[data-contact-id='{contact_id}']", timeout=30_000)
        for control in ("disposition", "close-button", "reply-send"):
            ratios[control] = readable(desk, control)

        tab_to(desk, "disposition")
        desk.keyboard.press("ArrowDown")  # resolved → follow_up
        assert desk.locator("#disposition").input_value() == "follow_up"
        tab_to(desk, "close-button")
        desk.keyboard.press("Enter")
        desk.wait_for_selector("#contact", state="hidden", timeout=15_000)
        assert "follow_up" in (desk.locator("#desk-notice").text_content() or "")
        print("desk control contrast ratios:", {k: round(v, 1) for k, v in ratios.items()})

        tab_to(desk, "sign-out")
        desk.keyboard.press("Enter")
        desk.wait_for_selector("#signin:not([hidden])")
        assert desk.locator("#controls").is_hidden()
    finally:
        context.close()
    assert errors == [], errors
