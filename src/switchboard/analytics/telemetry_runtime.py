"""Wires metrics, traces, summaries and the supervisor board onto a running ``AgentService``.

:meth:`AnalyticsRuntime.attach` is called by the app's lifespan (and by tests)
once the service exists:

* the metrics and the supervisor board subscribe to the audit sink's events
  (``AuditSink.subscribe``);
* the summary service becomes an end-of-contact hook (``conversation.end_hooks``),
  with the file sink (``var/summaries``) and, when configured, the S3 sink;
* OpenTelemetry spans around the turn-loop stages, when an exporter is
  configured, come from a turn middleware on ``service.hooks``;
* the idle sweeper ends quiet contacts as ``abandoned``;
* the board reads human agents' lines from the transcript stream (group
  ``supervisor``); everything else, sentiment included, comes from the events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from switchboard.analytics.metrics import ContactMetrics
from switchboard.analytics.stream import TranscriptSegment
from switchboard.analytics.summary import Summarizer
from switchboard.analytics.summary_service import SummaryService
from switchboard.analytics.summary_sinks import FileSummarySink, S3SummarySink, SummarySink
from switchboard.analytics.supervisor import IdleSweeper, SupervisorBoard
from switchboard.analytics.telemetry import Telemetry, TracingMiddleware, instrument_service
from switchboard.config import Settings
from switchboard.domain.types import Contact, Source

if TYPE_CHECKING:
    from switchboard.agent.service import AgentService

log = logging.getLogger("switchboard.analytics")

#: Consumer group of the supervisor board on the transcript stream.
SEGMENT_GROUP = "supervisor"
#: Seconds the summary waits for the sentiment stage to store its last scores.
SETTLE_S = 2.0


class AnalyticsRuntime:
    """Metrics, supervisor board, summaries, traces and the idle sweeper of one service.

    Build it with :meth:`attach`; stop it with :meth:`aclose`.
    """

    def __init__(
        self,
        service: AgentService,
        *,
        metrics: ContactMetrics,
        board: SupervisorBoard,
        summaries: SummaryService,
        sweeper: IdleSweeper,
        telemetry: Telemetry | None,
    ) -> None:
        self.service = service
        self.metrics = metrics
        self.board = board
        self.summaries = summaries
        self.sweeper = sweeper
        self.telemetry = telemetry
        self._unsubscribe: list[Callable[[], None]] = []
        self._consumer: Any = None
        self._tracing: TracingMiddleware | None = None

    @classmethod
    def attach(
        cls,
        service: AgentService,
        settings: Settings,
        *,
        sinks: list[SummarySink] | None = None,
        telemetry: Telemetry | None = None,
        start_sweeper: bool = True,
    ) -> AnalyticsRuntime:
        """Wire everything onto ``service`` (call once per service; :meth:`aclose` unwires).

        Args:
            service: the running agent service.
            settings: ``summaries`` and ``telemetry`` sections are read.
            sinks: summary sinks to use instead of the configured ones.
            telemetry: a tracer to use instead of the configured exporter (tests pass
                an in-memory exporter).
            start_sweeper: run the idle sweeper in the background (needs a running loop).

        Raises:
            switchboard.errors.ConfigError: an unknown telemetry exporter, or S3
                configured without boto3.
        """
        metrics = ContactMetrics()
        board = SupervisorBoard()
        summaries = SummaryService(
            service.conversation.store,
            summarizer=configured_summarizer(settings),
            sinks=sinks if sinks is not None else configured_sinks(settings),
        )
        if telemetry is None:
            telemetry = Telemetry.from_settings(
                settings.telemetry.otel_exporter, settings.telemetry.otel_endpoint
            )
        sweeper = IdleSweeper(
            board,
            service.end_contact,
            idle_timeout_s=settings.summaries.idle_timeout_s,
            interval_s=settings.summaries.idle_sweep_interval_s,
        )
        runtime = cls(
            service,
            metrics=metrics,
            board=board,
            summaries=summaries,
            sweeper=sweeper,
            telemetry=telemetry,
        )
        subscribe: Any = getattr(service.conversation.events, "subscribe", None)
        if callable(subscribe):
            runtime._unsubscribe.append(subscribe(metrics.observe))
            runtime._unsubscribe.append(subscribe(board.observe))
        else:
            log.warning("event sink has no subscribe(); metrics and supervisor board stay empty")
        service.conversation.end_hooks.append(runtime.on_contact_end)
        summaries.listeners.append(board.on_summary)
        if telemetry is not None:
            runtime._tracing = instrument_service(service, telemetry)
        segments: Any = getattr(service, "segments", None)
        if segments is not None and hasattr(segments, "subscribe"):
            runtime._consumer = segments.subscribe(
                SEGMENT_GROUP, runtime.on_segment, accept=_human_agent_line
            )
        if start_sweeper:
            sweeper.start()
        return runtime

    async def on_contact_end(self, contact: Contact) -> None:
        """End-of-contact hook: let the sentiment stage store its last scores, then summarise.

        Waiting (at most :data:`SETTLE_S`) keeps the last sentiment reading in the
        summary, and keeps a late sentiment write from replacing the stored summary.
        """
        sentiment = self.service.conversation.sentiment
        settle = sentiment.settle if sentiment is not None else None
        if settle is not None:
            try:
                await settle(SETTLE_S)
            except Exception as exc:  # a slow sentiment stage must not block the summary
                log.warning(
                    "sentiment not settled before the summary: %s",
                    type(exc).__name__,
                    extra={"contact_id": contact.contact_id},
                )
        await self.summaries.on_contact_end(contact)

    async def on_segment(self, segment: TranscriptSegment) -> None:
        """Transcript-stream handler (group ``supervisor``): human agents' lines onto the board.

        Customer and AI-agent lines, and the sentiment stage's scores, arrive as
        events (``user_input``, ``agent_reply``, ``sentiment``).
        """
        if segment.is_partial or segment.speaker is not Source.HUMAN_AGENT:
            return
        self.board.note_human_message(segment.contact_id, segment.text, segment.end_time)

    async def aclose(self) -> None:
        """Stop the sweeper, unsubscribe, unhook and flush the traces."""
        await self.sweeper.stop()
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        hook = self.on_contact_end
        hooks = self.service.conversation.end_hooks
        hooks[:] = [h for h in hooks if h != hook]
        close: Any = getattr(self.summaries.summarizer, "aclose", None)
        if callable(close):
            await close()
        if self._tracing is not None:
            self.service.hooks.remove(self._tracing)
            self._tracing = None
        if self.telemetry is not None:
            self.telemetry.shutdown()


def configured_summarizer(settings: Settings) -> Summarizer | None:
    """The LLM summarizer when ``summaries.llm_model`` and ``llm_base_url`` are set, else None."""
    cfg = settings.summaries
    if not (cfg.llm_model and cfg.llm_base_url):
        return None
    from switchboard.analytics.summary_llm import LlmSummarizer

    return LlmSummarizer(cfg.llm_base_url, cfg.llm_model, api_key=cfg.llm_api_key)


def configured_sinks(settings: Settings) -> list[SummarySink]:
    """The summary sinks the settings ask for (file by default, S3 when a bucket is set).

    Raises:
        switchboard.errors.ConfigError: S3 configured without boto3.
    """
    cfg = settings.summaries
    sinks: list[SummarySink] = []
    if cfg.directory is not None:
        sinks.append(FileSummarySink(cfg.directory))
    if cfg.s3_bucket:
        sinks.append(
            S3SummarySink(cfg.s3_bucket, prefix=cfg.s3_prefix, kms_key_id=cfg.s3_kms_key_id)
        )
    return sinks


def _human_agent_line(segment: TranscriptSegment) -> bool:
    """The segments the ``supervisor`` group acts on: a human agent's final lines."""
    return not segment.is_partial and segment.speaker is Source.HUMAN_AGENT
