"""The banking tools as a FastMCP server, one server per locale.

Seed 2 §2 "FastMCP 2.0 Tools" defines four tools; seed 1 §2 injects the
locale into the MCP server (the ``LOCALE`` variable) while the tool
signatures stay the same. :func:`create_banking_server` builds that server;
:func:`run_stdio` serves it to any MCP client over stdio (``switchboard mcp``).

Errors are results, not crashes: a bad argument, an unknown place or an
unknown tool comes back as an MCP result with ``isError: true`` whose
structured content (and JSON text) is
``{"error": {"code", "message", "field", "allowed"}}`` — the shape of
:class:`switchboard.domain.types.ToolErrorInfo` — so an LLM can correct the
call. Input schemas keep their JSON-schema ``enum`` lists.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio.to_thread
from fastmcp import FastMCP
from fastmcp.exceptions import NotFoundError, ToolError, ValidationError
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.tools.base import ToolResult
from mcp_types import CallToolRequestParams, TextContent, ToolAnnotations
from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from switchboard.domain.types import Locale, ToolErrorInfo
from switchboard.tools.catalog import BankCatalog
from switchboard.tools.models import (
    ACCOUNT_TYPES,
    CARD_TYPES,
    SERVICE_TYPES,
    AccountType,
    BranchAccountOpeningInfo,
    BranchSearchResult,
    CardType,
    DebitCardInfo,
    DigitalAccountOpeningInfo,
    ServiceType,
)
from switchboard.tools.service import BankingTools, ToolFailure

logger = logging.getLogger(__name__)

#: The tool names (seed 2 §2), in the order they are registered.
TOOL_NAMES: tuple[str, ...] = (
    "get_branch_account_opening_info",
    "get_digital_account_opening_info",
    "get_debit_card_info",
    "find_nearest_branch",
)

#: Arguments each tool accepts, with their closed set of values (None: free text).
TOOL_ARGUMENTS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "get_branch_account_opening_info": {"account_type": ACCOUNT_TYPES},
    "get_digital_account_opening_info": {"account_type": ACCOUNT_TYPES},
    "get_debit_card_info": {"card_type": CARD_TYPES},
    "find_nearest_branch": {"location": None, "service_type": SERVICE_TYPES},
}

#: Arguments each tool requires (the others are optional).
REQUIRED_ARGUMENTS: dict[str, frozenset[str]] = {
    "get_branch_account_opening_info": frozenset({"account_type"}),
    "get_digital_account_opening_info": frozenset({"account_type"}),
    "get_debit_card_info": frozenset({"card_type"}),
    "find_nearest_branch": frozenset({"location"}),
}

_READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)

_LOCALE_NOTES = {
    Locale.EN_GB: "UK English; amounts in GBP; distances in miles; UK postcodes.",
    Locale.EN_US: "US English; amounts in USD; distances in miles; US ZIP codes.",
    Locale.FR_FR: "content in French; amounts in EUR; distances in km; French codes postaux.",
}


class _StructuredToolError(ToolError):
    """Carries a :class:`ToolErrorInfo` out of a tool body to the middleware."""

    def __init__(self, info: ToolErrorInfo) -> None:
        # An expected outcome (the brain sent a bad value), not a server fault.
        super().__init__(info.message, log_level=logging.DEBUG)
        self.info = info


def error_result(info: ToolErrorInfo) -> ToolResult:
    """Build an MCP error result whose JSON body is ``{"error": {...ToolErrorInfo}}``."""
    body = {"error": info.model_dump(exclude_none=True)}
    return ToolResult(
        content=[TextContent(type="text", text=json.dumps(body, ensure_ascii=False))],
        structured_content=body,
        is_error=True,
    )


def precheck_arguments(tool: str, arguments: dict[str, Any]) -> ToolErrorInfo | None:
    """Check argument names and enum values before the call (seed 2 §2 input schemas).

    Catches the usual LLM mistakes — an unknown or missing argument, a value
    outside an enum — cheaply and with a precise ``field``/``allowed``; type
    errors and free-text checks are left to the tool's own validation.

    Returns:
        The error to return, or None when the call may proceed (also for a
        tool this server does not describe).

    """
    accepted = TOOL_ARGUMENTS.get(tool)
    if accepted is None:
        return None
    for key in arguments:
        if key not in accepted:
            return ToolErrorInfo(
                code="invalid_argument",
                message=f"{tool} has no argument {key!r}; it accepts: {', '.join(accepted)}",
                field=key,
                allowed=list(accepted),
            )
    for key in sorted(REQUIRED_ARGUMENTS.get(tool, frozenset())):
        if key not in arguments:
            allowed = accepted[key]
            return ToolErrorInfo(
                code="invalid_argument",
                message=f"{tool} needs the argument {key!r}",
                field=key,
                allowed=list(allowed) if allowed is not None else None,
            )
    for key, value in arguments.items():
        allowed = accepted[key]
        optional = key not in REQUIRED_ARGUMENTS.get(tool, frozenset())
        if allowed is None or (value is None and optional) or value in allowed:
            continue
        return ToolErrorInfo(
            code="invalid_argument",
            message=f"{key} must be one of {', '.join(allowed)}; got {value!r}",
            field=key,
            allowed=list(allowed),
        )
    return None


def _from_pydantic(tool: str, error: PydanticValidationError) -> ToolErrorInfo:
    """Turn fastmcp's argument validation failure into one actionable error."""
    accepted = TOOL_ARGUMENTS.get(tool, {})
    problems = error.errors(include_url=False)
    first = problems[0] if problems else {"type": "", "loc": (), "msg": str(error)}
    loc = first.get("loc") or ()
    field = str(loc[0]) if loc else None
    kind = first.get("type", "")
    if kind == "unexpected_keyword_argument":
        return ToolErrorInfo(
            code="invalid_argument",
            message=f"{tool} has no argument {field!r}; it accepts: {', '.join(accepted)}",
            field=field,
            allowed=list(accepted),
        )
    allowed = accepted.get(field) if field else None
    if kind == "missing_argument":
        message = f"{tool} needs the argument {field!r}"
    elif kind == "string_too_short":
        message = f"{field} must not be empty"
    elif allowed is not None:
        message = f"{field} must be one of {', '.join(allowed)}; got {first.get('input')!r}"
    else:
        message = f"{field}: {first.get('msg', 'invalid value')}"
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more problem(s) with the arguments)"
    return ToolErrorInfo(
        code="invalid_argument",
        message=message,
        field=field,
        allowed=list(allowed) if allowed is not None else None,
    )


