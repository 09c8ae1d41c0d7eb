"""McpToolHost: the ToolHost port over in-memory FastMCP clients."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastmcp import FastMCP

from switchboard.domain.types import Locale, ToolCall
from switchboard.ports import ToolHost
from switchboard.tools.host import McpToolHost
from switchboard.tools.models import ACCOUNT_TYPES
from switchboard.tools.server import TOOL_NAMES, create_banking_server


def _with_extra_tools(locale: Locale) -> FastMCP[Any]:
    """The banking server plus a slow tool and a broken tool, to test the host's mapping."""
    server = create_banking_server(locale, warm=False)

    @server.tool
    async def slow(seconds: float) -> dict[str, Any]:
        """Sleep, then answer."""
        await asyncio.sleep(seconds)
        return {"slept": seconds}

    @server.tool
    async def broken() -> dict[str, Any]:
        """Always fail."""
        raise RuntimeError("database password is hunter2")

    return server


async def test_host_satisfies_the_port() -> None:
    host = McpToolHost()
    assert isinstance(host, ToolHost)
    await host.aclose()


async def test_list_tools_gives_specs_with_enums() -> None:
    host = McpToolHost()
    try:
        specs = await host.list_tools(Locale.EN_GB)
        assert [s.name for s in specs] == list(TOOL_NAMES)
        by_name = {s.name: s for s in specs}
        schema = by_name["get_branch_account_opening_info"].input_schema
        assert schema["properties"]["account_type"]["enum"] == list(ACCOUNT_TYPES)
        assert "8-step" in by_name["get_branch_account_opening_info"].description
        assert await host.list_tools("en_GB") == specs  # same session, same list
    finally:
        await host.aclose()


async def test_calls_per_locale_return_output() -> None:
    host = McpToolHost()
    try:
        for locale, currency in ((Locale.EN_GB, "£"), (Locale.EN_US, "$"), (Locale.FR_FR, "€")):
            call = ToolCall(name="get_debit_card_info", arguments={"card_type": "premium"})
            result = await host.call(call, locale)
            assert result.ok, result.error
            assert result.call_id == call.id and result.name == call.name
            assert result.arguments == {"card_type": "premium"}
            assert result.output is not None
            assert currency in result.output["card_details"]["fees"]
            assert result.latency_ms > 0
        branch = await host.call(
            ToolCall(name="find_nearest_branch", arguments={"location": "M1 1AE"}), "en_GB"
        )
        assert branch.ok and branch.output is not None
        assert branch.output["branches"][0]["name"].startswith("Manchester")
    finally:
        await host.aclose()


@pytest.mark.parametrize(
    ("name", "arguments", "code", "field"),
    [
        (
            "get_branch_account_opening_info",
            {"account_type": "gold"},
            "invalid_argument",
            "account_type",
        ),
        ("find_nearest_branch", {"location": "Atlantis"}, "not_found", "location"),
        ("find_nearest_branch", {"location": "M1", "radius": 5}, "invalid_argument", "radius"),
        ("open_the_vault", {}, "unknown_tool", "name"),
    ],
)
async def test_failures_come_back_as_tool_errors(
    name: str, arguments: dict[str, Any], code: str, field: str
) -> None:
    host = McpToolHost()
    try:
        result = await host.call(ToolCall(name=name, arguments=arguments), Locale.EN_GB)
        assert not result.ok and result.output is None
        assert result.error is not None
        assert (result.error.code, result.error.field) == (code, field)
        if code == "unknown_tool":
            assert result.error.allowed == sorted(TOOL_NAMES)
    finally:
        await host.aclose()


async def test_timeout_and_internal_errors() -> None:
    host = McpToolHost(timeout_s=0.3, server_factory=_with_extra_tools)
    try:
        slow = await host.call(ToolCall(name="slow", arguments={"seconds": 5}), Locale.EN_GB)
        assert slow.error is not None and slow.error.code == "timeout"
        assert 250 < slow.latency_ms < 2000
        # The session survives a timeout.
        quick = await host.call(ToolCall(name="slow", arguments={"seconds": 0}), Locale.EN_GB)
        assert quick.ok and quick.output == {"slept": 0}
        broken = await host.call(ToolCall(name="broken"), Locale.EN_GB)
        assert broken.error is not None and broken.error.code == "internal"
        assert "hunter2" not in broken.error.message  # internals are not leaked
    finally:
        await host.aclose()


async def test_a_server_that_cannot_start_is_unavailable() -> None:
    def failing(locale: Locale) -> FastMCP[Any]:
        raise RuntimeError("no bank data")

    host = McpToolHost(server_factory=failing)
    result = await host.call(
        ToolCall(name="get_debit_card_info", arguments={"card_type": "virtual"}), "en_GB"
    )
    assert result.error is not None and result.error.code == "unavailable"
    await host.aclose()


async def test_aclose_then_reuse_reconnects() -> None:
    host = McpToolHost()
    call = ToolCall(name="get_debit_card_info", arguments={"card_type": "virtual"})
    assert (await host.call(call, Locale.EN_US)).ok
    await host.aclose()
    assert (await host.call(call, Locale.EN_US)).ok
    await host.aclose()
    await host.aclose()  # idempotent


async def test_concurrent_first_calls_share_one_session() -> None:
    built: list[Locale] = []

    def counting(locale: Locale) -> FastMCP[Any]:
        built.append(locale)
        return create_banking_server(locale, warm=False)

    host = McpToolHost(server_factory=counting)
    try:
        calls = [
            ToolCall(name="get_debit_card_info", arguments={"card_type": t})
            for t in ("standard", "virtual")
        ] * 4
        results = await asyncio.gather(*(host.call(c, Locale.EN_GB) for c in calls))
        assert all(r.ok for r in results)
        assert built == [Locale.EN_GB]
    finally:
        await host.aclose()


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError):
        McpToolHost(timeout_s=0)
