"""Banking tools: the bank's data, locale rules, the FastMCP server and the tool host.

Public API (seed 2 §2 "FastMCP 2.0 Tools", seed 1 §2 localisation)::

    from switchboard.tools import load_catalog, rules_for, BankingTools
    from switchboard.tools.server import create_banking_server, run_stdio
    from switchboard.tools.host import McpToolHost

The server and host modules import FastMCP; they are not imported here so that
readers of the catalog (validation agent, dialogue) stay light.
"""

from switchboard.tools.catalog import BankCatalog, CatalogError, load_catalog
from switchboard.tools.locale import LocaleRules, Postcode, rules_for
from switchboard.tools.models import (
    ACCOUNT_TYPES,
    CARD_TYPES,
    SERVICE_TYPES,
    BranchAccountOpeningInfo,
    BranchInfo,
    BranchSearchResult,
    CardDetails,
    DebitCardInfo,
    DigitalAccountOpeningInfo,
)
from switchboard.tools.service import BankingTools, ToolFailure

__all__ = [
    "ACCOUNT_TYPES",
    "CARD_TYPES",
    "SERVICE_TYPES",
    "BankCatalog",
    "BankingTools",
    "BranchAccountOpeningInfo",
    "BranchInfo",
    "BranchSearchResult",
    "CardDetails",
    "CatalogError",
    "DebitCardInfo",
    "DigitalAccountOpeningInfo",
    "LocaleRules",
    "Postcode",
    "ToolFailure",
    "load_catalog",
    "rules_for",
]
