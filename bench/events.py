"""Cost of typed events: the writer's strict check and the reader's payload.

Builds the events of one real turn (the kinds and fields the turn loop writes
for a branch answer) many times and prints p50/p95 in microseconds for

* ``Event.from_stored`` — the envelope only, no ``data`` check (what building an
  event cost before typed events);
* ``Event(...)`` — the envelope plus the strict check of ``data``;
* ``event.payload`` — the tolerant typed read (metrics, supervisor, summaries).

Usage: .venv/bin/python bench/events.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from switchboard.domain.types import Event, EventType, Source

TURN: list[tuple[EventType, dict[str, Any]]] = [
    (EventType.USER_INPUT, {"transcript": "Where is the nearest branch to Leeds?",
                            "input_mode": "text", "channel": "chat", "turn": 1}),
    (EventType.BRAIN_INVOCATION, {"brain": "local", "round": 0, "strict": False,
                                  "conversation_history_length": 2,
                                  "tools_available": ["find_nearest_branch"]}),
    (EventType.BRAIN_RESPONSE, {"stop_reason": "tool_use", "tool_calls": [
        {"tool_name": "find_nearest_branch", "tool_input": {"location": "Leeds"}}],
        "response_text": None, "route": "branch", "action": "answer", "latency_ms": 1.2}),
    (EventType.TOOL_INVOCATION, {"tool_name": "find_nearest_branch",
                                 "tool_input": {"location": "Leeds"},
                                 "tool_output": {"branches": [{"name": "Leeds Park Row"}]},
                                 "error": None, "latency_ms": 3.4}),
    (EventType.VALIDATION_CHECK, {"validation_passed": True, "hallucination_detected": False,
                                  "confidence_score": 1.0, "checks_performed": ["branch"],
                                  "severity": None, "action_taken": "none", "findings": []}),
    (EventType.AGENT_REPLY, {"text": "The nearest branch to Leeds is Leeds Park Row.",
                             "route": "branch", "action": "answer",
                             "tools": ["find_nearest_branch"], "handover_reason": None,
                             "latency_ms": 12.5, "turn": 1}),
]


def timed(rounds: int, work: Callable[[], object]) -> list[float]:
    """Microseconds per call of ``work`` for each of ``rounds`` rounds."""
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        work()
        samples.append((time.perf_counter() - t0) * 1e6)
    return samples


def report(name: str, samples: list[float]) -> None:
    """Print p50/p95 of ``samples`` (µs for the turn's six events)."""
    cuts = statistics.quantiles(samples, n=100)
    print(f"{name:<28} p50 {cuts[49]:8.1f} µs   p95 {cuts[94]:8.1f} µs   (6 events)")


def main(rounds: int) -> None:
    """Run the three measurements ``rounds`` times each after a warm-up."""
    envelope = [
        {"contact_id": "c", "type": kind, "source": Source.SYSTEM, "data": data}
        for kind, data in TURN
    ]
    built = [Event(**e) for e in envelope]

    def unchecked() -> None:
        for e in envelope:
            Event.from_stored(e)

    def checked() -> None:
        for e in envelope:
            Event(**e)

    def read() -> None:
        for event in built:
            _ = event.payload

    for work in (unchecked, checked, read):
        timed(200, work)
    report("envelope only (before)", timed(rounds, unchecked))
    report("strict check (writers)", timed(rounds, checked))
    report("payload read (readers)", timed(rounds, read))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
