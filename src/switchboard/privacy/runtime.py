"""The server's background privacy task: periodic retention purge and chain-head anchors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from switchboard.config import Settings
from switchboard.privacy.service import PrivacyService

log = logging.getLogger("switchboard.audit.privacy")


class PrivacyRuntime:
    """Runs :meth:`PrivacyService.purge` and :meth:`PrivacyService.anchor` periodically.

    Args:
        service: the privacy service.
        purge_interval_s: seconds between purges (0: never).
        anchor_interval_s: seconds between anchors (0: never).

    The work runs in a worker thread (database and file I/O); a failing round
    is logged and the next one runs on time.
    """

    def __init__(
        self, service: PrivacyService, *, purge_interval_s: float, anchor_interval_s: float
    ) -> None:
        self.service = service
        self.purge_interval_s = purge_interval_s
        self.anchor_interval_s = anchor_interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the loop (needs a running event loop); no-op when both intervals are 0."""
        if self._task is None and (self.purge_interval_s > 0 or self.anchor_interval_s > 0):
            self._task = asyncio.get_running_loop().create_task(self._run(), name="privacy")

    async def _run(self) -> None:
        """Anchor and purge when each is due; sleep until the next one."""
        next_purge = time.monotonic() + 1.0 if self.purge_interval_s > 0 else float("inf")
        next_anchor = time.monotonic() if self.anchor_interval_s > 0 else float("inf")
        while True:
            await asyncio.sleep(max(0.0, min(next_purge, next_anchor) - time.monotonic()))
            now = time.monotonic()
            if now >= next_anchor:
                next_anchor = now + self.anchor_interval_s
                await self._round("anchor")
            if now >= next_purge:
                next_purge = now + self.purge_interval_s
                await self._round("purge")

    async def _round(self, what: str) -> None:
        """Run one purge or anchor off the event loop; log a failure."""
        try:
            await asyncio.to_thread(getattr(self.service, what))
        except Exception:
            log.exception("privacy %s failed", what)

    async def aclose(self) -> None:
        """Stop the loop, then write a last anchor (so the newest events are covered)."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        if self.anchor_interval_s > 0:
            await self._round("anchor")


def build_privacy(settings: Settings, store: object) -> PrivacyRuntime | None:
    """The privacy runtime over the service's store, or None when the store is not SQL.

    Raises:
        switchboard.crypto.CryptoError: the anchor signing key cannot be loaded.
    """
    from switchboard.store.sql import SqlStore

    if not isinstance(store, SqlStore):
        return None
    cfg = settings.retention
    return PrivacyRuntime(
        PrivacyService(settings, store),
        purge_interval_s=cfg.purge_interval_s,
        anchor_interval_s=cfg.anchor_interval_s,
    )
