"""HTTP and WebSocket API: :func:`create_app` builds the FastAPI app from settings.

``create_app`` is imported on first use (PEP 562), so importing a light module
such as :mod:`switchboard.api.errors` does not load the agent stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from switchboard.api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """Resolve ``create_app`` lazily; any other name is an AttributeError."""
    if name == "create_app":
        from switchboard.api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
