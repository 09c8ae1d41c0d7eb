"""Timer stages: DTMF digit collection and the no-input prompts.

* :class:`DtmfCollector`: keypad digits collect until ``#`` or
  ``dtmf_timeout_ms`` (wall clock) without a new digit, then go to the agent
  as one caller turn (e.g. ``"1234"``).
* :class:`NoInputTimer`: after ``no_input_ms`` of caller silence following a
  reply, a "still there?" prompt; after ``max_no_input_prompts`` of them, the
  goodbye that ends the call (seed 4 no-input handling).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

#: Keys a DTMF event may carry (RFC 4733 events 0-15).
DTMF_DIGITS = frozenset("0123456789*#ABCD")


class DtmfCollector:
    """Collects one call's keypad digits into turns.

    Args:
        timeout_ms: wall-clock ms after the last digit that submit the digits.
        submit: receives the collected digits (never empty).
    """

    def __init__(self, timeout_ms: float, submit: Callable[[str], None]) -> None:
        self.timeout_ms = timeout_ms
        self._submit = submit
        self._digits: list[str] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> bool:
        """True while digits are waiting for ``#`` or the timeout."""
        return bool(self._digits)

    def press(self, digit: str) -> None:
        """One valid digit (see :data:`DTMF_DIGITS`); ``#`` submits what was collected."""
        self.cancel()
        if digit == "#":
            self.flush()
            return
        self._digits.append(digit)
        self._task = asyncio.create_task(self._timeout())

    def flush(self) -> None:
        """Submit the digits collected so far (nothing when there are none)."""
        digits = "".join(self._digits)
        self._digits.clear()
        if digits:
            self._submit(digits)

    def cancel(self) -> None:
        """Stop the pending timeout (digits are kept)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _timeout(self) -> None:
        await asyncio.sleep(self.timeout_ms / 1000.0)
        self._task = None
        self.flush()


class NoInputTimer:
    """Counts the caller's silence after the last activity and decides the prompts.

    Args:
        no_input_ms: silence before a prompt, ms.
        max_prompts: prompts before the goodbye.
    """

    def __init__(self, no_input_ms: float, max_prompts: int) -> None:
        self.no_input_ms = no_input_ms
        self.max_prompts = max_prompts
        self.last_activity_ms = 0.0
        self.prompts = 0

    def touch(self, now_ms: float) -> None:
        """Something happened at ``now_ms`` (a turn, a digit, a reply heard to its end)."""
        self.last_activity_ms = now_ms

    def heard(self) -> None:
        """The caller spoke or keyed: the prompt count starts again."""
        self.prompts = 0

    def due(self, now_ms: float) -> str | None:
        """``"no_input"`` or ``"goodbye_no_input"`` when a prompt is due at ``now_ms``, else None.

        Call only while the line is idle (nobody speaking, nothing queued or playing).
        """
        if now_ms - self.last_activity_ms < self.no_input_ms:
            return None
        self.last_activity_ms = now_ms
        if self.prompts >= self.max_prompts:
            return "goodbye_no_input"
        self.prompts += 1
        return "no_input"
