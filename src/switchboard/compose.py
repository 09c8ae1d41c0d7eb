"""The composition root: builds the running system from :class:`~switchboard.config.Settings`.

The server (``api/app.py``), the CLI (``cli.py``) and the Lambda handlers
(``aws/lex.py``) build what they run here and nowhere else:

* :func:`build_service` — store, audit sink, tools (in-memory FastMCP), the
  brain (``SWITCHBOARD_BRAIN``), the intent router, the validation agent,
  the transcript stream, live sentiment, the one
  :class:`~switchboard.agent.conversation.ConversationService` and the
  :class:`~switchboard.agent.service.AgentService` facade over them;
* :func:`build_desk` — the human-agent desk (routing engine over the
  store's database) injected into the conversation service as its
  :class:`~switchboard.ports.HandoverQueue`, so a handover from any channel
  (REST, chat socket, voice, Nova Sonic) becomes a queue entry;
* :func:`build_analytics` — metrics, supervisor board, summaries, traces
  (a turn middleware) and the idle sweeper, wired onto the service.

Lower layers never import this module (the import-linter contracts in
``pyproject.toml``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from switchboard.agent.conversation import ContactLocks, ConversationService
from switchboard.agent.service import AgentService
from switchboard.config import Settings
from switchboard.errors import ConfigError
from switchboard.ports import Brain, IntentRouter, SegmentPublisher, Store, ToolHost, Validator

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from switchboard.analytics.summary_sinks import SummarySink
    from switchboard.analytics.telemetry import Telemetry
    from switchboard.analytics.telemetry_runtime import AnalyticsRuntime
    from switchboard.cluster.frames import FrameChannels
    from switchboard.routing.desk import Desk

log = logging.getLogger("switchboard.compose")


async def _default_router(settings: Settings) -> IntentRouter:
    """The embedded router: one artifact per locale, answerability from the catalog on top.

    English contacts get the MiniLM router (``router.model_dir``), the locales in
    ``router.locale_model_dirs`` their own (fr_FR: USE multilingual), and
    :class:`~switchboard.brains.local.catalog_router.CatalogRouter` answers from the
    catalog what the catalog answers (issue 10).

    Raises:
        switchboard.errors.RouterModelError: an artifact is missing or corrupt.
    """
    from switchboard.brains.local.catalog_router import CatalogRouter
    from switchboard.brains.local.locale_router import LocaleRouter
    from switchboard.domain.types import Locale

    router = CatalogRouter(
        await asyncio.to_thread(LocaleRouter.load, settings.router),
        second_opinion_locales=frozenset(
            Locale(code) for code in settings.router.second_opinion_locales
        ),
    )
    await asyncio.to_thread(router.warm, settings.locale)
    # The first forward pass of a torch model is several times slower than the
    # rest; pay it here rather than on the first customer's turn.
    await asyncio.to_thread(router.classify, "I would like to open an account")
    return router


async def build_service(
    settings: Settings,
    *,
    brain: Brain | None = None,
    tool_host: ToolHost | None = None,
    store: Store | None = None,
    router: IntentRouter | None = None,
    validator: Validator | None = None,
    segments: SegmentPublisher | None = None,
    locks: ContactLocks | None = None,
) -> AgentService:
    """Build the agent service with embedded defaults for whatever is not given.

    ``locks``: the contact turn locks (several replicas pass
    ``switchboard.cluster.build_cluster(settings).locks``, leases in Redis).

    Raises:
        switchboard.errors.ConfigError: for an unknown brain name or a missing
            provider library (extras `aws`, `llm`).
        switchboard.errors.RouterModelError: when the router artifact is missing
            (run ``switchboard train``).
    """
    from switchboard.analytics.sentiment_live import LiveSentiment, build_classifier
    from switchboard.analytics.stream import create_bus
    from switchboard.audit import AuditSink
    from switchboard.brains.factory import build_brain, build_validator
    from switchboard.store import create_store
    from switchboard.store.aio import ThreadedStore

    store = store or create_store(settings)
    events = AuditSink(store, batch_size=256)
    if brain is None:
        # SWITCHBOARD_BRAIN=local|bedrock|openai, SWITCHBOARD_BRAIN_FALLBACK=... (a chain)
        brain = build_brain(settings)
    if router is None:
        router = await _default_router(settings)
    tools = tool_host or await _default_tools(settings)
    # The slot extractor's city gazetteer for the default locale (~0.6 s to build).
    from switchboard.nlu.slots import extract_slots

    await asyncio.to_thread(extract_slots, "a branch near London", settings.locale)
    # The PII name pass (spaCy pipelines, 1-3 s): loaded now, not on a customer's turn.
    from switchboard.audit.pii import shared_redactor

    await asyncio.to_thread(shared_redactor().warm)
    bus = segments or create_bus(settings.stream)
    locks = locks or ContactLocks()
    sentiment = None
    if settings.sentiment.enabled:
        if not hasattr(bus, "subscribe"):
            raise ConfigError("live sentiment needs a transcript stream with subscribe()")
        classifier, rule = build_classifier(settings.sentiment, getattr(router, "embedder", None))
        sentiment = LiveSentiment(
            settings=settings.sentiment,
            store=store,
            events=events,
            segments=bus,  # type: ignore[arg-type]  # checked above: a SegmentBus
            lock_for=locks.lock,
            classifier=classifier,
            rule=rule,
        )
    conversation = ConversationService(
        store=store,
        db=ThreadedStore(store),
        events=events,
        segments=bus,
        default_locale=settings.locale,
        sentiment=sentiment,
        locks=locks,
        claim_idle_ms=settings.stream.claim_idle_ms,
    )
    return AgentService(
        settings=settings,
        conversation=conversation,
        brain=brain,
        tools=tools,
        router=router,
        validator=validator or build_validator(settings),
    )


async def _default_tools(settings: Settings) -> ToolHost:
    """The in-memory FastMCP banking tools, the default locale's session opened."""
    from switchboard.tools.host import McpToolHost

    host = McpToolHost(timeout_s=settings.agent.tool_timeout_s)
    # Open the default locale's MCP session now (geocoding tables take ~1-2 s),
    # so the first customer does not wait for it.
    await host.prepare(settings.locale)
    return host


