"""The web chat's locale: the server's setting, not the browser's language (issue 10, item 8).

Real headless Chromium (Debian's /usr/bin/chromium, the shared ``browser``
fixture) against the session's live server, whose locale is the default en_GB.
A stock Chromium reports en-US; the page must still open the en_GB bank.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from switchboard.testing.identity import staff_headers
from switchboard.web import chat_page

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
#: A loopback origin nothing listens on: every HTTP request is answered by the test's
#: routes, and the page's WebSocket is refused (it falls back to HTTP).
FAKE_ORIGIN = "http://127.0.0.1:9"


def open_page(browser: Browser, **context: str) -> Iterator[Page]:
    ctx = browser.new_context(**context)  # type: ignore[arg-type]
    tab = ctx.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    ctx.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def stock_page(browser: Browser) -> Iterator[Page]:
    """A tab of a stock browser: no locale given, so Chromium's own default (en-US)."""
    yield from open_page(browser)


@pytest.fixture
def french_browser_page(browser: Browser) -> Iterator[Page]:
    yield from open_page(browser, locale="fr-FR")


def contact_locale(page: Page, live_server: LiveServer) -> str:
    contact_id = page.locator("#chat").get_attribute("data-contact-id")
    assert contact_id
    view = httpx.get(
        f"{live_server.base_url}/v1/contacts/{contact_id}",
        headers=staff_headers(live_server.settings, "supervisor"),
        timeout=30,
    ).json()
    return str(view["contact"]["locale"])


@pytest.mark.e2e
@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
def test_stock_browser_opens_in_en_gb_and_switches_to_french(
    stock_page: Page, live_server: LiveServer
) -> None:
    assert live_server.settings.locale.value == "en_GB"
    page = stock_page
    page.goto(live_server.base_url + "/")
    assert page.evaluate("navigator.language") == "en-US"  # a stock Chromium
    greeting = page.locator(".msg--agent").first
    greeting.wait_for()
    assert page.locator("#locale").input_value() == "en_GB"
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    page.locator("#chat[data-contact-id]").wait_for()
    assert contact_locale(page, live_server) == "en_GB"
    assert "Bonjour" not in greeting.inner_text()

    page.select_option("#locale", "fr_FR")
    page.locator(".msg--agent", has_text="Bonjour").wait_for()
    french = page.locator(".msg--agent", has_text="Bonjour").last.inner_text()
    assert "Bonjour" in french and "ouvrir un compte" in french
    assert page.evaluate("document.documentElement.lang") == "fr-FR"
    assert contact_locale(page, live_server) == "fr_FR"


@pytest.mark.e2e
@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
def test_french_browser_does_not_override_the_server_locale_by_default(
    french_browser_page: Page, live_server: LiveServer
) -> None:
    page = french_browser_page
    page.goto(live_server.base_url + "/")
    page.locator(".msg--agent").first.wait_for()
    assert page.evaluate("navigator.language") == "fr-FR"
    assert page.locator("#locale").input_value() == "en_GB"


@pytest.mark.e2e
@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
@pytest.mark.parametrize(
    ("server", "allow", "browser_lang", "expected"),
    [
        ("fr_FR", False, "en-US", "fr_FR"),  # the server's locale wins
        ("en_GB", True, "fr-FR", "fr_FR"),  # allowed: the browser preselects
        ("en_GB", True, "en-US", "en_US"),
        ("en_GB", True, "de-DE", "en_GB"),  # unsupported language: the server's
        ("en_US", True, "en-GB", "en_GB"),
    ],
)
def test_page_script_picks_the_locale(
    browser: Browser, tmp_path: Path, server: str, allow: bool, browser_lang: str, expected: str
) -> None:
    """The page's script on the server-rendered HTML, with the API answered by the test."""
    static = Path(__file__).resolve().parents[2] / "src/switchboard/web/static"
    html = chat_page(server, allow)
    ctx = browser.new_context(locale=browser_lang)
    try:
        tab = ctx.new_page()
        created: list[str] = []

        def contacts(route: object) -> None:
            body = route.request.post_data_json or {}  # type: ignore[attr-defined]
            created.append(body.get("locale"))
            route.fulfill(  # type: ignore[attr-defined]
                json={"contact_id": "c-1", "greeting": "hello", "locale": body.get("locale"),
                      "channel": "chat", "status": "active"},
            )

        # the last registered route is tried first
        tab.route(FAKE_ORIGIN + "/**", lambda route: route.abort())
        tab.route(FAKE_ORIGIN + "/v1/contacts", contacts)
        tab.route(FAKE_ORIGIN + "/", lambda r: r.fulfill(body=html, content_type="text/html"))
        tab.route(
            FAKE_ORIGIN + "/static/**",
            lambda r: r.fulfill(path=str(static / r.request.url.rsplit("/", 1)[1])),
        )
        tab.goto(FAKE_ORIGIN + "/")
        tab.locator(".msg--agent").first.wait_for()
        assert tab.locator("#locale").input_value() == expected
        assert created and created[0] == expected
    finally:
        ctx.close()


def test_chat_page_carries_the_server_locale() -> None:
    page = chat_page("fr_FR", False)
    assert '<meta name="switchboard-locale" content="fr_FR" data-browser-locale="false">' in page
    assert 'data-browser-locale="true"' in chat_page("en_GB", True)


def test_served_page_has_the_configured_locale() -> None:
    from fastapi.testclient import TestClient

    from switchboard.api import create_app
    from switchboard.config import Settings
    from switchboard.domain.types import Locale

    app = create_app(Settings(locale=Locale.FR_FR, web_browser_locale=False))
    body = TestClient(app).get("/").text  # no lifespan: only the page is fetched
    assert 'content="fr_FR"' in body and 'data-browser-locale="false"' in body
