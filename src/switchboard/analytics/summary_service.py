"""Summaries at the end of every contact: build, check, store with the contact, export.

:class:`SummaryService` is registered as an end-of-contact hook on
``AgentService`` (``service.end_hooks``), so every ended contact — resolved,
transferred or abandoned — gets one:

1. the record is read back from the store (transcript and events, as stored:
   PII-redacted);
2. the summarizer writes it (the extractive default, or an LLM adapter; if the
   adapter fails the extractive one is used and the log says why; a model
   bullet the check drops is replaced by the extractive bullet);
3. the grounding check (:mod:`switchboard.analytics.summary_check`) removes
   every statement it cannot trace to the transcript or events;
4. the checked summary is stored in ``Contact.state.summary`` and exported to
   every sink (a file under ``var/summaries`` by default; S3 optionally). A
   failing sink is logged; the stored summary stays.

Abandoned contacts are detected by :class:`switchboard.analytics.supervisor.IdleSweeper`
(no customer activity for ``idle_timeout_s``) and ended with status
``abandoned``, which comes back here through the same hook.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from switchboard.analytics.summary import (
    CallSummary,
    ContactRecord,
    ExtractiveSummarizer,
    Summarizer,
)
from switchboard.analytics.summary_check import GroundingChecker
from switchboard.analytics.summary_sinks import SummarySink
from switchboard.domain.types import Contact, ContactStatus
from switchboard.errors import SummaryNotReadyError
from switchboard.ports import Store

log = logging.getLogger("switchboard.analytics.summary")

#: Key of ``Contact.state`` the summary is stored under.
STATE_KEY = "summary"
#: Messages read back for a summary (a contact longer than this is summarised on its tail).
MAX_MESSAGES = 10_000

#: Called with every stored summary (the supervisor board listens).
SummaryListener = Callable[[CallSummary], None]


class SummaryService:
    """Builds, checks, stores and exports the summary of each ended contact.

    Args:
        store: the contact store (the summary is written into the contact's state).
        summarizer: writes the summary; default :class:`ExtractiveSummarizer`.
        checker: the grounding check; default with the embedded validation agent.
        sinks: where summaries are exported (files, S3).
    """

    def __init__(
        self,
        store: Store,
        *,
        summarizer: Summarizer | None = None,
        checker: GroundingChecker | None = None,
        sinks: Sequence[SummarySink] = (),
    ) -> None:
        self.store = store
        self.summarizer: Summarizer = summarizer or ExtractiveSummarizer()
        self.fallback = ExtractiveSummarizer()
        self.checker = checker or GroundingChecker()
        self.sinks = list(sinks)
        self.exported: dict[str, list[str]] = {}
        self.listeners: list[SummaryListener] = []

    def record(self, contact_id: str) -> ContactRecord:
        """Read a contact's record (contact, transcript, events) from the store.

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
        """
        return ContactRecord(
            contact=self.store.get_contact(contact_id),
            messages=self.store.recent_messages(contact_id, MAX_MESSAGES),
            events=self.store.events(contact_id),
        )

    async def summarize(self, record: ContactRecord) -> CallSummary:
        """Write and check the summary of ``record`` (not stored).

        Never raises for a summarizer failure: the extractive summarizer takes over.
        """
        try:
            draft = await self.summarizer.summarize(record)
        except Exception as exc:
            log.warning(
                "summarizer %s failed (%s); using the extractive one",
                self.summarizer.name,
                type(exc).__name__,
                extra={"contact_id": record.contact.contact_id},
            )
            draft = await self.fallback.summarize(record)
        checked = await asyncio.to_thread(self.checker.check, draft, record)
        if draft.summarizer == self.fallback.name or len(checked.bullets) == len(draft.bullets):
            return checked
        # A model bullet was dropped: put the (checked) extractive bullet in its place.
        extractive = await asyncio.to_thread(
            self.checker.check, await self.fallback.summarize(record), record
        )
        kept = set(checked.bullets)
        bullets = [
            b if b in kept else extractive.bullets[i]
            for i, b in enumerate(draft.bullets)
            if b in kept or i < len(extractive.bullets)
        ]
        return checked.model_copy(
            update={"bullets": bullets, "summarizer": f"{draft.summarizer}+extractive"}
        )

    async def on_contact_end(self, contact: Contact) -> CallSummary:
        """The end-of-contact hook: summarise, store and export ``contact``.

        Returns:
            The stored summary.

        Raises:
            switchboard.errors.UnknownContactError: the contact is not in the store.
        """
        record = self.record(contact.contact_id)
        summary = await self.summarize(record)
        stored = self.store.get_contact(contact.contact_id)
        stored.state.summary = summary
        self.store.update_contact(stored)
        locations: list[str] = []
        for sink in self.sinks:
            try:
                locations.append(await asyncio.to_thread(sink.export, summary))
            except Exception as exc:  # the stored summary stays; the log says why
                log.error(
                    "summary export failed: %s",
                    type(exc).__name__,
                    extra={"contact_id": contact.contact_id, "sink": type(sink).__name__},
                )
        self.exported[contact.contact_id] = locations
        if summary.check.dropped:
            log.info(
                "summary statements dropped by the grounding check",
                extra={
                    "contact_id": contact.contact_id,
                    "dropped": [d.model_dump() for d in summary.check.dropped],
                },
            )
        for listener in list(self.listeners):
            try:
                listener(summary)
            except Exception:
                log.exception("summary listener failed")
        return summary

    async def get(self, contact_id: str) -> CallSummary:
        """Return the stored summary of an ended contact, building it if it is missing.

        Raises:
            switchboard.errors.UnknownContactError: no such contact.
            SummaryNotReadyError: the contact has not ended yet.
        """
        contact = self.store.get_contact(contact_id)
        if contact.state.summary is not None:
            return contact.state.summary
        if contact.ended_at is None and contact.status is ContactStatus.ACTIVE:
            raise SummaryNotReadyError(f"contact {contact_id} is still active")
        if contact.ended_at is None:  # transferred, still with the human agent
            raise SummaryNotReadyError(f"contact {contact_id} has not ended yet")
        return await self.on_contact_end(contact)

