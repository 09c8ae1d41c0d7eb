"""Static web pages: the customer chat widget (plain HTML/CSS/JS, no build step).

The API serves ``static/index.html`` at ``/`` (through :func:`chat_page`, which
writes the server's locale into it) and the rest under ``/static``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

#: The page's locale tag; the static file carries en_GB and no browser preselection.
_LOCALE_META = re.compile(r'<meta name="switchboard-locale"[^>]*>')


def static_dir() -> Path:
    """Return the directory holding the widget's files (``index.html``, ``app.css``, ``app.js``)."""
    return Path(__file__).resolve().parent / "static"


def chat_page(locale: str, browser_locale: bool = False) -> str:
    """Return the chat page's HTML set to start in ``locale`` (e.g. ``"fr_FR"``).

    The page (``app.js``) opens in the ``content`` of its
    ``<meta name="switchboard-locale">`` tag, the server's configured locale
    (``SWITCHBOARD_LOCALE``, README "Configuration"), and offers the others in
    its language menu. ``browser_locale`` (``SWITCHBOARD_WEB_BROWSER_LOCALE``)
    lets the browser's language preselect a supported locale instead; off by
    default, so a stock browser (Chromium reports en-US) gets the server's bank.

    Raises:
        OSError: when ``static/index.html`` cannot be read.

    """
    page = (static_dir() / "index.html").read_text(encoding="utf-8")
    tag = (
        f'<meta name="switchboard-locale" content="{html.escape(locale)}" '
        f'data-browser-locale="{"true" if browser_locale else "false"}">'
    )
    return _LOCALE_META.sub(tag, page, count=1)
