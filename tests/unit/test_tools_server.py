"""The banking MCP server, exercised through a real in-memory FastMCP client."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.client.transports import StdioTransport

from switchboard.domain.types import Locale
from switchboard.tools.catalog import load_catalog
from switchboard.tools.models import ACCOUNT_TYPES, CARD_TYPES, SERVICE_TYPES
from switchboard.tools.server import (
    REQUIRED_ARGUMENTS,
    TOOL_ARGUMENTS,
    TOOL_NAMES,
    create_banking_server,
)

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(params=list(Locale), ids=lambda loc: loc.value)
async def client(request: pytest.FixtureRequest) -> AsyncIterator[Client[Any]]:
    async with Client(create_banking_server(request.param)) as c:
        c.locale = request.param  # type: ignore[attr-defined]  # test convenience
        yield c


async def _call(
    client: Client[Any], name: str, args: dict[str, Any]
) -> tuple[bool, dict[str, Any]]:
    result = await client.call_tool_mcp(name, args)
    assert isinstance(result.structured_content, dict)
    return result.is_error, result.structured_content


def _miles_or_km(text: str) -> float:
    number = re.match(r"([\d,. ]+)", text)
    assert number, text
    value = number.group(1).strip()
    if "km" in text:  # French: "1 234,5 km"
        return float(value.replace(" ", "").replace(",", "."))
    return float(value.replace(",", ""))


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


# -- schemas ---------------------------------------------------------------------------


async def test_tools_and_enums_are_exposed(client: Client[Any]) -> None:
    tools = {t.name: t for t in await client.list_tools()}
    assert tuple(tools) == TOOL_NAMES
    for name in ("get_branch_account_opening_info", "get_digital_account_opening_info"):
        prop = tools[name].input_schema["properties"]["account_type"]
        assert prop["enum"] == list(ACCOUNT_TYPES)
        assert tools[name].input_schema["required"] == ["account_type"]
    assert tools["get_debit_card_info"].input_schema["properties"]["card_type"]["enum"] == list(
        CARD_TYPES
    )
    branch = tools["find_nearest_branch"].input_schema
    assert branch["required"] == ["location"]
    enums = [o.get("enum") for o in branch["properties"]["service_type"]["anyOf"]]
    assert list(SERVICE_TYPES) in enums
    assert branch["additionalProperties"] is False
    assert tools["get_debit_card_info"].output_schema is not None
    assert tools["find_nearest_branch"].annotations.read_only_hint is True


async def test_argument_tables_match_the_input_schemas() -> None:
    """The middleware's pre-check tables cannot drift from the tools' signatures."""
    async with Client(create_banking_server(Locale.EN_GB, warm=False)) as c:
        tools = {t.name: t.input_schema for t in await c.list_tools()}
    for name, schema in tools.items():
        assert set(schema["properties"]) == set(TOOL_ARGUMENTS[name])
        assert set(schema.get("required", [])) == REQUIRED_ARGUMENTS[name]
        for arg, allowed in TOOL_ARGUMENTS[name].items():
            prop = schema["properties"][arg]
            enums = [prop.get("enum")] + [o.get("enum") for o in prop.get("anyOf", [])]
            if allowed is None:
                assert not any(enums)
            else:
                assert list(allowed) in enums


# -- valid calls -----------------------------------------------------------------------


async def test_branch_account_opening(client: Client[Any]) -> None:
    for account_type in ACCOUNT_TYPES:
        is_error, out = await _call(
            client, "get_branch_account_opening_info", {"account_type": account_type}
        )
        assert not is_error
        assert list(out) == [
            "account_type",
            "channel",
            "documents_required",
            "process_steps",
            "processing_time",
            "benefits",
        ]
        assert out["account_type"] == account_type and out["channel"] == "branch"
        assert len(out["process_steps"]) == 8 and out["documents_required"]
    catalog = load_catalog(client.locale)  # type: ignore[attr-defined]
    _, out = await _call(client, "get_branch_account_opening_info", {"account_type": "checking"})
    assert out["process_steps"] == list(catalog.accounts.branch_process)
    assert "5" in out["processing_time"] and "7" in out["processing_time"]  # card in 5-7 days


async def test_digital_account_opening(client: Client[Any]) -> None:
    for account_type in ACCOUNT_TYPES:
        is_error, out = await _call(
            client, "get_digital_account_opening_info", {"account_type": account_type}
        )
        assert not is_error
        assert list(out) == [
            "account_type",
            "channel",
            "documents_required",
            "process_steps",
            "processing_time",
            "benefits",
            "requirements",
        ]
        assert out["channel"] == "digital" and len(out["process_steps"]) == 10
        assert out["requirements"]
    _, checking = await _call(
        client, "get_digital_account_opening_info", {"account_type": "checking"}
    )
    assert "10" in checking["processing_time"] and "15" in checking["processing_time"]


async def test_debit_cards(client: Client[Any]) -> None:
    for card_type in CARD_TYPES:
        is_error, out = await _call(client, "get_debit_card_info", {"card_type": card_type})
        assert not is_error
        assert list(out) == [
            "card_type",
            "card_details",
            "ordering_process",
            "replacement_info",
            "activation",
        ]
        assert list(out["card_details"]) == [
            "name",
            "features",
            "fees",
            "eligibility",
            "delivery_time",
        ]
        assert len(out["ordering_process"]) == 8 and out["card_details"]["features"]


@pytest.mark.parametrize(
    ("locale", "money"),
    [(Locale.EN_GB, "£15 a month"), (Locale.EN_US, "$15 a month"), (Locale.FR_FR, "12 € par mois")],
)
async def test_fees_are_in_the_locale_currency(locale: Locale, money: str) -> None:
    async with Client(create_banking_server(locale, warm=False)) as c:
        _, out = await _call(c, "get_debit_card_info", {"card_type": "premium"})
    assert money in out["card_details"]["fees"]
    symbols = {"£", "$", "€"} - {
        "£" if locale is Locale.EN_GB else "$" if locale is Locale.EN_US else "€"
    }
    assert not any(s in out["card_details"]["fees"] for s in symbols)


async def test_french_content_is_in_french() -> None:
    async with Client(create_banking_server(Locale.FR_FR, warm=False)) as c:
        _, out = await _call(c, "get_branch_account_opening_info", {"account_type": "checking"})
    assert any("carte nationale d'identité" in d for d in out["documents_required"])
    assert "Votre compte est actif" in out["processing_time"]


@pytest.mark.parametrize(
    ("locale", "location", "first_city"),
    [
        (Locale.EN_GB, "M1 1AE", "Manchester"),
        (Locale.EN_GB, "Birmingham", "Birmingham"),
        (Locale.EN_GB, "London", "London"),
        (Locale.EN_US, "60601", "Chicago"),
        (Locale.EN_US, "Houston", "Houston"),
        (Locale.FR_FR, "69002", "Lyon"),
        (Locale.FR_FR, "Marseille", "Marseille"),
    ],
)
async def test_nearest_branch_is_in_the_right_city(
    locale: Locale, location: str, first_city: str
) -> None:
    async with Client(create_banking_server(locale)) as c:
        is_error, out = await _call(c, "find_nearest_branch", {"location": location})
    assert not is_error
    assert out["branches"][0]["address"].count(first_city) == 1
    assert out["branches_found"] == len(out["branches"]) == 3
    assert out["service_requested"] == "any"
    distances = [_miles_or_km(b["distance"]) for b in out["branches"]]
    assert distances == sorted(distances)


async def test_manchester_postcode_distance_is_the_real_one() -> None:
    async with Client(create_banking_server(Locale.EN_GB)) as c:
        _, out = await _call(
            c, "find_nearest_branch", {"location": "M1 1AE", "service_type": "business_banking"}
        )
    first = out["branches"][0]
    assert first["name"] == "Manchester King Street"
    assert first["specialists_available"] is True
    # M1 district centroid (data file) → the King Street branch (data file), independent haversine.
    expected_miles = _haversine_km((53.478, -2.236), (53.4810, -2.2440)) / 1.609344
    assert _miles_or_km(first["distance"]) == pytest.approx(expected_miles, abs=0.05)
    assert all("business_banking" in b["services"] for b in out["branches"])
    assert first["phone"] == "0161 496 0201"
    assert first["hours"].startswith("Mon–Wed 09:00–17:00")


async def test_far_location_still_gets_branches_with_distance() -> None:
    async with Client(create_banking_server(Locale.EN_GB)) as c:
        is_error, out = await _call(c, "find_nearest_branch", {"location": "Inverness"})
    assert not is_error
    assert out["branches"][0]["name"].startswith(("Glasgow", "Edinburgh"))
    assert 100 < _miles_or_km(out["branches"][0]["distance"]) < 125


async def test_kilometres_in_france() -> None:
    async with Client(create_banking_server(Locale.FR_FR)) as c:
        _, out = await _call(
            c, "find_nearest_branch", {"location": "Lyon", "service_type": "business_banking"}
        )
    assert out["branches"][0]["name"] == "Lyon Bellecour"
    assert out["branches"][0]["distance"].endswith(" km")
    assert out["branches"][0]["address"].endswith("69002 Lyon")
    assert out["branches"][0]["hours"] == "mar.–ven. 09:00–18:00, sam. 09:00–12:30"


# -- invalid calls ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "code", "field", "allowed"),
    [
        (
            "get_branch_account_opening_info",
            {"account_type": "gold"},
            "invalid_argument",
            "account_type",
            ACCOUNT_TYPES,
        ),
        (
            "get_digital_account_opening_info",
            {"account_type": 3},
            "invalid_argument",
            "account_type",
            ACCOUNT_TYPES,
        ),
        ("get_branch_account_opening_info", {}, "invalid_argument", "account_type", ACCOUNT_TYPES),
        (
            "get_debit_card_info",
            {"card_type": "platinum"},
            "invalid_argument",
            "card_type",
            CARD_TYPES,
        ),
        (
            "get_debit_card_info",
            {"card_type": "virtual", "colour": "red"},
            "invalid_argument",
            "colour",
            ("card_type",),
        ),
        ("find_nearest_branch", {"location": ""}, "invalid_argument", "location", None),
        ("find_nearest_branch", {"location": "   "}, "invalid_argument", "location", None),
        (
            "find_nearest_branch",
            {"location": "M1", "service_type": "mortgages"},
            "invalid_argument",
            "service_type",
            SERVICE_TYPES,
        ),
        ("find_nearest_branch", {"location": "Q1 1ZZ"}, "invalid_argument", "location", None),
        ("find_nearest_branch", {"location": "Atlantis"}, "not_found", "location", None),
        ("find_nearest_branch", {"location": 42}, "invalid_argument", "location", None),
        ("transfer_money", {"amount": 10}, "unknown_tool", "name", TOOL_NAMES),
    ],
)
async def test_bad_calls_return_structured_errors(
    name: str, args: dict[str, Any], code: str, field: str, allowed: tuple[str, ...] | None
) -> None:
    async with Client(create_banking_server(Locale.EN_GB, warm=False)) as c:
        result = await c.call_tool_mcp(name, args)
        assert result.is_error
        error = result.structured_content["error"]  # type: ignore[index]
        assert error["code"] == code
        assert error["field"] == field
        assert error.get("allowed") == (list(allowed) if allowed is not None else None)
        assert error["message"]
        # The text content carries the same JSON for clients that ignore structured content.
        assert '"error"' in result.content[0].text  # type: ignore[union-attr]
        # The server is still fine afterwards.
        ok = await c.call_tool_mcp("get_debit_card_info", {"card_type": "standard"})
        assert not ok.is_error


async def test_no_branch_offering_a_service_is_not_found() -> None:
    catalog = load_catalog(Locale.EN_GB)
    only_general = catalog.model_copy(
        update={
            "branches": catalog.branches.model_copy(
                update={
                    "branches": [
                        b.model_copy(update={"services": ["general"], "specialists": []})
                        for b in catalog.branches.branches
                    ]
                }
            )
        }
    )
    async with Client(create_banking_server(Locale.EN_GB, only_general, warm=False)) as c:
        result = await c.call_tool_mcp(
            "find_nearest_branch", {"location": "M1", "service_type": "business_banking"}
        )
    assert result.is_error
    error = result.structured_content["error"]  # type: ignore[index]
    assert error["code"] == "not_found" and error["allowed"] == ["general"]


def test_catalog_of_another_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="catalog is for fr_FR"):
        create_banking_server(Locale.EN_GB, load_catalog(Locale.FR_FR))


async def test_run_stdio_serves_a_real_stdio_client() -> None:
    transport = StdioTransport(
        command=sys.executable,
        args=["-c", "from switchboard.tools.server import run_stdio; run_stdio('fr_FR')"],
        env={"PYTHONPATH": str(SRC), "FASTMCP_LOG_LEVEL": "WARNING"},
        keep_alive=False,
    )
    async with Client(transport, timeout=30) as c:
        names = [t.name for t in await c.list_tools()]
        result = await c.call_tool_mcp("find_nearest_branch", {"location": "75011"})
    assert names == list(TOOL_NAMES)
    assert not result.is_error
    assert result.structured_content["branches"][0]["name"] == "Paris Bastille"  # type: ignore[index]
