"""The supervisor page in a real headless Chromium while scripted contacts run.

One real app (local brain, MCP tools, SQLite in a tmp dir) under uvicorn on a
free loopback port; contacts are driven over HTTP while the page is open, so
every row and flag the test sees arrived over the supervisor WebSocket.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from switchboard.config import Settings
from switchboard.testing.identity import ContactAndStaffAuth, ensure_user, staff_token

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

CHROMIUM = Path("/usr/bin/chromium")
ANGRY = "I've asked this three times already! Why can't you just tell me?"
CALM = "Where is the nearest branch in Manchester?"
BAD_NEWS = "my card was stolen yesterday and I'm worried"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="no /usr/bin/chromium (run `make browser`); page not tested"
    ),
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from switchboard.api import create_app
    from switchboard.testing.live import LiveApp

    root = tmp_path_factory.mktemp("supervisor")
    settings = Settings(
        database_url=f"sqlite:///{root / 'switchboard.db'}",
        log_json=False,
        log_level="WARNING",
        summaries={"directory": root / "summaries"},
    )
    ensure_user(settings, "sue", "supervisor", PASSWORD)
    STAFF["token"] = staff_token(settings, "supervisor", "sue")
    with LiveApp(create_app(settings)) as live:
        yield live.http_url


#: The supervisor who signs in on the page (and whose token the HTTP client carries).
PASSWORD = "correct horse battery staple"
STAFF: dict[str, str] = {}


def client(base_url: str) -> httpx.Client:
    """A client that speaks as each contact's customer and otherwise as the supervisor."""
    return httpx.Client(base_url=base_url, timeout=60, auth=ContactAndStaffAuth(STAFF["token"]))


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/supervisor")
    page.get_by_label("User name").fill("sue")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def start(http: httpx.Client) -> str:
    response = http.post("/v1/contacts", json={})
    assert response.status_code == 201
    auth = http.auth
    assert isinstance(auth, ContactAndStaffAuth)
    return auth.remember(response.json())


def row(page: Page, contact_id: str) -> Locator:
    return page.locator(f'tr.sv-row[data-contact-id="{contact_id}"]')


def test_live_escalation_transcript_and_summary(page: Page, base_url: str) -> None:
    sign_in(page, base_url)
    page.locator('#connection[data-state="open"]').wait_for(timeout=30_000)
    with client(base_url) as http:
        calm, angry, worried = start(http), start(http), start(http)
        # The rows arrive over the socket, while the contacts are live.
        for cid in (calm, angry, worried):
            row(page, cid).wait_for(timeout=30_000)
        assert http.post(f"/v1/contacts/{calm}/messages", json={"text": CALM}).status_code == 200
        said = http.post(f"/v1/contacts/{worried}/messages", json={"text": BAD_NEWS}).json()
        assert said["handover"]["reason"] == "sensitive_topic"
        reply = http.post(f"/v1/contacts/{angry}/messages", json={"text": ANGRY}).json()
        assert reply["handover"]["reason"] == "customer_frustration"

        escalated = page.locator(
            f'tr.sv-row[data-contact-id="{angry}"][data-escalated="true"][data-live="true"]'
        )
        escalated.wait_for(timeout=30_000)
        assert escalated.locator(".sv-badge--escalated").inner_text() == "Escalated"
        assert "customer frustration" in escalated.locator(".sv-badge--handover").inner_text()
        calm_row = page.locator(f'tr.sv-row[data-contact-id="{calm}"][data-escalated="false"]')
        calm_row.locator("td.sv-route", has_text="branch").wait_for(timeout=30_000)
        assert calm_row.locator(".sv-badge--escalated").count() == 0
        assert page.locator("#escalated-count").inner_text() == "1"
        # The live sentiment stage scored the angry segment: a sparkline and a NEGATIVE label.
        escalated.locator("svg.sv-spark polyline").wait_for(state="attached", timeout=30_000)
        escalated.locator(".sv-badge--label", has_text="NEGATIVE").wait_for(timeout=30_000)
        # Factual bad news: handed over (sensitive topic), scored, but not escalated.
        calm_news = page.locator(
            f'tr.sv-row[data-contact-id="{worried}"][data-handover="true"][data-escalated="false"]'
        )
        calm_news.locator("svg.sv-spark polyline").wait_for(state="attached", timeout=30_000)
        assert calm_news.locator(".sv-badge--escalated").count() == 0

        # Click: the live contact's transcript, and no summary yet.
        escalated.click()
        page.locator("#transcript li", has_text="asked this three times").wait_for(timeout=30_000)
        assert page.locator("#summary-pending").is_visible()

        # The contact ends while selected: the page shows its summary.
        assert http.post(f"/v1/contacts/{angry}/end", json={}).status_code == 200
        page.locator(f'tr.sv-row[data-contact-id="{angry}"][data-live="false"]').wait_for(
            timeout=30_000
        )
        page.locator("#summary:not([hidden])").wait_for(timeout=30_000)
        bullets = page.locator("#summary-bullets li").all_inner_texts()
        assert len(bullets) == 3
        assert bullets[0].startswith("Reason:") and "three times" in bullets[0]
        assert bullets[2].startswith("Outcome: Transferred to a human agent because the customer")
        assert "PriorityAgentQueue" in page.locator("#summary-notes").inner_text()
        assert http.get(f"/v1/contacts/{angry}/summary").json()["bullets"] == bullets


def test_metrics_after_scripted_contacts_on_the_same_server(base_url: str) -> None:
    with client(base_url) as http:
        for line in (ANGRY, CALM):
            cid = start(http)
            assert http.post(f"/v1/contacts/{cid}/messages", json={"text": line}).status_code == 200
            assert http.post(f"/v1/contacts/{cid}/end", json={}).status_code == 200
        text = http.get("/metrics").text
    assert 'switchboard_transfers_total{reason="customer_frustration"}' in text
    assert 'switchboard_tool_invocations_total{outcome="ok",tool="find_nearest_branch"}' in text
    assert "switchboard_response_latency_seconds_bucket" in text


def test_summary_endpoint_statuses(base_url: str) -> None:
    with client(base_url) as http:
        cid = start(http)
        http.post(f"/v1/contacts/{cid}/messages", json={"text": CALM})
        busy = http.get(f"/v1/contacts/{cid}/summary")
        assert busy.status_code == 409
        assert busy.json()["error"]["code"] == "summary_not_ready"
        assert http.get("/v1/contacts/no-such-contact/summary").status_code == 404
        assert http.post(f"/v1/contacts/{cid}/end", json={"status": "abandoned"}).status_code == 200
        done = http.get(f"/v1/contacts/{cid}/summary")
        assert done.status_code == 200
        body = done.json()
        assert body["status"] == "abandoned" and body["contact_id"] == cid
        assert body["tools"][0]["tool"] == "find_nearest_branch"
        board = http.get("/v1/supervisor/contacts").json()
        (mine,) = [c for c in board if c["contact_id"] == cid]
        assert mine["ended_at"] and mine["summary_ready"] and mine["status"] == "abandoned"