def build_desk(
    settings: Settings,
    service: AgentService,
    *,
    start: bool = True,
    channels: FrameChannels | None = None,
) -> Desk:
    """Build the human-agent desk and inject it as the conversation's handover queue.

    The routing engine runs over the service's store's database.

    Args:
        settings: ``routing`` (queues, hours, ACW) is read.
        service: the running service.
        start: start the dispatch loop now (needs a running event loop).
        channels: frame channels shared with other replicas (default: in process).

    Raises:
        ConfigError: the store is not SQL (the routing tables live in its database).
    """
    from switchboard.routing.desk import Desk
    from switchboard.routing.engine import RoutingEngine, queues_from_settings
    from switchboard.routing.store import RoutingStore

    try:
        store = RoutingStore.for_store(service.conversation.store)
    except TypeError as exc:
        raise ConfigError(str(exc)) from exc
    engine = RoutingEngine(
        store, queues_from_settings(settings.routing), acw_s=settings.routing.acw_s
    )
    desk = Desk(service.conversation, engine, channels=channels)
    service.conversation.set_handover_queue(desk)
    if start:
        desk.start()
    return desk


async def close_desk(service: AgentService | None, desk: Desk | None) -> None:
    """Stop the desk's dispatch loop and detach it from the conversation service."""
    if desk is None:
        return
    await desk.aclose()
    if service is not None and service.conversation.handover_queue is desk:
        service.conversation.set_handover_queue(None)


def build_analytics(
    service: AgentService,
    settings: Settings,
    *,
    sinks: list[SummarySink] | None = None,
    telemetry: Telemetry | None = None,
    start_sweeper: bool = True,
) -> AnalyticsRuntime:
    """Wire metrics, supervisor board, summaries, traces and the idle sweeper onto ``service``.

    Raises:
        ConfigError: an unknown telemetry exporter, or S3 configured without boto3.
    """
    from switchboard.analytics.telemetry_runtime import AnalyticsRuntime

    return AnalyticsRuntime.attach(
        service, settings, sinks=sinks, telemetry=telemetry, start_sweeper=start_sweeper
    )


def schema_metadata() -> list[MetaData]:
    """Every table of the product, one ``MetaData`` per model base (store, routing, …).

    Alembic's autogenerate (``switchboard db revision``) and the
    models-match-migrations test compare the migration head against these. A
    new model base (e.g. a users table with its own ``DeclarativeBase``) is added
    here in the same change as its migration (docs/migrations.md).
    """
    from switchboard.identity.users import IdentityBase
    from switchboard.routing.models import RoutingBase
    from switchboard.store.models import Base

    return [Base.metadata, RoutingBase.metadata, IdentityBase.metadata]
