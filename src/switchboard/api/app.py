"""The FastAPI application factory.

Nothing is built at import time (habit 5 in DESIGN.md): call
:func:`create_app` where the server starts. Example::

    from switchboard.config import load_settings
    from switchboard.api import create_app
    app = create_app(load_settings())        # uvicorn.run(app) or `switchboard serve`
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from switchboard import __version__
from switchboard.agent.service import AgentService
from switchboard.analytics.telemetry_runtime import AnalyticsRuntime
from switchboard.api.agent_audio import build_agent_audio_router
from switchboard.api.agents import build_agents_router
from switchboard.api.analytics import build_analytics_router
from switchboard.api.drain import Drain
from switchboard.api.errors import install_error_handlers
from switchboard.api.guards import ADMIN_ONLY, guard, record_socket_refusal
from switchboard.api.limits import AbuseLimitMiddleware, Limiter
from switchboard.api.privacy import build_privacy_router
from switchboard.api.recordings import build_recordings_router
from switchboard.api.routes import build_router
from switchboard.api.schemas import ERROR_RESPONSES
from switchboard.api.users import build_users_router
from switchboard.api.ws import build_ws_router
from switchboard.cluster import Cluster, build_cluster
from switchboard.compose import build_analytics, build_desk, build_service, close_desk
from switchboard.config import Settings
from switchboard.errors import SwitchboardError
from switchboard.routing.desk import Desk
from switchboard.voice.transports.routes import build_voice_router
from switchboard.voice.transports.twilio_hooks import build_twilio_hooks_router
from switchboard.web import chat_page, static_dir

log = logging.getLogger("switchboard.api")

#: Headers for the widget page: no inline script or style, API and socket on the same origin.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
        "style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


async def _start_cluster(app: FastAPI, settings: Settings) -> Cluster:
    """Migrate the database when configured, then join the other replicas (issue 14).

    Raises:
        StoreError: a migration failed. ConfigError / OSError: Redis unusable.
    """
    if settings.database_migrate:
        from switchboard.store.migrate import upgrade_url

        await asyncio.to_thread(upgrade_url, settings.database_url)
    cluster = await build_cluster(settings)
    app.state.cluster = cluster
    return cluster


def _start_desk(settings: Settings, running: AgentService, cluster: Cluster) -> Desk | None:
    """The human-agent desk (dispatch and due callbacks resume at once), or None.

    None when the store is not SQL: the bot still answers, handovers stay unqueued.
    """
    try:
        return build_desk(settings, running, channels=cluster.channels)
    except SwitchboardError:
        log.warning("human-agent desk not started", exc_info=True)
        return None


def _size_default_executor(threads: int | None) -> None:
    """Give the running loop a default executor of ``threads`` threads (None: keep asyncio's).

    Every blocking store call runs there; asyncio's default (cores + 4) left
    turns queueing for a thread while the threads waited on PostgreSQL.
    """
    if threads is not None:
        executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sb")
        asyncio.get_running_loop().set_default_executor(executor)


def _include_voice(app: FastAPI) -> None:
    """The voice routes: the /voice page and sockets, Twilio webhooks, the agent's audio."""
    app.include_router(build_voice_router())  # /voice page and the three voice sockets
    app.include_router(build_twilio_hooks_router(ERROR_RESPONSES))  # signed Twilio webhooks
    app.include_router(build_agent_audio_router())  # the agent's voice on a held call


def create_app(
    settings: Settings,
    service: AgentService | None = None,
    analytics: AnalyticsRuntime | None = None,
) -> FastAPI:
    """Build the HTTP/WebSocket app.

    Args:
        settings: every setting of the deployment (locale, database URL, brain...).
        service: an already created service to use. When given, the caller owns
            it (the app does not close it); when None the app builds one with the
            composition root (``compose.build_service``) at startup and closes it
            at shutdown. Either way the lifespan builds the human-agent desk and
            injects it as the service's handover queue.
        analytics: the metrics/summaries/traces runtime already wired onto a
            caller-owned ``service`` (the caller closes it); None: the app wires
            one with ``compose.build_analytics`` and closes it at shutdown.

    Returns:
        A FastAPI app with the routes of :mod:`switchboard.api.routes`, the chat
        WebSocket of :mod:`switchboard.api.ws`, the web widget at ``/`` and the
        OpenAPI docs at ``/docs``.

    Raises:
        Nothing here; startup failures (a missing router model, a bad database
        URL) surface from the lifespan when the server starts.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = service is None
        _size_default_executor(settings.worker_threads)
        cluster = await _start_cluster(app, settings)
        running = service or await build_service(settings, locks=cluster.locks)
        app.state.service = running
        app.state.desk = _start_desk(settings, running, cluster)
        app.state.analytics = analytics or build_analytics(running, settings)
        await cluster.attach_board(app.state.analytics.board, running.conversation.events)
        try:
            yield
        finally:
            await close_desk(running, app.state.desk)
            await cluster.aclose()
            app.state.desk = None
            if analytics is None:
                await app.state.analytics.aclose()
            app.state.analytics = None
            app.state.service = None
            if owned:
                await running.aclose()

    # FastAPIOffline serves Swagger UI / ReDoc from the installed package: /docs works offline.
    app = FastAPIOffline(
        title="switchboard",
        version=__version__,
        summary="AI contact-center agent: grounded banking answers, validation and handover.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.desk, app.state.drain = None, Drain(settings.cluster.drain_s)  # SIGTERM: drain.py
    install_error_handlers(app)
    _install_security(app, settings)
    app.include_router(build_router())
    app.include_router(build_ws_router())
    app.include_router(build_agents_router())
    app.include_router(build_analytics_router(PAGE_HEADERS))
    _include_voice(app)
    app.include_router(build_recordings_router())  # call recordings (supervisors, admins)

    static = static_dir()
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        """Serve the customer chat widget, set to start in the server's locale."""
        page = chat_page(settings.locale.value, settings.web_browser_locale)
        return HTMLResponse(page, headers=PAGE_HEADERS)

    return app


def _install_security(app: FastAPI, settings: Settings) -> None:
    """Issue 13: rate and size limits (:mod:`.limits`); sign-in, users and settings routes.

    Who may use each route is in :mod:`.guards`; the identity runtime (users,
    tokens, refusal audit) is built on first use over the running service's store.
    """
    app.state.limiter = Limiter(settings.limits)
    app.add_middleware(AbuseLimitMiddleware, limiter=app.state.limiter)
    app.include_router(build_users_router())
    # Admin privacy routes (erasure, audit verify; admins only); their router's
    # lifespan runs the retention purge and the signed audit anchors.
    app.include_router(build_privacy_router(), dependencies=[guard(ADMIN_ONLY)])
    app.state.record_refusal = record_socket_refusal  # voice sockets audit their refusals
