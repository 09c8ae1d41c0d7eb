"""Static web pages: the customer chat widget (plain HTML/CSS/JS, no build step).

The API serves ``static/index.html`` at ``/`` and the rest under ``/static``.
"""

from __future__ import annotations

from pathlib import Path


def static_dir() -> Path:
    """Return the directory holding the widget's files (``index.html``, ``app.css``, ``app.js``)."""
    return Path(__file__).resolve().parent / "static"
