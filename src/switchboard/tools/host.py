"""``McpToolHost``: the :class:`switchboard.ports.ToolHost` over FastMCP clients.

One in-memory FastMCP ``Client`` per locale, connected to that locale's
banking server (:func:`switchboard.tools.server.create_banking_server`),
opened on first use and kept open until :meth:`McpToolHost.aclose`. The
tool list is read once per session. A call never raises: every failure comes
back as ``ToolResult.error`` (a :class:`ToolErrorInfo`) — the server's own
structured errors, ``unknown_tool`` for a name the server does not list,
``timeout`` past the time limit, ``unavailable`` when the session fails.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from fastmcp import Client, FastMCP
from fastmcp.client.transports import ClientTransport
from mcp_types import CallToolResult, TextContent
from pydantic import ValidationError

from switchboard.domain.types import Locale, ToolCall, ToolErrorInfo, ToolResult, ToolSpec
from switchboard.tools.server import create_banking_server

logger = logging.getLogger(__name__)

#: Builds what the client of one locale connects to: a FastMCP server (in
#: memory), a client transport (e.g. stdio), or a server URL.
ServerFactory = Callable[[Locale], FastMCP[Any] | ClientTransport | str]


@dataclass
class _Session:
    client: Client[Any]
    stack: AsyncExitStack
    specs: list[ToolSpec]
    names: frozenset[str]


class McpToolHost:
    """Runs the banking tools through an MCP client, one session per locale."""

    def __init__(
        self,
        *,
        timeout_s: float = 5.0,
        server_factory: ServerFactory | None = None,
    ) -> None:
        """Create a host; nothing connects until the first call.

        Args:
            timeout_s: time limit of one tool call in seconds (config
                ``agent.tool_timeout_s``); past it the result is a ``timeout``
                error.
            server_factory: builds what a locale's client connects to;
                :func:`create_banking_server` (in memory) by default. It may
                instead return a client transport (stdio) or an HTTP URL of
                the same server run elsewhere.

        Raises:
            ValueError: when ``timeout_s`` is not positive.

        """
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self._timeout_s = timeout_s
        self._factory: ServerFactory = server_factory or create_banking_server
        self._sessions: dict[Locale, _Session] = {}
        self._locks: dict[Locale, asyncio.Lock] = {}

    async def prepare(self, locale: Locale | str) -> None:
        """Open the session of ``locale`` now (server start, geocoder warm-up).

        Raises:
            Exception: whatever building or connecting the server raises
                (e.g. :class:`switchboard.tools.catalog.CatalogError`).

        """
        await self._session(Locale(locale))

    async def list_tools(self, locale: Locale | str) -> list[ToolSpec]:
        """Return the tools of ``locale``'s server (name, description, input schema).

        Raises:
            Exception: when the server cannot be built or connected; calls
                report such failures as ``unavailable`` instead.

        """
        session = await self._session(Locale(locale))
        return list(session.specs)

    async def call(self, call: ToolCall, locale: Locale | str) -> ToolResult:
        """Run one tool call on ``locale``'s server; never raises for tool failures.

        Returns:
            ``ToolResult`` with ``output`` (the tool's structured JSON) or
            ``error`` (``invalid_argument``, ``not_found``, ``unknown_tool``,
            ``timeout``, ``unavailable``, ``internal``), and ``latency_ms``
            measured around the whole call.

        """
        started = time.perf_counter()
        loc = Locale(locale)

        def done(
            output: dict[str, Any] | None = None, error: ToolErrorInfo | None = None
        ) -> ToolResult:
            return ToolResult(
                call_id=call.id,
                name=call.name,
                arguments=call.arguments,
                output=output,
                error=error,
                latency_ms=(time.perf_counter() - started) * 1000.0,
            )

        try:
            # Connecting (first call of a locale) is not part of the call's budget.
            session = await self._session(loc)
            if call.name not in session.names:
                return done(error=_unknown_tool(call.name, session.names))
            async with asyncio.timeout(self._timeout_s):
                raw = await session.client.call_tool_mcp(call.name, call.arguments)
        except TimeoutError:
            return done(
                error=ToolErrorInfo(
                    code="timeout",
                    message=f"{call.name} did not answer within {self._timeout_s:g} s",
                )
            )
        except Exception as exc:
            logger.warning("tool call %s failed: %s", call.name, type(exc).__name__)
            await self._drop(loc)
            return done(
                error=ToolErrorInfo(
                    code="unavailable",
                    message=f"the banking tools are unavailable ({type(exc).__name__})",
                )
            )
        output, error = _read_result(call.name, raw)
        return done(output, error)

    async def aclose(self) -> None:
        """Close every session; the host can be used again afterwards (it reconnects)."""
        for loc in list(self._sessions):
            await self._drop(loc)

    # -- sessions -------------------------------------------------------------

    async def _session(self, locale: Locale) -> _Session:
        session = self._sessions.get(locale)
        if session is not None:
            return session
        lock = self._locks.setdefault(locale, asyncio.Lock())
        async with lock:
            session = self._sessions.get(locale)
            if session is not None:
                return session
            client: Client[Any] = Client(self._factory(locale))
            # The MCP client validates structured results with jsonschema, which
            # it imports on the first call (~150 ms): import it now, off the loop.
            await asyncio.to_thread(importlib.import_module, "jsonschema")
            stack = AsyncExitStack()
            await stack.enter_async_context(client)
            try:
                tools = await client.list_tools()
            except BaseException:
                await stack.aclose()
                raise
            specs = [
                ToolSpec(
                    name=t.name,
                    description=t.description or "",
                    input_schema=dict(t.input_schema),
                )
                for t in tools
            ]
            session = _Session(client, stack, specs, frozenset(s.name for s in specs))
            self._sessions[locale] = session
            return session

    async def _drop(self, locale: Locale) -> None:
        session = self._sessions.pop(locale, None)
        if session is None:
            return
        try:
            await session.stack.aclose()
        except Exception as exc:  # closing a broken session must not raise
            logger.debug("closing the %s tool session failed: %r", locale.value, exc)


def _unknown_tool(name: str, names: frozenset[str]) -> ToolErrorInfo:
    return ToolErrorInfo(
        code="unknown_tool",
        message=f"there is no tool called {name!r}",
        field="name",
        allowed=sorted(names),
    )


def _read_result(
    name: str, raw: CallToolResult
) -> tuple[dict[str, Any] | None, ToolErrorInfo | None]:
    """Split an MCP result into (output, error), tolerating servers that send only text."""
    body: Any = raw.structured_content
    if body is None:
        text = "".join(c.text for c in raw.content if isinstance(c, TextContent))
        try:
            body = json.loads(text) if text else None
        except ValueError:
            if raw.is_error:
                body = {"error": {"code": "internal", "message": text}}
            else:
                body = {"text": text}
    if raw.is_error:
        detail = body.get("error") if isinstance(body, dict) else None
        try:
            return None, ToolErrorInfo.model_validate(detail)
        except ValidationError:
            return None, ToolErrorInfo(code="internal", message=f"{name} failed: {body!r}"[:500])
    if isinstance(body, dict):
        return body, None
    return {"result": body}, None
