"""Analytics routes: ``/metrics``, contact summaries and the supervisor view.

==========================================  ==================================================
route                                       what
==========================================  ==================================================
``GET /metrics``                            Prometheus text format (the app's own registry)
``GET /v1/contacts/{id}/summary``           the post-call summary; 409 while the contact is
                                            active, 404 for an unknown contact
``GET /v1/supervisor/contacts``             the supervisor board (live contacts first)
``WS /v1/supervisor/ws``                    ``{"type": "snapshot", "contacts": [...]}`` once,
                                            then ``{"type": "contact", "contact": {...}}`` on
                                            every change
``GET /supervisor``                         the supervisor page
==========================================  ==================================================
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from fastapi.requests import HTTPConnection
from fastapi.responses import FileResponse, PlainTextResponse, Response

from switchboard.analytics.metrics import CONTENT_TYPE
from switchboard.analytics.summary import CallSummary
from switchboard.analytics.supervisor import LiveContact
from switchboard.analytics.telemetry_runtime import AnalyticsRuntime
from switchboard.api.guards import METRICS, SUMMARY_READ, SUPERVISOR_ONLY, accept_socket, guard
from switchboard.api.schemas import ERROR_RESPONSES
from switchboard.errors import ConfigError
from switchboard.web import static_dir

#: Seconds between keep-alive pings on the supervisor socket.
PING_S = 20.0


def get_analytics(conn: HTTPConnection) -> AnalyticsRuntime:
    """Return the app's :class:`AnalyticsRuntime`.

    Raises:
        ConfigError: the app's lifespan has not run.
    """
    runtime = getattr(conn.app.state, "analytics", None)
    if not isinstance(runtime, AnalyticsRuntime):
        raise ConfigError("analytics are not running (lifespan not started)")
    return runtime


AnalyticsDep = Annotated[AnalyticsRuntime, Depends(get_analytics)]


def build_analytics_router(page_headers: dict[str, str] | None = None) -> APIRouter:
    """Return the router with the analytics routes of the module table.

    Args:
        page_headers: HTTP headers for the supervisor page (the app's CSP).
    """
    router = APIRouter()

    @router.get(
        "/metrics",
        tags=["ops"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
        responses=ERROR_RESPONSES,
        dependencies=[guard(METRICS)],
    )
    async def metrics(analytics: AnalyticsDep) -> Response:
        """Seed 2 functional, error and business metrics in Prometheus text format."""
        return Response(analytics.metrics.render(), media_type=CONTENT_TYPE)

    @router.get(
        "/v1/contacts/{contact_id}/summary",
        response_model=CallSummary,
        responses=ERROR_RESPONSES,
        tags=["contacts"],
        summary="The post-call summary of an ended contact",
        dependencies=[guard(SUMMARY_READ)],
    )
    async def summary(contact_id: str, analytics: AnalyticsDep) -> CallSummary:
        """Return the stored summary (built now if an ended contact has none)."""
        return await analytics.summaries.get(contact_id)

    @router.get(
        "/v1/supervisor/contacts",
        response_model=list[LiveContact],
        tags=["supervisor"],
        summary="Contacts on the supervisor board",
        responses=ERROR_RESPONSES,
        dependencies=[guard(SUPERVISOR_ONLY)],
    )
    async def board(analytics: AnalyticsDep) -> list[LiveContact]:
        """Live contacts first, then recently ended ones."""
        return analytics.board.snapshot()

    @router.websocket("/v1/supervisor/ws")
    async def board_socket(websocket: WebSocket, analytics: AnalyticsDep) -> None:
        """Push the board, then every change, to one supervisor page (supervisors, admins)."""
        if await accept_socket(websocket, SUPERVISOR_ONLY) is None:
            return
        queue = analytics.board.subscribe()
        receiver: asyncio.Task[None] | None = None
        try:
            contacts = [c.model_dump(mode="json") for c in analytics.board.snapshot()]
            await websocket.send_json({"type": "snapshot", "contacts": contacts})
            receiver = asyncio.create_task(_drain_client(websocket))
            while not receiver.done():
                try:
                    update = await asyncio.wait_for(queue.get(), PING_S)
                except TimeoutError:
                    update = {"type": "ping"}
                await websocket.send_json(update)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
        finally:
            analytics.board.unsubscribe(queue)
            if receiver is not None:
                receiver.cancel()

    @router.get("/supervisor", include_in_schema=False)
    async def page() -> FileResponse:
        """Serve the supervisor page."""
        return FileResponse(static_dir() / "supervisor.html", headers=page_headers or {})

    return router


async def _drain_client(websocket: WebSocket) -> None:
    """Read (and ignore) client frames until the page goes away."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