class StructuredErrorMiddleware(Middleware):
    """Answers every failed ``tools/call`` with a structured error result.

    - tool-body failures (:class:`ToolFailure`) keep their code;
    - argument validation (wrong enum value, missing or extra argument,
      wrong type) becomes ``invalid_argument`` with ``field`` and ``allowed``;
    - an unknown tool name becomes ``unknown_tool`` with the tool names;
    - anything else becomes ``internal`` (logged with its traceback).
    """

    async def on_call_tool(
        self,
        context: MiddlewareContext[CallToolRequestParams],
        call_next: CallNext[CallToolRequestParams, ToolResult],
    ) -> ToolResult:
        """Run the call; convert any failure into an error result."""
        name = context.message.name
        early = precheck_arguments(name, dict(context.message.arguments or {}))
        if early is not None:
            return error_result(early)
        try:
            return await call_next(context)
        except _StructuredToolError as exc:
            return error_result(exc.info)
        except ValidationError as exc:
            cause = exc.__cause__
            if isinstance(cause, PydanticValidationError):
                return error_result(_from_pydantic(name, cause))
            return error_result(ToolErrorInfo(code="invalid_argument", message=str(exc)))
        except NotFoundError:
            return error_result(
                ToolErrorInfo(
                    code="unknown_tool",
                    message=f"there is no tool called {name!r}",
                    field="name",
                    allowed=list(TOOL_NAMES),
                )
            )
        except Exception:
            logger.exception("banking tool %s failed", name)
            return error_result(
                ToolErrorInfo(code="internal", message=f"{name} failed unexpectedly")
            )


