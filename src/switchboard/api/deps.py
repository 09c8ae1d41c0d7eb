"""FastAPI dependencies as ``Annotated`` aliases (habit 5 in DESIGN.md).

The service and settings live on ``app.state`` (set by the lifespan in
:func:`switchboard.api.app.create_app`); these aliases hand them to routes
and WebSocket endpoints alike (``HTTPConnection`` covers both).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.requests import HTTPConnection

from switchboard.agent.service import AgentService
from switchboard.config import Settings
from switchboard.errors import ConfigError


def get_service(conn: HTTPConnection) -> AgentService:
    """Return the app's :class:`AgentService`.

    Raises:
        ConfigError: when the app's lifespan has not run (no service yet).

    """
    service = getattr(conn.app.state, "service", None)
    if not isinstance(service, AgentService):
        raise ConfigError("the agent service is not running (lifespan not started)")
    return service


def get_settings(conn: HTTPConnection) -> Settings:
    """Return the settings the app was created with."""
    settings = conn.app.state.settings
    assert isinstance(settings, Settings)  # set by create_app before any request
    return settings


ServiceDep = Annotated[AgentService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
