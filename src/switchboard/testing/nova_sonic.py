"""A :class:`~switchboard.voice.engines.nova_sonic.stream.NovaStream` that replays recorded output.

No AWS is reachable in tests, so Nova Sonic sessions run against recorded
event sequences. A recording is JSON::

    {"description": "...",
     "output": [
        {"event": {"completionStart": {...}}},
        {"await": "audioInput", "count": 10},     # wait until 10 audioInput were sent
        {"event": {"toolUse": {...}}},
        {"await": "toolResult"},                  # wait for our toolResult
        {"raw": "not json"},                      # a malformed payload, sent as is
        {"fail": "connection reset"},             # the provider dies here
        ...]}

``receive`` returns each ``event`` as the UTF-8 JSON bytes the SDK would give;
``await`` steps block until the session has sent that many input events of
that name (so tool results and audio really flow before the model "answers").
Every event the session sends is kept in :attr:`ReplayNovaStream.sent`.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

from switchboard.errors import BrainError


class ReplayNovaStream:
    """Replays one recording; records what the session sends.

    Args:
        output: the recording's ``output`` steps.
        await_timeout_s: how long an ``await`` step waits before failing the
            stream (a session that never sends what the model waits for).
    """

    def __init__(self, output: list[dict[str, Any]], *, await_timeout_s: float = 10.0) -> None:
        self.output = list(output)
        self.sent: list[dict[str, Any]] = []
        self.closed = False
        self._counts: Counter[str] = Counter()
        self._changed = asyncio.Event()
        self._timeout = await_timeout_s
        self._pos = 0

    @classmethod
    def from_file(cls, path: Path, **kwargs: Any) -> ReplayNovaStream:
        """Load a recording file (see the module doc for its shape)."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(list(data["output"]), **kwargs)

    def names_sent(self) -> list[str]:
        """The names of the input events sent so far, in order."""
        return [next(iter(e["event"])) for e in self.sent]

    async def send(self, event: dict[str, Any]) -> None:
        """Record one input event (raises BrainError once closed)."""
        if self.closed:
            raise BrainError("stream closed")
        json.dumps(event)  # what the SDK would have to serialise
        self.sent.append(event)
        self._counts[next(iter(event["event"]))] += 1
        self._changed.set()

    async def receive(self) -> bytes | None:
        """Return the next recorded payload; None at the end of the recording."""
        while self._pos < len(self.output):
            step = self.output[self._pos]
            self._pos += 1
            if "await" in step:
                await self._await(step["await"], int(step.get("count", 1)))
                continue
            if "fail" in step:
                raise BrainError(f"provider failed: {step['fail']}")
            if "raw" in step:
                return str(step["raw"]).encode("utf-8")
            return json.dumps(step).encode("utf-8")
        return None

    async def _await(self, name: str, count: int) -> None:
        async def reached() -> None:
            while self._counts[name] < count:
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(reached(), timeout=self._timeout)
        except TimeoutError as exc:
            raise BrainError(f"replay: the session never sent {count} x {name}") from exc

    async def close(self) -> None:
        """Mark the input side closed."""
        self.closed = True