def create_banking_server(
    locale: Locale | str = Locale.EN_GB,
    catalog: BankCatalog | None = None,
    *,
    warm: bool = True,
) -> FastMCP[Any]:
    """Build the banking MCP server for one locale.

    Args:
        locale: "en_GB" (default), "en_US" or "fr_FR" — every answer uses this
            locale's data, currency, postcode rules and distance unit.
        catalog: the bank data; :func:`switchboard.tools.catalog.load_catalog`
            of the locale when None.
        warm: load the geocoding tables (≈1 s, once per process) in a worker
            thread when a client connects, instead of on the first
            ``find_nearest_branch`` call.

    Returns:
        A FastMCP server exposing the four tools of seed 2 §2.

    Raises:
        switchboard.tools.catalog.CatalogError: when the bank data is invalid.
        ValueError: for an unsupported locale or a catalog of another locale.

    """
    loc = Locale(locale)
    tools = BankingTools(loc, catalog)

    @asynccontextmanager
    async def lifespan(_: FastMCP[Any]) -> AsyncIterator[dict[str, Any]]:
        if warm:
            await anyio.to_thread.run_sync(tools.geocoder.warm)
        yield {}

    server: FastMCP[Any] = FastMCP(
        name=f"switchboard-banking-{loc.value}",
        instructions=(
            f"Banking tools of a demo bank for locale {loc.value} ({_LOCALE_NOTES[loc]}). "
            "Answer customers only from these tools' results. Errors come back as "
            '{"error": {"code", "message", "field", "allowed"}}.'
        ),
        middleware=[StructuredErrorMiddleware()],
        lifespan=lifespan,
        mask_error_details=True,
    )

    _add_product_tools(server, tools)
    _add_branch_tool(server, tools)
    return server


def _run(fn: Any, *args: Any) -> Any:
    """Call a :class:`BankingTools` method; a ``ToolFailure`` becomes the structured error."""
    try:
        return fn(*args)
    except ToolFailure as exc:
        raise _StructuredToolError(exc.info) from None


def _add_product_tools(server: FastMCP[Any], tools: BankingTools) -> None:
    """Register the account-opening (branch, digital) and debit-card tools (seed 2 §2)."""

    @server.tool(
        name="get_branch_account_opening_info",
        description=(
            "How to open an account in a branch: the documents to bring, the 8-step "
            "branch process, the processing time (account active immediately, card by "
            "post) and the benefits, for one account type."
        ),
        annotations=_READ_ONLY,
    )
    async def get_branch_account_opening_info(
        account_type: Annotated[AccountType, Field(description="The kind of account.")],
    ) -> BranchAccountOpeningInfo:
        result: BranchAccountOpeningInfo = _run(tools.branch_account_opening, account_type)
        return result

    @server.tool(
        name="get_digital_account_opening_info",
        description=(
            "How to open an account online or in the app: the documents to upload, the "
            "10-step online process, the processing time, the benefits (24/7, instant "
            "decision, faster card) and the digital requirements (mobile number, email, "
            "photo upload), for one account type."
        ),
        annotations=_READ_ONLY,
    )
    async def get_digital_account_opening_info(
        account_type: Annotated[AccountType, Field(description="The kind of account.")],
    ) -> DigitalAccountOpeningInfo:
        result: DigitalAccountOpeningInfo = _run(tools.digital_account_opening, account_type)
        return result

    @server.tool(
        name="get_debit_card_info",
        description=(
            "One debit card: its name, features, fees, eligibility and delivery time, the "
            "8-step ordering process, how to activate it and how replacement works."
        ),
        annotations=_READ_ONLY,
    )
    async def get_debit_card_info(
        card_type: Annotated[CardType, Field(description="The kind of debit card.")],
    ) -> DebitCardInfo:
        result: DebitCardInfo = _run(tools.debit_card, card_type)
        return result


def _add_branch_tool(server: FastMCP[Any], tools: BankingTools) -> None:
    """Register ``find_nearest_branch`` (seed 2 §2)."""

    @server.tool(
        name="find_nearest_branch",
        description=(
            "The nearest branches to a postcode/ZIP code or a city, nearest first, with "
            "address, phone, opening hours, services, distance and whether specialists "
            "are available. Optionally only branches offering one service."
        ),
        annotations=_READ_ONLY,
    )
    async def find_nearest_branch(
        location: Annotated[
            str,
            Field(
                description="A postcode (ZIP code, code postal) or a city name.",
                min_length=1,
                max_length=200,
            ),
        ],
        service_type: Annotated[
            ServiceType | None,
            Field(description="Only branches offering this service; any when omitted."),
        ] = None,
    ) -> BranchSearchResult:
        result: BranchSearchResult = _run(tools.nearest_branches, location, service_type)
        return result


async def run_stdio_async(locale: Locale | str = Locale.EN_GB) -> None:
    """Serve the banking tools of ``locale`` over stdio until the client closes."""
    await create_banking_server(locale).run_async(transport="stdio", show_banner=False)


def run_stdio(locale: Locale | str = Locale.EN_GB) -> None:
    """Serve the banking tools of ``locale`` over stdio (blocking; ``switchboard mcp``).

    Raises:
        switchboard.tools.catalog.CatalogError: when the bank data is invalid.
        ValueError: for an unsupported locale.

    """
    anyio.run(run_stdio_async, Locale(locale))
