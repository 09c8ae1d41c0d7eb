"""``FallbackBrain``: a chain of brains that is itself a :class:`~switchboard.ports.Brain`.

Each step goes to the first brain of the chain that is not cooling down; when
it raises or does not answer within ``step_timeout_s`` (a hung provider), the
next one gets the same :class:`BrainTurn` — tool results of earlier rounds
included, so a turn begun by one provider can be finished by another (LLM
brains rebuild their conversation from the turn; they keep no state).

A brain that failed is skipped for ``cooldown_s`` so later steps and turns do
not wait on a dead provider again; the last brain of the chain is always
tried. When every brain fails the chain raises :class:`BrainError` and the
turn loop hands the customer over (``technical_issues``) with the
conversation kept: the customer is never dropped and never shown an error.
Every failure is logged with the provider and the reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from switchboard.errors import BrainError, ConfigError
from switchboard.ports import Brain, BrainStep, BrainTurn

log = logging.getLogger("switchboard.brains.fallback")


class FallbackBrain:
    """Try brains in order until one answers.

    Args:
        brains: the chain, primary first (at least one).
        step_timeout_s: time limit of one brain's step, seconds.
        cooldown_s: how long a failed brain is skipped, seconds (0: never skipped).
        clock: monotonic clock in seconds (tests pass a fake one).

    Raises:
        ConfigError: for an empty chain or a non-positive timeout.
    """

    def __init__(
        self,
        brains: Sequence[Brain],
        *,
        step_timeout_s: float,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not brains:
            raise ConfigError("a fallback chain needs at least one brain")
        if step_timeout_s <= 0:
            raise ConfigError("step_timeout_s must be positive")
        self.brains = list(brains)
        self.step_timeout_s = step_timeout_s
        self.cooldown_s = cooldown_s
        self.clock = clock
        self.name = "fallback(" + ">".join(b.name for b in self.brains) + ")"
        self._failed_at: dict[int, float] = {}
        #: Name of the brain that produced the last step (for logs and tests).
        self.last_answered_by: str | None = None

    def _cooling(self, index: int) -> bool:
        failed = self._failed_at.get(index)
        return failed is not None and self.clock() - failed < self.cooldown_s

    async def step(self, turn: BrainTurn) -> BrainStep:
        """Return the first step any brain of the chain produces.

        Raises:
            BrainError: every brain failed, timed out or was cooling down; the
                message lists why, brain by brain.
        """
        failures: list[str] = []
        last = len(self.brains) - 1
        for index, brain in enumerate(self.brains):
            if index < last and self._cooling(index):
                failures.append(f"{brain.name}: cooling down after a failure")
                continue
            try:
                step = await asyncio.wait_for(brain.step(turn), timeout=self.step_timeout_s)
            except TimeoutError:
                reason = f"no answer within {self.step_timeout_s:g} s"
            except Exception as exc:  # any provider failure moves on to the next brain
                reason = f"{type(exc).__name__}: {exc}"
            else:
                self._failed_at.pop(index, None)
                self.last_answered_by = brain.name
                if failures:
                    log.warning(
                        "brain %s answered after: %s",
                        brain.name,
                        "; ".join(failures),
                        extra={"contact_id": turn.contact.contact_id},
                    )
                return step
            self._failed_at[index] = self.clock()
            failures.append(f"{brain.name}: {reason}")
            log.warning(
                "brain %s failed (%s)%s",
                brain.name,
                reason,
                "; trying the next brain" if index < last else "; no brain left",
                extra={"contact_id": turn.contact.contact_id},
            )
        self.last_answered_by = None
        raise BrainError("every brain failed: " + "; ".join(failures))

    async def aclose(self) -> None:
        """Close the brains of the chain that hold clients."""
        for brain in self.brains:
            close = getattr(brain, "aclose", None)
            if callable(close):
                await close()
