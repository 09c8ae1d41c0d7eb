"""The turn's middleware chain: how telemetry, metrics and extra checks attach to the loop.

Cross-cutting concerns register a :class:`TurnMiddleware` on
``AgentService.hooks`` instead of replacing the loop's attributes. Each
hook receives the stage's input and ``call_next`` (the rest of the chain,
ending in the real port call), in the style of FastMCP's
``on_call_tool(context, call_next)``: it may observe, time, annotate or
re-raise, and must return what ``call_next`` returned (or a replacement of
the same type)::

    class Timing(TurnMiddleware):
        async def on_brain_step(self, turn, call_next):
            t0 = time.perf_counter()
            try:
                return await call_next(turn)
            finally:
                record(time.perf_counter() - t0)

    service.hooks.add(Timing())

Stages: ``on_turn`` (the whole turn), ``on_classify`` (intent router),
``on_brain_step`` (one brain round), ``on_tool_call`` (one MCP call),
``on_validate`` (the validation agent). Middlewares run in the order added,
the first outermost. With no middleware a stage is one direct call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from switchboard.domain.types import (
    AgentReply,
    Contact,
    Locale,
    ToolCall,
    ToolResult,
    ValidationResult,
)
from switchboard.ports import BrainStep, BrainTurn, RouteDecision


@dataclass(frozen=True)
class TurnInput:
    """What ``on_turn`` sees: the contact as loaded, the raw text, the live sentiment."""

    contact: Contact
    text: str
    sentiment: str | None


@dataclass(frozen=True)
class ValidationInput:
    """What ``on_validate`` sees: the query, the turn's tool results, the reply, the locale."""

    query: str
    tool_results: Sequence[ToolResult]
    reply: str
    locale: Locale


TurnNext = Callable[[TurnInput], Awaitable[AgentReply]]
ClassifyNext = Callable[[str], RouteDecision]
BrainNext = Callable[[BrainTurn], Awaitable[BrainStep]]
ToolNext = Callable[[ToolCall, Locale], Awaitable[ToolResult]]
ValidateNext = Callable[[ValidationInput], ValidationResult]


class TurnMiddleware:
    """Base class of a turn middleware: every hook passes through unless overridden."""

    async def on_turn(self, turn: TurnInput, call_next: TurnNext) -> AgentReply:
        """Around the whole turn."""
        return await call_next(turn)

    def on_classify(self, text: str, call_next: ClassifyNext) -> RouteDecision:
        """Around the intent router's ``classify`` (synchronous, like the router)."""
        return call_next(text)

    async def on_brain_step(self, turn: BrainTurn, call_next: BrainNext) -> BrainStep:
        """Around one brain round."""
        return await call_next(turn)

    async def on_tool_call(self, call: ToolCall, locale: Locale, call_next: ToolNext) -> ToolResult:
        """Around one tool call."""
        return await call_next(call, locale)

    def on_validate(self, check: ValidationInput, call_next: ValidateNext) -> ValidationResult:
        """Around the validation agent (synchronous, like the validator)."""
        return call_next(check)


class TurnHooks:
    """The ordered middleware chain of one service (first added = outermost)."""

    def __init__(self, middlewares: Sequence[TurnMiddleware] = ()) -> None:
        self._chain: list[TurnMiddleware] = list(middlewares)

    def add(self, middleware: TurnMiddleware) -> None:
        """Append a middleware (innermost so far); adding the same object twice is a no-op."""
        if not any(m is middleware for m in self._chain):
            self._chain.append(middleware)

    def remove(self, middleware: TurnMiddleware) -> None:
        """Remove a middleware if present."""
        self._chain = [m for m in self._chain if m is not middleware]

    @property
    def middlewares(self) -> tuple[TurnMiddleware, ...]:
        """The chain, outermost first."""
        return tuple(self._chain)

    async def run_turn(
        self,
        contact: Contact,
        text: str,
        sentiment: str | None,
        final: Callable[..., Awaitable[AgentReply]],
    ) -> AgentReply:
        """Run ``final(contact, text, sentiment=...)`` through every ``on_turn``."""

        async def call(turn: TurnInput) -> AgentReply:
            return await final(turn.contact, turn.text, sentiment=turn.sentiment)

        handler: TurnNext = call
        for mw in reversed(self._chain):
            handler = _bind_turn(mw, handler)
        return await handler(TurnInput(contact, text, sentiment))

    def classify(self, text: str, final: ClassifyNext) -> RouteDecision:
        """Run the router's ``classify`` through every ``on_classify``."""
        handler = final
        for mw in reversed(self._chain):
            handler = _bind_classify(mw, handler)
        return handler(text)

    async def brain_step(self, turn: BrainTurn, final: BrainNext) -> BrainStep:
        """Run one brain round through every ``on_brain_step``."""
        handler = final
        for mw in reversed(self._chain):
            handler = _bind_brain(mw, handler)
        return await handler(turn)

    async def tool_call(self, call: ToolCall, locale: Locale, final: ToolNext) -> ToolResult:
        """Run one tool call through every ``on_tool_call``."""
        handler = final
        for mw in reversed(self._chain):
            handler = _bind_tool(mw, handler)
        return await handler(call, locale)

    def validate(self, check: ValidationInput, final: ValidateNext) -> ValidationResult:
        """Run the validation agent through every ``on_validate``."""
        handler = final
        for mw in reversed(self._chain):
            handler = _bind_validate(mw, handler)
        return handler(check)


def _bind_turn(mw: TurnMiddleware, nxt: TurnNext) -> TurnNext:
    async def handler(turn: TurnInput) -> AgentReply:
        return await mw.on_turn(turn, nxt)

    return handler


def _bind_classify(mw: TurnMiddleware, nxt: ClassifyNext) -> ClassifyNext:
    def handler(text: str) -> RouteDecision:
        return mw.on_classify(text, nxt)

    return handler


def _bind_brain(mw: TurnMiddleware, nxt: BrainNext) -> BrainNext:
    async def handler(turn: BrainTurn) -> BrainStep:
        return await mw.on_brain_step(turn, nxt)

    return handler


def _bind_tool(mw: TurnMiddleware, nxt: ToolNext) -> ToolNext:
    async def handler(call: ToolCall, locale: Locale) -> ToolResult:
        return await mw.on_tool_call(call, locale, nxt)

    return handler


def _bind_validate(mw: TurnMiddleware, nxt: ValidateNext) -> ValidateNext:
    def handler(check: ValidationInput) -> ValidationResult:
        return mw.on_validate(check, nxt)

    return handler
