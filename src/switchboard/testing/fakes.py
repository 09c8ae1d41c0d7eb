"""Fakes that implement the ports, for tests and for teams extending switchboard.

Fakes over mocks (DESIGN.md habit 6): each one behaves like the real thing
on a small, explicit script.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from switchboard.domain.types import Event, EventType, Route
from switchboard.errors import BrainError
from switchboard.ports import BrainStep, BrainTurn, RouteDecision


class ScriptedRouter:
    """An :class:`~switchboard.ports.IntentRouter` that reads answers from a table.

    Args:
        table: lower-cased utterance → (route, intent, confidence).
        default: the decision for any other utterance (out of scope by default).
    """

    def __init__(
        self,
        table: dict[str, tuple[Route, str, float]],
        default: tuple[Route, str, float] = (Route.OUT_OF_SCOPE, "oos", 0.9),
    ) -> None:
        self.table = {k.lower().strip(): v for k, v in table.items()}
        self.default = default
        self.calls: list[str] = []

    def classify(self, text: str) -> RouteDecision:
        """Return the scripted decision for ``text``."""
        self.calls.append(text)
        route, intent, conf = self.table.get(text.lower().strip(), self.default)
        return RouteDecision(
            route=route,
            intent=intent,
            confidence=conf,
            route_scores={route.value: conf},
            out_of_scope=route is Route.OUT_OF_SCOPE,
        )


class RecordingSink:
    """An :class:`~switchboard.ports.EventSink` that keeps events in a list."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def emit(self, event: Event) -> None:
        """Append ``event``."""
        self.events.append(event)

    def types(self) -> list[EventType]:
        """Return the event types in order."""
        return [e.type for e in self.events]


class ScriptedBrain:
    """A :class:`~switchboard.ports.Brain` that plays a function of the turn.

    Args:
        script: called with each :class:`BrainTurn`; returns the step.
        name: the brain name reported in events.
    """

    def __init__(self, script: Callable[[BrainTurn], BrainStep], name: str = "scripted") -> None:
        self.script = script
        self.name = name
        self.turns: list[BrainTurn] = []

    async def step(self, turn: BrainTurn) -> BrainStep:
        """Record the turn and return the scripted step."""
        self.turns.append(turn)
        return self.script(turn)


class DeadBrain:
    """A brain whose provider is down: every step raises :class:`BrainError`."""

    name = "dead"

    async def step(self, turn: BrainTurn) -> BrainStep:
        """Raise BrainError (retryable), like a provider outage."""
        raise BrainError("provider unavailable", retryable=True)


def event_types(events: Sequence[Event]) -> list[str]:
    """Return the event type names of ``events``, in order."""
    return [e.type.value for e in events]
